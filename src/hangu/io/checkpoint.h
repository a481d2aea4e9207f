#pragma once
// Training checkpoints: named tensors (model, optimizer state, ...) plus one JSON metadata string
// (epoch, step, data position, optimizer and scheduler options, RNG states), stored as a single
// safetensors file written atomically. The metadata key "hangu_checkpoint" holds
//   {"format": "hangu.checkpoint", "version": 1, "meta": <the caller's JSON>, "crc32": {name: hex}}
// and every tensor's bytes are verified against its CRC32 on load.
#include <string>

#include "hangu/core/rng.h"
#include "hangu/io/json.h"
#include "hangu/io/safetensors.h"

namespace hangu::io {

inline constexpr const char* kCheckpointKey = "hangu_checkpoint";
inline constexpr int64_t kCheckpointVersion = 1;

struct Checkpoint {
  NamedTensors tensors;
  std::string meta_json = "{}";  // any JSON text
};

// Writes `ckpt` to `path` atomically (temporary file, fsync, rename, fsync of the folder): on any
// failure the previous file at `path` is left as it was. Throws FormatError for a meta_json
// that is not JSON, ValueError for duplicate names, IoError when the OS fails.
void save_checkpoint(const std::string& path, const Checkpoint& ckpt);
// Reads and verifies a checkpoint. Throws IoError when unreadable, FormatError when it is not a
// Hangu checkpoint or a tensor fails its checksum (the message names the tensor).
Checkpoint load_checkpoint(const std::string& path);
// The same from bytes in memory; `name` is used in error messages.
Checkpoint parse_checkpoint(const void* data, size_t size, const std::string& name);

// CRC32 (zlib) of a tensor's bytes in contiguous order.
uint32_t tensor_crc32(const Tensor& t);

// A Generator's state as JSON {"seed": "<decimal>", "offset": "<decimal>"} (strings: uint64
// does not fit JSON integers) and back; FormatError naming `source` when malformed.
Json generator_state_to_json(const Generator::State& s);
Generator::State generator_state_from_json(const Json& j, const std::string& source);

}  // namespace hangu::io

#pragma once
// safetensors files (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}},
// then the tensor bytes. The file is treated as hostile: the header is capped at 100 MB, every
// offset is checked against the data section, sizes use overflow-checked arithmetic, and the
// tensors must cover the data section exactly (no holes, no overlaps), as the reference requires.
// dtypes: BOOL U8 I8 I16 I32 I64 F16 BF16 F32 F64; others (U16, U32, U64, F8_*) are rejected.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hangu/core/tensor.h"

namespace hangu::io {

inline constexpr int64_t kSafetensorsMaxHeaderBytes = 100'000'000;  // as the reference reader
inline constexpr int64_t kSafetensorsMaxRank = 64;

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

struct SafetensorsFile {
  NamedTensors tensors;                         // in the order of the header
  std::map<std::string, std::string> metadata;  // "__metadata__"
  // The tensor called `name`, or nullptr.
  const Tensor* find(std::string_view name) const;
};

// Memory-maps `path`; tensors view the mapping (private copy-on-write pages: writing to a tensor
// never changes the file), which is unmapped when the last tensor goes. A tensor whose bytes are
// not aligned to its element size in the file is copied instead. Throws IoError when the file
// cannot be read, FormatError (naming the file, the field and what was expected) when it is
// malformed. As with any mmap, truncating the file while tensors still view it is not safe.
SafetensorsFile load_safetensors(const std::string& path);
// Parses safetensors bytes, copying every tensor; `name` is used in error messages.
SafetensorsFile parse_safetensors(const void* data, size_t size, const std::string& name);

// Writes the tensors (any strides; stored contiguous, in the given order, under the given names)
// atomically: a temporary file in the same folder, fsync, rename, fsync of the folder. Throws
// ValueError for duplicate names or the reserved name "__metadata__", IoError on OS failures.
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});
std::string serialize_safetensors(const NamedTensors& tensors, const std::map<std::string, std::string>& metadata = {});

// "F32", "BF16", "BOOL", ...
std::string_view safetensors_dtype_name(DType t);
bool parse_safetensors_dtype(std::string_view name, DType* out);

}  // namespace hangu::io

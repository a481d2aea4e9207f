// Fuzz target: the checkpoint metadata (io/checkpoint.h). The input is the text stored under the
// safetensors metadata key "hangu_checkpoint" of a file holding two small tensors; it goes through
// the checkpoint's validation (format, version, one CRC32 per tensor) and, when accepted, the
// generator state reader the trainer uses on --resume.
#include <string>

#include "fuzz_entry.h"
#include "hangu/core/error.h"
#include "hangu/io/checkpoint.h"
#include "hangu/ops/creation.h"

HANGU_FUZZ_ENTRY(checkpoint) {
  using namespace hangu;
  static const io::NamedTensors tensors = {{"w", arange(0, 6, 1, DType::f32)}, {"n", arange(0, 3, 1, DType::i64)}};
  try {
    std::string meta(reinterpret_cast<const char*>(data), size);
    std::string file = io::serialize_safetensors(tensors, {{io::kCheckpointKey, meta}});
    io::Checkpoint c = io::parse_checkpoint(file.data(), file.size(), "fuzz checkpoint");
    HANGU_FUZZ_CHECK(c.tensors.size() == tensors.size());
    io::Json m = io::Json::parse(c.meta_json, "fuzz checkpoint meta");
    if (const io::Json* rng = m.find("rng"))
      if (const io::Json* d = rng->find("default")) (void)io::generator_state_from_json(*d, "fuzz checkpoint");
  } catch (const hangu::Error&) {
  }
  return 0;
}

// Fuzz target: safetensors headers and data (io/safetensors.h). An accepted file must survive a
// write and re-read unchanged.
#include <cstring>

#include "fuzz_entry.h"
#include "hangu/core/error.h"
#include "hangu/io/safetensors.h"

HANGU_FUZZ_ENTRY(safetensors) {
  using namespace hangu;
  try {
    io::SafetensorsFile f = io::parse_safetensors(data, size, "fuzz.safetensors");
    std::string again = io::serialize_safetensors(f.tensors, f.metadata);
    io::SafetensorsFile g = io::parse_safetensors(again.data(), again.size(), "round trip");
    HANGU_FUZZ_CHECK(g.tensors.size() == f.tensors.size() && g.metadata == f.metadata);
    for (size_t i = 0; i < f.tensors.size(); ++i) {
      const Tensor &a = f.tensors[i].second, &b = g.tensors[i].second;
      HANGU_FUZZ_CHECK(f.tensors[i].first == g.tensors[i].first);
      HANGU_FUZZ_CHECK(a.dtype() == b.dtype() && a.shape() == b.shape() && a.nbytes() == b.nbytes());
      HANGU_FUZZ_CHECK(a.nbytes() == 0 || std::memcmp(a.data(), b.data(), static_cast<size_t>(a.nbytes())) == 0);
    }
  } catch (const hangu::Error&) {
  }
  return 0;
}

// Fuzz target: NumPy .npy files (io/npy.h). An accepted array must survive a write and re-read.
#include <cstring>

#include "fuzz_entry.h"
#include "hangu/core/error.h"
#include "hangu/io/npy.h"

HANGU_FUZZ_ENTRY(npy) {
  using namespace hangu;
  try {
    Tensor t = io::parse_npy(data, size, "fuzz.npy");
    HANGU_FUZZ_CHECK(t.is_contiguous());
    std::string again = io::serialize_npy(t);
    Tensor u = io::parse_npy(again.data(), again.size(), "round trip");
    HANGU_FUZZ_CHECK(u.dtype() == t.dtype() && u.shape() == t.shape());
    HANGU_FUZZ_CHECK(t.nbytes() == 0 || std::memcmp(t.data(), u.data(), static_cast<size_t>(t.nbytes())) == 0);
  } catch (const hangu::Error&) {
  }
  return 0;
}

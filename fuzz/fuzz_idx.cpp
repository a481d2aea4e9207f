// Fuzz target: MNIST IDX files, raw or gzip (data/mnist.h). The reader takes a path, so the input
// goes to an in-memory file; it is read both as an image file and as a label file (the magic
// number sends one of them away at once).
#include "fuzz_entry.h"
#include "fuzz_memfd.h"
#include "hangu/core/error.h"
#include "hangu/data/mnist.h"

HANGU_FUZZ_ENTRY(idx) {
  using namespace hangu;
  fuzz::MemFile f(data, size);
  if (!f.ok()) return 0;
  try {
    Tensor images = data::read_idx_images(f.path());
    HANGU_FUZZ_CHECK(images.dim() == 3 && images.size(1) == data::kMnistSide && images.size(2) == data::kMnistSide);
  } catch (const hangu::Error&) {
  }
  try {
    Tensor labels = data::read_idx_labels(f.path());
    HANGU_FUZZ_CHECK(labels.dim() == 1);
  } catch (const hangu::Error&) {
  }
  return 0;
}

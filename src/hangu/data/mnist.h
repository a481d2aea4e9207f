#pragma once
// MNIST in IDX format (http://yann.lecun.com/exdb/mnist/), gzip-compressed or not. Files are
// treated as hostile: magic numbers, dims, lengths (also after decompression, reading never more
// than the header allows, capped at kIdxMaxBytes), label values and counts are checked, and
// errors are FormatError / IoError naming the file, the field and what was expected.
#include <memory>
#include <string>

#include "hangu/core/tensor.h"
#include "hangu/data/dataset.h"

namespace hangu::data {

inline constexpr float kMnistMean = 0.1307f;
inline constexpr float kMnistStd = 0.3081f;
inline constexpr int64_t kIdxMaxBytes = int64_t{1} << 31;  // larger payloads are rejected
inline constexpr int64_t kMnistSide = 28;

// An IDX3 image file (magic 2051) as uint8 [N, rows, cols]; rows and cols must be 28.
Tensor read_idx_images(const std::string& path);
// An IDX1 label file (magic 2049) as int64 [N]; every label must be in 0..num_classes-1.
Tensor read_idx_labels(const std::string& path, int64_t num_classes = 10);

struct MnistFiles {
  std::string images, labels;
};
// Finds train-{images-idx3,labels-idx1}-ubyte or, for the test split, t10k-* or test-*, each
// with or without .gz. Throws IoError when the folder or a file is missing.
MnistFiles find_mnist_files(const std::string& dir, bool train);

// (pixel / 255 - 0.1307) / 0.3081 in float32, as torchvision's ToTensor + Normalize:
// uint8 [N, 28, 28] -> float32 [N, 1, 28, 28].
Tensor normalize_mnist(const Tensor& pixels);

struct MnistSplit {
  Tensor images;  // float32 [N, 1, 28, 28], normalised
  Tensor labels;  // int64 [N]
};
MnistSplit load_mnist(const std::string& dir, bool train);
std::shared_ptr<TensorDataset> mnist_dataset(const std::string& dir, bool train);

}  // namespace hangu::data

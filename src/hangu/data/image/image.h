#pragma once
// Image: 8-bit pixels, rows top to bottom, channels interleaved (HWC), with 1 (gray), 3 (RGB) or
// 4 (RGBA) channels. The decoders (image_io.h) produce it, the transforms (transforms.h) work on
// it, and image_to_tensor turns it into the float CHW tensor a model takes.
#include <cstdint>
#include <vector>

#include "hangu/core/tensor.h"

namespace hangu::data {

// Caps for decoded files: width * height at most 2^28 pixels (a 16384 x 16384 photo), each side
// at most 2^16. A header above them is refused before anything is allocated.
inline constexpr int64_t kImageMaxPixels = int64_t{1} << 28;
inline constexpr int64_t kImageMaxSide = int64_t{1} << 16;

class Image {
 public:
  Image() = default;  // 0 x 0 with 3 channels: an empty image, valid to copy and test
  // Zero-filled. ValueError for a negative size, a side above kImageMaxSide, more than
  // kImageMaxPixels pixels, or channels other than 1, 3 and 4.
  Image(int64_t height, int64_t width, int64_t channels);
  // Takes `pixels` (height * width * channels bytes, HWC); ValueError when the count differs.
  Image(int64_t height, int64_t width, int64_t channels, std::vector<uint8_t> pixels);

  int64_t height() const { return height_; }
  int64_t width() const { return width_; }
  int64_t channels() const { return channels_; }
  bool empty() const { return height_ == 0 || width_ == 0; }
  int64_t row_bytes() const { return width_ * channels_; }

  uint8_t* data() { return pixels_.data(); }
  const uint8_t* data() const { return pixels_.data(); }
  uint8_t* row(int64_t y) { return pixels_.data() + y * row_bytes(); }
  const uint8_t* row(int64_t y) const { return pixels_.data() + y * row_bytes(); }
  uint8_t& at(int64_t y, int64_t x, int64_t c) {
    return pixels_[static_cast<size_t>((y * width_ + x) * channels_ + c)];
  }
  uint8_t at(int64_t y, int64_t x, int64_t c) const {
    return pixels_[static_cast<size_t>((y * width_ + x) * channels_ + c)];
  }
  const std::vector<uint8_t>& pixels() const { return pixels_; }

  friend bool operator==(const Image& a, const Image& b) = default;

 private:
  int64_t height_ = 0, width_ = 0, channels_ = 3;
  std::vector<uint8_t> pixels_;
};

// Checks (height, width, channels) as the constructor does; `who` names the caller or file.
void check_image_size(int64_t height, int64_t width, int64_t channels, const std::string& who);

// Gray is replicated, alpha is dropped (as PIL's convert("RGB")); RGB is returned as is.
Image to_rgb(const Image& image);

// uint8 [H, W, C], a copy.
Tensor image_to_hwc_tensor(const Image& image);
// float32 [C, H, W] in [0, 1] (pixel / 255), as torchvision's ToTensor.
Tensor image_to_tensor(const Image& image);
// From uint8 [H, W, C] (C 1, 3 or 4), or [H, W] for gray.
Image image_from_hwc_tensor(const Tensor& t);

}  // namespace hangu::data

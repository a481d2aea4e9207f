#include "hangu/data/image/image.h"

#include <cstring>
#include <string>

#include "hangu/core/checked_math.h"
#include "hangu/core/error.h"
#include "hangu/ops/copy.h"

namespace hangu::data {

void check_image_size(int64_t height, int64_t width, int64_t channels, const std::string& who) {
  if (channels != 1 && channels != 3 && channels != 4) throw ValueError(MsgId::img_bad_channels, who, channels);
  if (height < 0 || width < 0 || height > kImageMaxSide || width > kImageMaxSide)
    throw ValueError(MsgId::img_bad_dims, who, width, height, kImageMaxSide);
  if (height * width > kImageMaxPixels)  // both <= 2^16: no overflow
    throw ValueError(MsgId::img_too_large, who, width, height, kImageMaxPixels);
}

Image::Image(int64_t height, int64_t width, int64_t channels) : height_(height), width_(width), channels_(channels) {
  check_image_size(height, width, channels, "Image");
  pixels_.assign(static_cast<size_t>(height * width * channels), 0);
}

Image::Image(int64_t height, int64_t width, int64_t channels, std::vector<uint8_t> pixels)
    : height_(height), width_(width), channels_(channels), pixels_(std::move(pixels)) {
  check_image_size(height, width, channels, "Image");
  const int64_t need = height * width * channels;
  if (static_cast<int64_t>(pixels_.size()) != need)
    throw ValueError(MsgId::img_pixels_mismatch, width, height, channels, need, static_cast<int64_t>(pixels_.size()));
}

Image to_rgb(const Image& image) {
  if (image.channels() == 3) return image;
  Image out(image.height(), image.width(), 3);
  const int64_t n = image.height() * image.width();
  const int64_t c = image.channels();
  const uint8_t* s = image.data();
  uint8_t* d = out.data();
  for (int64_t i = 0; i < n; ++i) {
    if (c == 1) {
      d[3 * i] = d[3 * i + 1] = d[3 * i + 2] = s[i];
    } else {
      std::memcpy(d + 3 * i, s + 4 * i, 3);
    }
  }
  return out;
}

Tensor image_to_hwc_tensor(const Image& image) {
  Tensor t = empty({image.height(), image.width(), image.channels()}, DType::u8);
  if (!image.pixels().empty()) std::memcpy(t.data(), image.data(), image.pixels().size());
  return t;
}

Tensor image_to_tensor(const Image& image) {
  const int64_t h = image.height(), w = image.width(), c = image.channels();
  Tensor t = empty({c, h, w}, DType::f32);
  float* o = t.data_ptr<float>();
  const uint8_t* s = image.data();
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int64_t k = 0; k < c; ++k) o[(k * h + y) * w + x] = static_cast<float>(s[(y * w + x) * c + k]) / 255.0f;
  return t;
}

Image image_from_hwc_tensor(const Tensor& t) {
  check_defined(t, "image_from_hwc_tensor");
  if (t.dtype() != DType::u8) throw DTypeError(MsgId::dtype_mismatch, "image_from_hwc_tensor", DType::u8, t.dtype());
  if (t.dim() != 2 && t.dim() != 3)
    throw ShapeError(MsgId::img_bad_arg, "image_from_hwc_tensor", "shape", t.shape(), "[H, W] or [H, W, C]");
  const int64_t c = t.dim() == 3 ? t.size(2) : 1;
  check_image_size(t.size(0), t.size(1), c, "image_from_hwc_tensor");
  Tensor src = contiguous(t);
  std::vector<uint8_t> px(static_cast<size_t>(src.numel()));
  if (!px.empty()) std::memcpy(px.data(), src.data(), px.size());
  return Image(t.size(0), t.size(1), c, std::move(px));
}

}  // namespace hangu::data

// Resize, crops, flip and rotation (transforms.h).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <vector>

#include "hangu/core/error.h"
#include "hangu/data/image/transforms.h"

namespace hangu::data {

namespace {

// The taps of one output index along one axis: first input index, count, weights.
struct Taps {
  std::vector<int64_t> start, count;
  std::vector<float> weights;  // max_taps per output index
  int64_t max_taps = 0;
};

// PyTorch's _compute_indices_weights_aa for the bilinear (triangle) filter, in float like
// PyTorch for float input; PIL computes the same in double.
Taps antialias_taps(int64_t in, int64_t out) {
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  const float support = scale >= 1.0f ? scale : 1.0f;
  const float invscale = scale >= 1.0f ? 1.0f / scale : 1.0f;
  Taps t;
  t.max_taps = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  t.start.resize(static_cast<size_t>(out));
  t.count.resize(static_cast<size_t>(out));
  t.weights.assign(static_cast<size_t>(out * t.max_taps), 0.0f);
  for (int64_t i = 0; i < out; ++i) {
    const float center = scale * (static_cast<float>(i) + 0.5f);
    const int64_t xmin = std::max<int64_t>(static_cast<int64_t>(center - support + 0.5f), 0);
    const int64_t xsize = std::min<int64_t>(static_cast<int64_t>(center + support + 0.5f), in) - xmin;
    float* w = &t.weights[static_cast<size_t>(i * t.max_taps)];
    float total = 0.0f;
    for (int64_t j = 0; j < xsize && j < t.max_taps; ++j) {
      const float x = std::fabs((static_cast<float>(j + xmin) - center + 0.5f) * invscale);
      w[j] = x < 1.0f ? 1.0f - x : 0.0f;
      total += w[j];
    }
    if (total != 0.0f)
      for (int64_t j = 0; j < xsize && j < t.max_taps; ++j) w[j] /= total;
    t.start[static_cast<size_t>(i)] = xmin;
    t.count[static_cast<size_t>(i)] = std::min(xsize, t.max_taps);
  }
  return t;
}

uint8_t round_to_u8(float v) {
  const float r = std::nearbyint(v);  // half to even, as torch.round
  return static_cast<uint8_t>(r < 0.0f ? 0.0f : r > 255.0f ? 255.0f : r);
}

void check_positive(int64_t v, const char* who, const char* field) {
  if (v < 1 || v > kImageMaxSide)
    throw ValueError(MsgId::img_bad_arg, who, field, v, "1.." + std::to_string(kImageMaxSide));
}

void check_not_empty(const Image& image, const char* who) {
  if (image.empty()) throw ValueError(MsgId::img_bad_arg, who, "image size", "0x0", "a non-empty image");
}

}  // namespace

Image resize(const Image& image, int64_t height, int64_t width) {
  check_not_empty(image, "resize");
  check_positive(height, "resize", "height");
  check_positive(width, "resize", "width");
  check_image_size(height, width, image.channels(), "resize");
  const int64_t h = image.height(), w = image.width(), c = image.channels();
  if (h == height && w == width) return image;
  // Float planes [rows][cols][c]: width first, then height (PyTorch's order).
  std::vector<float> src(image.pixels().begin(), image.pixels().end());
  int64_t cur_w = w;
  if (width != w) {
    Taps t = antialias_taps(w, width);
    std::vector<float> dst(static_cast<size_t>(h * width * c));
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < width; ++x) {
        const float* wt = &t.weights[static_cast<size_t>(x * t.max_taps)];
        const int64_t x0 = t.start[static_cast<size_t>(x)], n = t.count[static_cast<size_t>(x)];
        for (int64_t k = 0; k < c; ++k) {
          const float* s = &src[static_cast<size_t>((y * w + x0) * c + k)];
          float acc = s[0] * wt[0];
          for (int64_t j = 1; j < n; ++j) acc += s[j * c] * wt[j];
          dst[static_cast<size_t>((y * width + x) * c + k)] = acc;
        }
      }
    src.swap(dst);
    cur_w = width;
  }
  if (height != h) {
    Taps t = antialias_taps(h, height);
    const int64_t row = cur_w * c;
    std::vector<float> dst(static_cast<size_t>(height * row));
    for (int64_t y = 0; y < height; ++y) {
      const float* wt = &t.weights[static_cast<size_t>(y * t.max_taps)];
      const int64_t y0 = t.start[static_cast<size_t>(y)], n = t.count[static_cast<size_t>(y)];
      for (int64_t i = 0; i < row; ++i) {
        const float* s = &src[static_cast<size_t>(y0 * row + i)];
        float acc = s[0] * wt[0];
        for (int64_t j = 1; j < n; ++j) acc += s[j * row] * wt[j];
        dst[static_cast<size_t>(y * row + i)] = acc;
      }
    }
    src.swap(dst);
  }
  Image out(height, width, c);
  for (size_t i = 0; i < src.size(); ++i) out.data()[i] = round_to_u8(src[i]);
  return out;
}

Image resize_shorter_side(const Image& image, int64_t size) {
  check_not_empty(image, "resize_shorter_side");
  check_positive(size, "resize_shorter_side", "size");
  const int64_t h = image.height(), w = image.width();
  const int64_t shorter = std::min(h, w), longer = std::max(h, w);
  const auto new_long =
      static_cast<int64_t>(static_cast<double>(size) * static_cast<double>(longer) / static_cast<double>(shorter));
  return w <= h ? resize(image, new_long, size) : resize(image, size, new_long);
}

Image crop(const Image& image, int64_t top, int64_t left, int64_t height, int64_t width) {
  if (top < 0 || left < 0 || height < 1 || width < 1 || top > image.height() - height || left > image.width() - width)
    throw IndexError(
        MsgId::img_bad_arg, "crop", "box (top, left, height, width)",
        "(" + std::to_string(top) + ", " + std::to_string(left) + ", " + std::to_string(height) + ", " +
            std::to_string(width) + ")",
        "a box inside the " + std::to_string(image.width()) + "x" + std::to_string(image.height()) + " image");
  Image out(height, width, image.channels());
  const size_t bytes = static_cast<size_t>(width * image.channels());
  for (int64_t y = 0; y < height; ++y) std::memcpy(out.row(y), image.row(top + y) + left * image.channels(), bytes);
  return out;
}

Image center_crop(const Image& image, int64_t height, int64_t width) {
  check_positive(height, "center_crop", "height");
  check_positive(width, "center_crop", "width");
  const int64_t h = image.height(), w = image.width(), c = image.channels();
  if (height > h || width > w) {  // pad with black first, as torchvision
    const int64_t ph = std::max(height, h), pw = std::max(width, w);
    const int64_t top = height > h ? (height - h) / 2 : 0, left = width > w ? (width - w) / 2 : 0;
    Image padded(ph, pw, c);
    for (int64_t y = 0; y < h; ++y)
      std::memcpy(padded.row(top + y) + left * c, image.row(y), static_cast<size_t>(w * c));
    return center_crop(padded, height, width);
  }
  const auto top = static_cast<int64_t>(std::nearbyint(static_cast<double>(h - height) / 2.0));
  const auto left = static_cast<int64_t>(std::nearbyint(static_cast<double>(w - width) / 2.0));
  return crop(image, top, left, height, width);
}

Image hflip(const Image& image) {
  Image out(image.height(), image.width(), image.channels());
  const int64_t w = image.width(), c = image.channels();
  for (int64_t y = 0; y < image.height(); ++y)
    for (int64_t x = 0; x < w; ++x)
      std::memcpy(out.row(y) + x * c, image.row(y) + (w - 1 - x) * c, static_cast<size_t>(c));
  return out;
}

Image rotate(const Image& image, double degrees) {
  if (!std::isfinite(degrees)) throw ValueError(MsgId::img_bad_arg, "rotate", "degrees", degrees, "a finite angle");
  const int64_t h = image.height(), w = image.width(), c = image.channels();
  Image out(h, w, c);
  const double rad = degrees * std::numbers::pi / 180.0;
  // The inverse map, in float like torchvision's affine grid: source = R(angle) (dest - centre).
  const auto cs = static_cast<float>(std::cos(rad)), sn = static_cast<float>(std::sin(rad));
  const float cx = static_cast<float>(w - 1) * 0.5f, cy = static_cast<float>(h - 1) * 0.5f;
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const float xr = static_cast<float>(x) - cx, yr = static_cast<float>(y) - cy;
      const float sx = cs * xr - sn * yr + cx, sy = sn * xr + cs * yr + cy;
      const float fx = std::floor(sx), fy = std::floor(sy);
      const auto x0 = static_cast<int64_t>(fx), y0 = static_cast<int64_t>(fy);
      const float ax = sx - fx, ay = sy - fy;
      for (int64_t k = 0; k < c; ++k) {
        // grid_sample with zero padding: neighbours outside the image count as 0.
        auto px = [&](int64_t yy, int64_t xx) -> float {
          return yy < 0 || yy >= h || xx < 0 || xx >= w ? 0.0f : static_cast<float>(image.at(yy, xx, k));
        };
        const float v = px(y0, x0) * (1 - ax) * (1 - ay) + px(y0, x0 + 1) * ax * (1 - ay) +
                        px(y0 + 1, x0) * (1 - ax) * ay + px(y0 + 1, x0 + 1) * ax * ay;
        out.at(y, x, k) = round_to_u8(v);
      }
    }
  return out;
}

}  // namespace hangu::data

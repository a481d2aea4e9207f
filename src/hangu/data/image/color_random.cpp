// Colour adjustments, random draws, random crops, augmentation and normalisation (transforms.h).
#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "hangu/core/error.h"
#include "hangu/data/image/transforms.h"

namespace hangu::data {

namespace {

// torchvision's _blend on uint8: ratio * a + (1 - ratio) * b in float32, clamped, truncated.
uint8_t blend(float a, float b, float ratio, float one_minus) {
  const float v = ratio * a + one_minus * b;
  return static_cast<uint8_t>(v < 0.0f ? 0.0f : v > 255.0f ? 255.0f : v);
}

// torchvision's rgb_to_grayscale on uint8: 0.2989 R + 0.587 G + 0.114 B in float32, truncated.
std::vector<uint8_t> grayscale(const Image& image) {
  const int64_t n = image.height() * image.width(), c = image.channels();
  std::vector<uint8_t> out(static_cast<size_t>(n));
  const uint8_t* p = image.data();
  for (int64_t i = 0; i < n; ++i) {
    if (c == 1) {
      out[static_cast<size_t>(i)] = p[i];
      continue;
    }
    const float r = p[c * i], g = p[c * i + 1], b = p[c * i + 2];
    out[static_cast<size_t>(i)] = static_cast<uint8_t>(0.2989f * r + 0.587f * g + 0.114f * b);
  }
  return out;
}

void check_factor(double factor, const char* who) {
  if (!(factor >= 0.0) || !std::isfinite(factor))
    throw ValueError(MsgId::img_bad_arg, who, "factor", factor, "a finite number >= 0");
}

// Colour channels only: the alpha of RGBA is kept.
int64_t colour_channels(const Image& image) { return image.channels() == 4 ? 3 : image.channels(); }

}  // namespace

Image adjust_brightness(const Image& image, double factor) {
  check_factor(factor, "adjust_brightness");
  Image out = image;
  const auto r = static_cast<float>(factor), rm = static_cast<float>(1.0 - factor);
  const int64_t n = image.height() * image.width(), c = image.channels(), cc = colour_channels(image);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < cc; ++k) out.data()[c * i + k] = blend(image.data()[c * i + k], 0.0f, r, rm);
  return out;
}

Image adjust_contrast(const Image& image, double factor) {
  check_factor(factor, "adjust_contrast");
  std::vector<uint8_t> gray = grayscale(image);
  double sum = 0.0;
  for (uint8_t g : gray) sum += g;
  const auto mean = static_cast<float>(gray.empty() ? 0.0 : sum / static_cast<double>(gray.size()));
  Image out = image;
  const auto r = static_cast<float>(factor), rm = static_cast<float>(1.0 - factor);
  const int64_t n = image.height() * image.width(), c = image.channels(), cc = colour_channels(image);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < cc; ++k) out.data()[c * i + k] = blend(image.data()[c * i + k], mean, r, rm);
  return out;
}

Image adjust_saturation(const Image& image, double factor) {
  check_factor(factor, "adjust_saturation");
  if (image.channels() == 1) return image;  // as torchvision: gray has no saturation
  std::vector<uint8_t> gray = grayscale(image);
  Image out = image;
  const auto r = static_cast<float>(factor), rm = static_cast<float>(1.0 - factor);
  const int64_t n = image.height() * image.width(), c = image.channels();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < 3; ++k)
      out.data()[c * i + k] = blend(image.data()[c * i + k], gray[static_cast<size_t>(i)], r, rm);
  return out;
}

double RandomDraw::uniform(double lo, double hi) {
  Generator::State s = gen_.reserve(2);
  const uint64_t hi_word = philox_word(s.seed, s.offset, 0), lo_word = philox_word(s.seed, s.offset, 1);
  const double u = static_cast<double>(((hi_word << 32) | lo_word) >> 11) * 0x1.0p-53;
  return lo + (hi - lo) * u;
}

int64_t RandomDraw::integer(int64_t lo, int64_t hi) {
  if (hi <= lo) return lo;
  const auto span = static_cast<double>(hi - lo);
  return std::min(hi - 1, lo + static_cast<int64_t>(uniform() * span));
}

CropBox random_resized_crop_box(int64_t height, int64_t width, Generator& gen, double scale_lo, double scale_hi,
                                double ratio_lo, double ratio_hi) {
  if (!(scale_lo > 0.0 && scale_lo <= scale_hi && scale_hi <= 1.0))
    throw ValueError(MsgId::img_bad_arg, "random_resized_crop", "scale",
                     std::to_string(scale_lo) + ".." + std::to_string(scale_hi), "0 < lo <= hi <= 1");
  if (!(ratio_lo > 0.0 && ratio_lo <= ratio_hi && std::isfinite(ratio_hi)))
    throw ValueError(MsgId::img_bad_arg, "random_resized_crop", "ratio",
                     std::to_string(ratio_lo) + ".." + std::to_string(ratio_hi), "0 < lo <= hi");
  RandomDraw rnd(gen);
  const double area = static_cast<double>(height) * static_cast<double>(width);
  const double log_lo = std::log(ratio_lo), log_hi = std::log(ratio_hi);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * rnd.uniform(scale_lo, scale_hi);
    const double aspect = std::exp(rnd.uniform(log_lo, log_hi));
    const auto w = static_cast<int64_t>(std::nearbyint(std::sqrt(target * aspect)));
    const auto h = static_cast<int64_t>(std::nearbyint(std::sqrt(target / aspect)));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const int64_t top = rnd.integer(0, height - h + 1);
      const int64_t left = rnd.integer(0, width - w + 1);
      return CropBox{top, left, h, w};
    }
  }
  // The central crop with the ratio clamped into range.
  const double in_ratio = static_cast<double>(width) / static_cast<double>(height);
  int64_t w = width, h = height;
  if (in_ratio < ratio_lo) {
    h = static_cast<int64_t>(std::nearbyint(static_cast<double>(w) / ratio_lo));
  } else if (in_ratio > ratio_hi) {
    w = static_cast<int64_t>(std::nearbyint(static_cast<double>(h) * ratio_hi));
  }
  return CropBox{(height - h) / 2, (width - w) / 2, h, w};
}

Image random_resized_crop(const Image& image, int64_t size, Generator& gen, double scale_lo, double scale_hi,
                          double ratio_lo, double ratio_hi) {
  CropBox b = random_resized_crop_box(image.height(), image.width(), gen, scale_lo, scale_hi, ratio_lo, ratio_hi);
  return resize(crop(image, b.top, b.left, b.height, b.width), size, size);
}

AugmentOptions parse_augment(const std::string& list, const std::string& option) {
  AugmentOptions o;
  o.crop = o.hflip = false;
  o.rotate_degrees = o.brightness = o.contrast = o.saturation = 0.0;
  if (list == "none") return o;
  const AugmentOptions on;
  std::stringstream ss(list);
  std::string item;
  bool any = false;
  while (std::getline(ss, item, ',')) {
    any = true;
    if (item == "crop") {
      o.crop = true;
    } else if (item == "flip") {
      o.hflip = true;
    } else if (item == "rotate") {
      o.rotate_degrees = on.rotate_degrees;
    } else if (item == "color" || item == "colour") {
      o.brightness = on.brightness;
      o.contrast = on.contrast;
      o.saturation = on.saturation;
    } else {
      throw ValueError(MsgId::img_bad_arg, option, "item", "'" + item + "'", "crop, flip, rotate, color or none");
    }
  }
  if (!any) throw ValueError(MsgId::img_bad_arg, option, "list", "''", "crop, flip, rotate, color or none");
  return o;
}

std::string augment_list(const AugmentOptions& o) {
  std::string out;
  auto add = [&](const char* s) { out.append(out.empty() ? "" : ",").append(s); };
  if (o.crop) add("crop");
  if (o.hflip) add("flip");
  if (o.rotate_degrees > 0) add("rotate");
  if (o.brightness > 0 || o.contrast > 0 || o.saturation > 0) add("color");
  return out.empty() ? "none" : out;
}

Image augment(const Image& image, const AugmentOptions& o, Generator& gen) {
  Image img = image;
  RandomDraw rnd(gen);
  if (o.crop && !img.empty()) {
    CropBox b = random_resized_crop_box(img.height(), img.width(), gen, o.min_scale, 1.0, o.min_ratio, o.max_ratio);
    img = resize(crop(img, b.top, b.left, b.height, b.width), image.height(), image.width());
  }
  if (o.hflip && rnd.uniform() < 0.5) img = hflip(img);
  if (o.rotate_degrees > 0) img = rotate(img, rnd.uniform(-o.rotate_degrees, o.rotate_degrees));
  auto factor = [&](double x) { return rnd.uniform(std::max(0.0, 1.0 - x), 1.0 + x); };
  if (o.brightness > 0) img = adjust_brightness(img, factor(o.brightness));
  if (o.contrast > 0) img = adjust_contrast(img, factor(o.contrast));
  if (o.saturation > 0) img = adjust_saturation(img, factor(o.saturation));
  return img;
}

Tensor to_normalized_tensor(const Image& rgb, const Channels3& mean, const Channels3& std) {
  if (rgb.channels() != 3) throw ValueError(MsgId::img_bad_channels, "to_normalized_tensor", rgb.channels());
  for (float s : std)
    if (!(s > 0.0f)) throw ValueError(MsgId::img_bad_arg, "to_normalized_tensor", "std", s, "> 0");
  const int64_t h = rgb.height(), w = rgb.width();
  Tensor t = empty({3, h, w}, DType::f32);
  float* o = t.data_ptr<float>();
  const uint8_t* s = rgb.data();
  for (int64_t k = 0; k < 3; ++k)
    for (int64_t i = 0; i < h * w; ++i)
      o[k * h * w + i] =
          (static_cast<float>(s[3 * i + k]) / 255.0f - mean[static_cast<size_t>(k)]) / std[static_cast<size_t>(k)];
  return t;
}

Image preprocess(const Image& rgb, int64_t size) { return center_crop(resize_shorter_side(rgb, size), size, size); }

}  // namespace hangu::data

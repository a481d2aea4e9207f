#pragma once
// Image transforms with torchvision's definitions (0.14, on uint8 tensors): computed in float,
// then rounded (geometric) or truncated (colour, as torchvision's _blend) back to 8 bits.
// Random ones draw from a Generator (core/rng.h), so a seed fixes every result.
#include <array>
#include <cstdint>
#include <string>

#include "hangu/core/rng.h"
#include "hangu/core/tensor.h"
#include "hangu/data/image/image.h"

namespace hangu::data {

// Bilinear resize with antialiasing when shrinking (the triangle filter widened by the scale):
// torchvision's resize(antialias=True), which is PIL's BILINEAR. Width first, then height.
Image resize(const Image& image, int64_t height, int64_t width);
// The shorter side becomes `size`, the longer keeps the aspect ratio (truncated), as
// torchvision's Resize(int).
Image resize_shorter_side(const Image& image, int64_t size);
// The box must lie inside the image (IndexError otherwise).
Image crop(const Image& image, int64_t top, int64_t left, int64_t height, int64_t width);
// torchvision's center_crop: offsets round((H - h) / 2) half to even; black padding when the
// crop is larger than the image.
Image center_crop(const Image& image, int64_t height, int64_t width);
Image hflip(const Image& image);
// Counter-clockwise by `degrees` about the centre, bilinear, same size, black outside (as
// torchvision's rotate(BILINEAR) on tensors: grid_sample, zero padding).
Image rotate(const Image& image, double degrees);
// torchvision's adjust_brightness / adjust_contrast / adjust_saturation on RGB (or gray) images.
Image adjust_brightness(const Image& image, double factor);
Image adjust_contrast(const Image& image, double factor);
Image adjust_saturation(const Image& image, double factor);

// Uniform random numbers from a Generator: two Philox words per double (53 bits).
class RandomDraw {
 public:
  explicit RandomDraw(Generator& gen) : gen_(gen) {}
  double uniform(double lo = 0.0, double hi = 1.0);  // [lo, hi)
  int64_t integer(int64_t lo, int64_t hi);           // [lo, hi)

 private:
  Generator& gen_;
};

struct CropBox {
  int64_t top = 0, left = 0, height = 0, width = 0;
};
// torchvision's RandomResizedCrop.get_params: ten tries of an area fraction in [scale_lo,
// scale_hi] and a log-uniform aspect ratio in [ratio_lo, ratio_hi], else a central crop.
CropBox random_resized_crop_box(int64_t height, int64_t width, Generator& gen, double scale_lo = 0.08,
                                double scale_hi = 1.0, double ratio_lo = 3.0 / 4.0, double ratio_hi = 4.0 / 3.0);
Image random_resized_crop(const Image& image, int64_t size, Generator& gen, double scale_lo = 0.08,
                          double scale_hi = 1.0, double ratio_lo = 3.0 / 4.0, double ratio_hi = 4.0 / 3.0);

// Training augmentation, applied in this order: random resized crop back to the same size
// (area min_scale..1, aspect ratio min_ratio..max_ratio: milder than ImageNet's 3/4..4/3, which
// distorts small subjects), horizontal flip (p = 0.5), rotation by up to
// ±rotate_degrees, brightness / contrast / saturation factors in [1 - x, 1 + x].
struct AugmentOptions {
  bool crop = true;
  double min_scale = 0.8;
  double min_ratio = 0.9, max_ratio = 1.1;
  bool hflip = false;  // off by default: mirrored digits or letters are other classes
  double rotate_degrees = 10.0;
  double brightness = 0.2, contrast = 0.2, saturation = 0.2;
};
// From a comma list of crop, flip, rotate, color (or "none"); ValueError naming `option`.
AugmentOptions parse_augment(const std::string& list, const std::string& option = "--augment");
// The comma list that parse_augment reads back ("none" when nothing is on).
std::string augment_list(const AugmentOptions& options);
Image augment(const Image& image, const AugmentOptions& options, Generator& gen);

using Channels3 = std::array<float, 3>;
inline constexpr Channels3 kImageNetMean = {0.485f, 0.456f, 0.406f};
inline constexpr Channels3 kImageNetStd = {0.229f, 0.224f, 0.225f};
// float32 [3, H, W]: (pixel / 255 - mean) / std per channel, from an RGB image.
Tensor to_normalized_tensor(const Image& rgb, const Channels3& mean, const Channels3& std);
// The evaluation preprocessing of a model of input `size`: shorter side to size, centre crop.
Image preprocess(const Image& rgb, int64_t size);

}  // namespace hangu::data

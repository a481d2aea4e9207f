// EXIF orientation: the tag 0x0112 of IFD0 in a JPEG's APP1 segment, and the flips and turns
// that stand an image upright (the same as PIL's ImageOps.exif_transpose).
#include <cstring>

#include "hangu/data/image/image_io.h"

namespace hangu::data {

int exif_orientation(std::span<const uint8_t> app1) {
  static constexpr uint8_t kExif[6] = {'E', 'x', 'i', 'f', 0, 0};
  if (app1.size() < 6 + 8 || std::memcmp(app1.data(), kExif, 6) != 0) return 1;
  std::span<const uint8_t> tiff = app1.subspan(6);
  bool little;
  if (tiff[0] == 'I' && tiff[1] == 'I') {
    little = true;
  } else if (tiff[0] == 'M' && tiff[1] == 'M') {
    little = false;
  } else {
    return 1;
  }
  auto u16 = [&](size_t at) -> uint32_t {
    return little ? tiff[at] | (uint32_t{tiff[at + 1]} << 8) : (uint32_t{tiff[at]} << 8) | tiff[at + 1];
  };
  auto u32 = [&](size_t at) -> uint32_t {
    return little ? u16(at) | (u16(at + 2) << 16) : (u16(at) << 16) | u16(at + 2);
  };
  if (u16(2) != 42) return 1;
  const size_t ifd = u32(4);
  if (ifd > tiff.size() || tiff.size() - ifd < 2) return 1;
  const size_t count = u16(ifd);
  for (size_t i = 0; i < count; ++i) {
    const size_t e = ifd + 2 + 12 * i;  // ifd <= size, count < 2^16: no overflow
    if (e + 12 > tiff.size()) return 1;
    if (u16(e) != 0x0112) continue;
    if (u16(e + 2) != 3 || u32(e + 4) != 1) return 1;  // SHORT, one value
    uint32_t v = u16(e + 8);
    return v >= 1 && v <= 8 ? static_cast<int>(v) : 1;
  }
  return 1;
}

Image apply_exif_orientation(const Image& image, int orientation) {
  if (orientation < 2 || orientation > 8) return image;
  const int64_t h = image.height(), w = image.width(), c = image.channels();
  const bool swap = orientation >= 5;
  Image out(swap ? w : h, swap ? h : w, c);
  for (int64_t y = 0; y < out.height(); ++y)
    for (int64_t x = 0; x < out.width(); ++x) {
      int64_t sy = y, sx = x;
      switch (orientation) {
        case 2:  // mirror left-right
          sx = w - 1 - x;
          break;
        case 3:  // turn 180
          sy = h - 1 - y;
          sx = w - 1 - x;
          break;
        case 4:  // mirror top-bottom
          sy = h - 1 - y;
          break;
        case 5:  // transpose
          sy = x;
          sx = y;
          break;
        case 6:  // turn 90 clockwise
          sy = h - 1 - x;
          sx = y;
          break;
        case 7:  // transverse
          sy = h - 1 - x;
          sx = w - 1 - y;
          break;
        case 8:  // turn 90 counter-clockwise
          sy = x;
          sx = w - 1 - y;
          break;
        default:
          break;
      }
      std::memcpy(out.row(y) + x * c, image.row(sy) + sx * c, static_cast<size_t>(c));
    }
  return out;
}

}  // namespace hangu::data

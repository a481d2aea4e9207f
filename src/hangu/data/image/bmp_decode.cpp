// BMP of our own: BITMAPINFOHEADER and its V2..V5 extensions, 8-bit palette, 24-bit, and 32-bit
// (BI_RGB: the fourth byte is unused, as PIL; BI_BITFIELDS: byte-aligned masks, alpha kept),
// bottom-up (positive height) or top-down (negative height).
#include <string>

#include "hangu/core/error.h"
#include "hangu/data/image/image_codecs.h"

namespace hangu::data::detail {

namespace {

constexpr uint32_t kBiRgb = 0, kBiBitfields = 3, kBiAlphaBitfields = 6;

class Reader {
 public:
  Reader(std::span<const uint8_t> b, const std::string& name) : b_(b), name_(name) {}
  uint32_t u32(size_t at) const {
    need(at + 4);
    return b_[at] | (uint32_t{b_[at + 1]} << 8) | (uint32_t{b_[at + 2]} << 16) | (uint32_t{b_[at + 3]} << 24);
  }
  uint16_t u16(size_t at) const {
    need(at + 2);
    return static_cast<uint16_t>(b_[at] | (b_[at + 1] << 8));
  }
  int32_t i32(size_t at) const { return static_cast<int32_t>(u32(at)); }
  void need(size_t end) const {
    if (end > b_.size()) throw FormatError(MsgId::img_truncated, name_, "BMP");
  }
  const uint8_t* at(size_t i) const { return b_.data() + i; }

 private:
  std::span<const uint8_t> b_;
  const std::string& name_;
};

// The shift of an 8-bit-wide mask (0x00ff0000 -> 16); -1 for any other mask.
int byte_mask_shift(uint32_t mask) {
  for (int s = 0; s <= 24; s += 8)
    if (mask == (0xffu << s)) return s;
  return -1;
}

}  // namespace

Image decode_bmp(std::span<const uint8_t> bytes, const std::string& name) {
  Reader r(bytes, name);
  const uint32_t data_offset = r.u32(10);
  const uint32_t header = r.u32(14);
  if (header != 40 && header != 52 && header != 56 && header != 108 && header != 124)
    throw FormatError(MsgId::img_unsupported_variant, name, "BMP",
                      "header size " + std::to_string(header) + " (expected 40, 52, 56, 108 or 124)");
  const int64_t width = r.i32(18);
  const int64_t raw_height = r.i32(22);
  const bool top_down = raw_height < 0;
  const int64_t height = top_down ? -raw_height : raw_height;
  const uint16_t planes = r.u16(26), bpp = r.u16(28);
  const uint32_t compression = r.u32(30);
  if (planes != 1) throw FormatError(MsgId::img_header_field, name, "BMP", "planes", 1, planes);
  check_decoded_size(width, height, name);

  // Channel masks for 32-bit images.
  uint32_t masks[4] = {0x00ff0000u, 0x0000ff00u, 0x000000ffu, 0};
  bool use_alpha = false;
  if (bpp == 32 && (compression == kBiBitfields || compression == kBiAlphaBitfields)) {
    const size_t at = 14 + 40;  // after BITMAPINFOHEADER, inside V2+ headers or just after a 40-byte one
    for (int k = 0; k < 3; ++k) masks[k] = r.u32(at + 4 * static_cast<size_t>(k));
    if (header >= 56 || compression == kBiAlphaBitfields) masks[3] = r.u32(at + 12);
    use_alpha = masks[3] != 0;
  } else if (compression != kBiRgb) {
    throw FormatError(
        MsgId::img_unsupported_variant, name, "BMP",
        "compression " + std::to_string(compression) + " with " + std::to_string(bpp) + " bits per pixel");
  }
  if (bpp != 8 && bpp != 24 && bpp != 32)
    throw FormatError(MsgId::img_unsupported_variant, name, "BMP",
                      std::to_string(bpp) + " bits per pixel (expected 8, 24 or 32)");
  int shift[4] = {16, 8, 0, 24};
  for (int k = 0; k < (use_alpha ? 4 : 3); ++k) {
    shift[k] = byte_mask_shift(masks[k]);
    if (shift[k] < 0)
      throw FormatError(MsgId::img_unsupported_variant, name, "BMP", "a channel mask that is not one whole byte");
  }

  // An 8-bit palette (BGRX entries) follows the header.
  std::vector<uint8_t> palette;
  bool gray_palette = true;
  if (bpp == 8) {
    uint32_t colours = r.u32(46);
    if (colours == 0) colours = 256;
    if (colours > 256) throw FormatError(MsgId::img_header_field, name, "BMP", "colours used", "1..256", colours);
    const size_t at = 14 + static_cast<size_t>(header);
    r.need(at + 4 * static_cast<size_t>(colours));
    palette.assign(256 * 3, 0);
    for (uint32_t i = 0; i < colours; ++i) {
      const uint8_t* e = r.at(at + 4 * i);
      palette[3 * i] = e[2];
      palette[3 * i + 1] = e[1];
      palette[3 * i + 2] = e[0];
      gray_palette = gray_palette && e[0] == e[1] && e[1] == e[2];
    }
  }

  const int64_t stride = (width * bpp + 31) / 32 * 4;  // width <= 2^16: no overflow
  r.need(static_cast<size_t>(data_offset) + static_cast<size_t>(stride * height));
  const int64_t channels = bpp == 8 ? (gray_palette ? 1 : 3) : use_alpha ? 4 : 3;
  Image out(height, width, channels);
  for (int64_t y = 0; y < height; ++y) {
    const int64_t file_row = top_down ? y : height - 1 - y;
    const uint8_t* src = r.at(data_offset + static_cast<size_t>(file_row * stride));
    uint8_t* dst = out.row(y);
    for (int64_t x = 0; x < width; ++x) {
      if (bpp == 8) {
        const uint8_t* p = &palette[3 * static_cast<size_t>(src[x])];
        if (channels == 1) {
          dst[x] = p[0];
        } else {
          dst[3 * x] = p[0], dst[3 * x + 1] = p[1], dst[3 * x + 2] = p[2];
        }
      } else if (bpp == 24) {
        dst[3 * x] = src[3 * x + 2], dst[3 * x + 1] = src[3 * x + 1], dst[3 * x + 2] = src[3 * x];
      } else {
        const uint8_t* p = src + 4 * x;
        const uint32_t v = p[0] | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
        for (int k = 0; k < channels; ++k) dst[channels * x + k] = static_cast<uint8_t>(v >> shift[k]);
      }
    }
  }
  return out;
}

}  // namespace hangu::data::detail

// PNG through libpng. libpng reports errors by longjmp to the buffer set in decode_into; the
// error becomes a C++ exception only after the jump, outside libpng's frames. All state the jump
// must keep lives in `Decoder`, outside the frame that calls setjmp.
#include "hangu/core/error.h"
#include "hangu/data/image/image_codecs.h"

#ifdef HANGU_HAVE_PNG
#include <png.h>

#include <cstdio>
#include <cstring>
#endif

namespace hangu::data::detail {

#ifndef HANGU_HAVE_PNG

bool png_available() { return false; }

Image decode_png(std::span<const uint8_t>, const std::string& name) {
  throw Unsupported(MsgId::img_codec_missing, name, "PNG", "libpng", "libpng-dev");
}

#else

namespace {

struct Decoder {
  const uint8_t* data = nullptr;
  size_t size = 0, at = 0;
  std::vector<uint8_t> pixels;
  std::vector<png_bytep> rows;
  int64_t width = 0, height = 0, channels = 0;
  bool truncated = false, bad_size = false, bad_layout = false;
  char message[256] = {};
};

void on_error(png_structp png, png_const_charp msg) {
  auto* d = static_cast<Decoder*>(png_get_error_ptr(png));
  std::snprintf(d->message, sizeof d->message, "%s", msg ? msg : "unknown error");
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}  // e.g. "known incorrect sRGB profile": harmless

void on_read(png_structp png, png_bytep out, size_t n) {
  auto* d = static_cast<Decoder*>(png_get_io_ptr(png));
  if (n > d->size - d->at) {
    d->truncated = true;
    png_error(png, "truncated");
  }
  std::memcpy(out, d->data + d->at, n);
  d->at += n;
}

bool decode_into(Decoder* d, png_structp png, png_infop info) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_read_fn(png, d, on_read);
  png_set_chunk_malloc_max(png, 16u << 20);  // text and ICC chunks; the image data is ours
  png_read_info(png, info);
  png_uint_32 w = 0, h = 0;
  int depth = 0, color = 0, interlace = 0;
  png_get_IHDR(png, info, &w, &h, &depth, &color, &interlace, nullptr, nullptr);
  d->width = w;
  d->height = h;
  if (w < 1 || h < 1 || w > kImageMaxSide || h > kImageMaxSide || int64_t{w} * h > kImageMaxPixels) {
    d->bad_size = true;
    return false;
  }
  // Everything becomes 8-bit gray, RGB or RGBA (gray with alpha: RGBA); gamma is left alone, as PIL.
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  const bool has_trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
  if (has_trns) png_set_tRNS_to_alpha(png);
  if (color == PNG_COLOR_TYPE_GRAY_ALPHA || (color == PNG_COLOR_TYPE_GRAY && has_trns)) png_set_gray_to_rgb(png);
  if (depth == 16) png_set_strip_16(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  d->channels = png_get_channels(png, info);
  const size_t row_bytes = png_get_rowbytes(png, info);
  if ((d->channels != 1 && d->channels != 3 && d->channels != 4) || png_get_bit_depth(png, info) != 8 ||
      row_bytes != static_cast<size_t>(d->width * d->channels)) {
    d->bad_layout = true;
    return false;
  }
  // Deflate expands at most 1032:1: refuse a header that promises more bytes than the file can hold.
  if (row_bytes * static_cast<size_t>(d->height) > d->size * 1100 + (size_t{1} << 20)) {
    d->truncated = true;
    return false;
  }
  d->pixels.resize(row_bytes * static_cast<size_t>(d->height));
  d->rows.resize(static_cast<size_t>(d->height));
  for (size_t y = 0; y < d->rows.size(); ++y) d->rows[y] = d->pixels.data() + y * row_bytes;
  png_read_image(png, d->rows.data());
  png_read_end(png, nullptr);
  return true;
}

}  // namespace

bool png_available() { return true; }

Image decode_png(std::span<const uint8_t> bytes, const std::string& name) {
  Decoder d;
  d.data = bytes.data();
  d.size = bytes.size();
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &d, on_error, on_warning);
  if (!png) throw OutOfMemory(MsgId::out_of_memory, int64_t{sizeof(png_struct*)});
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    throw OutOfMemory(MsgId::out_of_memory, int64_t{sizeof(png_info*)});
  }
  const bool ok = decode_into(&d, png, info);
  png_destroy_read_struct(&png, &info, nullptr);
  if (d.bad_size)
    throw FormatError(MsgId::img_header_size, name, "PNG", d.width, d.height, kImageMaxSide, kImageMaxPixels);
  if (d.bad_layout)
    throw FormatError(MsgId::img_unsupported_variant, name, "PNG",
                      std::to_string(d.channels) + " channels after conversion");
  if (d.truncated) throw FormatError(MsgId::img_truncated, name, "PNG");
  if (!ok) throw FormatError(MsgId::img_corrupt, name, "PNG", std::string(d.message));
  d.rows.clear();
  return Image(d.height, d.width, d.channels, std::move(d.pixels));
}

#endif

}  // namespace hangu::data::detail

// JPEG through libjpeg-turbo. libjpeg reports errors by calling error_exit, which by default
// calls exit(): ours longjmps back to decode_into, which returns, and the error becomes a C++
// exception only there, outside libjpeg's frames. All state the jump must keep lives in
// `Decoder`, outside the frame that calls setjmp.
#include "hangu/core/error.h"
#include "hangu/data/image/image_codecs.h"
#include "hangu/data/image/image_io.h"

#ifdef HANGU_HAVE_JPEG
#include <csetjmp>
#include <cstdio>
#include <cstring>
// jpeglib.h needs <cstdio> first.
#include <jpeglib.h>
// jerror.h after jpeglib.h: the warning codes (JWRN_JPEG_EOF).
#include <jerror.h>
#endif

namespace hangu::data::detail {

#ifndef HANGU_HAVE_JPEG

bool jpeg_available() { return false; }

Image decode_jpeg(std::span<const uint8_t>, const std::string& name) {
  throw Unsupported(MsgId::img_codec_missing, name, "JPEG", "libjpeg-turbo", "libjpeg62-turbo-dev");
}

#else

namespace {

// A progressive file may hold thousands of tiny scans that take minutes to decode; real
// photos have about ten.
constexpr int kMaxScans = 1000;
// Pixels one byte of JPEG data can describe, with a wide margin (a flat baseline block of 64
// pixels costs about 2 bits per component).
constexpr int64_t kMaxPixelsPerByte = 1024;

struct ErrorState {
  jpeg_error_mgr mgr;  // first: libjpeg sees this struct through cinfo->err
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool truncated;
  bool too_many_scans;
};

struct Decoder {
  jpeg_decompress_struct cinfo;
  ErrorState err;
  jpeg_progress_mgr progress;
  std::vector<uint8_t> pixels;
  int64_t width = 0, height = 0, channels = 0;
  int orientation = 1;
  bool cmyk = false, adobe = false, bad_size = false;
};

void on_error(j_common_ptr cinfo) {
  auto* s = reinterpret_cast<ErrorState*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, s->message);
  std::longjmp(s->jump, 1);
}

// Warnings: a premature end of data is what a truncated file gives (libjpeg then pads the
// image with gray); others (extraneous bytes) are common in usable photos and let pass.
void on_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;
  auto* s = reinterpret_cast<ErrorState*>(cinfo->err);
  if (cinfo->err->msg_code == JWRN_JPEG_EOF) s->truncated = true;
  cinfo->err->num_warnings++;
}

void on_progress(j_common_ptr cinfo) {
  if (!cinfo->is_decompressor) return;
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->input_scan_number > kMaxScans) {
    auto* s = reinterpret_cast<ErrorState*>(cinfo->err);
    s->too_many_scans = true;
    std::snprintf(s->message, sizeof s->message, "more than %d scans", kMaxScans);
    std::longjmp(s->jump, 1);
  }
}

// Returns false when libjpeg failed (d->err.message says why) or the size is refused.
bool decode_into(Decoder* d, const uint8_t* data, size_t size) {
  j_decompress_ptr cinfo = &d->cinfo;
  if (setjmp(d->err.jump)) return false;
  jpeg_mem_src(cinfo, const_cast<unsigned char*>(data), static_cast<unsigned long>(size));
  jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xffff);
  jpeg_read_header(cinfo, TRUE);
  for (jpeg_saved_marker_ptr m = cinfo->marker_list; m; m = m->next)
    if (m->marker == JPEG_APP0 + 1) {
      int o = exif_orientation(std::span<const uint8_t>(m->data, m->data_length));
      if (o != 1) {
        d->orientation = o;
        break;
      }
    }
  const int64_t w = cinfo->image_width, h = cinfo->image_height;
  if (w < 1 || h < 1 || w > kImageMaxSide || h > kImageMaxSide || w * h > kImageMaxPixels) {
    d->width = w;
    d->height = h;
    d->bad_size = true;
    return false;
  }
  // Even a flat JPEG needs some bits per 8x8 block: a header promising far more pixels than the
  // file can encode is refused before the pixels are allocated.
  if (w * h > static_cast<int64_t>(size) * kMaxPixelsPerByte + (int64_t{1} << 20)) {
    d->err.truncated = true;
    return false;
  }
  if (cinfo->jpeg_color_space == JCS_GRAYSCALE) {
    cinfo->out_color_space = JCS_GRAYSCALE;
  } else if (cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK) {
    cinfo->out_color_space = JCS_CMYK;
    d->cmyk = true;
    d->adobe = cinfo->saw_Adobe_marker;
  } else {
    cinfo->out_color_space = JCS_RGB;
  }
  jpeg_start_decompress(cinfo);
  d->width = cinfo->output_width;
  d->height = cinfo->output_height;
  d->channels = cinfo->output_components;
  d->pixels.resize(static_cast<size_t>(d->width * d->height * d->channels));
  const size_t stride = static_cast<size_t>(d->width * d->channels);
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW row = d->pixels.data() + stride * cinfo->output_scanline;
    jpeg_read_scanlines(cinfo, &row, 1);
  }
  jpeg_finish_decompress(cinfo);
  return true;
}

// (255 - C)(255 - K) / 255 per channel, rounded as PIL's cmyk2rgb. Adobe files store CMYK inverted.
Image cmyk_to_rgb(const std::vector<uint8_t>& px, int64_t h, int64_t w, bool inverted) {
  Image out(h, w, 3);
  auto muldiv255 = [](int a, int b) {
    int t = a * b + 128;
    return ((t >> 8) + t) >> 8;
  };
  for (int64_t i = 0; i < h * w; ++i) {
    int v[4];
    for (int k = 0; k < 4; ++k)
      v[k] = inverted ? 255 - px[static_cast<size_t>(4 * i + k)] : px[static_cast<size_t>(4 * i + k)];
    const int nk = 255 - v[3];
    for (int k = 0; k < 3; ++k) out.data()[3 * i + k] = static_cast<uint8_t>(nk - muldiv255(v[k], nk));
  }
  return out;
}

}  // namespace

bool jpeg_available() { return true; }

Image decode_jpeg(std::span<const uint8_t> bytes, const std::string& name) {
  Decoder d;
  std::memset(&d.cinfo, 0, sizeof d.cinfo);
  std::memset(&d.err, 0, sizeof d.err);
  std::memset(&d.progress, 0, sizeof d.progress);
  d.cinfo.err = jpeg_std_error(&d.err.mgr);
  d.err.mgr.error_exit = on_error;
  d.err.mgr.emit_message = on_message;
  d.progress.progress_monitor = on_progress;
  jpeg_create_decompress(&d.cinfo);
  d.cinfo.progress = &d.progress;
  const bool ok = decode_into(&d, bytes.data(), bytes.size());
  jpeg_destroy_decompress(&d.cinfo);
  if (d.bad_size)
    throw FormatError(MsgId::img_header_size, name, "JPEG", d.width, d.height, kImageMaxSide, kImageMaxPixels);
  if (d.err.truncated) throw FormatError(MsgId::img_truncated, name, "JPEG");
  if (!ok) throw FormatError(MsgId::img_corrupt, name, "JPEG", std::string(d.err.message));
  Image img = d.cmyk ? cmyk_to_rgb(d.pixels, d.height, d.width, d.adobe)
                     : Image(d.height, d.width, d.channels, std::move(d.pixels));
  return apply_exif_orientation(img, d.orientation);
}

#endif

}  // namespace hangu::data::detail

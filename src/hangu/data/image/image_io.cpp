#include "hangu/data/image/image_io.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "hangu/core/error.h"
#include "hangu/data/image/image_codecs.h"

namespace hangu::data {

namespace detail {

void check_decoded_size(int64_t width, int64_t height, const std::string& name) {
  if (width < 1 || height < 1 || width > kImageMaxSide || height > kImageMaxSide || width * height > kImageMaxPixels)
    throw FormatError(MsgId::img_header_size, name, "image", width, height, kImageMaxSide, kImageMaxPixels);
}

}  // namespace detail

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

std::string hex_head(std::span<const uint8_t> b) {
  std::string out;
  char buf[4];
  for (size_t i = 0; i < b.size() && i < 8; ++i) {
    std::snprintf(buf, sizeof buf, "%s%02x", i ? " " : "", b[i]);
    out += buf;
  }
  return out;
}

}  // namespace

ImageFormat detect_image_format(std::span<const uint8_t> h) {
  auto starts = [&](std::initializer_list<uint8_t> magic) {
    if (h.size() < magic.size()) return false;
    size_t i = 0;
    for (uint8_t m : magic)
      if (h[i++] != m) return false;
    return true;
  };
  if (starts({0xff, 0xd8, 0xff})) return ImageFormat::jpeg;
  if (starts({0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'})) return ImageFormat::png;
  if (starts({'B', 'M'}) && h.size() >= 18) return ImageFormat::bmp;
  // Binary PGM / PPM: "P5" or "P6" then whitespace.
  if (h.size() >= 3 && h[0] == 'P' && (h[1] == '5' || h[1] == '6') &&
      (h[2] == ' ' || h[2] == '\t' || h[2] == '\n' || h[2] == '\r'))
    return ImageFormat::pnm;
  return ImageFormat::unknown;
}

std::string_view image_format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::jpeg:
      return "JPEG";
    case ImageFormat::png:
      return "PNG";
    case ImageFormat::bmp:
      return "BMP";
    case ImageFormat::pnm:
      return "PPM/PGM";
    case ImageFormat::unknown:
      break;
  }
  return "unknown";
}

bool image_format_available(ImageFormat format) {
  switch (format) {
    case ImageFormat::jpeg:
      return detail::jpeg_available();
    case ImageFormat::png:
      return detail::png_available();
    case ImageFormat::bmp:
    case ImageFormat::pnm:
      return true;
    case ImageFormat::unknown:
      break;
  }
  return false;
}

ImageFormat sniff_image_file(const std::string& path) {
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) return ImageFormat::unknown;
  uint8_t head[32];
  size_t n = std::fread(head, 1, sizeof head, f.get());
  return detect_image_format(std::span<const uint8_t>(head, n));
}

std::vector<uint8_t> read_file_bytes(const std::string& path, int64_t max_bytes) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw IoError(MsgId::io_open_failed, path, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw IoError(MsgId::io_open_failed, path, "not a regular file");
  if (static_cast<int64_t>(st.st_size) > max_bytes)
    throw FormatError(MsgId::img_file_too_large, path, static_cast<int64_t>(st.st_size), max_bytes);
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) throw IoError(MsgId::io_open_failed, path, std::strerror(errno));
  std::vector<uint8_t> out(static_cast<size_t>(st.st_size));
  size_t got = out.empty() ? 0 : std::fread(out.data(), 1, out.size(), f.get());
  if (std::ferror(f.get())) throw IoError(MsgId::io_read_failed, path, std::strerror(errno));
  out.resize(got);  // the file shrank while we read: decode what is there (and fail if truncated)
  return out;
}

Image decode_image(std::span<const uint8_t> bytes, const std::string& name, ImageMode mode) {
  if (bytes.empty()) throw FormatError(MsgId::img_empty_file, name);
  Image img;
  switch (detect_image_format(bytes)) {
    case ImageFormat::jpeg:
      if (!detail::jpeg_available())
        throw Unsupported(MsgId::img_codec_missing, name, "JPEG", "libjpeg-turbo", "libjpeg62-turbo-dev");
      img = detail::decode_jpeg(bytes, name);
      break;
    case ImageFormat::png:
      if (!detail::png_available()) throw Unsupported(MsgId::img_codec_missing, name, "PNG", "libpng", "libpng-dev");
      img = detail::decode_png(bytes, name);
      break;
    case ImageFormat::bmp:
      img = detail::decode_bmp(bytes, name);
      break;
    case ImageFormat::pnm:
      img = detail::decode_pnm(bytes, name);
      break;
    case ImageFormat::unknown:
      throw FormatError(MsgId::img_unknown_format, name, hex_head(bytes));
  }
  return mode == ImageMode::rgb ? to_rgb(img) : img;
}

Image read_image(const std::string& path, ImageMode mode) {
  std::vector<uint8_t> bytes = read_file_bytes(path);
  return decode_image(bytes, path, mode);
}

namespace {

void write_bytes(const std::vector<uint8_t>& bytes, const std::string& path) {
  FilePtr f(std::fopen(path.c_str(), "wb"));
  if (!f) throw IoError(MsgId::io_open_failed, path, std::strerror(errno));
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f.get()) != bytes.size())
    throw IoError(MsgId::io_write_failed, path, "fwrite", std::strerror(errno));
  if (std::fclose(f.release()) != 0) throw IoError(MsgId::io_write_failed, path, "fclose", std::strerror(errno));
}

}  // namespace

void write_png(const Image& image, const std::string& path) { write_bytes(encode_png(image), path); }
void write_pnm(const Image& image, const std::string& path) { write_bytes(encode_pnm(image), path); }

}  // namespace hangu::data

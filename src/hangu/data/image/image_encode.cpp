// Writers of our own: PNG (zlib only, so plots are written in any build) and binary PPM/PGM.
#include <zlib.h>

#include <string>

#include "hangu/core/error.h"
#include "hangu/data/image/image_io.h"

namespace hangu::data {

namespace {

void put_be32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

void put_chunk(std::vector<uint8_t>& out, const char type[4], const std::vector<uint8_t>& data) {
  put_be32(out, static_cast<uint32_t>(data.size()));
  const size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, out.data() + start, static_cast<uInt>(out.size() - start));
  put_be32(out, static_cast<uint32_t>(crc));
}

void check_writable(const Image& image, const char* format) {
  if (image.empty()) throw ValueError(MsgId::img_bad_dims, format, image.width(), image.height(), kImageMaxSide);
}

}  // namespace

std::vector<uint8_t> encode_png(const Image& image) {
  check_writable(image, "PNG");
  const int64_t h = image.height(), w = image.width(), c = image.channels();
  const size_t row = static_cast<size_t>(w * c);
  // Every row uses the "Up" filter (the difference to the row above): small and simple.
  std::vector<uint8_t> raw;
  raw.reserve((row + 1) * static_cast<size_t>(h));
  for (int64_t y = 0; y < h; ++y) {
    raw.push_back(2);
    const uint8_t* cur = image.row(y);
    for (size_t x = 0; x < row; ++x) raw.push_back(static_cast<uint8_t>(cur[x] - (y > 0 ? image.row(y - 1)[x] : 0)));
  }
  uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<uint8_t> packed(packed_size);
  if (compress2(packed.data(), &packed_size, raw.data(), static_cast<uLong>(raw.size()), 6) != Z_OK)
    throw OutOfMemory(MsgId::out_of_memory, static_cast<int64_t>(packed.size()));
  packed.resize(packed_size);

  std::vector<uint8_t> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<uint8_t> ihdr;
  put_be32(ihdr, static_cast<uint32_t>(w));
  put_be32(ihdr, static_cast<uint32_t>(h));
  ihdr.push_back(8);                            // bits per sample
  ihdr.push_back(c == 1 ? 0 : c == 3 ? 2 : 6);  // gray, RGB, RGBA
  ihdr.insert(ihdr.end(), {0, 0, 0});           // deflate, adaptive filters, no interlace
  put_chunk(out, "IHDR", ihdr);
  put_chunk(out, "IDAT", packed);
  put_chunk(out, "IEND", {});
  return out;
}

std::vector<uint8_t> encode_pnm(const Image& image) {
  check_writable(image, "PPM");
  if (image.channels() == 4) throw ValueError(MsgId::img_write_mode, "encode_pnm", "PPM/PGM", image.channels());
  const std::string header = std::string(image.channels() == 1 ? "P5" : "P6") + "\n" + std::to_string(image.width()) +
                             " " + std::to_string(image.height()) + "\n255\n";
  std::vector<uint8_t> out(header.begin(), header.end());
  out.insert(out.end(), image.pixels().begin(), image.pixels().end());
  return out;
}

}  // namespace hangu::data

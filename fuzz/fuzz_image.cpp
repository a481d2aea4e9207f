// Fuzz target: image decoding (data/image/image_io.h), every format found from the magic bytes
// (JPEG and PNG through their libraries when built with them; BMP, PPM/PGM our own), in both modes.
// A decoded image must have a valid size and survive a PNG write and re-read bit for bit.
#include <cstring>

#include "fuzz_entry.h"
#include "hangu/core/error.h"
#include "hangu/data/image/image_io.h"

HANGU_FUZZ_ENTRY(image) {
  using namespace hangu::data;
  const std::span<const uint8_t> bytes(data, size);
  for (ImageMode mode : {ImageMode::unchanged, ImageMode::rgb}) {
    try {
      const Image img = decode_image(bytes, "fuzz.img", mode);
      HANGU_FUZZ_CHECK(img.height() > 0 && img.width() > 0);
      HANGU_FUZZ_CHECK(mode == ImageMode::unchanged ? (img.channels() == 1 || img.channels() == 3 || img.channels() == 4)
                                                    : img.channels() == 3);
      const std::vector<uint8_t> png = encode_png(img);
      const Image back = decode_image(png, "round trip.png", ImageMode::unchanged);
      HANGU_FUZZ_CHECK(back.height() == img.height() && back.width() == img.width() && back.channels() == img.channels());
      HANGU_FUZZ_CHECK(std::memcmp(back.data(), img.data(), static_cast<size_t>(img.row_bytes() * img.height())) == 0);
    } catch (const hangu::Error&) {
    }
  }
  return 0;
}

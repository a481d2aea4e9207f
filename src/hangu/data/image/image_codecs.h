#pragma once
// The per-format decoders behind decode_image (image_io.cpp); internal to the data layer. Each
// returns the channels the file stores (1, 3 or 4; 8-bit) and throws FormatError naming `name`.
#include <cstdint>
#include <span>
#include <string>

#include "hangu/data/image/image.h"

namespace hangu::data::detail {

Image decode_jpeg(std::span<const uint8_t> bytes, const std::string& name);  // EXIF orientation applied
Image decode_png(std::span<const uint8_t> bytes, const std::string& name);
Image decode_bmp(std::span<const uint8_t> bytes, const std::string& name);
Image decode_pnm(std::span<const uint8_t> bytes, const std::string& name);
bool jpeg_available();
bool png_available();

// Checks a header's size against the caps and throws FormatError naming the file.
void check_decoded_size(int64_t width, int64_t height, const std::string& name);

}  // namespace hangu::data::detail

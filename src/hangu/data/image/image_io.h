#pragma once
// Reading and writing image files. The format is found from the first bytes (magic numbers),
// never from the file name. JPEG and PNG decode through libjpeg-turbo and libpng when Hangu is
// built with them (HANGU_WITH_IMAGE_CODECS); BMP, PPM and PGM are our own. Files are hostile:
// every header field is checked, sizes use checked arithmetic, width * height is capped at
// kImageMaxPixels before anything is allocated, and a damaged or truncated file is a
// FormatError naming the file. Paths are UTF-8 (bytes on POSIX).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hangu/data/image/image.h"

namespace hangu::data {

enum class ImageFormat : uint8_t { unknown, jpeg, png, bmp, pnm };

// Files larger than this are refused without being read.
inline constexpr int64_t kImageMaxFileBytes = int64_t{1} << 29;

// From the first bytes (32 are enough; BMP needs 18); unknown when nothing matches.
ImageFormat detect_image_format(std::span<const uint8_t> head);
// "JPEG", "PNG", "BMP", "PPM/PGM", "unknown".
std::string_view image_format_name(ImageFormat format);
// False for JPEG / PNG in a build without the codec library.
bool image_format_available(ImageFormat format);
// The format of the file at `path` from its first bytes; unknown for a file that cannot be
// opened, is empty or matches nothing (it never throws).
ImageFormat sniff_image_file(const std::string& path);

// unchanged: the channels the file stores (gray 1, RGB 3, with alpha 4; gray with alpha becomes
// RGBA), always 8-bit. rgb: 3 channels (gray replicated, alpha dropped, as PIL's convert("RGB")).
enum class ImageMode : uint8_t { unchanged, rgb };

// Decodes an image held in memory; `name` (the file) is used in error messages. JPEG EXIF
// orientation is applied. Samples of 16 bits become 8 bits: PNG keeps the high byte (libpng's
// png_set_strip_16, as PIL and torchvision); PPM/PGM scale v * 255 / maxval rounding half to
// even (as PIL). Throws FormatError for a damaged, truncated or unknown file (a zero-byte file
// included), Unsupported for a valid file this build or decoder cannot handle.
Image decode_image(std::span<const uint8_t> bytes, const std::string& name, ImageMode mode = ImageMode::rgb);
// Reads and decodes a file; IoError when it cannot be read.
Image read_image(const std::string& path, ImageMode mode = ImageMode::rgb);
// The whole file; IoError when it cannot be read, FormatError above max_bytes.
std::vector<uint8_t> read_file_bytes(const std::string& path, int64_t max_bytes = kImageMaxFileBytes);

// PNG (8-bit gray, RGB or RGBA; zlib, no libpng needed) and binary PPM/PGM (P6 for RGB, P5 for
// gray; maxval 255). write_* throw IoError when the file cannot be written.
std::vector<uint8_t> encode_png(const Image& image);
std::vector<uint8_t> encode_pnm(const Image& image);
void write_png(const Image& image, const std::string& path);
void write_pnm(const Image& image, const std::string& path);

// EXIF orientation (1..8) from the payload of a JPEG APP1 segment ("Exif\0\0" then a TIFF
// header); 1 when the segment is not EXIF, has no orientation tag, or is malformed.
int exif_orientation(std::span<const uint8_t> app1);
// Turns an image stored with EXIF orientation `orientation` upright (PIL's exif_transpose).
Image apply_exif_orientation(const Image& image, int orientation);

}  // namespace hangu::data

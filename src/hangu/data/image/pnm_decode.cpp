// Binary PGM (P5) and PPM (P6) of our own: maxval 1..65535, two big-endian bytes per sample
// above 255. Samples scale to 8 bits as v * 255 / maxval rounded half to even (PIL's rule).
#include <string>

#include "hangu/core/error.h"
#include "hangu/data/image/image_codecs.h"

namespace hangu::data::detail {

namespace {

bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Header tokens: whitespace and '#' comments (to the end of the line) between them.
class HeaderReader {
 public:
  HeaderReader(std::span<const uint8_t> b, const std::string& name) : b_(b), name_(name) {}

  int64_t number(const char* field) {
    skip_space_and_comments();
    if (at_ >= b_.size()) throw FormatError(MsgId::img_truncated, name_, "PPM/PGM");
    if (b_[at_] < '0' || b_[at_] > '9')
      throw FormatError(MsgId::img_header_field, name_, "PPM/PGM", field, "a decimal number",
                        "byte " + std::to_string(b_[at_]));
    int64_t v = 0;
    while (at_ < b_.size() && b_[at_] >= '0' && b_[at_] <= '9') {
      v = v * 10 + (b_[at_++] - '0');
      if (v > (int64_t{1} << 31)) throw FormatError(MsgId::img_header_field, name_, "PPM/PGM", field, "< 2^31", "more");
    }
    return v;
  }
  // Exactly one whitespace byte ends the header.
  size_t end_of_header() {
    if (at_ >= b_.size()) throw FormatError(MsgId::img_truncated, name_, "PPM/PGM");
    if (!is_space(b_[at_]))
      throw FormatError(MsgId::img_header_field, name_, "PPM/PGM", "maxval", "whitespace after it",
                        "byte " + std::to_string(b_[at_]));
    return at_ + 1;
  }

 private:
  void skip_space_and_comments() {
    while (at_ < b_.size()) {
      if (is_space(b_[at_])) {
        ++at_;
      } else if (b_[at_] == '#') {
        while (at_ < b_.size() && b_[at_] != '\n' && b_[at_] != '\r') ++at_;
      } else {
        break;
      }
    }
  }
  std::span<const uint8_t> b_;
  const std::string& name_;
  size_t at_ = 2;  // after "P5" / "P6"
};

// round(v * 255 / maxval), halves to even.
uint8_t scale_to_8bit(uint32_t v, uint32_t maxval) {
  const uint64_t num = uint64_t{v} * 255, q = num / maxval, rem = num % maxval;
  const uint64_t twice = 2 * rem;
  const bool up = twice > maxval || (twice == maxval && (q & 1));
  return static_cast<uint8_t>(q + (up ? 1 : 0));
}

}  // namespace

Image decode_pnm(std::span<const uint8_t> bytes, const std::string& name) {
  const int64_t channels = bytes[1] == '6' ? 3 : 1;
  HeaderReader h(bytes, name);
  const int64_t width = h.number("width");
  const int64_t height = h.number("height");
  const int64_t maxval = h.number("maxval");
  if (maxval < 1 || maxval > 65535)
    throw FormatError(MsgId::img_header_field, name, "PPM/PGM", "maxval", "1..65535", maxval);
  check_decoded_size(width, height, name);
  const size_t start = h.end_of_header();
  const int64_t sample_bytes = maxval > 255 ? 2 : 1;
  const int64_t samples = width * height * channels;  // <= 2^30 after the size check
  if (bytes.size() - start < static_cast<size_t>(samples * sample_bytes))
    throw FormatError(MsgId::img_truncated, name, "PPM/PGM");
  Image out(height, width, channels);
  const uint8_t* src = bytes.data() + start;
  uint8_t* dst = out.data();
  const auto mv = static_cast<uint32_t>(maxval);
  for (int64_t i = 0; i < samples; ++i) {
    const uint32_t v = sample_bytes == 1 ? src[i] : (uint32_t{src[2 * i]} << 8) | src[2 * i + 1];
    if (v > mv)
      throw FormatError(MsgId::img_header_field, name, "PPM/PGM", "sample " + std::to_string(i),
                        "<= maxval " + std::to_string(maxval), v);
    dst[i] = mv == 255 ? static_cast<uint8_t>(v) : scale_to_8bit(v, mv);
  }
  return out;
}

}  // namespace hangu::data::detail

// The byte-level alphabet (tables built once) and lossy UTF-8 repair for decoding.
#include "hangu/text/byte_level.h"

#include <array>

#include "hangu/text/unicode.h"

namespace hangu::text {
namespace {

struct Alphabet {
  std::array<char32_t, 256> to_char{};
  std::array<int16_t, 0x144> to_byte{};  // every spelling character is below U+0144
  Alphabet() {
    to_byte.fill(-1);
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      to_char[static_cast<size_t>(b)] = printable ? static_cast<char32_t>(b) : next++;
      to_byte[to_char[static_cast<size_t>(b)]] = static_cast<int16_t>(b);
    }
  }
};

const Alphabet& alphabet() {
  static const Alphabet a;
  return a;
}

}  // namespace

char32_t byte_to_char(uint8_t b) { return alphabet().to_char[b]; }

int char_to_byte(char32_t c) { return c < alphabet().to_byte.size() ? alphabet().to_byte[c] : -1; }

std::string byte_level_spelling(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char b : bytes) append_utf8(out, byte_to_char(static_cast<uint8_t>(b)));
  return out;
}

bool byte_level_bytes(std::string_view spelling, std::string* out) {
  std::string bytes;
  bytes.reserve(spelling.size());
  for (size_t pos = 0; pos < spelling.size();) {
    char32_t cp;
    pos += decode_utf8(spelling, pos, &cp);
    const int b = cp == kInvalidCodePoint ? -1 : char_to_byte(cp);
    if (b < 0) return false;
    bytes.push_back(static_cast<char>(b));
  }
  *out = std::move(bytes);
  return true;
}

std::string utf8_lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t pos = 0; pos < bytes.size();) {
    char32_t cp;
    const size_t n = decode_utf8(bytes, pos, &cp);
    if (cp != kInvalidCodePoint) {
      out.append(bytes.substr(pos, n));
      pos += n;
      continue;
    }
    // The maximal subpart: the longest prefix of a well-formed sequence (Unicode 3.9, U+FFFD policy).
    const auto at = [&](size_t i) { return static_cast<uint8_t>(bytes[pos + i]); };
    const uint8_t c0 = at(0);
    size_t len = 0;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c0 >= 0xC2 && c0 <= 0xDF) len = 2;
    else if (c0 >= 0xE0 && c0 <= 0xEF) { len = 3; if (c0 == 0xE0) lo = 0xA0; if (c0 == 0xED) hi = 0x9F; }
    else if (c0 >= 0xF0 && c0 <= 0xF4) { len = 4; if (c0 == 0xF0) lo = 0x90; if (c0 == 0xF4) hi = 0x8F; }
    size_t take = 1;
    for (size_t i = 1; i < len && pos + i < bytes.size(); ++i) {
      const uint8_t c = at(i);
      if (c < (i == 1 ? lo : 0x80) || c > (i == 1 ? hi : 0xBF)) break;
      take = i + 1;
    }
    out.append("\xEF\xBF\xBD");
    pos += take;
  }
  return out;
}

}  // namespace hangu::text

// Unicode properties and NFC from the generated range tables (binary search; no allocation at load).
#include "hangu/text/unicode.h"

#include <algorithm>
#include <vector>

namespace hangu::text {
namespace {

struct CodeRange {
  uint32_t lo, hi;
};
struct ClassRange {
  uint32_t lo, hi;
  uint8_t cls;
};
struct DecompEntry {
  uint32_t cp;
  uint32_t offset;
  uint32_t length;
};
struct CompositeEntry {
  uint32_t first, second, composite;
};

#include "hangu/text/unicode_tables.inc"

template <size_t N>
bool in_ranges(const CodeRange (&table)[N], char32_t cp) {
  const CodeRange* it = std::upper_bound(std::begin(table), std::end(table), static_cast<uint32_t>(cp),
                                         [](uint32_t v, const CodeRange& r) { return v < r.lo; });
  return it != std::begin(table) && cp <= (it - 1)->hi;
}

// Hangul syllables compose and decompose by arithmetic (Unicode 3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

// Invalid bytes travel through NFC as code points above U+10FFFF: class 0, never composed.
constexpr char32_t kRawByteBase = 0x110000;

uint8_t combining_class(char32_t cp) {
  const ClassRange* it = std::upper_bound(std::begin(kCombiningClassRanges), std::end(kCombiningClassRanges),
                                          static_cast<uint32_t>(cp),
                                          [](uint32_t v, const ClassRange& r) { return v < r.lo; });
  if (it == std::begin(kCombiningClassRanges) || cp > (it - 1)->hi) return 0;
  return (it - 1)->cls;
}

void decompose(char32_t cp, std::vector<char32_t>& out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const char32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out.push_back(kTBase + s % kTCount);
    return;
  }
  const DecompEntry* it = std::lower_bound(std::begin(kDecompositions), std::end(kDecompositions),
                                           static_cast<uint32_t>(cp),
                                           [](const DecompEntry& e, uint32_t v) { return e.cp < v; });
  if (it == std::end(kDecompositions) || it->cp != cp) {
    out.push_back(cp);
    return;
  }
  for (uint32_t i = 0; i < it->length; ++i) out.push_back(kDecompositionData[it->offset + i]);
}

// The primary composite of (a, b), or 0.
char32_t compose(char32_t a, char32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase && b < kTBase + kTCount)
    return a + (b - kTBase);
  const CompositeEntry* it = std::lower_bound(
      std::begin(kComposites), std::end(kComposites), std::pair<uint32_t, uint32_t>(a, b),
      [](const CompositeEntry& e, const std::pair<uint32_t, uint32_t>& v) {
        return e.first < v.first || (e.first == v.first && e.second < v.second);
      });
  if (it != std::end(kComposites) && it->first == a && it->second == b) return it->composite;
  return 0;
}

}  // namespace

bool is_letter(char32_t cp) { return in_ranges(kLetterRanges, cp); }
bool is_number(char32_t cp) { return in_ranges(kNumberRanges, cp); }

bool is_white_space(char32_t cp) {
  if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
  switch (cp) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

size_t decode_utf8(std::string_view text, size_t pos, char32_t* cp) {
  const auto b = [&](size_t i) { return static_cast<uint8_t>(text[pos + i]); };
  const size_t left = text.size() - pos;
  const uint8_t c0 = b(0);
  *cp = kInvalidCodePoint;
  if (c0 < 0x80) {
    *cp = c0;
    return 1;
  }
  size_t len = 0;
  char32_t v = 0, min = 0;
  if (c0 >= 0xC2 && c0 <= 0xDF) { len = 2; v = c0 & 0x1F; min = 0x80; }
  else if (c0 >= 0xE0 && c0 <= 0xEF) { len = 3; v = c0 & 0x0F; min = 0x800; }
  else if (c0 >= 0xF0 && c0 <= 0xF4) { len = 4; v = c0 & 0x07; min = 0x10000; }
  else return 1;
  if (left < len) return 1;
  for (size_t i = 1; i < len; ++i) {
    if ((b(i) & 0xC0) != 0x80) return 1;
    v = (v << 6) | (b(i) & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 1;
  *cp = v;
  return len;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool is_valid_utf8(std::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    char32_t cp;
    pos += decode_utf8(text, pos, &cp);
    if (cp == kInvalidCodePoint) return false;
  }
  return true;
}

std::string nfc(std::string_view text) {
  // Pure ASCII is already NFC: the common case costs one scan.
  if (std::all_of(text.begin(), text.end(), [](char c) { return static_cast<uint8_t>(c) < 0x80; }))
    return std::string(text);
  std::vector<char32_t> cps;
  cps.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    char32_t cp;
    const size_t n = decode_utf8(text, pos, &cp);
    if (cp == kInvalidCodePoint) cps.push_back(kRawByteBase + static_cast<uint8_t>(text[pos]));
    else decompose(cp, cps);
    pos += n;
  }
  // Canonical ordering: a stable sort of each run of non-starters by combining class.
  for (size_t i = 0; i < cps.size();) {
    if (combining_class(cps[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < cps.size() && combining_class(cps[j]) != 0) ++j;
    std::stable_sort(cps.begin() + static_cast<std::ptrdiff_t>(i), cps.begin() + static_cast<std::ptrdiff_t>(j),
                     [](char32_t a, char32_t b) { return combining_class(a) < combining_class(b); });
    i = j;
  }
  // Canonical composition (UAX #15): a character joins the last starter unless blocked.
  std::vector<char32_t> out;
  out.reserve(cps.size());
  std::ptrdiff_t starter = -1;
  int last_class = 256;  // no starter seen yet: nothing composes
  for (char32_t c : cps) {
    const int cc = c >= kRawByteBase ? 0 : combining_class(c);
    if (starter >= 0 && (last_class < cc || last_class == 0)) {
      const char32_t composite = c >= kRawByteBase ? 0 : compose(out[static_cast<size_t>(starter)], c);
      if (composite != 0) {
        out[static_cast<size_t>(starter)] = composite;
        continue;
      }
    }
    if (cc == 0) starter = static_cast<std::ptrdiff_t>(out.size());
    last_class = cc;
    out.push_back(c);
  }
  std::string s;
  s.reserve(text.size());
  for (char32_t c : out) {
    if (c >= kRawByteBase) s.push_back(static_cast<char>(c - kRawByteBase));
    else append_utf8(s, c);
  }
  return s;
}

}  // namespace hangu::text

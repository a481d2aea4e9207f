// The pre-tokenizer scanners. Both work on a decoded character array; each alternative of the
// pattern is a branch, tried in the pattern's order, and the backtracking cases (\s+(?!\S),
// \s*[\r\n]+) are resolved by looking at the whole whitespace run first.
#include "hangu/text/pre_tokenizer.h"

#include <cstdint>

#include "hangu/text/unicode.h"

namespace hangu::text {
namespace {

enum class Cls : uint8_t { letter, number, space, other };

struct Char {
  size_t begin;
  char32_t cp;  // kInvalidCodePoint for a byte that is not valid UTF-8
  Cls cls;
};

std::vector<Char> decode_chars(std::string_view text) {
  std::vector<Char> chars;
  chars.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    char32_t cp;
    const size_t n = decode_utf8(text, pos, &cp);
    Cls cls = Cls::other;
    if (cp != kInvalidCodePoint) {
      if (is_letter(cp)) cls = Cls::letter;
      else if (is_number(cp)) cls = Cls::number;
      else if (is_white_space(cp)) cls = Cls::space;
    }
    chars.push_back({pos, cp, cls});
    pos += n;
  }
  return chars;
}

// Scans [i, n) of characters; `step` returns the end (a character index > i) of the match at i.
template <typename Step>
std::vector<Piece> scan(std::string_view text, Step step) {
  const std::vector<Char> chars = decode_chars(text);
  const size_t n = chars.size();
  std::vector<Piece> pieces;
  for (size_t i = 0; i < n;) {
    const size_t j = step(chars, i);
    pieces.emplace_back(chars[i].begin, j < n ? chars[j].begin : text.size());
    i = j;
  }
  return pieces;
}

size_t run_of(const std::vector<Char>& c, size_t i, Cls cls) {
  while (i < c.size() && c[i].cls == cls) ++i;
  return i;
}

bool is_newline(char32_t cp) { return cp == U'\r' || cp == U'\n'; }

// \s+(?!\S)|\s+ at a whitespace character i.
size_t whitespace_tail(const std::vector<Char>& c, size_t i) {
  const size_t end = run_of(c, i, Cls::space);
  if (end == c.size()) return end;    // (?!\S) holds at the end of the text
  return end - i >= 2 ? end - 1 : end;  // leave the last space to join the next word
}

// 's|'t|'re|'ve|'m|'ll|'d at an apostrophe i; `fold` maps a letter to its case-folded form.
template <typename Fold>
size_t contraction(const std::vector<Char>& c, size_t i, Fold fold) {
  if (c[i].cp != U'\'' || i + 1 >= c.size()) return 0;
  const char32_t a = fold(c[i + 1].cp);
  if (a == U's' || a == U't' || a == U'm' || a == U'd') return i + 2;
  if (i + 2 >= c.size()) return 0;
  const char32_t b = fold(c[i + 2].cp);
  if ((a == U'r' && b == U'e') || (a == U'v' && b == U'e') || (a == U'l' && b == U'l')) return i + 3;
  return 0;
}

}  // namespace

std::vector<Piece> split_gpt2(std::string_view text) {
  return scan(text, [](const std::vector<Char>& c, size_t i) -> size_t {
    if (size_t j = contraction(c, i, [](char32_t x) { return x; })) return j;
    // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+': an optional space, then a run of one class.
    size_t start = i;
    if (c[i].cp == U' ' && i + 1 < c.size() && c[i + 1].cls != Cls::space) start = i + 1;
    if (c[start].cls != Cls::space) return run_of(c, start, c[start].cls);
    return whitespace_tail(c, i);
  });
}

std::vector<Piece> split_qwen2(std::string_view text) {
  // (?i:...) folds case; U+017F LONG S folds to 's' (Unicode simple case folding).
  const auto fold = [](char32_t x) -> char32_t {
    if (x >= U'A' && x <= U'Z') return x - U'A' + U'a';
    return x == 0x17F ? U's' : x;
  };
  return scan(text, [&](const std::vector<Char>& c, size_t i) -> size_t {
    if (size_t j = contraction(c, i, fold)) return j;
    const size_t n = c.size();
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (c[i].cls == Cls::letter) return run_of(c, i, Cls::letter);
    if (c[i].cls != Cls::number && !is_newline(c[i].cp) && i + 1 < n && c[i + 1].cls == Cls::letter)
      return run_of(c, i + 1, Cls::letter);
    // \p{N}: one digit at a time
    if (c[i].cls == Cls::number) return i + 1;
    // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
    size_t start = i;
    if (c[i].cp == U' ' && i + 1 < n && c[i + 1].cls == Cls::other) start = i + 1;
    if (c[start].cls == Cls::other) {
      size_t j = run_of(c, start, Cls::other);
      while (j < n && is_newline(c[j].cp)) ++j;
      return j;
    }
    // \s*[\r\n]+: the whitespace run up to and including its last newline
    const size_t end = run_of(c, i, Cls::space);
    for (size_t k = end; k > i; --k)
      if (is_newline(c[k - 1].cp)) return k;
    return whitespace_tail(c, i);
  });
}

}  // namespace hangu::text

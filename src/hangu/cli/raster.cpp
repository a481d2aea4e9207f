#include "hangu/cli/raster.h"

#include <algorithm>
#include <cmath>

namespace hangu::cli {

namespace {

struct Glyph {
  char c;
  const char* rows;  // 7 rows of 5 columns, '1' = ink, rows separated by spaces
};

// Our own 5x7 drawings.
constexpr Glyph kFont[] = {
    {'0', "01110 10001 10011 10101 11001 10001 01110"}, {'1', "00100 01100 00100 00100 00100 00100 01110"},
    {'2', "01110 10001 00001 00010 00100 01000 11111"}, {'3', "11111 00010 00100 00010 00001 10001 01110"},
    {'4', "00010 00110 01010 10010 11111 00010 00010"}, {'5', "11111 10000 11110 00001 00001 10001 01110"},
    {'6', "00110 01000 10000 11110 10001 10001 01110"}, {'7', "11111 00001 00010 00100 01000 01000 01000"},
    {'8', "01110 10001 10001 01110 10001 10001 01110"}, {'9', "01110 10001 10001 01111 00001 00010 01100"},
    {'a', "00000 00000 01110 00001 01111 10001 01111"}, {'b', "10000 10000 10110 11001 10001 10001 11110"},
    {'c', "00000 00000 01110 10000 10000 10001 01110"}, {'d', "00001 00001 01101 10011 10001 10001 01111"},
    {'e', "00000 00000 01110 10001 11111 10000 01110"}, {'f', "00110 01001 01000 11100 01000 01000 01000"},
    {'g', "00000 01111 10001 10001 01111 00001 01110"}, {'h', "10000 10000 10110 11001 10001 10001 10001"},
    {'i', "00100 00000 01100 00100 00100 00100 01110"}, {'j', "00010 00000 00110 00010 00010 10010 01100"},
    {'k', "10000 10000 10010 10100 11000 10100 10010"}, {'l', "01100 00100 00100 00100 00100 00100 01110"},
    {'m', "00000 00000 11010 10101 10101 10001 10001"}, {'n', "00000 00000 10110 11001 10001 10001 10001"},
    {'o', "00000 00000 01110 10001 10001 10001 01110"}, {'p', "00000 00000 11110 10001 11110 10000 10000"},
    {'q', "00000 00000 01101 10011 01111 00001 00001"}, {'r', "00000 00000 10110 11001 10000 10000 10000"},
    {'s', "00000 00000 01110 10000 01110 00001 11110"}, {'t', "01000 01000 11100 01000 01000 01001 00110"},
    {'u', "00000 00000 10001 10001 10001 10011 01101"}, {'v', "00000 00000 10001 10001 10001 01010 00100"},
    {'w', "00000 00000 10001 10001 10101 10101 01010"}, {'x', "00000 00000 10001 01010 00100 01010 10001"},
    {'y', "00000 00000 10001 10001 01111 00001 01110"}, {'z', "00000 00000 11111 00010 00100 01000 11111"},
    {'.', "00000 00000 00000 00000 00000 01100 01100"}, {'%', "11000 11001 00010 00100 01000 10011 00011"},
    {'-', "00000 00000 00000 11111 00000 00000 00000"}, {':', "00000 01100 01100 00000 01100 01100 00000"},
    {'/', "00000 00001 00010 00100 01000 10000 00000"}, {'(', "00010 00100 01000 01000 01000 00100 00010"},
    {')', "01000 00100 00010 00010 00010 00100 01000"}, {' ', "00000 00000 00000 00000 00000 00000 00000"},
    {'?', "01110 10001 00001 00010 00100 00000 00100"},
};

const Glyph& glyph(char c) {
  if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  for (const Glyph& g : kFont)
    if (g.c == c) return g;
  return kFont[sizeof(kFont) / sizeof(kFont[0]) - 1];
}

}  // namespace

Canvas::Canvas(int64_t width, int64_t height, Rgb background) : img_(height, width, 3) {
  rect(0, 0, width, height, background);
}

void Canvas::pixel(int64_t x, int64_t y, Rgb c) {
  if (x < 0 || y < 0 || x >= width() || y >= height()) return;
  uint8_t* p = img_.row(y) + 3 * x;
  p[0] = c.r, p[1] = c.g, p[2] = c.b;
}

void Canvas::rect(int64_t x0, int64_t y0, int64_t x1, int64_t y1, Rgb c) {
  for (int64_t y = std::max<int64_t>(y0, 0); y < std::min(y1, height()); ++y)
    for (int64_t x = std::max<int64_t>(x0, 0); x < std::min(x1, width()); ++x) pixel(x, y, c);
}

void Canvas::line(double x0, double y0, double x1, double y1, Rgb c, int thickness) {
  const double len = std::max(std::fabs(x1 - x0), std::fabs(y1 - y0));
  const int64_t steps = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(len)));
  const int64_t lo = -(thickness - 1) / 2, hi = thickness / 2;
  for (int64_t i = 0; i <= steps; ++i) {
    const double t = static_cast<double>(i) / static_cast<double>(steps);
    const auto x = static_cast<int64_t>(std::lround(x0 + (x1 - x0) * t));
    const auto y = static_cast<int64_t>(std::lround(y0 + (y1 - y0) * t));
    for (int64_t dy = lo; dy <= hi; ++dy)
      for (int64_t dx = lo; dx <= hi; ++dx) pixel(x + dx, y + dy, c);
  }
}

void Canvas::text(int64_t x, int64_t y, const std::string& s, Rgb c, int scale) {
  for (char ch : s) {
    const char* rows = glyph(ch).rows;
    for (int r = 0; r < 7; ++r)
      for (int col = 0; col < 5; ++col)
        if (rows[r * 6 + col] == '1')
          rect(x + col * scale, y + r * scale, x + (col + 1) * scale, y + (r + 1) * scale, c);
    x += 6 * scale;
  }
}

int64_t Canvas::text_width(const std::string& s, int scale) {
  return s.empty() ? 0 : static_cast<int64_t>(s.size()) * 6 * scale - scale;
}

}  // namespace hangu::cli

#pragma once
// A tiny rasteriser for the PNG plots: filled rectangles, thick lines and a 5x7 bitmap font
// (digits, lowercase letters, a few signs; uppercase is drawn as lowercase, other characters
// as '?'). Enough for axes, curves, numbers and short English labels.
#include <cstdint>
#include <string>

#include "hangu/data/image/image.h"

namespace hangu::cli {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

class Canvas {
 public:
  Canvas(int64_t width, int64_t height, Rgb background);
  const data::Image& image() const { return img_; }
  int64_t width() const { return img_.width(); }
  int64_t height() const { return img_.height(); }

  void pixel(int64_t x, int64_t y, Rgb c);                           // clipped
  void rect(int64_t x0, int64_t y0, int64_t x1, int64_t y1, Rgb c);  // filled, [x0, x1) x [y0, y1)
  void line(double x0, double y0, double x1, double y1, Rgb c, int thickness = 1);
  // Text with its top-left corner at (x, y); each font pixel becomes scale x scale pixels.
  void text(int64_t x, int64_t y, const std::string& s, Rgb c, int scale = 1);
  static int64_t text_width(const std::string& s, int scale = 1);
  static int64_t text_height(int scale = 1) { return 7 * scale; }

 private:
  data::Image img_;
};

}  // namespace hangu::cli

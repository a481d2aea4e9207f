#pragma once
// A one-line progress bar redrawn in place ("\r") on a terminal, at most ten times a second.
#include <chrono>
#include <cstdio>
#include <string>

namespace hangu::cli {

// True when `stream` is a terminal (then a progress bar is drawn; otherwise one line per epoch).
bool is_terminal(std::FILE* stream);

// "1:05", "1:02:03"; "?" for a negative or non-finite value.
std::string format_duration(double seconds);
// Fixed-point text with `digits` decimals ("97.85").
std::string fixed(double v, int digits);
// "[#####.....]" of `width` cells for done/total.
std::string bar(int64_t done, int64_t total, int width);

class ProgressLine {
 public:
  explicit ProgressLine(std::FILE* out) : out_(out) {}
  // Redraws the line with `text` unless the last redraw was under 0.1 s ago (force: always).
  void update(const std::string& text, bool force = false);
  // Erases the line so that a normal line can follow.
  void clear();

 private:
  std::FILE* out_;
  std::chrono::steady_clock::time_point last_{};
  size_t width_ = 0;  // bytes of the line on screen
  bool drawn_ = false;
};

}  // namespace hangu::cli

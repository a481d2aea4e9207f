#include "hangu/cli/progress.h"

#include <unistd.h>

#include <cmath>

namespace hangu::cli {

bool is_terminal(std::FILE* stream) { return isatty(fileno(stream)) != 0; }

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto s = static_cast<int64_t>(std::llround(seconds));
  char buf[48];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  }
  return buf;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string bar(int64_t done, int64_t total, int width) {
  int64_t filled = total > 0 ? done * width / total : 0;
  std::string out = "[";
  for (int i = 0; i < width; ++i) out += i < filled ? '#' : '.';
  return out + "]";
}

void ProgressLine::update(const std::string& text, bool force) {
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && !force && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  std::string line(1, '\r');
  line += text;
  // Pad with spaces over what the previous, longer line left.
  if (text.size() < width_) line.append(width_ - text.size(), ' ');
  width_ = text.size();
  drawn_ = true;
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
}

void ProgressLine::clear() {
  if (!drawn_) return;
  std::string line(width_ + 2, ' ');
  line.front() = '\r';
  line.back() = '\r';
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
  drawn_ = false;
  width_ = 0;
}

}  // namespace hangu::cli

#include "hangu/core/anomaly_mode.h"

#include <cstdlib>
#include <string_view>

namespace hangu::autograd {

namespace detail {
namespace {
bool env_on() {
  const char* v = std::getenv("HANGU_DETECT_ANOMALY");
  if (!v) return false;
  std::string_view s(v);
  return s == "1" || s == "true" || s == "on" || s == "yes";
}
}  // namespace

std::atomic<bool> g_detect_anomaly{env_on()};
}  // namespace detail

void set_detect_anomaly(bool on) { detail::g_detect_anomaly.store(on, std::memory_order_relaxed); }

}  // namespace hangu::autograd

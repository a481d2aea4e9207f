#pragma once
// Anomaly detection for autograd (like torch.autograd.set_detect_anomaly): when on, every op
// recorded for autograd checks its outputs in forward, and the engine checks every gradient in
// backward; the first NaN or Inf raises an Error naming the op. Off by default: the checks then
// cost one relaxed load of a global flag per recorded op and per backward node.
// HANGU_DETECT_ANOMALY=1 in the environment turns it on at start-up.
#include <atomic>

namespace hangu::autograd {

namespace detail {
extern std::atomic<bool> g_detect_anomaly;
}  // namespace detail

// HANGU_NO_ANOMALY_CHECKS (CMake HANGU_ANOMALY_CHECKS=OFF) compiles the checks out, only so that
// bench/anomaly_overhead.sh can measure what the flag costs when anomaly mode is off.
#ifdef HANGU_NO_ANOMALY_CHECKS
constexpr bool is_anomaly_enabled() { return false; }
#else
inline bool is_anomaly_enabled() { return detail::g_detect_anomaly.load(std::memory_order_relaxed); }
#endif
void set_detect_anomaly(bool on);

// Sets anomaly detection for its scope.
class DetectAnomalyGuard {
 public:
  explicit DetectAnomalyGuard(bool on = true) : prev_(is_anomaly_enabled()) { set_detect_anomaly(on); }
  ~DetectAnomalyGuard() { set_detect_anomaly(prev_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace hangu::autograd

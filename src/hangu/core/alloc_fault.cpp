#include "hangu/core/alloc_fault.h"

#include <cstdlib>

namespace hangu {
namespace detail {

std::atomic<bool> g_alloc_fault_armed{false};

namespace {

std::atomic<int64_t> g_target{0};  // which allocation fails (1-based); 0: none
std::atomic<int64_t> g_count{0};   // allocations since the hook was armed
std::atomic<bool> g_fired{false};

// HANGU_FAULT_ALLOC=N arms the hook for the whole process. Read once at start-up; a value that is
// not a positive integer leaves the hook disarmed (this is a test hook, not a user option).
[[maybe_unused]] const bool g_env_read = [] {
  const char* v = std::getenv("HANGU_FAULT_ALLOC");
  if (v && *v) {
    char* end = nullptr;
    long long n = std::strtoll(v, &end, 10);
    if (*end == '\0' && n > 0) set_alloc_fault(n);
  }
  return true;
}();

}  // namespace

bool alloc_fault_tick() {
  int64_t k = g_count.fetch_add(1, std::memory_order_relaxed) + 1;
  if (k != g_target.load(std::memory_order_relaxed)) return false;
  g_fired.store(true, std::memory_order_relaxed);
  return true;
}

}  // namespace detail

void set_alloc_fault(int64_t n) {
  detail::g_alloc_fault_armed.store(false, std::memory_order_relaxed);
  detail::g_count.store(0, std::memory_order_relaxed);
  detail::g_fired.store(false, std::memory_order_relaxed);
  detail::g_target.store(n > 0 ? n : 0, std::memory_order_relaxed);
  // Stays armed after firing, so alloc_fault_count() keeps counting (a sweep needs the total).
  detail::g_alloc_fault_armed.store(n > 0, std::memory_order_release);
}

int64_t alloc_fault_count() { return detail::g_count.load(std::memory_order_relaxed); }
bool alloc_fault_fired() { return detail::g_fired.load(std::memory_order_relaxed); }

}  // namespace hangu

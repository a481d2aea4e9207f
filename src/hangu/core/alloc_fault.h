#pragma once
// Fault injection for allocation: makes the N-th Storage allocation fail with OutOfMemory, so
// tests can prove that every allocation failure surfaces as a clean, typed error (no crash, no
// leak). Armed by set_alloc_fault(n) or, for a whole process, by the environment variable
// HANGU_FAULT_ALLOC=N. Disarmed, the allocation path pays one relaxed atomic load.
#include <atomic>
#include <cstdint>

namespace hangu {

// The n-th allocation from now (1 = the next one) fails; later ones succeed again. 0 disarms.
// Counting restarts at every call.
void set_alloc_fault(int64_t n);
// Allocations seen since set_alloc_fault last armed the hook (the failed one included).
int64_t alloc_fault_count();
// Whether the armed allocation has already failed since the hook was last armed.
bool alloc_fault_fired();

namespace detail {
extern std::atomic<bool> g_alloc_fault_armed;
bool alloc_fault_tick();  // counts one allocation; true when it is the one to fail
}  // namespace detail

// Called by the allocation path (Storage::allocate): true when this allocation must fail.
inline bool alloc_fault_should_fail() {
  return detail::g_alloc_fault_armed.load(std::memory_order_relaxed) && detail::alloc_fault_tick();
}

}  // namespace hangu

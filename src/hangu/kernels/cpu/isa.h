#pragma once
// Which instruction-set level the fast kernels use. cpuid is read once (core/cpu_features.h);
// HANGU_ISA=reference|avx2|avx512 caps the level for tests and benchmarks (a level the machine
// lacks is an error, never silently ignored). Kernels ask active_isa() when called, so a test can
// run every level in one process with IsaGuard.
#include <optional>
#include <string_view>

namespace hangu::kernels {

enum class Isa : int { reference = 0, avx2 = 1, avx512 = 2 };

const char* isa_name(Isa isa);
std::optional<Isa> parse_isa(std::string_view name);

// The best level this machine (CPU and OS) supports.
Isa best_isa();
// Whether `isa` can run here (reference always can).
bool isa_supported(Isa isa);
// The level kernels use now: best_isa(), or HANGU_ISA when set (read once).
Isa active_isa();
// Changes the level for this process (tests, benchmarks). Throws ValueError if unsupported.
void set_active_isa(Isa isa);
// Whether the avx512 level also has AVX512-BF16 (vdpbf16ps) and the level is active.
bool bf16_dot_available();

// Sets a level for a scope, restoring the previous one after.
class IsaGuard {
 public:
  explicit IsaGuard(Isa isa) : prev_(active_isa()) { set_active_isa(isa); }
  ~IsaGuard() { set_active_isa(prev_); }
  IsaGuard(const IsaGuard&) = delete;
  IsaGuard& operator=(const IsaGuard&) = delete;

 private:
  Isa prev_;
};

}  // namespace hangu::kernels

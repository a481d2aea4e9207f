#include "hangu/kernels/cpu/isa.h"

#include <atomic>
#include <cstdlib>
#include <string>

#include "hangu/core/cpu_features.h"
#include "hangu/core/error.h"

namespace hangu::kernels {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::reference: return "reference";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
  }
  return "?";
}

std::optional<Isa> parse_isa(std::string_view name) {
  if (name == "reference") return Isa::reference;
  if (name == "avx2") return Isa::avx2;
  if (name == "avx512") return Isa::avx512;
  return std::nullopt;
}

Isa best_isa() {
  const CpuFeatures& f = cpu_features();
  if (f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.avx2 && f.fma && f.f16c) return Isa::avx512;
  if (f.avx2 && f.fma && f.f16c) return Isa::avx2;
  return Isa::reference;
}

bool isa_supported(Isa isa) { return static_cast<int>(isa) <= static_cast<int>(best_isa()); }

namespace {

Isa initial_isa() {
  const char* env = std::getenv("HANGU_ISA");
  if (env == nullptr || *env == '\0') return best_isa();
  std::optional<Isa> isa = parse_isa(env);
  if (!isa) throw ValueError(MsgId::isa_unknown, std::string(env));
  if (!isa_supported(*isa)) throw Unsupported(MsgId::isa_unsupported, isa_name(*isa), isa_name(best_isa()));
  return *isa;
}

std::atomic<int>& active_slot() {
  static std::atomic<int> slot{static_cast<int>(initial_isa())};
  return slot;
}

}  // namespace

Isa active_isa() { return static_cast<Isa>(active_slot().load(std::memory_order_relaxed)); }

void set_active_isa(Isa isa) {
  if (!isa_supported(isa)) throw Unsupported(MsgId::isa_unsupported, isa_name(isa), isa_name(best_isa()));
  active_slot().store(static_cast<int>(isa), std::memory_order_relaxed);
}

bool bf16_dot_available() { return active_isa() == Isa::avx512 && cpu_features().avx512_bf16; }

}  // namespace hangu::kernels

#pragma once
// What the processor (and the OS, for the wide registers) supports, read once with cpuid.
#include <string>

namespace hangu {

struct CpuFeatures {
  bool sse42 = false, avx = false, avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512_bf16 = false, avx512_vnni = false, avx512_fp16 = false;
  bool amx_tile = false, amx_bf16 = false;
  std::string brand;  // e.g. "AMD EPYC ..."
};

const CpuFeatures& cpu_features();

}  // namespace hangu

#pragma once
// The per-instruction-set f32 instantiations of the pooling kernels (pool2d_impl.h), defined in
// pool2d__avx2.cpp and pool2d__avx512.cpp; pool2d.cpp picks one by active_isa().
#include <cstdint>

#include "hangu/kernels/cpu/pool.h"

namespace hangu::kernels {

#define HANGU_POOL_DECLARE(SUFFIX)                                                                       \
  void f32_max_pool2d__##SUFFIX(const Pool2dShape& s, const float* x, float* y, int64_t* idx);           \
  void f32_avg_pool2d__##SUFFIX(const Pool2dShape& s, bool count_include_pad, const float* x, float* y); \
  void f32_global_avg_pool2d__##SUFFIX(const Pool2dShape& s, const float* x, float* y);
HANGU_POOL_DECLARE(avx2)
HANGU_POOL_DECLARE(avx512)
#undef HANGU_POOL_DECLARE

}  // namespace hangu::kernels

#pragma once
// Scalar "vector" traits (one lane) for the SIMD kernel templates: the f64 kernels and the
// reference instruction-set level use the same algorithms with these. The per-ISA traits
// (vec__avx2.h, vec__avx512.h) have the same members and are included only by *__avx2.cpp /
// *__avx512.cpp files.
#include <cmath>
#include <cstdint>

namespace hangu::kernels {

template <typename T_>
struct VecScalar {
  using T = T_;
  using reg = T;
  using mask = bool;
  static constexpr int64_t W = 1;
  static reg zero() { return T(0); }
  static reg set1(T v) { return v; }
  static reg load(const T* p) { return *p; }
  static reg loadz(const T* p, mask m) { return m ? *p : T(0); }
  static void store(T* p, reg v) { *p = v; }
  static void store_mask(T* p, reg v, mask m) {
    if (m) *p = v;
  }
  static mask tail(int64_t n) { return n > 0; }
  static reg fma(reg a, reg b, reg c) { return a * b + c; }
  static reg add(reg a, reg b) { return a + b; }
  static reg mul(reg a, reg b) { return a * b; }
  static T hsum(reg v) { return v; }
  // Pooling: columns at stride 2 (p[0], p[2], ...), reading only p[0 .. 2n-1) when n < W.
  static reg load_even(const T* p) { return *p; }
  static reg load_even_n(const T* p, int64_t n) { return n > 0 ? *p : T(0); }
  // Argmax bookkeeping: lane indices (int32 in the vector ISAs; index = base + lane * step).
  using ireg = int64_t;
  static ireg lane_index(int64_t base, int64_t /*step*/) { return base; }
  // Takes v where v > best or v is NaN (PyTorch: a later NaN wins).
  static void max_update(reg& best, ireg& best_idx, reg v, ireg v_idx) {
    if (v > best || std::isnan(v)) best = v, best_idx = v_idx;
  }
  static void store_index(int64_t* p, ireg v, int64_t n) {
    if (n > 0) *p = v;
  }
};

}  // namespace hangu::kernels

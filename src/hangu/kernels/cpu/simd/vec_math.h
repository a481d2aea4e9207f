#pragma once
// Vector f32 exp, log, tanh, erf and sigmoid over the traits V of vec__avx512.h / vec__avx2.h.
// Included only by the per-ISA kernel files, after their traits header. Largest errors against
// the exact value, measured over every 61st to 97th float of the whole f32 range: exp 1.24 ulp,
// log 0.79 ulp, tanh 1.34 ulp, erf 1.07 ulp (tests/unit/test_simd_kernels.cpp holds them to
// 2 ulp, with +-inf, NaN and denormals). NaN in gives NaN out; overflow gives inf and underflow
// 0 or a denormal, like the C library.
#include <cstdint>

#include "hangu/kernels/cpu/simd/fp_contract_off.h"  // before every template of these kernels

namespace hangu::kernels::simd {
namespace {

// exp(x) = 2^n exp(r), n = round(x / ln2), r = x - n ln2 in two steps (Cody-Waite), exp(r) by
// Cephes' degree-6 polynomial. 2^n is applied as two halves so that n in [-150, 128] never
// leaves the normal exponent range before the final, once-rounded product.
template <typename V>
typename V::F vexp(typename V::F x) {
  using F = typename V::F;
  using I = typename V::I;
  const F xc = V::min(V::max(x, V::set1(-104.0f)), V::set1(89.0f));  // beyond: 0 or inf anyway
  const F n = V::round_nearest(V::mul(xc, V::set1(1.44269504088896341f)));
  F r = V::fnma(n, V::set1(0.693359375f), xc);
  r = V::fnma(n, V::set1(-2.12194440e-4f), r);
  F p = V::set1(1.9875691500e-4f);
  p = V::fma(p, r, V::set1(1.3981999507e-3f));
  p = V::fma(p, r, V::set1(8.3334519073e-3f));
  p = V::fma(p, r, V::set1(4.1665795894e-2f));
  p = V::fma(p, r, V::set1(1.6666665459e-1f));
  p = V::fma(p, r, V::set1(5.0000001201e-1f));
  p = V::fma(p, V::mul(r, r), V::add(r, V::set1(1.0f)));
  const I ni = V::to_int(n);
  const I n1 = V::srai(ni, 1);
  const I n2 = V::sub_i(ni, n1);
  const F s1 = V::from_bits(V::slli(V::add_i(n1, V::set1_i(127)), 23));
  const F s2 = V::from_bits(V::slli(V::add_i(n2, V::set1_i(127)), 23));
  const F y = V::mul(V::mul(p, s1), s2);
  return V::select(V::isnan(x), V::add(x, x), y);
}

// log(x) = e ln2 + log(m), m in [sqrt(1/2), sqrt(2)), log(m) by Cephes' polynomial in m - 1.
// Denormals are scaled by 2^23 first.
template <typename V>
typename V::F vlog(typename V::F x) {
  using F = typename V::F;
  using I = typename V::I;
  const auto denormal = V::lt(x, V::set1(1.17549435e-38f));
  const F xs = V::select(denormal, V::mul(x, V::set1(8388608.0f)), x);
  const F e_adjust = V::select(denormal, V::set1(-23.0f), V::zero());
  const I b = V::bits(xs);
  F e = V::add(V::to_float(V::sub_i(V::srli(b, 23), V::set1_i(126))), e_adjust);
  F m = V::from_bits(V::or_i(V::and_i(b, V::set1_i(0x007fffff)), V::set1_i(0x3f000000)));  // [0.5, 1)
  const auto small = V::lt(m, V::set1(0.707106781186547524f));
  e = V::select(small, V::sub(e, V::set1(1.0f)), e);
  m = V::sub(V::select(small, V::add(m, m), m), V::set1(1.0f));
  const F z = V::mul(m, m);
  F y = V::set1(7.0376836292e-2f);
  y = V::fma(y, m, V::set1(-1.1514610310e-1f));
  y = V::fma(y, m, V::set1(1.1676998740e-1f));
  y = V::fma(y, m, V::set1(-1.2420140846e-1f));
  y = V::fma(y, m, V::set1(1.4249322787e-1f));
  y = V::fma(y, m, V::set1(-1.6668057665e-1f));
  y = V::fma(y, m, V::set1(2.0000714765e-1f));
  y = V::fma(y, m, V::set1(-2.4999993993e-1f));
  y = V::fma(y, m, V::set1(3.3333331174e-1f));
  y = V::mul(V::mul(y, m), z);
  y = V::fma(e, V::set1(-2.12194440e-4f), y);
  y = V::fnma(V::set1(0.5f), z, y);
  F r = V::add(m, y);
  r = V::fma(e, V::set1(0.693359375f), r);
  // Special values: log(+-0) = -inf, log(x < 0) = NaN, log(inf) = inf, NaN stays NaN.
  const float inf = __builtin_inff();
  r = V::select(V::eq(x, V::set1(inf)), x, r);
  r = V::select(V::eq(x, V::zero()), V::set1(-inf), r);
  r = V::select(V::mask_or(V::lt(x, V::zero()), V::isnan(x)), V::set1(__builtin_nanf("")), r);
  return V::select(V::isnan(x), V::add(x, x), r);
}

// tanh: Cephes' odd polynomial below |x| = 0.625, 1 - 2 / (exp(2|x|) + 1) above.
template <typename V>
typename V::F vtanh(typename V::F x) {
  using F = typename V::F;
  const F ax = V::abs(x);
  const F z = V::mul(x, x);
  F p = V::set1(-5.70498872745e-3f);
  p = V::fma(p, z, V::set1(2.06390887954e-2f));
  p = V::fma(p, z, V::set1(-5.37397155531e-2f));
  p = V::fma(p, z, V::set1(1.33314422036e-1f));
  p = V::fma(p, z, V::set1(-3.33332819422e-1f));
  const F small = V::fma(V::mul(p, z), x, x);
  const F e = vexp<V>(V::add(ax, ax));
  F big = V::sub(V::set1(1.0f), V::div(V::set1(2.0f), V::add(e, V::set1(1.0f))));
  big = V::or_bits(big, V::sign_bit(x));
  return V::select(V::lt(ax, V::set1(0.625f)), small, big);
}

// erf: x + x P(x^2) below |x| = 1, 1 - exp(Q(|x|)) up to 3.9192 (Q fits log(erfc)), then +-1.
// Coefficients fitted for this file (minimax, f32-rounded): see the bound at the top.
template <typename V>
typename V::F verf(typename V::F x) {
  using F = typename V::F;
  const F ax = V::abs(x);
  const F s = V::mul(x, x);
  F p = V::set1(0x1.4969c6p-14f);
  p = V::fma(p, s, V::set1(-0x1.a3f6dap-11f));
  p = V::fma(p, s, V::set1(0x1.5405acp-8f));
  p = V::fma(p, s, V::set1(-0x1.b7f90cp-6f));
  p = V::fma(p, s, V::set1(0x1.ce2cf8p-4f));
  p = V::fma(p, s, V::set1(-0x1.81273ep-2f));
  p = V::fma(p, s, V::set1(0x1.06eba8p-3f));
  const F small = V::fma(p, x, x);
  F q = V::set1(0x1.852dfcp-13f);
  q = V::fma(q, ax, V::set1(-0x1.814d4ep-9f));
  q = V::fma(q, ax, V::set1(0x1.65425ep-6f));
  q = V::fma(q, ax, V::set1(-0x1.a60aa4p-4f));
  q = V::fma(q, ax, V::set1(-0x1.46c580p-1f));
  q = V::fma(q, ax, V::set1(-0x1.2085b4p+0f));
  q = V::fma(q, ax, V::set1(-0x1.72e096p-12f));
  F big = V::sub(V::set1(1.0f), vexp<V>(q));
  big = V::select(V::lt(ax, V::set1(3.9192059f)), big, V::set1(1.0f));
  big = V::or_bits(big, V::sign_bit(x));
  const F r = V::select(V::lt(ax, V::set1(1.0f)), small, big);
  return V::select(V::isnan(x), V::add(x, x), r);
}

// 1 / (1 + exp(-x)), the reference's formula.
template <typename V>
typename V::F vsigmoid(typename V::F x) {
  const typename V::F one = V::set1(1.0f);
  return V::div(one, V::add(one, vexp<V>(V::neg(x))));
}

}  // namespace
}  // namespace hangu::kernels::simd

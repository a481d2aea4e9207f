#pragma once
// The f32 kernels of f32_kernels.h, written once over the vector traits V (vec__avx512.h,
// vec__avx2.h) and instantiated by one file per ISA. Everything here has internal linkage, and
// nothing here uses a library template (no std::function, no containers): no out-of-line copy
// compiled for one ISA can be picked by the linker for code meant to run on another.
//
// Each formula follows the op it speeds up operation for operation (same order, same roundings),
// so the exact ops give the reference's bits.
#include <cmath>
#include <cstdint>

#include "hangu/kernels/cpu/simd/f32_kernels.h"
#include "hangu/kernels/cpu/simd/fp_contract_off.h"  // before every template of these kernels
#include "hangu/kernels/cpu/simd/vec_math.h"

namespace hangu::kernels::simd {
namespace {

// ---- loops -------------------------------------------------------------------------------

// One operand of a run: contiguous, or one value broadcast.
template <typename V>
struct Contig {
  const float* p;
  typename V::F at(int64_t i) const { return V::load(p + i); }
  typename V::F at_n(int64_t i, int64_t k) const { return V::load_n(p + i, k); }
};
template <typename V>
struct Bcast {
  typename V::F v;
  typename V::F at(int64_t) const { return v; }
  typename V::F at_n(int64_t, int64_t) const { return v; }
};

template <typename V, typename A, typename Op>
void map1(A a, float* y, int64_t n, Op op) {
  constexpr int64_t W = V::kWidth;
  int64_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    typename V::F r0 = op(a.at(i)), r1 = op(a.at(i + W));
    V::store(y + i, r0);
    V::store(y + i + W, r1);
  }
  for (; i + W <= n; i += W) V::store(y + i, op(a.at(i)));
  if (i < n) V::store_n(y + i, op(a.at_n(i, n - i)), n - i);
}

template <typename V, typename A, typename B, typename Op>
void map2(A a, B b, float* y, int64_t n, Op op) {
  constexpr int64_t W = V::kWidth;
  int64_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    typename V::F r0 = op(a.at(i), b.at(i)), r1 = op(a.at(i + W), b.at(i + W));
    V::store(y + i, r0);
    V::store(y + i + W, r1);
  }
  for (; i + W <= n; i += W) V::store(y + i, op(a.at(i), b.at(i)));
  if (i < n) V::store_n(y + i, op(a.at_n(i, n - i), b.at_n(i, n - i)), n - i);
}

template <typename V, typename Op>
void map2_steps(const float* a, int64_t as, const float* b, int64_t bs, float* y, int64_t n, Op op) {
  if (as != 0 && bs != 0)
    map2<V>(Contig<V>{a}, Contig<V>{b}, y, n, op);
  else if (as != 0)
    map2<V>(Contig<V>{a}, Bcast<V>{V::set1(*b)}, y, n, op);
  else if (bs != 0)
    map2<V>(Bcast<V>{V::set1(*a)}, Contig<V>{b}, y, n, op);
  else
    map2<V>(Bcast<V>{V::set1(*a)}, Bcast<V>{V::set1(*b)}, y, n, op);
}

// Running sums of floats in double: two halves of each vector in two accumulators.
template <typename V>
struct SumD {
  typename V::D lo = V::zero_d(), hi = V::zero_d();
  void add(typename V::F v) {
    lo = V::add_d(lo, V::lo_d(v));
    hi = V::add_d(hi, V::hi_d(v));
  }
  double total() const { return V::hsum_d(V::add_d(lo, hi)); }
};

// Calls f(vector, lanes) over x[0, n): full vectors, then one masked tail (lanes < W; the
// unused lanes of the tail are zero).
template <typename V, typename F>
void for_vectors(const float* x, int64_t n, F f) {
  constexpr int64_t W = V::kWidth;
  int64_t i = 0;
  for (; i + W <= n; i += W) f(i, V::load(x + i), W);
  if (i < n) f(i, V::load_n(x + i, n - i), n - i);
}

// ---- elementwise ops ---------------------------------------------------------------------

template <typename V>
void unary(UnaryOp op, const float* x, float* y, int64_t n) {
  using F = typename V::F;
  const Contig<V> in{x};
  const F zero = V::zero(), one = V::set1(1.0f), half = V::set1(0.5f);
  switch (op) {
    case UnaryOp::neg:
      return map1<V>(in, y, n, [=](F v) { return V::sub(zero, v); });  // 0 - v, as wrap_sub
    case UnaryOp::abs:
      return map1<V>(in, y, n, [](F v) { return V::abs(v); });
    case UnaryOp::relu:  // NaN passes through, like clamp_min
      return map1<V>(in, y, n, [=](F v) { return V::select(V::mask_or(V::gt(v, zero), V::isnan(v)), v, zero); });
    case UnaryOp::sqrt:
      return map1<V>(in, y, n, [](F v) { return V::sqrt(v); });
    case UnaryOp::rsqrt:
      return map1<V>(in, y, n, [=](F v) { return V::div(one, V::sqrt(v)); });
    case UnaryOp::exp:
      return map1<V>(in, y, n, [](F v) { return vexp<V>(v); });
    case UnaryOp::log:
      return map1<V>(in, y, n, [](F v) { return vlog<V>(v); });
    case UnaryOp::tanh:
      return map1<V>(in, y, n, [](F v) { return vtanh<V>(v); });
    case UnaryOp::erf:
      return map1<V>(in, y, n, [](F v) { return verf<V>(v); });
    case UnaryOp::sigmoid:
      return map1<V>(in, y, n, [](F v) { return vsigmoid<V>(v); });
    case UnaryOp::silu:
      return map1<V>(in, y, n, [=](F v) { return V::div(v, V::add(one, vexp<V>(V::neg(v)))); });
    case UnaryOp::gelu: {  // x * 0.5 * (1 + erf(x * sqrt(1/2)))
      const F c = V::set1(static_cast<float>(M_SQRT1_2));
      return map1<V>(in, y, n, [=](F v) { return V::mul(V::mul(v, half), V::add(one, verf<V>(V::mul(v, c)))); });
    }
    case UnaryOp::gelu_tanh: {  // 0.5 * x * (1 + tanh(beta * (x + kappa * x * x * x)))
      const F beta = V::set1(static_cast<float>(M_SQRT2 * M_2_SQRTPI * 0.5)), kappa = V::set1(0.044715f);
      return map1<V>(in, y, n, [=](F v) {
        F inner = V::mul(beta, V::add(v, V::mul(V::mul(V::mul(kappa, v), v), v)));
        return V::mul(V::mul(half, v), V::add(one, vtanh<V>(inner)));
      });
    }
  }
}

template <typename V>
void binary(BinaryOp op, const float* a, int64_t as, const float* b, int64_t bs, float alpha, float* y, int64_t n) {
  using F = typename V::F;
  const F zero = V::zero(), one = V::set1(1.0f), half = V::set1(0.5f), k = V::set1(alpha);
  switch (op) {
    case BinaryOp::add:
      if (alpha == 1.0f) return map2_steps<V>(a, as, b, bs, y, n, [](F x, F z) { return V::add(x, z); });
      return map2_steps<V>(a, as, b, bs, y, n, [=](F x, F z) { return V::add(x, V::mul(k, z)); });
    case BinaryOp::sub:
      if (alpha == 1.0f) return map2_steps<V>(a, as, b, bs, y, n, [](F x, F z) { return V::sub(x, z); });
      return map2_steps<V>(a, as, b, bs, y, n, [=](F x, F z) { return V::sub(x, V::mul(k, z)); });
    case BinaryOp::mul:
      return map2_steps<V>(a, as, b, bs, y, n, [](F x, F z) { return V::mul(x, z); });
    case BinaryOp::div:
      return map2_steps<V>(a, as, b, bs, y, n, [](F x, F z) { return V::div(x, z); });
    case BinaryOp::relu_backward:  // where(r > 0, g, 0)
      return map2_steps<V>(a, as, b, bs, y, n, [=](F g, F r) { return V::select(V::gt(r, zero), g, zero); });
    case BinaryOp::sigmoid_backward:  // g * (r * (1 - r))
      return map2_steps<V>(a, as, b, bs, y, n, [=](F g, F r) { return V::mul(g, V::mul(r, V::sub(one, r))); });
    case BinaryOp::tanh_backward:  // g * (1 - r * r)
      return map2_steps<V>(a, as, b, bs, y, n, [=](F g, F r) { return V::mul(g, V::sub(one, V::mul(r, r))); });
    case BinaryOp::silu_backward:  // s = sigmoid(x); g * (s * (x * (1 - s) + 1))
      return map2_steps<V>(a, as, b, bs, y, n, [=](F g, F x) {
        F s = vsigmoid<V>(x);
        return V::mul(g, V::mul(s, V::add(V::mul(x, V::sub(one, s)), one)));
      });
    case BinaryOp::gelu_backward: {  // g * (cdf + x * pdf)
      const F c = V::set1(static_cast<float>(M_SQRT1_2)), m_half = V::set1(-0.5f);
      const F kpdf = V::set1(static_cast<float>(M_2_SQRTPI * M_SQRT1_2 * 0.5));
      return map2_steps<V>(a, as, b, bs, y, n, [=](F g, F x) {
        F cdf = V::mul(V::add(verf<V>(V::mul(x, c)), one), half);
        F pdf = V::mul(vexp<V>(V::mul(V::mul(x, x), m_half)), kpdf);
        return V::mul(g, V::add(cdf, V::mul(x, pdf)));
      });
    }
    case BinaryOp::gelu_tanh_backward: {
      constexpr double kBeta = M_SQRT2 * M_2_SQRTPI * 0.5, kKappa = 0.044715;
      const F beta = V::set1(static_cast<float>(kBeta)), kappa = V::set1(static_cast<float>(kKappa));
      const F kappa3 = V::set1(static_cast<float>(3 * kKappa));
      return map2_steps<V>(a, as, b, bs, y, n, [=](F g, F x) {
        F x_sq = V::mul(x, x);
        F th = vtanh<V>(V::mul(V::add(x, V::mul(V::mul(x_sq, x), kappa)), beta));
        F left = V::mul(V::add(th, one), half);
        F right = V::mul(V::mul(V::mul(x, half), V::sub(one, V::mul(th, th))),
                         V::mul(V::add(V::mul(x_sq, kappa3), one), beta));
        return V::mul(g, V::add(left, right));
      });
    }
  }
}

// ---- rows --------------------------------------------------------------------------------

template <typename V>
double sum(const float* x, int64_t n) {
  constexpr int64_t W = V::kWidth;
  SumD<V> s0, s1;
  int64_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    s0.add(V::load(x + i));
    s1.add(V::load(x + i + W));
  }
  for (; i + W <= n; i += W) s0.add(V::load(x + i));
  if (i < n) s1.add(V::load_n(x + i, n - i));
  return s0.total() + s1.total();
}

// The row's maximum; NaN if it holds a NaN (then every output of the row is NaN, as in the
// reference).
template <typename V>
float row_max(const float* x, int64_t n) {
  constexpr int64_t W = V::kWidth;
  typename V::F mx = V::set1(-__builtin_inff());
  typename V::M nan = V::isnan(V::zero());
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    typename V::F v = V::load(x + i);
    nan = V::mask_or(nan, V::isnan(v));
    mx = V::max(mx, v);
  }
  float m = V::hmax(mx);
  bool has_nan = V::any(nan);
  for (; i < n; ++i) {
    if (x[i] != x[i])
      has_nan = true;
    else if (x[i] > m)
      m = x[i];
  }
  return has_nan ? __builtin_nanf("") : m;
}

template <typename V>
void softmax_row(const float* x, float* y, int64_t n, bool log) {
  using F = typename V::F;
  if (n <= 0) return;
  const float m = row_max<V>(x, n);
  const F mv = V::set1(m), neg_m = V::set1(-m);
  SumD<V> s;
  for_vectors<V>(x, n, [&](int64_t i, F v, int64_t lanes) {
    F d = V::sub(v, mv);
    F e = vexp<V>(d);
    if (!log) {  // exp(d + err) with err the rounding error of d = x - m (TwoSum): exp of the exact difference
      F bb = V::sub(d, v);
      F err = V::add(V::sub(v, V::sub(d, bb)), V::sub(neg_m, bb));
      e = V::fma(e, V::select(V::isnan(err), V::zero(), err), e);
      if (lanes == V::kWidth)
        V::store(y + i, e);
      else
        V::store_n(y + i, e, lanes);
    }
    s.add(lanes == V::kWidth ? e : V::keep_n(e, lanes));
  });
  const double total = s.total();
  if (log) {
    const F ls = V::set1(static_cast<float>(std::log(total)));
    map1<V>(Contig<V>{x}, y, n, [&](F v) { return V::sub(V::sub(v, mv), ls); });
  } else {
    const F sf = V::set1(static_cast<float>(total));
    map1<V>(Contig<V>{y}, y, n, [&](F e) { return V::div(e, sf); });
  }
}

template <typename V>
void softmax_backward_row(const float* g, const float* y, float* dx, int64_t n, bool log) {
  using F = typename V::F;
  if (n <= 0) return;
  if (log) {  // g - exp(y) * sum(g)
    const F sg = V::set1(static_cast<float>(sum<V>(g, n)));
    return map2<V>(Contig<V>{g}, Contig<V>{y}, dx, n, [&](F gv, F yv) { return V::sub(gv, V::mul(vexp<V>(yv), sg)); });
  }
  // y * (g - sum(g * y)), the products rounded to float before the sum as in mul then sum
  SumD<V> s;
  for_vectors<V>(g, n, [&](int64_t i, F gv, int64_t lanes) {
    F yv = lanes == V::kWidth ? V::load(y + i) : V::load_n(y + i, lanes);
    s.add(V::mul(gv, yv));
  });
  const F dot = V::set1(static_cast<float>(s.total()));
  map2<V>(Contig<V>{g}, Contig<V>{y}, dx, n, [&](F gv, F yv) { return V::mul(yv, V::sub(gv, dot)); });
}

// A row of `segs` segments of `len` contiguous elements, segment s at x + s * stride: one
// contiguous row when segs == 1, a channel of a batch-norm input [N, C, H, W] (its N planes)
// otherwise. Every element is handled the same way whichever segment it is in.
struct Segments {
  int64_t segs = 1, len = 0, stride = 0;
  int64_t count() const { return segs * len; }
};

template <typename V, typename F>
void for_segments(const float* x, const Segments& sg, F f) {
  for (int64_t s = 0; s < sg.segs; ++s) for_vectors<V>(x + s * sg.stride, sg.len, [&](int64_t i, auto v, int64_t lanes) {
      f(s * sg.stride + i, v, lanes);
    });
}

// Mean (when center) and 1 / sqrt(var + eps) of a row, each rounded to float where the
// composed ops round: mean(x), x - mean, square, mean, + eps, rsqrt. `moments` (if non-null)
// receives the unrounded mean and (biased) variance.
template <typename V>
void row_moments(const float* x, const Segments& sg, float eps, bool center, float* mean, float* rstd,
                 double* moments = nullptr) {
  using F = typename V::F;
  const double dn = static_cast<double>(sg.count());
  double total = 0;
  if (center)
    for (int64_t s = 0; s < sg.segs; ++s) total += sum<V>(x + s * sg.stride, sg.len);
  const float m = center ? static_cast<float>(total / dn) : 0.0f;
  const F mv = V::set1(m);
  SumD<V> acc;
  for_segments<V>(x, sg, [&](int64_t, F v, int64_t lanes) {
    F xc = center ? V::sub(v, mv) : v;
    F sq = V::mul(xc, xc);
    acc.add(lanes == V::kWidth ? sq : V::keep_n(sq, lanes));
  });
  const float var = static_cast<float>(acc.total() / dn);
  *mean = m;
  *rstd = 1.0f / std::sqrt(var + eps);
  if (moments) moments[0] = total / dn, moments[1] = acc.total() / dn;
}

template <typename V>
void normalize(const float* x, float* y, int64_t segs, int64_t len, int64_t stride, float eps, bool center,
               const float* affine, double* moments, float* saved) {
  using F = typename V::F;
  const Segments sg{segs, len, stride};
  if (sg.count() <= 0) return;
  float m = 0, r = 0;
  row_moments<V>(x, sg, eps, center, &m, &r, moments);
  if (saved) saved[0] = m, saved[1] = r;
  const F mv = V::set1(m), rv = V::set1(r);
  const F sv = V::set1(affine ? affine[0] : 1.0f), bv = V::set1(affine ? affine[1] : 0.0f);
  for (int64_t s = 0; s < segs; ++s) {
    const float* xs = x + s * stride;
    float* ys = y + s * stride;
    if (affine)  // (xhat * w) + b, each rounded, as mul then add
      map1<V>(Contig<V>{xs}, ys, len, [&](F v) { return V::add(V::mul(V::mul(V::sub(v, mv), rv), sv), bv); });
    else if (center)
      map1<V>(Contig<V>{xs}, ys, len, [&](F v) { return V::mul(V::sub(v, mv), rv); });
    else
      map1<V>(Contig<V>{xs}, ys, len, [&](F v) { return V::mul(v, rv); });
  }
}

template <typename V>
void normalize_backward(const float* g, const float* x, float* dx, int64_t segs, int64_t len, int64_t stride,
                        float eps, bool center, const float* scale, double* sums, const float* saved) {
  using F = typename V::F;
  const Segments sg{segs, len, stride};
  if (sg.count() <= 0) return;
  float m = 0, r = 0;
  if (saved)  // what the forward's row_moments gave: the same two floats, two passes fewer
    m = saved[0], r = saved[1];
  else
    row_moments<V>(x, sg, eps, center, &m, &r);
  const F mv = V::set1(m), rv = V::set1(r), sv = V::set1(scale ? *scale : 1.0f);
  auto xhat = [&](F v) { return V::mul(center ? V::sub(v, mv) : v, rv); };
  // With an affine output xhat * w + b, the core's gradient is g * w (rounded, as mul's
  // backward); sums also gets w's and b's gradients, sum(g * xhat) and sum(g).
  auto core_g = [&](F gv) { return scale ? V::mul(gv, sv) : gv; };
  SumD<V> sgx, sgs, swx, sws;
  for_segments<V>(x, sg, [&](int64_t i, F v, int64_t lanes) {
    const bool full = lanes == V::kWidth;
    const F graw = full ? V::load(g + i) : V::load_n(g + i, lanes), gv = core_g(graw), h = xhat(v);
    const F p = V::mul(gv, h);
    sgx.add(full ? p : V::keep_n(p, lanes));
    sgs.add(gv);
    if (sums) {
      const F q = V::mul(graw, h);
      swx.add(full ? q : V::keep_n(q, lanes));
      sws.add(graw);
    }
  });
  if (sums) sums[0] = swx.total(), sums[1] = sws.total();
  const double dn = static_cast<double>(sg.count());
  const F a = V::set1(static_cast<float>(sgx.total() / dn));
  const F b = V::set1(static_cast<float>(sgs.total() / dn));
  for (int64_t s = 0; s < segs; ++s)
    map2<V>(Contig<V>{g + s * stride}, Contig<V>{x + s * stride}, dx + s * stride, len, [&](F gv, F v) {
      F inner = V::sub(core_g(gv), V::mul(xhat(v), a));
      if (center) inner = V::sub(inner, b);
      return V::mul(inner, rv);
    });
}

template <typename V>
void column_sums(const float* x, int64_t rows, int64_t cols, int64_t ld, double* acc) {
  constexpr int64_t W = V::kWidth, H = W / 2;
  int64_t j = 0;
  for (; j + 2 * W <= cols; j += 2 * W) {  // four double accumulators in flight
    typename V::D a0 = V::load_d(acc + j), a1 = V::load_d(acc + j + H);
    typename V::D a2 = V::load_d(acc + j + W), a3 = V::load_d(acc + j + W + H);
    for (int64_t i = 0; i < rows; ++i) {
      typename V::F u = V::load(x + i * ld + j), w = V::load(x + i * ld + j + W);
      a0 = V::add_d(a0, V::lo_d(u));
      a1 = V::add_d(a1, V::hi_d(u));
      a2 = V::add_d(a2, V::lo_d(w));
      a3 = V::add_d(a3, V::hi_d(w));
    }
    V::store_d(acc + j, a0);
    V::store_d(acc + j + H, a1);
    V::store_d(acc + j + W, a2);
    V::store_d(acc + j + W + H, a3);
  }
  for (; j + W <= cols; j += W) {
    typename V::D a0 = V::load_d(acc + j), a1 = V::load_d(acc + j + H);
    for (int64_t i = 0; i < rows; ++i) {
      typename V::F u = V::load(x + i * ld + j);
      a0 = V::add_d(a0, V::lo_d(u));
      a1 = V::add_d(a1, V::hi_d(u));
    }
    V::store_d(acc + j, a0);
    V::store_d(acc + j + H, a1);
  }
  for (; j < cols; ++j) {
    double a = acc[j];
    for (int64_t i = 0; i < rows; ++i) a += static_cast<double>(x[i * ld + j]);
    acc[j] = a;
  }
}

// ---- optimizers --------------------------------------------------------------------------

template <typename V>
void sgd(const SgdArgs& a, float* w, const float* g, float* buf, int64_t n) {
  using F = typename V::F;
  const F wd = V::set1(a.weight_decay), mom = V::set1(a.momentum), damp = V::set1(a.one_minus_dampening);
  const F neg_lr = V::set1(a.neg_lr);
  auto step = [&](int64_t i, int64_t lanes) {
    const bool full = lanes == V::kWidth;
    F gv = full ? V::load(g + i) : V::load_n(g + i, lanes);
    F wv = full ? V::load(w + i) : V::load_n(w + i, lanes);
    F d = a.maximize ? V::neg(gv) : gv;
    if (a.has_weight_decay) d = V::fma(wd, wv, d);
    if (a.has_momentum) {
      F b = d;
      if (!a.first) b = V::fma(damp, d, V::mul(full ? V::load(buf + i) : V::load_n(buf + i, lanes), mom));
      if (full)
        V::store(buf + i, b);
      else
        V::store_n(buf + i, b, lanes);
      d = a.nesterov ? V::fma(mom, b, d) : b;
    }
    F r = V::fma(neg_lr, d, wv);
    if (full)
      V::store(w + i, r);
    else
      V::store_n(w + i, r, lanes);
  };
  int64_t i = 0;
  for (; i + V::kWidth <= n; i += V::kWidth) step(i, V::kWidth);
  if (i < n) step(i, n - i);
}

template <typename V>
void adam(const AdamArgs& a, float* w, const float* g, float* m, float* v, float* vmax, int64_t n) {
  using F = typename V::F;
  const F b1 = V::set1(a.beta1), b2 = V::set1(a.beta2), ob1 = V::set1(a.one_minus_beta1);
  const F ob2 = V::set1(a.one_minus_beta2), bc2s = V::set1(a.bias_correction2_sqrt), eps = V::set1(a.eps);
  const F neg_step = V::set1(a.neg_step), decay = V::set1(a.decay), wd = V::set1(a.weight_decay);
  auto ld = [](const float* p, int64_t lanes) { return lanes == V::kWidth ? V::load(p) : V::load_n(p, lanes); };
  auto st = [](float* p, F x, int64_t lanes) {
    if (lanes == V::kWidth)
      V::store(p, x);
    else
      V::store_n(p, x, lanes);
  };
  auto step = [&](int64_t i, int64_t lanes) {
    F gv = ld(g + i, lanes), wv = ld(w + i, lanes);
    F d = a.maximize ? V::neg(gv) : gv;
    if (a.decoupled)
      wv = V::mul(wv, decay);
    else if (a.has_weight_decay)
      d = V::fma(wd, wv, d);
    F mv = V::fma(ob1, d, V::mul(ld(m + i, lanes), b1));
    F vv = V::fma(V::mul(ob2, d), d, V::mul(ld(v + i, lanes), b2));
    F denom;
    if (a.amsgrad) {
      F old = ld(vmax + i, lanes);
      F mx = V::select(V::mask_or(V::isnan(old), V::gt(old, vv)), old, vv);
      st(vmax + i, mx, lanes);
      denom = V::add(V::div(V::sqrt(mx), bc2s), eps);
    } else {
      denom = V::add(V::div(V::sqrt(vv), bc2s), eps);
    }
    st(m + i, mv, lanes);
    st(v + i, vv, lanes);
    st(w + i, V::add(wv, V::div(V::mul(neg_step, mv), denom)), lanes);
  };
  int64_t i = 0;
  for (; i + V::kWidth <= n; i += V::kWidth) step(i, V::kWidth);
  if (i < n) step(i, n - i);
}

// max/min return their second operand when either is NaN: x goes second, so NaN survives.
template <typename V>
void clamp(const float* x, float* y, int64_t n, float lo, float hi) {
  using F = typename V::F;
  const F l = V::set1(lo), h = V::set1(hi);
  map1<V>(Contig<V>{x}, y, n, [=](F v) { return V::min(h, V::max(l, v)); });
}

template <typename V>
F32Kernels make_f32_kernels(const char* isa) {
  return F32Kernels{isa,
                    &unary<V>,
                    &binary<V>,
                    &softmax_row<V>,
                    &softmax_backward_row<V>,
                    &normalize<V>,
                    &normalize_backward<V>,
                    &sum<V>,
                    &column_sums<V>,
                    &sgd<V>,
                    &adam<V>,
                    &clamp<V>};
}

}  // namespace
}  // namespace hangu::kernels::simd

#include "hangu/kernels/cpu/simd/rows.h"

#include <algorithm>

#include "hangu/core/thread_pool.h"
#include "hangu/kernels/cpu/reference/reduce.h"
#include "hangu/kernels/cpu/simd/f32_kernels.h"

namespace hangu::kernels::simd {
namespace {

bool usable(std::initializer_list<const Tensor*> ts) {
  for (const Tensor* t : ts)
    if (t->dtype() != DType::f32 || !t->is_contiguous()) return false;
  return true;
}

// fn(row) for every row, rows shared out in fixed groups of about kReduceGrain elements.
template <typename Fn>
void for_rows(int64_t outer, int64_t inner, Fn fn) {
  const int64_t grain = std::max<int64_t>(1, kReduceGrain / std::max<int64_t>(1, inner));
  parallel_for(0, outer, grain, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) fn(o);
  });
}

// The sum of x[0, n) in double over the reference's fixed chunks, combined left to right.
double chunked_sum(const F32Kernels& k, const float* x, int64_t n, bool parallel) {
  if (parallel && n > kReduceGrain)
    return parallel_reduce(
        int64_t{0}, n, kReduceGrain, 0.0, [&](int64_t lo, int64_t hi) { return k.sum(x + lo, hi - lo); },
        [](double a, double b) { return a + b; });
  double acc = 0;
  for (int64_t lo = 0; lo < n; lo += kReduceGrain) acc = acc + k.sum(x + lo, std::min(n - lo, kReduceGrain));
  return acc;
}

// Column sums out[j] = sum_i x[i, j] of a [rows, cols] block: per column, rows in order within
// each chunk of kReduceGrain rows, the chunks combined left to right: the reference's order.
void column_sums(const F32Kernels& k, const float* x, int64_t rows, int64_t cols, bool mean, float* out) {
  const int64_t grain = std::max<int64_t>(64, kReduceGrain / std::max<int64_t>(1, rows));
  parallel_for(0, cols, grain, [&](int64_t j0, int64_t j1) {
    const int64_t w = j1 - j0;
    std::vector<double> total(static_cast<size_t>(w), 0.0), chunk(static_cast<size_t>(w));
    for (int64_t i0 = 0; i0 < rows; i0 += kReduceGrain) {
      std::fill(chunk.begin(), chunk.end(), 0.0);
      k.column_sums(x + i0 * cols + j0, std::min(kReduceGrain, rows - i0), w, cols, chunk.data());
      for (int64_t j = 0; j < w; ++j)
        total[static_cast<size_t>(j)] = total[static_cast<size_t>(j)] + chunk[static_cast<size_t>(j)];
    }
    for (int64_t j = 0; j < w; ++j) {
      double v = total[static_cast<size_t>(j)];
      out[j0 + j] = static_cast<float>(mean ? v / static_cast<double>(rows) : v);
    }
  });
}

}  // namespace

bool f32_softmax_rows(const Tensor& in, int64_t outer, int64_t inner, bool log, const Tensor& out) {
  const F32Kernels* k = f32_kernels();
  if (k == nullptr || !usable({&in, &out})) return false;
  const float* x = static_cast<const float*>(in.data());
  float* y = static_cast<float*>(out.data());
  for_rows(outer, inner, [&](int64_t o) { k->softmax_row(x + o * inner, y + o * inner, inner, log); });
  return true;
}

bool f32_softmax_backward_rows(const Tensor& g, const Tensor& y, int64_t outer, int64_t inner, bool log,
                               const Tensor& dx) {
  const F32Kernels* k = f32_kernels();
  if (k == nullptr || !usable({&g, &y, &dx})) return false;
  const float* gp = static_cast<const float*>(g.data());
  const float* yp = static_cast<const float*>(y.data());
  float* dp = static_cast<float*>(dx.data());
  for_rows(outer, inner,
           [&](int64_t o) { k->softmax_backward_row(gp + o * inner, yp + o * inner, dp + o * inner, inner, log); });
  return true;
}

bool f32_normalize(const Tensor& x, const NormRows& r, double eps, bool center, const Tensor& out,
                   const float* affine, double* moments, float* saved) {
  const F32Kernels* k = f32_kernels();
  if (k == nullptr || !usable({&x, &out})) return false;
  const float* xp = static_cast<const float*>(x.data());
  float* yp = static_cast<float*>(out.data());
  const float e = static_cast<float>(eps);
  for_rows(r.rows, r.segs * r.len, [&](int64_t o) {
    k->normalize(xp + o * r.row_step, yp + o * r.row_step, r.segs, r.len, r.seg_step, e, center,
                 affine ? affine + 2 * o : nullptr, moments ? moments + 2 * o : nullptr, saved ? saved + 2 * o : nullptr);
  });
  return true;
}

bool f32_normalize_backward(const Tensor& g, const Tensor& x, const NormRows& r, double eps, bool center,
                            const Tensor& dx, const float* scale, double* sums, const float* saved) {
  const F32Kernels* k = f32_kernels();
  if (k == nullptr || !usable({&g, &x, &dx})) return false;
  const float* gp = static_cast<const float*>(g.data());
  const float* xp = static_cast<const float*>(x.data());
  float* dp = static_cast<float*>(dx.data());
  const float e = static_cast<float>(eps);
  for_rows(r.rows, r.segs * r.len, [&](int64_t o) {
    const int64_t at = o * r.row_step;
    k->normalize_backward(gp + at, xp + at, dp + at, r.segs, r.len, r.seg_step, e, center, scale ? scale + o : nullptr,
                          sums ? sums + 2 * o : nullptr, saved ? saved + 2 * o : nullptr);
  });
  return true;
}

bool f32_sum(const Tensor& x, const std::vector<bool>& reduced, bool mean, const Tensor& out) {
  const F32Kernels* k = f32_kernels();
  if (k == nullptr || !usable({&x, &out}) || x.numel() == 0) return false;
  // x as [lead, kept, trail]: reduced dims before the kept block, the kept block, reduced dims
  // after it (dims of size 1 ignored). Kept dims split by a reduced one: not here.
  int64_t lead = 1, kept = 1, trail = 1;
  int phase = 0;  // 0: leading reduced dims, 1: kept block, 2: trailing reduced dims
  for (size_t d = 0; d < reduced.size(); ++d) {
    const int64_t s = x.shape()[d];
    if (s == 1) continue;
    if (!reduced[d]) {
      if (phase == 2) return false;
      phase = 1;
      kept *= s;
    } else if (phase == 0) {
      lead *= s;
    } else {
      phase = 2;
      trail *= s;
    }
  }
  const float* xp = static_cast<const float*>(x.data());
  float* yp = static_cast<float*>(out.data());
  const double count = static_cast<double>(lead) * static_cast<double>(trail);
  if (lead == 1 && kept == 1) {  // everything: one row
    double s = chunked_sum(*k, xp, trail, true);
    yp[0] = static_cast<float>(mean ? s / count : s);
  } else if (lead == 1) {  // rows [kept, trail]
    for_rows(kept, trail, [&](int64_t o) {
      double s = chunked_sum(*k, xp + o * trail, trail, false);
      yp[o] = static_cast<float>(mean ? s / count : s);
    });
  } else if (trail == 1) {  // columns [lead, kept]: the reference's order exactly
    column_sums(*k, xp, lead, kept, mean, yp);
  } else {  // [lead, kept, trail], e.g. a bias gradient over N, H, W: rows of `trail`, left to right
    for_rows(kept, lead * trail, [&](int64_t o) {
      double s = 0;
      for (int64_t a = 0; a < lead; ++a) s = s + chunked_sum(*k, xp + (a * kept + o) * trail, trail, false);
      yp[o] = static_cast<float>(mean ? s / count : s);
    });
  }
  return true;
}

}  // namespace hangu::kernels::simd

#pragma once
// Tensor-level entry points of the f32 fast kernels that work row by row: softmax and
// log_softmax, layer/RMS normalisation, and sum/mean reductions. Like simd/elementwise.h, each
// returns false, having written nothing, when no fast kernel applies; the caller then runs the
// reference. Rows are shared out over the threads in fixed groups, and long rows are summed in
// the reference's fixed chunks of kReduceGrain, so results never depend on the thread count.
#include <cstdint>
#include <vector>

#include "hangu/core/tensor.h"

namespace hangu::kernels::simd {

// softmax (log_softmax when `log`) of each of the `outer` contiguous rows of `inner` elements of
// `in` into the contiguous `out`.
bool f32_softmax_rows(const Tensor& in, int64_t outer, int64_t inner, bool log, const Tensor& out);
// The gradient dx of those rows from the output gradient g and the forward's output y (all
// contiguous [outer, inner]).
bool f32_softmax_backward_rows(const Tensor& g, const Tensor& y, int64_t outer, int64_t inner, bool log,
                               const Tensor& dx);

// (x - mean) * rsqrt(var + eps) of each contiguous row (center), or x * rsqrt(mean(x^2) + eps).
bool f32_normalize_rows(const Tensor& x, int64_t outer, int64_t inner, double eps, bool center, const Tensor& out);
// Its gradient rstd * (g - mean(g) - xhat * mean(g * xhat)) (no mean(g) term without center).
bool f32_normalize_backward_rows(const Tensor& g, const Tensor& x, int64_t outer, int64_t inner, double eps,
                                 bool center, const Tensor& dx);

// out = the sum (the mean when `mean`) of the contiguous f32 `x` over the dims flagged in
// `reduced`, when the kept dims form one block (dims of size 1 ignored): trailing reductions
// (rows), leading ones (columns, in the reference's exact order) or both (a bias gradient over
// N, H, W); `out` is contiguous f32 with the kept dims' elements in order.
bool f32_sum(const Tensor& x, const std::vector<bool>& reduced, bool mean, const Tensor& out);

}  // namespace hangu::kernels::simd

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

// The rows a normalisation reduces, in a contiguous tensor: `rows` rows, row r made of `segs`
// segments of `len` contiguous elements, segment s at r * row_step + s * seg_step. Layer and RMS
// norm over trailing dims: one segment per row. Batch norm of [N, C, S...]: a row per channel,
// a segment per image (row_step S, seg_step C * S).
struct NormRows {
  int64_t rows = 0, segs = 1, len = 0, row_step = 0, seg_step = 0;
};

// (x - mean) * rsqrt(var + eps) of each row (center), or x * rsqrt(mean(x^2) + eps). With
// `affine` ([rows, 2]: w and b of each row), xhat * w + b; `moments` ([rows, 2], may be null)
// receives each row's mean and biased variance.
// `saved` ([rows, 2], may be null) receives the float mean and rstd each row used.
bool f32_normalize(const Tensor& x, const NormRows& r, double eps, bool center, const Tensor& out,
                   const float* affine = nullptr, double* moments = nullptr, float* saved = nullptr);
// Its gradient rstd * (g - mean(g) - xhat * mean(g * xhat)) (no mean(g) term without center).
// With `scale` (w, one per row), the gradient of xhat * w + b: g * w in place of g, and `sums`
// ([rows, 2]) receives w's and b's gradients, sum(g * xhat) and sum(g).
// `saved` (may be null): the forward's [rows, 2] mean and rstd, which it then need not recompute.
bool f32_normalize_backward(const Tensor& g, const Tensor& x, const NormRows& r, double eps, bool center,
                            const Tensor& dx, const float* scale = nullptr, double* sums = nullptr,
                            const float* saved = nullptr);

// out = the sum (the mean when `mean`) of the contiguous f32 `x` over the dims flagged in
// `reduced`, when the kept dims form one block (dims of size 1 ignored): trailing reductions
// (rows), leading ones (columns, in the reference's exact order) or both (a bias gradient over
// N, H, W); `out` is contiguous f32 with the kept dims' elements in order.
bool f32_sum(const Tensor& x, const std::vector<bool>& reduced, bool mean, const Tensor& out);

}  // namespace hangu::kernels::simd

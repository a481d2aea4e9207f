#pragma once
// The f32 fast kernels of the elementwise family: one table of plain functions per ISA level
// (f32_kernels__avx512.cpp, f32_kernels__avx2.cpp, both from f32_kernels_impl.h), chosen by
// f32_kernels() from active_isa(). They work on contiguous runs and single rows; the callers
// (simd/elementwise.h and friends) handle layouts, threads and the fallback to the reference.
//
// Exactness: add/sub/mul/div (with alpha), neg, abs, relu, sqrt, rsqrt, the relu/sigmoid/tanh
// backward and the optimizer updates give the reference kernels' bits; exp, log, tanh, erf and
// sigmoid are polynomial approximations (bounds in vec_math.h), and the ops built on them
// (silu, gelu, softmax, ...) inherit those bounds. Every element is computed the same way
// wherever it sits in a run (tails use masked loads), so results never depend on chunking.
#include <cstdint>

namespace hangu::kernels::simd {

enum class UnaryOp : uint8_t { neg, abs, relu, sqrt, rsqrt, exp, log, tanh, erf, sigmoid, silu, gelu, gelu_tanh };

// out = a op b. add/sub take alpha: a + alpha * b. The *_backward ops take (grad, saved):
// relu/sigmoid/tanh the forward's output, silu/gelu/gelu_tanh its input, and follow the
// formulas the ops record (ops/elementwise_unary.cpp) operation for operation.
enum class BinaryOp : uint8_t {
  add,
  sub,
  mul,
  div,
  relu_backward,
  sigmoid_backward,
  tanh_backward,
  silu_backward,
  gelu_backward,
  gelu_tanh_backward,
};

// optim::SGD's update (optim/sgd.cpp), its scalars already rounded to float as there.
struct SgdArgs {
  float weight_decay = 0, momentum = 0, one_minus_dampening = 1, neg_lr = 0;
  bool has_weight_decay = false, has_momentum = false, nesterov = false, maximize = false, first = false;
};

// optim::Adam / AdamW's update (optim/adam.cpp).
struct AdamArgs {
  float beta1 = 0, beta2 = 0, one_minus_beta1 = 0, one_minus_beta2 = 0, bias_correction2_sqrt = 1, eps = 0;
  float neg_step = 0, decay = 1, weight_decay = 0;
  bool decoupled = false, has_weight_decay = false, amsgrad = false, maximize = false;
};

struct F32Kernels {
  const char* isa;
  // y[i] = op(x[i]), i < n. y may equal x.
  void (*unary)(UnaryOp op, const float* x, float* y, int64_t n);
  // y[i] = op(a[i * a_step], b[i * b_step]) with steps 0 (one broadcast value) or 1.
  void (*binary)(BinaryOp op, const float* a, int64_t a_step, const float* b, int64_t b_step, float alpha, float* y,
                 int64_t n);
  // softmax (log_softmax when `log`) of one row of n elements.
  void (*softmax_row)(const float* x, float* y, int64_t n, bool log);
  // The gradient of one softmax (log_softmax) row from the output gradient g and the output y.
  void (*softmax_backward_row)(const float* g, const float* y, float* dx, int64_t n, bool log);
  // (x - mean) / sqrt(var + eps) over one row (center), or x / sqrt(mean(x^2) + eps). The row is
  // `segs` segments of `len` contiguous elements `stride` apart (one segment for layer norm; a
  // batch-norm channel is its N image planes); y (and g, dx) have the same layout as x. With
  // `affine` = {w, b}: xhat * w + b. `moments` (if non-null) gets the mean and biased variance;
  // `saved` (if non-null) the float mean and rstd used, for the backward.
  void (*normalize)(const float* x, float* y, int64_t segs, int64_t len, int64_t stride, float eps, bool center,
                    const float* affine, double* moments, float* saved);
  // Its gradient: rstd * (g - mean(g) - xhat * mean(g * xhat)) (without mean(g) for RMS), with g
  // replaced by g * w when `scale` points at w; `sums` (if non-null) gets sum(g * xhat), sum(g).
  // `saved` (if non-null): the forward's mean and rstd, instead of recomputing them from x.
  void (*normalize_backward)(const float* g, const float* x, float* dx, int64_t segs, int64_t len, int64_t stride,
                             float eps, bool center, const float* scale, double* sums, const float* saved);
  // Sum of x[0, n) accumulated in double.
  double (*sum)(const float* x, int64_t n);
  // acc[j] += x[i * ld + j] for i = 0, 1, ..., rows - 1 in that order, each j < cols, in double.
  void (*column_sums)(const float* x, int64_t rows, int64_t cols, int64_t ld, double* acc);
  void (*sgd)(const SgdArgs& a, float* w, const float* g, float* buf, int64_t n);
  void (*adam)(const AdamArgs& a, float* w, const float* g, float* m, float* v, float* vmax, int64_t n);
  // y[i] = min(max(x[i], lo), hi) (lo/hi may be infinite); NaN stays NaN. y may equal x.
  void (*clamp)(const float* x, float* y, int64_t n, float lo, float hi);
};

const F32Kernels& f32_kernels__avx2();
const F32Kernels& f32_kernels__avx512();
// The table for active_isa(); nullptr at the reference level (callers then use the reference).
const F32Kernels* f32_kernels();

}  // namespace hangu::kernels::simd

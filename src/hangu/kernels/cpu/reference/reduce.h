#pragma once
// Reference reduction, scan and softmax kernels. Every kernel takes its input contiguous and
// viewed as `outer` rows of `inner` elements (the ops layer moves the reduced dims last), and
// writes one value per row (reductions) or a row per row (scans, softmax) into a contiguous
// output. Floats accumulate in double, integers in (wrapping) 64 bits. A row is always split
// into the same fixed chunks of kReduceGrain elements and the chunk results are combined left
// to right, so results are bit-identical for any thread count.
#include <cstdint>

#include "hangu/core/tensor.h"

namespace hangu::kernels {

inline constexpr int64_t kReduceGrain = 16384;  // elements per chunk of one row

// out[o] = sum / prod of row o; out has in's dtype.
void sum_rows__reference(const Tensor& in, int64_t outer, int64_t inner, const Tensor& out);
void prod_rows__reference(const Tensor& in, int64_t outer, int64_t inner, const Tensor& out);
// out[o] = sum of row o / inner, rounded once; floating dtypes.
void mean_rows__reference(const Tensor& in, int64_t outer, int64_t inner, const Tensor& out);
// Largest (is_max) or smallest element of each row and the index of its first occurrence; the
// first NaN wins. `values` (in's dtype) and `indices` (int64) may each be undefined. inner > 0.
void minmax_rows__reference(const Tensor& in, int64_t outer, int64_t inner, bool is_max, const Tensor& values,
                            const Tensor& indices);
// out (bool or uint8) = all / any element of the row is nonzero.
void all_any_rows__reference(const Tensor& in, int64_t outer, int64_t inner, bool is_all, const Tensor& out);
// Two-pass variance with divisor max(inner - correction, 0); sqrt of it when take_sqrt.
void var_rows__reference(const Tensor& in, int64_t outer, int64_t inner, double correction, bool take_sqrt,
                         const Tensor& out);
// log(sum(exp(x))) with the row's max subtracted first (a max of +-inf is treated as 0).
void logsumexp_rows__reference(const Tensor& in, int64_t outer, int64_t inner, const Tensor& out);
// Vector p-norm of each row: p = inf, -inf (max/min |x|), 0 (count of nonzeros) or any real p.
void norm_rows__reference(const Tensor& in, int64_t outer, int64_t inner, double p, const Tensor& out);

// Inclusive running sum / product along each row (out has in's dtype and shape [outer, inner]).
void cumsum_rows__reference(const Tensor& in, int64_t outer, int64_t inner, const Tensor& out);
void cumprod_rows__reference(const Tensor& in, int64_t outer, int64_t inner, const Tensor& out);
// softmax (or log_softmax) of each row; floating dtypes, computed in double, rounded once.
void softmax_rows__reference(const Tensor& in, int64_t outer, int64_t inner, bool log, const Tensor& out);

}  // namespace hangu::kernels

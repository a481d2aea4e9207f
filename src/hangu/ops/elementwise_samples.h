#pragma once
// Sample and error-case builders shared by the elementwise registry files
// (unary_ops.cpp, binary_ops.cpp, compare_ops.cpp).
#include <string>
#include <vector>

#include "hangu/ops/registry.h"
#include "hangu/ops/samples.h"

namespace hangu::ops::elem {

using Samples = std::vector<OpSample>;
using Errors = std::vector<OpErrorCase>;

inline void append(Samples& dst, const Samples& src) { dst.insert(dst.end(), src.begin(), src.end()); }

// samples::unary for floating dtypes on [lo, hi] plus integer/bool dtypes on [ilo, ihi].
Samples unary(const std::vector<DType>& floats, double lo, double hi, const std::vector<DType>& ints = {},
              double ilo = -2, double ihi = 2, const OpArgs& args = {});
// One tensor input of each dtype (a 2-d, a 0-d and a non-contiguous one) with args[key] = value.
Samples with_scalar(const std::vector<DType>& dtypes, const std::string& key, const Arg& value, double lo = -2,
                    double hi = 2, const OpArgs& extra = {});
// Replaces zeros in input `k` of every sample with 1 (divisors), keeping layouts.
Samples nonzero_input(Samples s, size_t k);
// Keeps the samples whose broadcast shape is input 0's shape (valid for in-place ops).
Samples inplace_compatible(const Samples& s);
// One fixed 1-d float tensor holding NaN, +inf, -inf, -0.0, 0.5, 1.5, 2.5, -2.5 of `dtype`.
Tensor specials(DType dtype);

// [2, 3] against [4]: ShapeError mentioning both shapes.
OpErrorCase broadcast_error(int num_inputs = 2, const OpArgs& args = {}, DType dtype = DType::f32);
// An input of dtype `bad` that the op rejects with DTypeError naming the dtype.
OpErrorCase dtype_error(const std::vector<DType>& inputs, DType bad, const OpArgs& args = {},
                        ErrorKind kind = ErrorKind::dtype);
// An undefined tensor as input 0: ValueError.
OpErrorCase undefined_error(int num_inputs);

}  // namespace hangu::ops::elem

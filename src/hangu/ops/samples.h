#pragma once
// Building blocks for registry sample inputs. Values come from a private Philox stream keyed by
// the caller's seed, so samples are identical on every run and never touch the global generator.
#include <cstdint>
#include <vector>

#include "hangu/core/tensor.h"
#include "hangu/ops/registry.h"

namespace hangu::ops::samples {

// Uniform values in [lo, hi) for floats; integers in [lo, hi] (clamped to the type's range);
// bools are random. Floats are rounded to multiples of 2^-10 so every dtype holds them exactly.
Tensor make(IntList shape, DType dtype, uint64_t seed, double lo = -2.0, double hi = 2.0);
inline Tensor make(std::initializer_list<int64_t> shape, DType dtype, uint64_t seed, double lo = -2.0,
                   double hi = 2.0) {
  return make(IntList(shape.begin(), shape.size()), dtype, seed, lo, hi);
}
// Same values as t, laid out with every stride doubled (so the result is not contiguous).
Tensor noncontiguous(const Tensor& t);
// Same values as t (a 2-d or more tensor) stored transposed in memory: a permuted view.
Tensor transposed_layout(const Tensor& t);

// The usual shapes a unary elementwise op is tried on: 0-d, 0-size, 1-d, 2-d, a non-contiguous
// and a transposed view; for each dtype in `dtypes`.
std::vector<OpSample> unary(const std::vector<DType>& dtypes, double lo = -2.0, double hi = 2.0,
                            const OpArgs& args = {});
// Pairs for a binary op: same shape, broadcast both ways, scalar-tensor (0-d), 0-size,
// non-contiguous; for each dtype pair in `dtypes` (each pair is {lhs, rhs}).
std::vector<OpSample> binary(const std::vector<std::pair<DType, DType>>& dtypes, double lo = -2.0, double hi = 2.0,
                             const OpArgs& args = {});

}  // namespace hangu::ops::samples

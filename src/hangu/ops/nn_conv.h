#pragma once
// Convolution, pooling and linear: torch.nn.functional's operators with PyTorch's argument
// order and semantics. Inputs are batched [N, C, ...] or unbatched [C, ...]; float32 and
// float64 (float16/bfloat16 are computed in float32 and rounded once). All are differentiable,
// twice: each backward is written with these same ops.
//
// Size arguments take one value per spatial dim, or a single value used for every dim
// (std::vector rather than IntList so that {1, 1} defaults work).
#include <cstdint>
#include <vector>

#include "hangu/core/tensor.h"

namespace hangu {

using IntVec = std::vector<int64_t>;

// input @ weight^T + bias; input [..., in], weight [out, in], bias [out].
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor());

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), int64_t stride = 1,
              int64_t padding = 0, int64_t dilation = 1, int64_t groups = 1);
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), const IntVec& stride = {1, 1},
              const IntVec& padding = {0, 0}, const IntVec& dilation = {1, 1}, int64_t groups = 1);
// padding "valid" (none) or "same" (output size = input size; needs stride 1; an odd total
// padding puts the extra row/column at the bottom/right, as PyTorch). A const char* so that a
// braced {0, 0} never converts to it.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const IntVec& stride, const char* padding,
              const IntVec& dilation = {1, 1}, int64_t groups = 1);
// weight [in, out / groups, kh, kw].
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
                        const IntVec& stride = {1, 1}, const IntVec& padding = {0, 0},
                        const IntVec& output_padding = {0, 0}, int64_t groups = 1, const IntVec& dilation = {1, 1});

// stride < 0 (or an empty stride list) means stride = kernel_size.
Tensor max_pool1d(const Tensor& input, int64_t kernel_size, int64_t stride = -1, int64_t padding = 0,
                  int64_t dilation = 1, bool ceil_mode = false);
Tensor max_pool2d(const Tensor& input, const IntVec& kernel_size, const IntVec& stride = {},
                  const IntVec& padding = {0, 0}, const IntVec& dilation = {1, 1}, bool ceil_mode = false);
Tensor avg_pool2d(const Tensor& input, const IntVec& kernel_size, const IntVec& stride = {},
                  const IntVec& padding = {0, 0}, bool ceil_mode = false, bool count_include_pad = true);
Tensor adaptive_avg_pool2d(const Tensor& input, const IntVec& output_size);

}  // namespace hangu

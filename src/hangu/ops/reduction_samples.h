#pragma once
// Sample inputs shared by the registry entries of the reduction group (reduction_ops.cpp,
// reduction_ops_dim.cpp). Internal to the ops layer.
#include <optional>
#include <vector>

#include "hangu/ops/registry.h"

namespace hangu::ops::reduction_samples {

// What a reduction over a list of dims is tried on: 0-d, 1-d, several dims, negative dims,
// keepdim true and false, non-contiguous and transposed inputs, 0-size tensors; per dtype.
// `empty_dim`: also reduce over a dim of size 0 (ops with an identity). `multi_dim`: the op
// takes several dims (else at most one, as torch.prod and torch.all take).
std::vector<OpSample> dims(const std::vector<DType>& dtypes, const OpArgs& extra = {}, bool empty_dim = true,
                           bool multi_dim = true, double lo = -2.0, double hi = 2.0);
// For ops along a single dim (max/min with dim, argmax, cumsum, softmax): `dim` is an int.
// `full`: add samples without a dim (argmax, max). `keepdim`: add keepdim true/false.
std::vector<OpSample> one_dim(const std::vector<DType>& dtypes, const OpArgs& extra = {}, bool keepdim = true,
                              bool empty_dim = true, double lo = -2.0, double hi = 2.0);

// The "dims" list of an OpArgs (an int or a list; absent: all dims).
std::vector<int64_t> dims_arg(const OpArgs& a);
std::optional<DType> dtype_arg(const OpArgs& a);

}  // namespace hangu::ops::reduction_samples

#pragma once
// Helpers shared by the op families (ops_*.cpp): reading int lists from tensors, axis handling,
// typed errors naming the node, and a parallel elementwise map for small custom kernels.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "hangu/core/convert.h"
#include "hangu/core/error.h"
#include "hangu/core/thread_pool.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/runtime/op_registry.h"

namespace hangu::runtime {

inline constexpr int64_t kElemGrain = 1 << 15;  // elements per parallel chunk in the custom maps

// The values of an integer (or bool) tensor, row-major, as int64.
std::vector<int64_t> int_values(const Tensor& t);
std::vector<double> double_values(const Tensor& t);
// A 1-d int64 tensor.
Tensor int_tensor(const std::vector<int64_t>& v);

// Wraps a possibly negative axis into [0, rank); IndexError naming the node otherwise.
int64_t norm_axis(const OpContext& ctx, int64_t axis, int64_t rank);
std::vector<int64_t> norm_axes(const OpContext& ctx, const std::vector<int64_t>& axes, int64_t rank);

// Errors that name the node.
[[noreturn]] void bad_attr(const OpContext& ctx, std::string_view attr, const std::string& value,
                           const std::string& expected);
[[noreturn]] void bad_input_shape(const OpContext& ctx, size_t input, const Shape& got, const std::string& expected);
[[noreturn]] void bad_input_dtype(const OpContext& ctx, size_t input, DType got, const std::string& expected);
[[noreturn]] void unsupported_attr(const OpContext& ctx, std::string_view attr, const std::string& value);
void require_float(const OpContext& ctx, size_t input);

// A tensor or string-tensor value from an ONNX TensorProto (initializers, Constant).
Value value_from_tensor_proto(const io::onnx::TensorValue& t);
// x[start:end:step] along axis with ONNX Slice's clamping (negative steps copy).
Tensor onnx_slice(const Tensor& x, int64_t axis, int64_t start, int64_t end, int64_t step);

// Conv with the node's attributes (strides, pads, auto_pad, dilations, group); bias may be
// undefined. Shared by Conv, ConvInteger and QLinearConv.
Tensor run_conv(const OpContext& c, const Tensor& x, const Tensor& w, const Tensor& bias);

// Applies the activation that the fusion pass put on this node (if any) in place.
void apply_fused_activation(const OpContext& ctx, const Tensor& y);

// y[i] = f(x[i]) for a floating tensor, computed in double (opmath for 16-bit floats), same
// dtype and shape as x.
template <typename F>
Tensor map_float(const OpContext& ctx, const Tensor& x, F f) {
  if (!x.is_floating_point()) bad_input_dtype(ctx, 0, x.dtype(), "float");
  Tensor xc = contiguous(x);
  Tensor y = empty(xc.shape(), xc.dtype());
  dispatch_dtype(xc.dtype(), [&]<typename T>() {
    if constexpr (is_floating_v<T>) {
      const T* in = xc.data_ptr<T>();
      T* out = y.data_ptr<T>();
      parallel_for(0, xc.numel(), kElemGrain, [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i) out[i] = convert<T>(f(convert<double>(in[i])));
      });
    }
  });
  return y;
}

// y[i] = f(x[i]) for any dtype T -> dtype R (f takes and returns C++ values).
template <typename T, typename R, typename F>
Tensor map_typed(const Tensor& x, DType out_dtype, F f) {
  Tensor xc = contiguous(x);
  Tensor y = empty(xc.shape(), out_dtype);
  const T* in = xc.data_ptr<T>();
  R* out = y.data_ptr<R>();
  parallel_for(0, xc.numel(), kElemGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) out[i] = f(in[i]);
  });
  return y;
}

}  // namespace hangu::runtime

#include "hangu/runtime/ops_common.h"

#include <algorithm>
#include <type_traits>

#include "hangu/kernels/cpu/simd/f32_kernels.h"
#include "hangu/ops/elementwise.h"
#include "hangu/runtime/passes.h"

namespace hangu::runtime {

std::vector<int64_t> int_values(const Tensor& t) { return to_vector<int64_t>(t); }

std::vector<double> double_values(const Tensor& t) { return to_vector<double>(t); }

Tensor int_tensor(const std::vector<int64_t>& v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return tensor(v, IntList(&n, 1));
}

int64_t norm_axis(const OpContext& ctx, int64_t axis, int64_t rank) {
  const int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw IndexError(MsgId::rt_bad_axis, ctx.label(), axis, rank);
  return a;
}

std::vector<int64_t> norm_axes(const OpContext& ctx, const std::vector<int64_t>& axes, int64_t rank) {
  std::vector<int64_t> out;
  out.reserve(axes.size());
  for (int64_t a : axes) out.push_back(norm_axis(ctx, a, rank));
  return out;
}

void bad_attr(const OpContext& ctx, std::string_view attr, const std::string& value, const std::string& expected) {
  throw ValueError(MsgId::rt_bad_attr, ctx.label(), attr, value, expected);
}

void bad_input_shape(const OpContext& ctx, size_t input, const Shape& got, const std::string& expected) {
  throw ShapeError(MsgId::rt_bad_input_shape, ctx.label(), input, got, expected);
}

void bad_input_dtype(const OpContext& ctx, size_t input, DType got, const std::string& expected) {
  throw DTypeError(MsgId::rt_bad_input_dtype, ctx.label(), input, got, expected);
}

void unsupported_attr(const OpContext& ctx, std::string_view attr, const std::string& value) {
  throw Unsupported(MsgId::rt_unsupported_attr, ctx.label(), attr, value);
}

void require_float(const OpContext& ctx, size_t input) {
  const Tensor& t = ctx.input(input);
  if (!t.is_floating_point()) bad_input_dtype(ctx, input, t.dtype(), "float16, bfloat16, float32 or float64");
}

namespace {

// y = clamp(y, lo, hi) (or leaky: y < 0 ? alpha * y : y) in place over a contiguous float tensor,
// f32 clamps through the vector kernels (simd/f32_kernels.h), the rest in plain loops. NaN stays NaN.
template <typename T>
void activate_inplace(const Tensor& y, const std::string& act, double lo, double hi, double alpha) {
  T* p = y.data_ptr<T>();
  const T l = static_cast<T>(lo), h = static_cast<T>(hi), a = static_cast<T>(alpha);
  const bool leaky = act == "LeakyRelu";
  if constexpr (std::is_same_v<T, float>) {
    if (const kernels::simd::F32Kernels* k = kernels::simd::f32_kernels(); k && !leaky) {
      parallel_for(0, y.numel(), kElemGrain, [=](int64_t b, int64_t e) { k->clamp(p + b, p + b, e - b, l, h); });
      return;
    }
  }
  parallel_for(0, y.numel(), kElemGrain, [=](int64_t b, int64_t e) {
    if (leaky) {
      for (int64_t i = b; i < e; ++i) p[i] = p[i] < T(0) ? a * p[i] : p[i];
    } else {
      for (int64_t i = b; i < e; ++i) p[i] = std::min(std::max(p[i], l), h);
    }
  });
}

}  // namespace

void apply_fused_activation(const OpContext& ctx, const Tensor& y) {
  const std::string act = ctx.attr_string(kActAttr);
  if (act.empty()) return;
  if (y.is_contiguous() && (y.dtype() == DType::f32 || y.dtype() == DType::f64)) {
    const double lo = act == "Relu" ? 0.0 : act == "Clip" ? ctx.attr_float(kActMin, -INFINITY) : -INFINITY;
    const double hi = act == "Clip" ? ctx.attr_float(kActMax, INFINITY) : INFINITY;
    const double alpha = ctx.attr_float(kActAlpha, 0.01f);
    if (act == "Relu" || act == "Clip" || act == "LeakyRelu") {
      if (y.dtype() == DType::f32) activate_inplace<float>(y, act, lo, hi, alpha);
      else activate_inplace<double>(y, act, lo, hi, alpha);
      return;
    }
  }
  if (act == "Relu") {
    clamp_(y, Scalar(0.0), std::nullopt);
  } else if (act == "Clip") {
    const float lo = ctx.attr_float(kActMin, -INFINITY), hi = ctx.attr_float(kActMax, INFINITY);
    if (std::isinf(lo) && std::isinf(hi)) return;
    clamp_(y, std::isinf(lo) ? std::nullopt : std::optional<Scalar>(lo),
           std::isinf(hi) ? std::nullopt : std::optional<Scalar>(hi));
  } else if (act == "LeakyRelu") {
    const double alpha = ctx.attr_float(kActAlpha, 0.01f);
    copy_(y, where(lt(y, Scalar(0.0)), mul(y, Scalar(alpha)), y));
  } else {
    unsupported_attr(ctx, kActAttr, act);
  }
}

}  // namespace hangu::runtime

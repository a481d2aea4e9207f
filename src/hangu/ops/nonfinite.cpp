#include "hangu/ops/nonfinite.h"

#include <cmath>

#include "hangu/core/error.h"
#include "hangu/ops/copy.h"

namespace hangu::ops {

namespace {

// OR of (exponent bits all ones) over n values whose exponent is `mask`: nonzero when any value is
// NaN or Inf. Integer operations only, so the loop vectorises.
template <typename Bits>
bool any_exponent_full(const void* data, int64_t n, Bits mask) {
  const auto* p = static_cast<const Bits*>(data);
  Bits bad = 0;
  for (int64_t i = 0; i < n; ++i) bad |= static_cast<Bits>((p[i] & mask) == mask);
  return bad != 0;
}

}  // namespace

const char* nonfinite_kind(const Tensor& t) {
  if (!t.defined() || !is_floating(t.dtype()) || t.numel() == 0) return nullptr;
  if (all_finite({t})) return nullptr;  // the fast bit test first; classify only what fails it
  Tensor c = contiguous(t.detach());
  return dispatch_dtype(c.dtype(), [&]<typename T>() -> const char* {
    if constexpr (!is_floating_v<T>) {
      return nullptr;
    } else {
      const T* p = c.data_ptr<T>();
      bool inf = false;
      for (int64_t i = 0, n = c.numel(); i < n; ++i) {
        const double v = static_cast<double>(static_cast<opmath_t<T>>(p[i]));
        if (std::isnan(v)) return "NaN";
        inf = inf || std::isinf(v);
      }
      return inf ? "Inf" : nullptr;
    }
  });
}

bool all_finite(const std::vector<Tensor>& tensors) {
  for (const Tensor& t : tensors) {
    if (!t.defined() || !is_floating(t.dtype()) || t.numel() == 0) continue;
    // 16-bit floats widen exactly to float32 (Inf and NaN stay what they are); strided ones are copied.
    Tensor c = t.detach();
    if (c.dtype() == DType::f16 || c.dtype() == DType::bf16) c = to(c, DType::f32);
    if (!c.is_contiguous()) c = contiguous(c);
    const bool bad = c.dtype() == DType::f32 ? any_exponent_full<uint32_t>(c.data(), c.numel(), 0x7f800000u)
                                             : any_exponent_full<uint64_t>(c.data(), c.numel(), 0x7ff0000000000000ull);
    if (bad) return false;
  }
  return true;
}

void check_forward_anomaly(const char* op, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    const char* kind = nonfinite_kind(outputs[i]);
    if (!kind) continue;
    for (size_t j = 0; j < inputs.size(); ++j)
      if (const char* in_kind = nonfinite_kind(inputs[j]))
        throw Error(MsgId::rob_anomaly_forward_input, op, j, in_kind);
    throw Error(MsgId::rob_anomaly_forward, op, kind, i);
  }
}

void check_backward_anomaly(const Node& node, const std::vector<Tensor>& grad_outputs,
                            const std::vector<Tensor>& grad_inputs) {
  for (size_t i = 0; i < grad_inputs.size(); ++i) {
    const char* kind = nonfinite_kind(grad_inputs[i]);
    if (!kind) continue;
    for (size_t j = 0; j < grad_outputs.size(); ++j)
      if (const char* in_kind = nonfinite_kind(grad_outputs[j]))
        throw Error(MsgId::rob_anomaly_backward_input, node.name(), j, in_kind);
    throw Error(MsgId::rob_anomaly_backward, node.name(), kind, i);
  }
}

}  // namespace hangu::ops

// Cast and CastLike, including to and from string tensors. Unsigned 16/32/64-bit targets are held
// widened (int32/int64) with their values wrapped to the unsigned range; float -> bfloat16
// truncates the low mantissa bits, as the ONNX reference does.
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "hangu/ops/elementwise.h"
#include "hangu/runtime/ops_common.h"

namespace hangu::runtime {
namespace {

using io::onnx::ElemType;

std::string float_to_string(double v, bool is_double) {
  char buf[64];
  auto r = is_double ? std::to_chars(buf, buf + sizeof(buf), v) : std::to_chars(buf, buf + sizeof(buf), static_cast<float>(v));
  std::string s(buf, r.ptr);
  // NumPy's str() of a whole float keeps ".0".
  if (s.find_first_of(".eEna") == std::string::npos) s += ".0";
  return s;
}

Value to_strings(const Tensor& x) {
  StringTensor st;
  st.shape = x.shape();
  const bool floating = x.is_floating_point();
  const bool dbl = x.dtype() == DType::f64;
  if (floating) {
    for (double v : double_values(x)) st.data.push_back(float_to_string(v, dbl));
  } else if (x.dtype() == DType::boolean) {
    for (int64_t v : int_values(x)) st.data.push_back(v ? "True" : "False");
  } else {
    for (int64_t v : int_values(x)) st.data.push_back(std::to_string(v));
  }
  return Value::from_strings(std::move(st));
}

Tensor from_strings(const OpContext& c, const StringTensor& s, DType dt) {
  std::vector<double> v;
  v.reserve(s.data.size());
  for (const std::string& text : s.data) {
    char* end = nullptr;
    const double d = std::strtod(text.c_str(), &end);
    if (text.empty() || end == text.c_str()) bad_attr(c, "input", "'" + text + "'", "a number");
    v.push_back(d);
  }
  return to(tensor(v, IntList(s.shape)), dt);
}

Tensor to_bfloat16_truncated(const Tensor& x) {
  Tensor f = contiguous(to(x, DType::f32));
  Tensor y = empty(f.shape(), DType::bf16);
  const float* in = f.data_ptr<float>();
  uint16_t* out = reinterpret_cast<uint16_t*>(y.data());
  for (int64_t i = 0; i < f.numel(); ++i) {
    uint32_t bits;
    std::memcpy(&bits, &in[i], 4);
    out[i] = static_cast<uint16_t>(bits >> 16);
  }
  return y;
}

// Casts to the ONNX element type `target`, wrapping to unsigned ranges where hangu widens.
Value cast_to(const OpContext& c, const Value& in, ElemType target) {
  if (target == ElemType::string) {
    if (in.is_strings()) return in;
    return to_strings(in.tensor());
  }
  const DType dt = dtype_from_elem(target, c.label());
  if (in.is_strings()) return Value(from_strings(c, in.strings(), dt));
  if (!in.is_tensor()) throw DTypeError(MsgId::rt_input_kind, c.label(), 0, in.describe(), "tensor");
  const Tensor& x = in.tensor();
  if (target == ElemType::bfloat16 && x.dtype() != DType::bf16) return Value(to_bfloat16_truncated(x));
  if (target == ElemType::uint16 || target == ElemType::uint32) {
    const int64_t mask = target == ElemType::uint16 ? 0xFFFF : 0xFFFFFFFFLL;
    return Value(to(bitwise_and(to(x, DType::i64), Scalar(mask)), dt));
  }
  return Value(to(x, dt));
}

void op_cast(OpContext& c) { c.set(0, cast_to(c, c.value(0), static_cast<ElemType>(c.require_int("to")))); }

void op_cast_like(OpContext& c) {
  const Value& like = c.value(1);
  ElemType target = like.is_strings() ? ElemType::string : io::onnx::dtype_elem_type(like.tensor().dtype());
  c.set(0, cast_to(c, c.value(0), target));
}

}  // namespace

void register_cast_ops(OpTable& t) {
  t.add("Cast", op_cast);
  t.add("CastLike", op_cast_like);
}

}  // namespace hangu::runtime

#include "hangu/ops/registry.h"

#include <cstdio>

#include "hangu/kernels/cpu/isa.h"

namespace hangu::ops {
namespace {

std::string json_escape(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      o += b;
    } else {
      o += c;
    }
  }
  return o + "\"";
}

template <typename T>
const T* get_if_key(const std::map<std::string, Arg>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? nullptr : std::get_if<T>(&it->second.value());
}

[[noreturn]] void bad_arg(const std::string& k) { throw ValueError(MsgId::arg_invalid, "OpArgs", k, "?"); }

}  // namespace

std::string Arg::to_json() const {
  return std::visit(
      [](const auto& v) -> std::string {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, bool>) return v ? "true" : "false";
        else if constexpr (std::is_same_v<V, int64_t>) return std::to_string(v);
        else if constexpr (std::is_same_v<V, double>) {
          char b[40];
          std::snprintf(b, sizeof b, "%.17g", v);
          std::string s = b;
          if (s == "inf") return "\"inf\"";
          if (s == "-inf") return "\"-inf\"";
          if (s == "nan" || s == "-nan") return "\"nan\"";
          if (s.find_first_of(".e") == std::string::npos) s += ".0";  // keep it a float in Python
          return s;
        } else if constexpr (std::is_same_v<V, std::string>) return json_escape(v);
        else if constexpr (std::is_same_v<V, DType>) return "{\"dtype\": \"" + std::string(dtype_name(v)) + "\"}";
        else {
          std::string s = "[";
          for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
          return s + "]";
        }
      },
      v_);
}

std::string OpArgs::to_json() const {
  std::string s = "{";
  bool first = true;
  for (const auto& [k, v] : m_) {
    s += (first ? "" : ", ") + json_escape(k) + ": " + v.to_json();
    first = false;
  }
  return s + "}";
}

int64_t OpArgs::get_int(const std::string& k, int64_t def) const {
  if (!has(k)) return def;
  if (auto* v = get_if_key<int64_t>(m_, k)) return *v;
  if (auto* v = get_if_key<bool>(m_, k)) return *v;
  bad_arg(k);
}
double OpArgs::get_double(const std::string& k, double def) const {
  if (!has(k)) return def;
  if (auto* v = get_if_key<double>(m_, k)) return *v;
  if (auto* v = get_if_key<int64_t>(m_, k)) return static_cast<double>(*v);
  if (auto* v = get_if_key<bool>(m_, k)) return *v;
  bad_arg(k);
}
bool OpArgs::get_bool(const std::string& k, bool def) const {
  if (!has(k)) return def;
  if (auto* v = get_if_key<bool>(m_, k)) return *v;
  if (auto* v = get_if_key<int64_t>(m_, k)) return *v != 0;
  bad_arg(k);
}
std::string OpArgs::get_str(const std::string& k, const std::string& def) const {
  if (!has(k)) return def;
  if (auto* v = get_if_key<std::string>(m_, k)) return *v;
  bad_arg(k);
}
std::vector<int64_t> OpArgs::get_ints(const std::string& k, const std::vector<int64_t>& def) const {
  if (!has(k)) return def;
  if (auto* v = get_if_key<std::vector<int64_t>>(m_, k)) return *v;
  if (auto* v = get_if_key<int64_t>(m_, k)) return {*v};
  bad_arg(k);
}
DType OpArgs::get_dtype(const std::string& k, DType def) const {
  if (!has(k)) return def;
  if (auto* v = get_if_key<DType>(m_, k)) return *v;
  bad_arg(k);
}
Scalar OpArgs::get_scalar(const std::string& k, Scalar def) const {
  if (!has(k)) return def;
  if (auto* v = get_if_key<bool>(m_, k)) return Scalar(*v);
  if (auto* v = get_if_key<int64_t>(m_, k)) return Scalar(*v);
  if (auto* v = get_if_key<double>(m_, k)) return Scalar(*v);
  bad_arg(k);
}

OpInfo make_op(std::string name, std::string group, int num_inputs, bool differentiable, std::string onnx, OpFn fn,
               SampleFn samples, ErrorCaseFn error_cases) {
  OpInfo op;
  op.name = std::move(name);
  op.num_inputs = num_inputs;
  op.differentiable = differentiable;
  op.onnx = std::move(onnx);
  op.fn = std::move(fn);
  op.samples = std::move(samples);
  op.error_cases = std::move(error_cases);
  op.group = std::move(group);
  return op;
}

void OpRegistry::add(OpInfo info) {
  if (find(info.name) || !info.fn)
    throw ValueError(MsgId::arg_invalid, "OpRegistry::add", "name", info.name);
  // Samples are built at the reference ISA level: an input made with a faster kernel (softmax
  // probabilities, say) may differ in its last bits, and the fixtures hold the inputs' bits.
  if (info.samples)
    info.samples = [make = std::move(info.samples)] {
      kernels::IsaGuard reference(kernels::Isa::reference);
      return make();
    };
  ops_.push_back(std::move(info));
}

const OpInfo* OpRegistry::find(std::string_view name) const {
  for (const auto& op : ops_)
    if (op.name == name) return &op;
  return nullptr;
}

const OpRegistry& op_registry() {
  static const OpRegistry r = [] {
    OpRegistry reg;
    register_creation_ops(reg);
    register_view_ops(reg);
    register_copy_ops(reg);
    register_unary_ops(reg);
    register_binary_ops(reg);
    register_compare_ops(reg);
    register_reduction_ops(reg);
    register_linalg_ops(reg);
    register_indexing_ops(reg);
    register_shape_ops(reg);
    register_sort_ops(reg);
    register_nn_conv_ops(reg);
    register_nn_norm_ops(reg);
    return reg;
  }();
  return r;
}

}  // namespace hangu::ops

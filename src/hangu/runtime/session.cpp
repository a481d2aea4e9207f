#include "hangu/runtime/session.h"

#include "hangu/core/error.h"

namespace hangu::runtime {

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// Checks a fed tensor against the declared element type and the fixed dims of its input.
void check_input(const Slot& slot, const Value& v, bool check_shape) {
  if (!slot.has_type) return;
  const io::onnx::TypeInfo& t = slot.type;
  if (t.kind != io::onnx::TypeInfo::Kind::tensor) return;
  if (t.elem_type == io::onnx::ElemType::string) {
    if (!v.is_strings()) throw DTypeError(MsgId::rt_graph_input_kind, slot.name, v.describe(), "tensor string");
    return;
  }
  if (!v.is_tensor()) throw DTypeError(MsgId::rt_graph_input_kind, slot.name, v.describe(), "tensor");
  const Tensor& x = v.tensor();
  if (t.elem_type != io::onnx::ElemType::undefined) {
    const DType want = dtype_from_elem(t.elem_type, slot.name);
    if (x.dtype() != want) throw DTypeError(MsgId::rt_graph_input_dtype, slot.name, x.dtype(), want);
  }
  if (!t.shape || !check_shape) return;
  const auto& dims = *t.shape;
  std::string expected = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    expected += (i ? ", " : "") + (dims[i].value ? std::to_string(*dims[i].value)
                                                 : dims[i].param.empty() ? std::string("?") : dims[i].param);
  expected += "]";
  if (x.dim() != static_cast<int64_t>(dims.size()))
    throw ShapeError(MsgId::rt_graph_input_shape, slot.name, x.shape(), expected);
  for (size_t i = 0; i < dims.size(); ++i)
    if (dims[i].value && *dims[i].value >= 0 && x.size(static_cast<int64_t>(i)) != *dims[i].value)
      throw ShapeError(MsgId::rt_graph_input_shape, slot.name, x.shape(), expected);
}

}  // namespace

Session::Session(const io::onnx::Model& model, SessionOptions opts) { init(model, opts); }

void Session::init(const io::onnx::Model& model, SessionOptions opts) {
  opts_ = opts;
  graph_ = build_graph(model.graph, opset_map(model.opset_imports));
  if (opts.optimize) pass_stats_ = optimize(*graph_);
  plan_memory(*graph_);
}

std::vector<std::string> Session::input_names() const {
  std::vector<std::string> v;
  for (int32_t s : graph_->inputs) {
    const Slot& slot = graph_->slots[static_cast<size_t>(s)];
    if (!slot.has_default) v.push_back(slot.name);
  }
  return v;
}

std::vector<std::string> Session::all_input_names() const {
  std::vector<std::string> v;
  for (int32_t s : graph_->inputs) v.push_back(graph_->slots[static_cast<size_t>(s)].name);
  return v;
}

std::vector<std::string> Session::output_names() const {
  std::vector<std::string> v;
  for (int32_t s : graph_->outputs) v.push_back(graph_->slots[static_cast<size_t>(s)].name);
  return v;
}

const Slot* Session::input_slot(const std::string& name) const {
  for (int32_t s : graph_->inputs)
    if (graph_->slots[static_cast<size_t>(s)].name == name) return &graph_->slots[static_cast<size_t>(s)];
  return nullptr;
}

std::vector<Value> Session::run_values(const std::map<std::string, Value>& inputs, RunStats* stats) const {
  for (const auto& [name, v] : inputs)
    if (!input_slot(name)) throw ValueError(MsgId::rt_unknown_graph_input, name, joined(all_input_names()));
  std::vector<Value> fed(graph_->inputs.size());
  for (size_t i = 0; i < graph_->inputs.size(); ++i) {
    const Slot& slot = graph_->slots[static_cast<size_t>(graph_->inputs[i])];
    auto it = inputs.find(slot.name);
    if (it == inputs.end() || it->second.empty()) {
      // An optional-typed input may be left out: it is then "none".
      const bool optional = slot.has_type && slot.type.kind == io::onnx::TypeInfo::Kind::optional;
      if (!slot.has_default && !optional) throw ValueError(MsgId::rt_missing_graph_input, slot.name);
      continue;
    }
    check_input(slot, it->second, opts_.check_input_shapes);
    fed[i] = it->second;
  }
  return run_graph(*graph_, fed, {}, stats);
}

std::map<std::string, Tensor> Session::run(const std::map<std::string, Tensor>& inputs) const {
  std::map<std::string, Value> in;
  for (const auto& [name, t] : inputs) {
    check_defined(t, "Session::run");
    in.emplace(name, Value(t));
  }
  std::vector<Value> outs = run_values(in);
  std::vector<std::string> names = output_names();
  std::map<std::string, Tensor> result;
  for (size_t i = 0; i < outs.size(); ++i) {
    if (!outs[i].is_tensor()) throw Unsupported(MsgId::rt_output_not_tensor, names[i], outs[i].describe());
    result[names[i]] = outs[i].tensor();
  }
  return result;
}

}  // namespace hangu::runtime

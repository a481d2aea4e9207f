#include "hangu/runtime/op_registry.h"

#include "hangu/core/error.h"
#include "hangu/runtime/executor.h"

namespace hangu::runtime {

void OpTable::add(const std::string& domain, const std::string& op_type, OpFn fn, bool foldable) {
  OpDef d;
  d.domain = domain;
  d.op_type = op_type;
  d.fn = fn;
  d.foldable = foldable;
  ops_[{domain, op_type}] = std::move(d);
}

const OpDef* OpTable::find(std::string_view domain, std::string_view op_type) const {
  auto it = ops_.find(std::pair<std::string, std::string>(domain, op_type));
  return it == ops_.end() ? nullptr : &it->second;
}

std::vector<const OpDef*> OpTable::all() const {
  std::vector<const OpDef*> v;
  for (const auto& [k, d] : ops_) v.push_back(&d);
  return v;
}

const OpTable& op_table() {
  static const OpTable table = [] {
    OpTable t;
    register_elementwise_ops(t);
    register_math_ops(t);
    register_nn_ops(t);
    register_pool_ops(t);
    register_tensor_ops(t);
    register_cast_ops(t);
    register_random_ops(t);
    register_index_ops(t);
    register_reduce_ops(t);
    register_control_ops(t);
    register_sequence_ops(t);
    register_rnn_ops(t);
    register_quant_ops(t);
    register_image_ops(t);
    register_loss_ops(t);
    register_signal_ops(t);
    register_string_ops(t);
    register_training_ops(t);
    register_fused_ops(t);
    return t;
  }();
  return table;
}

OpContext::OpContext(const Node& node, std::vector<const Value*> inputs, const std::vector<Value>* env)
    : node_(node), inputs_(std::move(inputs)), env_(env), label_(node.label()), outputs_(node.outputs.size()) {}

bool OpContext::has(size_t i) const { return i < inputs_.size() && inputs_[i] && !inputs_[i]->empty(); }

const Value& OpContext::value(size_t i) const {
  if (!has(i)) throw ValueError(MsgId::rt_missing_input, label_, i);
  return *inputs_[i];
}

const Tensor& OpContext::input(size_t i) const {
  const Value& v = value(i);
  if (!v.is_tensor()) throw DTypeError(MsgId::rt_input_kind, label_, i, v.describe(), "tensor");
  return v.tensor();
}

void OpContext::set(size_t i, Value v) {
  if (i < outputs_.size()) outputs_[i] = std::move(v);
}

int64_t OpContext::require_int(std::string_view name) const {
  if (!node_.attrs.has(name)) throw FormatError(MsgId::rt_missing_attr, label_, name);
  return attr_int(name, 0);
}

const Subgraph& OpContext::subgraph(const std::string& attr) const {
  auto it = node_.subgraphs.find(attr);
  if (it == node_.subgraphs.end()) throw FormatError(MsgId::rt_missing_attr, label_, attr);
  return it->second;
}

std::vector<Value> OpContext::run_subgraph(const std::string& attr, std::vector<Value> inputs) const {
  const Subgraph& s = subgraph(attr);
  const Graph& g = *s.graph;
  if (inputs.size() != g.inputs.size())
    throw ValueError(MsgId::rt_subgraph_arity, label_, attr, g.inputs.size(), inputs.size());
  std::vector<Value> outer;
  outer.reserve(s.outer_from.size());
  for (int32_t slot : s.outer_from) outer.push_back(env_ ? (*env_)[static_cast<size_t>(slot)] : Value());
  return run_graph(g, inputs, outer);
}

}  // namespace hangu::runtime

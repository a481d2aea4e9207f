#pragma once
// The operator table: each ONNX (domain, op type) maps to one function that reads its inputs and
// attributes from an OpContext and writes its outputs. Opset-dependent semantics are handled in
// that function (ctx.opset()). One file per op family registers its ops (ops_*.cpp).
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hangu/runtime/graph.h"
#include "hangu/runtime/value.h"

namespace hangu::runtime {

class OpContext;
using OpFn = void (*)(OpContext&);

struct OpDef {
  std::string domain;   // "" for the default ONNX domain
  std::string op_type;
  OpFn fn = nullptr;
  bool foldable = true;  // deterministic and free of side effects: constant folding may run it
};

class OpTable {
 public:
  void add(const std::string& op_type, OpFn fn, bool foldable = true) { add("", op_type, fn, foldable); }
  void add(const std::string& domain, const std::string& op_type, OpFn fn, bool foldable = true);
  const OpDef* find(std::string_view domain, std::string_view op_type) const;
  std::vector<const OpDef*> all() const;

 private:
  std::map<std::pair<std::string, std::string>, OpDef, std::less<>> ops_;
};

// The table of every op, built once.
const OpTable& op_table();

// The inputs, attributes and outputs of one node while it runs.
class OpContext {
 public:
  // inputs: one per node input (null when omitted); env: the values of the graph being run, by
  // slot, for the captures of sub-graphs (may be null for a node without sub-graphs).
  OpContext(const Node& node, std::vector<const Value*> inputs, const std::vector<Value>* env);

  const Node& node() const { return node_; }
  int64_t opset() const { return node_.opset; }
  const std::string& label() const { return label_; }

  size_t num_inputs() const { return node_.inputs.size(); }
  // Input i is given and holds a value.
  bool has(size_t i) const;
  // Throws ValueError (rt_missing_input) when absent.
  const Value& value(size_t i) const;
  // Throws when absent or not a tensor.
  const Tensor& input(size_t i) const;

  size_t num_outputs() const { return node_.outputs.size(); }
  // Output i exists in the node (it may still be unused downstream).
  bool wants(size_t i) const { return i < node_.outputs.size() && node_.outputs[i] >= 0; }
  void set(size_t i, Value v);
  std::vector<Value>& outputs() { return outputs_; }

  int64_t attr_int(std::string_view name, int64_t def) const { return node_.attrs.get_int(name, def, label_); }
  float attr_float(std::string_view name, float def) const { return node_.attrs.get_float(name, def, label_); }
  std::string attr_string(std::string_view name, const std::string& def = "") const {
    return node_.attrs.get_string(name, def, label_);
  }
  std::vector<int64_t> attr_ints(std::string_view name) const { return node_.attrs.get_ints(name, label_); }
  std::vector<float> attr_floats(std::string_view name) const { return node_.attrs.get_floats(name, label_); }
  std::vector<std::string> attr_strings(std::string_view name) const { return node_.attrs.get_strings(name, label_); }
  bool has_attr(std::string_view name) const { return node_.attrs.has(name); }
  // Throws FormatError (rt_missing_attr) when absent.
  int64_t require_int(std::string_view name) const;

  // Runs the sub-graph held by attribute `attr` with `inputs` (its outer values come from the
  // graph running this node).
  std::vector<Value> run_subgraph(const std::string& attr, std::vector<Value> inputs) const;
  const Subgraph& subgraph(const std::string& attr) const;

 private:
  const Node& node_;
  std::vector<const Value*> inputs_;
  const std::vector<Value>* env_;
  std::string label_;
  std::vector<Value> outputs_;
};

// Registration, one function per op family (ops_*.cpp).
void register_elementwise_ops(OpTable& t);
void register_math_ops(OpTable& t);
void register_nn_ops(OpTable& t);
void register_pool_ops(OpTable& t);
void register_tensor_ops(OpTable& t);
void register_cast_ops(OpTable& t);
void register_random_ops(OpTable& t);
void register_index_ops(OpTable& t);
void register_reduce_ops(OpTable& t);
void register_control_ops(OpTable& t);
void register_sequence_ops(OpTable& t);
void register_rnn_ops(OpTable& t);
void register_quant_ops(OpTable& t);
void register_image_ops(OpTable& t);
void register_loss_ops(OpTable& t);
void register_signal_ops(OpTable& t);
void register_string_ops(OpTable& t);
void register_training_ops(OpTable& t);
void register_fused_ops(OpTable& t);

// The domain of hangu's own fused ops (made by the fusion passes).
inline constexpr const char* kHanguDomain = "hangu.runtime";

}  // namespace hangu::runtime

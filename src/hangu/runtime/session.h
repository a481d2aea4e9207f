#pragma once
// An inference session over an ONNX model:
//   hangu::runtime::Session s("model.onnx");
//   auto outs = s.run({{"input", t}});   // outs["output"]
// The graph is built and checked once (undefined inputs, cycles, unknown ops), optimised
// (constant folding, Conv+BatchNormalization folding, bias and activation fusion, dead-node
// removal), and planned (values freed after their last use). Shapes are not fixed at load time,
// so the batch size (any dim the model leaves symbolic) may change from run to run.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hangu/io/onnx/model.h"
#include "hangu/runtime/executor.h"
#include "hangu/runtime/graph.h"
#include "hangu/runtime/passes.h"
#include "hangu/runtime/value.h"

namespace hangu::runtime {

struct SessionOptions {
  bool optimize = true;            // run the graph passes (passes.h)
  bool check_input_shapes = true;  // fed tensors must have the declared rank and fixed dims
};

class Session {
 public:
  explicit Session(const std::string& model_path, SessionOptions opts = {});
  explicit Session(const io::onnx::Model& model, SessionOptions opts = {});

  // Inputs by name (inputs that have an initializer as default may be left out); outputs by name.
  // Throws ValueError for an unknown or missing input, DTypeError/ShapeError when an input does
  // not match the model's declared type.
  std::map<std::string, Tensor> run(const std::map<std::string, Tensor>& inputs) const;
  // Any kind of value (string tensors, sequences, optionals); outputs in the graph's order.
  std::vector<Value> run_values(const std::map<std::string, Value>& inputs, RunStats* stats = nullptr) const;

  // The graph inputs a caller must feed (those without an initializer), in order.
  std::vector<std::string> input_names() const;
  // Every graph input, required or not.
  std::vector<std::string> all_input_names() const;
  std::vector<std::string> output_names() const;
  // The declared slot of a graph input (type, default), or nullptr.
  const Slot* input_slot(const std::string& name) const;

  const Graph& graph() const { return *graph_; }
  const PassStats& pass_stats() const { return pass_stats_; }

 private:
  void init(const io::onnx::Model& model, SessionOptions opts);
  std::shared_ptr<Graph> graph_;
  SessionOptions opts_;
  PassStats pass_stats_;
};

}  // namespace hangu::runtime

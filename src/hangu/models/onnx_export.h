#pragma once
// Model-zoo models as ONNX graphs (opset 13): one input "input" whose first dim is the symbolic
// "batch", one output "logits", the weights as initializers under their state_dict names.
// A new model adds a branch to export_onnx that walks its layers with OnnxGraphBuilder.
#include <string>
#include <vector>

#include "hangu/io/onnx/model.h"
#include "hangu/nn/conv.h"
#include "hangu/nn/linear.h"
#include "hangu/nn/normalization.h"

namespace hangu::models {

inline constexpr int64_t kOnnxExportOpset = 13;

// Appends nodes in order; each layer method returns the name of the value it produces.
class OnnxGraphBuilder {
 public:
  explicit OnnxGraphBuilder(std::string graph_name);

  // A graph input of `dtype`: `dims` with the first dim replaced by the symbolic "batch".
  std::string input(const std::string& name, DType dtype, std::vector<int64_t> dims);
  // An initializer holding a copy of `t` (so later training does not change the model).
  std::string initializer(const std::string& name, const Tensor& t);
  // A node with one output named after `prefix`; returns that output.
  std::string node(const std::string& op_type, const std::string& prefix, std::vector<std::string> inputs,
                   std::vector<io::onnx::Attribute> attributes = {});

  std::string conv2d(const nn::Conv2d& conv, const std::string& prefix, const std::string& x);
  std::string linear(const nn::Linear& fc, const std::string& prefix, const std::string& x);  // Gemm, transB = 1
  std::string relu(const std::string& x);
  std::string max_pool2d(const std::string& x, std::vector<int64_t> kernel, std::vector<int64_t> stride);
  // BatchNormalization with the running statistics (inference form).
  std::string batch_norm(const nn::BatchNorm& bn, const std::string& prefix, const std::string& x);
  std::string global_average_pool(const std::string& x);
  std::string flatten(const std::string& x, int64_t axis);

  // Renames the value `x` to `name` (the last node's output) and declares it a graph output.
  void output(const std::string& x, const std::string& name, DType dtype, std::vector<int64_t> dims);
  io::onnx::Model finish(const std::string& doc_string);

  static io::onnx::Attribute int_attr(const std::string& name, int64_t v);
  static io::onnx::Attribute ints_attr(const std::string& name, std::vector<int64_t> v);
  static io::onnx::Attribute float_attr(const std::string& name, float v);

 private:
  io::onnx::Graph graph_;
  int64_t counter_ = 0;
};

// "lenet", "mlp".
std::vector<std::string> onnx_export_names();
// The ONNX model of `module`, which models::create(name) made (its current weights).
// ValueError for a name without an exporter or a module of another class.
io::onnx::Model export_onnx(const std::string& name, const nn::Module& module);

// Image classifiers (`hangu train --data FOLDER`) that can be exported: "cnn".
std::vector<std::string> image_onnx_export_names();
// The image classifier `module` (models::create(name, num_classes)) as ONNX: input "input"
// [batch, 3, image_size, image_size] (normalised RGB), output "logits" [batch, num_classes].
io::onnx::Model export_image_onnx(const std::string& name, const nn::Module& module, int64_t image_size);

}  // namespace hangu::models

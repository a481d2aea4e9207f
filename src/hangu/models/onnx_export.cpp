#include "hangu/models/onnx_export.h"

#include "hangu/core/version.h"
#include "hangu/models/lenet.h"
#include "hangu/models/mlp.h"
#include "hangu/models/mobilenet_v2.h"
#include "hangu/models/resnet.h"
#include "hangu/models/small_cnn.h"
#include "hangu/nn/activation.h"
#include "hangu/nn/dropout.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"

namespace hangu::models {

namespace onnx = io::onnx;

namespace {

onnx::TypeInfo tensor_type(DType dtype, const std::vector<int64_t>& dims, bool batch) {
  onnx::TypeInfo t;
  t.kind = onnx::TypeInfo::Kind::tensor;
  t.elem_type = onnx::dtype_elem_type(dtype);
  std::vector<onnx::Dim> shape;
  for (size_t i = 0; i < dims.size(); ++i) {
    onnx::Dim d;
    if (batch && i == 0)
      d.param = "batch";
    else
      d.value = dims[i];
    shape.push_back(d);
  }
  t.shape = std::move(shape);
  return t;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out.append(out.empty() ? "" : ", ").append(s);
  return out;
}

}  // namespace

OnnxGraphBuilder::OnnxGraphBuilder(std::string graph_name) { graph_.name = std::move(graph_name); }

onnx::Attribute OnnxGraphBuilder::int_attr(const std::string& name, int64_t v) {
  onnx::Attribute a;
  a.name = name;
  a.type = onnx::Attribute::Type::i;
  a.i = v;
  return a;
}

onnx::Attribute OnnxGraphBuilder::ints_attr(const std::string& name, std::vector<int64_t> v) {
  onnx::Attribute a;
  a.name = name;
  a.type = onnx::Attribute::Type::ints;
  a.ints = std::move(v);
  return a;
}

onnx::Attribute OnnxGraphBuilder::float_attr(const std::string& name, float v) {
  onnx::Attribute a;
  a.name = name;
  a.type = onnx::Attribute::Type::f;
  a.f = v;
  return a;
}

std::string OnnxGraphBuilder::input(const std::string& name, DType dtype, std::vector<int64_t> dims) {
  graph_.inputs.push_back(onnx::ValueInfo{name, tensor_type(dtype, dims, true), ""});
  return name;
}

std::string OnnxGraphBuilder::initializer(const std::string& name, const Tensor& t) {
  onnx::TensorValue v;
  v.name = name;
  v.tensor = clone(t.detach());
  v.elem_type = onnx::dtype_elem_type(t.dtype());
  v.dims = v.tensor.shape();
  graph_.initializers.push_back(std::move(v));
  return name;
}

std::string OnnxGraphBuilder::node(const std::string& op_type, const std::string& prefix,
                                   std::vector<std::string> inputs, std::vector<onnx::Attribute> attributes) {
  onnx::Node n;
  n.op_type = op_type;
  n.name = prefix;
  n.inputs = std::move(inputs);
  n.outputs = {prefix + "_out"};
  n.attributes = std::move(attributes);
  graph_.nodes.push_back(std::move(n));
  return graph_.nodes.back().outputs[0];
}

std::string OnnxGraphBuilder::conv2d(const nn::Conv2d& conv, const std::string& prefix, const std::string& x) {
  std::vector<int64_t> pads = conv.padding;  // {h, w}
  if (conv.padding_mode == "valid") pads = {0, 0};
  std::vector<int64_t> begin = pads, end = pads;
  if (conv.padding_mode == "same") {
    // PyTorch's "same": the odd extra pixel goes to the end, as ONNX SAME_UPPER.
    for (size_t i = 0; i < 2; ++i) {
      const int64_t total = conv.dilation[i] * (conv.kernel_size[i] - 1);
      begin[i] = total / 2;
      end[i] = total - begin[i];
    }
  }
  std::vector<std::string> inputs{x, initializer(prefix + ".weight", conv.weight)};
  if (conv.bias.defined()) inputs.push_back(initializer(prefix + ".bias", conv.bias));
  return node("Conv", prefix, std::move(inputs),
              {ints_attr("dilations", conv.dilation), int_attr("group", conv.groups),
               ints_attr("kernel_shape", conv.kernel_size), ints_attr("pads", {begin[0], begin[1], end[0], end[1]}),
               ints_attr("strides", conv.stride)});
}

std::string OnnxGraphBuilder::linear(const nn::Linear& fc, const std::string& prefix, const std::string& x) {
  std::vector<std::string> inputs{x, initializer(prefix + ".weight", fc.weight)};
  if (fc.bias.defined()) inputs.push_back(initializer(prefix + ".bias", fc.bias));
  return node("Gemm", prefix, std::move(inputs), {int_attr("transB", 1)});
}

std::string OnnxGraphBuilder::relu(const std::string& x) {
  return node("Relu", "relu_" + std::to_string(++counter_), {x});
}

std::string OnnxGraphBuilder::max_pool2d(const std::string& x, std::vector<int64_t> kernel,
                                         std::vector<int64_t> stride) {
  return node("MaxPool", "maxpool_" + std::to_string(++counter_), {x},
              {ints_attr("kernel_shape", std::move(kernel)), ints_attr("pads", {0, 0, 0, 0}),
               ints_attr("strides", std::move(stride))});
}

std::string OnnxGraphBuilder::batch_norm(const nn::BatchNorm& bn, const std::string& prefix, const std::string& x) {
  if (!bn.running_mean.defined())
    throw ValueError(MsgId::onnx_export_not_model, "BatchNorm with running statistics", prefix);
  // Without affine parameters the scale is 1 and the shift 0, as ONNX needs both inputs.
  const Tensor scale = bn.weight.defined() ? bn.weight : ones_like(bn.running_mean);
  const Tensor shift = bn.bias.defined() ? bn.bias : zeros_like(bn.running_mean);
  return node("BatchNormalization", prefix,
              {x, initializer(prefix + ".weight", scale), initializer(prefix + ".bias", shift),
               initializer(prefix + ".running_mean", bn.running_mean),
               initializer(prefix + ".running_var", bn.running_var)},
              {float_attr("epsilon", static_cast<float>(bn.eps))});
}

std::string OnnxGraphBuilder::global_average_pool(const std::string& x) {
  return node("GlobalAveragePool", "gap_" + std::to_string(++counter_), {x});
}

std::string OnnxGraphBuilder::flatten(const std::string& x, int64_t axis) {
  return node("Flatten", "flatten_" + std::to_string(++counter_), {x}, {int_attr("axis", axis)});
}

void OnnxGraphBuilder::output(const std::string& x, const std::string& name, DType dtype, std::vector<int64_t> dims) {
  for (onnx::Node& n : graph_.nodes)
    for (std::string& o : n.outputs)
      if (o == x) o = name;
  graph_.outputs.push_back(onnx::ValueInfo{name, tensor_type(dtype, dims, true), ""});
}

onnx::Model OnnxGraphBuilder::finish(const std::string& doc_string) {
  onnx::Model m;
  m.ir_version = 7;  // the IR of opset 13 (ONNX 1.8)
  m.opset_imports = {onnx::OpsetImport{"", kOnnxExportOpset}};
  m.producer_name = "hangu";
  m.producer_version = std::string(version());
  m.doc_string = doc_string;
  m.graph = std::move(graph_);
  graph_ = onnx::Graph{};
  return m;
}

std::vector<std::string> onnx_export_names() { return {"lenet", "mlp"}; }

std::vector<std::string> image_onnx_export_names() {
  return {"cnn", "resnet18", "resnet34", "resnet50", "mobilenet_v2"};
}

namespace {

template <typename M>
const M& child_as(const nn::Module& parent, const std::string& name, const std::string& where) {
  const auto* m = dynamic_cast<const M*>(parent.child(name).get());
  if (!m) throw ValueError(MsgId::onnx_export_not_model, "a known layer", where + name);
  return *m;
}

// conv -> bn of a shortcut (torchvision's downsample.0 / downsample.1), or the input itself.
std::string shortcut(OnnxGraphBuilder& b, const std::shared_ptr<nn::Sequential>& ds, const std::string& p,
                     const std::string& x) {
  if (!ds) return x;
  const std::string q = p + "downsample.";
  return b.batch_norm(child_as<nn::BatchNorm2d>(*ds, "1", q), q + "1",
                      b.conv2d(child_as<nn::Conv2d>(*ds, "0", q), q + "0", x));
}

std::string resnet_block(OnnxGraphBuilder& b, const nn::Module& block, const std::string& p, const std::string& x) {
  if (const auto* k = dynamic_cast<const BasicBlock*>(&block)) {
    std::string y = b.relu(b.batch_norm(*k->bn1, p + "bn1", b.conv2d(*k->conv1, p + "conv1", x)));
    y = b.batch_norm(*k->bn2, p + "bn2", b.conv2d(*k->conv2, p + "conv2", y));
    return b.relu(b.node("Add", p + "add", {y, shortcut(b, k->downsample, p, x)}));
  }
  if (const auto* k = dynamic_cast<const Bottleneck*>(&block)) {
    std::string y = b.relu(b.batch_norm(*k->bn1, p + "bn1", b.conv2d(*k->conv1, p + "conv1", x)));
    y = b.relu(b.batch_norm(*k->bn2, p + "bn2", b.conv2d(*k->conv2, p + "conv2", y)));
    y = b.batch_norm(*k->bn3, p + "bn3", b.conv2d(*k->conv3, p + "conv3", y));
    return b.relu(b.node("Add", p + "add", {y, shortcut(b, k->downsample, p, x)}));
  }
  throw ValueError(MsgId::onnx_export_not_model, "BasicBlock or Bottleneck", p);
}

// torchvision's ResNet: conv1 -> bn1 -> relu -> maxpool 3x3/2 (pad 1) -> layer1..4 -> global
// average pool -> flatten -> fc; node and initializer names follow the state dict's.
onnx::Model export_resnet(const std::string& name, const ResNet& net, int64_t image_size) {
  const DType dt = net.conv1->weight.dtype();
  OnnxGraphBuilder b(name);
  std::string x = b.input("input", dt, {-1, net.conv1->in_channels, image_size, image_size});
  x = b.relu(b.batch_norm(*net.bn1, "bn1", b.conv2d(*net.conv1, "conv1", x)));
  x = b.node("MaxPool", "maxpool", {x},
             {OnnxGraphBuilder::ints_attr("kernel_shape", {3, 3}), OnnxGraphBuilder::ints_attr("pads", {1, 1, 1, 1}),
              OnnxGraphBuilder::ints_attr("strides", {2, 2})});
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const std::string layer = "layer" + std::to_string(i + 1) + ".";
    for (const auto& [index, block] : net.layers[i]->named_children())
      x = resnet_block(b, *block, layer + index + ".", x);
  }
  x = b.flatten(b.global_average_pool(x), 1);
  x = b.linear(*net.fc, "fc", x);
  b.output(x, "logits", dt, {-1, net.fc->out_features});
  return b.finish("ResNet-" + std::to_string(net.depth) + " image classifier (torchvision layout), exported by hangu");
}

// A module tree of plain layers, in order (MobileNetV2's features and classifier): Sequential,
// Conv2d, BatchNorm2d, ReLU, ReLU6 (Clip 0..6), Dropout (identity at inference), Linear, and the
// inverted residual block. Names follow the state dict ("features.3.conv.1.0").
std::string export_layers(OnnxGraphBuilder& b, const nn::Module& m, const std::string& p, const std::string& x) {
  if (const auto* c = dynamic_cast<const nn::Conv2d*>(&m)) return b.conv2d(*c, p, x);
  if (const auto* bn = dynamic_cast<const nn::BatchNorm2d*>(&m)) return b.batch_norm(*bn, p, x);
  if (dynamic_cast<const nn::ReLU*>(&m)) return b.relu(x);
  if (dynamic_cast<const nn::ReLU6*>(&m)) {
    const std::string lo = b.initializer(p + ".min", full({}, Scalar(0.0), DType::f32));
    const std::string hi = b.initializer(p + ".max", full({}, Scalar(6.0), DType::f32));
    return b.node("Clip", p, {x, lo, hi});
  }
  if (dynamic_cast<const nn::Dropout*>(&m)) return x;
  if (const auto* fc = dynamic_cast<const nn::Linear*>(&m)) return b.linear(*fc, p, x);
  if (const auto* ir = dynamic_cast<const InvertedResidual*>(&m)) {
    const std::string y = export_layers(b, *ir->conv, p + ".conv", x);
    return ir->use_res_connect ? b.node("Add", p + ".add", {x, y}) : y;
  }
  if (const auto* seq = dynamic_cast<const nn::Sequential*>(&m)) {
    std::string y = x;
    for (const auto& [name, child] : seq->named_children()) y = export_layers(b, *child, p + "." + name, y);
    return y;
  }
  throw ValueError(MsgId::onnx_export_not_model, "an exportable layer", p);
}

onnx::Model export_mobilenet_v2(const MobileNetV2& net, int64_t image_size) {
  const auto* first = dynamic_cast<const nn::Conv2d*>(net.features->child("0")->child("0").get());
  if (!first) throw ValueError(MsgId::onnx_export_not_model, "MobileNetV2", "features.0.0");
  const DType dt = first->weight.dtype();
  OnnxGraphBuilder b("mobilenet_v2");
  std::string x = b.input("input", dt, {-1, first->in_channels, image_size, image_size});
  x = export_layers(b, *net.features, "features", x);
  x = b.flatten(b.global_average_pool(x), 1);
  x = export_layers(b, *net.classifier, "classifier", x);
  b.output(x, "logits", dt, {-1, net.num_classes});
  return b.finish("MobileNetV2 image classifier (torchvision layout), exported by hangu");
}

}  // namespace

onnx::Model export_image_onnx(const std::string& name, const nn::Module& module, int64_t image_size) {
  if (name == "cnn") {
    const auto* net = dynamic_cast<const SmallCnn*>(&module);
    if (!net) throw ValueError(MsgId::onnx_export_not_model, "SmallCnn", name);
    const DType dt = net->conv1->weight.dtype();
    OnnxGraphBuilder b("cnn");
    std::string x = b.input("input", dt, {-1, net->conv1->in_channels, image_size, image_size});
    x = b.relu(b.batch_norm(*net->bn1, "bn1", b.conv2d(*net->conv1, "conv1", x)));
    x = b.max_pool2d(b.relu(b.batch_norm(*net->bn2, "bn2", b.conv2d(*net->conv2, "conv2", x))), {2, 2}, {2, 2});
    x = b.max_pool2d(b.relu(b.batch_norm(*net->bn3, "bn3", b.conv2d(*net->conv3, "conv3", x))), {2, 2}, {2, 2});
    x = b.relu(b.batch_norm(*net->bn4, "bn4", b.conv2d(*net->conv4, "conv4", x)));
    x = b.flatten(b.global_average_pool(x), 1);
    x = b.linear(*net->fc, "fc", x);
    b.output(x, "logits", dt, {-1, net->fc->out_features});
    return b.finish("Small CNN image classifier, exported by hangu");
  }
  if (name == "resnet18" || name == "resnet34" || name == "resnet50") {
    const auto* net = dynamic_cast<const ResNet*>(&module);
    if (!net) throw ValueError(MsgId::onnx_export_not_model, "ResNet", name);
    return export_resnet(name, *net, image_size);
  }
  if (name == "mobilenet_v2") {
    const auto* net = dynamic_cast<const MobileNetV2*>(&module);
    if (!net) throw ValueError(MsgId::onnx_export_not_model, "MobileNetV2", name);
    return export_mobilenet_v2(*net, image_size);
  }
  throw ValueError(MsgId::onnx_export_unknown_model, name, join(image_onnx_export_names()));
}

onnx::Model export_onnx(const std::string& name, const nn::Module& module) {
  if (name == "lenet") {
    const auto* net = dynamic_cast<const LeNet*>(&module);
    if (!net) throw ValueError(MsgId::onnx_export_not_model, "LeNet", name);
    const DType dt = net->conv1->weight.dtype();
    OnnxGraphBuilder b("lenet");
    std::string x = b.input("input", dt, {-1, 1, 28, 28});
    x = b.max_pool2d(b.relu(b.conv2d(*net->conv1, "conv1", x)), {2, 2}, {2, 2});
    x = b.max_pool2d(b.relu(b.conv2d(*net->conv2, "conv2", x)), {2, 2}, {2, 2});
    x = b.flatten(x, 1);
    x = b.relu(b.linear(*net->fc1, "fc1", x));
    x = b.relu(b.linear(*net->fc2, "fc2", x));
    x = b.linear(*net->fc3, "fc3", x);
    b.output(x, "logits", dt, {-1, 10});
    return b.finish("LeNet-5 for 28x28 digits, exported by hangu");
  }
  if (name == "mlp") {
    const auto* net = dynamic_cast<const Mlp*>(&module);
    if (!net) throw ValueError(MsgId::onnx_export_not_model, "MLP", name);
    const DType dt = net->fc1->weight.dtype();
    OnnxGraphBuilder b("mlp");
    std::string x = b.flatten(b.input("input", dt, {-1, 1, 28, 28}), 1);
    x = b.relu(b.linear(*net->fc1, "fc1", x));
    x = b.relu(b.linear(*net->fc2, "fc2", x));
    x = b.linear(*net->fc3, "fc3", x);
    b.output(x, "logits", dt, {-1, 10});
    return b.finish("MNIST MLP (784-512-512-10), exported by hangu");
  }
  throw ValueError(MsgId::onnx_export_unknown_model, name, join(onnx_export_names()));
}

}  // namespace hangu::models

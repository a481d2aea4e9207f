// models/onnx_export and `hangu export`: the graph of LeNet and the MLP read back with our reader,
// the initializers bit-exact against the state dict, the CLI's errors, and the exported file
// checked by the onnx package and evaluated by PyTorch (tools/check_onnx_export.py), and a trained
// LeNet through export, `hangu run` and ONNX Runtime.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "cli_util.h"
#include "hangu/data/mnist.h"
#include "hangu/hangu.h"
#include "hangu/io/npy.h"
#include "hangu/io/onnx/model.h"
#include "hangu/models/models.h"
#include "hangu/models/onnx_export.h"
#include "hangu/models/weights.h"
#include "test_util.h"

using namespace hangu;
namespace onnx = hangu::io::onnx;
namespace fs = std::filesystem;
using test_cli::contains;
using test_cli::count_lines;
using test_cli::run_hangu;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("hangu_onnx_export_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& n) const { return (path / n).string(); }
};

std::vector<std::string> op_types(const onnx::Graph& g) {
  std::vector<std::string> ops;
  for (const auto& n : g.nodes) ops.push_back(n.op_type);
  return ops;
}

std::string dims_text(const onnx::TypeInfo& t) {
  std::string s;
  for (const auto& d : *t.shape) s += (s.empty() ? "" : ",") + (d.value ? std::to_string(*d.value) : d.param);
  return s;
}

// Every parameter of `m` is an initializer of `g` under its state_dict name, bit for bit.
void expect_weights(const nn::Module& m, const onnx::Graph& g) {
  auto sd = m.state_dict();
  ASSERT_EQ(g.initializers.size(), sd.size());
  for (const auto& [name, t] : sd) {
    const onnx::TensorValue* v = nullptr;
    for (const auto& i : g.initializers)
      if (i.name == name) v = &i;
    ASSERT_NE(v, nullptr) << name;
    EXPECT_EQ(v->elem_type, onnx::ElemType::float32) << name;
    EXPECT_TRUE(test_util::same_bits(v->tensor, t)) << name;
  }
}

onnx::Model export_and_read(const std::string& name, const nn::Module& m, const std::string& path) {
  onnx::save_model(models::export_onnx(name, m), path);
  return onnx::load_model(path);
}

// "" when /usr/bin/python3 has onnx and torch, else why not.
std::string python_missing() {
  if (!fs::exists("/usr/bin/python3")) return "/usr/bin/python3 is absent";
  if (std::system("/usr/bin/python3 -c 'import onnx, torch' >/dev/null 2>&1") != 0)
    return "/usr/bin/python3 cannot import onnx and torch (python3-onnx, python3-torch)";
  return "";
}

// Output (stdout and stderr) of a shell command, its exit code in *code.
std::string run_capture(const std::string& cmd, int* code) {
  test_cli::Result r = test_cli::run_shell(cmd + " 2>&1");
  *code = r.code;
  return r.out;
}

}  // namespace

TEST(OnnxExport, LeNetGraph) {
  TempDir dir;
  manual_seed(1);
  auto net = models::create("lenet");
  onnx::Model m = export_and_read("lenet", *net, dir.file("lenet.onnx"));
  EXPECT_EQ(m.opset(), 13);
  EXPECT_EQ(m.producer_name, "hangu");
  EXPECT_EQ(op_types(m.graph), (std::vector<std::string>{"Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool",
                                                         "Flatten", "Gemm", "Relu", "Gemm", "Relu", "Gemm"}));
  ASSERT_EQ(m.graph.inputs.size(), 1u);
  EXPECT_EQ(m.graph.inputs[0].name, "input");
  EXPECT_EQ(m.graph.inputs[0].type.elem_type, onnx::ElemType::float32);
  EXPECT_EQ(dims_text(m.graph.inputs[0].type), "batch,1,28,28");
  ASSERT_EQ(m.graph.outputs.size(), 1u);
  EXPECT_EQ(m.graph.outputs[0].name, "logits");
  EXPECT_EQ(dims_text(m.graph.outputs[0].type), "batch,10");
  EXPECT_EQ(m.graph.nodes.back().outputs, std::vector<std::string>{"logits"});
  const onnx::Node& conv1 = m.graph.nodes[0];
  EXPECT_EQ(conv1.inputs, (std::vector<std::string>{"input", "conv1.weight", "conv1.bias"}));
  EXPECT_EQ(conv1.find_attribute("pads")->ints, (std::vector<int64_t>{2, 2, 2, 2}));
  EXPECT_EQ(conv1.find_attribute("kernel_shape")->ints, (std::vector<int64_t>{5, 5}));
  EXPECT_EQ(m.graph.nodes[3].find_attribute("pads")->ints, (std::vector<int64_t>{0, 0, 0, 0}));
  EXPECT_EQ(m.graph.nodes[2].find_attribute("strides")->ints, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(m.graph.nodes[6].find_attribute("axis")->i, 1);
  EXPECT_EQ(m.graph.nodes[7].find_attribute("transB")->i, 1);
  // Each value is produced once and used after it is produced.
  std::set<std::string> known{"input"};
  for (const auto& i : m.graph.initializers) known.insert(i.name);
  for (const auto& n : m.graph.nodes) {
    for (const auto& in : n.inputs) EXPECT_TRUE(known.count(in)) << n.name << " uses " << in;
    for (const auto& out : n.outputs) EXPECT_TRUE(known.insert(out).second) << out;
  }
  expect_weights(*net, m.graph);
}

TEST(OnnxExport, MlpGraphAndWrongModules) {
  TempDir dir;
  manual_seed(2);
  auto mlp = models::create("mlp");
  onnx::Model m = export_and_read("mlp", *mlp, dir.file("mlp.onnx"));
  EXPECT_EQ(op_types(m.graph), (std::vector<std::string>{"Flatten", "Gemm", "Relu", "Gemm", "Relu", "Gemm"}));
  EXPECT_EQ(dims_text(m.graph.inputs[0].type), "batch,1,28,28");
  expect_weights(*mlp, m.graph);
  test_util::expect_error_mentions<ValueError>([&] { models::export_onnx("lenet", *mlp); }, {"LeNet"});
  test_util::expect_error_mentions<ValueError>([&] { models::export_onnx("resnet", *mlp); }, {"resnet", "lenet, mlp"});
}

TEST(OnnxExport, Cli) {
  TempDir dir;
  manual_seed(3);
  auto net = models::create("lenet");
  nn::save_weights(*net, dir.file("w.safetensors"));
  const std::string out = dir.file("out.onnx");
  auto r = run_hangu("export --model lenet --weights '" + dir.file("w.safetensors") + "' --onnx '" + out + "'");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "exported lenet to")) << r.out;
  EXPECT_TRUE(contains(r.out, "12 nodes, 10 initializers, opset 13")) << r.out;
  expect_weights(*net, onnx::load_model(out).graph);

  auto j = run_hangu("导出 --model lenet --weights '" + dir.file("w.safetensors") + "' --onnx '" + out + "' --json");
  ASSERT_EQ(j.code, 0) << j.out;
  io::Json parsed = io::Json::parse(j.out, "stdout");
  EXPECT_EQ(parsed.find("nodes")->as_int(), 12);
  EXPECT_EQ(parsed.find("opset")->as_int(), 13);

  auto zh =
      run_hangu("--lang zh export --model lenet --weights '" + dir.file("w.safetensors") + "' --onnx '" + out + "'");
  EXPECT_TRUE(contains(zh.out, "已将 lenet 导出到")) << zh.out;

  // Bad input exits 2 with one line.
  for (const std::string& args :
       {std::string("export --model vgg --weights w --onnx o.onnx"), std::string("export --model lenet --onnx o.onnx"),
        "export --model lenet --weights '" + dir.file("none.safetensors") + "' --onnx '" + out + "'",
        "export --model mlp --weights '" + dir.file("w.safetensors") + "' --onnx '" + out + "'"}) {
    auto bad = run_hangu(args, "en_US.UTF-8", "2>&1 >/dev/null");
    EXPECT_EQ(bad.code, 2) << args << ": " << bad.out;
    EXPECT_EQ(count_lines(bad.out), 1) << bad.out;
  }
}

// The exported file passes onnx.checker (with shape inference), and evaluating it with PyTorch
// gives the logits of Hangu's own model.
TEST(OnnxExport, OnnxCheckerAndPyTorchAgree) {
  const std::string missing = python_missing();
  if (!missing.empty()) GTEST_SKIP() << missing;
  TempDir dir;
  std::string cases;
  for (const std::string name : {"lenet", "mlp"}) {
    manual_seed(4);
    auto net = models::create(name);
    net->eval();
    Generator gen(5);
    const Shape shape{3, 1, 28, 28};  // batch 3: the batch dim is dynamic
    Tensor x = randn(IntList(shape), DType::f32, &gen);
    Tensor logits;
    {
      NoGradGuard no_grad;
      logits = (*net)(x);
    }
    io::save_npy(dir.file(name + "_x.npy"), x);
    io::save_npy(dir.file(name + "_logits.npy"), logits);
    onnx::save_model(models::export_onnx(name, *net), dir.file(name + ".onnx"));
    cases += " --case '" + name + "," + dir.file(name + ".onnx") + "," + dir.file(name + "_x.npy") + "," +
             dir.file(name + "_logits.npy") + "'";
  }
  int code = -1;
  const std::string out =
      run_capture("/usr/bin/python3 '" + std::string(HANGU_SOURCE_DIR) + "/tools/check_onnx_export.py'" + cases, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(count_lines(out), 2) << out;
  EXPECT_TRUE(contains(out, "{\"model\": \"lenet\", \"ok\": true")) << out;
  EXPECT_TRUE(contains(out, "{\"model\": \"mlp\", \"ok\": true")) << out;
  std::printf("%s", out.c_str());
}

namespace {

// Max |a - b| over max |b|, for two float tensors of the same shape.
double relative_diff(const Tensor& a, const Tensor& b) {
  auto x = to_vector<double>(a), y = to_vector<double>(b);
  EXPECT_EQ(x.size(), y.size());
  double diff = 0, scale = 0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    diff = std::max(diff, std::fabs(x[i] - y[i]));
    scale = std::max(scale, std::fabs(y[i]));
  }
  return diff / scale;
}

// A LeNet trained by `hangu train`, with the first 16 test digits and its own logits for them.
struct TrainedLeNet {
  std::string weights, input;
  Tensor logits;
};

TrainedLeNet train_lenet(const TempDir& dir) {
  const std::string mnist = std::string(HANGU_SOURCE_DIR) + "/data/mnist-10k";
  auto t = run_hangu("train --model lenet --data " + mnist + " --steps 30 --seed 1 --out '" + dir.file("o") + "'");
  EXPECT_EQ(t.code, 0) << t.out;
  TrainedLeNet r;
  r.weights = dir.file("o/model.safetensors");
  auto net = models::create("lenet");
  nn::load_weights(*net, r.weights, /*strict=*/true);
  net->eval();
  Tensor x = contiguous(narrow(data::load_mnist(mnist, /*train=*/false).images, 0, 0, 16));
  r.input = dir.file("x.npy");
  io::save_npy(r.input, x);
  NoGradGuard no_grad;
  r.logits = (*net)(x);
  return r;
}

}  // namespace

// Issue 5, point 5: `hangu export` of a trained LeNet, then `hangu run` on the exported file,
// gives the logits of the native model.
TEST(OnnxExport, TrainedLeNetExportRunRoundTrip) {
  TempDir dir;
  TrainedLeNet net = train_lenet(dir);
  const std::string model = dir.file("lenet.onnx");
  auto e = run_hangu("export --model lenet --weights '" + net.weights + "' --onnx '" + model + "'");
  ASSERT_EQ(e.code, 0) << e.out;
  auto r = run_hangu("run '" + model + "' --input input='" + net.input + "' --output-dir '" + dir.file("out") + "'");
  ASSERT_EQ(r.code, 0) << r.out;
  Tensor logits = io::load_npy(dir.file("out/logits.npy"));
  ASSERT_EQ(logits.shape(), net.logits.shape());
  const double d = relative_diff(logits, net.logits);
  std::printf("hangu run vs native LeNet: max difference %.3g of the largest logit\n", d);
  EXPECT_LE(d, 1e-5);
}

// The same exported file in ONNX Runtime (npm onnxruntime-node under bench/onnx/node_modules, as
// bench/onnx_vs_ort.py installs it): the same logits. Skipped, saying why, where it is absent.
TEST(OnnxExport, TrainedLeNetRunsInOnnxRuntime) {
  const fs::path ort_dir = fs::path(HANGU_SOURCE_DIR) / "bench/onnx/node_modules/onnxruntime-node";
  if (!fs::exists(ort_dir) || std::system("node --version >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "needs node and " << ort_dir << " (cd bench/onnx && npm install)";
  TempDir dir;
  TrainedLeNet net = train_lenet(dir);
  const std::string model = dir.file("lenet.onnx");
  ASSERT_EQ(run_hangu("export --model lenet --weights '" + net.weights + "' --onnx '" + model + "'").code, 0);
  int code = -1;
  const std::string out = run_capture("node '" + std::string(HANGU_SOURCE_DIR) + "/bench/onnx/ort.js' '" + model +
                                          "' '" + net.input + "' --out '" + dir.file("ort.npy") + "' --warmup 0 --iters 1",
                                      &code);
  ASSERT_EQ(code, 0) << out;
  const double d = relative_diff(io::load_npy(dir.file("ort.npy")), net.logits);
  std::printf("ONNX Runtime vs native LeNet: max difference %.3g of the largest logit\n", d);
  EXPECT_LE(d, 1e-5);
}

// Issue 7: an image classifier folder (what `hangu train --data FOLDER` writes) exported with
// `hangu export --model DIR --onnx OUT`: the runtime gives the model's own logits (batch norm in
// inference form included, with running statistics other than the initial 0 / 1), and the file
// carries the class names and the preprocessing.
void check_image_folder_export(const std::string& model, double tolerance) {
  TempDir dir;
  manual_seed(6);
  auto net = models::create(model, 3);
  Generator gen(7);
  int batch_norms = 0;
  for (auto& [name, m] : net->named_modules())
    if (auto* bn = dynamic_cast<nn::BatchNorm2d*>(m.get())) {
      copy_(bn->running_mean, mul(randn(IntList(bn->running_mean.shape()), DType::f32, &gen), Scalar(0.2)));
      copy_(bn->running_var, add(rand(IntList(bn->running_var.shape()), DType::f32, &gen), Scalar(0.5)));
      ++batch_norms;
    }
  EXPECT_GE(batch_norms, 4) << model;
  net->eval();
  const std::string folder = dir.file("pigs-model");
  fs::create_directories(folder);
  {
    // model.json as `hangu train --data` writes it (cli/image_model.h).
    std::ofstream f(folder + "/model.json");
    f << R"({"format": "hangu-image-classifier", "version": 1, "model": ")" << model
      << R"(", "weights": "model.safetensors", "classes": ["一号猪", "二号猪", "三号猪"],
            "preprocessing": {"resize_shorter_side": 32, "center_crop": 32, "color": "RGB", "scale": "pixel / 255",
                              "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}})";
  }
  nn::save_weights(*net, folder + "/model.safetensors");

  const Shape shape{2, 3, 32, 32};
  Tensor x = randn(IntList(shape), DType::f32, &gen);
  Tensor logits;
  {
    NoGradGuard no_grad;
    logits = (*net)(x);
  }
  const std::string out = dir.file("pigs.onnx");
  auto e = run_hangu("export --model '" + folder + "' --onnx '" + out + "' --json");
  ASSERT_EQ(e.code, 0) << e.out;
  EXPECT_EQ(io::Json::parse(e.out, "stdout").find("model")->as_string(), model);
  const onnx::Model m = onnx::load_model(out);
  EXPECT_EQ(m.metadata.at("hangu:classes"), "[\"一号猪\",\"二号猪\",\"三号猪\"]");
  EXPECT_TRUE(contains(m.metadata.at("hangu:preprocessing"), "\"mean\"")) << m.metadata.at("hangu:preprocessing");
  EXPECT_EQ(dims_text(m.graph.inputs[0].type), "batch,3,32,32");

  io::save_npy(dir.file("x.npy"), x);
  auto r = run_hangu("run '" + out + "' --input input='" + dir.file("x.npy") + "' --output-dir '" + dir.file("o") + "'");
  ASSERT_EQ(r.code, 0) << r.out;
  const double d = relative_diff(io::load_npy(dir.file("o/logits.npy")), logits);
  std::printf("exported %s vs native: max difference %.3g of the largest logit\n", model.c_str(), d);
  EXPECT_LE(d, tolerance) << model;
}

TEST(OnnxExport, ImageClassifierFolder) {
  check_image_folder_export("cnn", 1e-5);
  // A folder that is not a model exits 2 with one line.
  TempDir dir;
  auto bad = run_hangu("export --model '" + dir.file("nothing") + "' --onnx '" + dir.file("x.onnx") + "'",
                       "en_US.UTF-8", "2>&1 >/dev/null");
  EXPECT_EQ(bad.code, 2) << bad.out;
  EXPECT_EQ(count_lines(bad.out), 1) << bad.out;
}

// The torchvision ResNets (basic blocks and bottlenecks, downsampling shortcuts, the padded max
// pool), as trained with `hangu train --data FOLDER --model resnet18|resnet34|resnet50`.
TEST(OnnxExport, ResNetFolders) {
  check_image_folder_export("resnet18", 1e-4);
  check_image_folder_export("resnet50", 1e-4);
}

// MobileNetV2: depthwise convolutions, ReLU6 as Clip, inverted residuals, dropout dropped.
TEST(OnnxExport, MobileNetV2Folder) { check_image_folder_export("mobilenet_v2", 1e-4); }

// A model the exporter does not know (yet) exits 2 naming the models it knows.
TEST(OnnxExport, UnsupportedImageModelIsNamed) {
  TempDir dir;
  manual_seed(6);
  auto net = models::create("vit_tiny", 3, 32);
  const std::string folder = dir.file("m");
  fs::create_directories(folder);
  {
    std::ofstream f(folder + "/model.json");
    f << R"({"format": "hangu-image-classifier", "version": 1, "model": "vit_tiny",
            "weights": "model.safetensors", "classes": ["a", "b", "c"],
            "preprocessing": {"resize_shorter_side": 32, "center_crop": 32, "color": "RGB", "scale": "pixel / 255",
                              "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}})";
  }
  nn::save_weights(*net, folder + "/model.safetensors");
  auto bad = run_hangu("export --model '" + folder + "' --onnx '" + dir.file("x.onnx") + "'", "en_US.UTF-8",
                       "2>&1 >/dev/null");
  EXPECT_EQ(bad.code, 2) << bad.out;
  EXPECT_EQ(count_lines(bad.out), 1) << bad.out;
  EXPECT_TRUE(contains(bad.out, "cnn, resnet18, resnet34, resnet50, mobilenet_v2")) << bad.out;
}

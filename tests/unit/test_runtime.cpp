// The ONNX runtime on graphs built in memory: graph checks (order, cycles, undefined inputs,
// unknown ops), the passes (each compared with the unoptimised graph and with hangu's own ops),
// the memory planner, dynamic batch, sub-graphs, input checks, and the run/bench/onnx-test CLI.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli_util.h"
#include "hangu/hangu.h"
#include "hangu/io/json.h"
#include "hangu/io/npy.h"
#include "hangu/io/onnx/model.h"
#include "hangu/io/onnx/wire.h"
#include "hangu/kernels/cpu/isa.h"
#include "hangu/runtime/session.h"
#include "test_util.h"

namespace hangu {
namespace {

namespace onnx = io::onnx;
using runtime::Session;
using runtime::SessionOptions;
using runtime::Value;

onnx::Attribute attr_int(const std::string& name, int64_t v) {
  onnx::Attribute a;
  a.name = name;
  a.type = onnx::Attribute::Type::i;
  a.i = v;
  return a;
}

onnx::Attribute attr_float(const std::string& name, float v) {
  onnx::Attribute a;
  a.name = name;
  a.type = onnx::Attribute::Type::f;
  a.f = v;
  return a;
}

onnx::Attribute attr_ints(const std::string& name, std::vector<int64_t> v) {
  onnx::Attribute a;
  a.name = name;
  a.type = onnx::Attribute::Type::ints;
  a.ints = std::move(v);
  return a;
}

onnx::Attribute attr_graph(const std::string& name, onnx::Graph g) {
  onnx::Attribute a;
  a.name = name;
  a.type = onnx::Attribute::Type::g;
  a.g = std::make_shared<onnx::Graph>(std::move(g));
  return a;
}

onnx::Node node(const std::string& op, std::vector<std::string> in, std::vector<std::string> out,
                std::vector<onnx::Attribute> attrs = {}, const std::string& name = "") {
  onnx::Node n;
  n.op_type = op;
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  n.attributes = std::move(attrs);
  n.name = name.empty() ? out.empty() ? op : out[0] + "_" + op : name;
  if (name.empty() && !n.outputs.empty()) n.name = n.outputs[0] + "_" + op;
  return n;
}

// A tensor value info; dims < 0 are symbolic ("N").
onnx::ValueInfo value_info(const std::string& name, std::vector<int64_t> dims, onnx::ElemType t = onnx::ElemType::float32) {
  onnx::ValueInfo v;
  v.name = name;
  v.type.kind = onnx::TypeInfo::Kind::tensor;
  v.type.elem_type = t;
  std::vector<onnx::Dim> ds;
  for (int64_t d : dims) {
    onnx::Dim dim;
    if (d >= 0) dim.value = d;
    else dim.param = "N";
    ds.push_back(dim);
  }
  v.type.shape = ds;
  return v;
}

onnx::ValueInfo any_value(const std::string& name) {
  onnx::ValueInfo v;
  v.name = name;
  return v;
}

onnx::TensorValue initializer(const std::string& name, const Tensor& t) {
  onnx::TensorValue v;
  v.name = name;
  v.elem_type = onnx::dtype_elem_type(t.dtype());
  v.dims = t.shape();
  v.tensor = t;
  return v;
}

// TensorProto bytes (dims, data_type, name, raw_data) of a contiguous tensor, as the cases store them.
std::string tensor_proto(const std::string& name, const Tensor& t) {
  onnx::wire::Writer w;
  const Tensor c = contiguous(t);
  w.packed(1, IntList(c.shape()));
  w.int64(2, static_cast<int64_t>(onnx::dtype_elem_type(c.dtype())));
  w.bytes(8, name);
  w.bytes(9, c.data(), static_cast<size_t>(c.nbytes()));
  return w.take();
}

onnx::Model model_of(onnx::Graph g, int64_t opset = 13) {
  onnx::Model m;
  m.ir_version = 8;
  m.opset_imports.push_back({"", opset});
  m.graph = std::move(g);
  return m;
}

Tensor run1(const Session& s, const std::map<std::string, Tensor>& in) { return s.run(in).begin()->second; }

void expect_close(const Tensor& got, const Tensor& want, double tol) {
  ASSERT_EQ(got.shape(), want.shape());
  ASSERT_EQ(got.dtype(), want.dtype());
  std::vector<double> g = to_vector<double>(got), w = to_vector<double>(want);
  for (size_t i = 0; i < g.size(); ++i) ASSERT_NEAR(g[i], w[i], tol * (1 + std::fabs(w[i]))) << "at " << i;
}

// ---- graph building and checks ----------------------------------------------------------------

TEST(RuntimeGraph, NodesListedOutOfOrderRunInTopologicalOrder) {
  onnx::Graph g;
  g.inputs = {value_info("x", {2, 3})};
  g.outputs = {any_value("c")};
  g.nodes = {node("Neg", {"b"}, {"c"}), node("Exp", {"x"}, {"a"}), node("Add", {"a", "x"}, {"b"})};
  Session s(model_of(g), SessionOptions{false, true});
  const auto& nodes = s.graph().nodes;
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[0].op_type, "Exp");
  EXPECT_EQ(nodes[1].op_type, "Add");
  EXPECT_EQ(nodes[2].op_type, "Neg");
  Tensor x = randn({2, 3});
  test_util::expect_same(run1(s, {{"x", x}}), neg(add(exp(x), x)));
}

TEST(RuntimeGraph, CycleIsAFormatErrorNamingANode) {
  onnx::Graph g;
  g.inputs = {value_info("x", {2})};
  g.outputs = {any_value("c")};
  g.nodes = {node("Add", {"x", "c"}, {"b"}, {}, "first"), node("Neg", {"b"}, {"c"}, {}, "second")};
  test_util::expect_error_mentions<FormatError>([&] { Session s(model_of(g)); }, {"cycle", "first"});
}

TEST(RuntimeGraph, UndefinedInputIsAFormatErrorNamingNodeAndInput) {
  onnx::Graph g;
  g.inputs = {value_info("x", {2})};
  g.outputs = {any_value("y")};
  g.nodes = {node("Add", {"x", "nowhere"}, {"y"}, {}, "adder")};
  test_util::expect_error_mentions<FormatError>([&] { Session s(model_of(g)); }, {"adder", "nowhere"});
}

TEST(RuntimeGraph, DuplicateDefinitionAndUnknownOpAreRefused) {
  onnx::Graph g;
  g.inputs = {value_info("x", {2})};
  g.outputs = {any_value("y")};
  g.nodes = {node("Neg", {"x"}, {"y"}), node("Exp", {"x"}, {"y"})};
  test_util::expect_error_mentions<FormatError>([&] { Session s(model_of(g)); }, {"'y'"});
  g.nodes = {node("NoSuchOp", {"x"}, {"y"})};
  test_util::expect_error_mentions<Unsupported>([&] { Session s(model_of(g)); }, {"NoSuchOp"});
}

TEST(RuntimeGraph, ErrorsHaveChineseText) {
  onnx::Graph g;
  g.inputs = {value_info("x", {2})};
  g.outputs = {any_value("y")};
  g.nodes = {node("Add", {"x", "nowhere"}, {"y"}, {}, "adder")};
  set_language(Lang::zh);
  std::string m = test_util::error_text<FormatError>([&] { Session s(model_of(g)); });
  set_language(Lang::en);
  EXPECT_NE(m.find("未被"), std::string::npos) << m;
  EXPECT_NE(m.find("nowhere"), std::string::npos) << m;
}

// ---- passes -----------------------------------------------------------------------------------

TEST(RuntimePasses, ConstantFoldingGivesTheSameOutputs) {
  Tensor w = randn({3});
  onnx::Graph g;
  g.inputs = {value_info("x", {-1, 3})};
  g.outputs = {any_value("y")};
  g.initializers = {initializer("w", w)};
  g.nodes = {node("Exp", {"w"}, {"ew"}), node("Neg", {"ew"}, {"nw"}), node("Shape", {"x"}, {"sx"}),
             node("Mul", {"x", "nw"}, {"y"})};
  Session plain(model_of(g), SessionOptions{false, true});
  Session folded(model_of(g));
  EXPECT_EQ(folded.pass_stats().folded, 2);  // Exp and Neg of the initializer
  EXPECT_EQ(folded.pass_stats().removed, 1); // Shape: nobody reads it
  EXPECT_EQ(folded.graph().nodes.size(), 1u);
  Tensor x = randn({4, 3});
  Tensor a = run1(plain, {{"x", x}}), b = run1(folded, {{"x", x}});
  EXPECT_TRUE(test_util::same_bits(a, b));
  test_util::expect_same(a, mul(x, neg(exp(w))));
}

TEST(RuntimePasses, ConvBatchNormReluFoldMatchesUnfolded) {
  manual_seed(3);
  Tensor w = randn({4, 3, 3, 3}), b = randn({4});
  Tensor gamma = rand({4}), beta = randn({4}), mean = randn({4}), var = add(rand({4}), Scalar(0.5));
  onnx::Graph g;
  g.inputs = {value_info("x", {-1, 3, 8, 8})};
  g.outputs = {any_value("y")};
  g.initializers = {initializer("w", w), initializer("b", b), initializer("gamma", gamma), initializer("beta", beta),
                    initializer("mean", mean), initializer("var", var)};
  g.nodes = {node("Conv", {"x", "w", "b"}, {"c"}, {attr_ints("pads", {1, 1, 1, 1}), attr_ints("strides", {1, 1})}),
             node("BatchNormalization", {"c", "gamma", "beta", "mean", "var"}, {"bn"}, {attr_float("epsilon", 1e-5f)}),
             node("Relu", {"bn"}, {"y"})};
  Session plain(model_of(g), SessionOptions{false, true});
  Session opt(model_of(g));
  EXPECT_EQ(opt.pass_stats().conv_bn, 1);
  EXPECT_EQ(opt.pass_stats().fused, 1);
  ASSERT_EQ(opt.graph().nodes.size(), 1u);
  EXPECT_EQ(opt.graph().nodes[0].op_type, "Conv");
  Tensor x = randn({2, 3, 8, 8});
  Tensor ref = relu(batch_norm(conv2d(x, w, b, {1, 1}, {1, 1}), mean, var, gamma, beta, false, 0.1, 1e-5));
  expect_close(run1(plain, {{"x", x}}), ref, 1e-5);
  expect_close(run1(opt, {{"x", x}}), ref, 1e-5);
}

// Constant Conv weights are packed once for the kernels (Node::prepared): batch 1 on 7 x 7 takes
// the channel-vectorised kernel with them (without them it would not). Same results as the
// unoptimised session and as the op, at every level; a level change after loading (the packing
// then does not fit) falls back to the plain path.
TEST(RuntimePasses, ConvWeightsArePackedOnceAndGiveTheSameResults) {
  manual_seed(5);
  Tensor w = randn({64, 32, 3, 3}), b = randn({64});
  onnx::Graph g;
  g.inputs = {value_info("x", {-1, 32, 7, 7})};
  g.outputs = {any_value("y")};
  g.initializers = {initializer("w", w), initializer("b", b)};
  g.nodes = {node("Conv", {"x", "w", "b"}, {"y"}, {attr_ints("pads", {1, 1, 1, 1})})};
  Tensor x = randn({1, 32, 7, 7});
  const Tensor ref = conv2d(to(x, DType::f64), to(w, DType::f64), to(b, DType::f64), {1, 1}, {1, 1});
  for (kernels::Isa load_isa : {kernels::Isa::avx2, kernels::Isa::avx512}) {
    if (!kernels::isa_supported(load_isa)) continue;
    std::unique_ptr<Session> opt;
    {
      kernels::IsaGuard guard(load_isa);
      opt = std::make_unique<Session>(model_of(g));
    }
    EXPECT_EQ(opt->pass_stats().prepacked, 1) << kernels::isa_name(load_isa);
    ASSERT_TRUE(opt->graph().nodes[0].prepared != nullptr);
    for (kernels::Isa run_isa : {kernels::Isa::reference, kernels::Isa::avx2, kernels::Isa::avx512}) {
      if (!kernels::isa_supported(run_isa)) continue;
      kernels::IsaGuard guard(run_isa);
      Session plain(model_of(g), SessionOptions{false, true});
      expect_close(run1(*opt, {{"x", x}}), to(ref, DType::f32), 2e-5);
      expect_close(run1(plain, {{"x", x}}), to(ref, DType::f32), 2e-5);
    }
  }
}

TEST(RuntimePasses, MatMulBiasReluAndGemmReluFuse) {
  Tensor w = randn({5, 4}), bias = randn({4}), w2 = randn({3, 4});
  onnx::Graph g;
  g.inputs = {value_info("x", {-1, 5})};
  g.outputs = {any_value("y")};
  g.initializers = {initializer("w", w), initializer("bias", bias), initializer("w2", w2)};
  g.nodes = {node("MatMul", {"x", "w"}, {"m"}), node("Add", {"m", "bias"}, {"a"}), node("Relu", {"a"}, {"r"}),
             node("Gemm", {"r", "w2"}, {"gm"}, {attr_int("transB", 1)}), node("Relu", {"gm"}, {"y"})};
  Session plain(model_of(g), SessionOptions{false, true});
  Session opt(model_of(g));
  EXPECT_EQ(opt.pass_stats().fused, 3);  // bias add + relu on MatMul, relu on Gemm
  ASSERT_EQ(opt.graph().nodes.size(), 2u);
  EXPECT_EQ(opt.graph().nodes[0].op_type, "FusedMatMul");
  Tensor x = randn({6, 5});
  Tensor ref = relu(mm(relu(add(mm(x, w), bias)), t(w2)));
  expect_close(run1(plain, {{"x", x}}), ref, 1e-5);
  expect_close(run1(opt, {{"x", x}}), ref, 1e-5);
}

TEST(RuntimePasses, ResidualAddReluFuses) {
  onnx::Graph g;
  g.inputs = {value_info("a", {2, 8}), value_info("b", {2, 8})};
  g.outputs = {any_value("y")};
  g.nodes = {node("Exp", {"a"}, {"e"}), node("Add", {"e", "b"}, {"s"}), node("Relu", {"s"}, {"y"})};
  Session opt(model_of(g));
  EXPECT_EQ(opt.pass_stats().fused, 1);
  ASSERT_EQ(opt.graph().nodes.size(), 2u);
  EXPECT_EQ(opt.graph().nodes[1].op_type, "FusedAdd");
  Tensor a = randn({2, 8}), b = randn({2, 8});
  test_util::expect_same(opt.run({{"a", a}, {"b", b}})["y"], relu(add(exp(a), b)));
}

// ---- memory planning --------------------------------------------------------------------------

TEST(RuntimeMemory, IntermediatesAreFreedAfterTheirLastUse) {
  onnx::Graph g;
  g.inputs = {value_info("x", {64, 64})};
  g.outputs = {any_value("v20")};
  std::string prev = "x";
  for (int i = 1; i <= 20; ++i) {
    std::string out = "v";
    out += std::to_string(i);  // (GCC 12 misreports "v" + to_string under -Wrestrict)
    g.nodes.push_back(node(i % 2 ? "Neg" : "Exp", {prev}, {out}));
    prev = out;
  }
  Session s(model_of(g));
  runtime::RunStats st;
  Tensor x = rand({64, 64});
  std::vector<Value> outs = s.run_values({{"x", Value(x)}}, &st);
  EXPECT_EQ(st.nodes_run, 20);
  EXPECT_EQ(st.released, 19);         // every intermediate but the output
  EXPECT_LE(st.peak_live_values, 2);  // without the plan all 20 would stay alive
  EXPECT_LE(st.peak_live_bytes, 2 * 64 * 64 * 4);
  Tensor ref = x;
  for (int i = 1; i <= 20; ++i) ref = i % 2 ? neg(ref) : exp(ref);
  test_util::expect_same(outs[0].tensor(), ref);
}

TEST(RuntimeMemory, AValueReadTwiceLivesUntilItsLastReader) {
  onnx::Graph g;
  g.inputs = {value_info("x", {8})};
  g.outputs = {any_value("y")};
  g.nodes = {node("Exp", {"x"}, {"a"}), node("Neg", {"a"}, {"b"}), node("Neg", {"b"}, {"c"}), node("Add", {"a", "c"}, {"y"})};
  Session s(model_of(g), SessionOptions{false, true});
  const auto& nodes = s.graph().nodes;
  const int32_t a = s.graph().find("a");
  for (size_t i = 0; i + 1 < nodes.size(); ++i)
    for (int32_t r : nodes[i].release_after) EXPECT_NE(r, a) << "freed after node " << i;
  Tensor x = randn({8});
  test_util::expect_same(run1(s, {{"x", x}}), add(exp(x), neg(neg(exp(x)))));
}

// ---- inputs, batch and sub-graphs -------------------------------------------------------------

TEST(RuntimeSession, DynamicBatchAndInputChecks) {
  Tensor w = randn({3, 2});
  onnx::Graph g;
  g.inputs = {value_info("x", {-1, 3})};
  g.outputs = {any_value("y")};
  g.initializers = {initializer("w", w)};
  g.nodes = {node("MatMul", {"x", "w"}, {"y"})};
  Session s(model_of(g));
  EXPECT_EQ(s.input_names(), std::vector<std::string>{"x"});
  for (int64_t n : {1, 5, 7}) {
    Tensor x = randn({n, 3});
    expect_close(run1(s, {{"x", x}}), mm(x, w), 1e-6);
  }
  test_util::expect_error_mentions<ValueError>([&] { s.run({{"nope", randn({1, 3})}}); }, {"nope", "x"});
  test_util::expect_error_mentions<ValueError>([&] { s.run({}); }, {"'x'"});
  test_util::expect_error_mentions<DTypeError>([&] { s.run({{"x", randn({1, 3}, DType::f64)}}); }, {"float64", "float32"});
  test_util::expect_error_mentions<ShapeError>([&] { s.run({{"x", randn({2, 4})}}); }, {"[2, 4]", "[N, 3]"});
}

TEST(RuntimeSession, IfAndLoopReadOuterScopeValues) {
  // If(cond) then: x + k else: x - k, with k from the outer graph.
  onnx::Graph then_g, else_g;
  then_g.outputs = {any_value("t")};
  then_g.nodes = {node("Add", {"x", "k"}, {"t"})};
  else_g.outputs = {any_value("e")};
  else_g.nodes = {node("Sub", {"x", "k"}, {"e"})};
  onnx::Graph g;
  g.inputs = {value_info("x", {3}), value_info("cond", {}, onnx::ElemType::boolean)};
  g.outputs = {any_value("y")};
  g.initializers = {initializer("k", full_like(zeros({3}), Scalar(2.0)))};
  g.nodes = {node("If", {"cond"}, {"y"}, {attr_graph("then_branch", then_g), attr_graph("else_branch", else_g)})};
  Session s(model_of(g));
  Tensor x = randn({3});
  test_util::expect_same(run1(s, {{"x", x}, {"cond", scalar_tensor(true, DType::boolean)}}), add(x, Scalar(2.0)));
  test_util::expect_same(run1(s, {{"x", x}, {"cond", scalar_tensor(false, DType::boolean)}}), sub(x, Scalar(2.0)));

  // Loop 4 times: acc = acc * x (x from the outer scope), scan output the running acc.
  onnx::Graph body;
  body.inputs = {value_info("i", {}, onnx::ElemType::int64), value_info("c", {}, onnx::ElemType::boolean), any_value("acc")};
  body.outputs = {any_value("c_out"), any_value("acc_out"), any_value("scan")};
  body.nodes = {node("Identity", {"c"}, {"c_out"}), node("Mul", {"acc", "x"}, {"acc_out"}), node("Identity", {"acc_out"}, {"scan"})};
  onnx::Graph lg;
  lg.inputs = {value_info("x", {3}), value_info("acc0", {3})};
  lg.outputs = {any_value("final"), any_value("all")};
  lg.initializers = {initializer("trips", scalar_tensor(4, DType::i64))};
  lg.nodes = {node("Loop", {"trips", "", "acc0"}, {"final", "all"}, {attr_graph("body", body)})};
  Session ls(model_of(lg));
  Tensor acc0 = randn({3});
  auto outs = ls.run({{"x", x}, {"acc0", acc0}});
  Tensor ref = acc0;
  std::vector<Tensor> steps;
  for (int i = 0; i < 4; ++i) {
    ref = mul(ref, x);
    steps.push_back(ref);
  }
  test_util::expect_same(outs["final"], ref);
  test_util::expect_same(outs["all"], stack(steps, 0));
}

// ---- files and the CLI ------------------------------------------------------------------------

std::string temp_dir(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() / ("hangu_rt_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

onnx::Model small_mlp(const Tensor& w, const Tensor& b) {
  onnx::Graph g;
  g.name = "mlp";
  g.inputs = {value_info("input", {-1, 4})};
  g.outputs = {value_info("logits", {-1, 3})};
  g.initializers = {initializer("w", w), initializer("b", b)};
  g.nodes = {node("Gemm", {"input", "w", "b"}, {"h"}, {attr_int("transB", 1)}), node("Relu", {"h"}, {"logits"})};
  return model_of(g);
}

TEST(RuntimeCli, RunWritesEachOutputAsNpy) {
  const std::string dir = temp_dir("run");
  Tensor w = randn({3, 4}), b = randn({3}), x = randn({5, 4});
  onnx::save_model(small_mlp(w, b), dir + "/mlp.onnx");
  io::save_npy(dir + "/x.npy", x);
  auto r = test_cli::run_hangu("run " + dir + "/mlp.onnx --input input=" + dir + "/x.npy --output-dir " + dir + "/out --json");
  ASSERT_EQ(r.code, 0) << r.out;
  io::Json j = io::Json::parse(r.out, "stdout");
  EXPECT_EQ(j.find("outputs")->as_array().at(0).find("name")->as_string(), "logits");
  expect_close(io::load_npy(dir + "/out/logits.npy"), relu(addmm(b, x, t(w))), 1e-6);
  // Session from the file gives the same as the in-memory model.
  Session s(dir + "/mlp.onnx");
  test_util::expect_same(run1(s, {{"input", x}}), run1(Session(small_mlp(w, b)), {{"input", x}}));
  // Bad input: exit 2 with one line, in Chinese too.
  r = test_cli::run_hangu("run " + dir + "/mlp.onnx --input nope=" + dir + "/x.npy --output-dir " + dir + "/out");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(test_cli::count_lines(r.out), 1) << r.out;
  EXPECT_TRUE(test_cli::contains(r.out, "nope")) << r.out;
  r = test_cli::run_hangu("运行 " + dir + "/mlp.onnx --output-dir " + dir + "/out", "zh_CN.UTF-8");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(test_cli::contains(r.out, "未提供模型输入")) << r.out;
  std::filesystem::remove_all(dir);
}

TEST(RuntimeCli, CyclicOrUndefinedGraphsExitTwoWithOneLine) {
  const std::string dir = temp_dir("bad");
  onnx::Graph g;
  g.inputs = {value_info("x", {2})};
  g.outputs = {any_value("c")};
  g.nodes = {node("Add", {"x", "c"}, {"b"}, {}, "loop_a"), node("Neg", {"b"}, {"c"}, {}, "loop_b")};
  onnx::save_model(model_of(g), dir + "/cycle.onnx");
  g.nodes = {node("Add", {"x", "ghost"}, {"c"}, {}, "adder")};
  onnx::save_model(model_of(g), dir + "/undefined.onnx");
  io::save_npy(dir + "/x.npy", randn({2}));
  for (const char* m : {"cycle", "undefined"}) {
    for (const char* lang : {"en_US.UTF-8", "zh_CN.UTF-8"}) {
      auto r = test_cli::run_hangu(std::string("run ") + dir + "/" + m + ".onnx --input x=" + dir + "/x.npy --output-dir " + dir + "/o", lang);
      EXPECT_EQ(r.code, 2) << r.out;
      EXPECT_EQ(test_cli::count_lines(r.out), 1) << r.out;
      EXPECT_TRUE(test_cli::contains(r.out, std::string(m) == "cycle" ? "loop_" : "ghost")) << r.out;
    }
  }
  std::filesystem::remove_all(dir);
}

TEST(RuntimeCli, BenchReportsMinAndMedian) {
  const std::string dir = temp_dir("bench");
  onnx::save_model(small_mlp(randn({3, 4}), randn({3})), dir + "/mlp.onnx");
  auto r = test_cli::run_hangu("bench " + dir + "/mlp.onnx --warmup 1 --iters 3 --threads 1 --json");
  ASSERT_EQ(r.code, 0) << r.out;
  io::Json j = io::Json::parse(r.out, "stdout");
  EXPECT_GT(j.find("min_ms")->as_double(), 0.0);
  EXPECT_GE(j.find("median_ms")->as_double(), j.find("min_ms")->as_double());
  EXPECT_EQ(j.find("iters")->as_int(), 3);
  EXPECT_EQ(j.find("profile"), nullptr);
  // --profile: the time per operator type (Gemm with its Relu fused: one node).
  r = test_cli::run_hangu("bench " + dir + "/mlp.onnx --warmup 1 --iters 3 --threads 1 --profile --json");
  ASSERT_EQ(r.code, 0) << r.out;
  j = io::Json::parse(r.out, "stdout");
  const io::Json::Array& ops = j.find("profile")->as_array();
  ASSERT_EQ(ops.size(), 1u) << r.out;
  EXPECT_EQ(ops[0].find("op")->as_string(), "Gemm");
  EXPECT_EQ(ops[0].find("nodes")->as_int(), 1);
  EXPECT_GT(ops[0].find("ms")->as_double(), 0.0);
  r = test_cli::run_hangu("--lang zh bench " + dir + "/mlp.onnx --warmup 0 --iters 2 --profile");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("Gemm：每次运行"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("节点数 1"), std::string::npos) << r.out;
  std::filesystem::remove_all(dir);
}

TEST(RuntimeCli, OnnxTestReportsPassFailAndSkipWithReasons) {
  const std::string dir = temp_dir("cases");
  // A passing case, a failing case (wrong expected output) and a skipped one (unknown op).
  Tensor w = randn({3, 4}), b = randn({3}), x = randn({2, 4});
  auto write_case = [&](const std::string& name, const onnx::Model& m, const Tensor& want) {
    const std::string c = dir + "/" + name;
    std::filesystem::create_directories(c + "/test_data_set_0");
    onnx::save_model(m, c + "/model.onnx");
    std::ofstream(c + "/test_data_set_0/input_0.pb", std::ios::binary) << tensor_proto("input", x);
    std::ofstream(c + "/test_data_set_0/output_0.pb", std::ios::binary) << tensor_proto("logits", want);
  };
  Tensor good = relu(addmm(b, x, t(w)));
  write_case("case_pass", small_mlp(w, b), good);
  write_case("case_fail", small_mlp(w, b), add(good, Scalar(1.0)));
  onnx::Model odd = small_mlp(w, b);
  odd.graph.nodes[1].op_type = "NoSuchOp";
  write_case("case_skip", odd, good);
  auto r = test_cli::run_hangu("onnx-test " + dir + " --json");
  EXPECT_EQ(r.code, 1) << r.out;
  io::Json j = io::Json::parse(r.out, "stdout");
  EXPECT_EQ(j.find("total")->as_int(), 3);
  EXPECT_EQ(j.find("passed")->as_int(), 1);
  EXPECT_EQ(j.find("failed")->as_int(), 1);
  EXPECT_EQ(j.find("skipped")->as_int(), 1);
  const auto& cases = j.find("cases")->as_array();
  EXPECT_EQ(cases[0].find("name")->as_string(), "case_fail");
  EXPECT_EQ(cases[0].find("status")->as_string(), "fail");
  EXPECT_TRUE(test_cli::contains(cases[0].find("reason")->as_string(), "logits")) << cases[0].find("reason")->as_string();
  EXPECT_EQ(cases[1].find("status")->as_string(), "pass");
  EXPECT_EQ(cases[2].find("status")->as_string(), "skip");
  EXPECT_TRUE(test_cli::contains(cases[2].find("reason")->as_string(), "NoSuchOp"));
  r = test_cli::run_hangu("一致性测试 " + dir + "/case_pass");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(test_cli::contains(r.out, "PASS  case_pass")) << r.out;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hangu

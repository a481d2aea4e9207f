// nn: Module bookkeeping (names, order, state dicts, train/eval, to, zero_grad), initialisers,
// and every layer and loss against PyTorch 1.13 fixtures (tools/gen_nn_fixtures.py).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "hangu/autograd/gradcheck.h"
#include "hangu/nn/nn.h"
#include "hangu/ops/views.h"
#include "nn_parity.h"
#include "test_util.h"

namespace hangu {
namespace {

using namespace hangu::nn;
using nn_test::check_layer_parity;
using nn_test::expect_close;
using nn_test::fixture_tensor;
using test_util::expect_error_mentions;

// The fixture's "<model> <key> <shape>" lines for one model.
std::vector<std::string> fixture_keys(const std::string& model) {
  std::ifstream in(std::string(HANGU_FIXTURE_DIR) + "/nn/state_dict_keys.txt");
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(model + " ", 0) == 0) out.push_back(line.substr(model.size() + 1));
  }
  return out;
}

std::vector<std::string> keys_of(const StateDict& d) {
  std::vector<std::string> out;
  for (const auto& [k, t] : d) out.push_back(k + " " + shape_str(t.shape()));
  return out;
}

// PyTorch's nested() in the generator.
std::shared_ptr<Sequential> make_nested() {
  auto inner = std::make_shared<Sequential>();
  inner->push_back(std::make_shared<BatchNorm1d>(8))
      .push_back(std::make_shared<ReLU>())
      .push_back(std::make_shared<Linear>(8, 2));
  auto list = std::make_shared<ModuleList>();
  list->push_back(std::make_shared<LayerNorm>(std::vector<int64_t>{2}));
  list->push_back(std::make_shared<Conv2d>(2, 2, IntVec{1}, IntVec{1}, IntVec{0}, IntVec{1}, 1, false));
  return std::make_shared<Sequential>(std::vector<ModulePtr>{std::make_shared<Linear>(4, 8), inner, list});
}

// ---- Module bookkeeping ----

TEST(Module, NestedStateDictMatchesPyTorchOrder) {
  auto m = make_nested();
  EXPECT_EQ(keys_of(m->state_dict()), fixture_keys("nested"));
}

TEST(Module, NamedParametersBuffersAndModules) {
  auto m = make_nested();
  std::vector<std::string> params, buffers, modules;
  for (auto& [n, t] : m->named_parameters()) {
    params.push_back(n);
    EXPECT_TRUE(t.requires_grad()) << n;
  }
  for (auto& [n, t] : m->named_buffers()) buffers.push_back(n);
  for (auto& [n, c] : m->named_modules()) modules.push_back(n + ":" + c->name());
  EXPECT_EQ(params, (std::vector<std::string>{"0.weight", "0.bias", "1.0.weight", "1.0.bias", "1.2.weight", "1.2.bias",
                                              "2.0.weight", "2.0.bias", "2.1.weight"}));
  EXPECT_EQ(buffers, (std::vector<std::string>{"1.0.running_mean", "1.0.running_var", "1.0.num_batches_tracked"}));
  EXPECT_EQ(modules, (std::vector<std::string>{":Sequential", "0:Linear", "1:Sequential", "1.0:BatchNorm1d", "1.1:ReLU",
                                               "1.2:Linear", "2:ModuleList", "2.0:LayerNorm", "2.1:Conv2d"}));
  EXPECT_EQ(m->parameters(false).size(), 0u);
  EXPECT_EQ(m->children().size(), 3u);
  EXPECT_EQ(m->parameters().size(), 9u);
}

TEST(Module, NonPersistentBufferStaysOutOfStateDict) {
  auto m = std::make_shared<Module>("Custom");
  m->register_parameter("w", zeros({2}));
  m->register_buffer("kept", zeros({1}));
  m->register_buffer("scratch", zeros({3}), false);
  EXPECT_EQ(keys_of(m->state_dict()), (std::vector<std::string>{"w [2]", "kept [1]"}));
  EXPECT_EQ(m->named_buffers().size(), 2u);
}

TEST(Module, RegistrationErrors) {
  auto m = std::make_shared<Module>("Custom");
  m->register_parameter("w", zeros({2}));
  expect_error_mentions<ValueError>([&] { m->register_buffer("w", zeros({2})); }, {"'w'"});
  expect_error_mentions<ValueError>([&] { m->register_parameter("a.b", zeros({2})); }, {"'a.b'"});
  expect_error_mentions<DTypeError>([&] { m->register_parameter("i", zeros({2}, DType::i64)); }, {"int64"});
  expect_error_mentions<Unsupported>([&] { m->forward(zeros({1})); }, {"Custom"});
  expect_error_mentions<ValueError>([&] { m->parameter("nope"); }, {"nope"});
}

TEST(Module, LoadStateDictStrictListsEveryProblem) {
  auto m = make_nested();
  StateDict d = m->state_dict();
  d.erase(d.begin());                        // 0.weight missing
  d.emplace_back("extra.bias", zeros({3}));  // unexpected
  for (auto& [k, t] : d)
    if (k == "1.2.weight") t = zeros({3, 8});  // wrong shape
  try {
    m->load_state_dict(d, true);
    ADD_FAILURE() << "expected StateDictError";
  } catch (const StateDictError& e) {
    std::string msg = e.what();
    for (const char* needle : {"0.weight", "extra.bias", "1.2.weight", "[3, 8]", "[2, 8]", "Sequential"})
      EXPECT_NE(msg.find(needle), std::string::npos) << needle << " not in " << msg;
    EXPECT_EQ(e.missing_keys, std::vector<std::string>{"0.weight"});
    EXPECT_EQ(e.unexpected_keys, std::vector<std::string>{"extra.bias"});
    EXPECT_EQ(e.mismatched_keys.size(), 1u);
    EXPECT_EQ(e.kind(), ErrorKind::value);
  }
}

TEST(Module, LoadStateDictNonStrictReportsAndCopies) {
  auto a = make_nested(), b = make_nested();
  StateDict d = a->state_dict();
  d.erase(d.begin());
  d.emplace_back("extra", zeros({1}));
  LoadResult r = b->load_state_dict(d, false);
  EXPECT_EQ(r.missing_keys, std::vector<std::string>{"0.weight"});
  EXPECT_EQ(r.unexpected_keys, std::vector<std::string>{"extra"});
  StateDict got = b->state_dict(), want = a->state_dict();
  for (size_t i = 1; i < got.size(); ++i)
    EXPECT_TRUE(test_util::same_bits(got[i].second, want[i].second)) << got[i].first;
  // A wrong shape throws even when not strict, and nothing is copied.
  auto c = make_nested();
  Tensor before = clone(c->state_dict()[1].second);
  d[0].second = zeros({8});
  for (auto& [k, t] : d)
    if (k == "1.2.bias") t = zeros({5});
  EXPECT_THROW(c->load_state_dict(d, false), StateDictError);
  EXPECT_TRUE(test_util::same_bits(c->state_dict()[1].second, before));
}

TEST(Module, LoadStateDictConvertsDtypeAndKeepsHandles) {
  auto lin = std::make_shared<Linear>(3, 2);
  Tensor handle = lin->weight;
  StateDict d{{"weight", to(arange(0, 6, 1, DType::f64), DType::f64)}, {"bias", ones({2}, DType::f64)}};
  d[0].second = reshape(d[0].second, {2, 3});
  lin->load_state_dict(d);
  EXPECT_EQ(handle.dtype(), DType::f32);
  EXPECT_TRUE(handle.is_same(lin->parameter("weight")));
  EXPECT_EQ(to_vector<float>(handle), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_TRUE(handle.requires_grad());
}

TEST(Module, ToDtypeConvertsFloatingTensorsInPlace) {
  auto bn = std::make_shared<BatchNorm2d>(3);
  Tensor w = bn->weight;
  bn->to(DType::f64);
  EXPECT_EQ(w.dtype(), DType::f64);
  EXPECT_EQ(bn->running_mean.dtype(), DType::f64);
  EXPECT_EQ(bn->num_batches_tracked.dtype(), DType::i64);
  EXPECT_TRUE(w.requires_grad());
  Tensor y = bn->forward(randn({2, 3, 2, 2}, DType::f64));
  EXPECT_EQ(y.dtype(), DType::f64);
}

TEST(Module, TrainEvalSwitchesBatchNormAndDropout) {
  auto seq = std::make_shared<Sequential>();
  auto bn = std::make_shared<BatchNorm1d>(4);
  auto drop = std::make_shared<Dropout>(0.5);
  seq->push_back(bn).push_back(drop);
  EXPECT_TRUE(bn->is_training());
  Tensor x = add(mul(randn({64, 4}), 3.0), 5.0);
  Tensor y = seq->forward(x);
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 1);
  EXPECT_GT(to_vector<float>(bn->running_mean)[0], 0.1f);  // moved towards 5
  int zeros_seen = 0;
  for (float v : to_vector<float>(y)) zeros_seen += v == 0.0f;
  EXPECT_GT(zeros_seen, 20);

  seq->eval();
  EXPECT_FALSE(bn->is_training());
  EXPECT_FALSE(drop->is_training());
  Tensor mean_before = clone(bn->running_mean);
  Tensor z = seq->forward(x);
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 1);
  EXPECT_TRUE(test_util::same_bits(bn->running_mean, mean_before));
  // Eval: (x - running_mean) / sqrt(running_var + eps), and dropout is the identity.
  Tensor want = div(sub(x, bn->running_mean), sqrt(add(bn->running_var, 1e-5)));
  expect_close(z, want, "eval batchnorm", 1e-5, 1e-6);
  seq->train();
  EXPECT_TRUE(drop->is_training());
}

TEST(Module, ZeroGrad) {
  auto lin = std::make_shared<Linear>(3, 2);
  sum(lin->forward(ones({4, 3}))).backward();
  ASSERT_TRUE(lin->weight.grad().defined());
  EXPECT_EQ(to_vector<float>(lin->bias.grad()), (std::vector<float>{4, 4}));
  lin->zero_grad(false);
  ASSERT_TRUE(lin->weight.grad().defined());
  for (float v : to_vector<float>(lin->weight.grad())) EXPECT_EQ(v, 0.0f);
  lin->zero_grad();
  EXPECT_FALSE(lin->weight.grad().defined());
  EXPECT_FALSE(lin->bias.grad().defined());
}

TEST(Module, Repr) {
  std::string r = make_nested()->repr();
  EXPECT_NE(r.find("(0): Linear(in_features=4, out_features=8, bias=True)"), std::string::npos) << r;
  EXPECT_NE(r.find("  (1): Sequential(\n    (0): BatchNorm1d(8, eps=1e-05, momentum=0.1"), std::string::npos) << r;
  EXPECT_EQ(std::make_shared<ReLU>()->repr(), "ReLU()");
}

TEST(Containers, SequentialModuleListModuleDict) {
  Sequential seq({std::make_shared<Linear>(2, 3), std::make_shared<ReLU>()});
  EXPECT_EQ(seq.size(), 2u);
  EXPECT_EQ(seq[1]->name(), "ReLU");
  EXPECT_THROW(seq[2], IndexError);
  EXPECT_EQ(seq.forward(ones({5, 2})).shape(), (Shape{5, 3}));
  ModuleDict d;
  d.insert("b", std::make_shared<Linear>(1, 1)).insert("a", std::make_shared<Tanh>());
  EXPECT_EQ(d.keys(), (std::vector<std::string>{"b", "a"}));
  d.insert("b", std::make_shared<Identity>());
  EXPECT_EQ(d["b"]->name(), "Identity");
  EXPECT_TRUE(d.contains("a"));
  EXPECT_TRUE(d.state_dict().empty());
}

// ---- init ----

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double std_of(const std::vector<double>& v) {
  double m = mean_of(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

TEST(Init, FanAndGain) {
  auto [fi, fo] = init::calculate_fan_in_and_fan_out(empty({16, 6, 5, 5}));
  EXPECT_EQ(fi, 150);
  EXPECT_EQ(fo, 400);
  EXPECT_DOUBLE_EQ(init::calculate_gain("relu"), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain("leaky_relu", std::sqrt(5.0)), std::sqrt(2.0 / 6.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain("tanh"), 5.0 / 3.0);
  expect_error_mentions<ValueError>([] { init::calculate_fan_in_and_fan_out(empty({3})); }, {"[3]"});
  EXPECT_THROW(init::calculate_gain("bogus"), ValueError);
}

TEST(Init, KaimingAndXavierStatistics) {
  Tensor w = empty({256, 512});
  init::kaiming_uniform_(w, 0.0, "fan_in", "relu");
  std::vector<double> v = to_vector<double>(w);
  double bound = std::sqrt(2.0) * std::sqrt(3.0 / 512.0);
  for (double x : v) ASSERT_LE(std::abs(x), bound);
  EXPECT_NEAR(mean_of(v), 0.0, 0.002);
  EXPECT_NEAR(std_of(v), std::sqrt(2.0 / 512.0), 0.02 * std::sqrt(2.0 / 512.0));

  init::kaiming_normal_(w, 0.0, "fan_out", "relu");
  v = to_vector<double>(w);
  EXPECT_NEAR(std_of(v), std::sqrt(2.0 / 256.0), 0.02 * std::sqrt(2.0 / 256.0));

  init::xavier_uniform_(w);
  v = to_vector<double>(w);
  double xs = std::sqrt(2.0 / (256.0 + 512.0));
  EXPECT_NEAR(std_of(v), xs, 0.02 * xs);
  init::xavier_normal_(w, 2.0);
  EXPECT_NEAR(std_of(to_vector<double>(w)), 2 * xs, 0.04 * xs);
}

TEST(Init, TruncNormalStaysInRange) {
  Tensor w = empty({100000});
  Generator gen(11);
  init::trunc_normal_(w, 1.0, 2.0, -1.0, 3.0, &gen);
  std::vector<double> v = to_vector<double>(w);
  for (double x : v) ASSERT_TRUE(x >= -1.0 && x <= 3.0) << x;
  // N(1, 2) truncated to mean +- 1 std: mean 1, std 2 * 0.5379.
  EXPECT_NEAR(mean_of(v), 1.0, 0.015);
  EXPECT_NEAR(std_of(v), 2.0 * 0.53956, 0.015);
}

TEST(Init, OrthogonalRowsOrColumnsAreOrthonormal) {
  for (Shape shape : {Shape{4, 10}, Shape{10, 4}, Shape{6, 2, 3}}) {
    Tensor w = empty(shape, DType::f64);
    init::orthogonal_(w, 1.0);
    Tensor m = reshape(w, {shape[0], -1});
    bool wide = m.size(0) <= m.size(1);
    Tensor g = wide ? matmul(m, t(m)) : matmul(t(m), m);
    expect_close(g, eye(g.size(0), -1, DType::f64), "orthogonal " + shape_str(shape), 0.0, 1e-12);
  }
}

TEST(Init, DeterministicFromSeed) {
  manual_seed(7);
  auto a = std::make_shared<Linear>(8, 4);
  manual_seed(7);
  auto b = std::make_shared<Linear>(8, 4);
  EXPECT_TRUE(test_util::same_bits(a->weight, b->weight));
  EXPECT_TRUE(test_util::same_bits(a->bias, b->bias));
  Generator g(3);
  Tensor x = init::normal_(empty({5}), 0.0, 1.0, &g);
  g.manual_seed(3);
  EXPECT_TRUE(test_util::same_bits(x, init::normal_(empty({5}), 0.0, 1.0, &g)));
}

TEST(Init, LayerDefaults) {
  auto lin = std::make_shared<Linear>(100, 50);
  double bound = 1.0 / std::sqrt(100.0);
  for (double x : to_vector<double>(lin->weight)) ASSERT_LE(std::abs(x), bound);
  for (double x : to_vector<double>(lin->bias)) ASSERT_LE(std::abs(x), bound);
  EXPECT_NEAR(std_of(to_vector<double>(lin->weight)), bound / std::sqrt(3.0), 0.05 * bound);
  auto emb = std::make_shared<Embedding>(200, 50, -1);
  EXPECT_EQ(*emb->padding_idx, 199);
  std::vector<double> row = to_vector<double>(select(emb->weight, 0, 199));
  for (double x : row) EXPECT_EQ(x, 0.0);
  EXPECT_NEAR(std_of(to_vector<double>(narrow(emb->weight, 0, 0, 199))), 1.0, 0.03);
  auto ln = std::make_shared<LayerNorm>(std::vector<int64_t>{3});
  EXPECT_EQ(to_vector<float>(ln->weight), (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(to_vector<float>(ln->bias), (std::vector<float>{0, 0, 0}));
}

TEST(Layers, ConfigErrors) {
  expect_error_mentions<ValueError>([] { Conv2d(3, 4, IntVec{3}, IntVec{1}, IntVec{0}, IntVec{1}, 2); }, {"3", "2"});
  expect_error_mentions<ValueError>([] { GroupNorm(4, 6); }, {"6", "4"});
  expect_error_mentions<ValueError>([] { MultiheadAttention(10, 3); }, {"10", "3"});
  expect_error_mentions<ValueError>([] { Conv2d(3, 4, IntVec{3}, "full"); }, {"full"});
  expect_error_mentions<ShapeError>([] { BatchNorm2d(3).forward(zeros({2, 3, 4})); }, {"[2, 3, 4]"});
  expect_error_mentions<ShapeError>([] { BatchNorm1d(3).forward(zeros({2, 4})); }, {"[2, 4]"});
}

TEST(Layers, RMSNormMatchesFormula) {
  auto m = std::make_shared<RMSNorm>(std::vector<int64_t>{4}, 1e-6);
  nn::init::normal_(m->weight);
  Tensor x = randn({3, 4}, DType::f32);
  Tensor want = mul(div(x, sqrt(add(mean(mul(x, x), {-1}, true), 1e-6))), m->weight);
  expect_close(m->forward(x), want, "rms_norm", 1e-5, 1e-6);
}

TEST(Layers, BatchNormCumulativeAverageWithoutMomentum) {
  auto bn = std::make_shared<BatchNorm1d>(2, 1e-5, std::nullopt);
  Tensor a = tensor<float>({1, 10, 3, 20}, Shape{2, 2}), b = tensor<float>({5, 0, 7, 2}, Shape{2, 2});
  bn->forward(a);
  bn->forward(b);
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 2);
  // The plain mean of the two batch means: ((2 + 6) / 2, (15 + 1) / 2).
  expect_close(bn->running_mean, tensor<float>({4, 8}), "running_mean", 1e-6);
}

TEST(Layers, UnbatchedInputsMatchBatchOfOne) {
  Tensor x = randn({5, 4});
  auto lstm = std::make_shared<LSTM>(4, 3, 2);
  LSTMOutput u = lstm->forward(x, Tensor(), Tensor());
  LSTMOutput b = lstm->forward(unsqueeze(x, 1), Tensor(), Tensor());
  EXPECT_EQ(u.output.shape(), (Shape{5, 3}));
  EXPECT_EQ(u.h_n.shape(), (Shape{2, 3}));
  expect_close(u.output, squeeze(b.output, 1), "lstm unbatched", 1e-6);
  auto gru = std::make_shared<GRU>(4, 3, 1, true, true);
  GRUOutput g = gru->forward(x, zeros({1, 3}));
  expect_close(g.output, squeeze(gru->forward(unsqueeze(x, 0), Tensor()).output, 0), "gru unbatched", 1e-6);
  EXPECT_THROW(gru->forward(x, zeros({2, 3})), ShapeError);
  auto mha = std::make_shared<MultiheadAttention>(4, 2);
  AttentionOutput mu = mha->forward(x, x, x);
  AttentionOutput mb = mha->forward(unsqueeze(x, 1), unsqueeze(x, 1), unsqueeze(x, 1));
  EXPECT_EQ(mu.weights.shape(), (Shape{5, 5}));
  expect_close(mu.output, squeeze(mb.output, 1), "mha unbatched", 1e-6);
}

TEST(Layers, DropoutIsSeededAndScales) {
  auto d = std::make_shared<Dropout>(0.25);
  manual_seed(5);
  Tensor a = d->forward(ones({1000}));
  manual_seed(5);
  Tensor b = d->forward(ones({1000}));
  EXPECT_TRUE(test_util::same_bits(a, b));
  for (float v : to_vector<float>(a)) EXPECT_TRUE(v == 0.0f || std::abs(v - 1.0f / 0.75f) < 1e-6f) << v;
  EXPECT_THROW(Dropout(1.5), ValueError);
}

// ---- parity with PyTorch ----

TEST(NnParity, Linear) { check_layer_parity("linear", std::make_shared<Linear>(5, 3)); }
TEST(NnParity, Conv1d) { check_layer_parity("conv1d", std::make_shared<Conv1d>(3, 4, 3, 2, 1)); }
TEST(NnParity, Conv1dSame) { check_layer_parity("conv1d_same", std::make_shared<Conv1d>(2, 3, 4, "same")); }
TEST(NnParity, Conv2d) {
  check_layer_parity("conv2d", std::make_shared<Conv2d>(4, 6, IntVec{3}, IntVec{2}, IntVec{1}, IntVec{1}, 2));
}
TEST(NnParity, Conv2dDilated) {
  check_layer_parity("conv2d_dilated",
                     std::make_shared<Conv2d>(3, 4, IntVec{3, 2}, IntVec{1, 2}, IntVec{2, 1}, IntVec{2, 1}));
}
TEST(NnParity, Conv2dSame) { check_layer_parity("conv2d_same", std::make_shared<Conv2d>(3, 4, IntVec{2, 3}, "same")); }
TEST(NnParity, ConvTranspose2d) {
  check_layer_parity("conv_transpose2d",
                     std::make_shared<ConvTranspose2d>(4, 6, IntVec{3}, IntVec{2}, IntVec{1}, IntVec{1}, 2));
}
TEST(NnParity, MaxPool1d) { check_layer_parity("maxpool1d", std::make_shared<MaxPool1d>(3, 2, 1)); }
TEST(NnParity, MaxPool2d) {
  check_layer_parity("maxpool2d", std::make_shared<MaxPool2d>(IntVec{3}, IntVec{2}, IntVec{1}));
}
TEST(NnParity, AvgPool2d) {
  check_layer_parity("avgpool2d", std::make_shared<AvgPool2d>(IntVec{3}, IntVec{2}, IntVec{1}));
}
TEST(NnParity, AdaptiveAvgPool2d) {
  check_layer_parity("adaptive_avgpool2d", std::make_shared<AdaptiveAvgPool2d>(IntVec{2, 3}));
}
TEST(NnParity, BatchNorm2dTrain) { check_layer_parity("batchnorm2d_train", std::make_shared<BatchNorm2d>(3), true); }
TEST(NnParity, BatchNorm2dEval) { check_layer_parity("batchnorm2d_eval", std::make_shared<BatchNorm2d>(3), false); }

// SyncBatchNorm's path (BatchNorm::set_sync) with the sync of a world of one: it must be plain
// BatchNorm, forward, backward and running statistics (the path is built from other ops; the
// two-rank run is in test_dist).
class IdentitySync final : public BatchNormSync {
 public:
  Tensor all_reduce_sum(const Tensor& t) override {
    ++calls;
    return mul(t, 1.0);
  }
  int calls = 0;
};

void expect_synced_equals_plain(std::shared_ptr<BatchNorm> plain, std::shared_ptr<BatchNorm> synced, Shape shape) {
  plain->to(DType::f64);
  synced->to(DType::f64);
  init::normal_(plain->weight);
  init::normal_(plain->bias);
  synced->load_state_dict(plain->state_dict());
  auto sync = std::make_shared<IdentitySync>();
  synced->set_sync(sync);
  Tensor x1 = add(mul(randn(IntList(shape), DType::f64), 2.0), 1.0).set_requires_grad();
  Tensor x2 = x1.detach().set_requires_grad();
  Tensor r = randn(IntList(shape), DType::f64);
  Tensor y1 = plain->forward(x1), y2 = synced->forward(x2);
  EXPECT_EQ(sync->calls, 2);  // sums and count, then squared deviations
  expect_close(y2, y1, "output", 1e-12, 1e-12);
  sum(mul(y1, r)).backward();
  sum(mul(y2, r)).backward();
  expect_close(x2.grad(), x1.grad(), "input grad", 1e-10, 1e-12);
  expect_close(synced->weight.grad(), plain->weight.grad(), "weight grad", 1e-10, 1e-12);
  expect_close(synced->bias.grad(), plain->bias.grad(), "bias grad", 1e-10, 1e-12);
  expect_close(synced->running_mean, plain->running_mean, "running_mean", 1e-12, 1e-14);
  expect_close(synced->running_var, plain->running_var, "running_var", 1e-12, 1e-14);
  // Eval uses the running statistics and no sync.
  synced->eval();
  plain->eval();
  expect_close(synced->forward(x2.detach()), plain->forward(x1.detach()), "eval output", 1e-12, 1e-12);
  EXPECT_EQ(sync->calls, 2);
}

TEST(SyncBatchNorm, InAWorldOfOneEqualsBatchNorm2d) {
  manual_seed(3);
  expect_synced_equals_plain(std::make_shared<BatchNorm2d>(3), std::make_shared<BatchNorm2d>(3), {4, 3, 5, 2});
}

TEST(SyncBatchNorm, InAWorldOfOneEqualsBatchNorm1d) {
  manual_seed(4);
  expect_synced_equals_plain(std::make_shared<BatchNorm1d>(5), std::make_shared<BatchNorm1d>(5), {6, 5});
  manual_seed(5);
  expect_synced_equals_plain(std::make_shared<BatchNorm1d>(2, 1e-5, std::nullopt),
                             std::make_shared<BatchNorm1d>(2, 1e-5, std::nullopt), {3, 2, 4});
}

TEST(SyncBatchNorm, SyncedPathPassesGradcheckAndGradgradcheck) {
  manual_seed(6);
  auto bn = std::make_shared<BatchNorm2d>(2);
  bn->to(DType::f64);
  bn->set_sync(std::make_shared<IdentitySync>());
  autograd::TensorFn fn = [&](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{mul(bn->forward(in[0]), reshape(in[1], {1, 2, 1, 1}))};
  };
  std::vector<Tensor> inputs = {randn({3, 2, 2, 2}, DType::f64).set_requires_grad(),
                                randn({2}, DType::f64).set_requires_grad()};
  autograd::GradcheckResult g = autograd::gradcheck(fn, inputs);
  EXPECT_TRUE(g.ok) << g.message;
  autograd::GradcheckResult gg = autograd::gradgradcheck(fn, inputs);
  EXPECT_TRUE(gg.ok) << gg.message;
}

TEST(SyncBatchNorm, OneValuePerChannelInTrainingIsAnError) {
  auto bn = std::make_shared<BatchNorm1d>(3);
  bn->set_sync(std::make_shared<IdentitySync>());
  expect_error_mentions<ValueError>([&] { bn->forward(zeros({1, 3})); }, {"more than 1 value", "[1, 3]"});
}
TEST(NnParity, BatchNorm1dTrain) { check_layer_parity("batchnorm1d_train", std::make_shared<BatchNorm1d>(3), true); }
TEST(NnParity, LayerNorm) { check_layer_parity("layernorm", std::make_shared<LayerNorm>(std::vector<int64_t>{4, 5})); }
TEST(NnParity, GroupNorm) { check_layer_parity("groupnorm", std::make_shared<GroupNorm>(2, 6)); }
TEST(NnParity, Embedding) { check_layer_parity("embedding", std::make_shared<Embedding>(10, 4, 2)); }
TEST(NnParity, Flatten) { check_layer_parity("flatten", std::make_shared<Flatten>()); }

// One test per activation, so that each reports on its own.
#define HANGU_ACTIVATION_PARITY(Test, fixture, ...) \
  TEST(NnParity, Test) { check_layer_parity(fixture, __VA_ARGS__); }
HANGU_ACTIVATION_PARITY(ReLU, "relu", std::make_shared<ReLU>())
HANGU_ACTIVATION_PARITY(ReLU6, "relu6", std::make_shared<ReLU6>())
HANGU_ACTIVATION_PARITY(LeakyReLU, "leaky_relu", std::make_shared<LeakyReLU>(0.2))
HANGU_ACTIVATION_PARITY(GELU, "gelu", std::make_shared<GELU>())
HANGU_ACTIVATION_PARITY(GELUTanh, "gelu_tanh", std::make_shared<GELU>("tanh"))
HANGU_ACTIVATION_PARITY(SiLU, "silu", std::make_shared<SiLU>())
HANGU_ACTIVATION_PARITY(Tanh, "tanh", std::make_shared<Tanh>())
HANGU_ACTIVATION_PARITY(Sigmoid, "sigmoid", std::make_shared<Sigmoid>())
HANGU_ACTIVATION_PARITY(Hardswish, "hardswish", std::make_shared<Hardswish>())
HANGU_ACTIVATION_PARITY(Softmax, "softmax", std::make_shared<Softmax>(1))
HANGU_ACTIVATION_PARITY(LogSoftmax, "log_softmax", std::make_shared<LogSoftmax>(-1))
#undef HANGU_ACTIVATION_PARITY

TEST(NnParity, MultiheadAttentionBatchFirst) {
  check_layer_parity("mha", std::make_shared<MultiheadAttention>(8, 2, 0.0, true, true), true,
                     [](Module& m, const Tensor& x) {
                       AttentionOutput o = dynamic_cast<MultiheadAttention&>(m).forward(x, x, x);
                       return std::vector<Tensor>{o.output, o.weights};
                     },
                     {"weights"});
}

TEST(NnParity, MultiheadAttentionMasked) {
  io::SafetensorsFile f = nn_test::load_nn_fixture("mha_masked");
  Tensor kpm = fixture_tensor(f, "key_padding_mask"), causal = fixture_tensor(f, "attn_mask");
  check_layer_parity("mha_masked", std::make_shared<MultiheadAttention>(8, 4), true,
                     [&](Module& m, const Tensor& x) {
                       AttentionOutput o = dynamic_cast<MultiheadAttention&>(m).forward(x, x, x, kpm, true, causal);
                       return std::vector<Tensor>{o.output, o.weights};
                     },
                     {"weights"});
  // is_causal builds the same mask as the explicit one.
  auto m = std::make_shared<MultiheadAttention>(8, 4);
  m->to(DType::f64);
  m->load_state_dict(nn_test::with_prefix(f, "state."));
  Tensor x = fixture_tensor(f, "input");
  expect_close(m->forward(x, x, x, kpm, false, Tensor(), true, true).output, fixture_tensor(f, "output"), "is_causal");
}

TEST(NnParity, LSTM) {
  check_layer_parity("lstm", std::make_shared<LSTM>(4, 6, 2, true, true), true,
                     [](Module& m, const Tensor& x) {
                       LSTMOutput o = dynamic_cast<LSTM&>(m).forward(x, Tensor(), Tensor());
                       return std::vector<Tensor>{o.output, o.h_n, o.c_n};
                     },
                     {"h_n", "c_n"});
}

TEST(NnParity, GRU) {
  check_layer_parity("gru", std::make_shared<GRU>(4, 6, 2), true,
                     [](Module& m, const Tensor& x) {
                       GRUOutput o = dynamic_cast<GRU&>(m).forward(x, Tensor());
                       return std::vector<Tensor>{o.output, o.h_n};
                     },
                     {"h_n"});
}

// ---- losses ----

void check_loss(const std::string& name, const std::shared_ptr<Loss>& loss) {
  io::SafetensorsFile f = nn_test::load_nn_fixture(name);
  Tensor x = clone(fixture_tensor(f, "input"));
  x.set_requires_grad(true);
  Tensor y = (*loss)(x, fixture_tensor(f, "target"));
  expect_close(y, fixture_tensor(f, "output"), name + " output");
  sum(mul(y, fixture_tensor(f, "cotangent"))).backward();
  expect_close(x.grad(), fixture_tensor(f, "grad.input"), name + " grad input");
}

TEST(LossParity, All) {
  io::SafetensorsFile ce = nn_test::load_nn_fixture("loss_cross_entropy");
  check_loss("loss_cross_entropy",
             std::make_shared<CrossEntropyLoss>(fixture_tensor(ce, "weight"), 1, Reduction::mean, 0.1));
  check_loss("loss_cross_entropy_probs", std::make_shared<CrossEntropyLoss>());
  check_loss("loss_nll", std::make_shared<NLLLoss>(Tensor(), -100, Reduction::sum));
  check_loss("loss_mse", std::make_shared<MSELoss>());
  check_loss("loss_l1", std::make_shared<L1Loss>(Reduction::sum));
  check_loss("loss_smooth_l1", std::make_shared<SmoothL1Loss>(Reduction::mean, 0.5));
  check_loss("loss_huber", std::make_shared<HuberLoss>(Reduction::none, 0.7));
  check_loss("loss_bce", std::make_shared<BCELoss>());
  io::SafetensorsFile bl = nn_test::load_nn_fixture("loss_bce_logits");
  check_loss("loss_bce_logits",
             std::make_shared<BCEWithLogitsLoss>(Tensor(), Reduction::mean, fixture_tensor(bl, "pos_weight")));
  check_loss("loss_kl_div", std::make_shared<KLDivLoss>("batchmean"));
}

}  // namespace
}  // namespace hangu

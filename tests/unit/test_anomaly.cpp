// Non-finite values (issue 8): anomaly mode names the op that first produced a NaN or Inf, in
// forward and in backward; it is off by default; and `hangu train --on-nan stop|skip` stops with
// a message naming the step, or skips the batch.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>

#include "cli_util.h"
#include "hangu/autograd/engine.h"
#include "hangu/core/anomaly_mode.h"
#include "hangu/core/error.h"
#include "hangu/nn/linear.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/linalg.h"
#include "hangu/ops/nonfinite.h"
#include "hangu/ops/reduction.h"
#include "kill_resume.h"
#include "test_util.h"

namespace fs = std::filesystem;

namespace {

using hangu::Error;
using hangu::MsgId;
using hangu::Tensor;
using hangu::autograd::DetectAnomalyGuard;
using hangu::test_cli::contains;
using hangu::test_cli::count_lines;
using hangu::test_util::tf;

constexpr float kInf = std::numeric_limits<float>::infinity();

// The error f() throws (message in English), or a test failure.
template <typename F>
std::pair<MsgId, std::string> error_of(F&& f) {
  hangu::set_language(hangu::Lang::en);
  try {
    f();
  } catch (const Error& e) {
    return {e.id(), e.what()};
  }
  ADD_FAILURE() << "expected an error";
  return {MsgId::count_, ""};
}

TEST(Anomaly, OffByDefault) {
  EXPECT_FALSE(hangu::autograd::is_anomaly_enabled());
  Tensor x = tf({-1.0f, 2.0f}).set_requires_grad();
  Tensor y = hangu::log(x);  // NaN, silently, as in PyTorch without anomaly mode
  EXPECT_TRUE(std::isnan(hangu::test_util::vec<float>(y)[0]));
  hangu::sum(y).backward();
  EXPECT_EQ(hangu::test_util::vec<float>(x.grad()), (std::vector<float>{-1.0f, 0.5f}));  // d log(x)/dx = 1/x
}

TEST(Anomaly, ForwardNamesTheOpThatMadeNaN) {
  DetectAnomalyGuard on;
  Tensor x = tf({-1.0f, 2.0f}).set_requires_grad();
  Tensor h = hangu::mul(x, tf({1.0f, 1.0f}));  // finite: passes
  auto [id, text] = error_of([&] { (void)hangu::log(h); });
  EXPECT_EQ(id, MsgId::rob_anomaly_forward);
  EXPECT_EQ(text, "anomaly detected in forward: op 'log' produced NaN in output 0 from finite inputs");
}

TEST(Anomaly, ForwardNamesTheOpThatReceivedAnInfInput) {
  DetectAnomalyGuard on;
  // The weights are fine; the data holds an Inf: the first recorded op that sees it is named.
  auto layer = std::make_shared<hangu::nn::Linear>(2, 3);
  Tensor data = tf({1.0f, kInf}, {1, 2});
  auto [id, text] = error_of([&] { (void)(*layer)(data); });
  EXPECT_EQ(id, MsgId::rob_anomaly_forward_input);
  EXPECT_TRUE(contains(text, "anomaly detected in forward: input 0 of op 'linear' already holds Inf")) << text;
}

TEST(Anomaly, ForwardNamesAnOverflow) {
  DetectAnomalyGuard on;
  Tensor x = tf({1e30f, 1.0f}).set_requires_grad();
  auto [id, text] = error_of([&] { (void)hangu::mul(x, x); });  // 1e60 overflows float32
  EXPECT_EQ(id, MsgId::rob_anomaly_forward);
  EXPECT_EQ(text, "anomaly detected in forward: op 'mul' produced Inf in output 0 from finite inputs");
}

TEST(Anomaly, BackwardNamesTheOpWhoseGradientIsInf) {
  DetectAnomalyGuard on;
  Tensor x = tf({0.0f, 4.0f}).set_requires_grad();
  Tensor y = hangu::sum(hangu::sqrt(x));  // forward finite; d sqrt(x)/dx = 1/(2 sqrt(x)) is Inf at 0
  auto [id, text] = error_of([&] { y.backward(); });
  EXPECT_EQ(id, MsgId::rob_anomaly_backward);
  EXPECT_EQ(text,
            "anomaly detected in backward: the backward of op 'sqrt' produced Inf in the gradient of its input 0 from "
            "finite incoming gradients");
}

TEST(Anomaly, BackwardNamesTheOpWhoseGradientIsNaN) {
  DetectAnomalyGuard on;
  // Forward: sqrt(0) * 0 = 0 is finite. Backward: mul hands sqrt the gradient 0 (finite), and
  // sqrt's backward makes 0 / (2 sqrt(0)) = NaN.
  Tensor x = tf({0.0f}).set_requires_grad();
  Tensor y = hangu::sum(hangu::mul(hangu::sqrt(x), tf({0.0f})));
  auto [id, text] = error_of([&] { y.backward(); });
  EXPECT_EQ(id, MsgId::rob_anomaly_backward);
  EXPECT_TRUE(contains(text, "the backward of op 'sqrt' produced NaN in the gradient of its input 0")) << text;
}

TEST(Anomaly, GuardRestoresAndChecksAreSilentWhenFinite) {
  {
    DetectAnomalyGuard on;
    EXPECT_TRUE(hangu::autograd::is_anomaly_enabled());
    Tensor x = tf({1.0f, 2.0f}).set_requires_grad();
    hangu::sum(hangu::log(x)).backward();
    EXPECT_EQ(hangu::test_util::vec<float>(x.grad()), (std::vector<float>{1.0f, 0.5f}));
  }
  EXPECT_FALSE(hangu::autograd::is_anomaly_enabled());
}

TEST(Anomaly, Scans) {
  EXPECT_EQ(hangu::ops::nonfinite_kind(tf({1.0f, kInf, NAN})), std::string("NaN"));
  EXPECT_EQ(hangu::ops::nonfinite_kind(tf({1.0f, -kInf})), std::string("Inf"));
  EXPECT_EQ(hangu::ops::nonfinite_kind(tf({1.0f, 3.4e38f})), nullptr);
  EXPECT_TRUE(hangu::ops::all_finite({tf({1.0f, 3.4e38f}), Tensor()}));
  EXPECT_FALSE(hangu::ops::all_finite({tf({1.0f}), tf({0.0f, -kInf})}));
  EXPECT_FALSE(hangu::ops::all_finite({hangu::to(tf({NAN}), hangu::DType::f64)}));
  // Strided and 16-bit tensors take the general path.
  EXPECT_FALSE(hangu::ops::all_finite({hangu::transpose(tf({1, 2, 3, kInf}, {2, 2}), 0, 1)}));
  EXPECT_FALSE(hangu::ops::all_finite({hangu::to(tf({kInf}), hangu::DType::bf16)}));
}

// --- the trainer's --on-nan policy, through the CLI ---

class OnNan : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("hangu_on_nan_" + std::to_string(getpid()));
    hangu::kill_test::write_mnist_subset(std::string(HANGU_SOURCE_DIR) + "/data/mnist-10k", (dir_ / "data").string(),
                                         32, 16);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  // SGD with lr 1e6 diverges within a few steps of batch 4.
  static hangu::test_cli::Result train(const std::string& extra, const std::string& env = "",
                                       const std::string& lang = "en_US.UTF-8") {
    return hangu::test_cli::run_hangu("--threads 1 train --model mlp --data " + (dir_ / "data").string() +
                                          " --steps 8 --batch-size 4 --lr 1000000 " + extra,
                                      lang, "2>&1", env);
  }
  static inline fs::path dir_;
};

TEST_F(OnNan, StopIsTheDefaultAndNamesTheStep) {
  auto r = train("--json");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_TRUE(contains(r.out, "hangu: error: training step ")) << r.out;
  EXPECT_TRUE(contains(r.out, "): the loss is NaN; training stopped (--on-nan skip skips such batches")) << r.out;
  auto zh = train("--json", "", "zh_CN.UTF-8");
  EXPECT_EQ(zh.code, 1) << zh.out;
  EXPECT_TRUE(contains(zh.out, "训练已停止")) << zh.out;
}

TEST_F(OnNan, SkipSkipsTheBatchesAndFinishes) {
  auto r = train("--on-nan skip --json", "", "en_US.UTF-8");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "; batch skipped (--on-nan skip)")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"steps\":8")) << r.out;
}

TEST_F(OnNan, AnomalyModeFromTheEnvironmentNamesTheOp) {
  auto r = train("--json", "HANGU_DETECT_ANOMALY=1");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_TRUE(contains(r.out, "hangu: error: anomaly detected in ")) << r.out;
  EXPECT_TRUE(contains(r.out, " op '")) << r.out;
}

TEST_F(OnNan, BadPolicyIsBadUsage) {
  auto r = train("--on-nan ignore");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_TRUE(contains(r.out, "--on-nan")) << r.out;
  auto c = train("--checkpoint-every 5");
  EXPECT_EQ(c.code, 2) << c.out;
  EXPECT_TRUE(contains(c.out, "train: option '--checkpoint-every' needs --out DIR")) << c.out;
}

}  // namespace

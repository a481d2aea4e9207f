// Issue 3, point 2: from the same initial weights (written by PyTorch) and the same batches (the
// first 100 x 64 training digits in file order), 100 steps of SGD and of AdamW give final
// weights equal to PyTorch's within 1e-4. Fixtures: tools/gen_train_parity.py.
//
// In float64 the comparison is sharp (we agree to ~1e-8, the float32 rounding of the stored
// fixture). In float32 both frameworks are right but not equal: the MLP run has a first-layer
// pre-activation 2.6e-8 from the ReLU kink at step 11, whose sign depends on summation order, so
// float32 runs drift apart afterwards. How far is a matter of luck: PyTorch itself, run once with
// the reference BLAS and once with OpenBLAS, ends 0.041 apart on MLP/AdamW. So float32 is tested
// sharply (1e-4) after 10 steps, before any kink, and only loosely (0.1) after 100 steps
// (measured vs the reference-BLAS fixtures: 3.3e-6 LeNet/SGD, 6.4e-4 LeNet/AdamW, 6e-8 MLP/SGD,
// 2.5e-5 MLP/AdamW).
// With HANGU_PARITY_OUT=DIR the LeNet/SGD float32 run also writes DIR/lenet.safetensors and
// DIR/logits.npy (the first 64 test digits) for tools/check_torch_loads_hangu.py.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "hangu/autograd/engine.h"
#include "hangu/data/mnist.h"
#include "hangu/hangu.h"
#include "hangu/io/npy.h"
#include "hangu/io/safetensors.h"
#include "hangu/models/registry.h"
#include "hangu/models/weights.h"
#include "hangu/ops/nn_functional.h"
#include "hangu/optim/adam.h"
#include "hangu/optim/sgd.h"

namespace hangu {
namespace {

constexpr int64_t kSteps = 100, kBatch = 64;
const std::string kParity = std::string(HANGU_FIXTURE_DIR) + "/parity/";

// Trains `steps` steps and returns the max abs difference from the PyTorch weights in `fixture`
// (default: the final weights after kSteps steps, of the float64 run when dtype is float64).
double train_and_compare(const std::string& model_name, const std::string& opt_name, DType dtype,
                         int64_t steps = kSteps, std::string fixture = "") {
  auto model = models::create(model_name);
  nn::load_weights(*model, kParity + model_name + "_init.safetensors", /*strict=*/true);
  model->to(dtype);
  std::unique_ptr<optim::Optimizer> opt;
  if (opt_name == "sgd") {
    optim::SGDOptions o;
    o.lr = 0.01;
    o.momentum = 0.9;
    o.weight_decay = 5e-4;
    opt = std::make_unique<optim::SGD>(model->parameters(), o);
  } else {
    opt = std::make_unique<optim::AdamW>(model->parameters(), optim::AdamWOptions());
  }
  data::MnistSplit train = data::load_mnist(std::string(HANGU_SOURCE_DIR) + "/data/mnist-10k", /*train=*/true);
  for (int64_t step = 0; step < steps; ++step) {
    Tensor x = to(narrow(train.images, 0, step * kBatch, kBatch), dtype);
    Tensor y = narrow(train.labels, 0, step * kBatch, kBatch);
    opt->zero_grad(true);
    Tensor loss = cross_entropy((*model)(x), y);
    loss.backward();
    opt->step();
  }
  const char* out_dir = std::getenv("HANGU_PARITY_OUT");
  if (out_dir && model_name == "lenet" && opt_name == "sgd" && dtype == DType::f32) {
    nn::save_weights(*model, std::string(out_dir) + "/lenet.safetensors");
    data::MnistSplit test = data::load_mnist(std::string(HANGU_SOURCE_DIR) + "/data/mnist-10k", /*train=*/false);
    NoGradGuard no_grad;
    model->eval();
    io::save_npy(std::string(out_dir) + "/logits.npy", (*model)(narrow(test.images, 0, 0, 64)));
  }
  if (fixture.empty()) fixture = model_name + "_" + opt_name + (dtype == DType::f64 ? "_f64" : "") + "_final";
  io::SafetensorsFile expected = io::load_safetensors(kParity + fixture + ".safetensors");
  double worst = 0;
  for (const auto& [name, t] : model->state_dict()) {
    const Tensor* e = expected.find(name);
    EXPECT_NE(e, nullptr) << name;
    if (!e) continue;
    auto a = to_vector<double>(t), b = to_vector<double>(*e);
    EXPECT_EQ(a.size(), b.size()) << name;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
  }
  std::printf("%s %s %s, %lld steps: max abs difference from PyTorch %.3g\n", model_name.c_str(),
              opt_name.c_str(), std::string(dtype_name(dtype)).c_str(), static_cast<long long>(steps), worst);
  return worst;
}

TEST(Parity, LeNetSgdFloat64) { EXPECT_LE(train_and_compare("lenet", "sgd", DType::f64), 1e-4); }
TEST(Parity, LeNetAdamWFloat64) { EXPECT_LE(train_and_compare("lenet", "adamw", DType::f64), 1e-4); }
TEST(Parity, MlpSgdFloat64) { EXPECT_LE(train_and_compare("mlp", "sgd", DType::f64), 1e-4); }
TEST(Parity, MlpAdamWFloat64) { EXPECT_LE(train_and_compare("mlp", "adamw", DType::f64), 1e-4); }

// Float32 after 10 steps, before the runs meet a ReLU kink: the bound holds (measured
// 1.5e-8 LeNet/SGD, 9.7e-6 LeNet/AdamW, 1.1e-8 MLP/SGD, 2.5e-5 MLP/AdamW; AdamW is looser because
// its first updates turn gradients of rounding-noise size, ~1e-9 against eps 1e-8, into steps of
// a sizeable fraction of lr).
constexpr double kFloat32Sharp = 1e-4;
TEST(Parity, LeNetSgdFloat32TenSteps) {
  EXPECT_LE(train_and_compare("lenet", "sgd", DType::f32, 10, "lenet_sgd_step10"), kFloat32Sharp);
}
TEST(Parity, LeNetAdamWFloat32TenSteps) {
  EXPECT_LE(train_and_compare("lenet", "adamw", DType::f32, 10, "lenet_adamw_step10"), kFloat32Sharp);
}
TEST(Parity, MlpSgdFloat32TenSteps) {
  EXPECT_LE(train_and_compare("mlp", "sgd", DType::f32, 10, "mlp_sgd_step10"), kFloat32Sharp);
}
TEST(Parity, MlpAdamWFloat32TenSteps) {
  EXPECT_LE(train_and_compare("mlp", "adamw", DType::f32, 10, "mlp_adamw_step10"), kFloat32Sharp);
}

// Float32 after 100 steps: chaotic (see the comment at the top), so only a loose bound.
constexpr double kFloat32Drift = 0.1;
TEST(Parity, LeNetSgdFloat32) { EXPECT_LE(train_and_compare("lenet", "sgd", DType::f32), kFloat32Drift); }
TEST(Parity, LeNetAdamWFloat32) { EXPECT_LE(train_and_compare("lenet", "adamw", DType::f32), kFloat32Drift); }
TEST(Parity, MlpSgdFloat32) { EXPECT_LE(train_and_compare("mlp", "sgd", DType::f32), kFloat32Drift); }
TEST(Parity, MlpAdamWFloat32) { EXPECT_LE(train_and_compare("mlp", "adamw", DType::f32), kFloat32Drift); }

}  // namespace
}  // namespace hangu

// `hangu bench train`: training throughput on one synthetic batch (the same configuration as
// bench/train_torch.py: SGD lr 0.01 momentum 0.9, mean cross-entropy): [B, 1, 28, 28] for lenet
// and mlp, [B, 3, S, S] with 10 classes for the image models (resnet20 at S = 32 is issue 4's
// CIFAR case).
#include <chrono>
#include <cstdio>
#include <string>

#include "hangu/cli/commands.h"
#include "hangu/cli/progress.h"
#include "hangu/cli/train_config.h"
#include "hangu/core/i18n.h"
#include "hangu/core/rng.h"
#include "hangu/core/thread_pool.h"
#include "hangu/io/json.h"
#include "hangu/models/registry.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/nn_functional.h"
#include "hangu/optim/sgd.h"

namespace hangu::cli {

int run_bench(const ParsedArgs& args) {
  if (args.positionals.size() == 1 && args.positionals[0] == "matmul") return run_bench_matmul(args);
  if (args.positionals.size() == 1 && args.positionals[0].ends_with(".onnx")) return run_bench_onnx(args);
  if (args.positionals.size() == 1 && args.positionals[0] == "conv") return run_bench_conv(args);
  if (args.positionals.size() == 1 && args.positionals[0] == "peak") return run_bench_peak(args);
  if (args.positionals.size() != 1 || args.positionals[0] != "train")
    throw ValueError(MsgId::cli_bench_unknown, args.positionals.empty() ? "" : args.positionals[0]);
  BenchConfig c = parse_bench_config(args);
  manual_seed(0);
  const bool mnist = c.model == "lenet" || c.model == "mlp";
  auto model = mnist ? models::create(c.model) : models::create(c.model, 10, c.image_size);
  model->train();
  optim::SGDOptions o;
  o.lr = 0.01;
  o.momentum = 0.9;
  optim::SGD opt(model->parameters(), o);
  Generator gen(0);
  const Shape x_shape = mnist ? Shape{c.batch_size, 1, 28, 28} : Shape{c.batch_size, 3, c.image_size, c.image_size};
  const Shape y_shape{c.batch_size};
  Tensor x = randn(IntList(x_shape), DType::f32, &gen);
  Tensor y = randint(0, 10, IntList(y_shape), DType::i64, &gen);
  auto step = [&] {
    Tensor loss = cross_entropy((*model)(x), y);
    opt.zero_grad();
    loss.backward();
    opt.step();
  };
  for (int64_t i = 0; i < c.warmup; ++i) step();
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < c.steps; ++i) step();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double rate = static_cast<double>(c.steps * c.batch_size) / seconds;
  const double step_ms = 1000.0 * seconds / static_cast<double>(c.steps);
  if (c.json) {
    io::Json j = io::Json::object();
    j["benchmark"] = "train";
    j["framework"] = "hangu";
    j["model"] = c.model;
    if (!mnist) j["image_size"] = c.image_size;
    j["batch_size"] = c.batch_size;
    j["steps"] = c.steps;
    j["warmup"] = c.warmup;
    j["threads"] = get_num_threads();
    j["samples_per_second"] = rate;
    j["step_ms"] = step_ms;
    j["seconds"] = seconds;
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s\n",
                tr(MsgId::cli_bench_result, {c.model, std::to_string(c.batch_size), std::to_string(c.steps),
                                             std::to_string(get_num_threads()), fixed(rate, 1), fixed(step_ms, 2)})
                    .c_str());
  }
  return 0;
}

}  // namespace hangu::cli

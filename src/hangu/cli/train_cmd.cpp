// `hangu train` and `hangu eval`: output (progress bar, one line per epoch, or one JSON object)
// around the Trainer.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "hangu/cli/commands.h"
#include "hangu/cli/image_commands.h"
#include "hangu/cli/progress.h"
#include "hangu/cli/train_config.h"
#include "hangu/cli/trainer.h"
#include "hangu/core/i18n.h"
#include "hangu/core/thread_pool.h"
#include "hangu/data/mnist.h"
#include "hangu/dist/dist.h"
#include "hangu/io/json.h"
#include "hangu/models/registry.h"
#include "hangu/models/weights.h"

namespace hangu::cli {
namespace {

using Clock = std::chrono::steady_clock;

// JSON has no NaN or infinity: a diverged loss is written as null.
io::Json number(double v) { return std::isfinite(v) ? io::Json(v) : io::Json(); }

void print_line(const std::string& s) {
  std::fputs(s.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

std::string percent(const EvalResult& r) { return fixed(100.0 * r.accuracy(), 2); }

}  // namespace

int run_train(const ParsedArgs& args) {
  const auto t0 = Clock::now();
  if (std::optional<int> done = maybe_run_train_text(args)) return *done;    // a text file (GPT)
  if (std::optional<int> done = maybe_run_train_images(args)) return *done;  // an image folder
  TrainConfig config = parse_train_config(args);
  Trainer trainer(std::move(config));
  const TrainConfig& c = trainer.config();
  // With several ranks (mpirun) only rank 0 logs, evaluates and prints the result.
  const bool lead = dist::rank() == 0;
  const bool text = !c.json && lead;
  const bool tty = text && is_terminal(stdout);
  const std::string epochs_text = c.epochs ? std::to_string(*c.epochs) : "-";

  if (text) {
    print_line(
        tr(MsgId::cli_train_start, {c.model, std::to_string(trainer.train_size()), std::to_string(trainer.test_size()),
                                    std::to_string(trainer.num_batches()), std::to_string(c.batch_size), c.optimizer,
                                    io::Json(c.lr).dump(), std::to_string(get_num_threads())}));
    if (dist::world_size() > 1)
      print_line(tr(MsgId::dist_train_ranks, {std::to_string(dist::world_size()),
                                              std::to_string(c.batch_size / dist::world_size()),
                                              std::to_string(trainer.sync_buckets())}));
    if (trainer.resumed())
      print_line(tr(MsgId::cli_train_resumed,
                    {c.resume, std::to_string(trainer.epoch() + 1), std::to_string(trainer.global_step())}));
    if (trainer.finished())
      print_line(
          tr(MsgId::cli_train_nothing, {std::to_string(trainer.epoch()), std::to_string(trainer.global_step())}));
  }

  ProgressLine progress(stdout);
  Trainer::StepFn on_step;
  if (tty) {
    on_step = [&](const StepInfo& s) {
      bool last = s.batch == s.num_batches || s.global_step == s.planned_steps;
      progress.update(
          tr(MsgId::cli_train_progress, {std::to_string(s.epoch + 1), epochs_text, bar(s.batch, s.num_batches, 20),
                                         std::to_string(s.batch), std::to_string(s.num_batches), fixed(s.loss, 4),
                                         fixed(s.samples_per_second, 0), format_duration(s.eta_seconds)}),
          last);
    };
  }
  // Each finished epoch is saved too, so that a crash loses at most one epoch.
  EvalResult test;
  int64_t test_step = -1;  // the step `test` was measured at
  Trainer::EpochFn on_epoch = [&](const EpochInfo& e) {
    if (!c.out.empty() && e.complete) trainer.save(c.out);
    if (!text) return;
    test = e.test;
    test_step = e.global_step;
    progress.clear();
    if (e.complete) {
      print_line(
          tr(MsgId::cli_train_epoch_line, {std::to_string(e.epoch + 1), epochs_text, fixed(e.mean_loss, 4),
                                           percent(e.test), fixed(e.samples_per_second, 0), fixed(e.seconds, 1)}));
    } else {
      print_line(tr(MsgId::cli_train_steps_line,
                    {std::to_string(e.global_step), std::to_string(e.epoch + 1), std::to_string(e.batch),
                     std::to_string(trainer.num_batches()), fixed(e.mean_loss, 4), fixed(e.samples_per_second, 0)}));
    }
  };
  TrainResult r = trainer.run(on_step, on_epoch, text);
  progress.clear();
  if (lead && test_step != trainer.global_step()) test = trainer.evaluate_test();
  if (!c.out.empty()) trainer.save(c.out);
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  const double rate = r.train_seconds > 0 ? static_cast<double>(r.samples_run) / r.train_seconds : 0.0;

  if (text) {
    print_line(tr(MsgId::cli_train_done, {percent(test), std::to_string(test.correct), std::to_string(test.total),
                                          fixed(r.train_loss, 4), fixed(rate, 0), fixed(wall, 1)}));
    if (!c.out.empty()) {
      namespace fs = std::filesystem;
      print_line(tr(MsgId::cli_train_saved, {(fs::path(c.out) / "model.safetensors").string(),
                                             (fs::path(c.out) / "checkpoint.safetensors").string()}));
    }
    return 0;
  }
  if (!lead) return 0;
  io::Json j = io::Json::object();
  j["model"] = c.model;
  j["optimizer"] = c.optimizer;
  j["lr"] = c.lr;
  j["lr_schedule"] = c.schedule;
  j["batch_size"] = c.batch_size;
  j["seed"] = std::to_string(c.seed);
  j["threads"] = get_num_threads();
  j["epochs"] = r.epochs_completed;
  j["steps"] = r.global_step;
  j["steps_run"] = r.steps_run;
  j["resumed"] = trainer.resumed();
  j["train_loss"] = number(r.train_loss);
  j["test_accuracy"] = test.accuracy();
  j["test_correct"] = test.correct;
  j["test_samples"] = test.total;
  j["samples_per_second"] = number(rate);
  j["train_seconds"] = r.train_seconds;
  j["wall_seconds"] = wall;
  j["ranks"] = r.ranks;
  j["sync_wait_seconds"] = r.sync_wait_seconds;
  j["out"] = c.out.empty() ? io::Json() : io::Json(c.out);
  print_line(j.dump());
  return 0;
}

int run_eval(const ParsedArgs& args) {
  if (std::optional<int> done = maybe_run_eval_images(args)) return *done;  // an image model folder
  EvalConfig c = parse_eval_config(args);
  std::shared_ptr<data::TensorDataset> test;
  as_bad_input([&] { test = data::mnist_dataset(c.data, false); });
  auto model = models::create(c.model);
  as_bad_input([&] { nn::load_weights(*model, c.weights, true); });
  EvalResult r = evaluate(*model, test, c.batch_size);
  if (c.json) {
    io::Json j = io::Json::object();
    j["model"] = c.model;
    j["weights"] = c.weights;
    j["test_accuracy"] = r.accuracy();
    j["correct"] = r.correct;
    j["samples"] = r.total;
    print_line(j.dump());
  } else {
    print_line(tr(MsgId::cli_eval_result, {percent(r), std::to_string(r.correct), std::to_string(r.total)}));
  }
  return 0;
}

}  // namespace hangu::cli

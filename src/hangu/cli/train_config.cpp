#include "hangu/cli/train_config.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "hangu/cli/commands.h"
#include "hangu/core/error.h"
#include "hangu/models/registry.h"

namespace hangu::cli {
namespace {

const std::vector<std::string> kModels = {"lenet", "mlp"};
const std::vector<std::string> kOptimizers = {"sgd", "adam", "adamw"};
const std::vector<std::string> kSchedules = {"constant", "exp", "cosine"};
const std::vector<std::string> kOnNan = {"stop", "skip"};

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out.append(out.empty() ? "" : ", ").append(s);
  return out;
}

std::string require(const ParsedArgs& args, const std::string& option, const std::string& context) {
  auto v = args.value(option);
  if (!v || v->empty()) throw ValueError(MsgId::cli_option_required, context, option);
  return *v;
}

std::string choice(const std::string& value, const std::vector<std::string>& allowed, const std::string& option,
                   const std::string& context) {
  if (std::find(allowed.begin(), allowed.end(), value) == allowed.end())
    throw ValueError(MsgId::cli_option_choice, context, option, value, join(allowed));
  return value;
}

int64_t int_in(const ParsedArgs& args, const std::string& option, int64_t lo, int64_t hi, int64_t fallback,
               const std::string& context) {
  auto v = args.value(option);
  if (!v) return fallback;
  int64_t x = parse_int(*v, option);
  if (x < lo || x > hi)
    throw ValueError(MsgId::cli_option_range, context, option, x, std::to_string(lo) + ".." + std::to_string(hi));
  return x;
}

// [lo, hi) when hi_open, else [lo, hi].
double double_in(const ParsedArgs& args, const std::string& option, double lo, double hi, bool hi_open, double fallback,
                 const std::string& range, const std::string& context) {
  auto v = args.value(option);
  if (!v) return fallback;
  double x = parse_double(*v, option);
  if (x < lo || x > hi || (hi_open && x == hi)) throw ValueError(MsgId::cli_option_range, context, option, *v, range);
  return x;
}

constexpr int64_t kMaxBatch = 1 << 20;
constexpr int64_t kMaxCount = int64_t{1} << 40;

}  // namespace

bool TrainConfig::was_given(const std::string& option) const {
  return std::find(given.begin(), given.end(), option) != given.end();
}

double parse_double(const std::string& text, const std::string& what) {
  double v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || p != end || !std::isfinite(v))
    throw ValueError(MsgId::cli_bad_number, what, text);
  return v;
}

double default_lr(const std::string& optimizer) { return optimizer == "sgd" ? 0.02 : 1e-3; }

std::vector<OptionSpec> train_options() {
  return {{"--model", true},        {"--data", true},        {"--epochs", true},   {"--steps", true},
          {"--batch-size", true},   {"--optimizer", true},   {"--lr", true},       {"--momentum", true},
          {"--weight-decay", true}, {"--lr-schedule", true}, {"--lr-decay", true}, {"--ema", true},
          {"--seed", true},         {"--no-shuffle", false}, {"--workers", true},  {"--out", true},
          {"--resume", true},       {"--init", true},        {"--json", false},
          {"--checkpoint-every", true}, {"--on-nan", true}, {"--shift", true},
          // image folders (image_train_cmd.cpp)
          {"--image-size", true}, {"--val-split", true}, {"--val-data", true}, {"--augment", true},
          {"--freeze-backbone", false}, {"--sync-bn", false},
          // text (text_train_cmd.cpp)
          {"--text", true}, {"--seq-len", true}, {"--layers", true}, {"--width", true}, {"--heads", true},
          {"--eval-every", true}};
}

TrainConfig parse_train_config(const ParsedArgs& args) { return parse_train_config(args, kModels, ""); }

TrainConfig parse_train_config(const ParsedArgs& args, const std::vector<std::string>& models,
                               const std::string& default_model) {
  const std::string ctx = "train";
  TrainConfig c;
  for (const OptionSpec& s : train_options())
    if (args.has(s.name)) c.given.push_back(s.name);
  // With --resume the model may come from the checkpoint.
  if (auto m = args.value("--model")) c.model = choice(*m, models, "--model", ctx);
  if (c.model.empty()) c.model = default_model;
  if (c.model.empty() && !args.has("--resume")) require(args, "--model", ctx);
  c.data = require(args, "--data", ctx);
  if (args.has("--epochs")) c.epochs = int_in(args, "--epochs", 1, kMaxCount, 1, ctx);
  if (args.has("--steps")) c.steps = int_in(args, "--steps", 1, kMaxCount, 1, ctx);
  if (!c.epochs && !c.steps) c.epochs = 5;
  c.batch_size = int_in(args, "--batch-size", 1, kMaxBatch, c.batch_size, ctx);
  if (auto o = args.value("--optimizer")) c.optimizer = choice(*o, kOptimizers, "--optimizer", ctx);
  c.lr = double_in(args, "--lr", 0.0, 1e6, false, default_lr(c.optimizer), "0 < lr <= 1e6", ctx);
  if (c.lr <= 0) throw ValueError(MsgId::cli_option_range, ctx, "--lr", *args.value("--lr"), "0 < lr <= 1e6");
  c.momentum = double_in(args, "--momentum", 0.0, 1.0, true, c.momentum, "0 <= m < 1", ctx);
  c.weight_decay = double_in(args, "--weight-decay", 0.0, 1e6, false, c.weight_decay, ">= 0", ctx);
  if (auto s = args.value("--lr-schedule")) c.schedule = choice(*s, kSchedules, "--lr-schedule", ctx);
  c.lr_decay = double_in(args, "--lr-decay", 0.0, 1.0, false, c.lr_decay, "0 < g <= 1", ctx);
  if (c.lr_decay <= 0)
    throw ValueError(MsgId::cli_option_range, ctx, "--lr-decay", *args.value("--lr-decay"), "0 < g <= 1");
  c.sync_bn = args.has("--sync-bn");
  c.ema = double_in(args, "--ema", 0.0, 1.0, true, c.ema, "0 <= ema < 1", ctx);
  if (auto s = args.value("--seed")) {
    uint64_t seed = 0;
    const char* end = s->data() + s->size();
    auto [p, ec] = std::from_chars(s->data(), end, seed);
    if (s->empty() || ec != std::errc() || p != end)
      throw ValueError(MsgId::cli_option_range, ctx, "--seed", *s, "0 .. 18446744073709551615");
    c.seed = seed;
  }
  c.shuffle = !args.has("--no-shuffle");
  c.shift = int_in(args, "--shift", 0, 8, c.shift, ctx);
  c.workers = static_cast<int>(int_in(args, "--workers", 0, 64, 0, ctx));
  if (auto o = args.value("--out")) c.out = *o;
  if (auto r = args.value("--resume")) c.resume = *r;
  if (auto i = args.value("--init")) c.init = *i;
  if (!c.resume.empty() && !c.init.empty()) throw ValueError(MsgId::cli_option_conflict, ctx, "--resume", "--init");
  c.json = args.has("--json");
  c.checkpoint_every = int_in(args, "--checkpoint-every", 1, kMaxCount, 0, ctx);
  if (c.checkpoint_every > 0 && c.out.empty()) throw ValueError(MsgId::rob_needs_out, ctx, "--checkpoint-every");
  if (auto o = args.value("--on-nan")) c.on_nan = choice(*o, kOnNan, "--on-nan", ctx);
  return c;
}

std::vector<OptionSpec> eval_options() {
  return {{"--model", true}, {"--weights", true}, {"--data", true}, {"--batch-size", true}, {"--json", false},
          {"--out", true}};  // --out: image model folders only (image_eval_cmd.cpp)
}

EvalConfig parse_eval_config(const ParsedArgs& args) {
  const std::string ctx = "eval";
  EvalConfig c;
  c.model = choice(require(args, "--model", ctx), kModels, "--model", ctx);
  c.weights = require(args, "--weights", ctx);
  c.data = require(args, "--data", ctx);
  c.batch_size = int_in(args, "--batch-size", 1, kMaxBatch, c.batch_size, ctx);
  c.json = args.has("--json");
  return c;
}

std::vector<OptionSpec> bench_options() {
  std::vector<OptionSpec> o = {
      {"--model", true}, {"--batch-size", true}, {"--steps", true},     {"--warmup", true},
      {"--json", false}, {"--image-size", true}};
  for (OptionSpec& s : bench_kernel_options()) o.push_back(s);
  for (OptionSpec& s : bench_onnx_options()) o.push_back(s);
  for (OptionSpec& s : bench_conv_options()) o.push_back(s);
  return o;
}

BenchConfig parse_bench_config(const ParsedArgs& args) {
  const std::string ctx = "bench";
  BenchConfig c;
  std::vector<std::string> models = kModels;
  for (const std::string& m : models::image_model_names()) models.push_back(m);
  c.model = choice(require(args, "--model", ctx), models, "--model", ctx);
  c.image_size = int_in(args, "--image-size", 16, 1024, c.image_size, ctx);
  c.batch_size = int_in(args, "--batch-size", 1, kMaxBatch, c.batch_size, ctx);
  c.steps = int_in(args, "--steps", 1, kMaxCount, c.steps, ctx);
  c.warmup = int_in(args, "--warmup", 0, kMaxCount, c.warmup, ctx);
  c.json = args.has("--json");
  return c;
}

}  // namespace hangu::cli

// `hangu train --model gpt --text FILE --out DIR [--steps N --batch-size B --seq-len T --layers L
// --width C --heads H --lr LR --weight-decay WD --eval-every K --seed S] [--json]`: a small GPT-2
// trained on the bytes of any UTF-8 text (vocabulary: the 256 bytes and <|endoftext|>), with
// AdamW on random windows of the first 90% and the validation loss on fixed windows of the rest.
// DIR gets config.json, model.safetensors and a byte-level tokenizer.json, which is what
// `hangu generate --model DIR --prompt TEXT` reads.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "hangu/cli/commands.h"
#include "hangu/cli/train_config.h"
#include "hangu/core/autograd_meta.h"
#include "hangu/core/error.h"
#include "hangu/core/i18n.h"
#include "hangu/core/rng.h"
#include "hangu/io/atomic_file.h"
#include "hangu/io/json.h"
#include "hangu/models/gpt2.h"
#include "hangu/models/weights.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/nn_functional.h"
#include "hangu/ops/views.h"
#include "hangu/optim/adam.h"
#include "hangu/optim/scheduler.h"
#include "hangu/text/byte_level.h"

namespace hangu::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char* kCtx = "train";
constexpr int64_t kVocab = 257;  // bytes 0..255 and <|endoftext|>
constexpr int64_t kEvalBatches = 4;

struct TextTrainOptions {
  std::string text_path, out;
  int64_t steps = 500, batch = 8, seq_len = 128, layers = 4, width = 256, heads = 4, eval_every = 50;
  double lr = 1e-3, weight_decay = 0.01;
  uint64_t seed = 0;
  bool json = false;
};

int64_t int_option(const ParsedArgs& args, const char* name, int64_t fallback, int64_t lo, int64_t hi) {
  auto v = args.value(name);
  if (!v) return fallback;
  const int64_t x = parse_int(*v, name);
  if (x < lo || x > hi)
    throw ValueError(MsgId::cli_option_range, kCtx, name, *v, std::to_string(lo) + ".." + std::to_string(hi));
  return x;
}

TextTrainOptions parse_options(const ParsedArgs& args) {
  TextTrainOptions o;
  o.text_path = *args.value("--text");
  if (auto m = args.value("--model"); m && *m != "gpt") throw ValueError(MsgId::gen_train_model, *m);
  auto out = args.value("--out");
  if (!out || out->empty()) throw ValueError(MsgId::gen_train_needs_out);
  o.out = *out;
  o.steps = int_option(args, "--steps", o.steps, 1, 10'000'000);
  o.batch = int_option(args, "--batch-size", o.batch, 1, 4096);
  o.seq_len = int_option(args, "--seq-len", o.seq_len, 2, 8192);
  o.layers = int_option(args, "--layers", o.layers, 1, 64);
  o.width = int_option(args, "--width", o.width, 8, 4096);
  o.heads = int_option(args, "--heads", o.heads, 1, 64);
  if (o.width % o.heads != 0)
    throw ValueError(MsgId::cli_option_range, kCtx, "--heads", o.heads,
                     "a divisor of --width " + std::to_string(o.width));
  o.eval_every = int_option(args, "--eval-every", o.eval_every, 1, 10'000'000);
  o.seed = static_cast<uint64_t>(int_option(args, "--seed", 0, 0, int64_t{1} << 62));
  if (auto v = args.value("--lr")) o.lr = parse_double(*v, "--lr");
  if (!(o.lr > 0.0)) throw ValueError(MsgId::cli_option_range, kCtx, "--lr", o.lr, "> 0");
  if (auto v = args.value("--weight-decay")) o.weight_decay = parse_double(*v, "--weight-decay");
  o.json = args.has("--json");
  return o;
}

// B windows of T + 1 bytes starting at `starts`: inputs [B, T] and next-byte targets [B, T].
std::pair<Tensor, Tensor> batch_at(const std::string& bytes, const std::vector<int64_t>& starts, int64_t t) {
  const auto b = static_cast<int64_t>(starts.size());
  Tensor x = empty({b, t}, DType::i64), y = empty({b, t}, DType::i64);
  int64_t* px = x.data_ptr<int64_t>();
  int64_t* py = y.data_ptr<int64_t>();
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = 0; j < t; ++j) {
      const auto at = static_cast<size_t>(starts[static_cast<size_t>(i)] + j);
      px[i * t + j] = static_cast<unsigned char>(bytes[at]);
      py[i * t + j] = static_cast<unsigned char>(bytes[at + 1]);
    }
  return {x, y};
}

Tensor lm_loss(models::Gpt2& model, const Tensor& x, const Tensor& y) {
  Tensor logits = model.forward_ids(x);
  return cross_entropy(reshape(logits, std::vector<int64_t>{x.numel(), kVocab}),
                       reshape(y, std::vector<int64_t>{y.numel()}));
}

// tokenizer.json of the byte vocabulary: byte b is id b (spelled in GPT-2's byte-level alphabet).
std::string byte_tokenizer_json() {
  io::Json vocab = io::Json::object();
  for (int b = 0; b < 256; ++b) vocab[text::byte_level_spelling(std::string(1, static_cast<char>(b)))] = int64_t{b};
  io::Json byte_level = io::Json::object();
  byte_level["type"] = "ByteLevel";
  byte_level["add_prefix_space"] = false;
  byte_level["trim_offsets"] = true;
  byte_level["use_regex"] = true;
  io::Json eot = io::Json::object();
  eot["id"] = kVocab - 1;
  eot["content"] = "<|endoftext|>";
  eot["single_word"] = false;
  eot["lstrip"] = false;
  eot["rstrip"] = false;
  eot["normalized"] = true;
  eot["special"] = true;
  io::Json model = io::Json::object();
  model["type"] = "BPE";
  model["vocab"] = vocab;
  model["merges"] = io::Json::array();
  io::Json t = io::Json::object();
  t["version"] = "1.0";
  t["added_tokens"].push_back(eot);
  t["normalizer"] = nullptr;
  t["pre_tokenizer"] = byte_level;
  t["decoder"] = byte_level;
  t["model"] = model;
  return t.dump();
}

std::string gpt_config_json(const models::Gpt2Config& c) {
  io::Json j = io::Json::object();
  j["architectures"].push_back("GPT2LMHeadModel");
  j["model_type"] = "gpt2";
  j["vocab_size"] = c.vocab_size;
  j["n_positions"] = c.n_positions;
  j["n_ctx"] = c.n_positions;
  j["n_embd"] = c.n_embd;
  j["n_layer"] = c.n_layer;
  j["n_head"] = c.n_head;
  j["layer_norm_epsilon"] = c.layer_norm_epsilon;
  j["activation_function"] = "gelu_new";
  j["bos_token_id"] = kVocab - 1;
  j["eos_token_id"] = kVocab - 1;
  return j.dump();
}

std::string decimals(double v, int digits) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

}  // namespace

std::optional<int> maybe_run_train_text(const ParsedArgs& args) {
  if (!args.has("--text")) return std::nullopt;
  const TextTrainOptions o = parse_options(args);
  const std::string bytes = io::read_file(o.text_path);
  const auto n = static_cast<int64_t>(bytes.size());
  const int64_t val_start = n - n / 10;
  // Both parts must hold one window of seq_len + 1 bytes.
  if (n / 10 < o.seq_len + 1 || val_start < o.seq_len + 1)
    throw ValueError(MsgId::gen_train_too_short, o.text_path, n, o.seq_len, 10 * (o.seq_len + 1));

  models::Gpt2Config cfg;
  cfg.vocab_size = kVocab;
  cfg.n_positions = o.seq_len;
  cfg.n_embd = o.width;
  cfg.n_layer = o.layers;
  cfg.n_head = o.heads;
  auto model = std::make_shared<models::Gpt2>(cfg);
  Generator gen(o.seed);
  model->init_weights(&gen);
  optim::AdamWOptions ao;
  ao.lr = o.lr;
  ao.weight_decay = o.weight_decay;
  optim::AdamW opt(model->parameters(), ao);
  // --lr is the peak: a linear warm-up over the first tenth of the steps (at most 100), then a
  // cosine decay to 0 at the last step.
  optim::WarmupCosine schedule(opt, std::min<int64_t>(100, o.steps / 10), o.steps);

  // Validation windows: evenly spaced over the held-out tail, the same at every evaluation.
  std::vector<std::vector<int64_t>> val_starts(kEvalBatches);
  const int64_t val_room = n - val_start - o.seq_len - 1;
  for (int64_t b = 0; b < kEvalBatches; ++b)
    for (int64_t i = 0; i < o.batch; ++i)
      val_starts[static_cast<size_t>(b)].push_back(val_start +
                                                   (val_room * (b * o.batch + i)) / (kEvalBatches * o.batch));
  auto val_loss = [&] {
    NoGradGuard ng;
    double total = 0.0;
    for (const auto& s : val_starts) {
      auto [x, y] = batch_at(bytes, s, o.seq_len);
      total += lm_loss(*model, x, y).item<double>();
    }
    return total / kEvalBatches;
  };

  int64_t params = 0;
  for (const Tensor& p : model->parameters()) params += p.numel();
  if (!o.json)
    std::printf("%s\n", tr(MsgId::gen_train_start,
                           {std::to_string(o.layers), std::to_string(o.width), std::to_string(params), o.text_path,
                            std::to_string(val_start), std::to_string(n - val_start), std::to_string(o.seq_len),
                            std::to_string(o.batch), std::to_string(o.steps)})
                            .c_str());
  std::fflush(stdout);
  io::Json history = io::Json::array();
  // Tokens per second count the training steps only, not the validation passes.
  double train_secs = 0.0, last_train = 0.0, first_val = val_loss(), last_val = first_val;
  const int64_t train_room = val_start - o.seq_len - 1;  // window starts in [0, train_room]
  for (int64_t step = 1; step <= o.steps; ++step) {
    std::vector<int64_t> starts;
    const Generator::State st = gen.reserve(static_cast<uint64_t>(o.batch));
    for (int64_t i = 0; i < o.batch; ++i)
      starts.push_back(static_cast<int64_t>(philox_word(st.seed, st.offset, static_cast<uint64_t>(i)) %
                                            static_cast<uint64_t>(train_room + 1)));
    const auto t0 = std::chrono::steady_clock::now();
    auto [x, y] = batch_at(bytes, starts, o.seq_len);
    opt.zero_grad();
    Tensor loss = lm_loss(*model, x, y);
    loss.backward();
    opt.step();
    schedule.step();
    last_train = loss.item<double>();
    train_secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (step % o.eval_every == 0 || step == o.steps) {
      last_val = val_loss();
      const double rate = static_cast<double>(step * o.batch * o.seq_len) / std::max(train_secs, 1e-9);
      io::Json h = io::Json::object();
      h["step"] = step;
      h["train_loss"] = last_train;
      h["val_loss"] = last_val;
      history.push_back(h);
      if (!o.json)
        std::printf("%s\n",
                    tr(MsgId::gen_train_progress, {std::to_string(step), std::to_string(o.steps),
                                                   decimals(last_train, 4), decimals(last_val, 4), decimals(rate, 0)})
                        .c_str());
      std::fflush(stdout);
    }
  }

  fs::create_directories(o.out);
  io::write_file_atomic((fs::path(o.out) / "config.json").string(), gpt_config_json(cfg));
  io::write_file_atomic((fs::path(o.out) / "tokenizer.json").string(), byte_tokenizer_json());
  nn::save_weights(*model, (fs::path(o.out) / "model.safetensors").string());
  if (o.json) {
    io::Json r = io::Json::object();
    r["steps"] = o.steps;
    r["parameters"] = params;
    r["initial_val_loss"] = first_val;
    r["val_loss"] = last_val;
    r["train_loss"] = last_train;
    r["history"] = history;
    r["tokens_per_second"] = static_cast<double>(o.steps * o.batch * o.seq_len) / std::max(train_secs, 1e-9);
    r["out"] = o.out;
    std::printf("%s\n", r.dump().c_str());
  } else {
    std::printf("%s\n", tr(MsgId::gen_train_saved, {o.out}).c_str());
  }
  return 0;
}

}  // namespace hangu::cli

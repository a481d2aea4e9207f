#include "hangu/cli/trainer.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <limits>

#include "hangu/autograd/engine.h"
#include "hangu/cli/train_guard.h"
#include "hangu/core/autograd_meta.h"
#include "hangu/core/error.h"
#include "hangu/core/rng.h"
#include "hangu/data/mnist.h"
#include "hangu/dist/dist.h"
#include "hangu/dist/sync_batch_norm.h"
#include "hangu/io/atomic_file.h"
#include "hangu/io/checkpoint.h"
#include "hangu/io/json.h"
#include "hangu/models/registry.h"
#include "hangu/models/weights.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/nn_functional.h"
#include "hangu/ops/reduction.h"
#include "hangu/optim/adam.h"
#include "hangu/optim/sgd.h"

namespace hangu::cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

constexpr const char* kModelPrefix = "model.";
constexpr const char* kOptimizerPrefix = "optimizer.";
constexpr const char* kEmaPrefix = "ema.";
constexpr int64_t kCheckpointFormat = 1;

// a * b for positive a, b, capped at int64's maximum.
int64_t saturating_mul(int64_t a, int64_t b) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  return a > max / b ? max : a * b;
}

std::shared_ptr<data::TensorDataset> load_split(const std::string& dir, bool train) {
  std::shared_ptr<data::TensorDataset> ds;
  as_bad_input([&] { ds = data::mnist_dataset(dir, train); });
  if (ds->size() == 0) throw ValueError(MsgId::cli_data_empty, "train", dir);
  return ds;
}

// The options a checkpoint records and a resumed run must agree with, as JSON values.
io::Json config_json(const TrainConfig& c, int64_t t_max) {
  io::Json j = io::Json::object();
  j["model"] = c.model;
  j["optimizer"] = c.optimizer;
  j["batch_size"] = c.batch_size;
  j["lr"] = c.lr;
  j["momentum"] = c.momentum;
  j["weight_decay"] = c.weight_decay;
  j["lr_schedule"] = c.schedule;
  j["lr_decay"] = c.lr_decay;
  j["t_max"] = t_max;
  j["ema"] = c.ema;
  j["seed"] = std::to_string(c.seed);  // uint64 does not fit a JSON integer
  j["shuffle"] = c.shuffle;
  j["shift"] = c.shift;
  return j;
}

const io::Json& member(const io::Json& obj, const char* key, const std::string& path) {
  const io::Json* v = obj.find(key);
  if (!v) throw FormatError(MsgId::ckpt_not_checkpoint, path, std::string("missing \"") + key + "\"");
  return *v;
}

}  // namespace

void as_bad_input(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const IoError& e) {
    throw ValueError(e.id(), e.args());
  }
}

EvalResult evaluate(nn::Module& model, std::shared_ptr<const data::Dataset> dataset, int64_t batch_size) {
  NoGradGuard no_grad;
  bool was_training = model.is_training();
  model.eval();
  data::DataLoader loader(std::move(dataset), data::DataLoaderOptions{batch_size, false, 0, false, 0, 2});
  EvalResult r;
  auto it = loader.epoch(0);
  while (auto b = it.next()) {
    Tensor pred = argmax(model(b->data), 1);
    r.correct += sum(eq(pred, b->target)).item<int64_t>();
    r.total += b->target.numel();
  }
  model.train(was_training);
  return r;
}

Trainer::Trainer(TrainConfig config) : Trainer(std::move(config), nullptr, nullptr, nullptr) {}

Trainer::Trainer(TrainConfig config, std::shared_ptr<const data::Dataset> train,
                 std::shared_ptr<const data::Dataset> test, ModelFactory make_model)
    : c_(std::move(config)), train_(std::move(train)), test_(std::move(test)), make_model_(std::move(make_model)) {
  // Inputs are read first (cheap, and every bad one exits 2 before any work).
  const bool mnist = !train_;  // the MNIST folder, not datasets given by the caller
  if (!train_) train_ = load_split(c_.data, true);
  if (!test_) test_ = load_split(c_.data, false);
  io::Checkpoint ckpt;
  if (!c_.resume.empty()) as_bad_input([&] { ckpt = io::load_checkpoint(c_.resume); });

  if (!c_.resume.empty()) {
    // The checkpoint's options win; an explicitly given option must agree with them.
    io::Json meta = io::Json::parse(ckpt.meta_json, c_.resume);
    const io::Json& cfg = member(meta, "config", c_.resume);
    auto agree = [&](const char* key, const char* option, const io::Json& mine) {
      const io::Json& theirs = member(cfg, key, c_.resume);
      if (c_.was_given(option) && !(theirs == mine))
        throw ValueError(MsgId::cli_resume_mismatch, "train --resume", c_.resume, option, theirs.dump(), mine.dump());
      return theirs;
    };
    io::Json mine = config_json(c_, 0);
    c_.model = agree("model", "--model", mine["model"]).as_string();
    c_.optimizer = agree("optimizer", "--optimizer", mine["optimizer"]).as_string();
    c_.batch_size = agree("batch_size", "--batch-size", mine["batch_size"]).as_int();
    c_.lr = agree("lr", "--lr", mine["lr"]).as_double();
    c_.momentum = agree("momentum", "--momentum", mine["momentum"]).as_double();
    c_.weight_decay = agree("weight_decay", "--weight-decay", mine["weight_decay"]).as_double();
    c_.schedule = agree("lr_schedule", "--lr-schedule", mine["lr_schedule"]).as_string();
    c_.lr_decay = agree("lr_decay", "--lr-decay", mine["lr_decay"]).as_double();
    c_.ema = agree("ema", "--ema", mine["ema"]).as_double();
    const std::string seed = agree("seed", "--seed", mine["seed"]).as_string();
    auto [end, ec] = std::from_chars(seed.data(), seed.data() + seed.size(), c_.seed);
    if (seed.empty() || ec != std::errc() || end != seed.data() + seed.size())
      throw FormatError(MsgId::cli_resume_bad, "train --resume", c_.resume, "seed " + seed);
    c_.shuffle = agree("shuffle", "--no-shuffle", mine["shuffle"]).as_bool();
    // Checkpoints from before --shift existed trained without it.
    c_.shift = cfg.find("shift") ? agree("shift", "--shift", mine["shift"]).as_int() : 0;
    if (c_.shift < 0 || c_.shift > 8) throw FormatError(MsgId::cli_resume_bad, "train --resume", c_.resume, "shift");
    if (c_.model != "lenet" && c_.model != "mlp")
      throw FormatError(MsgId::cli_resume_bad, "train --resume", c_.resume, "model " + c_.model);
    if (c_.batch_size < 1) throw FormatError(MsgId::cli_resume_bad, "train --resume", c_.resume, "batch_size");
    t_max_ = member(cfg, "t_max", c_.resume).as_int();
  }

  const int world = dist::world_size();
  if (world > 1 && c_.batch_size % world != 0)
    throw ValueError(MsgId::dist_batch_indivisible, "train", c_.batch_size, world);

  if (mnist && c_.shift > 0) {
    // The border is background: pixel 0, normalised as data/mnist.h does.
    const float background = (0.0f / 255.0f - data::kMnistMean) / data::kMnistStd;
    shifted_ = std::make_shared<data::RandomShift>(train_, c_.shift, background, c_.seed);
    train_ = shifted_;
  }
  manual_seed(c_.seed);
  model_ = make_model_ ? make_model_() : models::create(c_.model);
  if (!c_.init.empty()) as_bad_input([&] { nn::load_weights(*model_, c_.init, true); });
  loader_ = std::make_unique<data::DataLoader>(
      train_, data::DataLoaderOptions{c_.batch_size, c_.shuffle, c_.seed, false, c_.workers, 2, world, dist::rank()});
  build_optimizer();
  if (c_.ema > 0) {
    ema_ = std::make_unique<optim::EMA>(model_->parameters(), c_.ema);
    ema_model_ = make_model_ ? make_model_() : models::create(c_.model);
  }
  if (!c_.resume.empty()) resume_from(ckpt, c_.resume);
  if (world > 1 && c_.sync_bn) sync_bn_layers_ = dist::convert_sync_batchnorm(*model_);
  // After --init / --resume, so that every rank starts from rank 0's (equal) weights.
  if (world > 1) ddp_ = std::make_unique<dist::DistributedDataParallel>(model_, dist::ddp_options_from_env());
}

nn::Module& Trainer::final_model() {
  if (!ema_) return *model_;
  ema_->copy_to(ema_model_->parameters());
  return *ema_model_;
}

int64_t Trainer::planned_steps() const {
  int64_t limit = std::numeric_limits<int64_t>::max();
  if (c_.epochs) limit = saturating_mul(*c_.epochs, num_batches());
  if (c_.steps) limit = std::min(limit, *c_.steps);
  return limit;
}

bool Trainer::finished() const {
  if (c_.steps && global_step_ >= *c_.steps) return true;
  return c_.epochs && epoch_ >= *c_.epochs;
}

void Trainer::build_optimizer() {
  std::vector<Tensor> params = model_->parameters();
  if (c_.optimizer == "sgd") {
    optim::SGDOptions o;
    o.lr = c_.lr;
    o.momentum = c_.momentum;
    o.weight_decay = c_.weight_decay;
    opt_ = std::make_unique<optim::SGD>(params, o);
  } else {
    optim::AdamOptions o;
    o.lr = c_.lr;
    o.weight_decay = c_.weight_decay;
    if (c_.optimizer == "adam") {
      opt_ = std::make_unique<optim::Adam>(params, o);
    } else {
      optim::AdamWOptions w;
      static_cast<optim::AdamOptions&>(w) = o;
      opt_ = std::make_unique<optim::AdamW>(params, w);
    }
  }
  // A resumed cosine schedule keeps the period it started with.
  if (c_.schedule == "cosine") {
    // The period follows --epochs (--steps only stops early), so that a run stopped by --steps
    // and resumed follows the same schedule as one run.
    if (t_max_ <= 0) t_max_ = c_.epochs ? saturating_mul(*c_.epochs, num_batches()) : planned_steps();
    sched_ = std::make_unique<optim::CosineAnnealingLR>(*opt_, t_max_, 0.0);
  } else if (c_.schedule == "exp") {
    sched_ = std::make_unique<optim::ExponentialLR>(*opt_, c_.lr_decay);
  }
}

void Trainer::resume_from(const io::Checkpoint& ckpt, const std::string& path) {
  io::Json meta = io::Json::parse(ckpt.meta_json, path);
  const io::Json& pos = member(meta, "position", path);
  int64_t epoch = member(pos, "epoch", path).as_int();
  int64_t batch = member(pos, "batch", path).as_int();
  int64_t step = member(pos, "global_step", path).as_int();
  int64_t size = member(pos, "dataset_size", path).as_int();
  if (size != train_size())
    throw ValueError(MsgId::cli_resume_mismatch, "train --resume", path, "training images", size, train_size());
  if (epoch < 0 || batch < 0 || batch >= num_batches() || step < 0)
    throw FormatError(MsgId::cli_resume_bad, "train --resume", path, "position " + pos.dump());
  nn::StateDict model_state;
  optim::OptimizerState opt_state;
  optim::NamedTensors ema_state;
  for (const auto& [name, t] : ckpt.tensors) {
    if (name.rfind(kModelPrefix, 0) == 0) {
      model_state.emplace_back(name.substr(std::string(kModelPrefix).size()), t);
    } else if (name.rfind(kOptimizerPrefix, 0) == 0) {
      opt_state.tensors.emplace_back(name.substr(std::string(kOptimizerPrefix).size()), t);
    } else if (name.rfind(kEmaPrefix, 0) == 0) {
      ema_state.emplace_back(name, t);
    }
  }
  if (ema_) ema_->load_state_dict(ema_state);
  opt_state.json = member(meta, "optimizer", path).dump();
  model_->load_state_dict(model_state, true);
  opt_->load_state_dict(opt_state);
  const io::Json& sched = member(meta, "scheduler", path);
  if (sched_ && sched.is_string()) {
    sched_->load_state_dict(sched.as_string());
  } else if (sched_ || !sched.is_null()) {
    throw FormatError(MsgId::cli_resume_bad, "train --resume", path, "scheduler " + sched.dump());
  }
  const io::Json& rng = member(meta, "rng", path);
  default_generator().set_state(io::generator_state_from_json(member(rng, "default", path), path));
  epoch_ = epoch;
  batch_ = batch;
  global_step_ = step;
  resumed_ = true;
}

TrainResult Trainer::run(const StepFn& on_step, const EpochFn& on_epoch, bool eval_each_epoch) {
  TrainResult r;
  model_->train();
  const int64_t nb = num_batches();
  const int64_t planned = planned_steps();
  const int64_t first_step = global_step_;
  const std::vector<Tensor> params = model_->parameters();
  double train_seconds = 0.0;
  while (!finished()) {
    const auto t_epoch = Clock::now();
    double loss_sum = 0.0;
    int64_t samples = 0, loss_samples = 0;  // loss_samples: of the batches not skipped by --on-nan
    if (shifted_) shifted_->set_epoch(epoch_);
    auto it = loader_->epoch(epoch_, batch_);
    while (!(c_.steps && global_step_ >= *c_.steps)) {
      std::optional<data::Batch> b = it.next();
      if (!b) break;
      // With several ranks each one holds its shard of the global batch (`n` samples of it).
      const int64_t n = std::min<int64_t>(c_.batch_size, train_size() - batch_ * c_.batch_size);
      const int64_t mine = b->target.defined() ? b->target.numel() : 0;
      double l = 0.0;
      if (mine > 0) {
        Tensor loss = cross_entropy((*model_)(b->data), b->target);
        // Unequal shards (a short last batch) weigh each rank's mean by its share, so that the
        // average over ranks is the mean over the global batch.
        if (mine * dist::world_size() != n)
          loss = mul(loss, static_cast<double>(mine * dist::world_size()) / static_cast<double>(n));
        opt_->zero_grad();
        loss.backward();
        l = loss.item<double>();
      } else {
        opt_->zero_grad();
      }
      if (ddp_) {
        ddp_->finish_gradient_sync();
        Tensor lt = empty({1}, DType::f64);
        *lt.data_ptr<double>() = l;
        dist::all_reduce(lt, dist::ReduceOp::mean);  // the global batch's loss, equal on every rank
        l = lt.item<double>();
      }
      // A NaN/Inf loss or gradient stops training, or with --on-nan skip skips this update.
      const bool finite = check_step_finite(c_.on_nan, l, params, {global_step_ + 1, epoch_ + 1, batch_ + 1});
      if (finite) {
        opt_->step();
        if (ema_) {
          // Step t (1-based) uses decay min(ema, (t - 1) / t): the first 1 / (1 - ema) steps are
          // averaged uniformly, so the initial weights do not weigh on a short run; then the EMA
          // proper. It depends on the step only, so a resumed run averages the same way.
          const auto t = static_cast<double>(global_step_ + 1);
          ema_->set_decay(std::min(c_.ema, (t - 1.0) / t));
          ema_->update();
        }
      }
      if (sched_ && c_.schedule == "cosine") sched_->step();
      if (finite) {
        loss_sum += l * static_cast<double>(n);
        loss_samples += n;
      }
      samples += n;
      ++batch_;
      ++global_step_;
      ++r.steps_run;
      r.samples_run += n;
      log_step_for_tests(global_step_);
      // The epoch's end is saved by the caller (and a checkpoint at batch == nb cannot resume).
      if (c_.checkpoint_every > 0 && batch_ < nb && global_step_ % c_.checkpoint_every == 0) save(c_.out);
      if (on_step) {
        double elapsed = train_seconds + seconds_since(t_epoch);
        StepInfo s{epoch_, batch_, nb, global_step_, planned, l, 0.0, -1.0};
        if (elapsed > 0) {
          s.samples_per_second = static_cast<double>(r.samples_run) / elapsed;
          double steps_per_second = static_cast<double>(global_step_ - first_step) / elapsed;
          s.eta_seconds = static_cast<double>(planned - global_step_) / steps_per_second;
        }
        on_step(s);
      }
    }
    const double epoch_seconds = seconds_since(t_epoch);
    train_seconds += epoch_seconds;
    EpochInfo e;
    e.epoch = epoch_;
    e.complete = batch_ >= nb;
    e.batch = batch_;
    e.global_step = global_step_;
    e.mean_loss = loss_samples ? loss_sum / static_cast<double>(loss_samples) : 0.0;
    e.seconds = epoch_seconds;
    e.samples_per_second = epoch_seconds > 0 ? static_cast<double>(samples) / epoch_seconds : 0.0;
    if (samples) r.train_loss = e.mean_loss;
    if (e.complete) {
      ++epoch_;
      batch_ = 0;
      if (sched_ && c_.schedule == "exp") sched_->step();
    }
    if (eval_each_epoch) e.test = evaluate_test();
    if (on_epoch && samples) on_epoch(e);
    if (!e.complete) break;  // stopped by --steps
  }
  r.epochs_completed = epoch_;
  r.global_step = global_step_;
  r.train_seconds = train_seconds;
  r.ranks = dist::world_size();
  if (ddp_) r.sync_wait_seconds = ddp_->stats().wait_seconds;
  return r;
}

EvalResult Trainer::evaluate_test() { return evaluate(final_model(), test_, 500); }

void Trainer::save(const std::string& dir) {
  dist::barrier();  // every rank has finished the step being saved
  if (dist::rank() == 0) write_files(dir);
  dist::barrier();  // no rank runs ahead of (or exits before) the checkpoint on disk
}

void Trainer::write_files(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw IoError(MsgId::io_write_failed, dir, "create_directories", ec.message());
  const std::string weights = (std::filesystem::path(dir) / "model.safetensors").string();
  const std::string checkpoint = (std::filesystem::path(dir) / "checkpoint.safetensors").string();
  io::remove_stale_temporaries(weights);  // left by a run killed during a save
  io::remove_stale_temporaries(checkpoint);
  nn::save_weights(final_model(), weights);

  io::Checkpoint ckpt;
  for (const auto& [name, t] : model_->state_dict()) ckpt.tensors.emplace_back(kModelPrefix + name, t);
  optim::OptimizerState os = opt_->state_dict();
  for (const auto& [name, t] : os.tensors) ckpt.tensors.emplace_back(kOptimizerPrefix + name, t);
  if (ema_)
    for (auto& named : ema_->state_dict()) ckpt.tensors.push_back(std::move(named));
  io::Json meta = io::Json::object();
  meta["format"] = kCheckpointFormat;
  meta["config"] = config_json(c_, sched_ ? t_max_ : 0);
  io::Json pos = io::Json::object();
  pos["epoch"] = epoch_;
  pos["batch"] = batch_;
  pos["global_step"] = global_step_;
  pos["dataset_size"] = train_size();
  meta["position"] = std::move(pos);
  meta["optimizer"] = io::Json::parse(os.json, "optimizer state");
  meta["scheduler"] = sched_ ? io::Json(sched_->state_dict()) : io::Json();
  io::Json rng = io::Json::object();
  rng["default"] = io::generator_state_to_json(default_generator().state());
  meta["rng"] = std::move(rng);
  ckpt.meta_json = meta.dump();
  io::save_checkpoint(checkpoint, ckpt);
}

}  // namespace hangu::cli

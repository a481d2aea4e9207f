// Optimizers, schedulers, gradient clipping and EMA against PyTorch 1.13 fixtures
// (tools/gen_optim_fixtures.py writes tests/fixtures/optim/).
#include <cmath>
#include <memory>

#include "hangu/io/json.h"
#include "hangu/optim/adagrad.h"
#include "hangu/optim/adam.h"
#include "hangu/optim/clip_grad.h"
#include "hangu/optim/ema.h"
#include "hangu/optim/rmsprop.h"
#include "hangu/optim/scheduler.h"
#include "hangu/optim/sgd.h"
#include "test_util.h"

using namespace hangu;
using namespace hangu::optim;
using hangu::io::Json;

namespace {

const std::string kDir = std::string(HANGU_FIXTURE_DIR) + "/optim/";

struct Fixture {
  io::SafetensorsFile file;
  Json config;
  Tensor get(const std::string& name) const {
    const Tensor* t = file.find(name);
    EXPECT_NE(t, nullptr) << name;
    return t ? contiguous(clone(*t)) : Tensor();
  }
};

Fixture load(const std::string& name) {
  Fixture f{io::load_safetensors(kDir + name + ".safetensors"), {}};
  f.config = Json::parse(f.file.metadata.at("config"), name);
  return f;
}

// PyTorch kwargs -> our option names (betas -> beta1/beta2, booleans -> 0/1).
Options to_options(const Json& kwargs) {
  Options o;
  for (const auto& [k, v] : kwargs.as_object()) {
    if (k == "betas") {
      o["beta1"] = v.as_array()[0].as_double();
      o["beta2"] = v.as_array()[1].as_double();
    } else if (v.is_bool()) {
      o[k] = v.as_bool() ? 1.0 : 0.0;
    } else {
      o[k] = v.as_double();
    }
  }
  return o;
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& type, std::vector<ParamGroup> groups) {
  if (type == "SGD") return std::make_unique<SGD>(std::move(groups));
  if (type == "Adam") return std::make_unique<Adam>(std::move(groups));
  if (type == "AdamW") return std::make_unique<AdamW>(std::move(groups));
  if (type == "RMSprop") return std::make_unique<RMSprop>(std::move(groups));
  if (type == "Adagrad") return std::make_unique<Adagrad>(std::move(groups));
  ADD_FAILURE() << "unknown optimizer " << type;
  return nullptr;
}

// Groups as the fixture built them: the kwargs in every group, plus per-group overrides.
std::vector<ParamGroup> fixture_groups(const Fixture& f, const std::vector<Tensor>& params) {
  Options base = to_options(f.config.find("options") ? *f.config.find("options") : Json::object());
  const auto& overrides = f.config.find("groups")->as_array();
  std::vector<ParamGroup> groups;
  if (overrides.empty()) return {ParamGroup{params, base}};
  for (size_t j = 0; j < params.size(); ++j) {
    Options o = base;
    for (const auto& [k, v] : to_options(overrides[j])) o[k] = v;
    groups.push_back(ParamGroup{{params[j]}, o});
  }
  return groups;
}

// Max relative error with an absolute floor for values near zero.
double max_rel_err(const Tensor& a, const Tensor& b) {
  auto x = to_vector<double>(a), y = to_vector<double>(b);
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, std::fabs(x[i] - y[i]) / std::max(std::fabs(y[i]), 1e-3));
  return m;
}

Tensor filled(Shape s, double v) { return full(IntList(s), v); }

const char* kOptimizerCases[] = {"sgd",
                                 "sgd_momentum_wd",
                                 "sgd_nesterov",
                                 "sgd_maximize_f64",
                                 "sgd_groups",
                                 "adam",
                                 "adam_wd_amsgrad",
                                 "adam_f64",
                                 "adamw",
                                 "adamw_amsgrad",
                                 "sgd_long",
                                 "adamw_long",
                                 "rmsprop",
                                 "rmsprop_centered_momentum",
                                 "adagrad"};

}  // namespace

TEST(Optim, MatchesPyTorchTrajectories) {
  for (const char* name : kOptimizerCases) {
    SCOPED_TRACE(name);
    Fixture f = load(std::string("opt_") + name);
    int64_t n = f.config.find("nparams")->as_int(), steps = f.config.find("steps")->as_int();
    std::vector<Tensor> params;
    for (int64_t j = 0; j < n; ++j) params.push_back(f.get("param." + std::to_string(j) + ".init").set_requires_grad());
    auto opt = make_optimizer(f.config.find("optimizer")->as_string(), fixture_groups(f, params));
    ASSERT_TRUE(opt);
    int64_t exact = 0, total = 0;
    for (int64_t k = 1; k <= steps; ++k) {
      for (int64_t j = 0; j < n; ++j) params[j].set_grad(f.get("grad." + std::to_string(k) + "." + std::to_string(j)));
      opt->step();
      for (int64_t j = 0; j < n; ++j) {
        std::string key = "param." + std::to_string(j) + ".step" + std::to_string(k);
        if (!f.file.find(key)) continue;  // long runs record some steps only
        Tensor want = f.get(key);
        EXPECT_LE(max_rel_err(params[j], want), 1e-6) << "param " << j << " step " << k;
        exact += test_util::same_bits(params[j].detach(), want);
        ++total;
      }
    }
    // Same operation order and rounding as PyTorch's CPU kernels: expected bit-exact here.
    EXPECT_EQ(exact, total);
  }
}

TEST(Optim, SkipsParamsWithoutGradAndZeroGrad) {
  Tensor a = ones({3}).set_requires_grad(), b = ones({2}).set_requires_grad();
  SGD opt({a, b}, SGDOptions{.lr = 0.5});
  a.set_grad(filled({3}, 2.0));
  opt.step();
  EXPECT_EQ(to_vector<float>(a), std::vector<float>({0, 0, 0}));
  EXPECT_EQ(to_vector<float>(b), std::vector<float>({1, 1}));
  opt.zero_grad(false);
  ASSERT_TRUE(a.grad().defined());
  EXPECT_EQ(to_vector<float>(a.grad()), std::vector<float>({0, 0, 0}));
  opt.zero_grad();
  EXPECT_FALSE(a.grad().defined());
}

TEST(Optim, RejectsBadOptionsAndParams) {
  Tensor a = ones({3}).set_requires_grad();
  test_util::expect_error_mentions<ValueError>([&] { SGD({a}, SGDOptions{.lr = -1}); }, {"lr", "-1"});
  test_util::expect_error_mentions<ValueError>([&] { Adam({a}, AdamOptions{.beta1 = 1.5}); }, {"beta1", "1.5"});
  test_util::expect_error_mentions<ValueError>([&] { SGD({a}, SGDOptions{.nesterov = true}); }, {"nesterov"});
  test_util::expect_error_mentions<DTypeError>([&] { SGD({ones({2}, DType::i64)}); }, {"int64"});
  test_util::expect_error_mentions<ValueError>(
      [&] {
        SGD(std::vector<ParamGroup>{{{a}, {{"betas", 0.1}}}});
      },
      {"betas"});
  a.set_grad(ones({4}));
  SGD opt({a});
  test_util::expect_error_mentions<ShapeError>([&] { opt.step(); }, {"[4]", "[3]"});
}

// Runs `first` steps, saves, restores into a fresh optimizer and runs the rest on both.
template <typename Opt, typename O>
void check_resume(O options) {
  auto grads_at = [](int64_t k) {
    return std::vector<Tensor>{filled({2, 3}, 0.1 * double(k) - 0.25), filled({4}, 0.3 - 0.05 * double(k))};
  };
  std::vector<Tensor> p1{randn({2, 3}), randn({4})};
  for (auto& p : p1) p.set_requires_grad();
  Opt a(p1, options);
  for (int64_t k = 0; k < 3; ++k) {
    auto g = grads_at(k);
    for (size_t j = 0; j < p1.size(); ++j) p1[j].set_grad(g[j]);
    a.step();
  }
  OptimizerState s = a.state_dict();
  std::vector<Tensor> p2;
  for (auto& p : p1) p2.push_back(clone(p.detach()).set_requires_grad());
  Opt b(p2, O{});
  b.load_state_dict(s);
  for (int64_t k = 3; k < 7; ++k) {
    auto g = grads_at(k);
    for (size_t j = 0; j < p1.size(); ++j) {
      p1[j].set_grad(g[j]);
      p2[j].set_grad(clone(g[j]));
    }
    a.step();
    b.step();
  }
  for (size_t j = 0; j < p1.size(); ++j) EXPECT_TRUE(test_util::same_bits(p1[j].detach(), p2[j].detach()));
  EXPECT_EQ(a.state_dict().json, b.state_dict().json);
}

TEST(Optim, StateDictRoundTripResumesIdentically) {
  check_resume<SGD>(SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 1e-3});
  check_resume<Adam>(AdamOptions{.lr = 0.01, .amsgrad = true});
  check_resume<AdamW>(AdamWOptions{});
  check_resume<RMSprop>(RMSpropOptions{.momentum = 0.5, .centered = true});
  check_resume<Adagrad>(AdagradOptions{.lr_decay = 0.1});
}

TEST(Optim, StateDictNamesAndErrors) {
  Tensor a = ones({3}).set_requires_grad();
  Adam opt({a}, AdamOptions{.amsgrad = true});
  a.set_grad(ones({3}));
  opt.step();
  OptimizerState s = opt.state_dict();
  std::vector<std::string> names;
  for (auto& [n, t] : s.tensors) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"state.0.exp_avg", "state.0.exp_avg_sq", "state.0.max_exp_avg_sq",
                                             "state.0.step"}));
  EXPECT_NE(s.json.find("\"amsgrad\":1.0"), std::string::npos) << s.json;
  SGD other({a});
  test_util::expect_error_mentions<ValueError>([&] { other.load_state_dict(s); }, {"optimizer", "Adam"});
  Tensor b = ones({5}).set_requires_grad();
  Adam wrong({b});
  test_util::expect_error_mentions<ValueError>([&] { wrong.load_state_dict(s); }, {"state.0.exp_avg", "[5]", "[3]"});
}

namespace {

std::unique_ptr<LRScheduler> make_scheduler(const Json& c, Optimizer& opt) {
  std::string type = c.find("type")->as_string();
  if (type == "StepLR")
    return std::make_unique<StepLR>(opt, c.find("step_size")->as_int(), c.find("gamma")->as_double());
  if (type == "MultiStepLR") {
    std::vector<int64_t> m;
    for (const auto& v : c.find("milestones")->as_array()) m.push_back(v.as_int());
    return std::make_unique<MultiStepLR>(opt, m, c.find("gamma")->as_double());
  }
  if (type == "ExponentialLR") return std::make_unique<ExponentialLR>(opt, c.find("gamma")->as_double());
  if (type == "CosineAnnealingLR")
    return std::make_unique<CosineAnnealingLR>(opt, c.find("T_max")->as_int(), c.find("eta_min")->as_double());
  if (type == "WarmupCosine")
    return std::make_unique<WarmupCosine>(opt, c.find("warmup")->as_int(), c.find("total")->as_int());
  if (type == "OneCycleLR")
    return std::make_unique<OneCycleLR>(opt, c.find("max_lr")->as_double(), c.find("total_steps")->as_int());
  return nullptr;
}

PlateauOptions plateau_options(const Json& c) {
  PlateauOptions o;
  if (auto* v = c.find("mode")) o.mode_max = v->as_string() == "max";
  if (auto* v = c.find("factor")) o.factor = v->as_double();
  if (auto* v = c.find("patience")) o.patience = v->as_int();
  if (auto* v = c.find("cooldown")) o.cooldown = v->as_int();
  if (auto* v = c.find("min_lr")) o.min_lr = v->as_double();
  if (auto* v = c.find("threshold")) o.threshold = v->as_double();
  if (auto* v = c.find("threshold_mode")) o.threshold_rel = v->as_string() == "rel";
  return o;
}

const char* kSchedulerCases[] = {"step",     "multistep",     "exponential", "cosine",         "warmup_cosine",
                                 "onecycle", "onecycle_adam", "plateau",     "plateau_max_abs"};

}  // namespace

TEST(Scheduler, MatchesPyTorchSequences) {
  for (const char* name : kSchedulerCases) {
    SCOPED_TRACE(name);
    Fixture f = load(std::string("sched_") + name);
    Tensor p = zeros({2}).set_requires_grad();
    auto opt = make_optimizer(f.config.find("optimizer")->as_string(),
                              {ParamGroup{{p}, to_options(*f.config.find("opt_options"))}});
    std::string type = f.config.find("type")->as_string();
    std::unique_ptr<LRScheduler> sched;
    std::unique_ptr<ReduceLROnPlateau> plateau;
    if (type == "ReduceLROnPlateau")
      plateau = std::make_unique<ReduceLROnPlateau>(*opt, plateau_options(f.config));
    else
      sched = make_scheduler(f.config, *opt);
    ASSERT_TRUE(sched || plateau);
    auto lrs = to_vector<double>(f.get("lr"));
    std::vector<double> moms, metrics;
    if (f.file.find("momentum")) moms = to_vector<double>(f.get("momentum"));
    if (f.file.find("metrics")) metrics = to_vector<double>(f.get("metrics"));
    const std::string mkey = opt->defaults().count("beta1") ? "beta1" : "momentum";
    for (size_t i = 0; i < lrs.size(); ++i) {
      const Options& o = opt->param_groups()[0].options;
      EXPECT_NEAR(o.at("lr"), lrs[i], 1e-12 + 1e-9 * std::fabs(lrs[i])) << "step " << i;
      if (!moms.empty()) {
        EXPECT_NEAR(o.at(mkey), moms[i], 1e-12) << "step " << i;
      }
      opt->step();
      if (plateau)
        plateau->step(metrics[i]);
      else
        sched->step();
    }
  }
}

TEST(Scheduler, StateDictResumes) {
  for (const char* name : kSchedulerCases) {
    SCOPED_TRACE(name);
    Fixture f = load(std::string("sched_") + name);
    auto run = [&](int64_t split, std::vector<double>* out) {
      Tensor p = zeros({2}).set_requires_grad();
      auto opt = make_optimizer(f.config.find("optimizer")->as_string(),
                                {ParamGroup{{p}, to_options(*f.config.find("opt_options"))}});
      bool is_plateau = f.config.find("type")->as_string() == "ReduceLROnPlateau";
      std::unique_ptr<LRScheduler> s;
      std::unique_ptr<ReduceLROnPlateau> pl;
      auto make = [&] {
        if (is_plateau) {
          pl = std::make_unique<ReduceLROnPlateau>(*opt, plateau_options(f.config));
        } else {
          s = make_scheduler(f.config, *opt);
        }
      };
      make();
      auto metrics = f.file.find("metrics") ? to_vector<double>(f.get("metrics")) : std::vector<double>(30, 0.0);
      for (int64_t i = 0; i < 30; ++i) {
        if (i == split) {  // save both, rebuild both, load both
          OptimizerState os = opt->state_dict();
          std::string ss = is_plateau ? pl->state_dict() : s->state_dict();
          Tensor q = zeros({2}).set_requires_grad();
          opt = make_optimizer(f.config.find("optimizer")->as_string(),
                               {ParamGroup{{q}, to_options(*f.config.find("opt_options"))}});
          make();
          opt->load_state_dict(os);
          if (is_plateau)
            pl->load_state_dict(ss);
          else
            s->load_state_dict(ss);
        }
        out->push_back(opt->param_groups()[0].options.at("lr"));
        if (is_plateau)
          pl->step(metrics[static_cast<size_t>(i)]);
        else
          s->step();
      }
    };
    std::vector<double> whole, resumed;
    run(-1, &whole);
    run(13, &resumed);
    EXPECT_EQ(whole, resumed);
  }
}

TEST(ClipGrad, NormMatchesPyTorch) {
  for (const char* name : {"l2", "l1", "inf", "noop"}) {
    SCOPED_TRACE(name);
    Fixture f = load(std::string("clip_") + name);
    std::vector<Tensor> params;
    for (int j = 0; j < 2; ++j) {
      Tensor g = f.get("grad." + std::to_string(j));
      params.push_back(zeros_like(g).set_requires_grad());
      params.back().set_grad(g);
    }
    const Json* nt = f.config.find("norm_type");
    double norm_type = nt->is_string() ? INFINITY : nt->as_double();
    double total = clip_grad_norm_(params, f.config.find("max_norm")->as_double(), norm_type);
    double want = to_vector<double>(f.get("total_norm"))[0];
    EXPECT_NEAR(total, want, 1e-6 * want);
    for (int j = 0; j < 2; ++j) EXPECT_LE(max_rel_err(params[j].grad(), f.get("clipped." + std::to_string(j))), 1e-6);
  }
}

TEST(ClipGrad, ValueClamps) {
  Tensor p = zeros({4}).set_requires_grad();
  p.set_grad(test_util::tf({-3, -0.5, 0.25, 9}));
  clip_grad_value_({p}, 1.0);
  EXPECT_EQ(to_vector<float>(p.grad()), std::vector<float>({-1, -0.5, 0.25, 1}));
}

TEST(EMA, AveragesAndCopies) {
  Tensor p = test_util::tf({1, 2});
  EMA ema({p}, 0.5);
  copy_(p, test_util::tf({3, 6}));
  ema.update();
  EXPECT_EQ(to_vector<float>(ema.shadow()[0]), std::vector<float>({2, 4}));
  ema.update();
  EXPECT_EQ(to_vector<float>(ema.shadow()[0]), std::vector<float>({2.5, 5}));
  Tensor q = zeros({2});
  ema.copy_to({q});
  EXPECT_EQ(to_vector<float>(q), std::vector<float>({2.5, 5}));
  ema.apply();
  EXPECT_EQ(to_vector<float>(p), std::vector<float>({2.5, 5}));
  EMA other({zeros({2})}, 0.9);
  other.load_state_dict(ema.state_dict());
  EXPECT_EQ(to_vector<float>(other.shadow()[0]), std::vector<float>({2.5, 5}));
}

// The trainer's warm-up (decay (t - 1) / t at step t) makes the first steps a uniform average.
TEST(EMA, SetDecayChangesTheAverage) {
  Tensor p = test_util::tf({0});
  EMA ema({p}, 0.9);
  for (int t = 1; t <= 3; ++t) {
    ema.set_decay((t - 1.0) / t);
    copy_(p, test_util::tf({static_cast<float>(3 * t)}));
    ema.update();
  }
  EXPECT_EQ(to_vector<float>(ema.shadow()[0]), std::vector<float>({6}));  // mean of 3, 6, 9
  EXPECT_DOUBLE_EQ(ema.decay(), 2.0 / 3.0);
  EXPECT_THROW(ema.set_decay(1.5), ValueError);
  EXPECT_THROW(ema.set_decay(-0.1), ValueError);
}

TEST(Optim, LargeParamsDoNotDependOnThreadCount) {
  auto run = [] {
    Tensor w = reshape(arange(0.0, 200000.0), {400, 500});
    w = mul(w, 1e-5).set_requires_grad();
    Adam opt({w}, AdamOptions{.lr = 0.01, .weight_decay = 0.1, .amsgrad = true});
    for (int k = 0; k < 3; ++k) {
      w.set_grad(sub(mul(w.detach(), 0.5), 0.3));
      opt.step();
    }
    return w.detach();
  };
  auto [one, two] = test_util::with_1_and_2_threads(run);
  EXPECT_TRUE(test_util::same_bits(one, two));
}

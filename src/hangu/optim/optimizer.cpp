#include "hangu/optim/optimizer.h"

#include <cmath>
#include <string_view>

#include "hangu/core/autograd_meta.h"
#include "hangu/core/error.h"
#include "hangu/io/json.h"
#include "hangu/ops/copy.h"

namespace hangu::optim {

double ParamGroup::get(const std::string& key) const {
  auto it = options.find(key);
  if (it == options.end())
    throw ValueError(MsgId::train_bad_option, "optimizer", key, "(missing)", "an option of this optimizer");
  return it->second;
}

void Optimizer::validate(const Options& o) const {
  for (const auto& [k, v] : o)
    if (!std::isfinite(v)) throw ValueError(MsgId::train_bad_option, name(), k, v, "a finite number");
  if (o.at("lr") < 0) throw ValueError(MsgId::train_bad_option, name(), "lr", o.at("lr"), ">= 0");
  auto wd = o.find("weight_decay");
  if (wd != o.end() && wd->second < 0)
    throw ValueError(MsgId::train_bad_option, name(), "weight_decay", wd->second, ">= 0");
}

void Optimizer::add_param_group(ParamGroup group) {
  for (const auto& [k, v] : group.options)
    if (!defaults_.count(k) && k != "initial_lr" && k.rfind("sched_", 0) != 0)
      throw ValueError(MsgId::train_bad_option, "optimizer param group", k, v, "an option of this optimizer");
  for (const auto& [k, v] : defaults_) group.options.emplace(k, v);
  validate(group.options);
  for (size_t i = 0; i < group.params.size(); ++i) {
    check_defined(group.params[i], "Optimizer");
    DType t = group.params[i].dtype();
    if (t != DType::f32 && t != DType::f64)
      throw DTypeError(MsgId::train_param_dtype, name(), static_cast<int64_t>(i), t);
  }
  state_.emplace_back(group.params.size());
  groups_.push_back(std::move(group));
}

void Optimizer::step() {
  NoGradGuard no_grad;
  int64_t index = 0;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    const ParamGroup& g = groups_[gi];
    for (size_t pi = 0; pi < g.params.size(); ++pi, ++index) {
      const Tensor& p = g.params[pi];
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      if (grad.shape() != p.shape() || grad.dtype() != p.dtype())
        throw ShapeError(MsgId::train_grad_mismatch, name(), index, grad.shape(), grad.dtype(), p.shape(), p.dtype());
      Tensor pc = p.is_contiguous() ? p : contiguous(p);
      update(pc, contiguous(grad), g, state_[gi][pi]);
      if (!pc.is_same(p)) copy_(p, pc);
    }
  }
}

void Optimizer::zero_grad(bool set_to_none) {
  for (auto& g : groups_)
    for (auto& p : g.params) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      if (set_to_none) {
        p.set_grad(Tensor());
      } else {
        NoGradGuard no_grad;
        zero_(grad);
      }
    }
}

OptimizerState Optimizer::state_dict() const {
  OptimizerState s;
  io::Json groups = io::Json::array();
  int64_t index = 0;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    io::Json opts = io::Json::object();
    for (const auto& [k, v] : groups_[gi].options) opts[k] = v;
    io::Json ids = io::Json::array();
    for (size_t pi = 0; pi < groups_[gi].params.size(); ++pi, ++index) {
      ids.push_back(index);
      for (const auto& [key, t] : state_[gi][pi])
        s.tensors.emplace_back("state." + std::to_string(index) + "." + key, t);
    }
    io::Json g = io::Json::object();
    g["options"] = std::move(opts);
    g["params"] = std::move(ids);
    groups.push_back(std::move(g));
  }
  io::Json root = io::Json::object();
  root["optimizer"] = name();
  root["param_groups"] = std::move(groups);
  s.json = root.dump();
  return s;
}

void Optimizer::load_state_dict(const OptimizerState& s) {
  const char* who = "Optimizer::load_state_dict";
  io::Json root = io::Json::parse(s.json, "optimizer state");
  const io::Json* type = root.find("optimizer");
  if (!type || !type->is_string() || type->as_string() != name())
    throw ValueError(MsgId::train_state_bad, who, "optimizer", name(), type ? type->dump() : "(missing)");
  const io::Json* groups = root.find("param_groups");
  if (!groups || !groups->is_array() || groups->size() != groups_.size())
    throw ValueError(MsgId::train_state_bad, who, "param_groups", std::to_string(groups_.size()) + " groups",
                     groups ? groups->dump() : "(missing)");
  // Validate everything before changing anything.
  std::vector<Options> new_opts(groups_.size());
  std::vector<std::pair<size_t, size_t>> where;  // parameter index -> (group, param)
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    const io::Json& g = groups->as_array()[gi];
    const io::Json* opts = g.find("options");
    const io::Json* ids = g.find("params");
    if (!opts || !opts->is_object() || !ids || !ids->is_array() || ids->size() != groups_[gi].params.size())
      throw ValueError(MsgId::train_state_bad, who, "param_groups." + std::to_string(gi),
                       std::to_string(groups_[gi].params.size()) + " parameters and options", g.dump());
    for (const auto& [k, v] : opts->as_object()) new_opts[gi][k] = v.as_double();
    for (size_t pi = 0; pi < groups_[gi].params.size(); ++pi) where.emplace_back(gi, pi);
  }
  std::vector<std::vector<ParamState>> new_state(groups_.size());
  for (size_t gi = 0; gi < groups_.size(); ++gi) new_state[gi].resize(groups_[gi].params.size());
  for (const auto& [key, t] : s.tensors) {
    std::string_view rest(key);
    size_t dot = rest.find('.', 6);
    if (rest.substr(0, 6) != "state." || dot == std::string_view::npos)
      throw ValueError(MsgId::train_state_bad, who, key, "a name state.<index>.<key>", key);
    std::string idx_text(rest.substr(6, dot - 6));
    int64_t idx = -1;
    try {
      size_t used = 0;
      idx = std::stoll(idx_text, &used);
      if (used != idx_text.size()) idx = -1;
    } catch (const std::exception&) {
      idx = -1;
    }
    if (idx < 0 || idx >= static_cast<int64_t>(where.size()))
      throw ValueError(MsgId::train_state_bad, who, key, "a parameter index below " + std::to_string(where.size()),
                       idx_text);
    auto [gi, pi] = where[static_cast<size_t>(idx)];
    const Tensor& p = groups_[gi].params[pi];
    std::string sub(rest.substr(dot + 1));
    bool ok = t.defined() && (sub == "step" ? t.numel() == 1 : (t.shape() == p.shape() && t.dtype() == p.dtype()));
    if (!ok)
      throw ValueError(
          MsgId::train_state_bad, who, key,
          "shape " + shape_str(p.shape()) + " dtype " + std::string(dtype_name(p.dtype())),
          t.defined() ? "shape " + shape_str(t.shape()) + " dtype " + std::string(dtype_name(t.dtype())) : "undefined");
    new_state[gi][pi][sub] = contiguous(clone(t));
  }
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    for (const auto& [k, v] : defaults_) new_opts[gi].emplace(k, v);
    validate(new_opts[gi]);
  }
  for (size_t gi = 0; gi < groups_.size(); ++gi) groups_[gi].options = std::move(new_opts[gi]);
  state_ = std::move(new_state);
}

}  // namespace hangu::optim

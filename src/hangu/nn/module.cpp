#include "hangu/nn/module.h"

#include <map>

#include "hangu/core/autograd_meta.h"
#include "hangu/ops/copy.h"

namespace hangu::nn {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s.append(i ? ", " : "").append(v[i]);
  return s;
}

std::string join_prefix(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

// Replaces what `handle` points at with `value`'s data, keeping the handle (and its autograd
// flag) so that layers holding the handle see the change.
void rebind(const Tensor& handle, const Tensor& value) {
  TensorImpl* impl = handle.impl();
  impl->storage = value.storage();
  impl->shape = value.shape();
  impl->strides = value.strides();
  impl->offset = value.offset();
  impl->dtype = value.dtype();
  if (impl->autograd) impl->autograd->grad = Tensor();
}

}  // namespace

StateDictError::StateDictError(const std::string& module_name, std::vector<std::string> missing,
                               std::vector<std::string> unexpected, std::vector<std::string> mismatched)
    : ValueError(MsgId::nn_state_dict_mismatch, module_name, join(missing), join(unexpected), join(mismatched)),
      missing_keys(std::move(missing)),
      unexpected_keys(std::move(unexpected)),
      mismatched_keys(std::move(mismatched)) {}

Module::Module(std::string type_name) : type_name_(std::move(type_name)) {}

Tensor Module::forward(const Tensor&) { throw Unsupported(MsgId::nn_forward_undefined, type_name_); }

void Module::check_new_name(const std::string& name) const {
  if (name.empty() || name.find('.') != std::string::npos)
    throw ValueError(MsgId::nn_bad_member_name, type_name_, name);
  bool taken = false;
  for (const auto& p : params_) taken |= p.first == name;
  for (const auto& b : buffers_) taken |= b.name == name;
  for (const auto& c : children_) taken |= c.first == name;
  if (taken) throw ValueError(MsgId::nn_duplicate_member, type_name_, name);
}

Tensor Module::register_parameter(const std::string& name, Tensor t) {
  check_new_name(name);
  if (!t.defined()) return t;
  if (!t.is_floating_point()) throw DTypeError(MsgId::nn_param_not_floating, name, t.dtype());
  if (!t.is_leaf()) t = t.detach();
  t.set_requires_grad(true);
  params_.emplace_back(name, t);
  return t;
}

Tensor Module::register_buffer(const std::string& name, Tensor t, bool persistent) {
  check_new_name(name);
  if (!t.defined()) return t;
  buffers_.push_back(Buffer{name, t, persistent});
  return t;
}

void Module::add_child(const std::string& name, ModulePtr m) {
  check_new_name(name);
  if (!m) throw ValueError(MsgId::arg_invalid, "register_module", "module", "nullptr");
  children_.emplace_back(name, std::move(m));
}

void Module::collect_params(const std::string& prefix, bool recurse, NamedTensors* out) const {
  for (const auto& [n, t] : params_) out->emplace_back(join_prefix(prefix, n), t);
  if (!recurse) return;
  for (const auto& [n, c] : children_) c->collect_params(join_prefix(prefix, n), true, out);
}

void Module::collect_buffers(const std::string& prefix, bool recurse, NamedTensors* out) const {
  for (const Buffer& b : buffers_) out->emplace_back(join_prefix(prefix, b.name), b.tensor);
  if (!recurse) return;
  for (const auto& [n, c] : children_) c->collect_buffers(join_prefix(prefix, n), true, out);
}

void Module::collect_modules(const std::string& prefix, NamedModules* out) {
  out->emplace_back(prefix, shared_from_this());
  for (const auto& [n, c] : children_) c->collect_modules(join_prefix(prefix, n), out);
}

void Module::collect_state(const std::string& prefix, StateDict* out) const {
  // Detached aliases, as PyTorch's state_dict(): same storage, outside the graph.
  for (const auto& [n, t] : params_) out->emplace_back(join_prefix(prefix, n), t.detach());
  for (const Buffer& b : buffers_)
    if (b.persistent) out->emplace_back(join_prefix(prefix, b.name), b.tensor.detach());
  for (const auto& [n, c] : children_) c->collect_state(join_prefix(prefix, n), out);
}

NamedTensors Module::named_parameters(bool recurse) const {
  NamedTensors out;
  collect_params("", recurse, &out);
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters(recurse)) out.push_back(t);
  return out;
}

NamedTensors Module::named_buffers(bool recurse) const {
  NamedTensors out;
  collect_buffers("", recurse, &out);
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_buffers(recurse)) out.push_back(t);
  return out;
}

NamedModules Module::named_children() const { return children_; }

std::vector<ModulePtr> Module::children() const {
  std::vector<ModulePtr> out;
  for (const auto& [n, c] : children_) out.push_back(c);
  return out;
}

NamedModules Module::named_modules() {
  NamedModules out;
  collect_modules("", &out);
  return out;
}

Tensor Module::parameter(const std::string& name) const {
  for (const auto& [n, t] : params_)
    if (n == name) return t;
  throw ValueError(MsgId::nn_no_member, type_name_, "parameter", name);
}

Tensor Module::buffer(const std::string& name) const {
  for (const Buffer& b : buffers_)
    if (b.name == name) return b.tensor;
  throw ValueError(MsgId::nn_no_member, type_name_, "buffer", name);
}

ModulePtr Module::child(const std::string& name) const {
  for (const auto& [n, c] : children_)
    if (n == name) return c;
  throw ValueError(MsgId::nn_no_member, type_name_, "module", name);
}

StateDict Module::state_dict() const {
  StateDict out;
  collect_state("", &out);
  return out;
}

LoadResult Module::load_state_dict(const StateDict& dict, bool strict) {
  StateDict own = state_dict();
  std::map<std::string, const Tensor*> given;
  for (const auto& [n, t] : dict) given[n] = &t;
  std::map<std::string, bool> known;
  for (const auto& [n, t] : own) known[n] = true;

  LoadResult res;
  std::vector<std::string> mismatched;
  std::vector<std::pair<Tensor, Tensor>> copies;  // (destination, source)
  for (const auto& [n, t] : own) {
    auto it = given.find(n);
    if (it == given.end()) {
      res.missing_keys.push_back(n);
      continue;
    }
    const Tensor& src = *it->second;
    if (!src.defined() || src.shape() != t.shape()) {
      Shape got = src.defined() ? src.shape() : Shape{};
      mismatched.push_back(tr(MsgId::nn_size_mismatch_entry, {n, shape_str(got), shape_str(t.shape())}));
      continue;
    }
    copies.emplace_back(t, src);
  }
  for (const auto& [n, t] : dict)
    if (!known.count(n)) res.unexpected_keys.push_back(n);

  if (!mismatched.empty() || (strict && (!res.missing_keys.empty() || !res.unexpected_keys.empty())))
    throw StateDictError(type_name_, strict ? res.missing_keys : std::vector<std::string>{},
                         strict ? res.unexpected_keys : std::vector<std::string>{}, mismatched);
  NoGradGuard guard;
  for (auto& [dst, src] : copies)
    if (!dst.is_same(src)) copy_(dst, src);
  return res;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, c] : children_) c->train(on);
}

void Module::to(DType dtype) {
  NoGradGuard guard;
  auto convert = [&](const Tensor& t) {
    if (t.is_floating_point() && t.dtype() != dtype) rebind(t, hangu::to(t, dtype));
  };
  for (auto& [n, t] : params_) convert(t);
  for (Buffer& b : buffers_) convert(b.tensor);
  for (auto& [n, c] : children_) c->to(dtype);
}

void Module::zero_grad(bool set_to_none) {
  for (Tensor& p : parameters()) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (set_to_none) {
      p.set_grad(Tensor());
    } else {
      NoGradGuard guard;
      p.set_grad(zero_(g.detach()));
    }
  }
}

void Module::repr_into(std::string* out, int indent) const {
  out->append(type_name_).append("(");
  std::string extra = extra_repr();
  if (children_.empty()) {
    out->append(extra).append(")");
    return;
  }
  std::string pad(static_cast<size_t>(indent + 2), ' ');
  if (!extra.empty()) out->append("\n").append(pad).append(extra);
  for (const auto& [n, c] : children_) {
    out->append("\n").append(pad).append("(").append(n).append("): ");
    c->repr_into(out, indent + 2);
  }
  out->append("\n").append(static_cast<size_t>(indent), ' ').append(")");
}

std::string Module::repr() const {
  std::string s;
  repr_into(&s, 0);
  return s;
}

}  // namespace hangu::nn

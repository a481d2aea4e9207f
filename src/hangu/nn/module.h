#pragma once
// Module: the base of every layer and model, with PyTorch's naming and ordering so that state
// dicts move between Hangu and PyTorch unchanged. A module owns named parameters, buffers and
// child modules, each kept in registration order; dotted names ("layer1.0.conv1.weight") come
// from the path of child names. Modules are held by std::shared_ptr and are not copyable.
//
// Parameters and buffers are tensor handles: a layer keeps a copy of the handle it registered,
// and load_state_dict / to(dtype) change the tensors in place, so those handles stay valid.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hangu/core/error.h"
#include "hangu/core/tensor.h"

namespace hangu::nn {

// An ordered name -> tensor list (the order is PyTorch's state_dict order).
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
using StateDict = NamedTensors;

class Module;
using ModulePtr = std::shared_ptr<Module>;
using NamedModules = std::vector<std::pair<std::string, ModulePtr>>;

// What load_state_dict did not match (PyTorch's _IncompatibleKeys).
struct LoadResult {
  std::vector<std::string> missing_keys;     // in the module, not in the dict
  std::vector<std::string> unexpected_keys;  // in the dict, not in the module
};

// Thrown by load_state_dict; the message lists every offending key (with both shapes for a size
// mismatch). The lists are also kept for programs that want them.
class StateDictError : public ValueError {
 public:
  StateDictError(const std::string& module_name, std::vector<std::string> missing, std::vector<std::string> unexpected,
                 std::vector<std::string> mismatched);
  std::vector<std::string> missing_keys;
  std::vector<std::string> unexpected_keys;
  std::vector<std::string> mismatched_keys;  // "name: checkpoint [a, b] vs model [c, d]"
};

class Module : public std::enable_shared_from_this<Module> {
 public:
  // `type_name` is what printing shows ("Linear", "Sequential", ...).
  explicit Module(std::string type_name);
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The computation; the base throws Unsupported (modules with other signatures add overloads).
  virtual Tensor forward(const Tensor& input);
  Tensor operator()(const Tensor& input) { return forward(input); }

  const std::string& name() const { return type_name_; }
  // The constructor arguments as PyTorch prints them ("in_features=4, out_features=3, bias=True").
  virtual std::string extra_repr() const { return ""; }
  // The module tree, like PyTorch's repr().
  std::string repr() const;

  // Registers a floating tensor as a parameter (sets requires_grad) and returns the handle.
  // An undefined tensor registers nothing (PyTorch's `None`, e.g. bias=False).
  Tensor register_parameter(const std::string& name, Tensor t);
  // A buffer is state that is not trained (running_mean); non-persistent buffers stay out of
  // the state dict.
  Tensor register_buffer(const std::string& name, Tensor t, bool persistent = true);
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    add_child(name, m);
    return m;
  }

  // In registration order, with dotted names; recurse = false lists this module's own only.
  NamedTensors named_parameters(bool recurse = true) const;
  std::vector<Tensor> parameters(bool recurse = true) const;
  NamedTensors named_buffers(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  NamedModules named_children() const;
  std::vector<ModulePtr> children() const;
  // This module (named "") and every descendant, depth first in registration order.
  NamedModules named_modules();
  // The own parameter / buffer / child called `name` (no dots); throws ValueError if absent.
  Tensor parameter(const std::string& name) const;
  Tensor buffer(const std::string& name) const;
  ModulePtr child(const std::string& name) const;

  // PyTorch's order: per module its own parameters, then its persistent buffers, then each child.
  // The values are detached aliases: they share storage with the module's tensors.
  StateDict state_dict() const;
  // Copies the values in place (under NoGradGuard, converting dtype). A key whose shape differs
  // always throws StateDictError; strict mode also throws for missing or unexpected keys.
  // Nothing is copied when it throws.
  LoadResult load_state_dict(const StateDict& dict, bool strict = true);

  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // Converts floating parameters and buffers to `dtype` in place (handles stay valid).
  void to(DType dtype);
  // Clears (set_to_none) or zeroes the .grad of every parameter.
  void zero_grad(bool set_to_none = true);

 protected:
  void add_child(const std::string& name, ModulePtr m);
  // Containers number or rename their children.
  std::vector<std::pair<std::string, ModulePtr>>& children_mut() { return children_; }

 private:
  struct Buffer {
    std::string name;
    Tensor tensor;
    bool persistent;
  };
  void check_new_name(const std::string& name) const;
  void collect_state(const std::string& prefix, StateDict* out) const;
  void collect_params(const std::string& prefix, bool recurse, NamedTensors* out) const;
  void collect_buffers(const std::string& prefix, bool recurse, NamedTensors* out) const;
  void collect_modules(const std::string& prefix, NamedModules* out);
  void repr_into(std::string* out, int indent) const;

  std::string type_name_;
  bool training_ = true;
  NamedTensors params_;
  std::vector<Buffer> buffers_;
  NamedModules children_;
};

// Python's repr of a bool, for extra_repr().
inline const char* py_bool(bool b) { return b ? "True" : "False"; }

}  // namespace hangu::nn

#pragma once
// Containers: Sequential (children "0", "1", ... run in order), ModuleList (indexed, no
// forward) and ModuleDict (named, in insertion order), as torch.nn's.
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "hangu/nn/module.h"

namespace hangu::nn {

class Sequential : public Module {
 public:
  Sequential();
  explicit Sequential(std::vector<ModulePtr> modules);
  // Appends `m` under the next index; returns this container for chaining.
  Sequential& push_back(ModulePtr m);
  // Appends under an explicit name (PyTorch's Sequential(OrderedDict(...))).
  Sequential& push_back(const std::string& name, ModulePtr m);
  Tensor forward(const Tensor& input) override;
  size_t size() const { return named_children().size(); }
  ModulePtr operator[](size_t i) const;
};

class ModuleList : public Module {
 public:
  ModuleList();
  explicit ModuleList(std::vector<ModulePtr> modules);
  ModuleList& push_back(ModulePtr m);
  size_t size() const { return named_children().size(); }
  ModulePtr operator[](size_t i) const;
};

class ModuleDict : public Module {
 public:
  ModuleDict();
  // Adds (or, as PyTorch's __setitem__, replaces) the module called `key`.
  ModuleDict& insert(const std::string& key, ModulePtr m);
  bool contains(const std::string& key) const;
  ModulePtr operator[](const std::string& key) const { return child(key); }
  size_t size() const { return named_children().size(); }
  std::vector<std::string> keys() const;
};

}  // namespace hangu::nn

#include "hangu/nn/container.h"

namespace hangu::nn {

namespace {

ModulePtr at_index(const Module& m, size_t i) {
  NamedModules c = m.named_children();
  if (i >= c.size())
    throw IndexError(MsgId::index_out_of_range, m.name(), static_cast<int64_t>(i), 0, static_cast<int64_t>(c.size()));
  return c[i].second;
}

}  // namespace

Sequential::Sequential() : Module("Sequential") {}

Sequential::Sequential(std::vector<ModulePtr> modules) : Module("Sequential") {
  for (ModulePtr& m : modules) push_back(std::move(m));
}

Sequential& Sequential::push_back(ModulePtr m) { return push_back(std::to_string(size()), std::move(m)); }

Sequential& Sequential::push_back(const std::string& name, ModulePtr m) {
  add_child(name, std::move(m));
  return *this;
}

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& [n, c] : named_children()) x = c->forward(x);
  return x;
}

ModulePtr Sequential::operator[](size_t i) const { return at_index(*this, i); }

ModuleList::ModuleList() : Module("ModuleList") {}

ModuleList::ModuleList(std::vector<ModulePtr> modules) : Module("ModuleList") {
  for (ModulePtr& m : modules) push_back(std::move(m));
}

ModuleList& ModuleList::push_back(ModulePtr m) {
  add_child(std::to_string(size()), std::move(m));
  return *this;
}

ModulePtr ModuleList::operator[](size_t i) const { return at_index(*this, i); }

ModuleDict::ModuleDict() : Module("ModuleDict") {}

ModuleDict& ModuleDict::insert(const std::string& key, ModulePtr m) {
  for (auto& [n, c] : children_mut())
    if (n == key) {
      if (!m) throw ValueError(MsgId::arg_invalid, "ModuleDict", "module", "nullptr");
      c = std::move(m);
      return *this;
    }
  add_child(key, std::move(m));
  return *this;
}

bool ModuleDict::contains(const std::string& key) const {
  for (const auto& [n, c] : named_children())
    if (n == key) return true;
  return false;
}

std::vector<std::string> ModuleDict::keys() const {
  std::vector<std::string> out;
  for (const auto& [n, c] : named_children()) out.push_back(n);
  return out;
}

}  // namespace hangu::nn

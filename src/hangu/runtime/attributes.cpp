#include "hangu/runtime/attributes.h"

#include "hangu/core/error.h"

namespace hangu::runtime {

using io::onnx::Attribute;

const Attribute* Attributes::find(std::string_view name) const {
  for (const Attribute& a : list_)
    if (a.name == name) return &a;
  return nullptr;
}

const Attribute* Attributes::typed(std::string_view name, Attribute::Type want, const char* want_name,
                                   const std::string& owner) const {
  const Attribute* a = find(name);
  if (a && a->type != want)
    throw FormatError(MsgId::rt_attr_type, owner, name, want_name, static_cast<int>(a->type));
  return a;
}

int64_t Attributes::get_int(std::string_view name, int64_t def, const std::string& owner) const {
  const Attribute* a = find(name);
  if (!a) return def;
  if (a->type == Attribute::Type::f) return static_cast<int64_t>(a->f);  // lenient: some exporters write floats
  return typed(name, Attribute::Type::i, "INT", owner)->i;
}

float Attributes::get_float(std::string_view name, float def, const std::string& owner) const {
  const Attribute* a = find(name);
  if (!a) return def;
  if (a->type == Attribute::Type::i) return static_cast<float>(a->i);
  return typed(name, Attribute::Type::f, "FLOAT", owner)->f;
}

std::string Attributes::get_string(std::string_view name, const std::string& def, const std::string& owner) const {
  const Attribute* a = typed(name, Attribute::Type::s, "STRING", owner);
  return a ? a->s : def;
}

std::vector<int64_t> Attributes::get_ints(std::string_view name, const std::string& owner) const {
  const Attribute* a = find(name);
  if (!a) return {};
  if (a->type == Attribute::Type::i) return {a->i};
  return typed(name, Attribute::Type::ints, "INTS", owner)->ints;
}

std::vector<float> Attributes::get_floats(std::string_view name, const std::string& owner) const {
  const Attribute* a = find(name);
  if (!a) return {};
  if (a->type == Attribute::Type::f) return {a->f};
  return typed(name, Attribute::Type::floats, "FLOATS", owner)->floats;
}

std::vector<std::string> Attributes::get_strings(std::string_view name, const std::string& owner) const {
  const Attribute* a = find(name);
  if (!a) return {};
  if (a->type == Attribute::Type::s) return {a->s};
  return typed(name, Attribute::Type::strings, "STRINGS", owner)->strings;
}

const io::onnx::TensorValue* Attributes::get_tensor(std::string_view name, const std::string& owner) const {
  const Attribute* a = typed(name, Attribute::Type::t, "TENSOR", owner);
  return a ? &a->t : nullptr;
}

void Attributes::set(Attribute a) {
  for (Attribute& x : list_)
    if (x.name == a.name) {
      x = std::move(a);
      return;
    }
  list_.push_back(std::move(a));
}

void Attributes::set_int(const std::string& name, int64_t v) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::i;
  a.i = v;
  set(std::move(a));
}

void Attributes::set_string(const std::string& name, const std::string& v) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::s;
  a.s = v;
  set(std::move(a));
}

void Attributes::set_float(const std::string& name, float v) {
  Attribute a;
  a.name = name;
  a.type = Attribute::Type::f;
  a.f = v;
  set(std::move(a));
}

void Attributes::erase(std::string_view name) {
  for (size_t i = 0; i < list_.size(); ++i)
    if (list_[i].name == name) {
      list_.erase(list_.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
}

}  // namespace hangu::runtime

#include "hangu/runtime/value.h"

namespace hangu::runtime {

Value Value::from_strings(StringTensor s) {
  Value v;
  v.kind_ = Kind::strings;
  v.strings_ = std::move(s);
  return v;
}

Value Value::sequence(std::vector<Value> elements) {
  Value v;
  v.kind_ = Kind::sequence;
  v.elements_ = std::move(elements);
  return v;
}

Value Value::optional(Value inner) {
  Value v;
  v.kind_ = Kind::optional;
  if (!inner.empty()) v.elements_.push_back(std::move(inner));
  return v;
}

int64_t Value::nbytes() const {
  switch (kind_) {
    case Kind::tensor: return tensor_.defined() ? tensor_.nbytes() : 0;
    case Kind::sequence:
    case Kind::optional: {
      int64_t n = 0;
      for (const Value& e : elements_) n += e.nbytes();
      return n;
    }
    default: return 0;
  }
}

std::string Value::describe() const {
  switch (kind_) {
    case Kind::empty: return "none";
    case Kind::tensor:
      return tensor_.defined() ? "tensor " + std::string(dtype_name(tensor_.dtype())) + " " + shape_str(tensor_.shape())
                               : "tensor (undefined)";
    case Kind::strings: return "tensor string " + shape_str(strings_.shape);
    case Kind::sequence: return "sequence(" + std::to_string(elements_.size()) + ")";
    case Kind::optional: return elements_.empty() ? "optional(none)" : "optional(" + elements_[0].describe() + ")";
  }
  return "?";
}

}  // namespace hangu::runtime

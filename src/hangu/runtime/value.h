#pragma once
// The values that flow along the edges of an ONNX graph: a tensor, a string tensor (hangu has no
// string dtype, so strings live beside the numeric tensors), a sequence of values, or an optional
// value that may be empty.
#include <cstdint>
#include <string>
#include <vector>

#include "hangu/core/tensor.h"

namespace hangu::runtime {

// A tensor of strings, row-major.
struct StringTensor {
  Shape shape;
  std::vector<std::string> data;
};

class Value {
 public:
  enum class Kind : uint8_t { empty, tensor, strings, sequence, optional };

  Value() = default;  // empty: an omitted optional input, or a slot not computed yet
  Value(Tensor t) : kind_(Kind::tensor), tensor_(std::move(t)) {}  // NOLINT: implicit by design
  static Value from_strings(StringTensor s);
  static Value sequence(std::vector<Value> elements);
  // An optional holding `v`, or none when v is empty.
  static Value optional(Value v);
  static Value optional_none() { return optional(Value()); }

  Kind kind() const { return kind_; }
  bool empty() const { return kind_ == Kind::empty; }
  bool is_tensor() const { return kind_ == Kind::tensor; }
  bool is_strings() const { return kind_ == Kind::strings; }
  bool is_sequence() const { return kind_ == Kind::sequence; }
  bool is_optional() const { return kind_ == Kind::optional; }

  const Tensor& tensor() const { return tensor_; }
  const StringTensor& strings() const { return strings_; }
  // Sequence elements, or the optional's content (zero or one element).
  const std::vector<Value>& elements() const { return elements_; }
  bool has_element() const { return !elements_.empty(); }

  // Bytes held by tensors (for the memory planner's statistics).
  int64_t nbytes() const;
  // "tensor float32 [2, 3]", "sequence(2)", ... for messages.
  std::string describe() const;

 private:
  Kind kind_ = Kind::empty;
  Tensor tensor_;
  StringTensor strings_;
  std::vector<Value> elements_;
};

}  // namespace hangu::runtime

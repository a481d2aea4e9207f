#pragma once
// A node's attributes (ONNX AttributeProto values) with typed lookups and defaults. Passes add
// their own attributes (names starting with "_hangu_") to the nodes they rewrite.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hangu/io/onnx/model.h"

namespace hangu::runtime {

class Attributes {
 public:
  Attributes() = default;
  explicit Attributes(std::vector<io::onnx::Attribute> list) : list_(std::move(list)) {}

  const io::onnx::Attribute* find(std::string_view name) const;
  bool has(std::string_view name) const { return find(name) != nullptr; }

  // Each getter returns `def` when the attribute is absent and throws FormatError naming `owner`
  // (the node) when it has another type.
  int64_t get_int(std::string_view name, int64_t def, const std::string& owner) const;
  float get_float(std::string_view name, float def, const std::string& owner) const;
  std::string get_string(std::string_view name, const std::string& def, const std::string& owner) const;
  std::vector<int64_t> get_ints(std::string_view name, const std::string& owner) const;
  std::vector<float> get_floats(std::string_view name, const std::string& owner) const;
  std::vector<std::string> get_strings(std::string_view name, const std::string& owner) const;
  // The tensor value, or nullptr when absent.
  const io::onnx::TensorValue* get_tensor(std::string_view name, const std::string& owner) const;

  // Adds or replaces.
  void set(io::onnx::Attribute a);
  void set_int(const std::string& name, int64_t v);
  void set_string(const std::string& name, const std::string& v);
  void set_float(const std::string& name, float v);
  void erase(std::string_view name);

  const std::vector<io::onnx::Attribute>& list() const { return list_; }

 private:
  const io::onnx::Attribute* typed(std::string_view name, io::onnx::Attribute::Type want, const char* want_name,
                                   const std::string& owner) const;
  std::vector<io::onnx::Attribute> list_;
};

}  // namespace hangu::runtime

#pragma once
// A small JSON value for file headers and configs (safetensors, checkpoints). Integers keep
// int64 exactness; objects keep their key order. Parsing treats the text as hostile: strict
// RFC 8259 grammar, valid UTF-8 only, a nesting-depth cap, duplicate keys rejected.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hangu::io {

class Json {
 public:
  enum class Type : uint8_t { null, boolean, integer, number, string, array, object };
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;  // in key order

  Json() = default;                                 // null
  Json(std::nullptr_t) {}                           // NOLINT: implicit like a JSON literal
  Json(bool b) : v_(b) {}                           // NOLINT
  Json(int v) : v_(static_cast<int64_t>(v)) {}      // NOLINT
  Json(int64_t v) : v_(v) {}                        // NOLINT
  Json(double v) : v_(v) {}                         // NOLINT
  Json(std::string s) : v_(std::move(s)) {}         // NOLINT
  Json(std::string_view s) : v_(std::string(s)) {}  // NOLINT
  Json(const char* s) : v_(std::string(s)) {}       // NOLINT
  Json(Array a) : v_(std::move(a)) {}               // NOLINT
  Json(Object o) : v_(std::move(o)) {}              // NOLINT
  static Json array() { return Json(Array{}); }
  static Json object() { return Json(Object{}); }

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return type() == Type::null; }
  bool is_bool() const { return type() == Type::boolean; }
  bool is_int() const { return type() == Type::integer; }
  bool is_number() const { return type() == Type::integer || type() == Type::number; }
  bool is_string() const { return type() == Type::string; }
  bool is_array() const { return type() == Type::array; }
  bool is_object() const { return type() == Type::object; }

  // Typed access; each throws FormatError (json_wrong_type) when the value has another type.
  bool as_bool() const;
  int64_t as_int() const;
  double as_double() const;  // integers convert
  const std::string& as_string() const;
  const Array& as_array() const;
  Array& as_array();
  const Object& as_object() const;
  Object& as_object();

  // Object member lookup (linear); nullptr when absent or when this is not an object.
  const Json* find(std::string_view key) const;
  // Object member, appended (as null) when absent; a null value becomes an object first.
  Json& operator[](std::string_view key);
  // Appends to an array; a null value becomes an array first.
  void push_back(Json v);
  size_t size() const;  // elements of an array or members of an object, else 0

  // Parses one JSON document (surrounding whitespace allowed). Throws FormatError naming
  // `source_name`, the byte offset and what was expected.
  static Json parse(std::string_view text, const std::string& source_name, int max_depth = 64);
  // Compact JSON text; non-ASCII stays UTF-8, control characters are escaped. Throws ValueError
  // for non-finite numbers, which JSON cannot represent.
  std::string dump() const;
  void dump_to(std::string& out) const;

  friend bool operator==(const Json& a, const Json& b) { return a.v_ == b.v_; }

 private:
  std::variant<std::nullptr_t, bool, int64_t, double, std::string, Array, Object> v_;
};

// "null", "boolean", "integer", "number", "string", "array", "object".
const char* json_type_name(Json::Type t);

}  // namespace hangu::io

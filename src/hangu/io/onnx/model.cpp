#include "hangu/io/onnx/model.h"

namespace hangu::io::onnx {

const Attribute* Node::find_attribute(const std::string& attr_name) const {
  for (const Attribute& a : attributes)
    if (a.name == attr_name) return &a;
  return nullptr;
}

int64_t Model::opset(const std::string& wanted) const {
  // "" and "ai.onnx" both name the default domain.
  auto canonical = [](const std::string& d) { return d == "ai.onnx" ? std::string() : d; };
  const std::string key = canonical(wanted);
  for (const OpsetImport& o : opset_imports)
    if (canonical(o.domain) == key) return o.version;
  return 0;
}

bool elem_type_dtype(ElemType t, DType* out) {
  switch (t) {
    case ElemType::float32:
      *out = DType::f32;
      return true;
    case ElemType::float64:
      *out = DType::f64;
      return true;
    case ElemType::float16:
      *out = DType::f16;
      return true;
    case ElemType::bfloat16:
      *out = DType::bf16;
      return true;
    case ElemType::int8:
      *out = DType::i8;
      return true;
    case ElemType::int16:
      *out = DType::i16;
      return true;
    case ElemType::int32:
      *out = DType::i32;
      return true;
    case ElemType::int64:
      *out = DType::i64;
      return true;
    case ElemType::uint8:
      *out = DType::u8;
      return true;
    case ElemType::boolean:
      *out = DType::boolean;
      return true;
    case ElemType::uint16:
      *out = DType::i32;
      return true;
    case ElemType::uint32:
    case ElemType::uint64:
      *out = DType::i64;
      return true;
    default:
      return false;
  }
}

ElemType dtype_elem_type(DType t) {
  switch (t) {
    case DType::boolean:
      return ElemType::boolean;
    case DType::u8:
      return ElemType::uint8;
    case DType::i8:
      return ElemType::int8;
    case DType::i16:
      return ElemType::int16;
    case DType::i32:
      return ElemType::int32;
    case DType::i64:
      return ElemType::int64;
    case DType::f16:
      return ElemType::float16;
    case DType::bf16:
      return ElemType::bfloat16;
    case DType::f32:
      return ElemType::float32;
    case DType::f64:
      return ElemType::float64;
  }
  throw_unknown_dtype(static_cast<int>(t));
}

std::string elem_type_name(ElemType t) {
  static const char* const kNames[] = {"UNDEFINED", "FLOAT",  "UINT8",     "INT8",       "UINT16",  "INT16",
                                       "INT32",     "INT64",  "STRING",    "BOOL",       "FLOAT16", "DOUBLE",
                                       "UINT32",    "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16"};
  const auto code = static_cast<int32_t>(t);
  if (code >= 0 && code < static_cast<int32_t>(std::size(kNames))) return kNames[code];
  return "ELEM_TYPE_" + std::to_string(code);
}

}  // namespace hangu::io::onnx

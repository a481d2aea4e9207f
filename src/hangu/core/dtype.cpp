#include "hangu/core/dtype.h"

#include "hangu/core/error.h"

namespace hangu {

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::boolean: return "bool";
    case DType::u8: return "uint8";
    case DType::i8: return "int8";
    case DType::i16: return "int16";
    case DType::i32: return "int32";
    case DType::i64: return "int64";
    case DType::f16: return "float16";
    case DType::bf16: return "bfloat16";
    case DType::f32: return "float32";
    case DType::f64: return "float64";
  }
  return "?";
}

bool parse_dtype(std::string_view n, DType* out) {
  struct Alias {
    std::string_view name;
    DType t;
  };
  static constexpr Alias kAliases[] = {
      {"bool", DType::boolean}, {"uint8", DType::u8},     {"u8", DType::u8},        {"int8", DType::i8},
      {"i8", DType::i8},        {"int16", DType::i16},    {"i16", DType::i16},      {"short", DType::i16},
      {"int32", DType::i32},    {"i32", DType::i32},      {"int", DType::i32},      {"int64", DType::i64},
      {"i64", DType::i64},      {"long", DType::i64},     {"float16", DType::f16},  {"f16", DType::f16},
      {"half", DType::f16},     {"bfloat16", DType::bf16}, {"bf16", DType::bf16},   {"float32", DType::f32},
      {"f32", DType::f32},      {"float", DType::f32},    {"float64", DType::f64},  {"f64", DType::f64},
      {"double", DType::f64},
  };
  for (const auto& a : kAliases) {
    if (a.name == n) {
      *out = a.t;
      return true;
    }
  }
  return false;
}

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  // PyTorch's table (c10/core/ScalarType.cpp), restricted to our types.
  constexpr DType b1 = DType::boolean, u1 = DType::u8, i1 = DType::i8, i2 = DType::i16, i4 = DType::i32,
                  i8 = DType::i64, f2 = DType::f16, bf = DType::bf16, f4 = DType::f32, f8 = DType::f64;
  static constexpr DType kTable[kNumDTypes][kNumDTypes] = {
      /*        b1  u1  i1  i2  i4  i8  f2  bf  f4  f8 */
      /* b1 */ {b1, u1, i1, i2, i4, i8, f2, bf, f4, f8},
      /* u1 */ {u1, u1, i2, i2, i4, i8, f2, bf, f4, f8},
      /* i1 */ {i1, i2, i1, i2, i4, i8, f2, bf, f4, f8},
      /* i2 */ {i2, i2, i2, i2, i4, i8, f2, bf, f4, f8},
      /* i4 */ {i4, i4, i4, i4, i4, i8, f2, bf, f4, f8},
      /* i8 */ {i8, i8, i8, i8, i8, i8, f2, bf, f4, f8},
      /* f2 */ {f2, f2, f2, f2, f2, f2, f2, f4, f4, f8},
      /* bf */ {bf, bf, bf, bf, bf, bf, f4, bf, f4, f8},
      /* f4 */ {f4, f4, f4, f4, f4, f4, f4, f4, f4, f8},
      /* f8 */ {f8, f8, f8, f8, f8, f8, f8, f8, f8, f8},
  };
  return kTable[static_cast<int>(a)][static_cast<int>(b)];
}

void throw_unknown_dtype(int code) { throw DTypeError(MsgId::unknown_dtype, code); }

}  // namespace hangu

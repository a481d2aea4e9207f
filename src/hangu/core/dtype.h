#pragma once
// Element types. `dispatch_dtype` is the one place that turns a runtime DType into a C++ type.
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "hangu/core/half.h"

namespace hangu {

enum class DType : uint8_t { boolean, u8, i8, i16, i32, i64, f16, bf16, f32, f64 };
inline constexpr int kNumDTypes = 10;

// Sizes in bytes.
constexpr int64_t dtype_size(DType t) {
  switch (t) {
    case DType::boolean:
    case DType::u8:
    case DType::i8: return 1;
    case DType::i16:
    case DType::f16:
    case DType::bf16: return 2;
    case DType::i32:
    case DType::f32: return 4;
    case DType::i64:
    case DType::f64: return 8;
  }
  return 0;
}
constexpr bool is_floating(DType t) {
  return t == DType::f16 || t == DType::bf16 || t == DType::f32 || t == DType::f64;
}
constexpr bool is_integral(DType t, bool include_bool = false) {
  return (include_bool && t == DType::boolean) || t == DType::u8 || t == DType::i8 || t == DType::i16 ||
         t == DType::i32 || t == DType::i64;
}
constexpr bool is_signed(DType t) { return t != DType::boolean && t != DType::u8; }

// "float32", "int64", ... as PyTorch spells them.
std::string_view dtype_name(DType t);
// Accepts PyTorch names and short names ("f32", "float", "long", "bool", ...).
bool parse_dtype(std::string_view name, DType* out);

// PyTorch's promote_types: the smallest type that holds both (bool < integers < floats).
DType promote_types(DType a, DType b);

inline constexpr DType kDefaultFloat = DType::f32;

template <typename T> struct CppTypeToDType;
template <> struct CppTypeToDType<bool> { static constexpr DType value = DType::boolean; };
template <> struct CppTypeToDType<uint8_t> { static constexpr DType value = DType::u8; };
template <> struct CppTypeToDType<int8_t> { static constexpr DType value = DType::i8; };
template <> struct CppTypeToDType<int16_t> { static constexpr DType value = DType::i16; };
template <> struct CppTypeToDType<int32_t> { static constexpr DType value = DType::i32; };
template <> struct CppTypeToDType<int64_t> { static constexpr DType value = DType::i64; };
template <> struct CppTypeToDType<Half> { static constexpr DType value = DType::f16; };
template <> struct CppTypeToDType<BFloat16> { static constexpr DType value = DType::bf16; };
template <> struct CppTypeToDType<float> { static constexpr DType value = DType::f32; };
template <> struct CppTypeToDType<double> { static constexpr DType value = DType::f64; };
template <typename T> inline constexpr DType dtype_of = CppTypeToDType<T>::value;

// The type arithmetic happens in: float for the 16-bit floats, T otherwise.
template <typename T> struct OpMath { using type = T; };
template <> struct OpMath<Half> { using type = float; };
template <> struct OpMath<BFloat16> { using type = float; };
template <typename T> using opmath_t = typename OpMath<T>::type;

template <typename T>
inline constexpr bool is_floating_v = std::is_floating_point_v<T> || std::is_same_v<T, Half> ||
                                      std::is_same_v<T, BFloat16>;

[[noreturn]] void throw_unknown_dtype(int code);

// Calls f.template operator()<T>() with the C++ type of `t`.
template <typename F>
decltype(auto) dispatch_dtype(DType t, F&& f) {
  switch (t) {
    case DType::boolean: return f.template operator()<bool>();
    case DType::u8: return f.template operator()<uint8_t>();
    case DType::i8: return f.template operator()<int8_t>();
    case DType::i16: return f.template operator()<int16_t>();
    case DType::i32: return f.template operator()<int32_t>();
    case DType::i64: return f.template operator()<int64_t>();
    case DType::f16: return f.template operator()<Half>();
    case DType::bf16: return f.template operator()<BFloat16>();
    case DType::f32: return f.template operator()<float>();
    case DType::f64: return f.template operator()<double>();
  }
  throw_unknown_dtype(static_cast<int>(t));
}

}  // namespace hangu

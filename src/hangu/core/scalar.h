#pragma once
// A number that is not a tensor (like a Python number in PyTorch): bool, integer or floating.
// Its kind, not its C++ width, takes part in type promotion.
#include <concepts>
#include <cstdint>
#include <string>

#include "hangu/core/dtype.h"

namespace hangu {

class Scalar {
 public:
  enum class Kind : uint8_t { boolean, integer, floating };

  Scalar() : Scalar(int64_t{0}) {}
  Scalar(bool b) : kind_(Kind::boolean), i_(b), d_(b) {}  // NOLINT: implicit by design
  template <std::integral I>
    requires(!std::same_as<I, bool>)
  Scalar(I v) : kind_(Kind::integer), i_(static_cast<int64_t>(v)), d_(static_cast<double>(v)) {}  // NOLINT
  template <std::floating_point F>
  Scalar(F v) : kind_(Kind::floating), i_(0), d_(static_cast<double>(v)) {}  // NOLINT
  Scalar(Half v) : Scalar(static_cast<float>(v)) {}      // NOLINT
  Scalar(BFloat16 v) : Scalar(static_cast<float>(v)) {}  // NOLINT

  Kind kind() const { return kind_; }
  bool is_floating() const { return kind_ == Kind::floating; }
  bool is_integral() const { return kind_ == Kind::integer; }
  bool is_bool() const { return kind_ == Kind::boolean; }
  double to_double() const { return d_; }
  int64_t to_int() const { return kind_ == Kind::floating ? static_cast<int64_t>(d_) : i_; }
  bool to_bool() const { return kind_ == Kind::floating ? d_ != 0.0 : i_ != 0; }

  // The value converted to C++ type T (integers exactly, floats through double).
  template <typename T>
  T to() const {
    if constexpr (std::is_same_v<T, bool>) {
      return to_bool();
    } else if constexpr (std::is_integral_v<T>) {
      return static_cast<T>(to_int());
    } else if constexpr (std::is_same_v<T, double>) {
      return d_;
    } else {
      return T(static_cast<float>(d_));
    }
  }
  // bool, int64 or float64: the dtype PyTorch gives a tensor made from this number alone.
  DType dtype() const {
    return kind_ == Kind::boolean ? DType::boolean : kind_ == Kind::integer ? DType::i64 : DType::f64;
  }
  std::string str() const;

 private:
  Kind kind_;
  int64_t i_;
  double d_;
};

}  // namespace hangu

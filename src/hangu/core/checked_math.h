#pragma once
// Overflow-checked size arithmetic. Every loader and every shape computation goes through these,
// so a hostile file can never make us allocate or index past what it declares.
//
// Two forms: the checked_* functions throw ValueError(size_overflow) naming `what`; the try_*
// functions return false / nullopt instead, for loaders that raise their own FormatError naming
// the file and the field.
#include <cstdint>
#include <optional>
#include <span>

namespace hangu {

[[noreturn]] void throw_size_overflow(const char* what);

// a * b and a + b; false on int64 overflow (out is then unspecified).
[[nodiscard]] inline bool try_mul(int64_t a, int64_t b, int64_t* out) { return !__builtin_mul_overflow(a, b, out); }
[[nodiscard]] inline bool try_add(int64_t a, int64_t b, int64_t* out) { return !__builtin_add_overflow(a, b, out); }

// Product of dims; nullopt on overflow or a negative dim.
[[nodiscard]] inline std::optional<int64_t> try_numel(std::span<const int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    if (d < 0 || !try_mul(n, d, &n)) return std::nullopt;
  return n;
}
// numel * element size, in bytes; nullopt on overflow or a negative dim.
[[nodiscard]] inline std::optional<int64_t> try_nbytes(std::span<const int64_t> shape, int64_t elem_size) {
  std::optional<int64_t> n = try_numel(shape);
  int64_t bytes = 0;
  if (!n || !try_mul(*n, elem_size, &bytes)) return std::nullopt;
  return bytes;
}

// Product of max(dim, 1): how far the strides of a contiguous layout of `shape` reach. It can
// overflow even when numel is 0 (shape [0, 2^40, 2^40]); nullopt then, or on a negative dim.
[[nodiscard]] inline std::optional<int64_t> try_layout_extent(std::span<const int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    if (d < 0 || !try_mul(n, d > 0 ? d : 1, &n)) return std::nullopt;
  return n;
}

inline int64_t checked_mul(int64_t a, int64_t b, const char* what = "size") {
  int64_t r;
  if (!try_mul(a, b, &r)) throw_size_overflow(what);
  return r;
}
inline int64_t checked_add(int64_t a, int64_t b, const char* what = "size") {
  int64_t r;
  if (!try_add(a, b, &r)) throw_size_overflow(what);
  return r;
}
// Product of dims; throws on overflow or a negative dim.
int64_t checked_numel(std::span<const int64_t> shape, const char* what = "shape");
// numel * element size, in bytes.
int64_t checked_nbytes(std::span<const int64_t> shape, int64_t elem_size, const char* what = "shape");

}  // namespace hangu

#pragma once
// Overflow-checked size arithmetic. Every loader and every shape computation goes through these,
// so a hostile file can never make us allocate or index past what it declares.
#include <cstdint>
#include <span>

namespace hangu {

[[noreturn]] void throw_size_overflow(const char* what);

inline int64_t checked_mul(int64_t a, int64_t b, const char* what = "size") {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) throw_size_overflow(what);
  return r;
}
inline int64_t checked_add(int64_t a, int64_t b, const char* what = "size") {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) throw_size_overflow(what);
  return r;
}
// Product of dims; throws on overflow or a negative dim.
int64_t checked_numel(std::span<const int64_t> shape, const char* what = "shape");
// numel * element size, in bytes.
int64_t checked_nbytes(std::span<const int64_t> shape, int64_t elem_size, const char* what = "shape");

}  // namespace hangu

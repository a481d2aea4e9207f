#pragma once
// Making tensors: constant fills, ranges, identity, random, and from C++ buffers.
#include <cstring>
#include <vector>

#include "hangu/core/rng.h"
#include "hangu/core/tensor.h"
#include "hangu/ops/copy.h"

namespace hangu {

Tensor zeros(IntList shape, DType dtype = kDefaultFloat);
Tensor ones(IntList shape, DType dtype = kDefaultFloat);
Tensor full(IntList shape, const Scalar& value, DType dtype);
// dtype from the value: bool, int64 or float32, as torch.full.
Tensor full(IntList shape, const Scalar& value);
inline Tensor zeros(std::initializer_list<int64_t> s, DType d = kDefaultFloat) { return zeros(IntList(s.begin(), s.size()), d); }
inline Tensor ones(std::initializer_list<int64_t> s, DType d = kDefaultFloat) { return ones(IntList(s.begin(), s.size()), d); }

// [start, end) in steps of `step`. dtype: int64 when all three are integers, float32 otherwise.
Tensor arange(const Scalar& end);
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step = 1);
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, DType dtype);
Tensor linspace(double start, double end, int64_t steps, DType dtype = kDefaultFloat);
Tensor eye(int64_t n, int64_t m = -1, DType dtype = kDefaultFloat);

// Random tensors from the default generator (or `gen`). See docs/random.md for the exact streams.
Tensor rand(IntList shape, DType dtype = kDefaultFloat, Generator* gen = nullptr);   // U[0, 1)
Tensor randn(IntList shape, DType dtype = kDefaultFloat, Generator* gen = nullptr);  // N(0, 1)
Tensor randint(int64_t low, int64_t high, IntList shape, DType dtype = DType::i64, Generator* gen = nullptr);
inline Tensor rand(std::initializer_list<int64_t> s, DType d = kDefaultFloat) { return rand(IntList(s.begin(), s.size()), d); }
inline Tensor randn(std::initializer_list<int64_t> s, DType d = kDefaultFloat) { return randn(IntList(s.begin(), s.size()), d); }
// In place: uniform in [lo, hi), normal(mean, std).
Tensor uniform_(const Tensor& t, double lo = 0.0, double hi = 1.0, Generator* gen = nullptr);
Tensor normal_(const Tensor& t, double mean = 0.0, double std = 1.0, Generator* gen = nullptr);

Tensor empty_like(const Tensor& t);
Tensor empty_like(const Tensor& t, DType dtype);
Tensor zeros_like(const Tensor& t);
Tensor zeros_like(const Tensor& t, DType dtype);
Tensor ones_like(const Tensor& t);
Tensor ones_like(const Tensor& t, DType dtype);
Tensor full_like(const Tensor& t, const Scalar& value);
Tensor full_like(const Tensor& t, const Scalar& value, DType dtype);
Tensor rand_like(const Tensor& t);
Tensor randn_like(const Tensor& t);
Tensor randint_like(const Tensor& t, int64_t low, int64_t high);

// Copies `count` elements of type T from `data` into a new tensor of the given shape.
template <typename T>
Tensor from_buffer(const T* data, IntList shape) {
  Tensor t = empty(shape, dtype_of<T>);
  if (t.numel() > 0) std::memcpy(t.data(), data, static_cast<size_t>(t.nbytes()));
  return t;
}
// A tensor holding `values`; shape defaults to 1-d. Throws ShapeError when sizes disagree.
template <typename T>
Tensor tensor(const std::vector<T>& values, IntList shape);
template <typename T>
Tensor tensor(const std::vector<T>& values) {
  int64_t n = static_cast<int64_t>(values.size());
  return tensor(values, IntList(&n, 1));
}
// A 0-d tensor.
Tensor scalar_tensor(const Scalar& v, DType dtype);
Tensor scalar_tensor(const Scalar& v);

// Copies the elements into a std::vector<T> (converting from the tensor's dtype), row-major.
template <typename T>
std::vector<T> to_vector(const Tensor& t);

}  // namespace hangu

#pragma once
// Reductions, scans and softmax with PyTorch 1.13 semantics and result dtypes.
// `dims` lists the dims to reduce (negative counts from the end); an empty list reduces all dims.
// Floats accumulate in double, integers in int64; work is split by a fixed grain, so results are
// bit-identical for any thread count.
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hangu/core/tensor.h"

namespace hangu {

// bool and integers sum to int64 unless `dtype` is given (the input is converted to it first).
Tensor sum(const Tensor& x, IntList dims = {}, bool keepdim = false, std::optional<DType> dtype = std::nullopt);
inline Tensor sum(const Tensor& x, std::initializer_list<int64_t> dims, bool keepdim = false) {
  return sum(x, IntList(dims.begin(), dims.size()), keepdim);
}
// Floating inputs only (or a floating `dtype`); integers throw DTypeError naming the dtype.
Tensor mean(const Tensor& x, IntList dims = {}, bool keepdim = false, std::optional<DType> dtype = std::nullopt);
// bool and integers multiply to int64.
Tensor prod(const Tensor& x, IntList dims = {}, bool keepdim = false, std::optional<DType> dtype = std::nullopt);

// The largest / smallest element as a 0-d tensor; NaN propagates; 0 elements throw.
Tensor max(const Tensor& x);
Tensor min(const Tensor& x);
// Along one dim: (values, int64 indices of the first occurrence; the first NaN wins).
std::pair<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim = false);
std::pair<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor amax(const Tensor& x, IntList dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, IntList dims = {}, bool keepdim = false);
// Without a dim: the index into the flattened tensor.
Tensor argmax(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);

// Variance with divisor (n - correction); floating inputs only.
Tensor var(const Tensor& x, IntList dims = {}, double correction = 1.0, bool keepdim = false);
Tensor std(const Tensor& x, IntList dims = {}, double correction = 1.0, bool keepdim = false);
// log(sum(exp(x))) computed as max + log(sum(exp(x - max))); integers give float32.
Tensor logsumexp(const Tensor& x, IntList dims, bool keepdim = false);

// Vector norm of order p over dims (p = inf, -inf, 0 and any real p); floating inputs only.
Tensor norm(const Tensor& x, double p = 2.0, IntList dims = {}, bool keepdim = false);
// "fro" (= p 2 over the dims) or a number written as text ("inf", "1", ...).
Tensor norm(const Tensor& x, const std::string& p, IntList dims = {}, bool keepdim = false);

// bool results (uint8 for uint8 inputs, as PyTorch 1.13).
Tensor all(const Tensor& x, IntList dims = {}, bool keepdim = false);
Tensor any(const Tensor& x, IntList dims = {}, bool keepdim = false);

// Braced dim lists: sum(x, {0, 2}), var(x, {1}, 0.0), ...
using DimList = std::initializer_list<int64_t>;
inline IntList dim_list(DimList d) { return IntList(d.begin(), d.size()); }
inline Tensor mean(const Tensor& x, DimList dims, bool keepdim = false) { return mean(x, dim_list(dims), keepdim); }
inline Tensor prod(const Tensor& x, DimList dims, bool keepdim = false) { return prod(x, dim_list(dims), keepdim); }
inline Tensor amax(const Tensor& x, DimList dims, bool keepdim = false) { return amax(x, dim_list(dims), keepdim); }
inline Tensor amin(const Tensor& x, DimList dims, bool keepdim = false) { return amin(x, dim_list(dims), keepdim); }
inline Tensor var(const Tensor& x, DimList dims, double correction = 1.0, bool keepdim = false) {
  return var(x, dim_list(dims), correction, keepdim);
}
inline Tensor std(const Tensor& x, DimList dims, double correction = 1.0, bool keepdim = false) {
  return std(x, dim_list(dims), correction, keepdim);
}
inline Tensor logsumexp(const Tensor& x, DimList dims, bool keepdim = false) {
  return logsumexp(x, dim_list(dims), keepdim);
}
inline Tensor norm(const Tensor& x, double p, DimList dims, bool keepdim = false) {
  return norm(x, p, dim_list(dims), keepdim);
}
inline Tensor norm(const Tensor& x, const std::string& p, DimList dims, bool keepdim = false) {
  return norm(x, p, dim_list(dims), keepdim);
}
inline Tensor all(const Tensor& x, DimList dims, bool keepdim = false) { return all(x, dim_list(dims), keepdim); }
inline Tensor any(const Tensor& x, DimList dims, bool keepdim = false) { return any(x, dim_list(dims), keepdim); }

// Running sum / product along dim; bool and integers give int64 unless `dtype` is given.
Tensor cumsum(const Tensor& x, int64_t dim, std::optional<DType> dtype = std::nullopt);
Tensor cumprod(const Tensor& x, int64_t dim, std::optional<DType> dtype = std::nullopt);

// Numerically stable (max subtracted); 16-bit floats computed in float. Integers need `dtype`.
Tensor softmax(const Tensor& x, int64_t dim, std::optional<DType> dtype = std::nullopt);
Tensor log_softmax(const Tensor& x, int64_t dim, std::optional<DType> dtype = std::nullopt);

}  // namespace hangu

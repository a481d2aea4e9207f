#pragma once
// Shared by the registry files of the core ops (core_ops_registry.cpp: creation and random;
// view_ops_registry.cpp: views and copies). Internal to the ops layer.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>

#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/registry.h"
#include "hangu/ops/samples.h"
#include "hangu/ops/views.h"

namespace hangu::ops::core_registry {

using samples::make;
using samples::noncontiguous;
using samples::transposed_layout;
using Tensors = std::vector<Tensor>;

inline const std::vector<DType> kAllTypes = {DType::f32, DType::f64, DType::f16, DType::bf16, DType::i64,
                                      DType::i32, DType::i16, DType::i8,  DType::u8,   DType::boolean};
inline const std::vector<DType> kFloatTypes = {DType::f32, DType::f64, DType::f16, DType::bf16};

inline std::string dn(DType d) { return std::string(dtype_name(d)); }
inline uint64_t seed_of(const OpArgs& a) { return static_cast<uint64_t>(a.get_int("seed", 0)); }

// A copy of t with the same strides (so in-place ops see t's layout without touching the sample).
inline Tensor same_layout_copy(const Tensor& t) {
  bool dense = true;
  for (int64_t s : t.strides()) dense = dense && s > 0;
  Tensor c = dense ? empty_strided(t.shape(), t.strides(), t.dtype()) : empty(t.shape(), t.dtype());
  return copy_(c, t);
}

// Sample inputs every shape-preserving op is tried on: 0-d, 0-size, 2-d, non-contiguous,
// transposed, for each of `dtypes`.
inline std::vector<OpSample> layouts(const std::vector<DType>& dtypes, const OpArgs& args = {}) {
  std::vector<OpSample> out;
  uint64_t seed = 500;
  for (DType d : dtypes) {
    out.push_back({{make({}, d, seed++)}, args, "0-d " + dn(d)});
    out.push_back({{make({0, 3}, d, seed++)}, args, "0-size " + dn(d)});
    out.push_back({{make({3, 4}, d, seed++)}, args, "2-d " + dn(d)});
    out.push_back({{noncontiguous(make({2, 3, 2}, d, seed++))}, args, "non-contiguous " + dn(d)});
    out.push_back({{transposed_layout(make({4, 3}, d, seed++))}, args, "transposed " + dn(d)});
  }
  return out;
}

inline OpSample one(Tensor x, OpArgs a, std::string desc) { return {{std::move(x)}, std::move(a), std::move(desc)}; }
inline OpErrorCase err(Tensor x, OpArgs a, ErrorKind k, std::vector<std::string> mentions, std::string desc) {
  return {{std::move(x)}, std::move(a), k, std::move(mentions), std::move(desc)};
}
inline Tensor f32(std::initializer_list<int64_t> s, uint64_t seed) { return make(s, DType::f32, seed); }

// Runs add(tmp) and moves the ops into r, marked exact (rtol = atol = 0: the registry test then
// compares every dtype bit for bit) unless their name is in `inexact`.
template <typename Add>
void add_exact(OpRegistry& r, Add add, std::initializer_list<std::string_view> inexact = {}) {
  OpRegistry tmp;
  add(tmp);
  for (OpInfo op : tmp.all()) {
    if (std::find(inexact.begin(), inexact.end(), op.name) == inexact.end()) op.rtol = op.atol = 0;
    r.add(std::move(op));
  }
}

}  // namespace hangu::ops::core_registry

// sort, argsort, topk, unique, bincount, searchsorted. Sorting is always stable and puts NaN
// last in ascending order (first in descending), like torch.sort(stable=True).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "hangu/core/convert.h"
#include "hangu/core/error.h"
#include "hangu/ops/autograd_record.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/views.h"

namespace hangu {
namespace {

// a < b with NaN as the largest value.
template <typename M>
bool less_nan(M a, M b) {
  if constexpr (std::is_floating_point_v<M>) {
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
  }
  return a < b;
}

SortResult sort_fwd(const Tensor& t, int64_t dim, bool descending) {
  check_defined(t, "sort");
  if (t.dim() == 0) {
    wrap_dim(dim, 1, "sort");
    return {clone(t), zeros({}, DType::i64)};
  }
  const int64_t d = wrap_dim(dim, t.dim(), "sort");
  Tensor x = contiguous(movedim(t, d, -1));
  Tensor vals = empty(x.shape(), t.dtype());
  Tensor idxs = empty(x.shape(), DType::i64);
  const int64_t n = t.size(d);
  const int64_t rows = n == 0 ? 0 : x.numel() / n;
  dispatch_dtype(t.dtype(), [&]<typename T>() {
    using M = opmath_t<T>;
    const T* s = x.data_ptr<T>();
    T* v = vals.data_ptr<T>();
    int64_t* ix = idxs.data_ptr<int64_t>();
    std::vector<int64_t> order(static_cast<size_t>(n));
    for (int64_t r = 0; r < rows; ++r) {
      const T* row = s + r * n;
      std::iota(order.begin(), order.end(), int64_t{0});
      std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
        M va = static_cast<M>(row[a]), vb = static_cast<M>(row[b]);
        return descending ? less_nan(vb, va) : less_nan(va, vb);
      });
      for (int64_t i = 0; i < n; ++i) {
        v[r * n + i] = row[order[i]];
        ix[r * n + i] = order[i];
      }
    }
  });
  return {contiguous(movedim(vals, -1, d)), contiguous(movedim(idxs, -1, d))};
}

}  // namespace

SortResult sort(const Tensor& t, int64_t dim, bool descending) {
  ops::GradRecorder rec("sort", {t});
  SortResult r = sort_fwd(t, dim, descending);
  if (rec.active())  // values: the gradient goes back to where each value came from
    rec.record({r.values, r.indices}, [s = t.shape(), dim, idx = r.indices](const std::vector<Tensor>& g) {
      if (s.empty()) return std::vector<Tensor>{g[0]};
      return std::vector<Tensor>{scatter_add(zeros(s, g[0].dtype()), dim, idx, g[0])};
    });
  return r;
}

Tensor argsort(const Tensor& t, int64_t dim, bool descending) { return sort(t, dim, descending).indices; }

SortResult topk(const Tensor& t, int64_t k, int64_t dim, bool largest) {
  check_defined(t, "topk");
  const int64_t d = t.dim() == 0 ? wrap_dim(dim, 1, "topk") : wrap_dim(dim, t.dim(), "topk");
  const int64_t n = t.dim() == 0 ? 1 : t.size(d);
  if (k < 0 || k > n) throw ValueError(MsgId::value_out_of_range, "topk", "k", "[0, " + std::to_string(n) + "]", k);
  SortResult s = sort(t, d, largest);
  if (t.dim() == 0) return s;
  return {contiguous(narrow(s.values, d, 0, k)), contiguous(narrow(s.indices, d, 0, k))};
}

UniqueResult unique(const Tensor& t) {
  check_defined(t, "unique");
  SortResult s = sort(reshape(t, {-1}), 0, false);
  const int64_t n = t.numel();
  Tensor inverse = empty(t.shape(), DType::i64);
  std::vector<int64_t> firsts, counts;  // position in the sorted list, count
  dispatch_dtype(t.dtype(), [&]<typename T>() {
    using M = opmath_t<T>;
    const T* v = s.values.data_ptr<T>();
    const int64_t* ix = s.indices.data_ptr<int64_t>();
    int64_t* inv = inverse.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      if (i == 0 || static_cast<M>(v[i]) != static_cast<M>(v[i - 1])) {
        firsts.push_back(i);
        counts.push_back(0);
      }
      ++counts.back();
      inv[ix[i]] = static_cast<int64_t>(firsts.size()) - 1;
    }
  });
  const int64_t m = static_cast<int64_t>(firsts.size());
  Tensor pos = tensor(firsts);
  UniqueResult r;
  r.values = m == 0 ? empty({0}, t.dtype()) : index_select(s.values, 0, pos);
  r.inverse = inverse;
  r.counts = m == 0 ? empty({0}, DType::i64) : tensor(counts);
  return r;
}

Tensor bincount(const Tensor& t, const Tensor& weights, int64_t minlength) {
  const char* op = "bincount";
  check_defined(t, op);
  if (!is_integral(t.dtype())) throw DTypeError(MsgId::dtype_not_supported, op, t.dtype());
  if (t.dim() != 1) throw ShapeError(MsgId::idx_index_not_1d, op, t.shape());
  if (minlength < 0) throw ValueError(MsgId::arg_invalid, op, "minlength", minlength);
  if (weights.defined() && weights.shape() != t.shape())
    throw ShapeError(MsgId::shape_mismatch, op, t.shape(), weights.shape());
  Tensor x = contiguous(to(t, DType::i64));
  const int64_t* p = x.data_ptr<int64_t>();
  int64_t size = minlength;
  for (int64_t i = 0; i < x.numel(); ++i) {
    if (p[i] < 0) throw ValueError(MsgId::idx_negative_value, op, p[i]);
    size = std::max(size, p[i] + 1);
  }
  if (!weights.defined()) {
    Tensor out = zeros({size}, DType::i64);
    int64_t* o = out.data_ptr<int64_t>();
    for (int64_t i = 0; i < x.numel(); ++i) ++o[p[i]];
    return out;
  }
  const DType wt = weights.dtype() == DType::f32 ? DType::f32 : DType::f64;
  Tensor w = contiguous(to(weights, wt));
  Tensor out = zeros({size}, wt);
  auto accumulate = [&]<typename W>() {
    const W* wp = w.data_ptr<W>();
    W* o = out.data_ptr<W>();
    for (int64_t i = 0; i < x.numel(); ++i) o[p[i]] += wp[i];
  };
  if (wt == DType::f32) accumulate.template operator()<float>();
  else accumulate.template operator()<double>();
  return out;
}

Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& values, bool right) {
  const char* op = "searchsorted";
  check_defined(sorted_sequence, op);
  check_defined(values, op);
  const Tensor& seq = sorted_sequence;
  if (seq.dim() == 0) throw ShapeError(MsgId::needs_dims, op, 1, 0);
  if (seq.dim() > 1) {
    bool ok = values.dim() == seq.dim();
    for (int64_t d = 0; ok && d + 1 < seq.dim(); ++d) ok = seq.size(d) == values.size(d);
    if (!ok) throw ShapeError(MsgId::idx_searchsorted_shape, op, seq.shape(), values.shape());
  }
  const DType dt = promote_types(seq.dtype(), values.dtype());
  Tensor s = contiguous(to(seq, dt));
  Tensor v = contiguous(to(values, dt));
  Tensor out = empty(values.shape(), DType::i64);
  const int64_t n = seq.size(-1);
  const int64_t per_row = seq.dim() == 1 ? 0 : (values.dim() == 0 ? 1 : values.size(-1));
  dispatch_dtype(dt, [&]<typename T>() {
    using M = opmath_t<T>;
    const T* sp = s.data_ptr<T>();
    const T* vp = v.data_ptr<T>();
    int64_t* o = out.data_ptr<int64_t>();
    for (int64_t i = 0; i < v.numel(); ++i) {
      const T* row = sp + (per_row == 0 ? 0 : (i / per_row) * n);
      const M x = static_cast<M>(vp[i]);
      // Binary search for the first element >= x (> x when right).
      int64_t lo = 0, hi = n;
      while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        M m = static_cast<M>(row[mid]);
        bool go_right = right ? !less_nan(x, m) : less_nan(m, x);
        if (go_right) lo = mid + 1;
        else hi = mid;
      }
      o[i] = lo;
    }
  });
  return out;
}

}  // namespace hangu

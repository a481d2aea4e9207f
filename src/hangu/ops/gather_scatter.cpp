// index_select, gather, scatter (+ add/multiply), index_add, masked_fill/select, nonzero,
// take_along_dim. Index tensors are checked before anything is written.
#include <cstring>

#include "hangu/core/convert.h"
#include "hangu/core/error.h"
#include "hangu/ops/autograd_record.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/indexing_util.h"
#include "hangu/ops/reduction.h"
#include "hangu/ops/views.h"

namespace hangu {
namespace {

enum class Reduce : uint8_t { none, add, multiply };

Reduce parse_reduce(std::string_view r, const char* op) {
  if (r.empty()) return Reduce::none;
  if (r == "add") return Reduce::add;
  if (r == "multiply") return Reduce::multiply;
  throw ValueError(MsgId::arg_invalid, op, "reduce", std::string(r));
}

// Throws IndexError for the first index outside [0, size).
void check_indices(const Tensor& idx, int64_t size, int64_t dim, const char* op) {
  const int64_t* p = idx.data_ptr<int64_t>();
  for (int64_t i = 0; i < idx.numel(); ++i) detail::checked_index(p[i], size, dim, op, false);
}

// Calls f(position, multi_index) over `shape` in row-major order.
template <typename F>
void for_each_position(const Shape& shape, F&& f) {
  const int64_t n = shape_numel(shape);
  Shape idx(shape.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    f(k, idx);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

// Offset (in elements) of a multi-index in `t`, with dim `dim` replaced by `at`.
int64_t offset_of(const Tensor& t, const Shape& idx, int64_t dim, int64_t at) {
  int64_t off = 0;
  for (int64_t d = 0; d < t.dim(); ++d) off += (d == dim ? at : idx[d]) * t.strides()[d];
  return off;
}

// Rank and size rules shared by gather and scatter: index has t's rank and fits inside t outside
// dim (and inside src everywhere, when given).
void check_gather_shapes(const Tensor& t, int64_t dim, const Tensor& index, const Tensor* src, const char* op) {
  if (index.dim() != t.dim()) throw ShapeError(MsgId::idx_index_rank, op, index.shape(), t.shape());
  for (int64_t d = 0; d < t.dim(); ++d)
    if (d != dim && index.size(d) > t.size(d))
      throw ShapeError(MsgId::idx_index_larger, op, index.shape(), "input", t.shape(), d);
  if (src) {
    if (src->dim() != t.dim()) throw ShapeError(MsgId::idx_index_rank, op, index.shape(), src->shape());
    for (int64_t d = 0; d < t.dim(); ++d)
      if (index.size(d) > src->size(d))
        throw ShapeError(MsgId::idx_index_larger, op, index.shape(), "src", src->shape(), d);
  }
}

// out (contiguous) [dim = idx[p]] op= src[p] for every position p of idx.
Tensor scatter_impl(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src, Reduce reduce,
                    const char* op) {
  check_defined(t, op);
  const int64_t d = t.dim() == 0 ? wrap_dim(dim, 1, op) : wrap_dim(dim, t.dim(), op);
  Tensor idx = detail::index_as_i64(index, op);
  check_gather_shapes(t, d, idx, &src, op);
  if (src.dtype() != t.dtype()) throw DTypeError(MsgId::dtype_mismatch, op, t.dtype(), src.dtype());
  check_indices(idx, t.dim() == 0 ? 1 : t.size(d), d, op);
  Tensor out = clone(t);
  const int64_t* ip = idx.data_ptr<int64_t>();
  char* ob = static_cast<char*>(out.data());
  const char* sb = static_cast<const char*>(src.data());
  const int64_t es = out.element_size();
  if (reduce == Reduce::none) {
    for_each_position(idx.shape(), [&](int64_t k, const Shape& p) {
      detail::copy_elem(ob + offset_of(out, p, d, ip[k]) * es, sb + offset_of(src, p, -1, 0) * es, es);
    });
    return out;
  }
  dispatch_dtype(t.dtype(), [&]<typename T>() {
    using M = opmath_t<T>;
    for_each_position(idx.shape(), [&](int64_t k, const Shape& p) {
      T* o = reinterpret_cast<T*>(ob) + offset_of(out, p, d, ip[k]);
      M s = static_cast<M>(reinterpret_cast<const T*>(sb)[offset_of(src, p, -1, 0)]);
      M a = static_cast<M>(*o);
      *o = reduce == Reduce::add ? convert<T>(a + s) : convert<T>(a * s);
    });
  });
  return out;
}

// t and mask broadcast together, both contiguous.
std::pair<Tensor, Tensor> expand_with_mask(const Tensor& t, const Tensor& mask, const char* op) {
  check_defined(t, op);
  check_defined(mask, op);
  if (mask.dtype() != DType::boolean) throw DTypeError(MsgId::dtype_mismatch, op, DType::boolean, mask.dtype());
  Shape shape = broadcast_shapes(t.shape(), mask.shape(), op);
  return {clone(expand(t, shape)), contiguous(expand(mask, shape))};
}

}  // namespace

static Tensor index_select_fwd(const Tensor& t, int64_t dim, const Tensor& index) {
  check_defined(t, "index_select");
  Tensor idx = detail::index_as_i64(index, "index_select", true);
  if (idx.dim() > 1) throw ShapeError(MsgId::idx_index_not_1d, "index_select", idx.shape());
  if (t.dim() == 0) {
    wrap_dim(dim, 1, "index_select");
    if (idx.numel() != 1) throw ShapeError(MsgId::idx_index_not_1d, "index_select", idx.shape());
    check_indices(idx, 1, 0, "index_select");
    return clone(t);
  }
  const int64_t d = wrap_dim(dim, t.dim(), "index_select");
  check_indices(idx, t.size(d), d, "index_select");
  Tensor c = contiguous(t);
  Shape shape = t.shape();
  shape[d] = idx.numel();
  Tensor out = empty(shape, t.dtype());
  int64_t outer, inner;
  detail::outer_inner(shape, d, &outer, &inner);
  const int64_t es = t.element_size(), row = inner * es, n = idx.numel();
  const int64_t* ip = idx.data_ptr<int64_t>();
  const char* s = static_cast<const char*>(c.data());
  char* o = static_cast<char*>(out.data());
  if (row > 0)
    for (int64_t k = 0; k < outer; ++k)
      for (int64_t i = 0; i < n; ++i)
        std::memcpy(o + (k * n + i) * row, s + (k * t.size(d) + ip[i]) * row, static_cast<size_t>(row));
  return out;
}

static Tensor gather_fwd(const Tensor& t, int64_t dim, const Tensor& index) {
  check_defined(t, "gather");
  const int64_t d = t.dim() == 0 ? wrap_dim(dim, 1, "gather") : wrap_dim(dim, t.dim(), "gather");
  Tensor idx = detail::index_as_i64(index, "gather");
  check_gather_shapes(t, d, idx, nullptr, "gather");
  check_indices(idx, t.dim() == 0 ? 1 : t.size(d), d, "gather");
  Tensor out = empty(idx.shape(), t.dtype());
  const int64_t* ip = idx.data_ptr<int64_t>();
  const char* s = static_cast<const char*>(t.data());
  char* o = static_cast<char*>(out.data());
  const int64_t es = t.element_size();
  for_each_position(idx.shape(), [&](int64_t k, const Shape& p) {
    detail::copy_elem(o + k * es, s + offset_of(t, p, d, ip[k]) * es, es);
  });
  return out;
}

static Tensor scatter_fwd(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src, std::string_view reduce) {
  check_defined(src, "scatter");
  return scatter_impl(t, dim, index, src, parse_reduce(reduce, "scatter"), "scatter");
}

static Tensor scatter_fwd(const Tensor& t, int64_t dim, const Tensor& index, const Scalar& value, std::string_view reduce) {
  check_defined(t, "scatter");
  check_defined(index, "scatter");
  // A value is a src of index's shape with stride 0 everywhere.
  Tensor src = expand(full({}, value, t.dtype()), index.shape());
  return scatter_impl(t, dim, index, src, parse_reduce(reduce, "scatter"), "scatter");
}

static Tensor scatter_add_fwd(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  check_defined(src, "scatter_add");
  return scatter_impl(t, dim, index, src, Reduce::add, "scatter_add");
}

static Tensor index_add_fwd(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
  const char* op = "index_add";
  check_defined(t, op);
  check_defined(source, op);
  Tensor idx = detail::index_as_i64(index, op, true);
  if (idx.dim() > 1) throw ShapeError(MsgId::idx_index_not_1d, op, idx.shape());
  const int64_t d = t.dim() == 0 ? wrap_dim(dim, 1, op) : wrap_dim(dim, t.dim(), op);
  Shape expect = t.shape();
  if (t.dim() > 0) expect[d] = idx.numel();
  if (source.shape() != expect && !(t.dim() == 0 && source.numel() == 1 && source.dim() <= 1))
    throw ShapeError(MsgId::idx_source_shape, op, source.shape(), expect);
  if (source.dtype() != t.dtype()) throw DTypeError(MsgId::dtype_mismatch, op, t.dtype(), source.dtype());
  const int64_t size = t.dim() == 0 ? 1 : t.size(d);
  check_indices(idx, size, d, op);
  Tensor out = clone(t);
  Tensor src = contiguous(source);
  int64_t outer = 1, inner = 1;
  if (t.dim() > 0) detail::outer_inner(t.shape(), d, &outer, &inner);
  const int64_t n = idx.numel();
  const int64_t* ip = idx.data_ptr<int64_t>();
  dispatch_dtype(t.dtype(), [&]<typename T>() {
    using M = opmath_t<T>;
    const M a = alpha.to<M>();
    T* o = out.data_ptr<T>();
    const T* s = src.data_ptr<T>();
    for (int64_t k = 0; k < outer; ++k)
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < inner; ++j) {
          T& dst = o[(k * size + ip[i]) * inner + j];
          dst = convert<T>(static_cast<M>(dst) + a * static_cast<M>(s[(k * n + i) * inner + j]));
        }
  });
  return out;
}

static Tensor masked_fill_fwd(const Tensor& t, const Tensor& mask, const Scalar& value) {
  auto [out, m] = expand_with_mask(t, mask, "masked_fill");
  Tensor v = full({}, value, t.dtype());
  const bool* mp = m.data_ptr<bool>();
  char* o = static_cast<char*>(out.data());
  const int64_t es = out.element_size();
  for (int64_t i = 0; i < out.numel(); ++i)
    if (mp[i]) detail::copy_elem(o + i * es, static_cast<const char*>(v.data()), es);
  return out;
}


static Tensor masked_select_fwd(const Tensor& t, const Tensor& mask) {
  auto [x, m] = expand_with_mask(t, mask, "masked_select");
  const bool* mp = m.data_ptr<bool>();
  int64_t n = 0;
  for (int64_t i = 0; i < m.numel(); ++i) n += mp[i] ? 1 : 0;
  Tensor out = empty({n}, t.dtype());
  const char* s = static_cast<const char*>(x.data());
  char* o = static_cast<char*>(out.data());
  const int64_t es = out.element_size();
  for (int64_t i = 0, j = 0; i < m.numel(); ++i)
    if (mp[i]) detail::copy_elem(o + (j++) * es, s + i * es, es);
  return out;
}

Tensor nonzero(const Tensor& t) {
  check_defined(t, "nonzero");
  Tensor b = contiguous(to(t, DType::boolean));
  const bool* p = b.data_ptr<bool>();
  int64_t n = 0;
  for (int64_t i = 0; i < b.numel(); ++i) n += p[i] ? 1 : 0;
  const int64_t nd = t.dim();
  Tensor out = empty({n, nd}, DType::i64);
  int64_t* o = out.data_ptr<int64_t>();
  int64_t row = 0;
  for_each_position(t.shape(), [&](int64_t k, const Shape& idx) {
    if (!p[k]) return;
    for (int64_t d = 0; d < nd; ++d) o[row * nd + d] = idx[d];
    ++row;
  });
  return out;
}

Tensor take_along_dim(const Tensor& t, const Tensor& indices, int64_t dim) {
  const char* op = "take_along_dim";
  check_defined(t, op);
  check_defined(indices, op);
  if (indices.dtype() != DType::i64) throw DTypeError(MsgId::dtype_mismatch, op, DType::i64, indices.dtype());
  if (t.dim() != indices.dim()) throw ShapeError(MsgId::idx_index_rank, op, indices.shape(), t.shape());
  const int64_t d = t.dim() == 0 ? wrap_dim(dim, 1, op) : wrap_dim(dim, t.dim(), op);
  if (t.dim() == 0) return gather(t, d, indices);
  Shape ts = t.shape();
  ts[d] = indices.size(d);
  Shape is = broadcast_shapes(ts, indices.shape(), op);
  Shape tb = is;
  tb[d] = t.size(d);
  return gather(expand(t, tb), d, expand(indices, is));
}

Tensor take_along_dim(const Tensor& t, const Tensor& indices) {
  check_defined(t, "take_along_dim");
  check_defined(indices, "take_along_dim");
  if (indices.dtype() != DType::i64)
    throw DTypeError(MsgId::dtype_mismatch, "take_along_dim", DType::i64, indices.dtype());
  return gather(reshape(t, {-1}), 0, reshape(indices, {-1}));
}

// ---- autograd: each backward is another gather/scatter, so second derivatives work ----
namespace {
using Grads = std::vector<Tensor>;

// gather(g, dim, index), zero-padded at the end of each dim up to src's shape (index may cover
// only part of src).
Tensor gather_to_src(const Tensor& g, int64_t dim, const Tensor& index, const Shape& src_shape) {
  Tensor r = gather(g, dim, index);
  if (r.shape() == src_shape) return r;
  std::vector<int64_t> pads;
  for (int64_t d = r.dim() - 1; d >= 0; --d) {
    pads.push_back(0);
    pads.push_back(src_shape[static_cast<size_t>(d)] - r.size(d));
  }
  return pad(r, pads);
}

}  // namespace

Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index) {
  ops::GradRecorder rec("index_select", {t});
  Tensor out = index_select_fwd(t, dim, index);
  if (rec.active())
    rec.record({out}, [s = t.shape(), dim, index](const Grads& g) {
      if (s.empty()) return Grads{reshape(g[0], s)};
      return Grads{index_add(zeros(s, g[0].dtype()), dim, index, g[0])};
    });
  return out;
}

Tensor gather(const Tensor& t, int64_t dim, const Tensor& index) {
  ops::GradRecorder rec("gather", {t});
  Tensor out = gather_fwd(t, dim, index);
  if (rec.active())
    rec.record({out}, [s = t.shape(), dim, index](const Grads& g) {
      return Grads{scatter_add(zeros(s, g[0].dtype()), dim, index, g[0])};
    });
  return out;
}

Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src, std::string_view reduce) {
  ops::GradRecorder rec("scatter", {t, src});
  Tensor out = scatter_fwd(t, dim, index, src, reduce);
  if (rec.active()) {
    Reduce r = parse_reduce(reduce, "scatter");
    rec.record({out}, [r, dim, index, src, s = src.shape(), res = ops::SavedTensor(out)](const Grads& g) {
      if (r == Reduce::none) return Grads{scatter(g[0], dim, index, 0.0), gather_to_src(g[0], dim, index, s)};
      if (r == Reduce::add) return Grads{g[0], gather_to_src(g[0], dim, index, s)};
      // multiply: out = self * prod(src at that position). The src formula divides by src, so it
      // is only right where src is non-zero (torch 1.13 has no gradient here at all).
      Tensor factor = scatter(ones_like(g[0]), dim, index, src, "multiply");
      Tensor gs = div(gather_to_src(mul(g[0], res.get()), dim, index, s), src);
      return Grads{mul(g[0], factor), gs};
    });
  }
  return out;
}

Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Scalar& value, std::string_view reduce) {
  ops::GradRecorder rec("scatter", {t});
  Tensor out = scatter_fwd(t, dim, index, value, reduce);
  if (rec.active()) {
    Reduce r = parse_reduce(reduce, "scatter");
    rec.record({out}, [r, dim, index, value](const Grads& g) {
      if (r == Reduce::none) return Grads{scatter(g[0], dim, index, 0.0)};
      if (r == Reduce::add) return Grads{g[0]};
      return Grads{mul(g[0], scatter(ones_like(g[0]), dim, index, value, "multiply"))};
    });
  }
  return out;
}

Tensor scatter_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  ops::GradRecorder rec("scatter_add", {t, src});
  Tensor out = scatter_add_fwd(t, dim, index, src);
  if (rec.active())
    rec.record({out}, [dim, index, s = src.shape()](const Grads& g) {
      return Grads{g[0], gather_to_src(g[0], dim, index, s)};
    });
  return out;
}

Tensor index_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
  ops::GradRecorder rec("index_add", {t, source});
  Tensor out = index_add_fwd(t, dim, index, source, alpha);
  if (rec.active())
    rec.record({out}, [dim, index, alpha](const Grads& g) {
      Tensor gs = index_select(g[0], dim, index);
      return Grads{g[0], alpha.to<double>() == 1.0 ? gs : mul(gs, alpha)};
    });
  return out;
}

Tensor masked_fill(const Tensor& t, const Tensor& mask, const Scalar& value) {
  ops::GradRecorder rec("masked_fill", {t});
  Tensor out = masked_fill_fwd(t, mask, value);
  if (rec.active()) rec.record({out}, [mask](const Grads& g) { return Grads{masked_fill(g[0], mask, 0.0)}; });
  return out;
}

Tensor masked_fill(const Tensor& t, const Tensor& mask, const Tensor& value) {
  check_defined(value, "masked_fill");
  if (value.dim() != 0) throw ShapeError(MsgId::idx_value_not_0d, "masked_fill", value.shape());
  ops::GradRecorder rec("masked_fill", {t, value});
  Tensor out = masked_fill_fwd(t, mask, value.item());
  if (rec.active())
    rec.record({out}, [mask](const Grads& g) {
      return Grads{masked_fill(g[0], mask, 0.0), sum(masked_select(g[0], mask))};
    });
  return out;
}

Tensor masked_select(const Tensor& t, const Tensor& mask) {
  ops::GradRecorder rec("masked_select", {t});
  Tensor out = masked_select_fwd(t, mask);
  if (rec.active()) {
    Shape shape = broadcast_shapes(t.shape(), mask.shape(), "masked_select");
    rec.record({out}, [shape, m = expand(mask, shape)](const Grads& g) {
      return Grads{index_put(zeros(shape, g[0].dtype()), {m}, g[0])};
    });
  }
  return out;
}

}  // namespace hangu

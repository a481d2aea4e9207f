#include "hangu/ops/views.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <unordered_map>

#include "hangu/core/checked_math.h"
#include "hangu/core/error.h"
#include "hangu/ops/autograd_record.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/reduction.h"

namespace hangu {
namespace {

Tensor make_view(const Tensor& t, Shape shape, Strides strides, int64_t offset) {
  // A view with no elements addresses nothing: keep the base's offset, which is always valid
  // (slicing or selecting inside a 0-size tensor may compute one past the storage).
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) offset = t.offset();
  return Tensor::make(t.storage(), std::move(shape), std::move(strides), offset, t.dtype());
}

// Resolves one -1 in `shape` so that it holds `numel` elements.
Shape infer_shape(IntList shape, int64_t numel, const char* op) {
  Shape out(shape.begin(), shape.end());
  int64_t known = 1;
  int infer = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      if (infer >= 0) throw ValueError(MsgId::arg_invalid, op, "shape", shape_str(shape));
      infer = static_cast<int>(i);
    } else if (out[i] < 0) {
      throw ValueError(MsgId::negative_dim, op, shape_str(shape));
    } else {
      known = checked_mul(known, out[i], op);
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel % known != 0) throw ShapeError(MsgId::numel_mismatch, op, shape_str(shape), numel);
    out[static_cast<size_t>(infer)] = numel / known;
  } else if (known != numel) {
    throw ShapeError(MsgId::numel_mismatch, op, shape_str(shape), numel);
  }
  return out;
}

// Strides for viewing (old_shape, old_strides) as new_shape without copying, if possible
// (PyTorch's computeStride: each run of old dims that is contiguous in memory can be re-split).
std::optional<Strides> view_strides(IntList old_shape, IntList old_strides, IntList new_shape) {
  Strides ns(new_shape.size());
  if (old_shape.empty()) {
    std::fill(ns.begin(), ns.end(), 1);
    return ns;
  }
  int64_t numel = 1;
  for (int64_t s : old_shape) numel *= s;
  if (numel == 0) {
    if (std::equal(old_shape.begin(), old_shape.end(), new_shape.begin(), new_shape.end()))
      return Strides(old_strides.begin(), old_strides.end());
    return contiguous_strides(new_shape);
  }
  int64_t view_d = static_cast<int64_t>(new_shape.size()) - 1;
  int64_t chunk_base_stride = old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(old_shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= old_shape[d];
    if (d == 0 || (old_shape[d - 1] != 1 && old_strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
        ns[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base_stride = old_strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return ns;
}

}  // namespace

static Tensor view_fwd(const Tensor& t, IntList shape) {
  check_defined(t, "view");
  Shape s = infer_shape(shape, t.numel(), "view");
  auto st = view_strides(t.shape(), t.strides(), s);
  if (!st) throw ShapeError(MsgId::view_not_possible, "view", t.shape(), t.strides(), shape_str(s));
  return make_view(t, std::move(s), std::move(*st), t.offset());
}

static Tensor reshape_fwd(const Tensor& t, IntList shape) {
  check_defined(t, "reshape");
  Shape s = infer_shape(shape, t.numel(), "reshape");
  if (auto st = view_strides(t.shape(), t.strides(), s)) return make_view(t, std::move(s), std::move(*st), t.offset());
  return view(clone(t), s);
}

static Tensor permute_fwd(const Tensor& t, IntList dims) {
  check_defined(t, "permute");
  if (static_cast<int64_t>(dims.size()) != t.dim())
    throw ValueError(MsgId::permute_bad_dims, "permute", shape_str(dims), t.dim());
  Shape s(dims.size());
  Strides st(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim(dims[i], t.dim(), "permute");
    if (seen[static_cast<size_t>(d)]) throw ValueError(MsgId::permute_bad_dims, "permute", shape_str(dims), t.dim());
    seen[static_cast<size_t>(d)] = true;
    s[i] = t.shape()[static_cast<size_t>(d)];
    st[i] = t.strides()[static_cast<size_t>(d)];
  }
  return make_view(t, std::move(s), std::move(st), t.offset());
}

static Tensor transpose_fwd(const Tensor& t, int64_t dim0, int64_t dim1) {
  check_defined(t, "transpose");
  if (t.dim() == 0) {
    wrap_dim(dim0, 0, "transpose");
    wrap_dim(dim1, 0, "transpose");
    return alias(t);
  }
  int64_t a = wrap_dim(dim0, t.dim(), "transpose"), b = wrap_dim(dim1, t.dim(), "transpose");
  Shape s = t.shape();
  Strides st = t.strides();
  std::swap(s[static_cast<size_t>(a)], s[static_cast<size_t>(b)]);
  std::swap(st[static_cast<size_t>(a)], st[static_cast<size_t>(b)]);
  return make_view(t, std::move(s), std::move(st), t.offset());
}

Tensor t(const Tensor& x) {
  check_defined(x, "t");
  if (x.dim() > 2) throw ValueError(MsgId::t_needs_2d, "t", x.dim());
  return x.dim() < 2 ? alias(x) : transpose(x, 0, 1);
}

Tensor movedim(const Tensor& x, int64_t source, int64_t destination) {
  check_defined(x, "movedim");
  int64_t src = wrap_dim(source, x.dim(), "movedim"), dst = wrap_dim(destination, x.dim(), "movedim");
  Shape order;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (d != src) order.push_back(d);
  if (x.dim() > 0) order.insert(order.begin() + dst, src);
  return x.dim() == 0 ? alias(x) : permute(x, order);
}

Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length) {
  check_defined(t, "narrow");
  if (t.dim() == 0) throw ValueError(MsgId::needs_dims, "narrow", 1, 0);
  int64_t d = wrap_dim(dim, t.dim(), "narrow");
  int64_t size = t.shape()[static_cast<size_t>(d)];
  if (start < 0) start += size;
  if (start < 0 || length < 0 || start > size || length > size - start)
    throw IndexError(MsgId::narrow_out_of_range, "narrow", start, length, d, size);
  return slice(t, d, start, start + length, 1);
}

static Tensor slice_fwd(const Tensor& t, int64_t dim, int64_t start, int64_t end, int64_t step) {
  check_defined(t, "slice");
  if (t.dim() == 0) throw ValueError(MsgId::needs_dims, "slice", 1, 0);
  if (step <= 0) throw ValueError(MsgId::value_out_of_range, "slice", "step", "[1, inf)", step);
  int64_t d = wrap_dim(dim, t.dim(), "slice");
  int64_t size = t.shape()[static_cast<size_t>(d)];
  auto clampi = [&](int64_t v) {
    if (v < 0) v += size;
    return std::clamp<int64_t>(v, 0, size);
  };
  start = clampi(start);
  end = std::max(clampi(end), start);
  Shape s = t.shape();
  Strides st = t.strides();
  s[static_cast<size_t>(d)] = (end - start + step - 1) / step;
  int64_t offset = t.offset() + start * st[static_cast<size_t>(d)];
  st[static_cast<size_t>(d)] *= step;
  if (s[static_cast<size_t>(d)] == 0) offset = t.offset();
  return make_view(t, std::move(s), std::move(st), offset);
}

static Tensor select_fwd(const Tensor& t, int64_t dim, int64_t index) {
  check_defined(t, "select");
  if (t.dim() == 0) throw ValueError(MsgId::needs_dims, "select", 1, 0);
  int64_t d = wrap_dim(dim, t.dim(), "select");
  int64_t size = t.shape()[static_cast<size_t>(d)];
  if (index < -size || index >= size) throw IndexError(MsgId::index_out_of_range, "select", index, d, size);
  if (index < 0) index += size;
  Shape s = t.shape();
  Strides st = t.strides();
  int64_t offset = t.offset() + index * st[static_cast<size_t>(d)];
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  return make_view(t, std::move(s), std::move(st), offset);
}

static Tensor expand_fwd(const Tensor& t, IntList shape) {
  check_defined(t, "expand");
  if (static_cast<int64_t>(shape.size()) < t.dim())
    throw ShapeError(MsgId::expand_mismatch, "expand", t.shape(), shape_str(shape));
  size_t lead = shape.size() - static_cast<size_t>(t.dim());
  Shape s(shape.size());
  Strides st(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      if (shape[i] < 0) throw ShapeError(MsgId::expand_mismatch, "expand", t.shape(), shape_str(shape));
      s[i] = shape[i];
      st[i] = 0;
      continue;
    }
    int64_t have = t.shape()[i - lead];
    int64_t want = shape[i] == -1 ? have : shape[i];
    if (have == want) {
      s[i] = have;
      st[i] = t.strides()[i - lead];
    } else if (have == 1 && want >= 0) {
      s[i] = want;
      st[i] = 0;
    } else {
      throw ShapeError(MsgId::expand_mismatch, "expand", t.shape(), shape_str(shape));
    }
  }
  return make_view(t, std::move(s), std::move(st), t.offset());
}

Tensor expand_as(const Tensor& t, const Tensor& other) { return expand(t, other.shape()); }
Tensor broadcast_to(const Tensor& t, IntList shape) { return expand(t, shape); }

static Tensor squeeze_fwd(const Tensor& t) {
  check_defined(t, "squeeze");
  Shape s;
  Strides st;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.shape()[static_cast<size_t>(d)] != 1) {
      s.push_back(t.shape()[static_cast<size_t>(d)]);
      st.push_back(t.strides()[static_cast<size_t>(d)]);
    }
  }
  return make_view(t, std::move(s), std::move(st), t.offset());
}

static Tensor squeeze_fwd(const Tensor& t, int64_t dim) {
  check_defined(t, "squeeze");
  int64_t d = wrap_dim(dim, t.dim(), "squeeze");
  if (t.dim() == 0 || t.shape()[static_cast<size_t>(d)] != 1) return alias(t);
  Shape s = t.shape();
  Strides st = t.strides();
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  return make_view(t, std::move(s), std::move(st), t.offset());
}

static Tensor unsqueeze_fwd(const Tensor& t, int64_t dim) {
  check_defined(t, "unsqueeze");
  int64_t d = wrap_dim(dim, t.dim() + 1, "unsqueeze");
  Shape s = t.shape();
  Strides st = t.strides();
  int64_t stride = d < t.dim() ? s[static_cast<size_t>(d)] * st[static_cast<size_t>(d)] : 1;
  s.insert(s.begin() + d, 1);
  st.insert(st.begin() + d, stride);
  return make_view(t, std::move(s), std::move(st), t.offset());
}

Tensor flatten(const Tensor& t, int64_t start_dim, int64_t end_dim) {
  check_defined(t, "flatten");
  if (t.dim() == 0) return reshape(t, {1});
  int64_t a = wrap_dim(start_dim, t.dim(), "flatten"), b = wrap_dim(end_dim, t.dim(), "flatten");
  if (a > b) throw ValueError(MsgId::flatten_bad_dims, "flatten", start_dim, end_dim);
  Shape s(t.shape().begin(), t.shape().begin() + a);
  int64_t n = 1;
  for (int64_t d = a; d <= b; ++d) n *= t.shape()[static_cast<size_t>(d)];
  s.push_back(n);
  s.insert(s.end(), t.shape().begin() + b + 1, t.shape().end());
  return reshape(t, s);
}

Tensor unflatten(const Tensor& t, int64_t dim, IntList sizes) {
  check_defined(t, "unflatten");
  int64_t d = wrap_dim(dim, t.dim(), "unflatten");
  if (sizes.empty()) throw ValueError(MsgId::arg_invalid, "unflatten", "sizes", shape_str(sizes));
  Shape inner = infer_shape(sizes, t.shape()[static_cast<size_t>(d)], "unflatten");
  Shape s(t.shape().begin(), t.shape().begin() + d);
  s.insert(s.end(), inner.begin(), inner.end());
  s.insert(s.end(), t.shape().begin() + d + 1, t.shape().end());
  return view(t, s);
}

static Tensor as_strided_fwd(const Tensor& t, IntList shape, IntList strides, int64_t offset) {
  check_defined(t, "as_strided");
  if (shape.size() != strides.size()) throw ShapeError(MsgId::shape_mismatch, "as_strided", shape, strides);
  for (int64_t s : strides)
    if (s < 0) throw ValueError(MsgId::arg_invalid, "as_strided", "strides", shape_str(strides));
  return make_view(t, Shape(shape.begin(), shape.end()), Strides(strides.begin(), strides.end()),
                   offset < 0 ? t.offset() : offset);
}

static Tensor diagonal_fwd(const Tensor& t, int64_t offset, int64_t dim1, int64_t dim2) {
  check_defined(t, "diagonal");
  if (t.dim() < 2) throw ValueError(MsgId::needs_dims, "diagonal", 2, t.dim());
  int64_t a = wrap_dim(dim1, t.dim(), "diagonal"), b = wrap_dim(dim2, t.dim(), "diagonal");
  if (a == b) throw ValueError(MsgId::diagonal_same_dims, "diagonal", dim1, dim2);
  int64_t sa = t.shape()[static_cast<size_t>(a)], sb = t.shape()[static_cast<size_t>(b)];
  int64_t n = offset >= 0 ? std::max<int64_t>(std::min(sa, sb - offset), 0)
                          : std::max<int64_t>(std::min(sa + offset, sb), 0);
  int64_t off = t.offset();
  if (n > 0) off += offset >= 0 ? offset * t.strides()[static_cast<size_t>(b)] : -offset * t.strides()[static_cast<size_t>(a)];
  Shape s;
  Strides st;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (d == a || d == b) continue;
    s.push_back(t.shape()[static_cast<size_t>(d)]);
    st.push_back(t.strides()[static_cast<size_t>(d)]);
  }
  s.push_back(n);
  st.push_back(t.strides()[static_cast<size_t>(a)] + t.strides()[static_cast<size_t>(b)]);
  return make_view(t, std::move(s), std::move(st), off);
}

static Tensor unfold_fwd(const Tensor& t, int64_t dim, int64_t size, int64_t step) {
  check_defined(t, "unfold");
  int64_t d = wrap_dim(dim, t.dim(), "unfold");
  int64_t len = t.dim() == 0 ? 1 : t.shape()[static_cast<size_t>(d)];
  if (size < 0 || size > len) throw ValueError(MsgId::value_out_of_range, "unfold", "size", "[0, " + std::to_string(len) + "]", size);
  if (step <= 0) throw ValueError(MsgId::value_out_of_range, "unfold", "step", "[1, inf)", step);
  Shape s = t.shape();
  Strides st = t.strides();
  if (t.dim() == 0) {
    s = {size};
    st = {1};
    return make_view(t, std::move(s), std::move(st), t.offset());
  }
  int64_t stride_d = st[static_cast<size_t>(d)];
  s[static_cast<size_t>(d)] = (len - size) / step + 1;
  st[static_cast<size_t>(d)] = stride_d * step;
  s.push_back(size);
  st.push_back(stride_d);
  return make_view(t, std::move(s), std::move(st), t.offset());
}

static Tensor alias_fwd(const Tensor& t) {
  check_defined(t, "alias");
  return make_view(t, t.shape(), t.strides(), t.offset());
}

// ---- autograd: the views whose backward is another view (or a sum, for expand) ----
namespace {
using Grads = std::vector<Tensor>;
}  // namespace

Tensor view(const Tensor& t, IntList shape) {
  ops::GradRecorder rec("view", {t});
  Tensor out = view_fwd(t, shape);
  if (rec.active()) rec.record({out}, [s = t.shape()](const Grads& g) { return Grads{reshape(g[0], s)}; });
  return out;
}

Tensor reshape(const Tensor& t, IntList shape) {
  ops::GradRecorder rec("reshape", {t});
  Tensor out = reshape_fwd(t, shape);
  if (rec.active()) rec.record({out}, [s = t.shape()](const Grads& g) { return Grads{reshape(g[0], s)}; });
  return out;
}

Tensor permute(const Tensor& t, IntList dims) {
  ops::GradRecorder rec("permute", {t});
  Tensor out = permute_fwd(t, dims);
  if (rec.active()) {
    Shape inverse(dims.size());
    for (size_t i = 0; i < dims.size(); ++i) inverse[static_cast<size_t>(wrap_dim(dims[i], t.dim(), "permute"))] = static_cast<int64_t>(i);
    rec.record({out}, [inverse](const Grads& g) { return Grads{permute(g[0], inverse)}; });
  }
  return out;
}

Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1) {
  ops::GradRecorder rec("transpose", {t});
  Tensor out = transpose_fwd(t, dim0, dim1);
  if (rec.active()) rec.record({out}, [dim0, dim1](const Grads& g) { return Grads{transpose(g[0], dim0, dim1)}; });
  return out;
}

Tensor expand(const Tensor& t, IntList shape) {
  ops::GradRecorder rec("expand", {t});
  Tensor out = expand_fwd(t, shape);
  if (rec.active()) rec.record({out}, [s = t.shape()](const Grads& g) { return Grads{ops::sum_to_shape(g[0], s)}; });
  return out;
}

Tensor squeeze(const Tensor& t) {
  ops::GradRecorder rec("squeeze", {t});
  Tensor out = squeeze_fwd(t);
  if (rec.active()) rec.record({out}, [s = t.shape()](const Grads& g) { return Grads{reshape(g[0], s)}; });
  return out;
}

Tensor squeeze(const Tensor& t, int64_t dim) {
  ops::GradRecorder rec("squeeze", {t});
  Tensor out = squeeze_fwd(t, dim);
  if (rec.active()) rec.record({out}, [s = t.shape()](const Grads& g) { return Grads{reshape(g[0], s)}; });
  return out;
}

Tensor unsqueeze(const Tensor& t, int64_t dim) {
  ops::GradRecorder rec("unsqueeze", {t});
  Tensor out = unsqueeze_fwd(t, dim);
  if (rec.active()) rec.record({out}, [s = t.shape()](const Grads& g) { return Grads{reshape(g[0], s)}; });
  return out;
}

// ---- autograd: views whose backward scatters the gradient back into zeros ----
namespace {

// zeros(in_shape) with g written into view_of(zeros): the backward of a view that picks distinct
// elements. Its own backward is the view itself, so second derivatives work.
Tensor scatter_into_view(const char* name, const Tensor& g, const Shape& in_shape,
                         std::function<Tensor(const Tensor&)> view_of) {
  ops::GradRecorder rec(name, {g});
  Tensor out = zeros(in_shape, g.dtype());
  copy_(view_of(out), g);
  if (rec.active()) rec.record({out}, [view_of](const Grads& gg) { return Grads{view_of(gg[0])}; });
  return out;
}

// Storage offsets (in elements) of every element of a (shape, strides, offset) view, row-major.
std::vector<int64_t> element_offsets(IntList shape, IntList strides, int64_t offset) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  std::vector<int64_t> offs(static_cast<size_t>(n));
  Shape idx(shape.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t o = offset;
    for (size_t d = 0; d < shape.size(); ++d) o += idx[d] * strides[d];
    offs[static_cast<size_t>(k)] = o;
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++idx[static_cast<size_t>(d)] < shape[static_cast<size_t>(d)]) break;
      idx[static_cast<size_t>(d)] = 0;
    }
  }
  return offs;
}

}  // namespace

Tensor slice(const Tensor& t, int64_t dim, int64_t start, int64_t end, int64_t step) {
  ops::GradRecorder rec("slice", {t});
  Tensor out = slice_fwd(t, dim, start, end, step);
  if (rec.active()) {
    // Recorded with the resolved bounds: the backward's slice must pick the same elements.
    int64_t d = wrap_dim(dim, t.dim(), "slice");
    int64_t size = t.shape()[static_cast<size_t>(d)];
    int64_t s0 = start < 0 ? start + size : start;
    s0 = std::clamp<int64_t>(s0, 0, size);
    int64_t e0 = std::max<int64_t>(s0, s0 + out.shape()[static_cast<size_t>(d)] * step);
    e0 = std::min(e0, size);
    rec.record({out}, [s = t.shape(), d, s0, e0, step](const Grads& g) {
      return Grads{scatter_into_view("slice_backward", g[0], s,
                                     [=](const Tensor& x) { return slice(x, d, s0, e0, step); })};
    });
  }
  return out;
}

Tensor select(const Tensor& t, int64_t dim, int64_t index) {
  ops::GradRecorder rec("select", {t});
  Tensor out = select_fwd(t, dim, index);
  if (rec.active()) {
    int64_t d = wrap_dim(dim, t.dim(), "select");
    int64_t i = index < 0 ? index + t.shape()[static_cast<size_t>(d)] : index;
    rec.record({out}, [s = t.shape(), d, i](const Grads& g) {
      return Grads{scatter_into_view("select_backward", g[0], s, [=](const Tensor& x) { return select(x, d, i); })};
    });
  }
  return out;
}

Tensor diagonal(const Tensor& t, int64_t offset, int64_t dim1, int64_t dim2) {
  ops::GradRecorder rec("diagonal", {t});
  Tensor out = diagonal_fwd(t, offset, dim1, dim2);
  if (rec.active())
    rec.record({out}, [s = t.shape(), offset, dim1, dim2](const Grads& g) {
      return Grads{scatter_into_view("diagonal_backward", g[0], s,
                                     [=](const Tensor& x) { return diagonal(x, offset, dim1, dim2); })};
    });
  return out;
}

Tensor as_strided(const Tensor& t, IntList shape, IntList strides, int64_t offset) {
  ops::GradRecorder rec("as_strided", {t});
  Tensor out = as_strided_fwd(t, shape, strides, offset);
  if (rec.active()) {
    // Output element k reads storage position p; the input element at p (the first one, if t
    // itself overlaps) gets its gradient. Overlapping outputs accumulate through index_add.
    std::vector<int64_t> in_offs = element_offsets(t.shape(), t.strides(), t.offset());
    std::vector<int64_t> out_offs = element_offsets(out.shape(), out.strides(), out.offset());
    std::unordered_map<int64_t, int64_t> where;
    for (size_t j = 0; j < in_offs.size(); ++j) where.emplace(in_offs[j], static_cast<int64_t>(j));
    std::vector<int64_t> from, to_pos;
    for (size_t k = 0; k < out_offs.size(); ++k) {
      auto it = where.find(out_offs[k]);
      if (it == where.end()) continue;  // reads memory outside t: no gradient to give
      from.push_back(static_cast<int64_t>(k));
      to_pos.push_back(it->second);
    }
    rec.record({out}, [s = t.shape(), n = t.numel(), from = tensor(from), to_pos = tensor(to_pos)](const Grads& g) {
      Tensor picked = index_select(reshape(g[0], {-1}), 0, from);
      return Grads{reshape(index_add(zeros({n}, g[0].dtype()), 0, to_pos, picked), s)};
    });
  }
  return out;
}

Tensor unfold(const Tensor& t, int64_t dim, int64_t size, int64_t step) {
  ops::GradRecorder rec("unfold", {t});
  Tensor out = unfold_fwd(t, dim, size, step);
  if (rec.active()) {
    if (t.dim() == 0) {
      rec.record({out}, [](const Grads& g) { return Grads{sum(g[0])}; });
      return out;
    }
    // Window w, element k came from position w * step + k along dim; windows may overlap.
    int64_t d = wrap_dim(dim, t.dim(), "unfold");
    int64_t windows = out.shape()[static_cast<size_t>(d)];
    std::vector<int64_t> pos;
    for (int64_t w = 0; w < windows; ++w)
      for (int64_t k = 0; k < size; ++k) pos.push_back(w * step + k);
    rec.record({out}, [s = t.shape(), d, pos = tensor(pos)](const Grads& g) {
      Tensor flat = flatten(movedim(g[0], -1, d + 1), d, d + 1);
      return Grads{index_add(zeros(s, g[0].dtype()), d, pos, flat)};
    });
  }
  return out;
}

Tensor alias(const Tensor& t) {
  ops::GradRecorder rec("alias", {t});
  Tensor out = alias_fwd(t);
  if (rec.active()) rec.record({out}, [](const Grads& g) { return Grads{g[0]}; });
  return out;
}

}  // namespace hangu

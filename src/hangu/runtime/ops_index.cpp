// Indexing ops: Gather, GatherElements, GatherND, ScatterElements (and the old Scatter),
// ScatterND, OneHot, Compress, NonZero, Unique, TopK, ReverseSequence, ArgMax, ArgMin.
// Every index is checked against its dim before use (IndexError naming the node).
#include <algorithm>
#include <cstring>
#include <map>
#include <numeric>

#include "hangu/core/checked_math.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/reduction.h"
#include "hangu/ops/views.h"
#include "hangu/runtime/ops_common.h"

namespace hangu::runtime {
namespace {

// Indices as int64 with negatives wrapped by `dim`; IndexError when out of [-dim, dim).
std::vector<int64_t> wrapped_indices(const OpContext& c, const Tensor& idx, int64_t dim) {
  if (!is_integral(idx.dtype())) bad_input_dtype(c, 1, idx.dtype(), "int32 or int64");
  std::vector<int64_t> v = int_values(idx);
  for (int64_t& i : v) {
    if (i < -dim || i >= dim) throw IndexError(MsgId::rt_index_out_of_range, c.label(), i, dim);
    if (i < 0) i += dim;
  }
  return v;
}

Tensor wrapped_index_tensor(const OpContext& c, const Tensor& idx, int64_t dim) {
  std::vector<int64_t> v = wrapped_indices(c, idx, dim);
  return reshape(int_tensor(v), IntList(idx.shape()));
}

void op_gather(OpContext& c) {
  const Tensor &x = c.input(0), &idx = c.input(1);
  const int64_t axis = norm_axis(c, c.attr_int("axis", 0), x.dim());
  Tensor flat = int_tensor(wrapped_indices(c, idx, x.size(axis)));
  Tensor y = index_select(x, axis, flat);
  Shape shape(x.shape().begin(), x.shape().begin() + axis);
  shape.insert(shape.end(), idx.shape().begin(), idx.shape().end());
  shape.insert(shape.end(), x.shape().begin() + axis + 1, x.shape().end());
  c.set(0, reshape(y, IntList(shape)));
}

void op_gather_elements(OpContext& c) {
  const Tensor &x = c.input(0), &idx = c.input(1);
  const int64_t axis = norm_axis(c, c.attr_int("axis", 0), x.dim());
  c.set(0, gather(x, axis, wrapped_index_tensor(c, idx, x.size(axis))));
}

// Copies `count` elements of `esize` bytes.
inline void copy_elems(char* dst, const char* src, int64_t count, int64_t esize) {
  std::memcpy(dst, src, static_cast<size_t>(count * esize));
}

void op_gather_nd(OpContext& c) {
  const Tensor x = contiguous(c.input(0));
  const Tensor& idx = c.input(1);
  const int64_t b = c.attr_int("batch_dims", 0);
  if (idx.dim() < 1 || b < 0 || b >= std::min(x.dim(), idx.dim())) bad_attr(c, "batch_dims", std::to_string(b), "0 <= batch_dims < rank of both inputs");
  const int64_t k = idx.size(-1);
  if (k < 1 || b + k > x.dim()) bad_input_shape(c, 1, idx.shape(), "a last dim between 1 and " + std::to_string(x.dim() - b));
  for (int64_t d = 0; d < b; ++d)
    if (x.size(d) != idx.size(d)) bad_input_shape(c, 1, idx.shape(), "batch dims equal to the data's " + shape_str(x.shape()));
  std::vector<int64_t> iv = int_values(idx);
  int64_t batch = 1;
  for (int64_t d = 0; d < b; ++d) batch *= x.size(d);
  const int64_t per_batch_idx = idx.numel() / std::max<int64_t>(1, batch * k);  // index tuples per batch
  int64_t slice = 1;
  for (int64_t d = b + k; d < x.dim(); ++d) slice *= x.size(d);
  int64_t data_batch = 1;
  for (int64_t d = b; d < x.dim(); ++d) data_batch *= x.size(d);
  Shape out(idx.shape().begin(), idx.shape().end() - 1);
  out.insert(out.end(), x.shape().begin() + b + k, x.shape().end());
  Tensor y = empty(IntList(out), x.dtype());
  const int64_t es = x.element_size();
  const char* src = static_cast<const char*>(x.data());
  char* dst = static_cast<char*>(y.data());
  for (int64_t bi = 0; bi < batch; ++bi)
    for (int64_t t = 0; t < per_batch_idx; ++t) {
      const int64_t* tuple = &iv[static_cast<size_t>((bi * per_batch_idx + t) * k)];
      int64_t off = 0;
      for (int64_t j = 0; j < k; ++j) {
        const int64_t dim = x.size(b + j);
        int64_t i = tuple[j];
        if (i < -dim || i >= dim) throw IndexError(MsgId::rt_index_out_of_range, c.label(), i, dim);
        if (i < 0) i += dim;
        off = off * dim + i;
      }
      copy_elems(dst + (bi * per_batch_idx + t) * slice * es, src + (bi * data_batch + off * slice) * es, slice, es);
    }
  c.set(0, y);
}

// dst op= src for the ScatterElements / ScatterND reductions.
template <typename T>
void combine(T& dst, T src, const std::string& red) {
  using M = opmath_t<T>;
  if (red == "add") dst = static_cast<T>(static_cast<M>(dst) + static_cast<M>(src));
  else if (red == "mul") dst = static_cast<T>(static_cast<M>(dst) * static_cast<M>(src));
  else if (red == "max") dst = static_cast<M>(src) > static_cast<M>(dst) ? src : dst;
  else if (red == "min") dst = static_cast<M>(src) < static_cast<M>(dst) ? src : dst;
  else dst = src;
}

std::string reduction_attr(const OpContext& c) {
  const std::string r = c.attr_string("reduction", "none");
  if (r != "none" && r != "add" && r != "mul" && r != "max" && r != "min") bad_attr(c, "reduction", r, "none, add, mul, max or min");
  return r;
}

void op_scatter_elements(OpContext& c) {
  const Tensor& x = c.input(0);
  const Tensor& idx = c.input(1);
  const Tensor upd = contiguous(to(c.input(2), x.dtype()));
  const int64_t axis = norm_axis(c, c.attr_int("axis", 0), x.dim());
  if (idx.shape() != upd.shape() || idx.dim() != x.dim()) bad_input_shape(c, 1, idx.shape(), "the updates' shape " + shape_str(upd.shape()));
  const std::string red = reduction_attr(c);
  Tensor y = clone(x);
  std::vector<int64_t> iv = wrapped_indices(c, idx, x.size(axis));
  const Strides ys = y.strides();
  const Shape is = idx.shape();
  dispatch_dtype(x.dtype(), [&]<typename T>() {
    T* yp = y.data_ptr<T>();
    const T* up = upd.data_ptr<T>();
    std::vector<int64_t> pos(is.size(), 0);
    for (int64_t e = 0; e < idx.numel(); ++e) {
      int64_t off = 0;
      for (size_t d = 0; d < is.size(); ++d) {
        if (static_cast<int64_t>(d) != axis && pos[d] >= x.size(static_cast<int64_t>(d)))
          bad_input_shape(c, 1, idx.shape(), "at most the data's shape " + shape_str(x.shape()));
        off += (static_cast<int64_t>(d) == axis ? iv[static_cast<size_t>(e)] : pos[d]) * ys[d];
      }
      combine(yp[off], up[e], red);
      for (int64_t d = static_cast<int64_t>(is.size()) - 1; d >= 0; --d) {
        if (++pos[static_cast<size_t>(d)] < is[static_cast<size_t>(d)]) break;
        pos[static_cast<size_t>(d)] = 0;
      }
    }
  });
  c.set(0, y);
}

void op_scatter_nd(OpContext& c) {
  const Tensor& x = c.input(0);
  const Tensor& idx = c.input(1);
  const Tensor upd = contiguous(to(c.input(2), x.dtype()));
  const std::string red = reduction_attr(c);
  if (idx.dim() < 1) bad_input_shape(c, 1, idx.shape(), "rank >= 1");
  const int64_t k = idx.size(-1);
  if (k > x.dim()) bad_input_shape(c, 1, idx.shape(), "a last dim <= " + std::to_string(x.dim()));
  int64_t slice = 1;
  for (int64_t d = k; d < x.dim(); ++d) slice *= x.size(d);
  const int64_t n = k > 0 ? idx.numel() / k : 0;
  if (upd.numel() != n * slice) bad_input_shape(c, 2, upd.shape(), std::to_string(n * slice) + " elements");
  Tensor y = clone(x);
  std::vector<int64_t> iv = int_values(idx);
  dispatch_dtype(x.dtype(), [&]<typename T>() {
    T* yp = y.data_ptr<T>();
    const T* up = upd.data_ptr<T>();
    for (int64_t t = 0; t < n; ++t) {
      int64_t off = 0;
      for (int64_t j = 0; j < k; ++j) {
        const int64_t dim = x.size(j);
        int64_t i = iv[static_cast<size_t>(t * k + j)];
        if (i < -dim || i >= dim) throw IndexError(MsgId::rt_index_out_of_range, c.label(), i, dim);
        if (i < 0) i += dim;
        off = off * dim + i;
      }
      for (int64_t s = 0; s < slice; ++s) combine(yp[off * slice + s], up[t * slice + s], red);
    }
  });
  c.set(0, y);
}

void op_one_hot(OpContext& c) {
  const Tensor& idx = c.input(0);
  const int64_t depth = static_cast<int64_t>(c.input(1).item<double>());
  const Tensor& values = c.input(2);
  if (depth < 1) bad_input_shape(c, 1, {depth}, "depth >= 1");
  if (values.numel() != 2) bad_input_shape(c, 2, values.shape(), "[off, on]");
  const int64_t axis = norm_axis(c, c.attr_int("axis", -1), idx.dim() + 1);
  std::vector<double> iv = double_values(idx);
  Shape shape = idx.shape();
  shape.insert(shape.begin() + axis, depth);
  checked_numel(shape, "OneHot");
  Tensor vals = contiguous(reshape(values, {2}));
  Tensor y = empty(IntList(shape), values.dtype());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= shape[static_cast<size_t>(d)];
  for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
  dispatch_dtype(values.dtype(), [&]<typename T>() {
    const T off = vals.data_ptr<T>()[0], on = vals.data_ptr<T>()[1];
    T* yp = y.data_ptr<T>();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t d = 0; d < depth; ++d)
        for (int64_t i = 0; i < inner; ++i) {
          int64_t v = static_cast<int64_t>(iv[static_cast<size_t>(o * inner + i)]);
          if (v < 0) v += depth;
          yp[(o * depth + d) * inner + i] = v == d ? on : off;
        }
  });
  c.set(0, y);
}

void op_compress(OpContext& c) {
  const Tensor& x = c.input(0);
  std::vector<int64_t> cond = int_values(to(c.input(1), DType::i64));
  Tensor src = x;
  int64_t axis = 0;
  if (c.has_attr("axis")) axis = norm_axis(c, c.attr_int("axis", 0), x.dim());
  else src = reshape(x, {-1});
  if (static_cast<int64_t>(cond.size()) > src.size(axis)) bad_input_shape(c, 1, {static_cast<int64_t>(cond.size())}, "at most " + std::to_string(src.size(axis)) + " entries");
  std::vector<int64_t> keep;
  for (size_t i = 0; i < cond.size(); ++i)
    if (cond[i]) keep.push_back(static_cast<int64_t>(i));
  c.set(0, index_select(src, axis, int_tensor(keep)));
}

void op_nonzero(OpContext& c) {
  const Tensor& x = c.input(0);
  if (x.dim() == 0) {
    c.set(0, x.item().to_bool() ? zeros({0, 1}, DType::i64) : zeros({0, 0}, DType::i64));
    return;
  }
  c.set(0, contiguous(transpose(nonzero(x), 0, 1)));
}

void op_unique(OpContext& c) {
  const Tensor& x = c.input(0);
  const bool sorted = c.attr_int("sorted", 1) != 0;
  Tensor src = x;
  int64_t axis = 0;
  if (c.has_attr("axis")) axis = norm_axis(c, c.attr_int("axis", 0), x.dim());
  else src = reshape(x, {-1});
  Tensor rows = contiguous(movedim(src, axis, 0));
  const int64_t n = rows.size(0);
  const int64_t width = n > 0 ? rows.numel() / n : 0;
  std::vector<double> vals = double_values(rows);
  auto row_less = [&](int64_t a, int64_t b) {
    return std::lexicographical_compare(vals.begin() + a * width, vals.begin() + (a + 1) * width, vals.begin() + b * width,
                                        vals.begin() + (b + 1) * width);
  };
  auto row_eq = [&](int64_t a, int64_t b) {
    return std::equal(vals.begin() + a * width, vals.begin() + (a + 1) * width, vals.begin() + b * width);
  };
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), row_less);
  // Groups of equal rows; each group's first member is its first occurrence (stable sort).
  std::vector<int64_t> first, counts, inverse(static_cast<size_t>(n));
  for (size_t i = 0; i < order.size(); ++i) {
    if (i == 0 || !row_eq(order[i - 1], order[i])) {
      first.push_back(order[i]);
      counts.push_back(0);
    }
    counts.back() += 1;
    inverse[static_cast<size_t>(order[i])] = static_cast<int64_t>(first.size() - 1);
  }
  std::vector<int64_t> rank(first.size());
  std::iota(rank.begin(), rank.end(), 0);
  if (!sorted) {
    // Order the groups by first occurrence instead.
    std::vector<int64_t> by_first(first.size());
    std::iota(by_first.begin(), by_first.end(), 0);
    std::sort(by_first.begin(), by_first.end(), [&](int64_t a, int64_t b) { return first[a] < first[b]; });
    std::vector<int64_t> f2, c2;
    for (size_t i = 0; i < by_first.size(); ++i) {
      rank[static_cast<size_t>(by_first[i])] = static_cast<int64_t>(i);
      f2.push_back(first[static_cast<size_t>(by_first[i])]);
      c2.push_back(counts[static_cast<size_t>(by_first[i])]);
    }
    first = f2;
    counts = c2;
    for (int64_t& v : inverse) v = rank[static_cast<size_t>(v)];
  }
  Tensor y = movedim(index_select(rows, 0, int_tensor(first)), 0, axis);
  c.set(0, contiguous(y));
  c.set(1, int_tensor(first));
  c.set(2, int_tensor(inverse));
  c.set(3, int_tensor(counts));
}

void op_topk(OpContext& c) {
  const Tensor& x = c.input(0);
  const int64_t k = c.opset() < 10 ? c.require_int("k") : c.input(1).item<int64_t>();
  const int64_t axis = norm_axis(c, c.attr_int("axis", -1), x.dim());
  if (k < 0 || k > x.size(axis)) bad_attr(c, "k", std::to_string(k), "0 <= k <= " + std::to_string(x.size(axis)));
  SortResult r = topk(x, k, axis, c.attr_int("largest", 1) != 0);
  c.set(0, r.values);
  c.set(1, r.indices);
}

void op_reverse_sequence(OpContext& c) {
  const Tensor& x = c.input(0);
  std::vector<int64_t> lens = int_values(c.input(1));
  const int64_t batch_axis = norm_axis(c, c.attr_int("batch_axis", 1), x.dim());
  const int64_t time_axis = norm_axis(c, c.attr_int("time_axis", 0), x.dim());
  if (static_cast<int64_t>(lens.size()) != x.size(batch_axis)) bad_input_shape(c, 1, {static_cast<int64_t>(lens.size())}, std::to_string(x.size(batch_axis)) + " lengths");
  Tensor y = clone(x);
  for (size_t b = 0; b < lens.size(); ++b) {
    const int64_t len = lens[b];
    if (len < 0 || len > x.size(time_axis)) throw IndexError(MsgId::rt_index_out_of_range, c.label(), len, x.size(time_axis));
    if (len == 0) continue;
    Tensor dst = narrow(select(y, batch_axis, static_cast<int64_t>(b)), time_axis < batch_axis ? time_axis : time_axis - 1, 0, len);
    Tensor src = narrow(select(x, batch_axis, static_cast<int64_t>(b)), time_axis < batch_axis ? time_axis : time_axis - 1, 0, len);
    const int64_t ta = time_axis < batch_axis ? time_axis : time_axis - 1;
    copy_(dst, flip(src, IntList(&ta, 1)));
  }
  c.set(0, y);
}

template <bool Max>
void op_arg(OpContext& c) {
  const Tensor& x = c.input(0);
  const int64_t axis = norm_axis(c, c.attr_int("axis", 0), std::max<int64_t>(1, x.dim()));
  const bool keep = c.attr_int("keepdims", 1) != 0;
  const bool last = c.attr_int("select_last_index", 0) != 0;
  Tensor src = last ? flip(x, IntList(&axis, 1)) : x;
  Tensor idx = Max ? argmax(src, axis, keep) : argmin(src, axis, keep);
  if (last) idx = sub(scalar_tensor(Scalar(x.size(axis) - 1), DType::i64), idx);
  c.set(0, idx);
}

}  // namespace

void register_index_ops(OpTable& t) {
  t.add("Gather", op_gather);
  t.add("GatherElements", op_gather_elements);
  t.add("GatherND", op_gather_nd);
  t.add("ScatterElements", op_scatter_elements);
  t.add("Scatter", op_scatter_elements);
  t.add("ScatterND", op_scatter_nd);
  t.add("OneHot", op_one_hot);
  t.add("Compress", op_compress);
  t.add("NonZero", op_nonzero);
  t.add("Unique", op_unique);
  t.add("TopK", op_topk);
  t.add("ReverseSequence", op_reverse_sequence);
  t.add("ArgMax", op_arg<true>);
  t.add("ArgMin", op_arg<false>);
}

}  // namespace hangu::runtime

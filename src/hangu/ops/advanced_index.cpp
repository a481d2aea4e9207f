// Advanced indexing t[i0, :, i2] and index_put_, following NumPy/PyTorch: bool masks become their
// nonzero() columns, index tensors broadcast together, and the indexed dims are moved to the
// front (then the broadcast dims go back in place of the indexed ones when those were adjacent).
#include <cstring>

#include "hangu/core/convert.h"
#include "hangu/core/error.h"
#include "hangu/ops/autograd_record.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/indexing_util.h"
#include "hangu/ops/views.h"

namespace hangu {
namespace {

struct IndexPlan {
  Tensor front;               // a view of t with the indexed dims first
  std::vector<Tensor> index;  // one int64 tensor of shape `broadcast` per indexed dim, wrapped
  Shape broadcast;            // the common shape of the index tensors
  Shape rest;                 // sizes of the dims that are not indexed, in order
  int64_t first = 0;          // position of the first indexed dim
  bool adjacent = true;       // the indexed dims are next to each other
  bool none = true;           // every entry is a full slice
};

IndexPlan plan_index(const Tensor& t, const std::vector<Tensor>& indices, const char* op) {
  check_defined(t, op);
  Tensor x = t;
  std::vector<Tensor> entries;  // one per dim of x; undefined = full slice
  for (const Tensor& e : indices) {
    const int64_t pos = static_cast<int64_t>(entries.size());
    if (!e.defined()) {
      entries.push_back(Tensor());
      continue;
    }
    if (e.dtype() == DType::boolean) {
      if (e.dim() == 0) {  // t[True] adds a dim of size 1 (empty for False)
        x = unsqueeze(x, pos);
        entries.push_back(e.item<bool>() ? zeros({1}, DType::i64) : empty({0}, DType::i64));
        continue;
      }
      if (pos + e.dim() > x.dim())
        throw IndexError(MsgId::idx_too_many_indices, op, t.dim(), pos + e.dim());
      for (int64_t j = 0; j < e.dim(); ++j)
        if (e.size(j) != x.size(pos + j)) throw IndexError(MsgId::idx_mask_shape, op, e.shape(), x.shape(), pos + j);
      Tensor nz = nonzero(e);
      for (int64_t j = 0; j < e.dim(); ++j) entries.push_back(contiguous(select(nz, 1, j)));
      continue;
    }
    if (e.dtype() != DType::i64) throw DTypeError(MsgId::dtype_mismatch, op, DType::i64, e.dtype());
    entries.push_back(e);
  }
  if (static_cast<int64_t>(entries.size()) > x.dim())
    throw IndexError(MsgId::idx_too_many_indices, op, t.dim(), static_cast<int64_t>(entries.size()));
  entries.resize(static_cast<size_t>(x.dim()));

  IndexPlan plan;
  std::vector<int64_t> indexed, others;
  for (int64_t d = 0; d < x.dim(); ++d) (entries[d].defined() ? indexed : others).push_back(d);
  plan.none = indexed.empty();
  if (plan.none) {
    plan.front = x;
    plan.rest = x.shape();
    return plan;
  }
  plan.first = indexed.front();
  plan.adjacent = indexed.back() - indexed.front() + 1 == static_cast<int64_t>(indexed.size());
  plan.broadcast = entries[indexed[0]].shape();
  for (int64_t d : indexed) plan.broadcast = broadcast_shapes(plan.broadcast, entries[d].shape(), op);
  for (int64_t d : indexed) {
    Tensor w = clone(expand(entries[d], plan.broadcast));
    int64_t* p = w.data_ptr<int64_t>();
    for (int64_t i = 0; i < w.numel(); ++i) p[i] = detail::checked_index(p[i], x.size(d), d, op, true);
    plan.index.push_back(w);
  }
  std::vector<int64_t> perm = indexed;
  for (int64_t d : others) {
    perm.push_back(d);
    plan.rest.push_back(x.size(d));
  }
  plan.front = permute(x, perm);
  return plan;
}

// Offsets (in elements) into a contiguous `front` of every broadcast position.
std::vector<int64_t> plan_offsets(const IndexPlan& plan) {
  const int64_t k = static_cast<int64_t>(plan.index.size());
  Strides st = contiguous_strides(plan.front.shape());
  std::vector<int64_t> offs(static_cast<size_t>(shape_numel(plan.broadcast)), 0);
  for (int64_t j = 0; j < k; ++j) {
    const int64_t* p = plan.index[j].data_ptr<int64_t>();
    for (size_t b = 0; b < offs.size(); ++b) offs[b] += p[b] * st[j];
  }
  return offs;
}

// The order that turns [broadcast..., rest...] into the user-facing result layout, or empty when
// the layouts agree.
std::vector<int64_t> result_order(const IndexPlan& plan) {
  if (!plan.adjacent || plan.first == 0) return {};
  const int64_t nb = static_cast<int64_t>(plan.broadcast.size());
  const int64_t nr = static_cast<int64_t>(plan.rest.size());
  std::vector<int64_t> order;
  for (int64_t i = 0; i < plan.first; ++i) order.push_back(nb + i);
  for (int64_t i = 0; i < nb; ++i) order.push_back(i);
  for (int64_t i = plan.first; i < nr; ++i) order.push_back(nb + i);
  return order;
}

}  // namespace

static Tensor index_fwd(const Tensor& t, const std::vector<Tensor>& indices) {
  IndexPlan plan = plan_index(t, indices, "index");
  if (plan.none) return alias(plan.front);
  Tensor src = contiguous(plan.front);
  Shape shape = plan.broadcast;
  shape.insert(shape.end(), plan.rest.begin(), plan.rest.end());
  Tensor out = empty(shape, t.dtype());
  const int64_t row = shape_numel(plan.rest) * t.element_size();  // bytes per broadcast position
  if (row > 0) {
    std::vector<int64_t> offs = plan_offsets(plan);
    const char* s = static_cast<const char*>(src.data());
    char* o = static_cast<char*>(out.data());
    for (size_t b = 0; b < offs.size(); ++b)
      std::memcpy(o + static_cast<int64_t>(b) * row, s + offs[b] * t.element_size(), static_cast<size_t>(row));
  }
  std::vector<int64_t> order = result_order(plan);
  return order.empty() ? out : contiguous(permute(out, order));
}

Tensor index_put_(const Tensor& t, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate) {
  const char* op = "index_put_";
  check_defined(t, op);
  check_defined(values, op);
  ops::check_inplace(t, op);
  if (values.dtype() != t.dtype()) throw DTypeError(MsgId::dtype_mismatch, op, t.dtype(), values.dtype());
  IndexPlan plan = plan_index(t, indices, op);
  // values broadcast to the result's user-facing shape, then laid out as [broadcast..., rest...].
  Shape front_shape = plan.broadcast;
  front_shape.insert(front_shape.end(), plan.rest.begin(), plan.rest.end());
  std::vector<int64_t> order = result_order(plan);
  Tensor v;
  if (order.empty()) {
    v = contiguous(expand(values, front_shape));
  } else {
    Shape user(order.size());
    for (size_t i = 0; i < order.size(); ++i) user[i] = front_shape[order[i]];
    std::vector<int64_t> back(order.size());
    for (size_t i = 0; i < order.size(); ++i) back[order[i]] = static_cast<int64_t>(i);
    v = contiguous(permute(expand(values, user), back));
  }
  Tensor dst = contiguous(plan.front);
  const int64_t rest = shape_numel(plan.rest);
  std::vector<int64_t> offs = plan.none ? std::vector<int64_t>{0} : plan_offsets(plan);
  if (rest > 0) {
    dispatch_dtype(t.dtype(), [&]<typename T>() {
      T* o = dst.data_ptr<T>();
      const T* s = v.data_ptr<T>();
      for (size_t b = 0; b < offs.size(); ++b) {
        T* row = o + offs[b];
        const T* from = s + static_cast<int64_t>(b) * rest;
        if (accumulate) {
          for (int64_t i = 0; i < rest; ++i)
            row[i] = convert<T>(static_cast<opmath_t<T>>(row[i]) + static_cast<opmath_t<T>>(from[i]));
        } else {
          std::memcpy(row, from, static_cast<size_t>(rest) * sizeof(T));
        }
      }
    });
  }
  if (!dst.is_same(plan.front)) copy_(plan.front, dst);
  return t;
}

Tensor index(const Tensor& t, const std::vector<Tensor>& indices) {
  ops::GradRecorder rec("index", {t});
  Tensor out = index_fwd(t, indices);
  if (rec.active())
    rec.record({out}, [s = t.shape(), indices](const std::vector<Tensor>& g) {
      return std::vector<Tensor>{index_put(zeros(s, g[0].dtype()), indices, g[0], /*accumulate=*/true)};
    });
  return out;
}

Tensor index_put(const Tensor& t, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate) {
  check_defined(t, "index_put");
  ops::GradRecorder rec("index_put", {t, values});
  Tensor out = index_put_(clone(t), indices, values, accumulate);
  if (rec.active())
    rec.record({out}, [indices, accumulate](const std::vector<Tensor>& g) {
      // Overwritten positions give self nothing; values get what their positions received.
      Tensor gs = accumulate ? g[0] : index_put(g[0], indices, zeros({}, g[0].dtype()));
      return std::vector<Tensor>{gs, index(g[0], indices)};
    });
  return out;
}

}  // namespace hangu

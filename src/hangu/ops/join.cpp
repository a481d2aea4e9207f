// cat, stack (copies) and split, chunk (views).
#include <cstring>

#include "hangu/core/error.h"
#include "hangu/ops/autograd_record.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/indexing_util.h"
#include "hangu/ops/views.h"

namespace hangu {
namespace {

// torch.cat skips 1-d empty tensors, a legacy of the days when every empty tensor had shape [0].
bool legacy_empty(const Tensor& t) { return t.dim() == 1 && t.size(0) == 0; }

Tensor cat_fwd(const std::vector<Tensor>& tensors, int64_t dim) {
  if (tensors.empty()) throw ValueError(MsgId::idx_empty_list, "cat");
  for (const Tensor& t : tensors) check_defined(t, "cat");
  DType dt = tensors[0].dtype();
  for (const Tensor& t : tensors) dt = promote_types(dt, t.dtype());
  const Tensor* ref = nullptr;
  for (const Tensor& t : tensors) {
    if (t.dim() == 0) throw ShapeError(MsgId::needs_dims, "cat", 1, 0);
    if (!ref && !legacy_empty(t)) ref = &t;
  }
  if (!ref) return empty({0}, dt);
  const int64_t d = wrap_dim(dim, ref->dim(), "cat");
  Shape out_shape = ref->shape();
  out_shape[d] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (legacy_empty(t)) continue;
    if (t.dim() != ref->dim()) throw ShapeError(MsgId::idx_cat_rank, "cat", i, t.shape(), ref->shape());
    for (int64_t k = 0; k < t.dim(); ++k)
      if (k != d && t.size(k) != ref->size(k)) throw ShapeError(MsgId::idx_cat_size, "cat", d, ref->shape(), i, t.shape());
    out_shape[d] += t.size(d);
  }
  Tensor out = empty(out_shape, dt);
  if (out.numel() == 0) return out;
  int64_t outer, inner;
  detail::outer_inner(out_shape, d, &outer, &inner);
  const int64_t es = out.element_size();
  const int64_t out_row = out_shape[d] * inner * es;  // bytes per outer step
  char* o = static_cast<char*>(out.data());
  int64_t pos = 0;  // bytes into an outer row
  for (const Tensor& t : tensors) {
    if (legacy_empty(t)) continue;
    Tensor c = contiguous(to(t, dt));
    const int64_t block = t.size(d) * inner * es;
    const char* s = static_cast<const char*>(c.data());
    if (block > 0)
      for (int64_t k = 0; k < outer; ++k) std::memcpy(o + k * out_row + pos, s + k * block, static_cast<size_t>(block));
    pos += block;
  }
  return out;
}

}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  ops::GradRecorder rec("cat", tensors);
  Tensor out = cat_fwd(tensors, dim);
  if (rec.active()) {
    // Each input's gradient is its slice of g along the cat dim (legacy empty inputs get none).
    std::vector<std::pair<int64_t, int64_t>> parts;  // (start, length); length -1 = skipped
    int64_t d = 0;
    for (const Tensor& t : tensors)
      if (!legacy_empty(t)) {
        d = wrap_dim(dim, t.dim(), "cat");
        break;
      }
    int64_t start = 0;
    for (const Tensor& t : tensors) {
      if (legacy_empty(t)) {
        parts.emplace_back(0, -1);
        continue;
      }
      parts.emplace_back(start, t.size(d));
      start += t.size(d);
    }
    rec.record({out}, [parts, d](const std::vector<Tensor>& g) {
      std::vector<Tensor> gi;
      for (auto [s, n] : parts) gi.push_back(n < 0 ? Tensor() : narrow(g[0], d, s, n));
      return gi;
    });
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  if (tensors.empty()) throw ValueError(MsgId::idx_empty_list, "stack");
  for (const Tensor& t : tensors) check_defined(t, "stack");
  for (size_t i = 1; i < tensors.size(); ++i)
    if (tensors[i].shape() != tensors[0].shape())
      throw ShapeError(MsgId::idx_stack_shape, "stack", tensors[0].shape(), i, tensors[i].shape());
  const int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> u;
  for (const Tensor& t : tensors) u.push_back(unsqueeze(t, d));
  return cat(u, d);
}

std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim) {
  check_defined(t, "split");
  if (t.dim() == 0) throw ShapeError(MsgId::needs_dims, "split", 1, 0);
  const int64_t d = wrap_dim(dim, t.dim(), "split");
  const int64_t n = t.size(d);
  if (split_size < 0 || (split_size == 0 && n != 0))
    throw ValueError(MsgId::arg_invalid, "split", "split_size", split_size);
  const int64_t pieces = split_size == 0 ? 1 : std::max<int64_t>((n + split_size - 1) / split_size, 1);
  std::vector<Tensor> out;
  for (int64_t i = 0; i < pieces; ++i) {
    int64_t start = i * split_size;
    out.push_back(narrow(t, d, start, std::min(split_size, n - start)));
  }
  return out;
}

std::vector<Tensor> split(const Tensor& t, IntList sizes, int64_t dim) {
  check_defined(t, "split");
  if (t.dim() == 0) throw ShapeError(MsgId::needs_dims, "split", 1, 0);
  const int64_t d = wrap_dim(dim, t.dim(), "split");
  int64_t sum = 0;
  for (int64_t s : sizes) {
    if (s < 0) throw ValueError(MsgId::arg_invalid, "split", "split_size", shape_str(sizes));
    sum += s;
  }
  if (sum != t.size(d)) throw ValueError(MsgId::idx_split_sum, "split", shape_str(sizes), t.size(d), d);
  std::vector<Tensor> out;
  int64_t start = 0;
  for (int64_t s : sizes) {
    out.push_back(narrow(t, d, start, s));
    start += s;
  }
  return out;
}

std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim) {
  check_defined(t, "chunk");
  if (t.dim() == 0) throw ShapeError(MsgId::needs_dims, "chunk", 1, 0);
  if (chunks <= 0) throw ValueError(MsgId::arg_invalid, "chunk", "chunks", chunks);
  const int64_t d = wrap_dim(dim, t.dim(), "chunk");
  const int64_t n = t.size(d);
  const int64_t size = (n + chunks - 1) / chunks;
  if (size == 0 && n == 0) {  // torch returns `chunks` empty pieces
    std::vector<int64_t> sizes(static_cast<size_t>(chunks), 0);
    return split(t, sizes, d);
  }
  return split(t, size, d);
}

}  // namespace hangu

#include "hangu/ops/indexing_util.h"

#include <limits>

#include "hangu/ops/copy.h"

namespace hangu::detail {

Tensor index_as_i64(const Tensor& index, const char* op, bool allow_i32) {
  check_defined(index, op);
  if (index.dtype() == DType::i32 && allow_i32) return to(index, DType::i64);
  if (index.dtype() != DType::i64) throw DTypeError(MsgId::dtype_mismatch, op, DType::i64, index.dtype());
  return contiguous(index);
}

Tensor gather_by_maps(const Tensor& src, const std::vector<std::vector<int64_t>>& maps, const Tensor& fill) {
  const int64_t nd = src.dim();
  Shape out_shape;
  for (const auto& m : maps) out_shape.push_back(static_cast<int64_t>(m.size()));
  Tensor out = empty(out_shape, src.dtype());
  if (out.numel() == 0) return out;
  const int64_t es = src.element_size();
  const char* sbase = static_cast<const char*>(src.data());
  const char* fbase = fill.defined() ? static_cast<const char*>(fill.data()) : nullptr;
  char* obase = static_cast<char*>(out.data());
  if (nd == 0) {
    copy_elem(obase, sbase, es);
    return out;
  }
  // Per-dim source offsets in elements; kFill marks a padded position.
  constexpr int64_t kFill = std::numeric_limits<int64_t>::min();
  std::vector<std::vector<int64_t>> offs(static_cast<size_t>(nd));
  for (int64_t d = 0; d < nd; ++d)
    for (int64_t m : maps[d]) offs[d].push_back(m < 0 ? kFill : m * src.strides()[d]);
  const auto& last = offs[nd - 1];
  const int64_t inner = static_cast<int64_t>(last.size());
  Shape idx(static_cast<size_t>(nd), 0);
  int64_t o = 0;
  const int64_t total = out.numel();
  while (o < total) {
    int64_t base = 0;
    bool filled = false;
    for (int64_t d = 0; d + 1 < nd; ++d) {
      int64_t v = offs[d][idx[d]];
      if (v == kFill) filled = true;
      else base += v;
    }
    for (int64_t i = 0; i < inner; ++i, ++o) {
      if (filled || last[i] == kFill) copy_elem(obase + o * es, fbase, es);
      else copy_elem(obase + o * es, sbase + (base + last[i]) * es, es);
    }
    for (int64_t d = nd - 2; d >= 0; --d) {
      if (++idx[d] < out_shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

}  // namespace hangu::detail

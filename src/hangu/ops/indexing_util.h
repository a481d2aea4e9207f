#pragma once
// Private helpers of the indexing ops (not part of the public API). Most indexing ops only move
// elements, so they copy raw bytes of element_size and need no per-dtype template code.
#include <cstring>
#include <vector>

#include "hangu/core/error.h"
#include "hangu/core/tensor.h"

namespace hangu::detail {

// Copies one element of `size` bytes.
inline void copy_elem(char* dst, const char* src, int64_t size) {
  switch (size) {
    case 1: *dst = *src; break;
    case 2: std::memcpy(dst, src, 2); break;
    case 4: std::memcpy(dst, src, 4); break;
    case 8: std::memcpy(dst, src, 8); break;
    default: std::memcpy(dst, src, static_cast<size_t>(size));
  }
}

// Checks an index against a dim of `size`; negative indices wrap when allowed. Returns it in
// [0, size) or throws IndexError naming the index and the size.
inline int64_t checked_index(int64_t i, int64_t size, int64_t dim, const char* op, bool allow_negative) {
  int64_t j = (allow_negative && i < 0) ? i + size : i;
  if (j < 0 || j >= size) throw IndexError(MsgId::index_out_of_range, op, i, dim, size);
  return j;
}

// A contiguous int64 copy of an index tensor; int32 is accepted when allow_i32 is set.
Tensor index_as_i64(const Tensor& index, const char* op, bool allow_i32 = false);

// out[o_0, ..., o_n] = src[maps[0][o_0], ..., maps[n][o_n]], or `fill` (a 0-d tensor of src's
// dtype) where any map entry is -1. maps[d] has one entry per output position along d.
Tensor gather_by_maps(const Tensor& src, const std::vector<std::vector<int64_t>>& maps, const Tensor& fill = Tensor());

// Sizes of `t` around `dim`: elements before it (outer) and after it (inner), row-major.
inline void outer_inner(const Shape& shape, int64_t dim, int64_t* outer, int64_t* inner) {
  *outer = 1;
  *inner = 1;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    if (d < dim) *outer *= shape[d];
    if (d > dim) *inner *= shape[d];
  }
}

}  // namespace hangu::detail

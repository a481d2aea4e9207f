#pragma once
// Views: new shapes and strides over the same storage. Writing through a view changes the base.
#include "hangu/core/tensor.h"

namespace hangu {

// Same data with a new shape (one dim may be -1); throws when the strides do not allow a view.
Tensor view(const Tensor& t, IntList shape);
// A view when the strides allow it, a contiguous copy otherwise.
Tensor reshape(const Tensor& t, IntList shape);
inline Tensor view(const Tensor& t, std::initializer_list<int64_t> s) { return view(t, IntList(s.begin(), s.size())); }
inline Tensor reshape(const Tensor& t, std::initializer_list<int64_t> s) { return reshape(t, IntList(s.begin(), s.size())); }
Tensor permute(const Tensor& t, IntList dims);
inline Tensor permute(const Tensor& t, std::initializer_list<int64_t> d) { return permute(t, IntList(d.begin(), d.size())); }
Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1);
Tensor t(const Tensor& x);  // 2-d transpose (0-d and 1-d returned as they are)
Tensor movedim(const Tensor& t, int64_t source, int64_t destination);
// Elements start, start+1, ..., start+length-1 along dim.
Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length);
// Python's t[start:end:step] along dim (end is clamped; negative start/end count from the end).
Tensor slice(const Tensor& t, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
// Removes dim, taking element `index` along it.
Tensor select(const Tensor& t, int64_t dim, int64_t index);
// Broadcasts size-1 dims to `shape` (-1 keeps a size) without copying.
Tensor expand(const Tensor& t, IntList shape);
inline Tensor expand(const Tensor& t, std::initializer_list<int64_t> s) { return expand(t, IntList(s.begin(), s.size())); }
Tensor expand_as(const Tensor& t, const Tensor& other);
Tensor broadcast_to(const Tensor& t, IntList shape);
Tensor squeeze(const Tensor& t);               // all size-1 dims
Tensor squeeze(const Tensor& t, int64_t dim);  // that dim, if its size is 1
Tensor unsqueeze(const Tensor& t, int64_t dim);
Tensor flatten(const Tensor& t, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor unflatten(const Tensor& t, int64_t dim, IntList sizes);
// A view with explicit sizes, strides and offset (in elements) over t's storage.
Tensor as_strided(const Tensor& t, IntList shape, IntList strides, int64_t offset = -1);
Tensor diagonal(const Tensor& t, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1);
// Windows of `size` elements every `step` along dim, as a new last dim.
Tensor unfold(const Tensor& t, int64_t dim, int64_t size, int64_t step);
// The same data, reinterpreted: alias (a new handle with the same view).
Tensor alias(const Tensor& t);

}  // namespace hangu

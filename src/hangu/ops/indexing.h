#pragma once
// Indexing, joining and shape manipulation, with PyTorch 1.13 names and semantics.
// Index tensors are int64 (index_select also takes int32); masks are bool. An index out of
// range throws IndexError naming the index and the size: nothing ever reads out of bounds.
#include <string>
#include <string_view>
#include <vector>

#include "hangu/core/tensor.h"

namespace hangu {

// --- joining and splitting ---
// Concatenates along dim with type promotion across inputs; 1-d empty tensors ([0]) are skipped.
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
// Joins tensors of one shape along a new dim.
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
// Views of `split_size` elements along dim (the last one may be smaller).
std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim = 0);
// Views with the given sizes along dim (they must sum to the dim's size).
std::vector<Tensor> split(const Tensor& t, IntList sizes, int64_t dim = 0);
// `chunks` views of nearly equal size (ceil), as torch.chunk.
std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim = 0);

// --- gather and scatter ---
Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& t, int64_t dim, const Tensor& index);
// A copy of t with src's values written at index along dim. reduce: "" (replace), "add" or
// "multiply".
Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src, std::string_view reduce = "");
Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Scalar& value, std::string_view reduce = "");
Tensor scatter_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);
// A copy of t with alpha * source added at the 1-d index along dim.
Tensor index_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha = 1);
// t and mask broadcast together; value where mask is true.
Tensor masked_fill(const Tensor& t, const Tensor& mask, const Scalar& value);
Tensor masked_fill(const Tensor& t, const Tensor& mask, const Tensor& value);  // value: 0-d
// The elements where mask (broadcast with t) is true, as a 1-d tensor.
Tensor masked_select(const Tensor& t, const Tensor& mask);
// The indices of the non-zero elements: int64 of shape [n, t.dim()].
Tensor nonzero(const Tensor& t);
// gather with broadcasting of t and indices outside dim.
Tensor take_along_dim(const Tensor& t, const Tensor& indices, int64_t dim);
// Without dim: on the flattened t.
Tensor take_along_dim(const Tensor& t, const Tensor& indices);

// --- advanced indexing ---
// t[indices]: one entry per leading dim; an undefined Tensor means ":" (a full slice). Entries
// are int64 or bool masks; the index tensors broadcast together. As in NumPy, when the indexed
// dims are adjacent the result's broadcast dims replace them in place; otherwise they go first.
// This is aten::index: a 0-d int64 entry is an index tensor (NumPy's rule), whereas Python's
// x[0, :, idx] in PyTorch first selects with the plain integer.
Tensor index(const Tensor& t, const std::vector<Tensor>& indices);
// t[indices] = values (or += when accumulate); values broadcast to t[indices]'s shape and must
// have t's dtype. Duplicate indices accumulate in order when accumulate is set.
Tensor index_put_(const Tensor& t, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate = false);
Tensor index_put(const Tensor& t, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate = false);

// --- shape manipulation (copies) ---
Tensor repeat(const Tensor& t, IntList repeats);
Tensor tile(const Tensor& t, IntList reps);
Tensor flip(const Tensor& t, IntList dims);
// Rolls along dims (one shift per dim); with no dims, rolls the flattened tensor.
Tensor roll(const Tensor& t, IntList shifts, IntList dims = {});
Tensor tril(const Tensor& t, int64_t diagonal = 0);
Tensor triu(const Tensor& t, int64_t diagonal = 0);
// torch.nn.functional.pad: `pad` lists (left, right) pairs starting from the LAST dim.
// mode: "constant" (negative pads crop), "reflect", "replicate" or "circular".
Tensor pad(const Tensor& t, IntList pad, std::string_view mode = "constant", double value = 0.0);
// int64 input; num_classes = -1 takes max + 1. Returns int64 of shape t.shape + [num_classes].
Tensor one_hot(const Tensor& t, int64_t num_classes = -1);

// --- sorting and counting ---
struct SortResult {
  Tensor values;
  Tensor indices;  // int64
};
// Always stable (ties keep their order); NaN sorts as the largest value.
SortResult sort(const Tensor& t, int64_t dim = -1, bool descending = false);
Tensor argsort(const Tensor& t, int64_t dim = -1, bool descending = false);
// The k largest (or smallest) along dim, in sorted order; ties go to the lower index.
SortResult topk(const Tensor& t, int64_t k, int64_t dim = -1, bool largest = true);
struct UniqueResult {
  Tensor values;   // sorted unique values, 1-d
  Tensor inverse;  // int64, t's shape: the position of each element in values
  Tensor counts;   // int64, values' shape
};
UniqueResult unique(const Tensor& t);
// Counts of each non-negative integer in a 1-d tensor; with weights: their sums (float32 for
// float32 weights, float64 otherwise, as torch).
Tensor bincount(const Tensor& t, const Tensor& weights = Tensor(), int64_t minlength = 0);
// Insertion points of values into the last dim of sorted_sequence (int64); right: after equals.
Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& values, bool right = false);

}  // namespace hangu

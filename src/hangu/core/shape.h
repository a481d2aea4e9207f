#pragma once
// Shapes and strides. Strides and offsets are always in ELEMENTS, never bytes.
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

namespace hangu {

using Shape = std::vector<int64_t>;    // sizes per dimension
using Strides = std::vector<int64_t>;  // in elements
using IntList = std::span<const int64_t>;

// Row-major (C-contiguous) strides, in elements.
Strides contiguous_strides(IntList shape);
// Product of sizes (1 for a 0-d shape); checked for overflow.
int64_t shape_numel(IntList shape);
// "[2, 3]"
std::string shape_str(IntList shape);
// Wraps a possibly negative dim into [0, rank); throws IndexError naming `op` when out of range.
int64_t wrap_dim(int64_t dim, int64_t rank, const char* op);
// NumPy broadcasting of two shapes; throws ShapeError naming `op` when they do not broadcast.
Shape broadcast_shapes(IntList a, IntList b, const char* op);

}  // namespace hangu

#include "hangu/core/shape.h"

#include "hangu/core/checked_math.h"
#include "hangu/core/error.h"

namespace hangu {

void throw_size_overflow(const char* what) { throw ValueError(MsgId::size_overflow, what); }

int64_t checked_numel(std::span<const int64_t> shape, const char* what) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw ValueError(MsgId::negative_dim, what, shape_str(shape));
    n = checked_mul(n, d, what);
  }
  return n;
}

int64_t checked_nbytes(std::span<const int64_t> shape, int64_t elem_size, const char* what) {
  return checked_mul(checked_numel(shape, what), elem_size, what);
}

Strides contiguous_strides(IntList shape) {
  Strides s(shape.size());
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    s[i] = acc;
    // Checked: a tensor with a 0 dim has no elements, yet its other dims can still be huge.
    if (i > 0) acc = checked_mul(acc, shape[i] > 0 ? shape[i] : 1, "contiguous strides");
  }
  return s;
}

int64_t shape_numel(IntList shape) { return checked_numel(shape, "shape"); }

std::string shape_str(IntList shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

int64_t wrap_dim(int64_t dim, int64_t rank, const char* op) {
  int64_t r = rank > 0 ? rank : 1;  // a 0-d tensor accepts dim 0 and -1, as in PyTorch
  if (dim < -r || dim >= r) throw IndexError(MsgId::dim_out_of_range, op, dim, rank, -r, r - 1);
  return dim < 0 ? dim + r : dim;
}

Shape broadcast_shapes(IntList a, IntList b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1) throw ShapeError(MsgId::broadcast_mismatch, op, shape_str(a), shape_str(b));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace hangu

// Shape and layout ops: Constant, Shape, Size, Reshape, Flatten, Transpose, Squeeze, Unsqueeze,
// Concat, Split, Slice, Expand, Tile, Pad, ConstantOfShape, EyeLike, Trilu, Range,
// DepthToSpace, SpaceToDepth, Identity. Outputs may be views of their inputs: values in a graph
// are never written in place.
#include <algorithm>
#include <limits>

#include "hangu/core/checked_math.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/reduction.h"
#include "hangu/ops/views.h"
#include "hangu/runtime/ops_common.h"

namespace hangu::runtime {

Value value_from_tensor_proto(const io::onnx::TensorValue& t) {
  if (t.elem_type == io::onnx::ElemType::string) return Value::from_strings({t.dims, t.strings});
  return Value(t.tensor);
}

namespace {

void op_constant(OpContext& c) {
  const Attributes& a = c.node().attrs;
  if (const auto* t = a.get_tensor("value", c.label())) {
    c.set(0, value_from_tensor_proto(*t));
  } else if (a.has("value_float")) {
    c.set(0, scalar_tensor(Scalar(static_cast<double>(c.attr_float("value_float", 0))), DType::f32));
  } else if (a.has("value_floats")) {
    c.set(0, tensor(c.attr_floats("value_floats")));
  } else if (a.has("value_int")) {
    c.set(0, scalar_tensor(Scalar(c.attr_int("value_int", 0)), DType::i64));
  } else if (a.has("value_ints")) {
    c.set(0, int_tensor(c.attr_ints("value_ints")));
  } else if (a.has("value_string")) {
    c.set(0, Value::from_strings({{}, {c.attr_string("value_string")}}));
  } else if (a.has("value_strings")) {
    std::vector<std::string> s = c.attr_strings("value_strings");
    c.set(0, Value::from_strings({{static_cast<int64_t>(s.size())}, s}));
  } else if (const auto* sp = a.find("sparse_value")) {
    // Dense form of a sparse constant: values scattered at their (flat or coordinate) indices.
    const auto& st = sp->sparse_tensor;
    Tensor dense = zeros(IntList(st.dims), st.values.tensor.dtype());
    Tensor flat = reshape(dense, {-1});
    Tensor idx = st.indices.tensor;
    if (idx.dim() == 2) {
      Tensor strides = int_tensor(contiguous_strides(st.dims));
      idx = sum(mul(idx, strides), {1});
    }
    index_put_(flat, {reshape(idx, {-1})}, reshape(st.values.tensor, {-1}));
    c.set(0, dense);
  } else {
    throw FormatError(MsgId::rt_missing_attr, c.label(), "value");
  }
}

void op_identity(OpContext& c) { c.set(0, c.value(0)); }

void op_shape(OpContext& c) {
  const Tensor& x = c.input(0);
  const int64_t r = x.dim();
  int64_t start = c.attr_int("start", 0), end = c.attr_int("end", r);
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::clamp<int64_t>(start, 0, r);
  end = std::clamp<int64_t>(end, 0, r);
  std::vector<int64_t> dims;
  for (int64_t d = start; d < end; ++d) dims.push_back(x.size(d));
  c.set(0, int_tensor(dims));
}

void op_size(OpContext& c) { c.set(0, scalar_tensor(Scalar(c.input(0).numel()), DType::i64)); }

// The target shape of Reshape: 0 copies the input dim (unless allowzero), -1 is inferred.
Shape reshape_target(const OpContext& c, const Tensor& x, std::vector<int64_t> shape, bool allowzero) {
  int64_t infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !allowzero) {
      if (static_cast<int64_t>(i) >= x.dim()) bad_input_shape(c, 1, {static_cast<int64_t>(shape.size())}, "a 0 only where the input has a dim");
      shape[i] = x.size(static_cast<int64_t>(i));
    }
    if (shape[i] == -1) {
      if (infer >= 0) bad_attr(c, "shape", shape_str(shape), "at most one -1");
      infer = static_cast<int64_t>(i);
    } else if (shape[i] < 0) {
      bad_attr(c, "shape", shape_str(shape), "dims >= -1");
    } else {
      known = checked_mul(known, shape[i], "Reshape");
    }
  }
  if (infer >= 0) {
    if (known == 0 || x.numel() % known != 0) bad_input_shape(c, 0, x.shape(), "a size divisible into " + shape_str(shape));
    shape[static_cast<size_t>(infer)] = x.numel() / known;
  }
  return shape;
}

void op_reshape(OpContext& c) {
  const Tensor& x = c.input(0);
  std::vector<int64_t> shape = c.opset() < 5 ? c.attr_ints("shape") : int_values(c.input(1));
  c.set(0, reshape(x, IntList(reshape_target(c, x, shape, c.attr_int("allowzero", 0) != 0))));
}

void op_flatten(OpContext& c) {
  const Tensor& x = c.input(0);
  int64_t axis = c.attr_int("axis", 1);
  if (axis < 0) axis += x.dim();
  if (axis < 0 || axis > x.dim()) throw IndexError(MsgId::rt_bad_axis, c.label(), c.attr_int("axis", 1), x.dim());
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.size(d);
  int64_t inner = 1;
  for (int64_t d = axis; d < x.dim(); ++d) inner *= x.size(d);
  c.set(0, reshape(x, {outer, inner}));
}

void op_transpose(OpContext& c) {
  const Tensor& x = c.input(0);
  std::vector<int64_t> perm = c.attr_ints("perm");
  if (perm.empty()) {
    for (int64_t d = x.dim() - 1; d >= 0; --d) perm.push_back(d);
  }
  if (static_cast<int64_t>(perm.size()) != x.dim()) bad_attr(c, "perm", shape_str(perm), "one entry per dim of " + shape_str(x.shape()));
  c.set(0, permute(x, IntList(perm)));
}

std::vector<int64_t> axes_of(const OpContext& c, size_t input, int64_t since) {
  if (c.opset() >= since) return c.has(input) ? int_values(c.input(input)) : std::vector<int64_t>{};
  return c.attr_ints("axes");
}

void op_squeeze(OpContext& c) {
  const Tensor& x = c.input(0);
  std::vector<int64_t> axes = norm_axes(c, axes_of(c, 1, 13), x.dim());
  if (axes.empty()) {
    c.set(0, squeeze(x));
    return;
  }
  Shape shape;
  for (int64_t d = 0; d < x.dim(); ++d) {
    const bool drop = std::find(axes.begin(), axes.end(), d) != axes.end();
    if (drop && x.size(d) != 1) bad_input_shape(c, 0, x.shape(), "size 1 at squeezed axis " + std::to_string(d));
    if (!drop) shape.push_back(x.size(d));
  }
  c.set(0, reshape(x, IntList(shape)));
}

void op_unsqueeze(OpContext& c) {
  const Tensor& x = c.input(0);
  std::vector<int64_t> axes = axes_of(c, 1, 13);
  const int64_t out_rank = x.dim() + static_cast<int64_t>(axes.size());
  axes = norm_axes(c, axes, out_rank);
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) bad_attr(c, "axes", shape_str(axes), "distinct axes");
  Shape shape;
  int64_t src = 0;
  for (int64_t d = 0; d < out_rank; ++d) {
    if (std::binary_search(axes.begin(), axes.end(), d)) shape.push_back(1);
    else shape.push_back(x.size(src++));
  }
  c.set(0, reshape(x, IntList(shape)));
}

void op_concat(OpContext& c) {
  std::vector<Tensor> parts;
  for (size_t i = 0; i < c.num_inputs(); ++i)
    if (c.has(i)) parts.push_back(c.input(i));
  if (parts.empty()) throw ValueError(MsgId::rt_missing_input, c.label(), 0);
  const int64_t axis = norm_axis(c, c.require_int("axis"), parts[0].dim());
  // Zero-size parts contribute nothing; hangu::cat wants equal ranks, which ONNX guarantees.
  std::vector<Tensor> kept;
  for (const Tensor& p : parts)
    if (p.numel() > 0) kept.push_back(p);
  if (kept.empty()) {
    Shape s = parts[0].shape();
    s[static_cast<size_t>(axis)] = 0;
    for (size_t i = 1; i < parts.size(); ++i) s[static_cast<size_t>(axis)] += parts[i].size(axis);
    c.set(0, empty(IntList(s), parts[0].dtype()));
    return;
  }
  c.set(0, kept.size() == 1 ? kept[0] : cat(kept, axis));
}

void op_split(OpContext& c) {
  const Tensor& x = c.input(0);
  const int64_t axis = norm_axis(c, c.attr_int("axis", 0), x.dim());
  std::vector<int64_t> sizes = c.opset() >= 13 ? (c.has(1) ? int_values(c.input(1)) : std::vector<int64_t>{})
                                               : c.attr_ints("split");
  const int64_t n = static_cast<int64_t>(c.num_outputs());
  const int64_t dim = x.size(axis);
  if (sizes.empty()) {
    const int64_t parts = c.has_attr("num_outputs") ? c.attr_int("num_outputs", n) : n;
    const int64_t each = (dim + parts - 1) / parts;
    for (int64_t k = 0; k < parts; ++k) sizes.push_back(std::max<int64_t>(0, std::min(each, dim - k * each)));
  }
  int64_t total = 0;
  for (int64_t s : sizes) total += s;
  if (total != dim || static_cast<int64_t>(sizes.size()) != n) bad_attr(c, "split", shape_str(sizes), "sizes summing to " + std::to_string(dim));
  int64_t start = 0;
  for (int64_t k = 0; k < n; ++k) {
    c.set(static_cast<size_t>(k), narrow(x, axis, start, sizes[static_cast<size_t>(k)]));
    start += sizes[static_cast<size_t>(k)];
  }
}

}  // namespace

// Shared with SplitToSequence and Compress: a slice along one axis with ONNX's clamping rules.
Tensor onnx_slice(const Tensor& x, int64_t axis, int64_t start, int64_t end, int64_t step) {
  const int64_t dim = x.size(axis);
  if (start < 0) start += dim;
  if (end < 0) end = end == std::numeric_limits<int64_t>::min() ? -1 : end + dim;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    return slice(x, axis, start, std::max(start, end), step);
  }
  start = std::clamp<int64_t>(start, 0, dim - 1);
  end = std::clamp<int64_t>(end, -1, dim - 1);
  std::vector<int64_t> idx;
  for (int64_t i = start; i > end; i += step) idx.push_back(i);
  return index_select(x, axis, int_tensor(idx));
}

namespace {

void op_slice(OpContext& c) {
  const Tensor& x = c.input(0);
  std::vector<int64_t> starts, ends, axes, steps;
  if (c.opset() < 10) {
    starts = c.attr_ints("starts");
    ends = c.attr_ints("ends");
    axes = c.attr_ints("axes");
  } else {
    starts = int_values(c.input(1));
    ends = int_values(c.input(2));
    if (c.has(3)) axes = int_values(c.input(3));
    if (c.has(4)) steps = int_values(c.input(4));
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    bad_attr(c, "starts/ends/axes/steps", std::to_string(starts.size()), "lists of one length");
  Tensor y = x;
  for (size_t i = 0; i < starts.size(); ++i) {
    if (steps[i] == 0) bad_attr(c, "steps", "0", "non-zero steps");
    y = onnx_slice(y, norm_axis(c, axes[i], x.dim()), starts[i], ends[i], steps[i]);
  }
  c.set(0, y);
}

void op_expand(OpContext& c) {
  const Tensor& x = c.input(0);
  std::vector<int64_t> shape = int_values(c.input(1));
  const Shape out = broadcast_shapes(x.shape(), IntList(shape), "Expand");
  c.set(0, expand(x, IntList(out)));
}

void op_tile(OpContext& c) {
  const Tensor& x = c.input(0);
  std::vector<int64_t> reps = int_values(c.input(1));
  if (static_cast<int64_t>(reps.size()) != x.dim()) bad_input_shape(c, 1, {static_cast<int64_t>(reps.size())}, std::to_string(x.dim()) + " repeats");
  c.set(0, tile(x, IntList(reps)));
}

void op_pad(OpContext& c) {
  const Tensor& x = c.input(0);
  const int64_t r = x.dim();
  std::vector<int64_t> pads;
  double value = 0.0;
  if (c.opset() < 11) {
    pads = c.attr_ints(c.has_attr("pads") ? "pads" : "paddings");
    value = c.attr_float("value", 0.0f);
  } else {
    pads = int_values(c.input(1));
    if (c.has(2) && c.input(2).numel() > 0) value = c.input(2).item<double>();
  }
  std::vector<int64_t> axes;
  if (c.has(3)) axes = norm_axes(c, int_values(c.input(3)), r);
  else
    for (int64_t d = 0; d < r; ++d) axes.push_back(d);
  const size_t na = axes.size();
  if (pads.size() != 2 * na) bad_input_shape(c, 1, {static_cast<int64_t>(pads.size())}, std::to_string(2 * na) + " pads");
  std::vector<int64_t> begin(static_cast<size_t>(r), 0), finish(static_cast<size_t>(r), 0);
  for (size_t i = 0; i < na; ++i) {
    begin[static_cast<size_t>(axes[i])] = pads[i];
    finish[static_cast<size_t>(axes[i])] = pads[i + na];
  }
  const std::string mode = c.attr_string("mode", "constant");
  std::string hmode = mode == "edge" ? "replicate" : mode == "wrap" ? "circular" : mode;
  if (hmode != "constant" && hmode != "reflect" && hmode != "replicate" && hmode != "circular")
    bad_attr(c, "mode", mode, "constant, reflect, edge or wrap");
  // hangu::pad takes (left, right) pairs from the last dim backwards; trailing zero pairs are dropped
  // so that reflect/replicate (which pad at most 3 trailing dims) see only the dims that change.
  int64_t first = r;
  for (int64_t d = 0; d < r; ++d)
    if (begin[static_cast<size_t>(d)] != 0 || finish[static_cast<size_t>(d)] != 0) {
      first = d;
      break;
    }
  if (first == r) {
    c.set(0, x);
    return;
  }
  std::vector<int64_t> hp;
  for (int64_t d = r - 1; d >= first; --d) {
    hp.push_back(begin[static_cast<size_t>(d)]);
    hp.push_back(finish[static_cast<size_t>(d)]);
  }
  if (hmode == "constant") {
    c.set(0, pad(x, IntList(hp), "constant", value));
    return;
  }
  // Non-constant modes: pad one dim at a time (hangu's pad handles any single trailing dim).
  Tensor y = x;
  for (int64_t d = r - 1; d >= first; --d) {
    const int64_t b = begin[static_cast<size_t>(d)], e = finish[static_cast<size_t>(d)];
    if (b == 0 && e == 0) continue;
    Tensor moved = movedim(y, d, r - 1);
    Shape lead(moved.shape().begin(), moved.shape().end() - 1);
    int64_t rows = 1;
    for (int64_t s : lead) rows *= s;
    Tensor flat = reshape(moved, {rows, 1, moved.size(-1)});
    const int64_t p[2] = {b, e};
    Tensor padded = pad(flat, IntList(p, 2), hmode);
    lead.push_back(padded.size(-1));
    y = movedim(reshape(padded, IntList(lead)), r - 1, d);
  }
  c.set(0, y);
}

void op_constant_of_shape(OpContext& c) {
  std::vector<int64_t> shape = int_values(c.input(0));
  for (int64_t d : shape)
    if (d < 0) bad_input_shape(c, 0, shape, "non-negative dims");
  checked_numel(shape, "ConstantOfShape");
  const io::onnx::TensorValue* v = c.node().attrs.get_tensor("value", c.label());
  if (!v) {
    c.set(0, zeros(IntList(shape), DType::f32));
    return;
  }
  if (v->tensor.numel() != 1) bad_attr(c, "value", shape_str(v->tensor.shape()), "a one-element tensor");
  c.set(0, full(IntList(shape), v->tensor.item(), v->tensor.dtype()));
}

void op_eye_like(OpContext& c) {
  const Tensor& x = c.input(0);
  if (x.dim() != 2) bad_input_shape(c, 0, x.shape(), "rank 2");
  DType dt = x.dtype();
  if (c.has_attr("dtype")) dt = dtype_from_elem(static_cast<io::onnx::ElemType>(c.attr_int("dtype", 1)), c.label());
  const int64_t k = c.attr_int("k", 0), rows = x.size(0), cols = x.size(1);
  Tensor y = zeros({rows, cols}, dt);
  Tensor flat = reshape(y, {-1});
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t j = i + k;
    if (j >= 0 && j < cols) fill_(narrow(flat, 0, i * cols + j, 1), Scalar(1));
  }
  c.set(0, y);
}

void op_trilu(OpContext& c) {
  const Tensor& x = c.input(0);
  const int64_t k = c.has(1) ? c.input(1).item<int64_t>() : 0;
  if (x.dim() < 2) bad_input_shape(c, 0, x.shape(), "rank >= 2");
  c.set(0, c.attr_int("upper", 1) ? triu(x, k) : tril(x, k));
}

void op_range(OpContext& c) {
  const Tensor &s = c.input(0), &l = c.input(1), &d = c.input(2);
  const DType dt = s.dtype();
  Tensor y;
  dispatch_dtype(dt, [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) {
      bad_input_dtype(c, 0, dt, "a number type");
    } else {
      using M = opmath_t<T>;
      const M start = static_cast<M>(s.item().to<T>()), limit = static_cast<M>(l.item().to<T>()),
              delta = static_cast<M>(d.item().to<T>());
      if (delta == M(0)) bad_attr(c, "delta", "0", "a non-zero delta");
      const double n = std::ceil((static_cast<double>(limit) - static_cast<double>(start)) / static_cast<double>(delta));
      const int64_t count = n > 0 ? static_cast<int64_t>(n) : 0;
      if (count > (int64_t{1} << 40)) bad_attr(c, "limit", std::to_string(n), "a range of at most 2^40 elements");
      y = empty({count}, dt);
      T* out = y.data_ptr<T>();
      M v = start;
      for (int64_t i = 0; i < count; ++i, v = static_cast<M>(v + delta)) out[i] = static_cast<T>(v);
    }
  });
  c.set(0, y);
}

void op_depth_to_space(OpContext& c) {
  const Tensor& x = c.input(0);
  if (x.dim() != 4) bad_input_shape(c, 0, x.shape(), "[N, C, H, W]");
  const int64_t b = c.require_int("blocksize");
  const int64_t n = x.size(0), ch = x.size(1), h = x.size(2), w = x.size(3);
  if (b <= 0 || ch % (b * b) != 0) bad_attr(c, "blocksize", std::to_string(b), "a divisor of sqrt(C)");
  const int64_t co = ch / (b * b);
  Tensor y;
  if (c.attr_string("mode", "DCR") == "CRD") {
    y = permute(reshape(x, {n, co, b, b, h, w}), {0, 1, 4, 2, 5, 3});
  } else {
    y = permute(reshape(x, {n, b, b, co, h, w}), {0, 3, 4, 1, 5, 2});
  }
  c.set(0, reshape(y, {n, co, h * b, w * b}));
}

void op_space_to_depth(OpContext& c) {
  const Tensor& x = c.input(0);
  if (x.dim() != 4) bad_input_shape(c, 0, x.shape(), "[N, C, H, W]");
  const int64_t b = c.require_int("blocksize");
  const int64_t n = x.size(0), ch = x.size(1), h = x.size(2), w = x.size(3);
  if (b <= 0 || h % b != 0 || w % b != 0) bad_attr(c, "blocksize", std::to_string(b), "a divisor of H and W");
  Tensor y = permute(reshape(x, {n, ch, h / b, b, w / b, b}), {0, 3, 5, 1, 2, 4});
  c.set(0, reshape(y, {n, ch * b * b, h / b, w / b}));
}

}  // namespace

void register_tensor_ops(OpTable& t) {
  t.add("Constant", op_constant);
  t.add("Identity", op_identity);
  t.add("Shape", op_shape);
  t.add("Size", op_size);
  t.add("Reshape", op_reshape);
  t.add("Flatten", op_flatten);
  t.add("Transpose", op_transpose);
  t.add("Squeeze", op_squeeze);
  t.add("Unsqueeze", op_unsqueeze);
  t.add("Concat", op_concat);
  t.add("Split", op_split);
  t.add("Slice", op_slice);
  t.add("Expand", op_expand);
  t.add("Tile", op_tile);
  t.add("Pad", op_pad);
  t.add("ConstantOfShape", op_constant_of_shape);
  t.add("EyeLike", op_eye_like);
  t.add("Trilu", op_trilu);
  t.add("Range", op_range);
  t.add("DepthToSpace", op_depth_to_space);
  t.add("SpaceToDepth", op_space_to_depth);
}

}  // namespace hangu::runtime

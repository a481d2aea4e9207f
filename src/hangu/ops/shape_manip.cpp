// repeat, tile, flip, roll, tril/triu, pad, one_hot: each is a gather by per-dim index maps.
#include <algorithm>
#include <cstring>

#include "hangu/core/checked_math.h"
#include "hangu/core/error.h"
#include "hangu/ops/autograd_record.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/indexing_util.h"
#include "hangu/ops/views.h"

namespace hangu {
namespace {

std::vector<std::vector<int64_t>> identity_maps(const Shape& shape) {
  std::vector<std::vector<int64_t>> maps;
  for (int64_t n : shape) {
    std::vector<int64_t> m(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) m[i] = i;
    maps.push_back(std::move(m));
  }
  return maps;
}

// Wraps each dim and rejects duplicates.
std::vector<int64_t> wrap_dims(IntList dims, int64_t rank, const char* op) {
  std::vector<int64_t> out;
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, rank, op);
    if (std::find(out.begin(), out.end(), w) != out.end())
      throw ValueError(MsgId::idx_dim_repeated, op, d, shape_str(dims));
    out.push_back(w);
  }
  return out;
}

Tensor triangle_fwd(const Tensor& t, int64_t diagonal, bool lower, const char* op);

// The adjoint of gather_by_maps: along each dim d, input position j gets the sum of the gradient
// at the output positions o with maps[d][o] == j (positions mapped to -1, the fill, give nothing).
// Written with index_select and index_add so that it is differentiable itself.
Tensor maps_backward(const Tensor& g, const Shape& in_shape, const std::vector<std::vector<int64_t>>& maps) {
  Tensor r = g;
  for (size_t d = 0; d < maps.size(); ++d) {
    const auto& m = maps[d];
    bool identity = static_cast<int64_t>(m.size()) == in_shape[d];
    for (size_t o = 0; identity && o < m.size(); ++o) identity = m[o] == static_cast<int64_t>(o);
    if (identity) continue;
    std::vector<int64_t> kept, target;
    for (size_t o = 0; o < m.size(); ++o)
      if (m[o] >= 0) {
        kept.push_back(static_cast<int64_t>(o));
        target.push_back(m[o]);
      }
    const int64_t dim = static_cast<int64_t>(d);
    Tensor picked = kept.size() == m.size() ? r : index_select(r, dim, tensor(kept));
    Shape s = r.shape();
    s[d] = in_shape[d];
    r = index_add(zeros(s, g.dtype()), dim, tensor(target), picked);
  }
  return r;
}

// gather_by_maps, recorded for autograd (the fill value is a constant).
Tensor gather_maps(const char* op, const Tensor& x, const std::vector<std::vector<int64_t>>& maps,
                   const Tensor& fill = Tensor()) {
  ops::GradRecorder rec(op, {x});
  Tensor out = detail::gather_by_maps(x, maps, fill);
  if (rec.active())
    rec.record({out}, [s = x.shape(), maps](const std::vector<Tensor>& g) {
      return std::vector<Tensor>{maps_backward(g[0], s, maps)};
    });
  return out;
}

Tensor triangle(const Tensor& t, int64_t diagonal, bool lower, const char* op) {
  check_defined(t, op);
  ops::GradRecorder rec(op, {t});
  Tensor out = triangle_fwd(t, diagonal, lower, op);
  if (rec.active())
    rec.record({out}, [diagonal, lower](const std::vector<Tensor>& g) {
      return std::vector<Tensor>{lower ? tril(g[0], diagonal) : triu(g[0], diagonal)};
    });
  return out;
}

Tensor triangle_fwd(const Tensor& t, int64_t diagonal, bool lower, const char* op) {
  if (t.dim() < 2) throw ShapeError(MsgId::needs_dims, op, 2, t.dim());
  Tensor out = clone(t);
  const int64_t rows = t.size(-2), cols = t.size(-1);
  const int64_t mats = rows * cols == 0 ? 0 : out.numel() / (rows * cols);
  const int64_t es = out.element_size();
  char* p = static_cast<char*>(out.data());
  for (int64_t m = 0; m < mats; ++m)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        bool keep = lower ? c - r <= diagonal : c - r >= diagonal;
        if (!keep) std::memset(p + ((m * rows + r) * cols + c) * es, 0, static_cast<size_t>(es));
      }
  return out;
}

}  // namespace

Tensor repeat(const Tensor& t, IntList repeats) {
  check_defined(t, "repeat");
  const int64_t nr = static_cast<int64_t>(repeats.size());
  if (nr < t.dim()) throw ShapeError(MsgId::idx_repeat_dims, "repeat", nr, t.dim(), t.shape());
  for (int64_t r : repeats)
    if (r < 0) throw ValueError(MsgId::negative_dim, "repeat", shape_str(repeats));
  Tensor x = t;
  while (x.dim() < nr) x = unsqueeze(x, 0);
  std::vector<std::vector<int64_t>> maps;
  for (int64_t d = 0; d < nr; ++d) {
    int64_t n = x.size(d);
    int64_t total = checked_mul(n, repeats[d], "repeat");
    std::vector<int64_t> m(static_cast<size_t>(total));
    for (int64_t i = 0; i < total; ++i) m[i] = i % n;
    maps.push_back(std::move(m));
  }
  return gather_maps("repeat", x, maps);
}

Tensor tile(const Tensor& t, IntList reps) {
  check_defined(t, "tile");
  std::vector<int64_t> r(reps.begin(), reps.end());
  while (static_cast<int64_t>(r.size()) < t.dim()) r.insert(r.begin(), 1);
  return repeat(t, r);
}

Tensor flip(const Tensor& t, IntList dims) {
  check_defined(t, "flip");
  auto maps = identity_maps(t.shape());
  for (int64_t d : wrap_dims(dims, t.dim(), "flip")) std::reverse(maps[d].begin(), maps[d].end());
  return gather_maps("flip", t, maps);
}

Tensor roll(const Tensor& t, IntList shifts, IntList dims) {
  check_defined(t, "roll");
  if (dims.empty()) {
    if (shifts.size() != 1) throw ShapeError(MsgId::idx_roll_shifts, "roll", shape_str(shifts), shape_str(dims));
    int64_t zero = 0;
    return reshape(roll(reshape(t, {-1}), shifts, IntList(&zero, 1)), t.shape());
  }
  if (shifts.size() != dims.size())
    throw ShapeError(MsgId::idx_roll_shifts, "roll", shape_str(shifts), shape_str(dims));
  auto maps = identity_maps(t.shape());
  std::vector<int64_t> total(static_cast<size_t>(t.dim()), 0);
  for (size_t i = 0; i < dims.size(); ++i) total[wrap_dim(dims[i], t.dim(), "roll")] += shifts[i];
  for (int64_t d = 0; d < t.dim(); ++d) {
    int64_t n = t.size(d);
    if (n == 0) continue;
    for (int64_t o = 0; o < n; ++o) maps[d][o] = (((o - total[d]) % n) + n) % n;
  }
  return gather_maps("roll", t, maps);
}

Tensor tril(const Tensor& t, int64_t diagonal) { return triangle(t, diagonal, true, "tril"); }
Tensor triu(const Tensor& t, int64_t diagonal) { return triangle(t, diagonal, false, "triu"); }

Tensor pad(const Tensor& t, IntList pad, std::string_view mode, double value) {
  check_defined(t, "pad");
  const int64_t np = static_cast<int64_t>(pad.size());
  if (np % 2 != 0 || np > 2 * t.dim()) throw ValueError(MsgId::idx_pad_length, "pad", shape_str(pad), t.dim());
  const bool constant = mode == "constant";
  if (!constant && mode != "reflect" && mode != "replicate" && mode != "circular")
    throw ValueError(MsgId::arg_invalid, "pad", "mode", std::string(mode));
  if (!constant) {
    // As torch 1.13: k padded dims (1 to 3) need an input of rank k + 1 or k + 2.
    int64_t k = np / 2;
    if (k < 1 || k > 3 || (t.dim() != k + 1 && t.dim() != k + 2))
      throw Unsupported(MsgId::idx_pad_mode_rank, "pad", std::string(mode), k, k + 1, k + 2, t.shape());
  }
  auto maps = identity_maps(t.shape());
  for (int64_t i = 0; i < np / 2; ++i) {
    const int64_t d = t.dim() - 1 - i;
    const int64_t n = t.size(d), l = pad[2 * i], r = pad[2 * i + 1];
    const int64_t out_n = checked_add(checked_add(n, l, "pad"), r, "pad");
    bool bad = out_n < 0;
    if (!constant) {
      bad = bad || l < 0 || r < 0 || n == 0;
      if (mode == "reflect") bad = bad || l >= n || r >= n;
      if (mode == "circular") bad = bad || l > n || r > n;
    }
    if (bad) throw ValueError(MsgId::idx_pad_too_large, "pad", l, r, d, n, std::string(mode));
    std::vector<int64_t> m(static_cast<size_t>(out_n));
    for (int64_t o = 0; o < out_n; ++o) {
      int64_t s = o - l;
      if (s < 0 || s >= n) {
        if (constant) s = -1;
        else if (mode == "reflect") s = s < 0 ? -s : 2 * (n - 1) - s;
        else if (mode == "replicate") s = std::clamp<int64_t>(s, 0, n - 1);
        else s = ((s % n) + n) % n;
      }
      m[o] = s;
    }
    maps[d] = std::move(m);
  }
  Tensor fill = full({}, value, t.dtype());
  return gather_maps("pad", t, maps, fill);
}

Tensor one_hot(const Tensor& t, int64_t num_classes) {
  check_defined(t, "one_hot");
  if (t.dtype() != DType::i64) throw DTypeError(MsgId::dtype_mismatch, "one_hot", DType::i64, t.dtype());
  if (num_classes < -1) throw ValueError(MsgId::arg_invalid, "one_hot", "num_classes", num_classes);
  Tensor x = contiguous(t);
  const int64_t* p = x.data_ptr<int64_t>();
  const int64_t n = x.numel();
  if (num_classes == -1) {
    if (n == 0) throw ValueError(MsgId::idx_empty_classes, "one_hot", t.shape());
    num_classes = *std::max_element(p, p + n) + 1;
  }
  for (int64_t i = 0; i < n; ++i) {
    if (p[i] < 0) throw ValueError(MsgId::idx_negative_value, "one_hot", p[i]);
    if (p[i] >= num_classes) throw IndexError(MsgId::index_out_of_range, "one_hot", p[i], t.dim(), num_classes);
  }
  Shape shape = t.shape();
  shape.push_back(num_classes);
  Tensor out = zeros(shape, DType::i64);
  int64_t* o = out.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) o[i * num_classes + p[i]] = 1;
  return out;
}

}  // namespace hangu

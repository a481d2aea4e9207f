// Normalisation layers, dropout, embedding and attention as functional operators. The norms share
// one recorded core (x - mean) / sqrt(var + eps) (or the RMS variant) whose backward is written
// with ops; the affine part is plain mul/add, so it differentiates by itself.
#include <cmath>
#include <limits>
#include <memory>
#include <utility>

#include "hangu/core/autograd_meta.h"
#include "hangu/core/error.h"
#include "hangu/kernels/cpu/simd/f32_kernels.h"
#include "hangu/kernels/cpu/simd/rows.h"
#include "hangu/ops/autograd_record.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/linalg.h"
#include "hangu/ops/nn_functional.h"
#include "hangu/ops/reduction.h"
#include "hangu/ops/views.h"

namespace hangu {
namespace {

void check_float(const Tensor& t, const char* op, const char* what) {
  check_defined(t, op);
  if (!t.is_floating_point()) throw DTypeError(MsgId::nnf_float_input, op, what, t.dtype());
}

void check_param(const Tensor& p, IntList expected, const char* op, const char* what) {
  if (!p.defined()) return;
  if (p.shape() != Shape(expected.begin(), expected.end()))
    throw ShapeError(MsgId::nnf_param_shape, op, what, expected, p.shape());
}

// (x - mean) * rsqrt(var + eps) over dims (center), or x * rsqrt(mean(x^2) + eps).
Tensor normalize_plain(const Tensor& x, IntList dims, double eps, bool center) {
  Tensor xc = center ? sub(x, mean(x, dims, true)) : x;
  return mul(xc, rsqrt(add(mean(square(xc), dims, true), eps)));
}

// How the f32 kernels (kernels/cpu/simd/rows.h) see the groups a contiguous x is normalised
// over: trailing dims (layer, RMS and group norm) as rows of one segment; dims {0, 2, 3, ...}
// (batch norm) as one row per channel made of one segment per image. rows < 0: neither.
kernels::simd::NormRows norm_rows(const Tensor& x, const std::vector<int64_t>& dims) {
  kernels::simd::NormRows r;
  r.rows = -1;
  if (!x.is_contiguous() || dims.empty()) return r;
  bool trailing = true;
  int64_t inner = 1;
  for (size_t i = 0; i < dims.size(); ++i) {
    trailing = trailing && dims[i] == x.dim() - static_cast<int64_t>(dims.size() - i);
    inner *= x.size(dims[i]);
  }
  if (trailing) {
    r.rows = inner == 0 ? 0 : x.numel() / inner;
    r.len = r.row_step = r.seg_step = inner;
    return r;
  }
  bool channels = x.dim() >= 2 && dims.size() == static_cast<size_t>(x.dim() - 1) && dims[0] == 0;
  for (size_t i = 1; channels && i < dims.size(); ++i) channels = dims[i] == static_cast<int64_t>(i) + 1;
  if (!channels) return r;
  int64_t plane = 1;  // the elements of one image's channel
  for (int64_t d = 2; d < x.dim(); ++d) plane *= x.size(d);
  r.rows = x.size(1), r.segs = x.size(0), r.len = plane, r.row_step = plane, r.seg_step = x.size(1) * plane;
  return r;
}

// The recorded core. Backward: rstd * (g - mean(g) - xhat * mean(g * xhat)), without the
// mean(g) term for RMS. In f32 both run as one fused kernel per row (the backward only when no
// graph is recorded), following these formulas rounding for rounding.
Tensor normalize(const Tensor& x, IntList dims_in, double eps, bool center, const char* name) {
  std::vector<int64_t> dims(dims_in.begin(), dims_in.end());
  ops::GradRecorder rec(name, {x});
  const kernels::simd::NormRows rows = norm_rows(x, dims);
  Tensor out;
  if (rows.rows >= 0) {
    out = empty(x.shape(), x.dtype());
    if (!kernels::simd::f32_normalize(x, rows, eps, center, out)) out = Tensor();
  }
  if (!out.defined()) out = normalize_plain(x, dims, eps, center);
  if (rec.active())
    rec.record({out}, [x, dims, eps, center, rows](const std::vector<Tensor>& g) {
      if (rows.rows >= 0 && !GradMode::is_enabled() && g[0].shape() == x.shape()) {
        Tensor dx = empty(x.shape(), x.dtype());
        if (kernels::simd::f32_normalize_backward(contiguous(g[0]), x, rows, eps, center, dx))
          return std::vector<Tensor>{dx};
      }
      Tensor xc = center ? sub(x, mean(x, dims, true)) : x;
      Tensor rstd = rsqrt(add(mean(square(xc), dims, true), eps));
      Tensor xhat = mul(xc, rstd);
      Tensor inner = sub(g[0], mul(xhat, mean(mul(g[0], xhat), dims, true)));
      if (center) inner = sub(inner, mean(g[0], dims, true));
      return std::vector<Tensor>{mul(inner, rstd)};
    });
  return out;
}

// A per-channel parameter (C) as (C, 1, ..., 1) for an input of rank `rank` (channel dim 1).
Tensor channel_view(const Tensor& p, int64_t rank) {
  std::vector<int64_t> s(static_cast<size_t>(std::max<int64_t>(rank - 1, 1)), 1);
  s[0] = p.numel();
  return reshape(p, s);
}

Tensor affine(Tensor out, const Tensor& w, const Tensor& b) {
  if (w.defined()) out = mul(out, w);
  if (b.defined()) out = add(out, b);
  return out;
}

std::vector<int64_t> trailing_dims(const Tensor& x, IntList normalized_shape, const char* op) {
  int64_t k = static_cast<int64_t>(normalized_shape.size());
  bool ok = k <= x.dim();
  for (int64_t i = 0; ok && i < k; ++i) ok = x.size(x.dim() - k + i) == normalized_shape[static_cast<size_t>(i)];
  if (!ok) throw ShapeError(MsgId::nnf_norm_shape, op, normalized_shape, x.shape());
  std::vector<int64_t> dims;
  for (int64_t i = x.dim() - k; i < x.dim(); ++i) dims.push_back(i);
  return dims;
}

// Training-mode batch norm of a contiguous f32 [N, C, ...] with weight and bias as one recorded
// op: the forward and the backward are one fused kernel pass each (kernels/cpu/simd/rows.h),
// the affine part and the statistics for the running averages included, where the composite
// (normalize, then mul and add) made six passes and two reductions. The same roundings as the
// composite. Undefined when it does not apply (another dtype, the reference level, a strided
// input, no weight or bias); a backward that records a graph (create_graph) falls back to the
// composite formulas. `moments` (if non-null) receives each channel's mean and biased variance.
Tensor batch_norm_fused(const Tensor& x, const Tensor& w, const Tensor& b, double eps, std::vector<double>* moments) {
  if (x.dtype() != DType::f32 || !w.defined() || !b.defined() || w.dtype() != DType::f32 ||
      b.dtype() != DType::f32 || kernels::simd::f32_kernels() == nullptr)
    return Tensor();
  std::vector<int64_t> dims = {0};
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  const kernels::simd::NormRows rows = norm_rows(x, dims);
  if (rows.rows < 0) return Tensor();
  const int64_t c = x.size(1);
  const Tensor wc = contiguous(w.detach()), bc = contiguous(b.detach());
  std::vector<float> affine(static_cast<size_t>(2 * c));
  for (int64_t i = 0; i < c; ++i) {
    affine[static_cast<size_t>(2 * i)] = wc.data_ptr<float>()[i];
    affine[static_cast<size_t>(2 * i + 1)] = bc.data_ptr<float>()[i];
  }
  if (moments) moments->assign(static_cast<size_t>(2 * c), 0.0);
  ops::GradRecorder rec("batch_norm", {x, w, b});
  Tensor out = empty(x.shape(), x.dtype());
  // The mean and rstd of each channel, kept for the backward (which then skips two passes over x).
  auto saved = std::make_shared<std::vector<float>>(static_cast<size_t>(2 * c));
  kernels::simd::f32_normalize(x, rows, eps, true, out, affine.data(), moments ? moments->data() : nullptr,
                               saved->data());
  if (rec.active())
    rec.record({out}, [x, w, dims, eps, rows, c, saved](const std::vector<Tensor>& g) {
      if (!GradMode::is_enabled() && g[0].shape() == x.shape()) {
        Tensor dx = empty(x.shape(), x.dtype());
        const Tensor scale = contiguous(w.detach());
        std::vector<double> sums(static_cast<size_t>(2 * c));
        if (kernels::simd::f32_normalize_backward(contiguous(g[0]), x, rows, eps, true, dx, scale.data_ptr<float>(),
                                                  sums.data(), saved->data())) {
          Tensor dw = empty({c}, DType::f32), db = empty({c}, DType::f32);
          for (int64_t i = 0; i < c; ++i) {
            dw.data_ptr<float>()[i] = static_cast<float>(sums[static_cast<size_t>(2 * i)]);
            db.data_ptr<float>()[i] = static_cast<float>(sums[static_cast<size_t>(2 * i + 1)]);
          }
          return std::vector<Tensor>{dx, dw, db};
        }
      }
      const Tensor xc = sub(x, mean(x, dims, true));
      const Tensor rstd = rsqrt(add(mean(square(xc), dims, true), eps));
      const Tensor xhat = mul(xc, rstd);
      const Tensor gx = mul(g[0], channel_view(w, x.dim()));
      const Tensor inner = sub(sub(gx, mul(xhat, mean(mul(gx, xhat), dims, true))), mean(gx, dims, true));
      return std::vector<Tensor>{mul(inner, rstd), sum(mul(g[0], xhat), dims), sum(g[0], dims)};
    });
  return out;
}

}  // namespace

Reduction parse_reduction(std::string_view s, const char* op) {
  if (s == "none") return Reduction::none;
  if (s == "mean") return Reduction::mean;
  if (s == "sum") return Reduction::sum;
  throw ValueError(MsgId::nnf_bad_reduction, op, s);
}

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  const char* op = "batch_norm";
  check_float(input, op, "input");
  if (input.dim() < 2) throw ShapeError(MsgId::nnf_input_rank, op, ">= 2", input.shape());
  int64_t c = input.size(1);
  std::vector<int64_t> cs = {c};
  check_param(running_mean, cs, op, "running_mean");
  check_param(running_var, cs, op, "running_var");
  check_param(weight, cs, op, "weight");
  check_param(bias, cs, op, "bias");
  std::vector<int64_t> dims = {0};
  for (int64_t d = 2; d < input.dim(); ++d) dims.push_back(d);
  int64_t rank = input.dim();
  Tensor w = weight.defined() ? channel_view(weight, rank) : Tensor();
  Tensor b = bias.defined() ? channel_view(bias, rank) : Tensor();
  bool batch_stats = training || !running_mean.defined() || !running_var.defined();
  if (!batch_stats) {
    // Differentiable in the running stats too (PyTorch gives them no gradient): a superset.
    auto stat = [&](const Tensor& t) {
      return channel_view(t.dtype() == input.dtype() ? t : to(t, input.dtype()), rank);
    };
    return affine(mul(sub(input, stat(running_mean)), rsqrt(add(stat(running_var), eps))), w, b);
  }
  int64_t count = c == 0 ? 0 : input.numel() / c;
  if (training && count <= 1) throw ValueError(MsgId::nnf_bn_one_value, op, input.shape());
  const bool update = training && (running_mean.defined() || running_var.defined());
  std::vector<double> moments;  // from the fused kernel: per channel, mean and biased variance
  Tensor out = batch_norm_fused(input, weight, bias, eps, update ? &moments : nullptr);
  if (!out.defined()) out = affine(normalize(input, dims, eps, true, op), w, b);
  if (update) {
    NoGradGuard ng;
    Tensor x = input.detach();
    auto stat = [&](size_t which) {  // the mean (0) or the unbiased variance (1) from the kernel
      std::vector<double> v(static_cast<size_t>(c));
      const double unbias = static_cast<double>(count) / static_cast<double>(count - 1);
      for (size_t i = 0; i < v.size(); ++i) v[i] = moments[2 * i + which] * (which == 1 ? unbias : 1.0);
      const int64_t n = c;
      return to(from_buffer(v.data(), IntList(&n, 1)), input.dtype());
    };
    if (running_mean.defined()) {
      Tensor m = to(moments.empty() ? mean(x, dims) : stat(0), running_mean.dtype());
      copy_(running_mean, add(mul(running_mean, 1.0 - momentum), mul(m, momentum)));
    }
    if (running_var.defined()) {
      Tensor v = to(moments.empty() ? var(x, dims, 1.0) : stat(1), running_var.dtype());
      copy_(running_var, add(mul(running_var, 1.0 - momentum), mul(v, momentum)));
    }
  }
  return out;
}

Tensor layer_norm(const Tensor& input, IntList normalized_shape, const Tensor& weight, const Tensor& bias, double eps) {
  const char* op = "layer_norm";
  check_float(input, op, "input");
  auto dims = trailing_dims(input, normalized_shape, op);
  check_param(weight, normalized_shape, op, "weight");
  check_param(bias, normalized_shape, op, "bias");
  return affine(normalize(input, dims, eps, true, op), weight, bias);
}

Tensor rms_norm(const Tensor& input, IntList normalized_shape, const Tensor& weight, double eps) {
  const char* op = "rms_norm";
  check_float(input, op, "input");
  auto dims = trailing_dims(input, normalized_shape, op);
  check_param(weight, normalized_shape, op, "weight");
  return affine(normalize(input, dims, eps, false, op), weight, Tensor());
}

Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps) {
  const char* op = "group_norm";
  check_float(input, op, "input");
  if (input.dim() < 2) throw ShapeError(MsgId::nnf_input_rank, op, ">= 2", input.shape());
  int64_t n = input.size(0), c = input.size(1);
  if (num_groups <= 0 || c % num_groups != 0) throw ValueError(MsgId::nnf_groups, op, c, input.shape(), num_groups);
  std::vector<int64_t> cs = {c};
  check_param(weight, cs, op, "weight");
  check_param(bias, cs, op, "bias");
  int64_t rest = c / num_groups;
  for (int64_t d = 2; d < input.dim(); ++d) rest *= input.size(d);
  std::vector<int64_t> grouped = {n, num_groups, rest};
  std::vector<int64_t> two = {2};
  Tensor out = reshape(normalize(reshape(input, grouped), two, eps, true, op), input.shape());
  int64_t rank = input.dim();
  return affine(out, weight.defined() ? channel_view(weight, rank) : Tensor(),
                bias.defined() ? channel_view(bias, rank) : Tensor());
}

Tensor dropout(const Tensor& input, double p, bool training, Generator* gen) {
  const char* op = "dropout";
  check_float(input, op, "input");
  if (!(p >= 0.0 && p <= 1.0)) throw ValueError(MsgId::nnf_prob_range, op, p);
  if (!training || p == 0.0) return input;
  Tensor scale;
  {
    NoGradGuard ng;
    if (p == 1.0) {
      scale = zeros_like(input);
    } else {
      DType rd = input.dtype() == DType::f64 ? DType::f64 : DType::f32;
      Tensor keep = lt(rand(input.shape(), rd, gen), 1.0 - p);
      scale = to(mul(to(keep, rd), 1.0 / (1.0 - p)), input.dtype());
    }
  }
  return mul(input, scale);
}

Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx) {
  const char* op = "embedding";
  check_float(weight, op, "weight");
  check_defined(indices, op);
  if (weight.dim() != 2) throw ShapeError(MsgId::nnf_input_rank, op, 2, weight.shape());
  if (indices.dtype() != DType::i64) throw DTypeError(MsgId::nnf_index_dtype, op, "indices", indices.dtype());
  int64_t n = indices.numel(), v = weight.size(0), d = weight.size(1);
  Tensor flat = reshape(contiguous(indices), std::vector<int64_t>{n});
  Tensor flat_c = contiguous(flat);
  const int64_t* p = static_cast<const int64_t*>(flat_c.data());
  for (int64_t i = 0; i < n; ++i)
    if (p[i] < 0 || p[i] >= v) throw IndexError(MsgId::nnf_embedding_index, op, p[i], weight.shape());
  std::vector<int64_t> out_shape(indices.shape().begin(), indices.shape().end());
  out_shape.push_back(d);
  ops::GradRecorder rec(op, {weight});
  Tensor out = reshape(index_select(weight, 0, flat), out_shape);
  if (rec.active())
    rec.record({out}, [weight, flat, n, d, padding_idx](const std::vector<Tensor>& g) {
      Tensor gf = reshape(g[0], std::vector<int64_t>{n, d});
      if (padding_idx >= 0) gf = masked_fill(gf, unsqueeze(eq(flat, padding_idx), 1), 0.0);
      return std::vector<Tensor>{index_add(zeros_like(weight), 0, flat, gf)};
    });
  return out;
}

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& attn_mask,
                                    double dropout_p, bool is_causal, Generator* gen) {
  const char* op = "scaled_dot_product_attention";
  check_float(q, op, "query");
  check_float(k, op, "key");
  check_float(v, op, "value");
  if (q.dim() < 2 || k.dim() < 2 || v.dim() < 2 || q.size(-1) != k.size(-1) || k.size(-2) != v.size(-2))
    throw ShapeError(MsgId::nnf_attn_shape, op, q.shape(), k.shape(), v.shape());
  double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  Tensor scores = mul(matmul(q, transpose(k, -2, -1)), scale);
  const double ninf = -std::numeric_limits<double>::infinity();
  if (is_causal) {
    int64_t l = q.size(-2), s = k.size(-2);
    Tensor rows = unsqueeze(arange(Scalar(int64_t{0}), Scalar(l), Scalar(int64_t{1}), DType::i64), 1);
    Tensor cols = unsqueeze(arange(Scalar(int64_t{0}), Scalar(s), Scalar(int64_t{1}), DType::i64), 0);
    scores = masked_fill(scores, lt(rows, cols), ninf);
  }
  if (attn_mask.defined()) {
    if (attn_mask.dtype() == DType::boolean)
      scores = masked_fill(scores, logical_not(attn_mask), ninf);
    else
      scores = add(scores, attn_mask);
  }
  Tensor attn = softmax(scores, -1);
  if (dropout_p > 0.0) attn = dropout(attn, dropout_p, true, gen);
  return matmul(attn, v);
}

}  // namespace hangu

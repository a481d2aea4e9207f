#include "hangu/ops/fused_attention.h"

#include <cmath>
#include <limits>
#include <vector>

#include "hangu/core/autograd_meta.h"
#include "hangu/core/error.h"
#include "hangu/kernels/cpu/flash_attention.h"
#include "hangu/ops/autograd_record.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/linalg.h"
#include "hangu/ops/reduction.h"
#include "hangu/ops/views.h"

namespace hangu {
namespace {

constexpr const char* kOp = "fused_attention";

kernels::AttentionDims check_inputs(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                                    bool is_causal) {
  check_defined(q, kOp);
  check_defined(k, kOp);
  check_defined(v, kOp);
  const bool float_ok = (q.dtype() == DType::f32 || q.dtype() == DType::f64);
  if (!float_ok || k.dtype() != q.dtype() || v.dtype() != q.dtype())
    throw DTypeError(MsgId::llm_attn_dtype, kOp, q.dtype(), k.dtype(), v.dtype());
  if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4 || k.size(0) != q.size(0) || v.size(0) != q.size(0) ||
      k.size(1) != v.size(1) || k.size(1) < 1 || q.size(1) % k.size(1) != 0 || k.size(3) != q.size(3) ||
      k.size(2) != v.size(2))
    throw ShapeError(MsgId::llm_attn_shape, kOp, q.shape(), k.shape(), v.shape());
  if (mask.defined() &&
      (mask.dtype() != DType::boolean || mask.dim() != 2 || mask.size(0) != q.size(0) || mask.size(1) != k.size(2)))
    throw ShapeError(MsgId::llm_attn_mask, kOp, Shape{q.size(0), k.size(2)}, mask.dtype(), mask.shape());
  kernels::AttentionDims d;
  d.batch = q.size(0);
  d.heads = q.size(1);
  d.kv_heads = k.size(1);
  d.q_len = q.size(2);
  d.kv_len = k.size(2);
  d.head_dim = q.size(3);
  d.v_dim = v.size(3);
  d.scale = 1.0 / std::sqrt(static_cast<double>(d.head_dim));
  d.causal = is_causal;
  return d;
}

// Rows per (batch, head) block when t [B, H, S, D] has contiguous rows and blocks of equal row
// capacity (a narrowed KV cache); 0 otherwise.
int64_t row_capacity(const Tensor& t) {
  const int64_t d = t.size(3);
  if (t.stride(3) != 1 || t.stride(2) != d || t.stride(1) % d != 0) return 0;
  const int64_t cap = t.stride(1) / d;
  if (cap < t.size(2) || (t.size(0) > 1 && t.stride(0) != t.size(1) * t.stride(1))) return 0;
  return cap;
}

const bool* mask_data(const Tensor& mask) { return mask.defined() ? static_cast<const bool*>(mask.data()) : nullptr; }

}  // namespace

Tensor fused_attention(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in, const Tensor& mask_in,
                       bool is_causal) {
  kernels::AttentionDims d = check_inputs(q_in, k_in, v_in, mask_in, is_causal);
  ops::GradRecorder rec(kOp, {q_in, k_in, v_in});
  Tensor q = contiguous(q_in), k = k_in, v = v_in;
  // A KV cache's spare rows need no copy for the forward; the backward wants plain layouts.
  const int64_t cap = row_capacity(k);
  if (!rec.active() && cap > 0 && row_capacity(v) == cap) {
    d.kv_capacity = cap;
  } else {
    k = contiguous(k);
    v = contiguous(v);
  }
  Tensor mask = mask_in.defined() ? contiguous(mask_in) : Tensor();
  Tensor out = empty({d.batch, d.heads, d.q_len, d.v_dim}, q.dtype());
  Tensor lse = empty({d.batch, d.heads, d.q_len}, q.dtype());
  if (q.dtype() == DType::f32)
    kernels::flash_attention_forward(d, q.data_ptr<float>(), k.data_ptr<float>(), v.data_ptr<float>(), mask_data(mask),
                                     out.data_ptr<float>(), lse.data_ptr<float>());
  else
    kernels::flash_attention_forward(d, q.data_ptr<double>(), k.data_ptr<double>(), v.data_ptr<double>(),
                                     mask_data(mask), out.data_ptr<double>(), lse.data_ptr<double>());
  if (rec.active())
    rec.record({out}, [d, q, k, v, mask, lse, saved = ops::SavedTensor(out)](const std::vector<Tensor>& g) {
      NoGradGuard ng;
      Tensor o = contiguous(saved.get().detach()), go = contiguous(g[0]);
      Tensor dq = empty_like(q), dk = empty_like(k), dv = empty_like(v);
      if (q.dtype() == DType::f32)
        kernels::flash_attention_backward(d, q.data_ptr<float>(), k.data_ptr<float>(), v.data_ptr<float>(),
                                          mask_data(mask), o.data_ptr<float>(), lse.data_ptr<float>(),
                                          go.data_ptr<float>(), dq.data_ptr<float>(), dk.data_ptr<float>(),
                                          dv.data_ptr<float>());
      else
        kernels::flash_attention_backward(d, q.data_ptr<double>(), k.data_ptr<double>(), v.data_ptr<double>(),
                                          mask_data(mask), o.data_ptr<double>(), lse.data_ptr<double>(),
                                          go.data_ptr<double>(), dq.data_ptr<double>(), dk.data_ptr<double>(),
                                          dv.data_ptr<double>());
      return std::vector<Tensor>{dq, dk, dv};
    });
  return out;
}

Tensor attention_composed(const Tensor& q, const Tensor& k_in, const Tensor& v_in, const Tensor& mask, bool is_causal) {
  const kernels::AttentionDims d = check_inputs(q, k_in, v_in, mask, is_causal);
  Tensor k = k_in, v = v_in;
  if (d.heads != d.kv_heads) {  // repeat each key/value head for its group of query heads
    const int64_t g = d.heads / d.kv_heads;
    k = reshape(expand(unsqueeze(k, 2), std::vector<int64_t>{d.batch, d.kv_heads, g, d.kv_len, d.head_dim}),
                std::vector<int64_t>{d.batch, d.heads, d.kv_len, d.head_dim});
    v = reshape(expand(unsqueeze(v, 2), std::vector<int64_t>{d.batch, d.kv_heads, g, d.kv_len, d.v_dim}),
                std::vector<int64_t>{d.batch, d.heads, d.kv_len, d.v_dim});
  }
  Tensor scores = mul(matmul(q, transpose(k, -2, -1)), d.scale);
  Tensor allowed;  // bool, broadcast to [B, 1 or H, L, S]
  if (is_causal) {
    Tensor rows = unsqueeze(arange(Scalar(d.kv_len - d.q_len), Scalar(d.kv_len), Scalar(int64_t{1}), DType::i64), 1);
    Tensor cols = unsqueeze(arange(Scalar(int64_t{0}), Scalar(d.kv_len), Scalar(int64_t{1}), DType::i64), 0);
    allowed = ge(rows, cols);
  }
  if (mask.defined()) {
    Tensor m = unsqueeze(unsqueeze(mask, 1), 1);
    allowed = allowed.defined() ? logical_and(allowed, m) : m;
  }
  if (!allowed.defined()) return matmul(softmax(scores, -1), v);
  const double ninf = -std::numeric_limits<double>::infinity();
  Tensor attn = softmax(masked_fill(scores, logical_not(allowed), ninf), -1);
  // Rows with no allowed key come out of softmax as NaN; they yield zeros, as the fused kernel.
  Tensor empty_row = logical_not(any(allowed, std::vector<int64_t>{-1}, true));
  attn = masked_fill(attn, empty_row, 0.0);
  return matmul(attn, v);
}

}  // namespace hangu

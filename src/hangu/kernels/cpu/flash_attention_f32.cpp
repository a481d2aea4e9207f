// The f32 fast path of flash_attention.h (every ISA level but the reference): the same tiled,
// online-softmax algorithm as the reference in flash_attention.cpp, with its products as f32 GEMM
// calls on tiles of kRows queries x kCols keys and its exponentials from the vectorised exp of
// simd/f32_kernels.h; sums accumulate in f32. The backward is FlashAttention-2's (Dao 2023):
// per (batch, kv head), key tiles outer, the probabilities recomputed from the saved log-sum-exp.
// Units of work are fixed by the shape and every sum runs in one fixed order (the GEMMs inside a
// unit run on its thread), so results do not depend on the thread count.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "hangu/core/thread_pool.h"
#include "hangu/kernels/cpu/flash_attention_f32.h"
#include "hangu/kernels/cpu/gemm.h"
#include "hangu/kernels/cpu/simd/f32_kernels.h"

namespace hangu::kernels {
namespace {

constexpr int64_t kRows = 64;  // query rows per tile (and per forward unit of work)
constexpr int64_t kCols = 64;  // keys per tile
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// C (m x n, row stride c_rs) = alpha * A @ B + beta * C, with A and B given by their strides.
void mm(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t a_rs, int64_t a_cs, const float* b,
        int64_t b_rs, int64_t b_cs, float beta, float* c, int64_t c_rs) {
  GemmDesc g;
  g.m = m, g.n = n, g.k = k;
  g.a_rs = a_rs, g.a_cs = a_cs, g.b_rs = b_rs, g.b_cs = b_cs, g.c_rs = c_rs, g.c_cs = 1;
  f32_gemm(g, alpha, a, b, beta, c);
}

// Keys [j0, j0 + cols) that query row i (of q_len) may see: the first `visible` of them, minus
// those the padding mask hides.
struct TileMask {
  const AttentionDims& d;
  const bool* key_mask;  // this batch entry's, or null
  int64_t visible(int64_t i, int64_t j0, int64_t cols) const {
    if (!d.causal) return cols;
    return std::clamp<int64_t>(d.kv_len - d.q_len + i + 1 - j0, 0, cols);
  }
  bool hidden(int64_t j, int64_t vis, int64_t j0) const { return j >= vis || (key_mask && !key_mask[j0 + j]); }
};

// p[0, cols) = exp(p - shift) for the keys the row sees, 0 for the others; returns the sum.
float exp_row(const simd::F32Kernels& fk, float* p, int64_t cols, float shift, const TileMask& tm, int64_t vis,
              int64_t j0) {
  for (int64_t j = 0; j < cols; ++j) p[j] -= shift;
  fk.unary(simd::UnaryOp::exp, p, p, cols);
  float sum = 0.0f;
  for (int64_t j = 0; j < cols; ++j) {
    if (tm.hidden(j, vis, j0)) p[j] = 0.0f;
    sum += p[j];
  }
  return sum;
}

}  // namespace

void flash_attention_forward_f32(const AttentionDims& d, const float* q, const float* k, const float* v,
                                 const bool* key_mask, float* out, float* lse) {
  const simd::F32Kernels& fk = *simd::f32_kernels();
  const int64_t group = d.heads / d.kv_heads, cap = d.kv_capacity > 0 ? d.kv_capacity : d.kv_len;
  const int64_t row_blocks = ceil_div(d.q_len, kRows);
  const float scale = static_cast<float>(d.scale);
  parallel_for(0, d.batch * d.heads * row_blocks, 1, [&](int64_t u0, int64_t u1) {
    std::vector<float> s(static_cast<size_t>(kRows * kCols)), acc(static_cast<size_t>(kRows * d.v_dim));
    float m[kRows], l[kRows];
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t bh = u / row_blocks, b = bh / d.heads, kvh = b * d.kv_heads + (bh % d.heads) / group;
      const float* kb = k + kvh * cap * d.head_dim;
      const float* vb = v + kvh * cap * d.v_dim;
      const TileMask tm{d, key_mask ? key_mask + b * d.kv_len : nullptr};
      const int64_t r0 = (u % row_blocks) * kRows, rows = std::min(kRows, d.q_len - r0);
      const float* qb = q + (bh * d.q_len + r0) * d.head_dim;
      std::fill(m, m + rows, kNegInf);
      std::fill(l, l + rows, 0.0f);
      std::fill(acc.begin(), acc.begin() + rows * d.v_dim, 0.0f);
      // The keys the block's last row sees: every row's are among them.
      const int64_t end = d.causal ? std::min(d.kv_len, d.kv_len - d.q_len + r0 + rows) : d.kv_len;
      for (int64_t j0 = 0; j0 < end; j0 += kCols) {
        const int64_t cols = std::min(kCols, end - j0);
        mm(rows, cols, d.head_dim, scale, qb, d.head_dim, 1, kb + j0 * d.head_dim, 1, d.head_dim, 0.0f, s.data(), kCols);
        for (int64_t i = 0; i < rows; ++i) {
          float* si = s.data() + i * kCols;
          const int64_t vis = tm.visible(r0 + i, j0, cols);
          float tile_max = kNegInf;
          for (int64_t j = 0; j < cols; ++j)
            if (!tm.hidden(j, vis, j0)) tile_max = std::max(tile_max, si[j]);
          if (tile_max == kNegInf) {  // nothing visible in this tile: the row's sums stay as they are
            std::fill(si, si + cols, 0.0f);
            continue;
          }
          const float m_new = std::max(m[i], tile_max);
          const float corr = m[i] == kNegInf ? 0.0f : std::exp(m[i] - m_new);
          l[i] = l[i] * corr + exp_row(fk, si, cols, m_new, tm, vis, j0);
          m[i] = m_new;
          if (corr != 1.0f)
            for (float* a = acc.data() + i * d.v_dim, *e = a + d.v_dim; a < e; ++a) *a *= corr;
        }
        mm(rows, d.v_dim, cols, 1.0f, s.data(), kCols, 1, vb + j0 * d.v_dim, d.v_dim, 1, 1.0f, acc.data(), d.v_dim);
      }
      for (int64_t i = 0; i < rows; ++i) {
        float* oi = out + (bh * d.q_len + r0 + i) * d.v_dim;
        const float* ai = acc.data() + i * d.v_dim;
        for (int64_t c = 0; c < d.v_dim; ++c) oi[c] = l[i] > 0.0f ? ai[c] / l[i] : 0.0f;
        if (lse) lse[bh * d.q_len + r0 + i] = l[i] > 0.0f ? m[i] + std::log(l[i]) : kNegInf;
      }
    }
  });
}

void flash_attention_backward_f32(const AttentionDims& d, const float* q, const float* k, const float* v,
                                  const bool* key_mask, const float* out, const float* lse, const float* dout,
                                  float* dq, float* dk, float* dv) {
  const simd::F32Kernels& fk = *simd::f32_kernels();
  const int64_t group = d.heads / d.kv_heads, shift = d.kv_len - d.q_len;
  const float scale = static_cast<float>(d.scale);
  const int64_t D = d.head_dim, Dv = d.v_dim;
  // One unit per (batch, kv head): it owns its dk / dv rows and the dq rows of its heads.
  parallel_for(0, d.batch * d.kv_heads, 1, [&](int64_t u0, int64_t u1) {
    std::vector<float> p(static_cast<size_t>(kRows * kCols)), ds(static_cast<size_t>(kRows * kCols));
    std::vector<float> delta(static_cast<size_t>(group * d.q_len));
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t b = u / d.kv_heads, h0 = (u % d.kv_heads) * group;
      const float* kb = k + u * d.kv_len * D;
      const float* vb = v + u * d.kv_len * Dv;
      float* dkb = dk + u * d.kv_len * D;
      float* dvb = dv + u * d.kv_len * Dv;
      const TileMask tm{d, key_mask ? key_mask + b * d.kv_len : nullptr};
      std::fill(dkb, dkb + d.kv_len * D, 0.0f);
      std::fill(dvb, dvb + d.kv_len * Dv, 0.0f);
      std::fill(dq + (b * d.heads + h0) * d.q_len * D, dq + (b * d.heads + h0 + group) * d.q_len * D, 0.0f);
      // delta[row] = dout[row] . out[row], the softmax backward's row term.
      for (int64_t r = 0; r < group * d.q_len; ++r) {
        const float* o = out + ((b * d.heads + h0) * d.q_len + r) * Dv;
        const float* g = dout + ((b * d.heads + h0) * d.q_len + r) * Dv;
        float s = 0.0f;
        for (int64_t c = 0; c < Dv; ++c) s += o[c] * g[c];
        delta[static_cast<size_t>(r)] = s;
      }
      for (int64_t j0 = 0; j0 < d.kv_len; j0 += kCols) {
        const int64_t cols = std::min(kCols, d.kv_len - j0);
        // Query row i sees key j0 once i >= j0 - shift (causal).
        const int64_t first = d.causal ? std::max<int64_t>(0, j0 - shift) / kRows * kRows : 0;
        for (int64_t h = h0; h < h0 + group; ++h) {
          const int64_t bh = b * d.heads + h;
          for (int64_t r0 = first; r0 < d.q_len; r0 += kRows) {
            const int64_t rows = std::min(kRows, d.q_len - r0);
            const float* qb = q + (bh * d.q_len + r0) * D;
            const float* gb = dout + (bh * d.q_len + r0) * Dv;
            const float* lb = lse + bh * d.q_len + r0;
            const float* db = delta.data() + (h - h0) * d.q_len + r0;
            mm(rows, cols, D, scale, qb, D, 1, kb + j0 * D, 1, D, 0.0f, p.data(), kCols);
            for (int64_t i = 0; i < rows; ++i) {
              float* pi = p.data() + i * kCols;
              if (!std::isfinite(lb[i])) {  // a row that sees no key at all: no gradient
                std::fill(pi, pi + cols, 0.0f);
                continue;
              }
              exp_row(fk, pi, cols, lb[i], tm, tm.visible(r0 + i, j0, cols), j0);
            }
            // dV_j += P^T dO_i; dP = dO_i V_j^T.
            mm(cols, Dv, rows, 1.0f, p.data(), 1, kCols, gb, Dv, 1, 1.0f, dvb + j0 * Dv, Dv);
            mm(rows, cols, Dv, 1.0f, gb, Dv, 1, vb + j0 * Dv, 1, Dv, 0.0f, ds.data(), kCols);
            for (int64_t i = 0; i < rows; ++i) {
              const float* pi = p.data() + i * kCols;
              float* si = ds.data() + i * kCols;
              for (int64_t j = 0; j < cols; ++j) si[j] = pi[j] * (si[j] - db[i]) * scale;
            }
            // dQ_i += dS K_j; dK_j += dS^T Q_i.
            mm(rows, D, cols, 1.0f, ds.data(), kCols, 1, kb + j0 * D, D, 1, 1.0f, dq + (bh * d.q_len + r0) * D, D);
            mm(cols, D, rows, 1.0f, ds.data(), 1, kCols, qb, D, 1, 1.0f, dkb + j0 * D, D);
          }
        }
      }
    }
  });
}

}  // namespace hangu::kernels

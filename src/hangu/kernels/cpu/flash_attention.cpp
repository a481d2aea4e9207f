#include "hangu/kernels/cpu/flash_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "hangu/core/thread_pool.h"
#include "hangu/kernels/cpu/flash_attention_f32.h"
#include "hangu/kernels/cpu/simd/f32_kernels.h"

namespace hangu::kernels {

namespace {

constexpr int64_t kKeyTile = 64;   // keys scored at once per query row
constexpr int64_t kRowGrain = 16;  // query rows per parallel chunk

// The keys query row i may see: [0, end) minus those the padding mask hides.
int64_t key_end(const AttentionDims& d, int64_t i) {
  return d.causal ? std::min(d.kv_len, d.kv_len - d.q_len + i + 1) : d.kv_len;
}

template <typename T>
double dot(const T* a, const T* b, int64_t n) {
  double s = 0.0;
  for (int64_t c = 0; c < n; ++c) s += static_cast<double>(a[c]) * static_cast<double>(b[c]);
  return s;
}

template <typename T>
void forward_impl(const AttentionDims& d, const T* q, const T* k, const T* v, const bool* key_mask, T* out, T* lse) {
  const int64_t group = d.heads / d.kv_heads;
  const int64_t row_blocks = (d.q_len + kRowGrain - 1) / kRowGrain;
  const int64_t cap = d.kv_capacity > 0 ? d.kv_capacity : d.kv_len;
  const double ninf = -std::numeric_limits<double>::infinity();
  parallel_for(0, d.batch * d.heads * row_blocks, 1, [&](int64_t u0, int64_t u1) {
    std::vector<double> score(kKeyTile), acc(static_cast<size_t>(d.v_dim));
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t bh = u / row_blocks, b = bh / d.heads, h = bh % d.heads;
      const int64_t kvh = b * d.kv_heads + h / group;
      const T* kb = k + kvh * cap * d.head_dim;
      const T* vb = v + kvh * cap * d.v_dim;
      const bool* mb = key_mask ? key_mask + b * d.kv_len : nullptr;
      const int64_t r0 = (u % row_blocks) * kRowGrain, r1 = std::min(d.q_len, r0 + kRowGrain);
      for (int64_t i = r0; i < r1; ++i) {
        const T* qi = q + (bh * d.q_len + i) * d.head_dim;
        double m = ninf, l = 0.0;
        std::fill(acc.begin(), acc.end(), 0.0);
        const int64_t end = key_end(d, i);
        for (int64_t j0 = 0; j0 < end; j0 += kKeyTile) {
          const int64_t j1 = std::min(end, j0 + kKeyTile);
          double tile_max = ninf;
          for (int64_t j = j0; j < j1; ++j) {
            double s = (mb && !mb[j]) ? ninf : d.scale * dot(qi, kb + j * d.head_dim, d.head_dim);
            score[static_cast<size_t>(j - j0)] = s;
            tile_max = std::max(tile_max, s);
          }
          if (tile_max == ninf) continue;
          const double m_new = std::max(m, tile_max);
          const double corr = std::exp(m - m_new);  // 0 when m is still -inf
          l *= corr;
          for (double& a : acc) a *= corr;
          for (int64_t j = j0; j < j1; ++j) {
            const double s = score[static_cast<size_t>(j - j0)];
            if (s == ninf) continue;
            const double p = std::exp(s - m_new);
            l += p;
            const T* vj = vb + j * d.v_dim;
            for (int64_t c = 0; c < d.v_dim; ++c) acc[static_cast<size_t>(c)] += p * static_cast<double>(vj[c]);
          }
          m = m_new;
        }
        T* oi = out + (bh * d.q_len + i) * d.v_dim;
        for (int64_t c = 0; c < d.v_dim; ++c) oi[c] = l > 0.0 ? static_cast<T>(acc[static_cast<size_t>(c)] / l) : T(0);
        if (lse) lse[bh * d.q_len + i] = static_cast<T>(l > 0.0 ? m + std::log(l) : ninf);
      }
    }
  });
}

template <typename T>
void backward_impl(const AttentionDims& d, const T* q, const T* k, const T* v, const bool* key_mask, const T* out,
                   const T* lse, const T* dout, T* dq, T* dk, T* dv) {
  const int64_t group = d.heads / d.kv_heads;
  // One chunk per (batch, kv head): it owns its dk / dv rows, so no two threads add to one value.
  parallel_for(0, d.batch * d.kv_heads, 1, [&](int64_t u0, int64_t u1) {
    std::vector<double> gk(static_cast<size_t>(d.kv_len * d.head_dim)), gv(static_cast<size_t>(d.kv_len * d.v_dim));
    std::vector<double> gq(static_cast<size_t>(d.head_dim));
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t b = u / d.kv_heads;
      const T* kb = k + u * d.kv_len * d.head_dim;
      const T* vb = v + u * d.kv_len * d.v_dim;
      const bool* mb = key_mask ? key_mask + b * d.kv_len : nullptr;
      std::fill(gk.begin(), gk.end(), 0.0);
      std::fill(gv.begin(), gv.end(), 0.0);
      for (int64_t h = (u % d.kv_heads) * group; h < (u % d.kv_heads + 1) * group; ++h) {
        const int64_t bh = b * d.heads + h;
        for (int64_t i = 0; i < d.q_len; ++i) {
          const int64_t row = bh * d.q_len + i;
          const T* qi = q + row * d.head_dim;
          const T* doi = dout + row * d.v_dim;
          std::fill(gq.begin(), gq.end(), 0.0);
          const double li = static_cast<double>(lse[row]);
          if (std::isfinite(li)) {
            const double di = dot(doi, out + row * d.v_dim, d.v_dim);
            const int64_t end = key_end(d, i);
            for (int64_t j = 0; j < end; ++j) {
              if (mb && !mb[j]) continue;
              const T* kj = kb + j * d.head_dim;
              const double p = std::exp(d.scale * dot(qi, kj, d.head_dim) - li);
              const double ds = p * (dot(doi, vb + j * d.v_dim, d.v_dim) - di) * d.scale;
              for (int64_t c = 0; c < d.v_dim; ++c)
                gv[static_cast<size_t>(j * d.v_dim + c)] += p * static_cast<double>(doi[c]);
              for (int64_t c = 0; c < d.head_dim; ++c) {
                gq[static_cast<size_t>(c)] += ds * static_cast<double>(kj[c]);
                gk[static_cast<size_t>(j * d.head_dim + c)] += ds * static_cast<double>(qi[c]);
              }
            }
          }
          for (int64_t c = 0; c < d.head_dim; ++c)
            dq[row * d.head_dim + c] = static_cast<T>(gq[static_cast<size_t>(c)]);
        }
      }
      for (int64_t e = 0; e < d.kv_len * d.head_dim; ++e)
        dk[u * d.kv_len * d.head_dim + e] = static_cast<T>(gk[static_cast<size_t>(e)]);
      for (int64_t e = 0; e < d.kv_len * d.v_dim; ++e)
        dv[u * d.kv_len * d.v_dim + e] = static_cast<T>(gv[static_cast<size_t>(e)]);
    }
  });
}

}  // namespace

// f32 runs the fast path (flash_attention_f32.cpp) wherever the vector kernels exist; the reference
// level and f64 run the loops above.
void flash_attention_forward(const AttentionDims& d, const float* q, const float* k, const float* v,
                             const bool* key_mask, float* out, float* lse) {
  if (simd::f32_kernels()) return flash_attention_forward_f32(d, q, k, v, key_mask, out, lse);
  forward_impl(d, q, k, v, key_mask, out, lse);
}
void flash_attention_forward(const AttentionDims& d, const double* q, const double* k, const double* v,
                             const bool* key_mask, double* out, double* lse) {
  forward_impl(d, q, k, v, key_mask, out, lse);
}
void flash_attention_backward(const AttentionDims& d, const float* q, const float* k, const float* v,
                              const bool* key_mask, const float* out, const float* lse, const float* dout, float* dq,
                              float* dk, float* dv) {
  if (simd::f32_kernels()) return flash_attention_backward_f32(d, q, k, v, key_mask, out, lse, dout, dq, dk, dv);
  backward_impl(d, q, k, v, key_mask, out, lse, dout, dq, dk, dv);
}
void flash_attention_backward(const AttentionDims& d, const double* q, const double* k, const double* v,
                              const bool* key_mask, const double* out, const double* lse, const double* dout,
                              double* dq, double* dk, double* dv) {
  backward_impl(d, q, k, v, key_mask, out, lse, dout, dq, dk, dv);
}

}  // namespace hangu::kernels

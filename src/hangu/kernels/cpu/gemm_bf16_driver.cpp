// The bf16 GEMM driver (BLIS loop nest), shared by every kernel set: A and B are packed whole
// per batch entry (panels of MR rows / NR columns over all of K), then work units of MC x NC of C
// run in parallel, each walking k blocks and calling the register-tile kernel. Units split only
// M and N, and their size depends on the shape and kernel set alone, so every element of C is
// the same serial sum for any thread count. m == 1 (or n == 1, by transposing) takes a GEMV.
#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>

#include "hangu/core/error.h"
#include "hangu/core/half.h"
#include "hangu/core/thread_pool.h"
#include "hangu/kernels/cpu/gemm_bf16_kernels.h"

namespace hangu::kernels::bf16_detail {
namespace {

inline constexpr size_t kKeepBytes = size_t{64} << 20;         // per-thread memory kept between calls
inline constexpr int64_t kPackGroupBytes = int64_t{32} << 20;  // packed A and B of one batch group
inline constexpr int64_t kGemvGrainMacs = 1 << 18;             // multiply-adds per GEMV chunk of work

// A per-thread buffer that only grows: a freshly faulted page costs ~10 us here, so once warm a
// GEMM call allocates nothing. Buffers above kKeepBytes are released by trim().
class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { std::free(p_); }

  void* get(size_t bytes) {
    if (bytes > bytes_) {
      std::free(p_);
      p_ = nullptr;
      bytes_ = 0;
      const size_t rounded = (std::max<size_t>(bytes, 64) + 63) / 64 * 64;
      p_ = std::aligned_alloc(64, rounded);
      if (p_ == nullptr) throw OutOfMemory(MsgId::out_of_memory, static_cast<int64_t>(rounded));
      bytes_ = rounded;
    }
    return p_;
  }
  void trim() {
    if (bytes_ > kKeepBytes) {
      std::free(p_);
      p_ = nullptr;
      bytes_ = 0;
    }
  }

 private:
  void* p_ = nullptr;
  size_t bytes_ = 0;
};

thread_local Buffer t_packed;  // packed A and B: owned by the calling thread, read by all
thread_local Buffer t_acc;     // f32 partial sums of one unit while K spans several blocks
thread_local Buffer t_vec;     // a contiguous copy of a strided GEMV operand
thread_local Buffer t_gemv_y;  // the sums of one GEMV (axpy form) unit

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

float widen(uint16_t bits) { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }

// One packed element: step s of a line x[0..k) with stride `st` (see gemm_bf16_kernels.h).
template <PackFormat F>
void put(void* dst, int64_t idx, const uint16_t* x, int64_t st, int64_t k, int64_t s) {
  if constexpr (F == PackFormat::widened) {
    static_cast<float*>(dst)[idx] = widen(x[s * st]);
  } else {
    const int64_t p = 2 * s;
    const uint32_t lo = x[p * st];
    const uint32_t hi = p + 1 < k ? x[(p + 1) * st] : 0u;
    static_cast<uint32_t*>(dst)[idx] = lo | hi << 16;
  }
}

// Packs `lines` lines of an operand (rows of A, columns of B), all `ns` steps along k, into a
// panel of `width` lines: element (s, l) at dst[s * width + l], lines >= `lines` zero-filled.
// ls: stride between lines, kst: stride along k (elements).
template <PackFormat F>
void pack_panel(const uint16_t* x, int64_t ls, int64_t kst, int64_t k, int64_t lines, int64_t ns, int width,
                void* dst) {
  if (ls == 1) {  // the lines are contiguous: walk k, copying runs
    for (int64_t s = 0; s < ns; ++s) {
      if constexpr (F == PackFormat::widened) {
        const uint16_t* src = x + s * kst;
        float* d = static_cast<float*>(dst) + s * width;
        for (int64_t l = 0; l < lines; ++l) d[l] = widen(src[l]);
      } else {
        const int64_t p = 2 * s;
        const uint16_t* r0 = x + p * kst;
        const uint16_t* r1 = p + 1 < k ? r0 + kst : nullptr;
        uint32_t* d = static_cast<uint32_t*>(dst) + s * width;
        if (r1 != nullptr)
          for (int64_t l = 0; l < lines; ++l) d[l] = static_cast<uint32_t>(r0[l]) | static_cast<uint32_t>(r1[l]) << 16;
        else
          for (int64_t l = 0; l < lines; ++l) d[l] = r0[l];
      }
    }
  } else {
    for (int64_t l = 0; l < lines; ++l)
      for (int64_t s = 0; s < ns; ++s) put<F>(dst, s * width + l, x + l * ls, kst, k, s);
  }
  for (int64_t s = 0; s < ns; ++s)
    for (int64_t l = lines; l < width; ++l) static_cast<uint32_t*>(dst)[s * width + l] = 0;
}

void store(const KernelSet& ks, const GemmArgs& g, const float* acc, int64_t ld, int64_t rows, int64_t cols,
           int64_t c_off) {
  if (g.out_bf16)
    ks.store_bf16(acc, ld, rows, cols, g.alpha, g.beta, static_cast<uint16_t*>(g.c) + c_off, g.c_rs, g.c_cs);
  else
    ks.store_f32(acc, ld, rows, cols, g.alpha, g.beta, static_cast<float*>(g.c) + c_off, g.c_rs, g.c_cs);
}

// C^T = B^T A^T: the same sums with the roles of A and B swapped.
GemmArgs transposed(const GemmArgs& g) {
  GemmArgs t = g;
  t.m = g.n;
  t.n = g.m;
  t.a = g.b;
  t.a_bs = g.b_bs;
  t.a_rs = g.b_cs;
  t.a_cs = g.b_rs;
  t.b = g.a;
  t.b_bs = g.a_bs;
  t.b_rs = g.a_cs;
  t.b_cs = g.a_rs;
  t.c_rs = g.c_cs;
  t.c_cs = g.c_rs;
  return t;
}

void gemv_dot(const KernelSet& ks, const GemmArgs& g) {
  const int64_t chunks = ceil_div(g.n, kGemvDotCols);
  const int64_t grain = std::max<int64_t>(1, kGemvGrainMacs / (g.k * kGemvDotCols));
  parallel_for(0, g.batch * chunks, grain, [&](int64_t u0, int64_t u1) {
    alignas(64) float y[kGemvDotCols];
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t bi = u / chunks, j0 = (u % chunks) * kGemvDotCols;
      const int64_t cols = std::min(kGemvDotCols, g.n - j0);
      const uint16_t* a = g.a + bi * g.a_bs;
      if (g.a_cs != 1) {
        uint16_t* v = static_cast<uint16_t*>(t_vec.get(static_cast<size_t>(g.k) * sizeof(uint16_t)));
        for (int64_t p = 0; p < g.k; ++p) v[p] = a[p * g.a_cs];
        a = v;
      }
      ks.gemv_dot(g.k, cols, a, g.b + bi * g.b_bs + j0 * g.b_cs, g.b_cs, y);
      store(ks, g, y, kGemvDotCols, 1, cols, bi * g.c_bs + j0 * g.c_cs);
    }
  });
}

void gemv_axpy(const KernelSet& ks, const GemmArgs& g) {
  // Each column's sum runs in k order in any unit, so the split (by the thread count) cannot
  // change the bits.
  const int64_t per_thread = ceil_div(ceil_div(g.n, std::max(1, get_num_threads())), 32) * 32;
  const int64_t unit_cols = std::clamp(per_thread, kGemvAxpyMinCols, kGemvAxpyMaxCols);
  const int64_t chunks = ceil_div(g.n, unit_cols);
  parallel_for(0, g.batch * chunks, 1, [&](int64_t u0, int64_t u1) {
    float* y = static_cast<float*>(t_gemv_y.get(static_cast<size_t>(unit_cols + 32) * sizeof(float)));
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t bi = u / chunks, j0 = (u % chunks) * unit_cols;
      const int64_t cols = std::min(unit_cols, g.n - j0);
      ks.gemv_axpy(g.k, cols, g.a + bi * g.a_bs, g.a_cs, g.b + bi * g.b_bs + j0, g.b_rs, y);
      store(ks, g, y, unit_cols, 1, cols, bi * g.c_bs + j0 * g.c_cs);
    }
  });
}

inline constexpr int64_t kMinUnits = 8;  // work units a large enough product is cut into

struct Blocks {
  int64_t mc, nc, m_blocks, n_blocks;
};

// Cuts M and N into blocks of at most the kernel set's MC x NC, of near-equal sizes (multiples of
// MR / NR), and into at least kMinUnits units where the blocks stay at least 2 MR x NR, so that
// threads get balanced shares. The cut depends on the shape only, never on the thread count.
Blocks split(const KernelSet& ks, const GemmArgs& g) {
  int64_t mb = ceil_div(g.m, ks.mc), nb = ceil_div(g.n, ks.nc);
  while (g.batch * mb * nb < kMinUnits) {
    const bool m_can = ceil_div(g.m, mb + 1) >= 2 * ks.mr, n_can = ceil_div(g.n, nb + 1) >= ks.nr;
    if (m_can && (!n_can || ceil_div(g.m, mb) * ks.nr >= ceil_div(g.n, nb) * ks.mr))
      ++mb;
    else if (n_can)
      ++nb;
    else
      break;
  }
  Blocks b;
  b.mc = ceil_div(ceil_div(g.m, mb), ks.mr) * ks.mr;
  b.nc = ceil_div(ceil_div(g.n, nb), ks.nr) * ks.nr;
  b.m_blocks = ceil_div(g.m, b.mc);
  b.n_blocks = ceil_div(g.n, b.nc);
  return b;
}

// Both operands are packed whole (per batch entry, all of K) before the multiply, so each is
// packed once however many units read it; a unit then walks k blocks, n panels (the B panel stays
// in L1) and m panels. When K spans several blocks, tiles keep their f32 sums in a unit buffer.
template <PackFormat F>
void blocked(const KernelSet& ks, const GemmArgs& g) {
  const int mr = ks.mr, nr = ks.nr;
  const int64_t steps = F == PackFormat::pairs ? ceil_div(g.k, 2) : g.k;
  const int64_t a_panels = ceil_div(g.m, mr), b_panels = ceil_div(g.n, nr);
  const int64_t a_panel_elems = steps * mr, b_panel_elems = steps * nr;
  const int64_t a_batch_elems = a_panels * a_panel_elems, b_batch_elems = b_panels * b_panel_elems;
  const bool a_shared = g.a_bs == 0, b_shared = g.b_bs == 0;  // one operand for the whole batch
  const int64_t per_batch = (a_shared ? 0 : a_batch_elems) + (b_shared ? 0 : b_batch_elems);
  const int64_t group = std::clamp<int64_t>(kPackGroupBytes / std::max<int64_t>(1, per_batch * 4), 1, g.batch);
  const int64_t a_packs = a_shared ? 1 : group, b_packs = b_shared ? 1 : group;
  uint32_t* packed = static_cast<uint32_t*>(
      t_packed.get(static_cast<size_t>(std::max<int64_t>(1, a_packs * a_batch_elems + b_packs * b_batch_elems)) * 4));
  uint32_t* packed_a = packed;
  uint32_t* packed_b = packed + a_packs * a_batch_elems;

  const Blocks blk = split(ks, g);
  const int64_t m_blocks = blk.m_blocks, n_blocks = blk.n_blocks;
  const int64_t k_blocks = std::max<int64_t>(1, ceil_div(steps, ks.kc));
  const int64_t pack_grain = std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(1, steps * std::max(mr, nr)));

  for (int64_t g0 = 0; g0 < g.batch; g0 += group) {
    const int64_t gn = std::min(group, g.batch - g0);
    const int64_t a_todo = a_shared ? (g0 == 0 ? a_panels : 0) : gn * a_panels;
    const int64_t b_todo = b_shared ? (g0 == 0 ? b_panels : 0) : gn * b_panels;
    parallel_for(0, a_todo + b_todo, pack_grain, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        if (p < a_todo) {
          const int64_t bi = p / a_panels, ip = p % a_panels;
          pack_panel<F>(g.a + (g0 + bi) * g.a_bs + ip * mr * g.a_rs, g.a_rs, g.a_cs, g.k,
                        std::min<int64_t>(mr, g.m - ip * mr), steps, mr,
                        packed_a + bi * a_batch_elems + ip * a_panel_elems);
        } else {
          const int64_t q = p - a_todo, bi = q / b_panels, jp = q % b_panels;
          pack_panel<F>(g.b + (g0 + bi) * g.b_bs + jp * nr * g.b_cs, g.b_cs, g.b_rs, g.k,
                        std::min<int64_t>(nr, g.n - jp * nr), steps, nr,
                        packed_b + bi * b_batch_elems + jp * b_panel_elems);
        }
      }
    });
    parallel_for(0, gn * m_blocks * n_blocks, 1, [&](int64_t u0, int64_t u1) {
      for (int64_t u = u0; u < u1; ++u) {
        const int64_t bi = u / (m_blocks * n_blocks);
        const int64_t i0 = (u / n_blocks) % m_blocks * blk.mc, j0 = u % n_blocks * blk.nc;
        const int64_t mc = std::min(blk.mc, g.m - i0), nc = std::min(blk.nc, g.n - j0);
        const int64_t m_panels = ceil_div(mc, mr), n_panels = ceil_div(nc, nr);
        const uint32_t* apack = packed_a + (a_shared ? 0 : bi) * a_batch_elems + (i0 / mr) * a_panel_elems;
        const uint32_t* bpack = packed_b + (b_shared ? 0 : bi) * b_batch_elems + (j0 / nr) * b_panel_elems;
        const int64_t c_base = (g0 + bi) * g.c_bs + i0 * g.c_rs + j0 * g.c_cs;
        float* acc_buf = k_blocks > 1
                             ? static_cast<float*>(t_acc.get(static_cast<size_t>(m_panels * n_panels * mr * nr) * 4))
                             : nullptr;
        alignas(64) float tile[kMaxMr * 64];
        for (int64_t kb = 0; kb < k_blocks; ++kb) {
          const int64_t s0 = kb * ks.kc, ns = std::min(ks.kc, steps - s0);
          const bool last = kb == k_blocks - 1;
          for (int64_t jp = 0; jp < n_panels; ++jp) {
            const uint32_t* bp = bpack + jp * b_panel_elems + s0 * nr;
            const int64_t cols = std::min<int64_t>(nr, nc - jp * nr);
            for (int64_t ip = 0; ip < m_panels; ++ip) {
              const int64_t rows = std::min<int64_t>(mr, mc - ip * mr);
              float* acc = acc_buf ? acc_buf + (ip * n_panels + jp) * mr * nr : tile;
              ks.tile[rows](ns, apack + ip * a_panel_elems + s0 * mr, bp, acc, kb > 0);
              if (last) store(ks, g, acc, nr, rows, cols, c_base + ip * mr * g.c_rs + jp * nr * g.c_cs);
            }
          }
        }
      }
    });
  }
  t_packed.trim();
}

}  // namespace

void store_f32_scalar(const float* acc, int64_t ld, int64_t rows, int64_t cols, float alpha, float beta, float* c,
                      int64_t rs, int64_t cs) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      float v = alpha * acc[i * ld + j];
      float* o = c + i * rs + j * cs;
      if (beta != 0.0f) v = v + beta * *o;
      *o = v;
    }
}

void store_bf16_scalar(const float* acc, int64_t ld, int64_t rows, int64_t cols, float alpha, float beta, uint16_t* c,
                       int64_t rs, int64_t cs) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      float v = alpha * acc[i * ld + j];
      uint16_t* o = c + i * rs + j * cs;
      if (beta != 0.0f) v = v + beta * widen(*o);
      *o = BFloat16::round_from_float(v);
    }
}

void run(const KernelSet& ks, const GemmArgs& in) {
  if (in.batch <= 0 || in.m <= 0 || in.n <= 0) return;
  const GemmArgs g = in.n == 1 && in.m > 1 ? transposed(in) : in;
  if (g.m == 1 && g.k > 0) {
    if (g.b_rs == 1 && ks.gemv_dot) return gemv_dot(ks, g);
    if (g.b_cs == 1 && ks.gemv_axpy) return gemv_axpy(ks, g);
  }
  if (ks.format == PackFormat::pairs)
    blocked<PackFormat::pairs>(ks, g);
  else
    blocked<PackFormat::widened>(ks, g);
}

}  // namespace hangu::kernels::bf16_detail

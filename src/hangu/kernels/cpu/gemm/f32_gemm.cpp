// The f32 GEMM driver in the BLIS style, with the loops arranged for a row-major C whose rows are
// the vector direction. Per m block, one parallel region runs tasks, each an n range x m range of
// C; a task walks the k blocks in order, packs its B block (kc x its columns, kept in L2) and runs
// the microkernel over every (A panel, B panel) pair with the A panel outer, so it stays in L1.
// A panels are packed once, by the first task that needs them, into a buffer all tasks share.
// Threads take whole tasks; K is never split, so each element is one fixed serial sum: the bits do
// not depend on the thread count or on the task layout. Strides and transposes are absorbed by the
// packing; m == 1 and n == 1 run a memory-bound GEMV instead.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <new>
#include <thread>

#include "hangu/core/error.h"
#include "hangu/core/thread_pool.h"
#include "hangu/kernels/cpu/gemm.h"
#include "hangu/kernels/cpu/gemm/f32_gemm_kernels.h"
#include "hangu/kernels/cpu/isa.h"

namespace hangu::kernels {
namespace {

using gemm_detail::F32GemmKernels;
using gemm_detail::F32Ukernel;
using gemm_detail::TileEpilogue;

inline constexpr double kBigTaskMacs = 1 << 27;           // a thread's share that amortises a wake-up
inline constexpr double kParallelMinMacs = 1 << 18;       // below this a product runs on one thread
inline constexpr int64_t kMaxPackedA = int64_t{1} << 23;  // floats of packed A per m block (32 MiB)

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// A growable 64-byte-aligned scratch area, one per thread and purpose, reused across calls.
class ScratchBuffer {
 public:
  float* get(int64_t floats) {
    if (floats > capacity_) {
      const int64_t grown = std::max(floats, capacity_ + capacity_ / 2);
      data_.reset(static_cast<float*>(::operator new(static_cast<size_t>(grown) * sizeof(float), kAlign)));
      capacity_ = grown;
    }
    return data_.get();
  }

 private:
  static constexpr std::align_val_t kAlign{64};
  struct Free {
    void operator()(float* p) const { ::operator delete(p, kAlign); }
  };
  std::unique_ptr<float, Free> data_;
  int64_t capacity_ = 0;
};

ScratchBuffer& a_scratch() {
  thread_local ScratchBuffer s;
  return s;
}
ScratchBuffer& b_scratch() {
  thread_local ScratchBuffer s;
  return s;
}
ScratchBuffer& c_scratch() {  // C tiles and rows with a non-unit stride
  thread_local ScratchBuffer s;
  return s;
}
ScratchBuffer& edge_scratch() {  // the last, partial A panel when A is read in place
  thread_local ScratchBuffer s;
  return s;
}

// One batch entry: C (m x n) = act(alpha * A (m x k) @ B (k x n) + beta * C + bias).
struct Problem {
  int64_t m = 0, n = 0, k = 0;
  const float* a = nullptr;
  int64_t a_rs = 0, a_cs = 0;
  const float* b = nullptr;
  int64_t b_rs = 0, b_cs = 0;
  float* c = nullptr;
  int64_t c_rs = 0, c_cs = 0;
  float alpha = 1.0f, beta = 0.0f;
  const float* bias_row = nullptr;  // bias[i], one per row of C
  const float* bias_col = nullptr;  // bias[j], one per column of C
  Activation act = Activation::none;
};

// C^T = B^T A^T: a column-major C becomes a row-major one with unit column stride.
Problem transposed(const Problem& p) {
  Problem t = p;
  t.m = p.n, t.n = p.m;
  t.a = p.b, t.a_rs = p.b_cs, t.a_cs = p.b_rs;
  t.b = p.a, t.b_rs = p.a_cs, t.b_cs = p.a_rs;
  t.c_rs = p.c_cs, t.c_cs = p.c_rs;
  t.bias_row = p.bias_col, t.bias_col = p.bias_row;
  return t;
}

// ---- packing (any strides; panels are zero-padded to MR rows / NR columns) ----

void pack_a_panel(const F32GemmKernels& kr, const float* a, int64_t a_rs, int64_t a_cs, int64_t mr, int64_t kc,
                  float* dst) {
  const int64_t MR = kr.mr;
  if (a_cs == 1 && a_rs != 1) return kr.pack_transposed(a, a_rs, mr, kc, MR, dst);
  if (a_rs == 1) return kr.pack_copy(a, a_cs, mr, kc, MR, dst);
  if (mr < MR)
    for (int64_t p = 0; p < kc; ++p)
      for (int64_t i = mr; i < MR; ++i) dst[p * MR + i] = 0.0f;
  for (int64_t i = 0; i < mr; ++i)
    for (int64_t p = 0; p < kc; ++p) dst[p * MR + i] = a[i * a_rs + p * a_cs];
}

void pack_b_panel(const F32GemmKernels& kr, const float* b, int64_t b_rs, int64_t b_cs, int64_t nr, int64_t kc,
                  float* dst) {
  const int64_t NR = kr.nr;
  if (b_rs == 1 && b_cs != 1) return kr.pack_transposed(b, b_cs, nr, kc, NR, dst);
  if (b_cs == 1) return kr.pack_copy(b, b_rs, nr, kc, NR, dst);
  if (nr < NR)
    for (int64_t p = 0; p < kc; ++p)
      for (int64_t j = nr; j < NR; ++j) dst[p * NR + j] = 0.0f;
  for (int64_t j = 0; j < nr; ++j)
    for (int64_t p = 0; p < kc; ++p) dst[p * NR + j] = b[p * b_rs + j * b_cs];
}

// ---- tiles whose C has a non-unit column stride go through a contiguous copy ----

// One tile; A is packed or (direct_a) read in place with row stride a_rs.
void run_tile(const F32GemmKernels& kr, int64_t kc, bool direct_a, const float* a, int64_t a_rs, const float* b,
              float* c, int64_t c_rs, int64_t c_cs, int64_t mr, int64_t nr, const TileEpilogue& e) {
  const F32Ukernel ukr = direct_a ? kr.ukr_direct : kr.ukr_rows[mr];
  if (c_cs == 1) return ukr(kc, a, a_rs, b, c, c_rs, mr, nr, e);
  float* t = c_scratch().get(kr.mr * kr.nr);
  if (e.read_c)
    for (int64_t i = 0; i < mr; ++i)
      for (int64_t j = 0; j < nr; ++j) t[i * kr.nr + j] = c[i * c_rs + j * c_cs];
  ukr(kc, a, a_rs, b, t, kr.nr, mr, nr, e);
  for (int64_t i = 0; i < mr; ++i)
    for (int64_t j = 0; j < nr; ++j) c[i * c_rs + j * c_cs] = t[i * kr.nr + j];
}

// Row segment epilogue into a possibly strided output.
void finish_row(const F32GemmKernels& kr, const float* acc, int64_t n, float* c, int64_t c_stride,
                const TileEpilogue& e) {
  if (c_stride == 1) {
    kr.row_epilogue(acc, n, c, e);
    return;
  }
  float* t = c_scratch().get(n);
  if (e.read_c)
    for (int64_t j = 0; j < n; ++j) t[j] = c[j * c_stride];
  kr.row_epilogue(acc, n, t, e);
  for (int64_t j = 0; j < n; ++j) c[j * c_stride] = t[j];
}

TileEpilogue make_epilogue(const Problem& p, bool first_k_block, bool last_k_block) {
  TileEpilogue e;
  e.alpha = p.alpha;
  e.beta = first_k_block ? p.beta : 1.0f;
  e.read_c = !first_k_block || p.beta != 0.0f;
  if (last_k_block) {
    e.bias_row = p.bias_row;
    e.bias_col = p.bias_col;
    e.act = p.act;
  }
  return e;
}

void run_chunks(bool parallel, int64_t count, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (parallel)
    parallel_for(0, count, grain, fn);
  else
    fn(0, count);
}

// ---- k == 0: C = act(beta * C + bias) ----

void gemm_empty_k(const Problem& p, const F32GemmKernels& kr) {
  float* zeros = a_scratch().get(p.n);
  std::fill(zeros, zeros + p.n, 0.0f);
  const TileEpilogue base = make_epilogue(p, true, true);
  for (int64_t i = 0; i < p.m; ++i) {
    TileEpilogue e = base;
    if (p.bias_row) e.bias_row = p.bias_row + i;
    finish_row(kr, zeros, p.n, p.c + i * p.c_rs, p.c_cs, e);
  }
}

// ---- GEMV: y (len outputs) = x (len k) @ M, with M streamed once from memory ----

struct Gemv {
  int64_t len = 0, k = 0;
  const float* x = nullptr;
  int64_t x_stride = 0;
  const float* m = nullptr;  // element (p, j) at m[p * ld + j] (axpy) or m[j * ld + p] (dot)
  int64_t ld = 0;
  bool dot = false;
  float* y = nullptr;
  int64_t y_stride = 0;
  const float* bias_vec = nullptr;     // one per output
  const float* bias_scalar = nullptr;  // one for all outputs
};

void run_gemv(const Gemv& g, const Problem& p, const F32GemmKernels& kr, bool parallel) {
  const float* x = g.x;
  if (g.dot && g.x_stride != 1) {  // the dot kernel reads x as a vector
    float* xc = a_scratch().get(g.k);
    for (int64_t q = 0; q < g.k; ++q) xc[q] = g.x[q * g.x_stride];
    x = xc;
  }
  // Chunks: dot, about 4 MiB of M (whole rows of M); axpy, one column range per thread, so that
  // the row segments are as long as they can be for the prefetchers and the threads get equal
  // shares (fixed 2048-column chunks left 768 columns on one thread and split 2304 as 2048 + 256).
  const int64_t threads = std::max(1, get_num_threads());
  const int64_t grain = g.dot ? ceil_div(ceil_div(int64_t{1} << 20, std::max<int64_t>(g.k, 1)), 16) * 16
                              : std::max<int64_t>(256, ceil_div(ceil_div(g.len, threads), 16) * 16);
  TileEpilogue base = make_epilogue(p, true, true);
  base.bias_row = g.bias_scalar;
  // Each output is one sum in k order whatever the chunk, so the split cannot change the bits; on
  // one thread the whole range runs at once (long row segments keep the prefetchers streaming).
  parallel = parallel && get_num_threads() > 1;
  run_chunks(parallel, g.len, grain, [&](int64_t j0, int64_t j1) {
    float* acc = b_scratch().get(j1 - j0);
    if (g.dot)
      kr.gemv_dot(g.k, j1 - j0, x, g.m + j0 * g.ld, g.ld, acc);
    else
      kr.gemv_axpy(g.k, j1 - j0, x, g.x_stride, g.m + j0, g.ld, acc);
    TileEpilogue e = base;
    e.bias_col = g.bias_vec ? g.bias_vec + j0 : nullptr;
    finish_row(kr, acc, j1 - j0, g.y + j0 * g.y_stride, g.y_stride, e);
  });
}

// Returns false when the strides suit neither GEMV form.
bool try_gemv(const Problem& p, const F32GemmKernels& kr, bool parallel) {
  Gemv g;
  g.k = p.k;
  if (p.m == 1) {  // y[j] = sum_p a[p] * B[p, j]
    g.len = p.n, g.x = p.a, g.x_stride = p.a_cs, g.y = p.c, g.y_stride = p.c_cs;
    g.bias_vec = p.bias_col, g.bias_scalar = p.bias_row;
    if (p.b_cs == 1)
      g.m = p.b, g.ld = p.b_rs, g.dot = false;
    else if (p.b_rs == 1)
      g.m = p.b, g.ld = p.b_cs, g.dot = true;
    else
      return false;
  } else if (p.n == 1) {  // y[i] = sum_p A[i, p] * b[p]
    g.len = p.m, g.x = p.b, g.x_stride = p.b_rs, g.y = p.c, g.y_stride = p.c_rs;
    g.bias_vec = p.bias_row, g.bias_scalar = p.bias_col;
    if (p.a_rs == 1)
      g.m = p.a, g.ld = p.a_cs, g.dot = false;
    else if (p.a_cs == 1)
      g.m = p.a, g.ld = p.a_rs, g.dot = true;
    else
      return false;
  } else {
    return false;
  }
  run_gemv(g, p, kr, parallel);
  return true;
}

// ---- the blocked product ----

// Which packed A panels of an m block are ready: 0 not packed, 1 being packed, 2 packed.
class PanelFlags {
 public:
  std::atomic<uint8_t>* reset(int64_t count) {
    if (count > capacity_) {
      flags_ = std::make_unique<std::atomic<uint8_t>[]>(static_cast<size_t>(count));
      capacity_ = count;
    }
    for (int64_t i = 0; i < count; ++i) flags_[static_cast<size_t>(i)].store(0, std::memory_order_relaxed);
    return flags_.get();
  }

 private:
  std::unique_ptr<std::atomic<uint8_t>[]> flags_;
  int64_t capacity_ = 0;
};

PanelFlags& panel_flags() {
  thread_local PanelFlags f;
  return f;
}

// The first task that needs a panel packs it; a task that finds it being packed waits (the
// packer is running, so the wait is short and cannot deadlock).
template <typename Pack>
void ensure_packed(std::atomic<uint8_t>& flag, Pack pack) {
  if (flag.load(std::memory_order_acquire) == 2) return;
  uint8_t expected = 0;
  if (flag.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    pack();
    flag.store(2, std::memory_order_release);
    return;
  }
  while (flag.load(std::memory_order_acquire) != 2) std::this_thread::yield();
}

// One m block of the blocked product: the tasks over it and the packed A panels they share.
// Task t covers B panels [jp0, jp1) (t % n_tasks) and A panels [ip0, ip1) (t / n_tasks).
struct MBlock {
  const Problem& p;
  const F32GemmKernels& kr;
  int64_t m0 = 0, m_panels = 0, n_panels = 0;
  int64_t k_blocks = 0, kc_max = 0;
  int64_t n_tasks = 0, task_n_panels = 0, task_m_panels = 0;
  bool direct_a = false;
  float* apack = nullptr;  // panel (kb, ip) at (kb * m_panels + ip) * MR * kc_max
  std::atomic<uint8_t>* flags = nullptr;

  // A panel ip of k block kb (kc deep): packed on first use, or (whole panels of an A read in
  // place) the source itself, then *direct is set.
  const float* a_panel(int64_t kb, int64_t ip, int64_t kc, bool* direct) const {
    const int64_t MR = kr.mr, row = m0 + ip * MR, mr = std::min(MR, p.m - row);
    const float* src = p.a + row * p.a_rs + kb * kc_max * p.a_cs;
    *direct = direct_a && mr == MR;  // the in-place kernel reads MR rows
    if (*direct) return src;
    if (direct_a) {  // the partial last panel: packed, zero-padded (same arithmetic)
      float* edge = edge_scratch().get(MR * kc);
      pack_a_panel(kr, src, p.a_rs, 1, mr, kc, edge);
      return edge;
    }
    float* dst = apack + (kb * m_panels + ip) * MR * kc_max;
    ensure_packed(flags[kb * m_panels + ip], [&] { pack_a_panel(kr, src, p.a_rs, p.a_cs, mr, kc, dst); });
    return dst;
  }

  // Packs B panels [jp0, jp1) of k block kb into bpack.
  void pack_b(int64_t kb, int64_t kc, int64_t jp0, int64_t jp1, float* bpack) const {
    const int64_t NR = kr.nr, pc = kb * kc_max;
    if (p.b_cs == 1)  // whole rows of the block at once
      return kr.pack_copy(p.b + pc * p.b_rs + jp0 * NR, p.b_rs, std::min(p.n, jp1 * NR) - jp0 * NR, kc, NR, bpack);
    for (int64_t jp = jp0; jp < jp1; ++jp) {
      const int64_t col = jp * NR;
      pack_b_panel(kr, p.b + pc * p.b_rs + col * p.b_cs, p.b_rs, p.b_cs, std::min(NR, p.n - col), kc,
                   bpack + (jp - jp0) * NR * kc);
    }
  }

  void tile(int64_t kc, int64_t ip, int64_t jp, const float* ap, bool direct, const float* bp,
            const TileEpilogue& base) const {
    const int64_t row = m0 + ip * kr.mr, col = jp * kr.nr;
    TileEpilogue e = base;
    if (e.bias_row) e.bias_row += row;
    if (e.bias_col) e.bias_col += col;
    run_tile(kr, kc, direct, ap, p.a_rs, bp, p.c + row * p.c_rs + col * p.c_cs, p.c_rs, p.c_cs,
             std::min(kr.mr, p.m - row), std::min(kr.nr, p.n - col), e);
  }

  // The k blocks run in order, so each C tile accumulates them in the same order on any thread.
  void run_task(int64_t t) const {
    const int64_t NR = kr.nr, MR = kr.mr;
    const int64_t jp0 = (t % n_tasks) * task_n_panels, jp1 = std::min(n_panels, jp0 + task_n_panels);
    const int64_t ip0 = (t / n_tasks) * task_m_panels, ip1 = std::min(m_panels, ip0 + task_m_panels);
    float* bpack = b_scratch().get((jp1 - jp0) * NR * kc_max);
    // Tasks of the same rows start at different A panels, so threads running them at once pack
    // different panels instead of waiting for each other (the order of the tiles does not change
    // any tile's arithmetic).
    const int64_t span = ip1 - ip0, shift = (t % n_tasks) * span / n_tasks;
    for (int64_t kb = 0; kb < k_blocks; ++kb) {
      const int64_t kc = std::min(kc_max, p.k - kb * kc_max);
      if (kc <= 0) break;
      const TileEpilogue base = make_epilogue(p, kb == 0, kb * kc_max + kc >= p.k);
      pack_b(kb, kc, jp0, jp1, bpack);
      for (int64_t step = 0; step < span; ++step) {
        const int64_t ip = ip0 + (step + shift) % span;
        bool direct = false;
        const float* ap = a_panel(kb, ip, kc, &direct);
        // The next packed A panel (if packed: it usually sits in L3) is brought toward L2 piece
        // by piece inside this panel's tiles, so its first tile does not stall on it.
        const int64_t next_ip = ip0 + (step + 1 + shift) % span;
        const bool prefetch_next =
            !direct_a && step + 1 < span && flags[kb * m_panels + next_ip].load(std::memory_order_relaxed) == 2;
        const char* next = reinterpret_cast<const char*>(apack + (kb * m_panels + next_ip) * MR * kc_max);
        const int64_t next_lines = ceil_div(MR * kc * int64_t{sizeof(float)}, 64);
        const int64_t lines_per_tile = ceil_div(next_lines, jp1 - jp0);
        TileEpilogue with_prefetch = base;
        for (int64_t jp = jp0; jp < jp1; ++jp) {
          if (prefetch_next) {
            const int64_t l = (jp - jp0) * lines_per_tile;
            with_prefetch.prefetch_next = next + l * 64;
            with_prefetch.prefetch_lines = std::max<int64_t>(0, std::min(next_lines, l + lines_per_tile) - l);
          }
          tile(kc, ip, jp, ap, direct, bpack + (jp - jp0) * NR * kc, with_prefetch);
        }
      }
    }
  }
};

void gemm_blocked(const Problem& p, const F32GemmKernels& kr, bool parallel) {
  const int64_t MR = kr.mr, NR = kr.nr;
  MBlock blk{p, kr};
  // k blocks of equal size (at most kc), fixed by k alone.
  blk.k_blocks = ceil_div(p.k, kr.kc);
  blk.kc_max = ceil_div(ceil_div(p.k, blk.k_blocks), 8) * 8;
  // When B has few panels each A element is used by few tiles: read A in place, unpacked.
  blk.n_panels = ceil_div(p.n, NR);
  blk.direct_a = p.a_cs == 1 && blk.n_panels <= 2;
  // m blocks: the rows whose A panels are packed together (all k blocks; at most kMaxPackedA
  // floats, so B is packed again only for very large products), of balanced sizes.
  const int64_t rows_cap = std::max<int64_t>(MR, kMaxPackedA / (blk.k_blocks * blk.kc_max) / MR * MR);
  const int64_t mb_max = blk.direct_a ? p.m : ceil_div(ceil_div(p.m, ceil_div(p.m, rows_cap)), MR) * MR;
  // Tasks: n ranges of whole B panels (at most nb columns), as few and as large as the threads
  // allow (each task streams all of packed A once per k block), and m ranges when n alone gives
  // too few (their B blocks are then small, so packing them twice costs little). Small products
  // get a few tasks per thread, to absorb the time a sleeping worker takes to wake up. The split
  // may follow the thread count because it cannot change any bits: every C element is computed
  // by one task, with k blocks and kernel fixed by the shape.
  const int64_t threads = parallel ? std::max(1, get_num_threads()) : 1;
  const double macs_per_thread =
      static_cast<double>(p.m) * static_cast<double>(p.n) * static_cast<double>(p.k) / static_cast<double>(threads);
  const int64_t target = threads == 1 ? 1 : threads * (macs_per_thread >= kBigTaskMacs ? 1 : 4);
  const int64_t n_panels = blk.n_panels;
  blk.task_n_panels =
      blk.direct_a ? n_panels
                   : ceil_div(n_panels, std::min(n_panels, ceil_div(ceil_div(n_panels, kr.nb / NR), target) * target));
  blk.n_tasks = ceil_div(n_panels, blk.task_n_panels);

  for (int64_t m0 = 0; m0 < p.m; m0 += mb_max) {
    blk.m0 = m0;
    blk.m_panels = ceil_div(std::min(mb_max, p.m - m0), MR);
    const int64_t m_tasks = blk.n_tasks >= target ? 1 : std::min(blk.m_panels, ceil_div(target, blk.n_tasks));
    blk.task_m_panels = ceil_div(blk.m_panels, m_tasks);
    const int64_t tasks = blk.n_tasks * ceil_div(blk.m_panels, blk.task_m_panels);
    if (!blk.direct_a) {
      blk.apack = a_scratch().get(blk.k_blocks * blk.m_panels * MR * blk.kc_max);
      blk.flags = panel_flags().reset(blk.k_blocks * blk.m_panels);
    }
    run_chunks(parallel, tasks, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) blk.run_task(t);
    });
  }
}

void run_problem(Problem p, const F32GemmKernels& kr, bool parallel) {
  // Sizes of 1 make their strides meaningless: normalise them so the fast layouts are found.
  if (p.n == 1) p.c_cs = 1, p.b_cs = 1;
  if (p.m == 1) p.a_rs = 1;
  if (p.k == 1) p.a_cs = 1;
  if (p.c_cs != 1 && p.c_rs == 1) p = transposed(p);
  if (p.k == 0) return gemm_empty_k(p, kr);
  if (try_gemv(p, kr, parallel)) return;
  gemm_blocked(p, kr, parallel);
}

// ---- the reference level: f32_gemm__reference, then a plain epilogue ----

float activate_scalar(float v, Activation act) {
  const double x = v;
  switch (act) {
    case Activation::none:
      return v;
    case Activation::relu:
      return v < 0.0f ? 0.0f : v;
    case Activation::gelu_tanh:
      return static_cast<float>(0.5 * x * (1.0 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))));
    case Activation::silu:
      return static_cast<float>(x / (1.0 + std::exp(-x)));
  }
  return v;
}

void reference_epilogue(const GemmDesc& d, float* c, const GemmEpilogue& ep) {
  for (int64_t bi = 0; bi < d.batch; ++bi)
    for (int64_t i = 0; i < d.m; ++i)
      for (int64_t j = 0; j < d.n; ++j) {
        float& v = c[bi * d.c_bs + i * d.c_rs + j * d.c_cs];
        if (ep.bias_kind == GemmEpilogue::Bias::row) v += ep.bias[i];
        if (ep.bias_kind == GemmEpilogue::Bias::col) v += ep.bias[j];
        v = activate_scalar(v, ep.act);
      }
}

}  // namespace

void f32_gemm(const GemmDesc& d, float alpha, const float* a, const float* b, float beta, float* c,
              const GemmEpilogue* ep) {
  if (d.batch < 0 || d.m < 0 || d.n < 0 || d.k < 0) throw ValueError(MsgId::gemm_bad_sizes, d.batch, d.m, d.n, d.k);
  if (ep && ep->bias_kind != GemmEpilogue::Bias::none && ep->bias == nullptr)
    throw ValueError(MsgId::gemm_bias_missing, ep->bias_kind == GemmEpilogue::Bias::row ? "row" : "col");
  if (d.batch == 0 || d.m == 0 || d.n == 0) return;
  const Isa isa = active_isa();
  if (isa == Isa::reference) {
    f32_gemm__reference(d, alpha, a, b, beta, c);
    if (ep) reference_epilogue(d, c, *ep);
    return;
  }
  const F32GemmKernels& kr =
      isa == Isa::avx512 ? gemm_detail::f32_gemm_kernels__avx512() : gemm_detail::f32_gemm_kernels__avx2();

  Problem p;
  p.m = d.m, p.n = d.n, p.k = d.k;
  p.a_rs = d.a_rs, p.a_cs = d.a_cs, p.b_rs = d.b_rs, p.b_cs = d.b_cs, p.c_rs = d.c_rs, p.c_cs = d.c_cs;
  p.alpha = alpha, p.beta = beta;
  if (ep) {
    if (ep->bias_kind == GemmEpilogue::Bias::row) p.bias_row = ep->bias;
    if (ep->bias_kind == GemmEpilogue::Bias::col) p.bias_col = ep->bias;
    p.act = ep->act;
  }
  auto entry = [&](int64_t bi) {
    Problem q = p;
    q.a = a + bi * d.a_bs, q.b = b + bi * d.b_bs, q.c = c + bi * d.c_bs;
    return q;
  };
  // Small entries of a batch run whole on one thread each; big ones split inside.
  const double macs =
      static_cast<double>(d.m) * static_cast<double>(d.n) * static_cast<double>(std::max<int64_t>(d.k, 1));
  if (d.batch > 1 && macs < kParallelMinMacs) {
    const auto grain = std::max<int64_t>(1, static_cast<int64_t>(kParallelMinMacs / macs));
    parallel_for(0, d.batch, grain, [&](int64_t b0, int64_t b1) {
      for (int64_t bi = b0; bi < b1; ++bi) run_problem(entry(bi), kr, false);
    });
    return;
  }
  for (int64_t bi = 0; bi < d.batch; ++bi) run_problem(entry(bi), kr, macs >= kParallelMinMacs);
}

}  // namespace hangu::kernels

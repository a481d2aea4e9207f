#pragma once
// The weight gradient of the direct convolution (direct_impl.h), without im2col:
//   gw[o][c][tap] = sum over images and output positions p of gy[o][p] * band[c][off[tap] + p]
// on the same zero-padded, phase-split input bands as the forward, with gy copied into the band's
// position grid (pitch wq, zeros in the halo columns, which so add nothing). The sum over positions
// is vectorised along p: for MO output channels x TK taps, MO * TK register accumulators each hold
// W partial sums (lane l sums the positions p = l mod W), loaded from and stored back to a
// per-task buffer around each band, and reduced across lanes in a fixed order at the end.
//
// Small images are stacked as in the forward (Geometry::stack): a band holds several whole images,
// and gy is laid out on the same grid (zero rows and columns in the halo). Tasks are (group,
// block of input channels); each walks every band in order and owns its gw entries, and every
// entry's sum runs in the same order whatever the blocks: the bits do not depend on the thread
// count.
//
// The halo positions multiply a zero gy by real input values: an infinite input there turns a
// sum the reference leaves infinite into NaN (the gradient is not finite either way).
#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "hangu/core/thread_pool.h"
#include "hangu/kernels/cpu/conv/direct_impl.h"
#include "hangu/kernels/cpu/conv/scratch.h"

namespace hangu::kernels::direct {

// acc[m][t] (W lanes each, at accb + (m * cs_acc + t) * W) += sum over positions p < npos of
// g[m * gs + p] * xb[off[t] + p], for m < MO, t < TK.
template <class V, int64_t MO, int64_t TK>
inline void wgrad_kernel(int64_t npos, const float* g, int64_t gs, const float* xb, const int64_t* off, float* accb,
                         int64_t cs_acc) {
  using reg = typename V::reg;
  reg acc[MO][TK];
  for (int64_t m = 0; m < MO; ++m)
    for (int64_t t = 0; t < TK; ++t) acc[m][t] = V::load(accb + (m * cs_acc + t) * V::W);
  int64_t p = 0;
  for (; p + V::W <= npos; p += V::W) {
    reg gv[MO];
    for (int64_t m = 0; m < MO; ++m) gv[m] = V::load(g + m * gs + p);
    for (int64_t t = 0; t < TK; ++t) {
      reg xv = V::load(xb + off[t] + p);
      // One load per tap: without this the compiler folds the load into each of the MO FMAs,
      // which then become load-bound (the loads are unaligned and often split cache lines).
      asm("" : "+x"(xv));
      for (int64_t m = 0; m < MO; ++m) acc[m][t] = V::fma(gv[m], xv, acc[m][t]);
    }
  }
  if (p < npos) {  // both operands masked: nothing past the band's positions enters a sum
    const typename V::mask mk = V::tail(npos - p);
    reg gv[MO];
    for (int64_t m = 0; m < MO; ++m) gv[m] = V::loadz(g + m * gs + p, mk);
    for (int64_t t = 0; t < TK; ++t) {
      const reg xv = V::loadz(xb + off[t] + p, mk);
      for (int64_t m = 0; m < MO; ++m) acc[m][t] = V::fma(gv[m], xv, acc[m][t]);
    }
  }
  for (int64_t m = 0; m < MO; ++m)
    for (int64_t t = 0; t < TK; ++t) V::store(accb + (m * cs_acc + t) * V::W, acc[m][t]);
}

template <class V, int64_t MO>
using WgradFn = void (*)(int64_t, const float*, int64_t, const float*, const int64_t*, float*, int64_t);

template <class V, int64_t MO, int64_t... TK>
constexpr auto wgrad_table(std::integer_sequence<int64_t, TK...>) {
  return std::array<WgradFn<V, MO>, sizeof...(TK)>{wgrad_kernel<V, MO, TK + 1>...};
}

// One output-channel block of MO channels against tk <= TK taps of one input channel.
template <class V, int64_t MO, int64_t TK>
inline void wgrad_block(int64_t tk, int64_t npos, const float* g, int64_t gs, const float* xb, const int64_t* off,
                        float* accb, int64_t cs_acc) {
  static constexpr auto table = wgrad_table<V, MO>(std::make_integer_sequence<int64_t, TK>{});
  table[static_cast<size_t>(tk - 1)](npos, g, gs, xb, off, accb, cs_acc);
}

// MO x TK accumulators (plus MO gy vectors and one input vector) must fit the vector registers.
template <class V, int64_t MO, int64_t TK>
void run_weight_grad(const DirectConv& conv, const float* gy, const float* x, float* gw) {
  constexpr int64_t W = V::W;
  const Geometry g(conv, 1, W);
  const DirectConv& d = g.d;
  int64_t* off = scratch<int64_t>(ScratchSlot::gather, g.kk);
  for (int64_t t = 0; t < g.kk; ++t) off[t] = g.tap_offset(t);
  // Units of work in order: one band of one image, or (stacked) `stack` whole images. gy goes on
  // the bands' position grid once for every task: per unit and output channel, `gplane` positions
  // of pitch wq with zeros in the halo columns and (stacked) rows, which so add nothing.
  const bool stacked = g.stack > 1;
  const int64_t units = stacked ? ceil_div(d.n, g.stack) : d.n;
  const int64_t gplane = stacked ? g.stack * g.plane_rows * g.wq : d.oh * g.wq;
  float* gyp = scratch<float>(ScratchSlot::cols, units * d.c_out * gplane);
  parallel_for(0, units * d.c_out, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t q = lo; q < hi; ++q) {
      const int64_t u = q / d.c_out, o = q % d.c_out;
      float* dst = gyp + q * gplane;
      std::fill(dst, dst + gplane, 0.0f);
      const int64_t first = stacked ? u * g.stack : u, count = stacked ? std::min(g.stack, d.n - first) : 1;
      for (int64_t b = 0; b < count; ++b)
        for (int64_t r = 0; r < d.oh; ++r) {
          const float* src = gy + (((first + b) * d.c_out + o) * d.oh + r) * d.ow;
          std::copy(src, src + d.ow, dst + (b * (stacked ? g.plane_rows : 0) + r) * g.wq);
        }
    }
  });
  // Tasks: blocks of input channels, at least one per thread, each keeping its [o][c][tap][lane]
  // sums within about 1 MiB. The blocks do not change any sum (each gw entry is summed over the
  // same positions in the same order whichever block holds it), so they may follow the threads.
  const int64_t cap = std::max<int64_t>(1, (int64_t{1} << 18) / (g.og * g.kk * W));
  const int64_t threads = std::max(1, get_num_threads());
  const int64_t cblocks = std::min(g.cg, ceil_div(std::max(ceil_div(g.cg, cap), threads), threads) * threads);
  const int64_t cblock = ceil_div(g.cg, cblocks);
  parallel_for(0, d.groups * cblocks, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t task = lo; task < hi; ++task) {
      const int64_t gr = task / cblocks, c0 = (task % cblocks) * cblock, nc = std::min(cblock, g.cg - c0);
      if (nc <= 0) continue;
      float* buf = scratch<float>(ScratchSlot::plane, nc * g.channel);
      float* acc = scratch<float>(ScratchSlot::extra, g.og * nc * g.kk * W);  // [o][c][tap][lane]
      std::fill(acc, acc + g.og * nc * g.kk * W, 0.0f);
      const int64_t cs_acc = nc * g.kk;  // vectors from one output channel's sums to the next
      for (int64_t u = 0; u < units; ++u)
        for (int64_t b = 0; b < (stacked ? 1 : g.bands); ++b) {
          const int64_t first = stacked ? u * g.stack : u, images = stacked ? std::min(g.stack, d.n - first) : 1;
          const int64_t oy0 = b * g.rows, nrows = std::min(g.rows, d.oh - oy0);
          for (int64_t k = 0; k < images; ++k)
            build_band(g, x + ((first + k) * d.c_in + gr * g.cg + c0) * d.h * d.w, nc, oy0, buf, k, k == images - 1);
          const int64_t npos = ((images - 1) * g.plane_rows + nrows) * g.wq;
          const float* gb = gyp + (u * d.c_out + gr * g.og) * gplane + oy0 * g.wq;
          for (int64_t o = 0; o < g.og; o += MO) {
            const int64_t mo = std::min<int64_t>(MO, g.og - o);
            for (int64_t c = 0; c < nc; ++c)
              for (int64_t t0 = 0; t0 < g.kk; t0 += TK) {
                const int64_t tk = std::min(TK, g.kk - t0);
                const float* gp = gb + o * gplane;
                const float* xb = buf + c * g.channel;
                float* ap = acc + ((o * nc + c) * g.kk + t0) * W;
                if (mo == MO)
                  wgrad_block<V, MO, TK>(tk, npos, gp, gplane, xb, off + t0, ap, cs_acc);
                else if (mo >= 2)  // MO is at most 3: the remainder is 2 or 1 channels
                  wgrad_block<V, 2, TK>(tk, npos, gp, gplane, xb, off + t0, ap, cs_acc);
                else
                  wgrad_block<V, 1, TK>(tk, npos, gp, gplane, xb, off + t0, ap, cs_acc);
              }
          }
        }
      for (int64_t o = 0; o < g.og; ++o)
        for (int64_t c = 0; c < nc; ++c)
          for (int64_t t = 0; t < g.kk; ++t)
            gw[((gr * g.og + o) * g.cg + c0 + c) * g.kk + t] = V::hsum(V::load(acc + ((o * nc + c) * g.kk + t) * W));
    }
  });
}

}  // namespace hangu::kernels::direct

#pragma once
// A direct f32 convolution for NCHW without im2col: an implicit GEMM whose B operand is read
// straight from a padded copy of the input. Written once over vector traits V and a register
// tile of MR output channels x NV vectors of output positions; instantiated in direct__avx2.cpp
// and direct__avx512.cpp.
//
// Each task takes a band of R output rows of one image and copies the input rows it needs into a
// zero-padded per-thread buffer, split by the stride into sh * sw phase planes of pitch wq (input
// column X = m * sw + cp lands in plane cp at m; rows likewise). Output position (oy, ox) of the
// band is p = oy * wq + ox, and for every tap (ki, kj) the input it needs sits at p + off[tap] in
// one plane, so every tap of every channel is a contiguous vector load:
//   y[o][p] = bias[o] + sum_{c, tap} w[o][c][tap] * band[c][off[tap] + p].
// Columns ox in [ow, wq) are computed and dropped (a few percent for 3x3 on 56x56); the others go
// from the registers straight into y (BandOut), with no intermediate tile. Every output
// is one register accumulator summed over (c, tap) in order, so the bits do not depend on the
// bands, the tiles or the thread count.
#include <algorithm>
#include <cstdint>

#include "hangu/core/thread_pool.h"
#include "hangu/kernels/cpu/conv/direct_isa.h"
#include "hangu/kernels/cpu/conv/scratch.h"

namespace hangu::kernels::direct {

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

inline constexpr int64_t kSubBlocks = 4;  // register tiles of positions per pass over the channels

// Small images (fewer than kDirectBandPositions positions) are stacked: a band holds `stack` whole
// images, each a block of plane_rows padded rows, one below the other. A tap of an output row
// r < oh of a block reads rows r .. r + (kh - 1) * dh / sh of the same block, so the blocks do not
// mix; the rows oh .. plane_rows - 1 of each block are computed and dropped like the halo columns.
struct Geometry {
  DirectConv d;
  int64_t cg = 0, og = 0, kk = 0, phases = 1;
  int64_t wq = 0;          // plane pitch: ow plus the columns the taps reach past it
  int64_t rows = 0;        // output rows per band (per image block when stacked)
  int64_t bands = 0;       // per image (1 when stacked)
  int64_t stack = 1;       // images per band
  int64_t plane_rows = 0;  // rows per phase plane of a band (of one image block when stacked)
  int64_t plane = 0;       // elements per (channel, phase) plane, with slack for the last tile's overread
  int64_t channel = 0;     // elements per channel of the band buffer
  int64_t og_pad = 0;      // output channels per group rounded up to MR

  Geometry(const DirectConv& conv, int64_t mr, int64_t tile_positions) : d(conv) {
    cg = d.c_in / d.groups, og = d.c_out / d.groups, kk = d.kh * d.kw, phases = d.sh * d.sw;
    wq = d.ow + ((d.kw - 1) * d.dw) / d.sw;
    const int64_t min_bands = ceil_div(kDirectMinBands, std::max<int64_t>(d.n, 1));
    rows = std::clamp<int64_t>(std::min(ceil_div(kDirectBandPositions, wq), ceil_div(d.oh, min_bands)), 1, d.oh);
    bands = ceil_div(d.oh, rows);
    plane_rows = rows + ((d.kh - 1) * d.dh) / d.sh;
    if (bands == 1 && d.n > 1) stack = direct_stack(d.n, plane_rows * wq);  // whole images
    plane = stack * plane_rows * wq + tile_positions + wq;
    channel = phases * plane;
    og_pad = ceil_div(og, mr) * mr;
  }
  // Offset of tap t's input for position 0, within a channel of the band buffer.
  int64_t tap_offset(int64_t t) const {
    const int64_t ki = t / d.kw, kj = t % d.kw;
    const int64_t ph = ((ki * d.dh) % d.sh) * d.sw + (kj * d.dw) % d.sw;
    return ph * plane + ((ki * d.dh) / d.sh) * wq + (kj * d.dw) / d.sw;
  }
};

// Copies the input rows of band b of image x (c_in planes of h x w) into image block `block` of buf,
// zero-padded and phase-split. Padded row Y = (oy0 + r) * sh + rp holds input row Y - pt. The last
// block (`last`) also zeroes the slack after it.
inline void build_band(const Geometry& g, const float* x, int64_t channels, int64_t oy0, float* buf, int64_t block = 0,
                       bool last = true) {
  const DirectConv& d = g.d;
  for (int64_t c = 0; c < channels; ++c) {
    const float* xc = x + c * d.h * d.w;
    for (int64_t rp = 0; rp < d.sh; ++rp)
      for (int64_t cp = 0; cp < d.sw; ++cp) {
        float* const plane0 = buf + c * g.channel + (rp * d.sw + cp) * g.plane;
        float* dst = plane0 + block * g.plane_rows * g.wq;
        // Plane column m holds input column m * sw + cp - pl: valid for m in [lo, hi).
        const int64_t first = d.pl - cp;
        int64_t lo = first > 0 ? ceil_div(first, d.sw) : 0;
        int64_t hi = d.w - 1 + first >= 0 ? (d.w - 1 + first) / d.sw + 1 : 0;
        lo = std::min(lo, g.wq), hi = std::clamp(hi, lo, g.wq);
        for (int64_t r = 0; r < g.plane_rows; ++r) {
          float* row = dst + r * g.wq;
          const int64_t iy = (oy0 + r) * d.sh + rp - d.pt;
          if (iy < 0 || iy >= d.h) {
            std::fill(row, row + g.wq, 0.0f);
            continue;
          }
          const float* src = xc + iy * d.w + lo * d.sw + cp - d.pl;
          std::fill(row, row + lo, 0.0f);
          if (d.sw == 1)
            std::copy(src, src + (hi - lo), row + lo);
          else
            for (int64_t m = 0; m < hi - lo; ++m) row[lo + m] = src[m * d.sw];
          std::fill(row + hi, row + g.wq, 0.0f);
        }
        if (last) std::fill(dst + g.plane_rows * g.wq, plane0 + g.plane, 0.0f);  // slack read by the last tile
      }
  }
}

// Where a register tile's results go: straight into the output rows of the band. Position p of the
// band is row p / wq, column p % wq, and band row R is row R % block_rows of image block
// R / block_rows; columns ow..wq-1 and rows `rows`..block_rows-1 of a block are the halo's and are
// dropped. A vector of W positions spans one row or more (wq may be below W), so it is stored in
// masked pieces, each written at the address its first lane would have (masked lanes are never
// touched). The pieces depend only on the positions, so they are found once per vector for all MR
// channels.
struct BandOut {
  float* y = nullptr;  // row 0 of channel 0 of block 0: block b, channel o, row r at
                       // y + b * image + o * plane + r * ow
  int64_t plane = 0, image = 0, ow = 0, wq = 0, rows = 0, block_rows = 0, blocks = 1, channels = 0;

  template <class V, int64_t MR, int64_t NV>
  void store(const typename V::reg (&acc)[MR][NV], int64_t o0, int64_t p) const {
    const int64_t live = std::min<int64_t>(MR, channels - o0);
    float* yo = y + o0 * plane;
    const int64_t row = p / wq;
    int64_t b0 = row / block_rows, r0 = row % block_rows, c0 = p % wq;  // the vector's first lane
    for (int64_t v = 0; v < NV; ++v) {
      int64_t b = b0, r = r0, c = c0;
      for (int64_t l = 0; l < V::W;) {  // pieces: lanes [l, l + len) at block b, row r, column c
        if (b >= blocks || (b == blocks - 1 && r >= rows)) return;
        if (c >= ow || r >= rows) {  // halo columns (or a halo row): on to the next row
          l += wq - c, c = 0;
          if (++r == block_rows) r = 0, ++b;
          continue;
        }
        const int64_t len = std::min(V::W - l, ow - c);
        float* dst = yo + b * image + r * ow + c - l;
        if (len == V::W) {
          for (int64_t m = 0; m < live; ++m) V::store(dst + m * plane, acc[m][v]);
        } else {
          const typename V::mask mk = V::range(l, l + len);
          for (int64_t m = 0; m < live; ++m) V::store_mask(dst + m * plane, acc[m][v], mk);
        }
        l += len, c += len;
      }
      for (c0 += V::W; c0 >= wq; c0 -= wq)
        if (++r0 == block_rows) r0 = 0, ++b0;
    }
  }
};

// out(m, p + v * W ...) = bias[m] + sum_{c < cg, t < kk} a[(c * kk + t) * MR + m] * xb[c * cs + off[t] + v * W ...]
// for output channel o0 + m, stored by `out`.
template <class V, int64_t MR, int64_t NV, int64_t KK>
inline void ukernel(int64_t cg, int64_t kk_rt, const float* a, const float* xb, int64_t cs, const int64_t* off,
                    const float* bias, const BandOut& out, int64_t o0, int64_t p) {
  using reg = typename V::reg;
  const int64_t kk = KK > 0 ? KK : kk_rt;
  reg acc[MR][NV];
  for (int64_t m = 0; m < MR; ++m) {
    const reg b = V::set1(bias[m]);
    for (int64_t v = 0; v < NV; ++v) acc[m][v] = b;
  }
  for (int64_t c = 0; c < cg; ++c) {
    const float* xc = xb + c * cs;
    for (int64_t t = 0; t < kk; ++t) {
      const float* p = xc + off[t];
      reg bv[NV];
      for (int64_t v = 0; v < NV; ++v) bv[v] = V::load(p + v * V::W);
      for (int64_t m = 0; m < MR; ++m) {
        const reg am = V::set1(a[m]);
        for (int64_t v = 0; v < NV; ++v) acc[m][v] = V::fma(am, bv[v], acc[m][v]);
      }
      a += MR;
    }
  }
  out.store<V, MR, NV>(acc, o0, p);
}

// Packs the weights as [group][channel block][c][tap][MR] (zero rows past og) and the bias as
// [group][channel block][MR]. transposed: the weights of the input gradient of conv (w is then
// [c_in, c_out / groups, kh, kw] of this conv's terms, read flipped).
template <int64_t MR>
void pack(const Geometry& g, const float* w, bool transposed, const float* bias, float* a, float* b) {
  const int64_t blocks = g.og_pad / MR;
  for (int64_t gr = 0; gr < g.d.groups; ++gr)
    for (int64_t ob = 0; ob < blocks; ++ob) {
      float* ap = a + (gr * blocks + ob) * g.cg * g.kk * MR;
      float* bp = b + (gr * blocks + ob) * MR;
      for (int64_t m = 0; m < MR; ++m) {
        const int64_t o = ob * MR + m;
        bp[m] = o < g.og && bias ? bias[gr * g.og + o] : 0.0f;
        for (int64_t c = 0; c < g.cg; ++c)
          for (int64_t t = 0; t < g.kk; ++t) {
            float v = 0.0f;
            if (o < g.og)
              v = transposed ? w[((gr * g.cg + c) * g.og + o) * g.kk + (g.kk - 1 - t)]
                             : w[((gr * g.og + o) * g.cg + c) * g.kk + t];
            ap[(c * g.kk + t) * MR + m] = v;
          }
      }
    }
}

template <class V, int64_t MR, int64_t NV>
void run(const DirectConv& conv, const float* x, const float* w, bool transposed, const float* bias, float* y) {
  constexpr int64_t TP = NV * V::W;  // positions per register tile
  const Geometry g(conv, MR, TP);
  const DirectConv& d = g.d;
  const int64_t blocks = g.og_pad / MR;
  // Packed once per call on the calling thread; the workers only read them.
  float* a = scratch<float>(ScratchSlot::extra, d.groups * g.og_pad * (g.cg * g.kk + 1));
  float* bp = a + d.groups * g.og_pad * g.cg * g.kk;
  int64_t* off = scratch<int64_t>(ScratchSlot::gather, g.kk);
  pack<MR>(g, w, transposed, bias, a, bp);
  for (int64_t t = 0; t < g.kk; ++t) off[t] = g.tap_offset(t);
  const bool k3x3 = d.kh == 3 && d.kw == 3;
  // Tasks: one band of one image, or (stacked) one band of `stack` whole images.
  const int64_t tasks = g.stack > 1 ? ceil_div(d.n, g.stack) : d.n * g.bands;
  parallel_for(0, tasks, 1, [&](int64_t lo, int64_t hi) {
    float* buf = scratch<float>(ScratchSlot::plane, d.c_in * g.channel);
    for (int64_t task = lo; task < hi; ++task) {
      const int64_t i = g.stack > 1 ? task * g.stack : task / g.bands;
      const int64_t images = g.stack > 1 ? std::min(g.stack, d.n - i) : 1;
      const int64_t oy0 = g.stack > 1 ? 0 : (task % g.bands) * g.rows, nrows = std::min(g.rows, d.oh - oy0);
      for (int64_t b = 0; b < images; ++b)
        build_band(g, x + (i + b) * d.c_in * d.h * d.w, d.c_in, oy0, buf, b, b == images - 1);
      const int64_t npos = ((images - 1) * g.plane_rows + nrows) * g.wq;
      for (int64_t gr = 0; gr < d.groups; ++gr) {
        const float* xg = buf + gr * g.cg * g.channel;
        BandOut out;
        out.y = y + ((i * d.c_out + gr * g.og) * d.oh + oy0) * d.ow;
        out.plane = d.oh * d.ow, out.image = d.c_out * d.oh * d.ow, out.ow = d.ow, out.wq = g.wq, out.rows = nrows;
        out.block_rows = g.plane_rows, out.blocks = images, out.channels = g.og;
        for (int64_t p0 = 0; p0 < npos; p0 += kSubBlocks * TP)
          for (int64_t ob = 0; ob < blocks; ++ob) {
            const float* ap = a + (gr * blocks + ob) * g.cg * g.kk * MR;
            const float* bb = bp + (gr * blocks + ob) * MR;
            for (int64_t p = p0; p < std::min(npos, p0 + kSubBlocks * TP); p += TP) {
              if (k3x3)
                ukernel<V, MR, NV, 9>(g.cg, 9, ap, xg + p, g.channel, off, bb, out, ob * MR, p);
              else
                ukernel<V, MR, NV, 0>(g.cg, g.kk, ap, xg + p, g.channel, off, bb, out, ob * MR, p);
            }
          }
      }
    }
  });
}

}  // namespace hangu::kernels::direct

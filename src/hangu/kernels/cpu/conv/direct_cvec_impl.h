#pragma once
// A direct f32 convolution for small images, vectorised over the OUTPUT CHANNELS: a register tile
// holds P positions of one output row x OV vectors of W channels, and for every (input channel,
// tap) it loads OV weight vectors and broadcasts P input values. Instantiated in direct__avx2.cpp
// and direct__avx512.cpp.
//
// Why: the position-vectorised kernel (direct_impl.h) computes the halo columns of every row and,
// for stacked small images, their halo rows: on 8 x 8 images a 3 x 3 convolution computes 100
// positions for 64 outputs, and im2col + GEMM spends a third of its time on im2col there. Here
// only real outputs are computed, whatever the row length (7, 8, 14 ...), and the channels
// (multiples of 16 in the networks that have small images) fill the vectors.
//
// Each task is (image, group, block of OV * W output channels): it copies its image's input into
// zero-padded planes (per-thread scratch), then walks the output rows in tiles of P positions.
// Every output is one register accumulator, the bias plus the products over (channel, tap) in
// that order (the same sequence of operations as direct_impl.h's kernel): neither the tiles, the
// channel chunks nor the thread count change the bits.
#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "hangu/core/thread_pool.h"
#include "hangu/kernels/cpu/conv/direct_isa.h"
#include "hangu/kernels/cpu/conv/scratch.h"

namespace hangu::kernels::cvec {

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

inline constexpr int64_t kChunkBytes = int64_t{32} << 10;  // packed weights per channel chunk (L1: 48 KiB)

// tile[i][v * W + l] = start + sum over c < cg, t < kk of
//   wp[(c * kk + t) * OV * W + v * W + l] * x[c * cs + off[t] + i * sw]   for i < P,
// where start is bias[v * W + l], or (partial) what tile held: the sum over earlier channels.
template <class V, int64_t P, int64_t OV>
void tile_kernel(int64_t cg, int64_t kk, const float* wp, const float* x, int64_t cs, const int64_t* off, int64_t sw,
                 const float* bias, bool partial, float* tile) {
  using reg = typename V::reg;
  constexpr int64_t W = V::W;
  reg acc[P][OV];
  for (int64_t v = 0; v < OV; ++v) {
    const reg b = V::load(bias + v * W);
    for (int64_t i = 0; i < P; ++i) acc[i][v] = partial ? V::load(tile + i * OV * W + v * W) : b;
  }
  for (int64_t c = 0; c < cg; ++c) {
    const float* xc = x + c * cs;
    for (int64_t t = 0; t < kk; ++t, wp += OV * W) {
      const float* xt = xc + off[t];
      reg wv[OV];
      for (int64_t v = 0; v < OV; ++v) wv[v] = V::load(wp + v * W);
      for (int64_t i = 0; i < P; ++i) {
        const reg xb = V::set1(xt[i * sw]);
        for (int64_t v = 0; v < OV; ++v) acc[i][v] = V::fma(xb, wv[v], acc[i][v]);
      }
    }
  }
  for (int64_t i = 0; i < P; ++i)
    for (int64_t v = 0; v < OV; ++v) V::store(tile + i * OV * W + v * W, acc[i][v]);
}

template <class V, int64_t OV>
using TileFn = void (*)(int64_t, int64_t, const float*, const float*, int64_t, const int64_t*, int64_t, const float*,
                        bool, float*);

template <class V, int64_t OV, int64_t... P>
constexpr auto tile_table(std::integer_sequence<int64_t, P...>) {
  return std::array<TileFn<V, OV>, sizeof...(P)>{tile_kernel<V, P + 1, OV>...};
}

// y = conv(x, w) + bias over NCHW (DirectConv's terms: any stride, dilation, padding of either
// sign, groups); `transposed` reads w as the flipped, transposed weight of an input gradient, as
// direct_impl.h's pack does. Register tiles of at most P positions x OV vectors.
template <class V, int64_t P, int64_t OV>
void run(const DirectConv& d, const float* x, const float* w, bool transposed, const float* bias, float* y) {
  constexpr int64_t W = V::W, CB = OV * W;  // output channels per block
  static constexpr auto kernels = tile_table<V, OV>(std::make_integer_sequence<int64_t, P>{});
  const int64_t cg = d.c_in / d.groups, og = d.c_out / d.groups, kk = d.kh * d.kw;
  const int64_t blocks = ceil_div(og, CB);
  // Weights as [group][block][c][tap][CB] and the bias as [group][block][CB], zero past og: packed
  // once per call, one (group, block, channel) per chunk, each reading its weights in order.
  float* wp = scratch<float>(ScratchSlot::extra, d.groups * blocks * CB * (cg * kk + 1));
  float* bp = wp + d.groups * blocks * CB * cg * kk;
  parallel_for(0, d.groups * blocks * cg, 16, [&](int64_t lo, int64_t hi) {
    for (int64_t q = lo; q < hi; ++q) {
      const int64_t c = q % cg, gb = q / cg, gr = gb / blocks, ob = gb % blocks;
      float* a = wp + (gb * cg + c) * kk * CB;
      for (int64_t l = 0; l < CB; ++l) {
        const int64_t o = ob * CB + l;
        if (o >= og) {
          for (int64_t t = 0; t < kk; ++t) a[t * CB + l] = 0.0f;
        } else if (transposed) {
          const float* src = w + ((gr * cg + c) * og + o) * kk;
          for (int64_t t = 0; t < kk; ++t) a[t * CB + l] = src[kk - 1 - t];
        } else {
          const float* src = w + ((gr * og + o) * cg + c) * kk;
          for (int64_t t = 0; t < kk; ++t) a[t * CB + l] = src[t];
        }
      }
    }
  });
  for (int64_t gb = 0; gb < d.groups * blocks; ++gb)
    for (int64_t l = 0; l < CB; ++l) {
      const int64_t o = (gb % blocks) * CB + l;
      bp[gb * CB + l] = o < og && bias ? bias[(gb / blocks) * og + o] : 0.0f;
    }
  // The padded planes: row py, column px hold input (py - pt, px - pl), zero outside.
  const int64_t hp = (d.oh - 1) * d.sh + (d.kh - 1) * d.dh + 1, wpd = (d.ow - 1) * d.sw + (d.kw - 1) * d.dw + 1;
  const int64_t plane = hp * wpd;
  int64_t* off = scratch<int64_t>(ScratchSlot::gather, kk);
  for (int64_t t = 0; t < kk; ++t) off[t] = (t / d.kw) * d.dh * wpd + (t % d.kw) * d.dw;
  // Channels in chunks whose packed weights (kChunkBytes) stay in L1 while every tile of the image
  // runs over them; the tiles keep their partial sums in `sums` between chunks (exactly: the
  // same additions in the same order as one pass over all channels).
  const int64_t chunk = std::max<int64_t>(1, kChunkBytes / (kk * CB * int64_t{sizeof(float)}));
  const int64_t row_tiles = ceil_div(d.ow, P), tiles = d.oh * row_tiles;
  parallel_for(0, d.n * d.groups * blocks, 1, [&](int64_t lo, int64_t hi) {
    float* xp = scratch<float>(ScratchSlot::plane, cg * plane);
    float* sums = scratch<float>(ScratchSlot::cols, tiles * P * CB);
    int64_t built = -1;  // the (image, group) whose planes xp holds
    for (int64_t task = lo; task < hi; ++task) {
      const int64_t ob = task % blocks, ig = task / blocks, i = ig / d.groups, gr = ig % d.groups;
      if (built != ig) {
        for (int64_t c = 0; c < cg; ++c) {
          const float* src = x + ((i * d.c_in) + gr * cg + c) * d.h * d.w;
          float* dst = xp + c * plane;
          for (int64_t py = 0; py < hp; ++py) {
            float* row = dst + py * wpd;
            const int64_t iy = py - d.pt;
            if (iy < 0 || iy >= d.h) {
              std::fill(row, row + wpd, 0.0f);
              continue;
            }
            const int64_t lo_x = std::clamp<int64_t>(d.pl, 0, wpd), hi_x = std::clamp<int64_t>(d.w + d.pl, lo_x, wpd);
            std::fill(row, row + lo_x, 0.0f);
            std::copy(src + iy * d.w + (lo_x - d.pl), src + iy * d.w + (hi_x - d.pl), row + lo_x);
            std::fill(row + hi_x, row + wpd, 0.0f);
          }
        }
        built = ig;
      }
      const float* a = wp + (gr * blocks + ob) * CB * cg * kk;
      const float* b = bp + (gr * blocks + ob) * CB;
      for (int64_t c0 = 0; c0 < cg; c0 += chunk) {
        const int64_t nc = std::min(chunk, cg - c0);
        for (int64_t tile = 0; tile < tiles; ++tile) {
          const int64_t oy = tile / row_tiles, ox0 = (tile % row_tiles) * P, p = std::min(P, d.ow - ox0);
          kernels[static_cast<size_t>(p - 1)](nc, kk, a + c0 * kk * CB, xp + c0 * plane + oy * d.sh * wpd + ox0 * d.sw,
                                              plane, off, d.sw, b, c0 > 0, sums + tile * P * CB);
        }
      }
      // sums is [tile][position][channel]; y is [channel][row][column]
      const int64_t o0 = ob * CB, live = std::min(CB, og - o0);
      float* yo = y + (i * d.c_out + gr * og + o0) * d.oh * d.ow;
      for (int64_t tile = 0; tile < tiles; ++tile) {
        const int64_t oy = tile / row_tiles, ox0 = (tile % row_tiles) * P, p = std::min(P, d.ow - ox0);
        const float* t = sums + tile * P * CB;
        float* yr = yo + oy * d.ow + ox0;
        for (int64_t l = 0; l < live; ++l)
          for (int64_t k = 0; k < p; ++k) yr[l * d.oh * d.ow + k] = t[k * CB + l];
      }
    }
  });
}

}  // namespace hangu::kernels::cvec

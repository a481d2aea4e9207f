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

// dst (hp x wpd) = one input plane (d.h x d.w) with row py, column px holding input
// (py - pt, px - pl), zero outside.
inline void pad_plane(const DirectConv& d, const float* src, int64_t hp, int64_t wpd, float* dst) {
  const int64_t lo_x = std::clamp<int64_t>(d.pl, 0, wpd), hi_x = std::clamp<int64_t>(d.w + d.pl, lo_x, wpd);
  for (int64_t py = 0; py < hp; ++py) {
    float* row = dst + py * wpd;
    const int64_t iy = py - d.pt;
    if (iy < 0 || iy >= d.h) {
      std::fill(row, row + wpd, 0.0f);
      continue;
    }
    std::fill(row, row + lo_x, 0.0f);
    std::copy(src + iy * d.w + (lo_x - d.pl), src + iy * d.w + (hi_x - d.pl), row + lo_x);
    std::fill(row + hi_x, row + wpd, 0.0f);
  }
}

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
// direct_impl.h's pack does. `packed` (may be null): w and bias already in cvec_pack's layout for
// blocks of OV * W channels. Register tiles of at most P positions x OV vectors.
template <class V, int64_t P, int64_t OV>
void run(const DirectConv& d, const float* x, const float* w, bool transposed, const float* bias, float* y,
         const float* packed) {
  constexpr int64_t W = V::W, CB = OV * W;  // output channels per block
  static constexpr auto kernels = tile_table<V, OV>(std::make_integer_sequence<int64_t, P>{});
  const int64_t cg = d.c_in / d.groups, og = d.c_out / d.groups, kk = d.kh * d.kw;
  const int64_t blocks = ceil_div(og, CB);
  // Weights and bias in cvec_pack's layout: given (packed once for many calls), or packed now.
  const float* wp = packed;
  if (wp == nullptr) {
    float* fresh = scratch<float>(ScratchSlot::extra, cvec_packed_size(d, CB));
    cvec_pack(d, w, transposed, bias, CB, fresh);
    wp = fresh;
  }
  const float* bp = wp + d.groups * blocks * CB * cg * kk;
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
          pad_plane(d, src, hp, wpd, dst);
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

namespace hangu::kernels::cvec {

// The weight gradient for the same shapes, vectorised over the output channels too:
//   gw[o][c][t] = sum over images i, output positions (oy, ox) of
//                 gy[i][o][oy][ox] * x[i][c][oy * sh - pt + ki * dh][ox * sw - pl + kj * dw]
// with acc[t][v] holding OV vectors of channels for up to 9 taps of one input channel: per
// position, OV loads of gy (transposed once to [image][position][channel]) and one broadcast of
// x per tap. Each gw entry is one accumulator summed over the images, then the positions, in
// order, from 0: neither the blocks nor the thread count change the bits.
template <class V, int64_t OV, int64_t KK>
void wgrad_channel(int64_t oh, int64_t ow, const float* g /*[pos][g_stride]*/, int64_t g_stride,
                   const float* xc /*padded plane*/, int64_t row_step, int64_t sw, const int64_t* off, bool first,
                   float* part /*[KK][OV * W]*/) {
  using reg = typename V::reg;
  constexpr int64_t W = V::W;
  reg acc[KK][OV];
  for (int64_t t = 0; t < KK; ++t)
    for (int64_t v = 0; v < OV; ++v) acc[t][v] = first ? V::zero() : V::load(part + (t * OV + v) * W);
  int64_t o[KK];  // the taps' offsets, in registers (not reloaded for every position)
  for (int64_t t = 0; t < KK; ++t) o[t] = off[t];
  for (int64_t oy = 0; oy < oh; ++oy) {
    const float* xr = xc + oy * row_step;
    for (int64_t ox = 0; ox < ow; ++ox, g += g_stride) {
      const float* xq = xr + ox * sw;
      reg gv[OV];
      for (int64_t v = 0; v < OV; ++v) gv[v] = V::load(g + v * W);
      for (int64_t t = 0; t < KK; ++t) {
        const reg xb = V::set1(xq[o[t]]);
        for (int64_t v = 0; v < OV; ++v) acc[t][v] = V::fma(xb, gv[v], acc[t][v]);
      }
    }
  }
  for (int64_t t = 0; t < KK; ++t)
    for (int64_t v = 0; v < OV; ++v) V::store(part + (t * OV + v) * W, acc[t][v]);
}

// 3 x 3 undilated: the taps at fixed displacements from three row pointers, no offset table.
template <class V, int64_t OV>
void wgrad_channel_3x3(int64_t oh, int64_t ow, const float* g, int64_t g_stride, const float* xc, int64_t row_step,
                       int64_t sw, int64_t pitch, bool first, float* part) {
  using reg = typename V::reg;
  constexpr int64_t W = V::W;
  reg acc[9][OV];
  for (int64_t t = 0; t < 9; ++t)
    for (int64_t v = 0; v < OV; ++v) acc[t][v] = first ? V::zero() : V::load(part + (t * OV + v) * W);
  for (int64_t oy = 0; oy < oh; ++oy) {
    const float* xr = xc + oy * row_step;
    for (int64_t ox = 0; ox < ow; ++ox, g += g_stride) {
      const float* r[3] = {xr + ox * sw, xr + ox * sw + pitch, xr + ox * sw + 2 * pitch};
      reg gv[OV];
      for (int64_t v = 0; v < OV; ++v) gv[v] = V::load(g + v * W);
      for (int64_t ki = 0; ki < 3; ++ki)
        for (int64_t kj = 0; kj < 3; ++kj) {
          const reg xb = V::set1(r[ki][kj]);
          for (int64_t v = 0; v < OV; ++v) acc[ki * 3 + kj][v] = V::fma(xb, gv[v], acc[ki * 3 + kj][v]);
        }
    }
  }
  for (int64_t t = 0; t < 9; ++t)
    for (int64_t v = 0; v < OV; ++v) V::store(part + (t * OV + v) * W, acc[t][v]);
}

template <class V, int64_t OV>
using WgradFn = void (*)(int64_t, int64_t, const float*, int64_t, const float*, int64_t, int64_t, const int64_t*,
                         bool, float*);

template <class V, int64_t OV, int64_t... K>
constexpr auto wgrad_table(std::integer_sequence<int64_t, K...>) {
  return std::array<WgradFn<V, OV>, sizeof...(K)>{wgrad_channel<V, OV, K + 1>...};
}

inline constexpr int64_t kMaxWgradTaps = 9;
inline constexpr int64_t kWgradChunks = 4;  // input-channel chunks per output block (tasks for the threads)

// Needs d.kh * d.kw <= kMaxWgradTaps.
template <class V, int64_t OV>
void run_weight_grad(const DirectConv& d, const float* gy, const float* x, float* gw) {
  constexpr int64_t W = V::W, CB = OV * W;
  static constexpr auto kernels = wgrad_table<V, OV>(std::make_integer_sequence<int64_t, kMaxWgradTaps>{});
  const int64_t cg = d.c_in / d.groups, og = d.c_out / d.groups, kk = d.kh * d.kw;
  const int64_t blocks = ceil_div(og, CB), og_pad = blocks * CB, positions = d.oh * d.ow;
  const int64_t hp = (d.oh - 1) * d.sh + (d.kh - 1) * d.dh + 1, wpd = (d.ow - 1) * d.sw + (d.kw - 1) * d.dw + 1;
  const int64_t plane = hp * wpd;
  // The whole batch once: x in zero-padded planes, gy as [image][group][position][channel].
  float* xp = scratch<float>(ScratchSlot::plane, d.n * d.c_in * plane);
  float* gt = scratch<float>(ScratchSlot::cols, d.n * d.groups * positions * og_pad);
  parallel_for(0, d.n * d.c_in, 4, [&](int64_t lo, int64_t hi) {
    for (int64_t q = lo; q < hi; ++q) {
      const float* src = x + q * d.h * d.w;
      float* dst = xp + q * plane;
      pad_plane(d, src, hp, wpd, dst);
    }
  });
  parallel_for(0, d.n * d.groups, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t q = lo; q < hi; ++q) {
      const int64_t i = q / d.groups, gr = q % d.groups;
      float* dst = gt + q * positions * og_pad;
      for (int64_t o = 0; o < og_pad; ++o) {
        if (o >= og) {
          for (int64_t p = 0; p < positions; ++p) dst[p * og_pad + o] = 0.0f;
          continue;
        }
        const float* src = gy + (i * d.c_out + gr * og + o) * positions;
        for (int64_t p = 0; p < positions; ++p) dst[p * og_pad + o] = src[p];
      }
    }
  });
  int64_t* off = scratch<int64_t>(ScratchSlot::gather, kk);
  for (int64_t t = 0; t < kk; ++t) off[t] = (t / d.kw) * d.dh * wpd + (t % d.kw) * d.dw;
  const bool k3x3 = d.kh == 3 && d.kw == 3 && d.dh == 1 && d.dw == 1;
  // Tasks: (group, block of output channels, chunk of input channels); each owns its gw entries
  // and walks the images in order, all its channels per image, so the image's gy (positions x CB
  // channels) is read from memory once per task and then from L1.
  const int64_t chunks = std::min<int64_t>(cg, kWgradChunks), chunk = ceil_div(cg, chunks);
  parallel_for(0, d.groups * blocks * chunks, 1, [&](int64_t lo, int64_t hi) {
    float* part = scratch<float>(ScratchSlot::extra, chunk * kk * CB);  // [c][tap][CB]
    for (int64_t task = lo; task < hi; ++task) {
      const int64_t cc = task % chunks, ob = (task / chunks) % blocks, gr = task / (chunks * blocks);
      const int64_t c0 = cc * chunk, nc = std::min(chunk, cg - c0);
      if (nc <= 0) continue;
      for (int64_t i = 0; i < d.n; ++i) {
        const float* g = gt + (i * d.groups + gr) * positions * og_pad + ob * CB;
        for (int64_t c = 0; c < nc; ++c) {
          const float* xc = xp + (i * d.c_in + gr * cg + c0 + c) * plane;
          float* pc = part + c * kk * CB;
          if (k3x3)
            wgrad_channel_3x3<V, OV>(d.oh, d.ow, g, og_pad, xc, d.sh * wpd, d.sw, wpd, i == 0, pc);
          else
            kernels[static_cast<size_t>(kk - 1)](d.oh, d.ow, g, og_pad, xc, d.sh * wpd, d.sw, off, i == 0, pc);
        }
      }
      const int64_t o0 = ob * CB, live = std::min(CB, og - o0);
      for (int64_t c = 0; c < nc; ++c)
        for (int64_t l = 0; l < live; ++l)
          for (int64_t t = 0; t < kk; ++t)
            gw[((gr * og + o0 + l) * cg + c0 + c) * kk + t] = part[(c * kk + t) * CB + l];
    }
  });
}

}  // namespace hangu::kernels::cvec

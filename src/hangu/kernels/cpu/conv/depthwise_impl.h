#pragma once
// The depthwise convolution (one input channel per group, `mult` output channels each) as a
// direct kernel, written once over vector traits V (vec_scalar.h, vec__avx2.h, vec__avx512.h) and
// instantiated per instruction set. Included only by depthwise*.cpp.
//
// Each input plane is first copied into a zero-padded per-thread buffer whose columns are split
// by the column stride s into s phases (logical column L lands in phase L % s at L / s). Then
// every tap of every stride and dilation reads contiguous vectors:
//   out[oy][ox] = sum_{ki,kj} wk[ki][kj] * B[(kj*dw) % s][oy*sh + ki*dh][ox + (kj*dw) / s].
// The input gradient is the same kernel over gy spread out by the stride (zeros between), with
// the taps flipped; the weight gradient is the dot product of gy with each shifted window.
#include <algorithm>
#include <cstdint>

#include "hangu/core/thread_pool.h"
#include "hangu/kernels/cpu/conv.h"
#include "hangu/kernels/cpu/conv/scratch.h"

namespace hangu::kernels::depthwise {

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The buffer and the loops of one plane: an oh x ow output read from B (s phases of rows x pitch).
struct Geom {
  int64_t oh = 0, ow = 0, kh = 0, kw = 0, sh = 1, dh = 1, dw = 1, s = 1;
  int64_t rows = 0, pitch = 0;
  int64_t phase_elems() const { return rows * pitch; }
  int64_t elems() const { return s * rows * pitch; }
};

inline Geom make_geom(int64_t oh, int64_t ow, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh, int64_t dw,
                      int64_t lanes) {
  Geom g;
  g.oh = oh, g.ow = ow, g.kh = kh, g.kw = kw, g.sh = sh, g.dh = dh, g.dw = dw, g.s = sw;
  g.rows = (oh - 1) * sh + (kh - 1) * dh + 1;
  // Vector loads run up to a whole number of vectors past each tap's offset.
  g.pitch = ceil_div(ow, lanes) * lanes + ((kw - 1) * dw) / sw;
  return g;
}

// Where a source plane (sr x sc) goes in B: element (r, c) at logical (top + r*uh, left + c*uw).
struct Place {
  int64_t sr = 0, sc = 0, top = 0, left = 0, uh = 1, uw = 1;
};

template <typename T>
void build(const Geom& g, const Place& p, const T* src, T* buf) {
  for (int64_t r = 0; r < g.rows; ++r) {
    const int64_t d = r - p.top;
    const bool hit = d >= 0 && d % p.uh == 0 && d / p.uh < p.sr;
    const T* srow = hit ? src + (d / p.uh) * p.sc : nullptr;
    for (int64_t ph = 0; ph < g.s; ++ph) {
      T* brow = buf + ph * g.phase_elems() + r * g.pitch;
      if (!hit || p.uw != 1) {
        std::fill(brow, brow + g.pitch, T(0));
        if (!hit) continue;
        // Spread columns: logical L = left + c * uw, in this phase when L % s == ph.
        for (int64_t c = 0; c < p.sc; ++c) {
          const int64_t L = p.left + c * p.uw;
          if (L >= 0 && L % g.s == ph && L / g.s < g.pitch) brow[L / g.s] = srow[c];
        }
        continue;
      }
      // Index m holds source column c = m * s + ph - left.
      const int64_t first = p.left - ph;  // m * s >= first
      int64_t lo = first > 0 ? ceil_div(first, g.s) : 0;
      int64_t hi = p.sc - 1 + first >= 0 ? (p.sc - 1 + first) / g.s + 1 : 0;
      lo = std::min(lo, g.pitch), hi = std::clamp(hi, lo, g.pitch);
      std::fill(brow, brow + lo, T(0));
      const T* s0 = srow + (lo * g.s + ph - p.left);
      if (g.s == 1)
        std::copy(s0, s0 + (hi - lo), brow + lo);
      else
        for (int64_t m = 0; m < hi - lo; ++m) brow[lo + m] = s0[m * g.s];
      std::fill(brow + hi, brow + g.pitch, T(0));
    }
  }
}

// out = init + sum over taps, for NV vectors of V::W columns starting at ox0 of row oy.
template <class V, int64_t NV, int64_t KH, int64_t KW>
inline void forward_chunk(const Geom& g, const typename V::T* buf, const typename V::T* wk, typename V::T bias,
                          bool accumulate, typename V::T* orow, int64_t oy, int64_t ox0) {
  using reg = typename V::reg;
  const int64_t kh = KH > 0 ? KH : g.kh, kw = KW > 0 ? KW : g.kw;
  const int64_t left = g.ow - ox0;
  reg acc[NV];
  for (int64_t u = 0; u < NV; ++u) {
    const int64_t n = left - u * V::W;
    if (!accumulate)
      acc[u] = V::set1(bias);
    else
      acc[u] = n >= V::W ? V::load(orow + ox0 + u * V::W) : V::loadz(orow + ox0 + u * V::W, V::tail(n));
  }
  for (int64_t ki = 0; ki < kh; ++ki) {
    const typename V::T* row = buf + (oy * g.sh + ki * g.dh) * g.pitch + ox0;
    for (int64_t kj = 0; kj < kw; ++kj) {
      const int64_t t = kj * g.dw;
      const typename V::T* p = row + (t % g.s) * g.phase_elems() + t / g.s;
      const reg wv = V::set1(wk[ki * kw + kj]);
      for (int64_t u = 0; u < NV; ++u) acc[u] = V::fma(wv, V::load(p + u * V::W), acc[u]);
    }
  }
  for (int64_t u = 0; u < NV; ++u) {
    const int64_t n = left - u * V::W;
    if (n >= V::W)
      V::store(orow + ox0 + u * V::W, acc[u]);
    else
      V::store_mask(orow + ox0 + u * V::W, acc[u], V::tail(n));
  }
}

template <class V, int64_t KH, int64_t KW>
void forward_plane(const Geom& g, const typename V::T* buf, const typename V::T* wk, typename V::T bias,
                   bool accumulate, typename V::T* out) {
  constexpr int64_t U = 4;  // vectors per chunk of a row
  for (int64_t oy = 0; oy < g.oh; ++oy) {
    typename V::T* orow = out + oy * g.ow;
    for (int64_t ox0 = 0; ox0 < g.ow; ox0 += U * V::W) {
      switch (std::min<int64_t>(U, ceil_div(g.ow - ox0, V::W))) {
        case 4:
          forward_chunk<V, 4, KH, KW>(g, buf, wk, bias, accumulate, orow, oy, ox0);
          break;
        case 3:
          forward_chunk<V, 3, KH, KW>(g, buf, wk, bias, accumulate, orow, oy, ox0);
          break;
        case 2:
          forward_chunk<V, 2, KH, KW>(g, buf, wk, bias, accumulate, orow, oy, ox0);
          break;
        default:
          forward_chunk<V, 1, KH, KW>(g, buf, wk, bias, accumulate, orow, oy, ox0);
          break;
      }
    }
  }
}

// 3x3 taps, row dilation 1, row stride SH: blocks of R output rows share each band row's loads
// (one band row feeds up to three output rows), which halves the loads per multiply-add.
// Rows past the last whole block take weight_plane<V, 3, 3>'s row loop (same accumulators).
template <class V, int64_t SH>
int64_t weight_rows_3x3(const Geom& g, const typename V::T* buf, const typename V::T* gy, typename V::reg (&acc)[9]) {
  using reg = typename V::reg;
  constexpr int64_t R = 4, BR = (R - 1) * SH + 3;
  const int64_t full = (g.oh / R) * R;
  for (int64_t oy0 = 0; oy0 < full; oy0 += R)
    for (int64_t ox0 = 0; ox0 < g.ow; ox0 += V::W) {
      const int64_t n = g.ow - ox0;
      const typename V::mask m = V::tail(n);
      reg gv[R];
      for (int64_t r = 0; r < R; ++r)
        gv[r] = n >= V::W ? V::load(gy + (oy0 + r) * g.ow + ox0) : V::loadz(gy + (oy0 + r) * g.ow + ox0, m);
      for (int64_t br = 0; br < BR; ++br) {
        const typename V::T* row = buf + (oy0 * SH + br) * g.pitch + ox0;
        for (int64_t kj = 0; kj < 3; ++kj) {
          const int64_t t = kj * g.dw;
          const typename V::T* p = row + (t % g.s) * g.phase_elems() + t / g.s;
          const reg xv = n >= V::W ? V::load(p) : V::loadz(p, m);
          for (int64_t ki = 0; ki < 3; ++ki) {
            const int64_t d = br - ki;  // output row r = d / SH of this block reads band row br at tap ki
            if (d >= 0 && d % SH == 0 && d / SH < R) acc[ki * 3 + kj] = V::fma(gv[d / SH], xv, acc[ki * 3 + kj]);
          }
        }
      }
    }
  return full;
}

// lanes[t * W + l] += sum over the plane of gy * (window of tap t), lane by lane.
template <class V, int64_t KH, int64_t KW>
void weight_plane(const Geom& g, const typename V::T* buf, const typename V::T* gy, typename V::T* lanes) {
  using reg = typename V::reg;
  if constexpr (KH > 0 && KW > 0) {  // all taps in registers
    reg acc[KH * KW];
    for (int64_t t = 0; t < KH * KW; ++t) acc[t] = V::load(lanes + t * V::W);
    int64_t oy_begin = 0;
    if constexpr (KH == 3 && KW == 3) {
      if (g.dh == 1 && g.sh == 1) oy_begin = weight_rows_3x3<V, 1>(g, buf, gy, acc);
      if (g.dh == 1 && g.sh == 2) oy_begin = weight_rows_3x3<V, 2>(g, buf, gy, acc);
    }
    for (int64_t oy = oy_begin; oy < g.oh; ++oy)
      for (int64_t ox0 = 0; ox0 < g.ow; ox0 += V::W) {
        const int64_t n = g.ow - ox0;
        const typename V::mask m = V::tail(n);
        const reg gv = n >= V::W ? V::load(gy + oy * g.ow + ox0) : V::loadz(gy + oy * g.ow + ox0, m);
        for (int64_t ki = 0; ki < KH; ++ki) {
          const typename V::T* row = buf + (oy * g.sh + ki * g.dh) * g.pitch + ox0;
          for (int64_t kj = 0; kj < KW; ++kj) {
            const int64_t t = kj * g.dw;
            const typename V::T* p = row + (t % g.s) * g.phase_elems() + t / g.s;
            const reg xv = n >= V::W ? V::load(p) : V::loadz(p, m);  // lanes past ow may hold inf
            acc[ki * KW + kj] = V::fma(gv, xv, acc[ki * KW + kj]);
          }
        }
      }
    for (int64_t t = 0; t < KH * KW; ++t) V::store(lanes + t * V::W, acc[t]);
  } else {  // one tap at a time
    for (int64_t ki = 0; ki < g.kh; ++ki)
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        const int64_t t = kj * g.dw;
        reg acc = V::load(lanes + (ki * g.kw + kj) * V::W);
        for (int64_t oy = 0; oy < g.oh; ++oy) {
          const typename V::T* p = buf + (oy * g.sh + ki * g.dh) * g.pitch + (t % g.s) * g.phase_elems() + t / g.s;
          const typename V::T* gr = gy + oy * g.ow;
          for (int64_t ox0 = 0; ox0 < g.ow; ox0 += V::W) {
            const int64_t n = g.ow - ox0;
            if (n >= V::W) {
              acc = V::fma(V::load(gr + ox0), V::load(p + ox0), acc);
            } else {
              const typename V::mask m = V::tail(n);
              acc = V::fma(V::loadz(gr + ox0, m), V::loadz(p + ox0, m), acc);
            }
          }
        }
        V::store(lanes + (ki * g.kw + kj) * V::W, acc);
      }
  }
}

// The kernel-size specialisations: 3x3 (the common depthwise case) and any size.
template <class V>
void forward_any(const Geom& g, const typename V::T* buf, const typename V::T* wk, typename V::T bias, bool acc,
                 typename V::T* out) {
  if (g.kh == 3 && g.kw == 3)
    forward_plane<V, 3, 3>(g, buf, wk, bias, acc, out);
  else
    forward_plane<V, 0, 0>(g, buf, wk, bias, acc, out);
}

template <class V>
void weight_any(const Geom& g, const typename V::T* buf, const typename V::T* gy, typename V::T* lanes) {
  if (g.kh == 3 && g.kw == 3)
    weight_plane<V, 3, 3>(g, buf, gy, lanes);
  else
    weight_plane<V, 0, 0>(g, buf, gy, lanes);
}

// Inputs with one channel per group: c_out = mult * c_in, output channel co reads input co / mult.
template <class V>
void forward(const Conv2dShape& s, const typename V::T* x, const typename V::T* w, const typename V::T* bias,
             typename V::T* y) {
  using T = typename V::T;
  const int64_t mult = s.c_out / s.c_in, kk = s.kh * s.kw, hw = s.h * s.w, ohw = s.oh * s.ow;
  const Geom g = make_geom(s.oh, s.ow, s.kh, s.kw, s.sh, s.sw, s.dh, s.dw, V::W);
  const Place p{s.h, s.w, s.ph, s.pw, 1, 1};
  parallel_for(0, s.n * s.c_in, 1, [&](int64_t lo, int64_t hi) {
    T* buf = scratch<T>(ScratchSlot::plane, g.elems());
    for (int64_t plane = lo; plane < hi; ++plane) {
      const int64_t i = plane / s.c_in, c = plane % s.c_in;
      build(g, p, x + plane * hw, buf);
      for (int64_t r = 0; r < mult; ++r) {
        const int64_t co = c * mult + r;
        forward_any<V>(g, buf, w + co * kk, bias ? bias[co] : T(0), false, y + (i * s.c_out + co) * ohw);
      }
    }
  });
}

template <class V>
void input_grad(const Conv2dShape& s, const typename V::T* gy, const typename V::T* w, typename V::T* gx) {
  using T = typename V::T;
  const int64_t mult = s.c_out / s.c_in, kk = s.kh * s.kw, hw = s.h * s.w, ohw = s.oh * s.ow;
  // gx[iy][ix] = sum_taps w[kh-1-ki][kw-1-kj] * U[iy + ki*dh][ix + kj*dw], U = gy spread by the stride.
  const Geom g = make_geom(s.h, s.w, s.kh, s.kw, 1, 1, s.dh, s.dw, V::W);
  const Place p{s.oh, s.ow, (s.kh - 1) * s.dh - s.ph, (s.kw - 1) * s.dw - s.pw, s.sh, s.sw};
  T* flipped = scratch<T>(ScratchSlot::extra, s.c_out * kk);
  for (int64_t co = 0; co < s.c_out; ++co)
    for (int64_t t = 0; t < kk; ++t) flipped[co * kk + t] = w[co * kk + (kk - 1 - t)];
  parallel_for(0, s.n * s.c_in, 1, [&](int64_t lo, int64_t hi) {
    T* buf = scratch<T>(ScratchSlot::plane, g.elems());
    for (int64_t plane = lo; plane < hi; ++plane) {
      const int64_t i = plane / s.c_in, c = plane % s.c_in;
      for (int64_t r = 0; r < mult; ++r) {  // the output channels of this input, summed in order
        const int64_t co = c * mult + r;
        build(g, p, gy + (i * s.c_out + co) * ohw, buf);
        forward_any<V>(g, buf, flipped + co * kk, T(0), r > 0, gx + plane * hw);
      }
    }
  });
}

template <class V>
void weight_grad(const Conv2dShape& s, const typename V::T* gy, const typename V::T* x, typename V::T* gw) {
  using T = typename V::T;
  const int64_t mult = s.c_out / s.c_in, kk = s.kh * s.kw, hw = s.h * s.w, ohw = s.oh * s.ow;
  const Geom g = make_geom(s.oh, s.ow, s.kh, s.kw, s.sh, s.sw, s.dh, s.dw, V::W);
  const Place p{s.h, s.w, s.ph, s.pw, 1, 1};
  parallel_for(0, s.c_out, 1, [&](int64_t lo, int64_t hi) {
    T* buf = scratch<T>(ScratchSlot::plane, g.elems());
    T* lanes = scratch<T>(ScratchSlot::extra, kk * V::W);
    for (int64_t co = lo; co < hi; ++co) {
      std::fill(lanes, lanes + kk * V::W, T(0));
      for (int64_t i = 0; i < s.n; ++i) {  // images summed in order
        build(g, p, x + (i * s.c_in + co / mult) * hw, buf);
        weight_any<V>(g, buf, gy + (i * s.c_out + co) * ohw, lanes);
      }
      for (int64_t t = 0; t < kk; ++t) gw[co * kk + t] = V::hsum(V::load(lanes + t * V::W));
    }
  });
}

}  // namespace hangu::kernels::depthwise

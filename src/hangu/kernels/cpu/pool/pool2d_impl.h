#pragma once
// Max and average pooling forward, written once over vector traits V (conv/vec_scalar.h,
// conv/vec__avx2.h, conv/vec__avx512.h) and instantiated per instruction set; included only by
// pool/pool2d*.cpp. Outputs whose window lies inside the input are computed a vector of columns
// at a time (column stride 1 or 2); the others one by one with the reference's rules. Taps are
// visited in the reference's order, so the results have the reference's bits.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "hangu/core/thread_pool.h"
#include "hangu/kernels/cpu/pool.h"

namespace hangu::kernels::pool {

// The outputs [y0, y1) x [x0, x1) whose windows lie inside the input.
struct Interior {
  int64_t y0 = 0, y1 = 0, x0 = 0, x1 = 0;
};

inline void inside_range(int64_t out, int64_t in, int64_t k, int64_t st, int64_t pad, int64_t d, int64_t* lo,
                         int64_t* hi) {
  int64_t a = pad > 0 ? (pad + st - 1) / st : 0;
  const int64_t last = in - 1 + pad - (k - 1) * d;  // o * st <= last
  int64_t b = last < 0 ? 0 : last / st + 1;
  a = std::min(a, out);
  *lo = a, *hi = std::clamp(b, a, out);
}

inline Interior interior(const Pool2dShape& s) {
  Interior r;
  inside_range(s.oh, s.h, s.kh, s.sh, s.ph, s.dh, &r.y0, &r.y1);
  inside_range(s.ow, s.w, s.kw, s.sw, s.pw, s.dw, &r.x0, &r.x1);
  return r;
}

// Planes per parallel chunk: about 16k input elements.
inline int64_t plane_grain(const Pool2dShape& s) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, s.h * s.w));
}

// One output of max pooling with the reference's rules (padding skipped, a later NaN wins).
template <typename T>
void max_one(const Pool2dShape& s, const T* xp, int64_t oy, int64_t ox, T* y, int64_t* idx) {
  const int64_t y0 = oy * s.sh - s.ph, x0 = ox * s.sw - s.pw;
  T best = -std::numeric_limits<T>::infinity();
  int64_t arg = -1;
  for (int64_t ki = 0; ki < s.kh; ++ki) {
    const int64_t iy = y0 + ki * s.dh;
    if (iy < 0 || iy >= s.h) continue;
    for (int64_t kj = 0; kj < s.kw; ++kj) {
      const int64_t ix = x0 + kj * s.dw;
      if (ix < 0 || ix >= s.w) continue;
      const T v = xp[iy * s.w + ix];
      if (arg < 0 || v > best || std::isnan(v)) best = v, arg = iy * s.w + ix;
    }
  }
  *y = best;
  *idx = arg < 0 ? 0 : arg;
}

// Loads n <= W columns of row p at column stride sw (1 or 2); `full` says p[0 .. W*sw) may be read.
template <class V>
typename V::reg load_cols(const typename V::T* p, int64_t sw, int64_t n, bool full) {
  if (sw == 1) return full ? V::load(p) : V::loadz(p, V::tail(n));
  return full ? V::load_even(p) : V::load_even_n(p, n);
}

template <class V>
void max_forward(const Pool2dShape& s, const typename V::T* x, typename V::T* y, int64_t* idx) {
  using T = typename V::T;
  const Interior in = interior(s);
  parallel_for(0, s.planes, plane_grain(s), [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      const T* xp = x + p * s.h * s.w;
      T* yp = y + p * s.oh * s.ow;
      int64_t* ip = idx + p * s.oh * s.ow;
      for (int64_t oy = 0; oy < s.oh; ++oy) {
        T* yr = yp + oy * s.ow;
        int64_t* ir = ip + oy * s.ow;
        const bool row_in = oy >= in.y0 && oy < in.y1;
        const int64_t a = row_in ? in.x0 : s.ow, b = row_in ? in.x1 : s.ow;
        for (int64_t ox = 0; ox < a; ++ox) max_one(s, xp, oy, ox, yr + ox, ir + ox);
        for (int64_t ox0 = a; ox0 < b; ox0 += V::W) {
          const int64_t n = std::min<int64_t>(V::W, b - ox0);
          const bool full = n == V::W && ox0 + V::W < b;  // the next output's window covers the overread
          typename V::reg best{};
          typename V::ireg best_idx{};
          for (int64_t ki = 0; ki < s.kh; ++ki) {
            const int64_t iy = oy * s.sh - s.ph + ki * s.dh;
            for (int64_t kj = 0; kj < s.kw; ++kj) {
              const int64_t col = ox0 * s.sw - s.pw + kj * s.dw;
              const typename V::reg v = load_cols<V>(xp + iy * s.w + col, s.sw, n, full);
              const typename V::ireg vi = V::lane_index(iy * s.w + col, s.sw);
              if (ki == 0 && kj == 0)
                best = v, best_idx = vi;
              else
                V::max_update(best, best_idx, v, vi);
            }
          }
          if (n == V::W)
            V::store(yr + ox0, best);
          else
            V::store_mask(yr + ox0, best, V::tail(n));
          V::store_index(ir + ox0, best_idx, n);
        }
        for (int64_t ox = b; ox < s.ow; ++ox) max_one(s, xp, oy, ox, yr + ox, ir + ox);
      }
    }
  });
}

// One output of average pooling with the reference's rules.
template <typename T>
T avg_one(const Pool2dShape& s, bool count_include_pad, const T* xp, int64_t oy, int64_t ox) {
  int64_t y0 = oy * s.sh - s.ph, x0 = ox * s.sw - s.pw;
  int64_t y1 = std::min(y0 + s.kh, s.h + s.ph), x1 = std::min(x0 + s.kw, s.w + s.pw);
  const int64_t pool = (y1 - y0) * (x1 - x0);
  y0 = std::max<int64_t>(y0, 0), x0 = std::max<int64_t>(x0, 0);
  y1 = std::min(y1, s.h), x1 = std::min(x1, s.w);
  const int64_t div = count_include_pad ? pool : (y1 - y0) * (x1 - x0);
  if (div <= 0) return T(0);
  T acc = 0;
  for (int64_t iy = y0; iy < y1; ++iy)
    for (int64_t ix = x0; ix < x1; ++ix) acc += xp[iy * s.w + ix];
  return acc * (T(1) / static_cast<T>(div));
}

// Average pooling without dilation (s.dh == s.dw == 1).
template <class V>
void avg_forward(const Pool2dShape& s, bool count_include_pad, const typename V::T* x, typename V::T* y) {
  using T = typename V::T;
  const Interior in = interior(s);
  const typename V::reg scale = V::set1(T(1) / static_cast<T>(s.kh * s.kw));
  parallel_for(0, s.planes, plane_grain(s), [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      const T* xp = x + p * s.h * s.w;
      T* yp = y + p * s.oh * s.ow;
      for (int64_t oy = 0; oy < s.oh; ++oy) {
        T* yr = yp + oy * s.ow;
        const bool row_in = oy >= in.y0 && oy < in.y1;
        const int64_t a = row_in ? in.x0 : s.ow, b = row_in ? in.x1 : s.ow;
        for (int64_t ox = 0; ox < a; ++ox) yr[ox] = avg_one(s, count_include_pad, xp, oy, ox);
        for (int64_t ox0 = a; ox0 < b; ox0 += V::W) {
          const int64_t n = std::min<int64_t>(V::W, b - ox0);
          const bool full = n == V::W && ox0 + V::W < b;
          typename V::reg acc = V::zero();
          for (int64_t ki = 0; ki < s.kh; ++ki) {
            const T* row = xp + (oy * s.sh - s.ph + ki) * s.w + ox0 * s.sw - s.pw;
            for (int64_t kj = 0; kj < s.kw; ++kj) acc = V::add(acc, load_cols<V>(row + kj, s.sw, n, full));
          }
          acc = V::mul(acc, scale);
          if (n == V::W)
            V::store(yr + ox0, acc);
          else
            V::store_mask(yr + ox0, acc, V::tail(n));
        }
        for (int64_t ox = b; ox < s.ow; ++ox) yr[ox] = avg_one(s, count_include_pad, xp, oy, ox);
      }
    }
  });
}

// Global average pooling: y[p] = mean of plane p, summed in four vector accumulators.
template <class V>
void global_avg_forward(const Pool2dShape& s, const typename V::T* x, typename V::T* y) {
  using T = typename V::T;
  const int64_t hw = s.h * s.w;
  const T scale = T(1) / static_cast<T>(hw);
  parallel_for(0, s.planes, plane_grain(s), [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      const T* xp = x + p * hw;
      typename V::reg acc[4] = {V::zero(), V::zero(), V::zero(), V::zero()};
      int64_t i = 0;
      for (; i + 4 * V::W <= hw; i += 4 * V::W)
        for (int u = 0; u < 4; ++u) acc[u] = V::add(acc[u], V::load(xp + i + u * V::W));
      for (; i < hw; i += V::W) acc[0] = V::add(acc[0], V::loadz(xp + i, V::tail(hw - i)));
      y[p] = V::hsum(V::add(V::add(acc[0], acc[1]), V::add(acc[2], acc[3]))) * scale;
    }
  });
}

}  // namespace hangu::kernels::pool

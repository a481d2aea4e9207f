#include "hangu/kernels/cpu/conv/im2col.h"

#include <algorithm>

namespace hangu::kernels {
namespace {

inline int64_t ceil_div_nonneg(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Output columns ox in [lo, hi) read an input column inside [0, w) for the tap kj.
struct ColRange {
  int64_t off = 0, lo = 0, hi = 0;  // ix = ox * sw + off
};

ColRange col_range(const Conv2dShape& s, int64_t kj) {
  ColRange r;
  r.off = kj * s.dw - s.pw;
  r.lo = r.off >= 0 ? 0 : ceil_div_nonneg(-r.off, s.sw);
  r.hi = s.w - 1 - r.off < 0 ? 0 : (s.w - 1 - r.off) / s.sw + 1;
  r.lo = std::min(r.lo, s.ow);
  r.hi = std::clamp(r.hi, r.lo, s.ow);
  return r;
}

// Calls f(oy, ox_begin, ox_end, column) for each output-row piece of positions [q0, q0 + nq).
template <typename F>
void for_row_pieces(int64_t ow, int64_t q0, int64_t nq, F&& f) {
  int64_t q = q0;
  const int64_t q1 = q0 + nq;
  while (q < q1) {
    const int64_t oy = q / ow, ox = q % ow;
    const int64_t end = std::min(ow, ox + (q1 - q));
    f(oy, ox, end, q - q0);
    q += end - ox;
  }
}

}  // namespace

template <typename T>
void im2col_tile(const Conv2dShape& s, const T* x, int64_t c0, int64_t nc, const ConvTile& tile, T* cols, int64_t ld) {
  const int64_t hw = s.h * s.w;
  for (int64_t c = 0; c < nc; ++c)
    for (int64_t kj = 0; kj < s.kw; ++kj) {
      const ColRange cr = col_range(s, kj);
      for (int64_t ki = 0; ki < s.kh; ++ki) {
        T* row = cols + ((c * s.kh + ki) * s.kw + kj) * ld;
        for (int64_t ii = 0; ii < tile.ni; ++ii) {
          const T* xp = x + ((tile.i0 + ii) * s.c_in + c0 + c) * hw;
          T* dst = row + ii * tile.nq;
          for_row_pieces(s.ow, tile.q0, tile.nq, [&](int64_t oy, int64_t a, int64_t b, int64_t col) {
            T* d = dst + col;  // d[ox - a] is the column of ox
            const int64_t iy = oy * s.sh - s.ph + ki * s.dh;
            if (iy < 0 || iy >= s.h) {
              std::fill(d, d + (b - a), T(0));
              return;
            }
            const int64_t lo = std::clamp(cr.lo, a, b), hi = std::clamp(cr.hi, lo, b);
            std::fill(d, d + (lo - a), T(0));
            if (hi > lo) {
              const T* xr = xp + iy * s.w + lo * s.sw + cr.off;
              T* dl = d + (lo - a);
              if (s.sw == 1)
                std::copy(xr, xr + (hi - lo), dl);
              else
                for (int64_t k = 0; k < hi - lo; ++k) dl[k] = xr[k * s.sw];
            }
            std::fill(d + (hi - a), d + (b - a), T(0));
          });
        }
      }
    }
}

template <typename T>
void col2im_tile(const Conv2dShape& s, const T* cols, int64_t ld, int64_t c0, int64_t nc, const ConvTile& tile, T* gx) {
  const int64_t hw = s.h * s.w;
  for (int64_t c = 0; c < nc; ++c)
    for (int64_t ki = 0; ki < s.kh; ++ki)
      for (int64_t kj = 0; kj < s.kw; ++kj) {
        const ColRange cr = col_range(s, kj);
        const T* row = cols + ((c * s.kh + ki) * s.kw + kj) * ld;
        for (int64_t ii = 0; ii < tile.ni; ++ii) {
          T* gp = gx + ((tile.i0 + ii) * s.c_in + c0 + c) * hw;
          const T* src = row + ii * tile.nq;
          for_row_pieces(s.ow, tile.q0, tile.nq, [&](int64_t oy, int64_t a, int64_t b, int64_t col) {
            const int64_t iy = oy * s.sh - s.ph + ki * s.dh;
            if (iy < 0 || iy >= s.h) return;
            const int64_t lo = std::clamp(cr.lo, a, b), hi = std::clamp(cr.hi, lo, b);
            if (hi <= lo) return;
            const T* sp = src + col + (lo - a);
            T* gr = gp + iy * s.w + lo * s.sw + cr.off;
            if (s.sw == 1)
              for (int64_t k = 0; k < hi - lo; ++k) gr[k] += sp[k];
            else
              for (int64_t k = 0; k < hi - lo; ++k) gr[k * s.sw] += sp[k];
          });
        }
      }
}

template void im2col_tile<float>(const Conv2dShape&, const float*, int64_t, int64_t, const ConvTile&, float*, int64_t);
template void im2col_tile<double>(const Conv2dShape&, const double*, int64_t, int64_t, const ConvTile&, double*,
                                  int64_t);
template void col2im_tile<float>(const Conv2dShape&, const float*, int64_t, int64_t, int64_t, const ConvTile&, float*);
template void col2im_tile<double>(const Conv2dShape&, const double*, int64_t, int64_t, int64_t, const ConvTile&,
                                  double*);

}  // namespace hangu::kernels

#include "hangu/kernels/cpu/reference/pool.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "hangu/core/error.h"
#include "hangu/core/thread_pool.h"

namespace hangu::kernels {
namespace {

inline constexpr int64_t kPoolGrain = 8;  // planes per parallel chunk

template <typename F>
void dispatch_pool(DType dtype, const char* op, F&& f) {
  if (dtype == DType::f32)
    f(float{});
  else if (dtype == DType::f64)
    f(double{});
  else
    throw DTypeError(MsgId::dtype_not_supported, op, dtype);
}

template <typename F>
void for_planes(const Pool2dShape& s, F&& f) {
  parallel_for(0, s.planes, kPoolGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) f(p);
  });
}

template <typename T>
void max_forward(const Pool2dShape& s, const T* x, T* y, int64_t* idx) {
  for_planes(s, [&](int64_t p) {
    const T* xp = x + p * s.h * s.w;
    for (int64_t oy = 0; oy < s.oh; ++oy)
      for (int64_t ox = 0; ox < s.ow; ++ox) {
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
            if (arg < 0 || v > best || std::isnan(v)) {  // a later NaN wins, as in PyTorch
              best = v;
              arg = iy * s.w + ix;
            }
          }
        }
        y[(p * s.oh + oy) * s.ow + ox] = best;
        idx[(p * s.oh + oy) * s.ow + ox] = arg < 0 ? 0 : arg;
      }
  });
}

template <typename T>
void max_scatter(const Pool2dShape& s, const T* gy, const int64_t* idx, T* gx) {
  const int64_t ohw = s.oh * s.ow;
  for_planes(s, [&](int64_t p) {
    T* gp = gx + p * s.h * s.w;
    std::fill(gp, gp + s.h * s.w, T(0));
    for (int64_t q = 0; q < ohw; ++q) gp[idx[p * ohw + q]] += gy[p * ohw + q];
  });
}

template <typename T>
void max_gather(const Pool2dShape& s, const T* x, const int64_t* idx, T* y) {
  const int64_t ohw = s.oh * s.ow;
  for_planes(s, [&](int64_t p) {
    for (int64_t q = 0; q < ohw; ++q) y[p * ohw + q] = x[p * s.h * s.w + idx[p * ohw + q]];
  });
}

// Calls f(iy, ix, scale) for every input element of output (oy, ox), scale = 1 / divisor.
template <typename T, typename F>
void avg_window(const Pool2dShape& s, bool count_include_pad, int64_t oy, int64_t ox, F&& f) {
  int64_t y0 = oy * s.sh - s.ph, x0 = ox * s.sw - s.pw;
  int64_t y1 = std::min(y0 + s.kh, s.h + s.ph), x1 = std::min(x0 + s.kw, s.w + s.pw);
  const int64_t pool = (y1 - y0) * (x1 - x0);
  y0 = std::max<int64_t>(y0, 0), x0 = std::max<int64_t>(x0, 0);
  y1 = std::min(y1, s.h), x1 = std::min(x1, s.w);
  const int64_t div = count_include_pad ? pool : (y1 - y0) * (x1 - x0);
  if (div <= 0) return;
  const T scale = T(1) / static_cast<T>(div);
  for (int64_t iy = y0; iy < y1; ++iy)
    for (int64_t ix = x0; ix < x1; ++ix) f(iy, ix, scale);
}

template <typename T>
void avg_forward(const Pool2dShape& s, bool cip, const T* x, T* y) {
  for_planes(s, [&](int64_t p) {
    const T* xp = x + p * s.h * s.w;
    for (int64_t oy = 0; oy < s.oh; ++oy)
      for (int64_t ox = 0; ox < s.ow; ++ox) {
        T acc = 0, sc = 0;
        avg_window<T>(s, cip, oy, ox, [&](int64_t iy, int64_t ix, T scale) {
          acc += xp[iy * s.w + ix];
          sc = scale;
        });
        y[(p * s.oh + oy) * s.ow + ox] = acc * sc;
      }
  });
}

template <typename T>
void avg_backward(const Pool2dShape& s, bool cip, const T* gy, T* gx) {
  for_planes(s, [&](int64_t p) {
    T* gp = gx + p * s.h * s.w;
    std::fill(gp, gp + s.h * s.w, T(0));
    for (int64_t oy = 0; oy < s.oh; ++oy)
      for (int64_t ox = 0; ox < s.ow; ++ox) {
        const T g = gy[(p * s.oh + oy) * s.ow + ox];
        avg_window<T>(s, cip, oy, ox, [&](int64_t iy, int64_t ix, T scale) { gp[iy * s.w + ix] += g * scale; });
      }
  });
}

inline int64_t start_index(int64_t o, int64_t out, int64_t in) { return (o * in) / out; }
inline int64_t end_index(int64_t o, int64_t out, int64_t in) { return ((o + 1) * in + out - 1) / out; }

template <typename T, typename F>
void adaptive_window(const Pool2dShape& s, int64_t oy, int64_t ox, F&& f) {
  const int64_t y0 = start_index(oy, s.oh, s.h), y1 = end_index(oy, s.oh, s.h);
  const int64_t x0 = start_index(ox, s.ow, s.w), x1 = end_index(ox, s.ow, s.w);
  const T scale = T(1) / static_cast<T>((y1 - y0) * (x1 - x0));
  for (int64_t iy = y0; iy < y1; ++iy)
    for (int64_t ix = x0; ix < x1; ++ix) f(iy, ix, scale);
}

template <typename T>
void adaptive_forward(const Pool2dShape& s, const T* x, T* y) {
  for_planes(s, [&](int64_t p) {
    const T* xp = x + p * s.h * s.w;
    for (int64_t oy = 0; oy < s.oh; ++oy)
      for (int64_t ox = 0; ox < s.ow; ++ox) {
        T acc = 0, sc = 0;
        adaptive_window<T>(s, oy, ox, [&](int64_t iy, int64_t ix, T scale) {
          acc += xp[iy * s.w + ix];
          sc = scale;
        });
        y[(p * s.oh + oy) * s.ow + ox] = acc * sc;
      }
  });
}

template <typename T>
void adaptive_backward(const Pool2dShape& s, const T* gy, T* gx) {
  for_planes(s, [&](int64_t p) {
    T* gp = gx + p * s.h * s.w;
    std::fill(gp, gp + s.h * s.w, T(0));
    for (int64_t oy = 0; oy < s.oh; ++oy)
      for (int64_t ox = 0; ox < s.ow; ++ox) {
        const T g = gy[(p * s.oh + oy) * s.ow + ox];
        adaptive_window<T>(s, oy, ox, [&](int64_t iy, int64_t ix, T scale) { gp[iy * s.w + ix] += g * scale; });
      }
  });
}

}  // namespace

#define HANGU_POOL_CAST(ptr) static_cast<const T*>(ptr)
void max_pool2d_forward__reference(DType dtype, const Pool2dShape& s, const void* x, void* y, int64_t* idx) {
  dispatch_pool(dtype, "max_pool2d", [&](auto t) {
    using T = decltype(t);
    max_forward<T>(s, HANGU_POOL_CAST(x), static_cast<T*>(y), idx);
  });
}
void max_pool2d_scatter__reference(DType dtype, const Pool2dShape& s, const void* gy, const int64_t* idx, void* gx) {
  dispatch_pool(dtype, "max_pool2d_backward", [&](auto t) {
    using T = decltype(t);
    max_scatter<T>(s, HANGU_POOL_CAST(gy), idx, static_cast<T*>(gx));
  });
}
void max_pool2d_gather__reference(DType dtype, const Pool2dShape& s, const void* x, const int64_t* idx, void* y) {
  dispatch_pool(dtype, "max_pool2d_gather", [&](auto t) {
    using T = decltype(t);
    max_gather<T>(s, HANGU_POOL_CAST(x), idx, static_cast<T*>(y));
  });
}
void avg_pool2d_forward__reference(DType dtype, const Pool2dShape& s, bool cip, const void* x, void* y) {
  dispatch_pool(dtype, "avg_pool2d", [&](auto t) {
    using T = decltype(t);
    avg_forward<T>(s, cip, HANGU_POOL_CAST(x), static_cast<T*>(y));
  });
}
void avg_pool2d_backward__reference(DType dtype, const Pool2dShape& s, bool cip, const void* gy, void* gx) {
  dispatch_pool(dtype, "avg_pool2d_backward", [&](auto t) {
    using T = decltype(t);
    avg_backward<T>(s, cip, HANGU_POOL_CAST(gy), static_cast<T*>(gx));
  });
}
void adaptive_avg_pool2d_forward__reference(DType dtype, const Pool2dShape& s, const void* x, void* y) {
  dispatch_pool(dtype, "adaptive_avg_pool2d", [&](auto t) {
    using T = decltype(t);
    adaptive_forward<T>(s, HANGU_POOL_CAST(x), static_cast<T*>(y));
  });
}
void adaptive_avg_pool2d_backward__reference(DType dtype, const Pool2dShape& s, const void* gy, void* gx) {
  dispatch_pool(dtype, "adaptive_avg_pool2d_backward", [&](auto t) {
    using T = decltype(t);
    adaptive_backward<T>(s, HANGU_POOL_CAST(gy), static_cast<T*>(gx));
  });
}
#undef HANGU_POOL_CAST

}  // namespace hangu::kernels

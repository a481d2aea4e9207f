// The pooling entry points of kernels/cpu/pool.h: the SIMD kernels (pool2d_impl.h) where the
// shape allows, else the reference loops. Fast cases: max and average pooling forward with column
// stride 1 or 2 (any kernel, padding, dilation for max), global and evenly dividing adaptive
// average pooling, and the backward of non-overlapping average pooling.
#include <algorithm>
#include <type_traits>

#include "hangu/core/error.h"
#include "hangu/core/thread_pool.h"
#include "hangu/kernels/cpu/conv/vec_scalar.h"
#include "hangu/kernels/cpu/isa.h"
#include "hangu/kernels/cpu/pool/pool2d_impl.h"
#include "hangu/kernels/cpu/pool/pool2d_isa.h"
#include "hangu/kernels/cpu/reference/pool.h"

namespace hangu::kernels {
namespace {

inline constexpr int64_t kMaxPlaneForIndex = int64_t{1} << 30;  // argmax lanes are int32

bool float_dtype(DType dtype) { return dtype == DType::f32 || dtype == DType::f64; }

template <typename F>
void dispatch_float(DType dtype, F&& f) {
  if (dtype == DType::f32)
    f(float{});
  else
    f(double{});
}

// Column stride 1 or 2 and windows that fit int32 lane arithmetic.
bool simd_shape(const Pool2dShape& s) {
  return (s.sw == 1 || s.sw == 2) && s.h * s.w < kMaxPlaneForIndex && s.planes > 0 && s.oh * s.ow > 0;
}

// The adaptive windows of s are a plain k x k average pooling when the sizes divide evenly.
bool adaptive_as_avg(const Pool2dShape& s, Pool2dShape* avg) {
  if (s.oh <= 0 || s.ow <= 0 || s.h % s.oh != 0 || s.w % s.ow != 0) return false;
  *avg = Pool2dShape{};
  avg->planes = s.planes, avg->h = s.h, avg->w = s.w, avg->oh = s.oh, avg->ow = s.ow;
  avg->kh = avg->sh = s.h / s.oh;
  avg->kw = avg->sw = s.w / s.ow;
  return true;
}

template <typename T>
void avg_forward_fast(const Pool2dShape& s, bool cip, const T* x, T* y) {
  if constexpr (std::is_same_v<T, float>) {
    switch (active_isa()) {
      case Isa::avx512:
        return f32_avg_pool2d__avx512(s, cip, x, y);
      case Isa::avx2:
        return f32_avg_pool2d__avx2(s, cip, x, y);
      case Isa::reference:
        break;
    }
  }
  pool::avg_forward<VecScalar<T>>(s, cip, x, y);
}

// Windows that never overlap (kernel == stride): each input gets at most one output's share,
// 0 + g / divisor as in the reference's sum; inputs in no window get 0.
template <typename T>
void avg_backward_disjoint(const Pool2dShape& s, bool cip, const T* gy, T* gx) {
  parallel_for(0, s.planes, pool::plane_grain(s), [&](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      T* gp = gx + p * s.h * s.w;
      const T* gyp = gy + p * s.oh * s.ow;
      std::fill(gp, gp + s.h * s.w, T(0));
      for (int64_t oy = 0; oy < s.oh; ++oy) {
        int64_t y0 = oy * s.sh - s.ph, y1 = std::min(y0 + s.kh, s.h + s.ph);
        const int64_t ph = y1 - y0;
        y0 = std::max<int64_t>(y0, 0), y1 = std::min(y1, s.h);
        for (int64_t ox = 0; ox < s.ow; ++ox) {
          int64_t x0 = ox * s.sw - s.pw, x1 = std::min(x0 + s.kw, s.w + s.pw);
          const int64_t pool = ph * (x1 - x0);
          x0 = std::max<int64_t>(x0, 0), x1 = std::min(x1, s.w);
          const int64_t div = cip ? pool : (y1 - y0) * (x1 - x0);
          if (div <= 0) continue;
          const T v = T(0) + gyp[oy * s.ow + ox] * (T(1) / static_cast<T>(div));
          for (int64_t iy = y0; iy < y1; ++iy) std::fill(gp + iy * s.w + x0, gp + iy * s.w + x1, v);
        }
      }
    }
  });
}

}  // namespace

void max_pool2d_forward(DType dtype, const Pool2dShape& s, const void* x, void* y, int64_t* idx) {
  if (!float_dtype(dtype) || !simd_shape(s)) return max_pool2d_forward__reference(dtype, s, x, y, idx);
  dispatch_float(dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* xt = static_cast<const T*>(x);
    T* yt = static_cast<T*>(y);
    if constexpr (std::is_same_v<T, float>) {
      switch (active_isa()) {
        case Isa::avx512:
          return f32_max_pool2d__avx512(s, xt, yt, idx);
        case Isa::avx2:
          return f32_max_pool2d__avx2(s, xt, yt, idx);
        case Isa::reference:
          break;
      }
    }
    pool::max_forward<VecScalar<T>>(s, xt, yt, idx);
  });
}

void max_pool2d_scatter(DType dtype, const Pool2dShape& s, const void* gy, const int64_t* idx, void* gx) {
  max_pool2d_scatter__reference(dtype, s, gy, idx, gx);  // a scatter: bound by memory, not arithmetic
}

void max_pool2d_gather(DType dtype, const Pool2dShape& s, const void* x, const int64_t* idx, void* y) {
  max_pool2d_gather__reference(dtype, s, x, idx, y);
}

void avg_pool2d_forward(DType dtype, const Pool2dShape& s, bool cip, const void* x, void* y) {
  if (!float_dtype(dtype) || !simd_shape(s)) return avg_pool2d_forward__reference(dtype, s, cip, x, y);
  Pool2dShape plain = s;
  plain.dh = plain.dw = 1;  // average pooling has no dilation
  dispatch_float(dtype, [&](auto tag) {
    using T = decltype(tag);
    avg_forward_fast<T>(plain, cip, static_cast<const T*>(x), static_cast<T*>(y));
  });
}

void avg_pool2d_backward(DType dtype, const Pool2dShape& s, bool cip, const void* gy, void* gx) {
  if (!float_dtype(dtype) || s.kh != s.sh || s.kw != s.sw || s.planes == 0)
    return avg_pool2d_backward__reference(dtype, s, cip, gy, gx);
  dispatch_float(dtype, [&](auto tag) {
    using T = decltype(tag);
    avg_backward_disjoint<T>(s, cip, static_cast<const T*>(gy), static_cast<T*>(gx));
  });
}

void adaptive_avg_pool2d_forward(DType dtype, const Pool2dShape& s, const void* x, void* y) {
  Pool2dShape avg;
  if (!float_dtype(dtype) || !adaptive_as_avg(s, &avg) || !simd_shape(avg) || s.h * s.w == 0)
    return adaptive_avg_pool2d_forward__reference(dtype, s, x, y);
  dispatch_float(dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* xt = static_cast<const T*>(x);
    T* yt = static_cast<T*>(y);
    if (s.oh == 1 && s.ow == 1) {  // global average pooling
      if constexpr (std::is_same_v<T, float>) {
        switch (active_isa()) {
          case Isa::avx512:
            return f32_global_avg_pool2d__avx512(s, xt, yt);
          case Isa::avx2:
            return f32_global_avg_pool2d__avx2(s, xt, yt);
          case Isa::reference:
            break;
        }
      }
      return pool::global_avg_forward<VecScalar<T>>(s, xt, yt);
    }
    avg_forward_fast<T>(avg, true, xt, yt);
  });
}

void adaptive_avg_pool2d_backward(DType dtype, const Pool2dShape& s, const void* gy, void* gx) {
  Pool2dShape avg;
  if (!float_dtype(dtype) || !adaptive_as_avg(s, &avg) || s.planes == 0)
    return adaptive_avg_pool2d_backward__reference(dtype, s, gy, gx);
  dispatch_float(dtype, [&](auto tag) {
    using T = decltype(tag);
    avg_backward_disjoint<T>(avg, true, static_cast<const T*>(gy), static_cast<T*>(gx));
  });
}

}  // namespace hangu::kernels

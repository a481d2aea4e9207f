#include "hangu/kernels/cpu/reference/conv.h"

#include <algorithm>
#include <memory>

#include "hangu/core/error.h"
#include "hangu/core/thread_pool.h"
#include "hangu/kernels/cpu/reference/gemm.h"

namespace hangu::kernels {
namespace {

// Column buffers hold at most this many elements; larger batches are processed in chunks of
// samples (the chunking depends only on the shapes, so results do not depend on threads).
inline constexpr int64_t kColBudget = int64_t{1} << 22;
inline constexpr int64_t kPlaneGrain = 4;  // (sample, channel) planes per parallel chunk

// The reference GEMM, not the dispatching one: this file stays independent of the fast kernels.
inline void gemm_ref(const GemmDesc& d, float beta, const float* a, const float* b, float* c) {
  f32_gemm__reference(d, 1.0f, a, b, beta, c);
}
inline void gemm_ref(const GemmDesc& d, double beta, const double* a, const double* b, double* c) {
  f64_gemm__reference(d, 1.0, a, b, beta, c);
}

template <typename T>
std::unique_ptr<T[]> buffer(int64_t n) {
  return std::unique_ptr<T[]>(new T[static_cast<size_t>(std::max<int64_t>(n, 1))]);
}

int64_t chunk_samples(const Conv2dShape& s) {
  int64_t per = std::max<int64_t>(
      1, (s.c_in / std::max<int64_t>(s.groups, 1)) * s.kh * s.kw * s.oh * s.ow * std::max<int64_t>(s.groups, 1));
  return std::clamp<int64_t>(kColBudget / per, 1, std::max<int64_t>(s.n, 1));
}

// Unfolds samples [n0, n0 + nb) of x into buf: element (group g, patch row j, position p)
// lands at g * gs + j * js + p * ps, with p = i * oh * ow + oy * ow + ox for sample n0 + i and
// j = (c * kh + ki) * kw + kj. Positions in the padding read 0.
template <typename T>
void im2col(const Conv2dShape& s, const T* x, int64_t n0, int64_t nb, T* buf, int64_t js, int64_t ps) {
  const int64_t cg = s.c_in / s.groups, ohw = s.oh * s.ow, kk = s.kh * s.kw;
  const int64_t gs = cg * kk * nb * ohw;
  parallel_for(0, nb * s.c_in, kPlaneGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t pl = lo; pl < hi; ++pl) {
      const int64_t i = pl / s.c_in, cc = pl % s.c_in, g = cc / cg, c = cc % cg;
      const T* xp = x + ((n0 + i) * s.c_in + cc) * s.h * s.w;
      for (int64_t ki = 0; ki < s.kh; ++ki)
        for (int64_t kj = 0; kj < s.kw; ++kj) {
          T* dst = buf + g * gs + ((c * s.kh + ki) * s.kw + kj) * js + i * ohw * ps;
          for (int64_t oy = 0; oy < s.oh; ++oy) {
            const int64_t iy = oy * s.sh - s.ph + ki * s.dh;
            T* drow = dst + oy * s.ow * ps;
            if (iy < 0 || iy >= s.h) {
              for (int64_t ox = 0; ox < s.ow; ++ox) drow[ox * ps] = T(0);
              continue;
            }
            const T* xrow = xp + iy * s.w;
            for (int64_t ox = 0; ox < s.ow; ++ox) {
              const int64_t ix = ox * s.sw - s.pw + kj * s.dw;
              drow[ox * ps] = (ix >= 0 && ix < s.w) ? xrow[ix] : T(0);
            }
          }
        }
    }
  });
}

// The adjoint of im2col for the "columns" layout (js = nb * oh * ow, ps = 1): sums the columns
// back into samples [n0, n0 + nb) of gx, which it overwrites. Each plane is summed serially.
template <typename T>
void col2im(const Conv2dShape& s, const T* buf, int64_t n0, int64_t nb, T* gx) {
  const int64_t cg = s.c_in / s.groups, ohw = s.oh * s.ow, kk = s.kh * s.kw, js = nb * ohw;
  const int64_t gs = cg * kk * js;
  parallel_for(0, nb * s.c_in, kPlaneGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t pl = lo; pl < hi; ++pl) {
      const int64_t i = pl / s.c_in, cc = pl % s.c_in, g = cc / cg, c = cc % cg;
      T* xp = gx + ((n0 + i) * s.c_in + cc) * s.h * s.w;
      std::fill(xp, xp + s.h * s.w, T(0));
      for (int64_t ki = 0; ki < s.kh; ++ki)
        for (int64_t kj = 0; kj < s.kw; ++kj) {
          const T* src = buf + g * gs + ((c * s.kh + ki) * s.kw + kj) * js + i * ohw;
          for (int64_t oy = 0; oy < s.oh; ++oy) {
            const int64_t iy = oy * s.sh - s.ph + ki * s.dh;
            if (iy < 0 || iy >= s.h) continue;
            T* xrow = xp + iy * s.w;
            const T* srow = src + oy * s.ow;
            for (int64_t ox = 0; ox < s.ow; ++ox) {
              const int64_t ix = ox * s.sw - s.pw + kj * s.dw;
              if (ix >= 0 && ix < s.w) xrow[ix] += srow[ox];
            }
          }
        }
    }
  });
}

template <typename T>
void forward_impl(const Conv2dShape& s, const T* x, const T* w, const T* bias, T* y) {
  const int64_t ohw = s.oh * s.ow, cg = s.c_in / s.groups, og = s.c_out / s.groups, cgkk = cg * s.kh * s.kw;
  if (s.n == 0 || s.c_out == 0 || ohw == 0) return;
  if (bias)
    parallel_for(0, s.n * s.c_out, 64, [&](int64_t lo, int64_t hi) {
      for (int64_t p = lo; p < hi; ++p) std::fill(y + p * ohw, y + (p + 1) * ohw, bias[p % s.c_out]);
    });
  const int64_t chunk = chunk_samples(s);
  auto buf = buffer<T>(s.groups * cgkk * chunk * ohw);
  for (int64_t n0 = 0; n0 < s.n; n0 += chunk) {
    const int64_t nb = std::min(chunk, s.n - n0);
    im2col(s, x, n0, nb, buf.get(), 1, cgkk);  // rows layout: [g][i * ohw + q][j]
    for (int64_t g = 0; g < s.groups; ++g) {
      GemmDesc d;
      d.batch = nb, d.m = og, d.n = ohw, d.k = cgkk;
      d.a_bs = 0, d.a_rs = cgkk, d.a_cs = 1;
      d.b_bs = ohw * cgkk, d.b_rs = 1, d.b_cs = cgkk;
      d.c_bs = s.c_out * ohw, d.c_rs = ohw, d.c_cs = 1;
      gemm_ref(d, T(bias ? 1 : 0), w + g * og * cgkk, buf.get() + g * cgkk * nb * ohw,
               y + (n0 * s.c_out + g * og) * ohw);
    }
  }
}

template <typename T>
void input_grad_impl(const Conv2dShape& s, const T* gy, const T* w, T* gx) {
  const int64_t ohw = s.oh * s.ow, cg = s.c_in / s.groups, og = s.c_out / s.groups, cgkk = cg * s.kh * s.kw;
  if (s.n == 0 || s.c_in == 0 || s.h * s.w == 0) return;
  if (ohw == 0 || og == 0) {
    std::fill(gx, gx + s.n * s.c_in * s.h * s.w, T(0));
    return;
  }
  // wt[g][j][o] = w[g * og + o][j], so the GEMM reads both operands along o contiguously.
  auto wt = buffer<T>(s.c_out * cgkk);
  for (int64_t g = 0; g < s.groups; ++g)
    for (int64_t o = 0; o < og; ++o)
      for (int64_t j = 0; j < cgkk; ++j) wt[(g * cgkk + j) * og + o] = w[(g * og + o) * cgkk + j];
  const int64_t chunk = chunk_samples(s);
  auto cols = buffer<T>(s.groups * cgkk * chunk * ohw);
  auto gyt = buffer<T>(chunk * ohw * s.c_out);  // gy of the chunk as [i * ohw + q][o]
  for (int64_t n0 = 0; n0 < s.n; n0 += chunk) {
    const int64_t nb = std::min(chunk, s.n - n0);
    parallel_for(0, nb, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i)
        for (int64_t o = 0; o < s.c_out; ++o) {
          const T* src = gy + ((n0 + i) * s.c_out + o) * ohw;
          for (int64_t q = 0; q < ohw; ++q) gyt[(i * ohw + q) * s.c_out + o] = src[q];
        }
    });
    for (int64_t g = 0; g < s.groups; ++g) {
      GemmDesc d;
      d.m = cgkk, d.n = nb * ohw, d.k = og;
      d.a_rs = og, d.a_cs = 1;
      d.b_rs = 1, d.b_cs = s.c_out;
      d.c_rs = nb * ohw, d.c_cs = 1;
      gemm_ref(d, T(0), wt.get() + g * cgkk * og, gyt.get() + g * og, cols.get() + g * cgkk * nb * ohw);
    }
    col2im(s, cols.get(), n0, nb, gx);
  }
}

template <typename T>
void weight_grad_impl(const Conv2dShape& s, const T* gy, const T* x, T* gw) {
  const int64_t ohw = s.oh * s.ow, cg = s.c_in / s.groups, og = s.c_out / s.groups, cgkk = cg * s.kh * s.kw;
  if (s.c_out * cgkk == 0) return;
  if (s.n == 0 || ohw == 0) {
    std::fill(gw, gw + s.c_out * cgkk, T(0));
    return;
  }
  const int64_t chunk = chunk_samples(s);
  auto cols = buffer<T>(s.groups * cgkk * chunk * ohw);
  auto gyp = buffer<T>(s.c_out * chunk * ohw);  // gy of the chunk as [o][i * ohw + q]
  for (int64_t n0 = 0; n0 < s.n; n0 += chunk) {
    const int64_t nb = std::min(chunk, s.n - n0);
    im2col(s, x, n0, nb, cols.get(), nb * ohw, 1);  // columns layout: [g][j][i * ohw + q]
    parallel_for(0, s.c_out, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t o = lo; o < hi; ++o)
        for (int64_t i = 0; i < nb; ++i)
          std::copy(gy + ((n0 + i) * s.c_out + o) * ohw, gy + ((n0 + i) * s.c_out + o + 1) * ohw,
                    gyp.get() + (o * nb + i) * ohw);
    });
    for (int64_t g = 0; g < s.groups; ++g) {
      GemmDesc d;
      d.m = og, d.n = cgkk, d.k = nb * ohw;
      d.a_rs = nb * ohw, d.a_cs = 1;
      d.b_rs = 1, d.b_cs = nb * ohw;
      d.c_rs = cgkk, d.c_cs = 1;
      gemm_ref(d, T(n0 == 0 ? 0 : 1), gyp.get() + g * og * nb * ohw, cols.get() + g * cgkk * nb * ohw,
               gw + g * og * cgkk);
    }
  }
}

template <typename F>
void dispatch_conv(DType dtype, const char* op, F&& f) {
  if (dtype == DType::f32)
    f(float{});
  else if (dtype == DType::f64)
    f(double{});
  else
    throw DTypeError(MsgId::dtype_not_supported, op, dtype);
}

}  // namespace

void conv2d_forward__reference(DType dtype, const Conv2dShape& s, const void* x, const void* w, const void* bias,
                               void* y) {
  dispatch_conv(dtype, "conv2d", [&](auto t) {
    using T = decltype(t);
    forward_impl<T>(s, static_cast<const T*>(x), static_cast<const T*>(w), static_cast<const T*>(bias),
                    static_cast<T*>(y));
  });
}

void conv2d_input_grad__reference(DType dtype, const Conv2dShape& s, const void* gy, const void* w, void* gx) {
  dispatch_conv(dtype, "conv2d_input_grad", [&](auto t) {
    using T = decltype(t);
    input_grad_impl<T>(s, static_cast<const T*>(gy), static_cast<const T*>(w), static_cast<T*>(gx));
  });
}

void conv2d_weight_grad__reference(DType dtype, const Conv2dShape& s, const void* gy, const void* x, void* gw) {
  dispatch_conv(dtype, "conv2d_weight_grad", [&](auto t) {
    using T = decltype(t);
    weight_grad_impl<T>(s, static_cast<const T*>(gy), static_cast<const T*>(x), static_cast<T*>(gw));
  });
}

}  // namespace hangu::kernels

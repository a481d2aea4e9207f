// Pooling for any number of spatial dims: MaxPool (with Indices), AveragePool, LpPool, their
// Global forms, and MaxUnpool. Windows may be dilated, padded asymmetrically or automatically,
// and rounded up (ceil_mode). Work is split over planes (batch x channels).
#include <algorithm>
#include <cmath>
#include <limits>

#include "hangu/kernels/cpu/pool.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/reduction.h"
#include "hangu/ops/views.h"
#include "hangu/runtime/ops_common.h"
#include "hangu/runtime/window.h"

namespace hangu::runtime {
namespace {

enum class Pool { max, avg, lp };

struct PoolPlan {
  Window win;
  std::vector<std::vector<int64_t>> kernel_offsets;  // per kernel element: offset per dim
  int64_t in_size = 1, out_size = 1;
};

void unravel(int64_t flat, const std::vector<int64_t>& dims, std::vector<int64_t>& idx) {
  for (size_t d = dims.size(); d-- > 0;) {
    idx[d] = flat % dims[d];
    flat /= dims[d];
  }
}

template <typename T>
void pool_planes(const OpContext& c, const T* x, T* y, int64_t* idx, int64_t planes, const PoolPlan& p, Pool kind,
                 bool count_include_pad, double lp, bool column_major) {
  const Window& w = p.win;
  const size_t r = w.in.size();
  // Strides of the input plane for Indices: row-major, or reversed dims for storage_order 1.
  std::vector<int64_t> istride(r, 1);
  if (column_major) {
    for (size_t d = 1; d < r; ++d) istride[d] = istride[d - 1] * w.in[d - 1];
  } else {
    for (size_t d = r - 1; d-- > 0;) istride[d] = istride[d + 1] * w.in[d + 1];
  }
  parallel_for(0, planes, 1, [&](int64_t lo, int64_t hi) {
    std::vector<int64_t> o(r);
    for (int64_t plane = lo; plane < hi; ++plane) {
      const T* xp = x + plane * p.in_size;
      for (int64_t oo = 0; oo < p.out_size; ++oo) {
        unravel(oo, w.out, o);
        double best = -std::numeric_limits<double>::infinity(), acc = 0;
        int64_t best_at = -1, count = 0, padded_count = 0;
        for (const auto& k : p.kernel_offsets) {
          int64_t off = 0, ioff = 0;
          bool inside = true, in_padded = true;
          for (size_t d = 0; d < r; ++d) {
            const int64_t pos = o[d] * w.stride[d] - w.pad_begin[d] + k[d] * w.dilation[d];
            inside = inside && pos >= 0 && pos < w.in[d];
            in_padded = in_padded && pos >= -w.pad_begin[d] && pos < w.in[d] + w.pad_end[d];
            off = off * w.in[d] + pos;
            ioff += pos * istride[d];
          }
          padded_count += in_padded;
          if (!inside) continue;
          const double v = static_cast<double>(static_cast<opmath_t<T>>(xp[off]));
          ++count;
          if (kind == Pool::max) {
            if (v > best || (std::isnan(v) && !std::isnan(best)) || best_at < 0) {
              best = v;
              best_at = ioff;
            }
          } else if (kind == Pool::avg) {
            acc += v;
          } else {
            acc += std::pow(std::fabs(v), lp);
          }
        }
        double out;
        if (kind == Pool::max) out = best;
        else if (kind == Pool::avg) {
          const int64_t div = count_include_pad ? padded_count : count;
          out = div > 0 ? acc / static_cast<double>(div) : 0.0;
        } else out = std::pow(acc, 1.0 / lp);
        y[plane * p.out_size + oo] = static_cast<T>(static_cast<opmath_t<T>>(out));
        if (idx) idx[plane * p.out_size + oo] = plane * p.in_size + (best_at < 0 ? 0 : best_at);
      }
    }
  });
  (void)c;
}

// The common case, 2-D max or average pooling of float32/float64 planes: direct loops over the
// part of each window that lies inside the input (no bounds checks in the inner loop).
template <typename T>
void pool2d_planes(const T* x, T* y, int64_t* idx, int64_t planes, const Window& w, Pool kind, bool count_include_pad,
                   bool column_major) {
  const int64_t H = w.in[0], W = w.in[1], OH = w.out[0], OW = w.out[1];
  const int64_t KH = w.kernel[0], KW = w.kernel[1], SH = w.stride[0], SW = w.stride[1];
  const int64_t DH = w.dilation[0], DW = w.dilation[1], PH = w.pad_begin[0], PW = w.pad_begin[1];
  const int64_t PH_END = w.pad_end[0], PW_END = w.pad_end[1];
  // [lo, hi) of kernel taps whose position start + k * d lies in [0, size).
  auto taps = [](int64_t start, int64_t k, int64_t d, int64_t size, int64_t* lo, int64_t* hi) {
    *lo = start >= 0 ? 0 : (-start + d - 1) / d;
    *hi = start >= size ? 0 : std::min(k, (size - start + d - 1) / d);
    if (*hi < *lo) *hi = *lo;
  };
  const bool is_max = kind == Pool::max;
  parallel_for(0, planes, 1, [=](int64_t lo, int64_t hi) {
    for (int64_t p = lo; p < hi; ++p) {
      const T* xp = x + p * H * W;
      T* yp = y + p * OH * OW;
      for (int64_t oh = 0; oh < OH; ++oh) {
        const int64_t h0 = oh * SH - PH;
        int64_t kh0, kh1, ph0, ph1;
        taps(h0, KH, DH, H, &kh0, &kh1);
        taps(h0 + PH, KH, DH, H + PH + PH_END, &ph0, &ph1);  // taps inside the padded input
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t w0 = ow * SW - PW;
          int64_t kw0, kw1, pw0, pw1;
          taps(w0, KW, DW, W, &kw0, &kw1);
          taps(w0 + PW, KW, DW, W + PW + PW_END, &pw0, &pw1);
          const int64_t o = oh * OW + ow;
          if (is_max) {
            T best = -std::numeric_limits<T>::infinity();
            int64_t at = -1;
            for (int64_t kh = kh0; kh < kh1; ++kh) {
              const T* row = xp + (h0 + kh * DH) * W + w0;
              for (int64_t kw = kw0; kw < kw1; ++kw) {
                const T v = row[kw * DW];
                if (v > best || (v != v && best == best) || at < 0) {
                  best = v;
                  at = (h0 + kh * DH) * W + w0 + kw * DW;
                }
              }
            }
            yp[o] = best;
            if (idx) {
              const int64_t ih = at < 0 ? 0 : at / W, iw = at < 0 ? 0 : at % W;
              idx[p * OH * OW + o] = p * H * W + (column_major ? iw * H + ih : ih * W + iw);
            }
          } else {
            double acc = 0;
            for (int64_t kh = kh0; kh < kh1; ++kh) {
              const T* row = xp + (h0 + kh * DH) * W + w0;
              for (int64_t kw = kw0; kw < kw1; ++kw) acc += static_cast<double>(row[kw * DW]);
            }
            const int64_t div = count_include_pad ? (ph1 - ph0) * (pw1 - pw0) : (kh1 - kh0) * (kw1 - kw0);
            yp[o] = static_cast<T>(div > 0 ? acc / static_cast<double>(div) : 0.0);
          }
        }
      }
    }
  });
}

template <Pool K>
void op_pool(OpContext& c) {
  const Tensor x = contiguous(c.input(0));
  if (x.dim() < 3) bad_input_shape(c, 0, x.shape(), "[N, C, spatial...]");
  PoolPlan p;
  const std::vector<int64_t> in(x.shape().begin() + 2, x.shape().end());
  p.win = forward_window(c, in, c.attr_ints("kernel_shape"), c.attr_int("ceil_mode", 0) != 0);
  for (int64_t s : p.win.in) p.in_size *= s;
  for (int64_t s : p.win.out) p.out_size *= s;
  int64_t kcount = 1;
  for (int64_t k : p.win.kernel) kcount *= k;
  std::vector<int64_t> kidx(p.win.kernel.size());
  for (int64_t kk = 0; kk < kcount; ++kk) {
    unravel(kk, p.win.kernel, kidx);
    p.kernel_offsets.push_back(kidx);
  }
  Shape out{x.size(0), x.size(1)};
  out.insert(out.end(), p.win.out.begin(), p.win.out.end());
  Tensor y = empty(IntList(out), x.dtype());
  const bool want_idx = K == Pool::max && c.wants(1);
  Tensor idx = want_idx ? empty(IntList(out), DType::i64) : Tensor();
  const int64_t planes = x.size(0) * x.size(1);
  const bool include_pad = c.attr_int("count_include_pad", 0) != 0;
  const double lp = static_cast<double>(c.attr_int("p", 2));
  const bool column_major = c.attr_int("storage_order", 0) != 0;
  if (K != Pool::lp && p.win.in.size() == 2 && (x.dtype() == DType::f32 || x.dtype() == DType::f64)) {
    const Window& w = p.win;
    kernels::Pool2dShape ks;
    ks.planes = planes;
    ks.h = w.in[0], ks.w = w.in[1], ks.oh = w.out[0], ks.ow = w.out[1];
    ks.kh = w.kernel[0], ks.kw = w.kernel[1], ks.sh = w.stride[0], ks.sw = w.stride[1];
    ks.ph = w.pad_begin[0], ks.pw = w.pad_begin[1], ks.dh = w.dilation[0], ks.dw = w.dilation[1];
    // The SIMD kernels: max pooling takes any pads (the output size sets the end pads); average
    // pooling counts padding PyTorch's way, which equals ONNX's when the pads are symmetric.
    const bool symmetric = w.pad_begin == w.pad_end && w.dilation[0] == 1 && w.dilation[1] == 1;
    if (K == Pool::max && y.numel() > 0) {
      Tensor local = empty(IntList(out), DType::i64);
      kernels::max_pool2d_forward(x.dtype(), ks, x.data(), y.data(), local.data_ptr<int64_t>());
      if (want_idx) {
        const int64_t* li = local.data_ptr<int64_t>();
        int64_t* gi = idx.data_ptr<int64_t>();
        const int64_t H = ks.h, W = ks.w, per = ks.oh * ks.ow;
        for (int64_t i = 0; i < y.numel(); ++i) {
          const int64_t within = li[i], ih = within / W, iw = within % W;
          gi[i] = (i / per) * H * W + (column_major ? iw * H + ih : within);
        }
      }
      c.set(0, y);
      if (want_idx) c.set(1, idx);
      return;
    }
    if (K == Pool::avg && symmetric && y.numel() > 0) {
      kernels::avg_pool2d_forward(x.dtype(), ks, include_pad, x.data(), y.data());
      c.set(0, y);
      return;
    }
    dispatch_dtype(x.dtype(), [&]<typename T>() {
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>)
        pool2d_planes<T>(x.data_ptr<T>(), y.data_ptr<T>(), want_idx ? idx.data_ptr<int64_t>() : nullptr, planes, p.win, K,
                         include_pad, column_major);
    });
    c.set(0, y);
    if (want_idx) c.set(1, idx);
    return;
  }
  dispatch_dtype(x.dtype(), [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) {
      bad_input_dtype(c, 0, x.dtype(), "a number type");
    } else {
      pool_planes<T>(c, x.data_ptr<T>(), y.data_ptr<T>(), want_idx ? idx.data_ptr<int64_t>() : nullptr, planes, p, K,
                     include_pad, lp, column_major);
    }
  });
  c.set(0, y);
  if (want_idx) c.set(1, idx);
}

std::vector<int64_t> spatial_dims(const Tensor& x) {
  std::vector<int64_t> d;
  for (int64_t i = 2; i < x.dim(); ++i) d.push_back(i);
  return d;
}

void op_global_avg(OpContext& c) { c.set(0, mean(c.input(0), IntList(spatial_dims(c.input(0))), true)); }
void op_global_max(OpContext& c) { c.set(0, amax(c.input(0), IntList(spatial_dims(c.input(0))), true)); }
void op_global_lp(OpContext& c) {
  const Tensor& x = c.input(0);
  c.set(0, norm(x, static_cast<double>(c.attr_int("p", 2)), IntList(spatial_dims(x)), true));
}

void op_max_unpool(OpContext& c) {
  const Tensor& x = c.input(0);
  const Tensor& ind = c.input(1);
  if (x.dim() < 3) bad_input_shape(c, 0, x.shape(), "[N, C, spatial...]");
  const size_t r = static_cast<size_t>(x.dim() - 2);
  std::vector<int64_t> kernel = c.attr_ints("kernel_shape"), strides = c.attr_ints("strides"), pads = c.attr_ints("pads");
  if (strides.empty()) strides.assign(r, 1);
  if (pads.empty()) pads.assign(2 * r, 0);
  if (kernel.size() != r || strides.size() != r || pads.size() != 2 * r) bad_attr(c, "kernel_shape", shape_str(kernel), std::to_string(r) + " spatial dims");
  // Indices address the default output shape; a larger output_shape adds zeros at the end of
  // each spatial dim.
  Shape out{x.size(0), x.size(1)};
  for (size_t d = 0; d < r; ++d) out.push_back((x.size(static_cast<int64_t>(d) + 2) - 1) * strides[d] + kernel[d] - pads[d] - pads[d + r]);
  for (int64_t s : out)
    if (s < 0) bad_attr(c, "kernel_shape", shape_str(out), "a non-negative output shape");
  if (static_cast<int64_t>(int_values(ind).size()) != x.numel()) bad_input_shape(c, 1, ind.shape(), shape_str(x.shape()));
  Tensor y = zeros(IntList(out), x.dtype());
  const int64_t total = y.numel();
  std::vector<int64_t> iv = int_values(ind);
  Tensor xc = contiguous(x);
  Tensor flat = reshape(y, {-1});
  dispatch_dtype(x.dtype(), [&]<typename T>() {
    const T* xp = xc.data_ptr<T>();
    T* yp = flat.data_ptr<T>();
    for (size_t i = 0; i < iv.size(); ++i) {
      if (iv[i] < 0 || iv[i] >= total) throw IndexError(MsgId::rt_index_out_of_range, c.label(), iv[i], total);
      yp[iv[i]] = xp[i];
    }
  });
  if (c.has(2)) {
    const std::vector<int64_t> want = int_values(c.input(2));
    if (want.size() != out.size()) bad_input_shape(c, 2, {static_cast<int64_t>(want.size())}, std::to_string(out.size()) + " dims");
    std::vector<int64_t> p;
    for (size_t d = out.size(); d-- > 0;) {
      if (want[d] < out[d]) bad_input_shape(c, 2, want, "at least " + shape_str(out));
      p.push_back(0);
      p.push_back(want[d] - out[d]);
    }
    y = pad(y, IntList(p));
  }
  c.set(0, y);
}

}  // namespace

void register_pool_ops(OpTable& t) {
  t.add("MaxPool", op_pool<Pool::max>);
  t.add("AveragePool", op_pool<Pool::avg>);
  t.add("LpPool", op_pool<Pool::lp>);
  t.add("GlobalAveragePool", op_global_avg);
  t.add("GlobalMaxPool", op_global_max);
  t.add("GlobalLpPool", op_global_lp);
  t.add("MaxUnpool", op_max_unpool);
}

}  // namespace hangu::runtime

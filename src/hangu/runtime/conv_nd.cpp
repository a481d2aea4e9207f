#include "hangu/runtime/conv_nd.h"

#include "hangu/core/checked_math.h"
#include "hangu/core/error.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/linalg.h"
#include "hangu/ops/views.h"

namespace hangu::runtime {

namespace {

int64_t product(const std::vector<int64_t>& v) {
  int64_t p = 1;
  for (int64_t x : v) p = checked_mul(p, x, "conv");
  return p;
}

// Multi-index of flat position `flat` in a row-major box of sizes `dims`.
void unravel(int64_t flat, const std::vector<int64_t>& dims, std::vector<int64_t>& idx) {
  for (size_t d = dims.size(); d-- > 0;) {
    idx[d] = flat % dims[d];
    flat /= dims[d];
  }
}

// cols[(c*K + kk) * O + o] = x[c, o*stride - pad_begin + k*dilation] (0 outside the input).
template <typename T>
void im2col(const T* x, int64_t channels, const Window& w, T* cols) {
  const size_t r = w.in.size();
  const int64_t K = product(w.kernel), O = product(w.out), I = product(w.in);
  std::vector<int64_t> k(r), o(r);
  for (int64_t kk = 0; kk < K; ++kk) {
    unravel(kk, w.kernel, k);
    for (int64_t oo = 0; oo < O; ++oo) {
      unravel(oo, w.out, o);
      int64_t off = 0;
      bool inside = true;
      for (size_t d = 0; d < r && inside; ++d) {
        const int64_t p = o[d] * w.stride[d] - w.pad_begin[d] + k[d] * w.dilation[d];
        inside = p >= 0 && p < w.in[d];
        off = off * w.in[d] + p;
      }
      for (int64_t c = 0; c < channels; ++c) cols[(c * K + kk) * O + oo] = inside ? x[c * I + off] : T(0);
    }
  }
}

// y[m, i*stride + k*dilation] += cols[(m*K + kk) * I + i] over a zeroed y of the full size.
template <typename T>
void col2im(const T* cols, int64_t channels, const Window& w, const std::vector<int64_t>& full, T* y) {
  const size_t r = w.in.size();
  const int64_t K = product(w.kernel), I = product(w.in), F = product(full);
  std::vector<int64_t> k(r), i(r);
  for (int64_t kk = 0; kk < K; ++kk) {
    unravel(kk, w.kernel, k);
    for (int64_t ii = 0; ii < I; ++ii) {
      unravel(ii, w.in, i);
      int64_t off = 0;
      for (size_t d = 0; d < r; ++d) off = off * full[d] + i[d] * w.stride[d] + k[d] * w.dilation[d];
      for (int64_t c = 0; c < channels; ++c) y[c * F + off] += cols[(c * K + kk) * I + ii];
    }
  }
}

DType compute_dtype(DType t) { return t == DType::f64 ? DType::f64 : DType::f32; }

}  // namespace

Tensor conv_nd(const Tensor& x_in, const Tensor& w_in, const Window& win, int64_t groups) {
  const DType dt = compute_dtype(x_in.dtype());
  Tensor x = contiguous(to(x_in, dt)), w = contiguous(to(w_in, dt));
  const int64_t n = x.size(0), c = x.size(1), m = w.size(0);
  const int64_t cg = c / groups, mg = m / groups;
  const int64_t K = product(win.kernel), O = product(win.out), I = product(win.in);
  Shape yshape{n, m};
  yshape.insert(yshape.end(), win.out.begin(), win.out.end());
  Tensor y = empty(IntList(yshape), dt);
  Tensor cols = empty({cg * K, O}, dt);
  Tensor y3 = reshape(y, {n, m, O});
  Tensor w2 = reshape(w, {m, cg * K});
  for (int64_t b = 0; b < n; ++b)
    for (int64_t g = 0; g < groups; ++g) {
      dispatch_dtype(dt, [&]<typename T>() {
        if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>)
          im2col(x.data_ptr<T>() + (b * c + g * cg) * I, cg, win, cols.data_ptr<T>());
      });
      copy_(select(narrow(y3, 1, g * mg, mg), 0, b), mm(narrow(w2, 0, g * mg, mg), cols));
    }
  return dt == x_in.dtype() ? y : to(y, x_in.dtype());
}

Tensor conv_transpose_full_nd(const Tensor& x_in, const Tensor& w_in, const Window& win, int64_t groups) {
  const DType dt = compute_dtype(x_in.dtype());
  Tensor x = contiguous(to(x_in, dt)), w = contiguous(to(w_in, dt));
  const int64_t n = x.size(0), c = x.size(1);
  const int64_t cg = c / groups, mg = w.size(1), m = mg * groups;
  const int64_t K = product(win.kernel), I = product(win.in);
  std::vector<int64_t> full;
  for (size_t d = 0; d < win.in.size(); ++d) full.push_back((win.in[d] - 1) * win.stride[d] + win.span(d));
  const int64_t F = product(full);
  Shape yshape{n, m};
  yshape.insert(yshape.end(), full.begin(), full.end());
  Tensor y = zeros(IntList(yshape), dt);
  Tensor x3 = reshape(x, {n, c, I});
  Tensor w2 = reshape(w, {c, mg * K});
  for (int64_t b = 0; b < n; ++b)
    for (int64_t g = 0; g < groups; ++g) {
      Tensor cols = contiguous(mm(t(narrow(w2, 0, g * cg, cg)), select(narrow(x3, 1, g * cg, cg), 0, b)));
      dispatch_dtype(dt, [&]<typename T>() {
        if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>)
          col2im(cols.data_ptr<T>(), mg, win, full, y.data_ptr<T>() + (b * m + g * mg) * F);
      });
    }
  return dt == x_in.dtype() ? y : to(y, x_in.dtype());
}

}  // namespace hangu::runtime

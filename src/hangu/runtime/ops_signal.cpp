// Signal processing (opset 17): DFT, STFT, the Hann / Hamming / Blackman windows and
// MelWeightMatrix. Complex values are a trailing dim of 2 (real, imaginary); transforms are
// direct O(n^2) sums in double, which these sizes afford.
#include <cmath>
#include <numbers>

#include "hangu/ops/views.h"
#include "hangu/runtime/ops_common.h"

namespace hangu::runtime {
namespace {

// out[k] = sum_j in[j] * exp(-+2 pi i jk / n) for j < min(len, n); inverse divides by n.
void dft_1d(const double* re, const double* im, int64_t len, int64_t stride, int64_t n, bool inverse, int64_t keep,
            double* out_re, double* out_im, int64_t out_stride) {
  const double sign = inverse ? 1.0 : -1.0;
  for (int64_t k = 0; k < keep; ++k) {
    double sr = 0, si = 0;
    for (int64_t j = 0; j < std::min(len, n); ++j) {
      const double a = sign * 2.0 * std::numbers::pi * static_cast<double>((j * k) % n) / static_cast<double>(n);
      const double xr = re[j * stride], xi = im ? im[j * stride] : 0.0;
      sr += xr * std::cos(a) - xi * std::sin(a);
      si += xr * std::sin(a) + xi * std::cos(a);
    }
    if (inverse) {
      sr /= static_cast<double>(n);
      si /= static_cast<double>(n);
    }
    out_re[k * out_stride] = sr;
    out_im[k * out_stride] = si;
  }
}

void op_dft(OpContext& c) {
  const Tensor& x = c.input(0);
  if (x.dim() < 3 || (x.size(-1) != 1 && x.size(-1) != 2)) bad_input_shape(c, 0, x.shape(), "[batch, ..., 1 or 2]");
  const int64_t axis = norm_axis(c, c.attr_int("axis", 1), x.dim() - 1);
  if (axis == 0) bad_attr(c, "axis", "0", "a signal axis (not the batch axis)");
  const bool inverse = c.attr_int("inverse", 0) != 0, onesided = c.attr_int("onesided", 0) != 0;
  const int64_t len = x.size(axis);
  const int64_t n = c.has(1) ? c.input(1).item<int64_t>() : len;
  if (n < 1) bad_attr(c, "dft_length", std::to_string(n), "a positive length");
  const int64_t keep = onesided ? n / 2 + 1 : n;
  const std::vector<double> xv = double_values(x);
  const bool complex_in = x.size(-1) == 2;
  Shape out = x.shape();
  out[static_cast<size_t>(axis)] = keep;
  out.back() = 2;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.size(d);
  for (int64_t d = axis + 1; d < x.dim() - 1; ++d) inner *= x.size(d);
  const int64_t cin = x.size(-1);
  std::vector<double> y(static_cast<size_t>(outer * keep * inner * 2));
  std::vector<double> re(static_cast<size_t>(len)), im(static_cast<size_t>(len));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      for (int64_t j = 0; j < len; ++j) {
        const size_t at = static_cast<size_t>(((o * len + j) * inner + i) * cin);
        re[static_cast<size_t>(j)] = xv[at];
        im[static_cast<size_t>(j)] = complex_in ? xv[at + 1] : 0.0;
      }
      double* base = y.data() + (o * keep * inner + i) * 2;
      dft_1d(re.data(), im.data(), len, 1, n, inverse, keep, base, base + 1, inner * 2);
    }
  c.set(0, to(tensor(y, IntList(out)), x.dtype()));
}

void op_stft(OpContext& c) {
  const Tensor& sig = c.input(0);
  if (sig.dim() != 3 || (sig.size(2) != 1 && sig.size(2) != 2)) bad_input_shape(c, 0, sig.shape(), "[batch, length, 1 or 2]");
  const int64_t step = c.input(1).item<int64_t>();
  const std::vector<double> window = c.has(2) ? double_values(c.input(2)) : std::vector<double>{};
  const int64_t flen = c.has(3) ? c.input(3).item<int64_t>() : static_cast<int64_t>(window.size());
  if (step < 1 || flen < 1 || (!window.empty() && static_cast<int64_t>(window.size()) != flen))
    bad_attr(c, "frame_length", std::to_string(flen), "a positive length matching the window");
  const bool onesided = c.attr_int("onesided", 1) != 0;
  const int64_t batch = sig.size(0), len = sig.size(1), cin = sig.size(2);
  if (flen > len) bad_attr(c, "frame_length", std::to_string(flen), "at most the signal length " + std::to_string(len));
  const int64_t frames = (len - flen) / step + 1;
  const int64_t keep = onesided ? flen / 2 + 1 : flen;
  const std::vector<double> sv = double_values(sig);
  std::vector<double> y(static_cast<size_t>(batch * frames * keep * 2));
  std::vector<double> re(static_cast<size_t>(flen)), im(static_cast<size_t>(flen));
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t f = 0; f < frames; ++f) {
      for (int64_t j = 0; j < flen; ++j) {
        const double w = window.empty() ? 1.0 : window[static_cast<size_t>(j)];
        const size_t at = static_cast<size_t>((b * len + f * step + j) * cin);
        re[static_cast<size_t>(j)] = sv[at] * w;
        im[static_cast<size_t>(j)] = cin == 2 ? sv[at + 1] * w : 0.0;
      }
      double* base = y.data() + (b * frames + f) * keep * 2;
      dft_1d(re.data(), im.data(), flen, 1, flen, false, keep, base, base + 1, 2);
    }
  c.set(0, to(tensor(y, IntList(Shape{batch, frames, keep, 2})), sig.dtype()));
}

DType window_dtype(const OpContext& c) {
  return dtype_from_elem(static_cast<io::onnx::ElemType>(c.attr_int("output_datatype", 1)), c.label());
}

// a0 - a1 cos(2 pi k / N) + a2 cos(4 pi k / N), N = size (periodic) or size - 1 (symmetric).
void make_window(OpContext& c, double a0, double a1, double a2) {
  const int64_t size = c.input(0).item<int64_t>();
  if (size < 0 || size > (int64_t{1} << 30)) bad_attr(c, "size", std::to_string(size), "0 <= size <= 2^30");
  const bool periodic = c.attr_int("periodic", 1) != 0;
  const double n = static_cast<double>(periodic ? size : size - 1);
  std::vector<double> v(static_cast<size_t>(size));
  for (int64_t k = 0; k < size; ++k) {
    const double t = n > 0 ? 2.0 * std::numbers::pi * static_cast<double>(k) / n : 0.0;
    v[static_cast<size_t>(k)] = a0 - a1 * std::cos(t) + a2 * std::cos(2 * t);
  }
  c.set(0, to(tensor(v), window_dtype(c)));
}

void op_hann(OpContext& c) { make_window(c, 0.5, 0.5, 0.0); }
void op_hamming(OpContext& c) { make_window(c, 25.0 / 46.0, 1.0 - 25.0 / 46.0, 0.0); }
void op_blackman(OpContext& c) { make_window(c, 0.42, 0.5, 0.08); }

void op_mel_weight_matrix(OpContext& c) {
  const int64_t bins = c.input(0).item<int64_t>(), dft = c.input(1).item<int64_t>(), rate = c.input(2).item<int64_t>();
  const double lo = c.input(3).item<double>(), hi = c.input(4).item<double>();
  if (bins < 1 || dft < 1 || rate < 1 || bins > 65536 || dft > (int64_t{1} << 24))
    bad_attr(c, "num_mel_bins", std::to_string(bins), "positive sizes");
  const int64_t spec = dft / 2 + 1;
  auto to_mel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
  const double mlo = to_mel(lo), mhi = to_mel(hi), step = (mhi - mlo) / static_cast<double>(bins + 2);
  std::vector<int64_t> f(static_cast<size_t>(bins + 2));
  for (int64_t i = 0; i < bins + 2; ++i) {
    const double hz = 700.0 * (std::pow(10.0, (static_cast<double>(i) * step + mlo) / 2595.0) - 1.0);
    f[static_cast<size_t>(i)] = static_cast<int64_t>(std::floor(static_cast<double>(dft + 1) * hz / static_cast<double>(rate)));
  }
  std::vector<double> out(static_cast<size_t>(spec * bins), 0.0);
  auto set = [&](int64_t j, int64_t i, double v) {
    if (j >= 0 && j < spec) out[static_cast<size_t>(j * bins + i)] = v;
  };
  for (int64_t i = 0; i < bins; ++i) {
    const int64_t l = f[static_cast<size_t>(i)], m = f[static_cast<size_t>(i + 1)], h = f[static_cast<size_t>(i + 2)];
    if (m == l) set(m, i, 1.0);
    else
      for (int64_t j = l; j <= m; ++j) set(j, i, static_cast<double>(j - l) / static_cast<double>(m - l));
    if (h > m)
      for (int64_t j = m; j < h; ++j) set(j, i, static_cast<double>(h - j) / static_cast<double>(h - m));
  }
  c.set(0, to(tensor(out, IntList(Shape{spec, bins})), window_dtype(c)));
}

}  // namespace

void register_signal_ops(OpTable& t) {
  t.add("DFT", op_dft);
  t.add("STFT", op_stft);
  t.add("HannWindow", op_hann);
  t.add("HammingWindow", op_hamming);
  t.add("BlackmanWindow", op_blackman);
  t.add("MelWeightMatrix", op_mel_weight_matrix);
}

}  // namespace hangu::runtime

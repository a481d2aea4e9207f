// When the direct convolution (direct_impl.h) runs, and its gradient forms: for stride 1,
// gx = conv^T(gy) is itself a convolution of gy with the flipped, transposed weight and padding
// (k - 1) * d - p (negative padding crops), so the same kernel serves both; the weight gradient
// has its own kernel on the same bands (direct_wgrad_impl.h).
#include <algorithm>

#include "hangu/core/thread_pool.h"
#include "hangu/kernels/cpu/conv/conv_paths.h"
#include "hangu/kernels/cpu/conv/direct_isa.h"
#include "hangu/kernels/cpu/isa.h"

namespace hangu::kernels {
namespace {

inline constexpr int64_t kMinPositions = 256;  // output positions per image, or per band of stacked images
// Stacked small images compute their halo rows and columns too: at least this share of the
// positions computed must be real outputs (LeNet's second layer: 64 of 144; ResNet's 7 x 7: 49 of 81).
inline constexpr double kMinUsefulShare = 0.4;
inline constexpr int64_t kMaxBandBytes = int64_t{8} << 20;  // per-thread band buffer
// The weight gradient goes direct for at most this many output channels per group. im2col + GEMM
// puts them on the GEMM's N side, in 32-wide panels: 16 channels waste half of each tile, and the
// direct kernel measured 1.2-1.9x faster at 16 and 32 channels (ResNet-20's 32 x 32 and 16 x 16
// layers at batch 128), 0.8-0.9x at 64 (its 8 x 8 layers, and 56 x 56 at batch 32).
inline constexpr int64_t kMaxWeightGradChannels = 32;
// The channel-vectorised kernel: output rows of at most this many positions, at least this many
// output channels per group, and this many positions in the batch to share the cost of repacking
// the weights on each call (ResNet-18's 7 x 7 layers at batch 1 ran 2x slower with it:
// 49 positions against 9 MiB of weights).
inline constexpr int64_t kMaxCvecRow = 16, kMinCvecChannels = 32, kMinCvecPositions = 512;
// Its weight gradient (3 x 3 and smaller kernels) builds the batch's padded input and transposed
// gy, up to this size: 64 channels on 8 x 8 at batch 128 measured 10.1 ms (backward, 1 thread)
// against 14.6 through the position-vectorised kernel, 32 on 16 x 16 10.5 against 12.5.
inline constexpr int64_t kMaxCvecWgradBytes = int64_t{64} << 20;

// The per-thread memory of direct_impl.h's Geometry, bounded from above.
bool band_fits(const DirectConv& d) {
  const int64_t wq = d.ow + ((d.kw - 1) * d.dw) / d.sw;
  const int64_t rows = std::min(d.oh, (kDirectBandPositions + wq - 1) / wq);
  const int64_t plane = (rows + ((d.kh - 1) * d.dh) / d.sh) * wq + 64 + wq;
  const int64_t band = d.c_in * d.sh * d.sw * plane;
  return 4 * band <= kMaxBandBytes;
}

DirectConv direct_of(const Conv2dShape& s) {
  DirectConv d;
  d.n = s.n, d.c_in = s.c_in, d.h = s.h, d.w = s.w, d.c_out = s.c_out, d.oh = s.oh, d.ow = s.ow;
  d.kh = s.kh, d.kw = s.kw, d.sh = s.sh, d.sw = s.sw, d.pt = s.ph, d.pl = s.pw, d.dh = s.dh, d.dw = s.dw;
  d.groups = s.groups;
  return d;
}

// Short output rows and enough output channels to fill the vectors: the channel-vectorised kernel,
// which computes no halo positions (direct_cvec_impl.h). With weights packed in advance it needs
// no batch to share the cost of packing them.
bool cvec_takes(const DirectConv& d, bool prepacked = false) {
  const int64_t hp = (d.oh - 1) * d.sh + (d.kh - 1) * d.dh + 1, wp = (d.ow - 1) * d.sw + (d.kw - 1) * d.dw + 1;
  return d.kh * d.kw >= 2 && d.ow <= kMaxCvecRow && d.c_out / d.groups >= kMinCvecChannels &&
         (prepacked || d.n * d.oh * d.ow >= kMinCvecPositions) && 4 * (d.c_in / d.groups) * hp * wp <= kMaxBandBytes;
}

// At least the bytes of the batch's padded input and transposed gy that the channel-vectorised
// weight gradient builds (gy's channels counted in blocks of 64, the widest it uses).
int64_t cvec_wgrad_bytes(const DirectConv& d) {
  const int64_t hp = (d.oh - 1) * d.sh + (d.kh - 1) * d.dh + 1, wp = (d.ow - 1) * d.sw + (d.kw - 1) * d.dw + 1;
  const int64_t og_pad = (d.c_out / d.groups + 63) / 64 * 64;
  return 4 * d.n * (d.c_in * hp * wp + d.groups * d.oh * d.ow * og_pad);
}

// Calls the kernel of the active level (avx512 or avx2 with the same arguments); false at the
// reference level, whose callers run the GEMM or reference path instead.
template <typename F512, typename F2, typename... Args>
bool on_active_isa(F512 avx512, F2 avx2, const Args&... args) {
  switch (active_isa()) {
    case Isa::avx512:
      avx512(args...);
      return true;
    case Isa::avx2:
      avx2(args...);
      return true;
    case Isa::reference:
      return false;
  }
  return false;
}

bool run_direct(const DirectConv& d, const float* x, const float* w, bool transposed, const float* bias, float* y) {
  if (d.kh * d.kw < 2) return false;
  const float* none = nullptr;
  if (cvec_takes(d))
    return on_active_isa(f32_conv_direct_cvec__avx512, f32_conv_direct_cvec__avx2, d, x, w, transposed, bias, y, none);
  if (!band_fits(d)) return false;
  if (d.oh * d.ow < kMinPositions) {  // small images go stacked (direct_impl.h): enough of them, little waste
    const int64_t wq = d.ow + ((d.kw - 1) * d.dw) / d.sw, block = (d.oh + ((d.kh - 1) * d.dh) / d.sh) * wq;
    const int64_t stack = direct_stack(d.n, block);
    if (stack * d.oh * d.ow < kMinPositions || d.oh * d.ow < kMinUsefulShare * static_cast<double>(block)) return false;
  }
  return on_active_isa(f32_conv_direct__avx512, f32_conv_direct__avx2, d, x, w, transposed, bias, y);
}

}  // namespace

int64_t cvec_packed_size(const DirectConv& d, int64_t cb) {
  const int64_t cg = d.c_in / d.groups, og = d.c_out / d.groups, blocks = (og + cb - 1) / cb;
  return d.groups * blocks * cb * (cg * d.kh * d.kw + 1);
}

void cvec_pack(const DirectConv& d, const float* w, bool transposed, const float* bias, int64_t cb, float* out) {
  const int64_t cg = d.c_in / d.groups, og = d.c_out / d.groups, kk = d.kh * d.kw, blocks = (og + cb - 1) / cb;
  // One (group, block, channel) per chunk, each reading its weights in order.
  parallel_for(0, d.groups * blocks * cg, 16, [&](int64_t lo, int64_t hi) {
    for (int64_t q = lo; q < hi; ++q) {
      const int64_t c = q % cg, gb = q / cg, gr = gb / blocks, ob = gb % blocks;
      float* a = out + (gb * cg + c) * kk * cb;
      for (int64_t l = 0; l < cb; ++l) {
        const int64_t o = ob * cb + l;
        if (o >= og) {
          for (int64_t t = 0; t < kk; ++t) a[t * cb + l] = 0.0f;
        } else if (transposed) {
          const float* src = w + ((gr * cg + c) * og + o) * kk;
          for (int64_t t = 0; t < kk; ++t) a[t * cb + l] = src[kk - 1 - t];
        } else {
          const float* src = w + ((gr * og + o) * cg + c) * kk;
          for (int64_t t = 0; t < kk; ++t) a[t * cb + l] = src[t];
        }
      }
    }
  });
  float* b = out + d.groups * blocks * cb * cg * kk;
  for (int64_t gb = 0; gb < d.groups * blocks; ++gb)
    for (int64_t l = 0; l < cb; ++l) {
      const int64_t o = (gb % blocks) * cb + l;
      b[gb * cb + l] = o < og && bias ? bias[(gb / blocks) * og + o] : 0.0f;
    }
}

std::shared_ptr<const Conv2dPacked> conv_direct_pack(const Conv2dShape& s, const float* w, const float* bias) {
  const Isa isa = active_isa();
  const DirectConv d = direct_of(s);  // the image sizes do not enter the packing
  if (isa == Isa::reference || d.kh * d.kw < 2 || d.c_out / d.groups < kMinCvecChannels) return nullptr;
  auto p = std::make_shared<Conv2dPacked>();
  p->isa = isa, p->c_in = s.c_in, p->c_out = s.c_out, p->kh = s.kh, p->kw = s.kw, p->groups = s.groups;
  p->has_bias = bias != nullptr;
  p->block = cvec_block(isa == Isa::avx512, d.c_out / d.groups);
  p->data.resize(static_cast<size_t>(cvec_packed_size(d, p->block)));
  cvec_pack(d, w, false, bias, p->block, p->data.data());
  return p;
}

bool conv_direct_forward_packed(const Conv2dShape& s, const float* x, const Conv2dPacked& p, const float* bias,
                                float* y) {
  const DirectConv d = direct_of(s);
  if (p.isa != active_isa() || p.c_in != s.c_in || p.c_out != s.c_out || p.kh != s.kh || p.kw != s.kw ||
      p.groups != s.groups || p.has_bias != (bias != nullptr) || !cvec_takes(d, true) ||
      p.block != cvec_block(p.isa == Isa::avx512, s.c_out / s.groups))
    return false;
  const float* none = nullptr;
  return on_active_isa(f32_conv_direct_cvec__avx512, f32_conv_direct_cvec__avx2, d, x, none, false, none, y,
                       p.data.data());
}

bool conv_direct_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y) {
  return run_direct(direct_of(s), x, w, false, bias, y);
}

bool conv_direct_weight_grad(const Conv2dShape& s, const float* gy, const float* x, float* gw) {
  const DirectConv d = direct_of(s);
  if (d.kh * d.kw < 2) return false;
  if (cvec_takes(d) && d.kh * d.kw <= 9 && cvec_wgrad_bytes(d) <= kMaxCvecWgradBytes)
    return on_active_isa(f32_conv_direct_cvec_weight_grad__avx512, f32_conv_direct_cvec_weight_grad__avx2, d, gy, x, gw);
  if (s.c_out / s.groups > kMaxWeightGradChannels || !band_fits(d)) return false;
  return on_active_isa(f32_conv_direct_weight_grad__avx512, f32_conv_direct_weight_grad__avx2, d, gy, x, gw);
}

bool conv_direct_input_grad(const Conv2dShape& s, const float* gy, const float* w, float* gx) {
  if (s.sh != 1 || s.sw != 1) return false;
  DirectConv d;  // gx = conv(gy, flipped w^T): c_out -> c_in channels, oh x ow -> h x w
  d.n = s.n, d.c_in = s.c_out, d.h = s.oh, d.w = s.ow, d.c_out = s.c_in, d.oh = s.h, d.ow = s.w;
  d.kh = s.kh, d.kw = s.kw, d.pt = (s.kh - 1) * s.dh - s.ph, d.pl = (s.kw - 1) * s.dw - s.pw;
  d.dh = s.dh, d.dw = s.dw, d.groups = s.groups;
  return run_direct(d, gy, w, true, nullptr, gx);
}

}  // namespace hangu::kernels

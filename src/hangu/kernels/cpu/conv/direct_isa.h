#pragma once
// The direct f32 convolution (direct_impl.h) per instruction set, and when it is used.
#include <algorithm>
#include <cstdint>

namespace hangu::kernels {

// Output positions per band (one task), about: large bands rebuild fewer halo rows, yet a batch of
// one still makes kDirectMinBands tasks for the threads.
inline constexpr int64_t kDirectBandPositions = 768, kDirectMinBands = 4;

// Whole images per band when n images of `block` positions each (padded grid) are stacked: as many
// as fill a band, while leaving kDirectMinBands tasks. The kernel (direct_impl.h) and the test of
// whether it takes a shape (conv_direct.cpp) both use this.
inline int64_t direct_stack(int64_t n, int64_t block) {
  const int64_t fill = std::max<int64_t>(1, kDirectBandPositions / std::max<int64_t>(1, block));
  return std::clamp<int64_t>((n + kDirectMinBands - 1) / kDirectMinBands, 1, fill);
}

// y = conv(x, w) + bias with top/left padding pt/pl (any sign; the bottom/right padding follows
// from oh/ow). The input gradient of a stride-1 convolution is such a convolution too (see
// conv_direct.cpp): `transposed` then reads w as that convolution's flipped, transposed weight.
struct DirectConv {
  int64_t n = 0, c_in = 0, h = 0, w = 0, c_out = 0, oh = 0, ow = 0;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, pt = 0, pl = 0, dh = 1, dw = 1, groups = 1;
};

void f32_conv_direct__avx2(const DirectConv& d, const float* x, const float* w, bool transposed, const float* bias,
                           float* y);
void f32_conv_direct__avx512(const DirectConv& d, const float* x, const float* w, bool transposed, const float* bias,
                             float* y);
// The same convolution vectorised over the output channels (direct_cvec_impl.h), for small images.
// `packed` (may be null): w and bias already in cvec_pack's layout with cvec_block's blocks.
void f32_conv_direct_cvec__avx2(const DirectConv& d, const float* x, const float* w, bool transposed,
                                const float* bias, float* y, const float* packed);
void f32_conv_direct_cvec__avx512(const DirectConv& d, const float* x, const float* w, bool transposed,
                                  const float* bias, float* y, const float* packed);
// Output channels per block of that kernel at a level: AVX-512 64 (og a multiple of 64) or 32,
// AVX2 16. The per-ISA files pick their register tiles to match.
inline int64_t cvec_block(bool avx512, int64_t og) { return avx512 ? (og % 64 == 0 ? 64 : 32) : 16; }
// Its weights as [group][block][c][tap][cb], then the bias as [group][block][cb], zero past the
// group's output channels (transposed: an input gradient's flipped, transposed weights; bias may
// be null). Floats: cvec_packed_size.
int64_t cvec_packed_size(const DirectConv& d, int64_t cb);
void cvec_pack(const DirectConv& d, const float* w, bool transposed, const float* bias, int64_t cb, float* out);
// The weight gradient of those (kh * kw <= 9), vectorised over the output channels.
void f32_conv_direct_cvec_weight_grad__avx2(const DirectConv& d, const float* gy, const float* x, float* gw);
void f32_conv_direct_cvec_weight_grad__avx512(const DirectConv& d, const float* gy, const float* x, float* gw);
// gw = sum over the batch of gy (x) x for y = conv(x, w) (direct_wgrad_impl.h); gw is overwritten.
void f32_conv_direct_weight_grad__avx2(const DirectConv& d, const float* gy, const float* x, float* gw);
void f32_conv_direct_weight_grad__avx512(const DirectConv& d, const float* gy, const float* x, float* gw);

}  // namespace hangu::kernels

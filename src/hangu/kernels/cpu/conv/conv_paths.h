#pragma once
// The fast convolution paths behind kernels/cpu/conv.h, one family per file:
//   conv_direct.cpp f32 convolutions with larger kernels: direct SIMD kernels, vectorised over
//                   the positions (direct_impl.h) or, for short rows, over the output channels
//                   (direct_cvec_impl.h); and the weight gradient of those with at most 32
//                   output channels per group (direct_wgrad_impl.h);
//   conv_gemm.cpp   1x1 convolutions as plain GEMMs, everything else as tiled im2col + GEMM;
//   depthwise.cpp   convolutions with one input channel per group (depthwise), a direct kernel.
// All are templates over f32/f64 with explicit instantiations; conv2d.cpp picks one.
#include <memory>
#include <vector>

#include "hangu/kernels/cpu/conv.h"
#include "hangu/kernels/cpu/isa.h"

namespace hangu::kernels {

// True for a 1x1, stride-1, unpadded convolution: y = W @ x per image, no im2col needed.
bool conv_is_pointwise(const Conv2dShape& s);

// The direct kernel (f32, AVX2 or AVX-512 active); false when it does not take this shape.
bool conv_direct_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias, float* y);
bool conv_direct_input_grad(const Conv2dShape& s, const float* gy, const float* w, float* gx);
bool conv_direct_weight_grad(const Conv2dShape& s, const float* gy, const float* x, float* gw);

// Weights packed once for the channel-vectorised kernel (conv.h's Conv2dPacked): null where that
// kernel cannot take them (too few output channels, a 1 x 1 kernel, the reference level).
struct Conv2dPacked {
  Isa isa = Isa::reference;
  int64_t c_in = 0, c_out = 0, kh = 0, kw = 0, groups = 1, block = 0;
  bool has_bias = false;
  std::vector<float> data;  // direct_isa.h's cvec_pack layout
};
std::shared_ptr<const Conv2dPacked> conv_direct_pack(const Conv2dShape& s, const float* w, const float* bias);
// False (nothing written) when p does not fit this call or this shape is not the kernel's.
bool conv_direct_forward_packed(const Conv2dShape& s, const float* x, const Conv2dPacked& p, const float* bias,
                                float* y);

template <typename T>
void conv_gemm_forward(const Conv2dShape& s, const T* x, const T* w, const T* bias, T* y);
template <typename T>
void conv_gemm_input_grad(const Conv2dShape& s, const T* gy, const T* w, T* gx);
template <typename T>
void conv_gemm_weight_grad(const Conv2dShape& s, const T* gy, const T* x, T* gw);

template <typename T>
void conv_depthwise_forward(const Conv2dShape& s, const T* x, const T* w, const T* bias, T* y);
template <typename T>
void conv_depthwise_input_grad(const Conv2dShape& s, const T* gy, const T* w, T* gx);
template <typename T>
void conv_depthwise_weight_grad(const Conv2dShape& s, const T* gy, const T* x, T* gw);

}  // namespace hangu::kernels

#pragma once
// 2-D convolution kernels over contiguous NCHW tensors of one dtype (f32 or f64). The three
// kernels are the three linear maps of a convolution: the forward, its adjoint in the input
// (= conv_transpose2d) and its adjoint in the weight. They pick a fast path by shape (1x1 as one
// GEMM, depthwise and larger f32 kernels as direct SIMD kernels, else tiled im2col + GEMM;
// conv/conv_paths.h); the plain loops of reference/conv.h stay the ground truth they are tested
// against.
#include <cstdint>
#include <memory>

#include "hangu/core/dtype.h"

namespace hangu::kernels {

// Sizes of one convolution y = conv(x, w). Padding may be asymmetric: ph/pw are the top/left
// padding; oh/ow are given explicitly (the bottom/right padding follows from them).
struct Conv2dShape {
  int64_t n = 0, c_in = 0, h = 0, w = 0;  // x: [n, c_in, h, w]
  int64_t c_out = 0, kh = 0, kw = 0;      // w: [c_out, c_in / groups, kh, kw]
  int64_t oh = 0, ow = 0;                 // y: [n, c_out, oh, ow]
  int64_t sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1;
};

// A convolution's f32 weights (and bias) packed once for the kernels of the active level, for
// weights that many calls share (a model's constants in the runtime): with small images the
// packing costs as much as the convolution. Opaque; built by conv2d_pack.
struct Conv2dPacked;
// Null when no kernel takes packed weights for this shape (only the channel counts, kernel size
// and groups of s matter; the image sizes may differ from call to call).
std::shared_ptr<const Conv2dPacked> conv2d_pack(const Conv2dShape& s, const float* w, const float* bias);

// y = conv(x, w) + bias (bias may be null; one value per output channel). `packed` (may be null):
// w and bias as conv2d_pack packed them; used where it fits the call and the level, else ignored.
void conv2d_forward(DType dtype, const Conv2dShape& s, const void* x, const void* w, const void* bias, void* y,
                    const Conv2dPacked* packed = nullptr);
// gx = conv^T(gy): the gradient of the input, also conv_transpose2d's forward. gx is overwritten.
void conv2d_input_grad(DType dtype, const Conv2dShape& s, const void* gy, const void* w, void* gx);
// gw = sum over the batch of gy (x) x: the gradient of the weight. gw is overwritten.
void conv2d_weight_grad(DType dtype, const Conv2dShape& s, const void* gy, const void* x, void* gw);

}  // namespace hangu::kernels

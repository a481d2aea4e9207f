#pragma once
// Tensor-level entry points of the f32 fast kernels (f32_kernels.h) for the elementwise ops.
// Each returns false, having written nothing, when no fast kernel applies (the reference ISA
// level, or a dtype other than f32); the caller then runs its reference loop. Any strides and
// broadcasts are accepted: contiguous and broadcast runs go to the kernels directly, other runs
// are gathered into a small buffer first. The kernels compute an element the same way wherever
// it sits, so the layout never changes a result.
#include "hangu/core/tensor.h"
#include "hangu/kernels/cpu/simd/f32_kernels.h"

namespace hangu::kernels::simd {

// out = op(x); x broadcasts to out's shape.
bool f32_unary(UnaryOp op, const Tensor& out, const Tensor& x);
// out = op(a, b) (a + alpha * b for add and sub); a and b broadcast to out's shape.
bool f32_binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, float alpha = 1.0f);

}  // namespace hangu::kernels::simd

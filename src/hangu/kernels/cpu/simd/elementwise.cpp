#include "hangu/kernels/cpu/simd/elementwise.h"

#include <algorithm>
#include <array>

#include "hangu/kernels/cpu/reference/loops.h"

namespace hangu::kernels::simd {
namespace {

constexpr int64_t kBlock = 512;  // elements gathered at a time from a strided run

// One operand of a run, as the kernels want it: a pointer and a step of 1 (contiguous) or 0
// (broadcast); strided runs are copied into `buf` first.
struct Operand {
  const float* p;
  int64_t step;
};

Operand operand(const char* base, int64_t stride_bytes, int64_t i0, int64_t m, float* buf) {
  if (stride_bytes == static_cast<int64_t>(sizeof(float))) return {reinterpret_cast<const float*>(base) + i0, 1};
  if (stride_bytes == 0) return {reinterpret_cast<const float*>(base), 0};
  for (int64_t j = 0; j < m; ++j) buf[j] = *reinterpret_cast<const float*>(base + (i0 + j) * stride_bytes);
  return {buf, 1};
}

bool all_f32(std::initializer_list<const Tensor*> ts) {
  for (const Tensor* t : ts)
    if (t->dtype() != DType::f32) return false;
  return true;
}

// Runs `kernel(operands..., y, m)` over every run of the loop, block by block where a run
// needs gathering or scattering.
template <size_t N, typename Kernel>
void run_loop(const Tensor& out, const std::array<const Tensor*, N - 1>& in, Kernel kernel) {
  std::array<const Tensor*, N> ops;
  std::array<Strides, N> strides;
  ops[0] = &out;
  strides[0] = out.strides();
  for (size_t k = 0; k + 1 < N; ++k) {
    ops[k + 1] = in[k];
    strides[k + 1] = broadcast_strides(*in[k], out.shape());
  }
  LoopSpec<N> spec = make_loop<N>(out.shape(), ops, strides);
  for_each_run(spec, [&](const std::array<char*, N>& p, const std::array<int64_t, N>& st, int64_t n) {
    constexpr int64_t f = sizeof(float);
    bool direct = st[0] == f;
    for (size_t k = 1; k < N; ++k) direct = direct && (st[k] == f || st[k] == 0);
    if (direct) {
      std::array<Operand, N - 1> o;
      for (size_t k = 1; k < N; ++k) o[k - 1] = {reinterpret_cast<const float*>(p[k]), st[k] == 0 ? 0 : 1};
      kernel(o, reinterpret_cast<float*>(p[0]), n);
      return;
    }
    float bufs[N][kBlock];
    for (int64_t i0 = 0; i0 < n; i0 += kBlock) {
      const int64_t m = std::min(kBlock, n - i0);
      std::array<Operand, N - 1> o;
      for (size_t k = 1; k < N; ++k) o[k - 1] = operand(p[k], st[k], i0, m, bufs[k]);
      float* y = st[0] == f ? reinterpret_cast<float*>(p[0]) + i0 : bufs[0];
      kernel(o, y, m);
      if (st[0] != f)
        for (int64_t j = 0; j < m; ++j) *reinterpret_cast<float*>(p[0] + (i0 + j) * st[0]) = bufs[0][j];
    }
  });
}

}  // namespace

bool f32_unary(UnaryOp op, const Tensor& out, const Tensor& x) {
  const F32Kernels* k = f32_kernels();
  if (k == nullptr || !all_f32({&out, &x})) return false;
  run_loop<2>(out, {&x}, [&](const std::array<Operand, 1>& o, float* y, int64_t n) {
    if (o[0].step == 1) {
      k->unary(op, o[0].p, y, n);
    } else {  // one value: compute it once, then fill
      float v = 0;
      k->unary(op, o[0].p, &v, 1);
      std::fill(y, y + n, v);
    }
  });
  return true;
}

bool f32_binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, float alpha) {
  const F32Kernels* k = f32_kernels();
  if (k == nullptr || !all_f32({&out, &a, &b})) return false;
  run_loop<3>(out, {&a, &b}, [&](const std::array<Operand, 2>& o, float* y, int64_t n) {
    k->binary(op, o[0].p, o[0].step, o[1].p, o[1].step, alpha, y, n);
  });
  return true;
}

}  // namespace hangu::kernels::simd

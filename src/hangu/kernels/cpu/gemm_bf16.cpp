// bf16 GEMM: the choice of path, the portable fallback kernel set and the reference loops.
#include "hangu/kernels/cpu/gemm_bf16.h"

#include "hangu/core/cpu_features.h"
#include "hangu/core/error.h"
#include "hangu/kernels/cpu/gemm_bf16_kernels.h"
#include "hangu/kernels/cpu/isa.h"

namespace hangu::kernels {
namespace bf16_detail {
namespace {

// Portable fallback: widened (f32) panels, a 4 x 16 tile in plain loops the compiler vectorises
// with whatever the baseline target offers. Products are added in k order, like the SIMD
// widening kernels, so all widening paths give the same bits.
constexpr int kFbMr = 4, kFbNr = 16;

template <int R>
void tile_fallback(int64_t ks, const void* av, const void* bv, float* acc, bool accumulate) {
  const float* a = static_cast<const float*>(av);
  const float* b = static_cast<const float*>(bv);
  float c[R][kFbNr];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < kFbNr; ++j) c[r][j] = accumulate ? acc[r * kFbNr + j] : 0.0f;
  for (int64_t s = 0; s < ks; ++s) {
    const float* bs = b + s * kFbNr;
    for (int r = 0; r < R; ++r) {
      const float ar = a[s * kFbMr + r];
      for (int j = 0; j < kFbNr; ++j) c[r][j] += ar * bs[j];
    }
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < kFbNr; ++j) acc[r * kFbNr + j] = c[r][j];
}

KernelSet make_fallback() {
  KernelSet k{};
  k.name = "fallback";
  k.format = PackFormat::widened;
  k.mr = kFbMr;
  k.nr = kFbNr;
  k.mc = 64;
  k.kc = 256;
  k.nc = 256;
  k.tile[1] = tile_fallback<1>;
  k.tile[2] = tile_fallback<2>;
  k.tile[3] = tile_fallback<3>;
  k.tile[4] = tile_fallback<4>;
  k.store_f32 = store_f32_scalar;
  k.store_bf16 = store_bf16_scalar;
  return k;
}

}  // namespace

const KernelSet& kernels_fallback() {
  static const KernelSet k = make_fallback();
  return k;
}

}  // namespace bf16_detail

namespace {

using bf16_detail::GemmArgs;

const bf16_detail::KernelSet& kernel_set(Bf16GemmPath path) {
  switch (path) {
    case Bf16GemmPath::avx2_widen:
      return bf16_detail::kernels__avx2();
    case Bf16GemmPath::avx512_widen:
      return bf16_detail::kernels__avx512();
    case Bf16GemmPath::avx512_dot:
      return bf16_detail::kernels__avx512bf16();
    case Bf16GemmPath::fallback:
      break;
  }
  return bf16_detail::kernels_fallback();
}

// vdpbf16ps does 32 multiply-adds per instruction. On AMD Zen 4/5 it is reported to issue like an
// FMA (twice the f32 flops); on Intel's Emerald Rapids it issues at a quarter of the FMA rate (half
// the f32 flops, measured), so widening to f32 is faster there.
bool dot_outruns_fma() { return cpu_features().brand.find("AMD") != std::string::npos; }

GemmArgs make_args(const GemmDesc& d, float alpha, const BFloat16* a, const BFloat16* b, float beta, void* c,
                   bool out_bf16) {
  GemmArgs g;
  g.batch = d.batch;
  g.m = d.m;
  g.n = d.n;
  g.k = d.k;
  g.a_bs = d.a_bs;
  g.a_rs = d.a_rs;
  g.a_cs = d.a_cs;
  g.b_bs = d.b_bs;
  g.b_rs = d.b_rs;
  g.b_cs = d.b_cs;
  g.c_bs = d.c_bs;
  g.c_rs = d.c_rs;
  g.c_cs = d.c_cs;
  g.alpha = alpha;
  g.beta = beta;
  // BFloat16 is a standard-layout struct of one uint16_t: its address is that of its bits.
  g.a = reinterpret_cast<const uint16_t*>(a);
  g.b = reinterpret_cast<const uint16_t*>(b);
  g.c = c;
  g.out_bf16 = out_bf16;
  return g;
}

void run_on(Bf16GemmPath path, const GemmArgs& g) {
  if (!bf16_gemm_path_supported(path))
    throw Unsupported(MsgId::bf16_gemm_path_unsupported, bf16_gemm_path_name(path),
                      path == Bf16GemmPath::avx512_dot     ? "avx512 + avx512_bf16"
                      : path == Bf16GemmPath::avx512_widen ? "avx512"
                                                           : "avx2");
  bf16_detail::run(kernel_set(path), g);
}

template <typename Out>
void reference(const GemmDesc& d, float alpha, const BFloat16* a, const BFloat16* b, float beta, Out* c) {
  for (int64_t bi = 0; bi < d.batch; ++bi)
    for (int64_t i = 0; i < d.m; ++i)
      for (int64_t j = 0; j < d.n; ++j) {
        double acc = 0.0;
        for (int64_t p = 0; p < d.k; ++p)
          acc += static_cast<double>(static_cast<float>(a[bi * d.a_bs + i * d.a_rs + p * d.a_cs])) *
                 static_cast<double>(static_cast<float>(b[bi * d.b_bs + p * d.b_rs + j * d.b_cs]));
        Out& o = c[bi * d.c_bs + i * d.c_rs + j * d.c_cs];
        double v = static_cast<double>(alpha) * acc;
        if (beta != 0.0f) v += static_cast<double>(beta) * static_cast<double>(static_cast<float>(o));
        o = Out(static_cast<float>(v));
      }
}

}  // namespace

const char* bf16_gemm_path_name(Bf16GemmPath path) {
  switch (path) {
    case Bf16GemmPath::fallback:
      return "fallback";
    case Bf16GemmPath::avx2_widen:
      return "avx2_widen";
    case Bf16GemmPath::avx512_widen:
      return "avx512_widen";
    case Bf16GemmPath::avx512_dot:
      return "avx512_dot";
  }
  return "?";
}

bool bf16_gemm_path_supported(Bf16GemmPath path) {
  switch (path) {
    case Bf16GemmPath::fallback:
      return true;
    case Bf16GemmPath::avx2_widen:
      return isa_supported(Isa::avx2);
    case Bf16GemmPath::avx512_widen:
      return isa_supported(Isa::avx512);
    case Bf16GemmPath::avx512_dot:
      return isa_supported(Isa::avx512) && cpu_features().avx512_bf16;
  }
  return false;
}

Bf16GemmPath bf16_gemm_active_path() {
  switch (active_isa()) {
    case Isa::avx512:
      return bf16_dot_available() && dot_outruns_fma() ? Bf16GemmPath::avx512_dot : Bf16GemmPath::avx512_widen;
    case Isa::avx2:
      return Bf16GemmPath::avx2_widen;
    case Isa::reference:
      break;
  }
  return Bf16GemmPath::fallback;
}

void bf16_gemm(const GemmDesc& d, float alpha, const BFloat16* a, const BFloat16* b, float beta, BFloat16* c) {
  run_on(bf16_gemm_active_path(), make_args(d, alpha, a, b, beta, c, true));
}

void bf16_gemm_f32out(const GemmDesc& d, float alpha, const BFloat16* a, const BFloat16* b, float beta, float* c) {
  run_on(bf16_gemm_active_path(), make_args(d, alpha, a, b, beta, c, false));
}

void bf16_gemm_on(Bf16GemmPath path, const GemmDesc& d, float alpha, const BFloat16* a, const BFloat16* b, float beta,
                  BFloat16* c) {
  run_on(path, make_args(d, alpha, a, b, beta, c, true));
}

void bf16_gemm_on(Bf16GemmPath path, const GemmDesc& d, float alpha, const BFloat16* a, const BFloat16* b, float beta,
                  float* c) {
  run_on(path, make_args(d, alpha, a, b, beta, c, false));
}

void bf16_gemm__reference(const GemmDesc& d, float alpha, const BFloat16* a, const BFloat16* b, float beta,
                          BFloat16* c) {
  reference(d, alpha, a, b, beta, c);
}

void bf16_gemm_f32out__reference(const GemmDesc& d, float alpha, const BFloat16* a, const BFloat16* b, float beta,
                                 float* c) {
  reference(d, alpha, a, b, beta, c);
}

}  // namespace hangu::kernels

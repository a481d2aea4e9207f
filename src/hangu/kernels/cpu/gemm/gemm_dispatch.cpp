// kernels::gemm, the one entry the ops call: picks the implementation by dtype.
#include "hangu/core/error.h"
#include "hangu/kernels/cpu/gemm.h"
#include "hangu/kernels/cpu/gemm_bf16.h"

namespace hangu::kernels {

void gemm(DType dtype, const GemmDesc& d, const Scalar& alpha, const void* a, const void* b, const Scalar& beta,
          void* c) {
  switch (dtype) {
    case DType::f32:
      f32_gemm(d, alpha.to<float>(), static_cast<const float*>(a), static_cast<const float*>(b), beta.to<float>(),
               static_cast<float*>(c));
      return;
    case DType::bf16:
      bf16_gemm(d, static_cast<float>(alpha.to_double()), static_cast<const BFloat16*>(a),
                static_cast<const BFloat16*>(b), static_cast<float>(beta.to_double()), static_cast<BFloat16*>(c));
      return;
    default:
      gemm__reference(dtype, d, alpha, a, b, beta, c);
  }
}

}  // namespace hangu::kernels

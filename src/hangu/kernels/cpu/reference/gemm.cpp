#include "hangu/kernels/cpu/reference/gemm.h"

#include <algorithm>
#include <type_traits>

#include "hangu/core/convert.h"
#include "hangu/core/error.h"
#include "hangu/core/thread_pool.h"

namespace hangu::kernels {
namespace {

inline constexpr int64_t kGemmGrainFlops = 65536;  // multiply-adds per parallel chunk of rows

template <typename T>
using gemm_acc_t = std::conditional_t<std::is_same_v<T, float> || std::is_same_v<T, double>, double,
                                      std::conditional_t<is_floating_v<T>, float, uint64_t>>;

template <typename T, typename A>
A to_gemm_acc(T v) {
  if constexpr (std::is_same_v<A, uint64_t>)
    return static_cast<uint64_t>(static_cast<int64_t>(v));
  else
    return static_cast<A>(static_cast<opmath_t<T>>(v));
}

// Each C element is one serial dot product, so the result does not depend on the split.
template <typename T>
void gemm_reference(const GemmDesc& d, gemm_acc_t<T> alpha, const T* a, const T* b, gemm_acc_t<T> beta, T* c) {
  using A = gemm_acc_t<T>;
  const int64_t rows = d.batch * d.m;
  if (rows == 0 || d.n == 0) return;
  const int64_t grain = std::max<int64_t>(1, kGemmGrainFlops / std::max<int64_t>(1, d.n * d.k));
  parallel_for(0, rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t bi = r / d.m, i = r % d.m;
      const T* ar = a + bi * d.a_bs + i * d.a_rs;
      const T* bb = b + bi * d.b_bs;
      T* cr = c + bi * d.c_bs + i * d.c_rs;
      for (int64_t j = 0; j < d.n; ++j) {
        A acc{0};
        for (int64_t p = 0; p < d.k; ++p)
          acc += to_gemm_acc<T, A>(ar[p * d.a_cs]) * to_gemm_acc<T, A>(bb[p * d.b_rs + j * d.b_cs]);
        A v = alpha * acc;
        if (beta != A{0}) v += beta * to_gemm_acc<T, A>(cr[j * d.c_cs]);
        if constexpr (std::is_same_v<A, uint64_t>)
          cr[j * d.c_cs] = static_cast<T>(static_cast<int64_t>(v));
        else
          cr[j * d.c_cs] = convert<T>(v);
      }
    }
  });
}

template <typename A>
A scalar_to_acc(const Scalar& s) {
  if constexpr (std::is_same_v<A, uint64_t>)
    return static_cast<uint64_t>(s.to_int());
  else
    return static_cast<A>(s.to_double());
}

}  // namespace

void f32_gemm__reference(const GemmDesc& d, float alpha, const float* a, const float* b, float beta, float* c) {
  gemm_reference<float>(d, alpha, a, b, beta, c);
}

void f64_gemm__reference(const GemmDesc& d, double alpha, const double* a, const double* b, double beta, double* c) {
  gemm_reference<double>(d, alpha, a, b, beta, c);
}

void gemm__reference(DType dtype, const GemmDesc& d, const Scalar& alpha, const void* a, const void* b,
                     const Scalar& beta, void* c) {
  if (dtype == DType::boolean) throw DTypeError(MsgId::dtype_not_supported, "gemm", dtype);
  dispatch_dtype(dtype, [&]<typename T>() {
    if constexpr (!std::is_same_v<T, bool>) {
      using A = gemm_acc_t<T>;
      if constexpr (std::is_same_v<T, float>)
        f32_gemm__reference(d, alpha.to<float>(), static_cast<const T*>(a), static_cast<const T*>(b), beta.to<float>(),
                            static_cast<T*>(c));
      else
        gemm_reference<T>(d, scalar_to_acc<A>(alpha), static_cast<const T*>(a), static_cast<const T*>(b),
                          scalar_to_acc<A>(beta), static_cast<T*>(c));
    }
  });
}

}  // namespace hangu::kernels

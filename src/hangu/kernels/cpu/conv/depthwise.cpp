// Depthwise convolution entry points: the f32 kernels of the active instruction set, or the same
// algorithm over scalars (f64, and the reference level).
#include <type_traits>

#include "hangu/kernels/cpu/conv/conv_paths.h"
#include "hangu/kernels/cpu/conv/depthwise_impl.h"
#include "hangu/kernels/cpu/conv/depthwise_isa.h"
#include "hangu/kernels/cpu/conv/vec_scalar.h"
#include "hangu/kernels/cpu/isa.h"

namespace hangu::kernels {

template <typename T>
void conv_depthwise_forward(const Conv2dShape& s, const T* x, const T* w, const T* bias, T* y) {
  if constexpr (std::is_same_v<T, float>) {
    switch (active_isa()) {
      case Isa::avx512:
        return f32_conv_depthwise_forward__avx512(s, x, w, bias, y);
      case Isa::avx2:
        return f32_conv_depthwise_forward__avx2(s, x, w, bias, y);
      case Isa::reference:
        break;
    }
  }
  depthwise::forward<VecScalar<T>>(s, x, w, bias, y);
}

template <typename T>
void conv_depthwise_input_grad(const Conv2dShape& s, const T* gy, const T* w, T* gx) {
  if constexpr (std::is_same_v<T, float>) {
    switch (active_isa()) {
      case Isa::avx512:
        return f32_conv_depthwise_input_grad__avx512(s, gy, w, gx);
      case Isa::avx2:
        return f32_conv_depthwise_input_grad__avx2(s, gy, w, gx);
      case Isa::reference:
        break;
    }
  }
  depthwise::input_grad<VecScalar<T>>(s, gy, w, gx);
}

template <typename T>
void conv_depthwise_weight_grad(const Conv2dShape& s, const T* gy, const T* x, T* gw) {
  if constexpr (std::is_same_v<T, float>) {
    switch (active_isa()) {
      case Isa::avx512:
        return f32_conv_depthwise_weight_grad__avx512(s, gy, x, gw);
      case Isa::avx2:
        return f32_conv_depthwise_weight_grad__avx2(s, gy, x, gw);
      case Isa::reference:
        break;
    }
  }
  depthwise::weight_grad<VecScalar<T>>(s, gy, x, gw);
}

#define HANGU_DEPTHWISE_INSTANTIATE(T)                                                           \
  template void conv_depthwise_forward<T>(const Conv2dShape&, const T*, const T*, const T*, T*); \
  template void conv_depthwise_input_grad<T>(const Conv2dShape&, const T*, const T*, T*);        \
  template void conv_depthwise_weight_grad<T>(const Conv2dShape&, const T*, const T*, T*);
HANGU_DEPTHWISE_INSTANTIATE(float)
HANGU_DEPTHWISE_INSTANTIATE(double)
#undef HANGU_DEPTHWISE_INSTANTIATE

}  // namespace hangu::kernels

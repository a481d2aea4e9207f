#include "hangu/kernels/cpu/reference/loops.h"

namespace hangu::kernels {

void copy_cast(const Tensor& dst, const Tensor& src) {
  dispatch_dtype(dst.dtype(), [&]<typename D>() {
    dispatch_dtype(src.dtype(), [&]<typename S>() {
      map_elementwise<D, S>(dst, {&src}, [](S v) { return convert<D>(v); });
    });
  });
}

void fill(const Tensor& dst, const Scalar& v) {
  dispatch_dtype(dst.dtype(), [&]<typename D>() {
    D value = v.is_floating() ? convert<D>(v.to_double()) : v.is_bool() ? convert<D>(v.to_bool()) : convert<D>(v.to_int());
    std::array<const Tensor*, 1> ops{&dst};
    std::array<Strides, 1> st{dst.strides()};
    LoopSpec<1> spec = make_loop<1>(dst.shape(), ops, st);
    for_each_run(spec, [&](const std::array<char*, 1>& p, const std::array<int64_t, 1>& s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) *reinterpret_cast<D*>(p[0] + i * s[0]) = value;
    });
  });
}

}  // namespace hangu::kernels

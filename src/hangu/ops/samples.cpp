#include "hangu/ops/samples.h"

#include <cmath>

#include "hangu/core/convert.h"
#include "hangu/core/rng.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/views.h"

namespace hangu::ops::samples {

Tensor make(IntList shape, DType dtype, uint64_t seed, double lo, double hi) {
  Tensor t = empty(shape, dtype);
  const uint64_t key = 0x5eed0000ull ^ seed;
  dispatch_dtype(dtype, [&]<typename T>() {
    T* p = t.data_ptr<T>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      uint32_t w = philox_word(key, 0, static_cast<uint64_t>(i));
      double u = static_cast<double>(w) * 0x1.0p-32;  // [0, 1)
      if constexpr (std::is_same_v<T, bool>) {
        p[i] = (w >> 31) != 0;
      } else if constexpr (std::is_integral_v<T>) {
        double a = std::max(lo, static_cast<double>(std::numeric_limits<T>::min()));
        double b = std::min(hi, static_cast<double>(std::numeric_limits<T>::max()));
        p[i] = static_cast<T>(std::floor(a + u * (b - a + 1.0)));
      } else {
        double v = std::round((lo + u * (hi - lo)) * 1024.0) / 1024.0;
        p[i] = convert<T>(v);
      }
    }
  });
  return t;
}

Tensor noncontiguous(const Tensor& t) {
  Strides st(static_cast<size_t>(t.dim()));
  Strides base = contiguous_strides(t.shape());
  for (size_t i = 0; i < st.size(); ++i) st[i] = base[i] * 2;
  Tensor out = empty_strided(t.shape(), st, t.dtype());
  copy_(out, t);
  return out;
}

Tensor transposed_layout(const Tensor& t) {
  // Store t^T contiguously, then view it back transposed: same values, column-major layout.
  Tensor tt = contiguous(transpose(t, -1, -2));
  return transpose(tt, -1, -2);
}

std::vector<OpSample> unary(const std::vector<DType>& dtypes, double lo, double hi, const OpArgs& args) {
  std::vector<OpSample> out;
  uint64_t seed = 1;
  for (DType d : dtypes) {
    std::string n(dtype_name(d));
    out.push_back({{make({}, d, seed++, lo, hi)}, args, "0-d " + n});
    out.push_back({{make({0}, d, seed++, lo, hi)}, args, "0-size " + n});
    out.push_back({{make({7}, d, seed++, lo, hi)}, args, "1-d " + n});
    out.push_back({{make({3, 5}, d, seed++, lo, hi)}, args, "2-d " + n});
    out.push_back({{noncontiguous(make({2, 3, 4}, d, seed++, lo, hi))}, args, "non-contiguous " + n});
    out.push_back({{transposed_layout(make({4, 3}, d, seed++, lo, hi))}, args, "transposed " + n});
  }
  return out;
}

std::vector<OpSample> binary(const std::vector<std::pair<DType, DType>>& dtypes, double lo, double hi,
                             const OpArgs& args) {
  std::vector<OpSample> out;
  uint64_t seed = 101;
  for (auto [a, b] : dtypes) {
    std::string n = std::string(dtype_name(a)) + "," + std::string(dtype_name(b));
    out.push_back({{make({3, 4}, a, seed++, lo, hi), make({3, 4}, b, seed++, lo, hi)}, args, "same shape " + n});
    out.push_back({{make({3, 1}, a, seed++, lo, hi), make({4}, b, seed++, lo, hi)}, args, "broadcast [3,1] [4] " + n});
    out.push_back({{make({2, 1, 3}, a, seed++, lo, hi), make({4, 1}, b, seed++, lo, hi)}, args,
                   "broadcast [2,1,3] [4,1] " + n});
    out.push_back({{make({}, a, seed++, lo, hi), make({5}, b, seed++, lo, hi)}, args, "0-d with 1-d " + n});
    out.push_back({{make({2, 3}, a, seed++, lo, hi), make({}, b, seed++, lo, hi)}, args, "2-d with 0-d " + n});
    out.push_back({{make({0, 3}, a, seed++, lo, hi), make({3}, b, seed++, lo, hi)}, args, "0-size " + n});
    out.push_back({{noncontiguous(make({2, 3, 4}, a, seed++, lo, hi)), transposed_layout(make({3, 4}, b, seed++, lo, hi))},
                   args, "non-contiguous " + n});
  }
  return out;
}

}  // namespace hangu::ops::samples

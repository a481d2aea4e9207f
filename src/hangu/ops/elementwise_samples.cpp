#include "hangu/ops/elementwise_samples.h"

#include <limits>

#include "hangu/kernels/cpu/reference/loops.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/elementwise.h"

namespace hangu::ops::elem {

Samples unary(const std::vector<DType>& floats, double lo, double hi, const std::vector<DType>& ints, double ilo,
              double ihi, const OpArgs& args) {
  Samples out = samples::unary(floats, lo, hi, args);
  if (!ints.empty()) append(out, samples::unary(ints, ilo, ihi, args));
  return out;
}

Samples with_scalar(const std::vector<DType>& dtypes, const std::string& key, const Arg& value, double lo, double hi,
                    const OpArgs& extra) {
  Samples out;
  uint64_t seed = 501;
  for (DType d : dtypes) {
    OpArgs a = extra;
    a.set(key, value);
    std::string n = std::string(dtype_name(d)) + " with scalar " + key + "=" + value.to_json();
    out.push_back({{samples::make({2, 3}, d, seed++, lo, hi)}, a, "2-d " + n});
    out.push_back({{samples::make({}, d, seed++, lo, hi)}, a, "0-d " + n});
    out.push_back({{samples::noncontiguous(samples::make({3, 4}, d, seed++, lo, hi))}, a, "non-contiguous " + n});
  }
  return out;
}

Samples nonzero_input(Samples s, size_t k) {
  for (OpSample& smp : s) {
    if (k >= smp.inputs.size()) continue;
    const Tensor& t = smp.inputs[k];
    // In place through the map: the output is the tensor itself, element for element.
    dispatch_dtype(t.dtype(), [&]<typename T>() {
      if constexpr (!std::is_same_v<T, bool>) {
        kernels::map_elementwise<T, T>(t, {&t}, [](T v) {
          return static_cast<float>(v) == 0.0f ? T(1) : v;
        });
      }
    });
  }
  return s;
}

Samples inplace_compatible(const Samples& s) {
  Samples out;
  for (const OpSample& smp : s) {
    if (smp.inputs.size() < 2) {
      out.push_back(smp);
      continue;
    }
    Shape b = broadcast_shapes(smp.inputs[0].shape(), smp.inputs[1].shape(), "samples");
    if (b == smp.inputs[0].shape()) out.push_back(smp);
  }
  return out;
}

Tensor specials(DType dtype) {
  const double inf = std::numeric_limits<double>::infinity();
  Tensor t = tensor(std::vector<double>{std::numeric_limits<double>::quiet_NaN(), inf, -inf, -0.0, 0.5, 1.5, 2.5, -2.5});
  return to(t, dtype);
}

OpErrorCase broadcast_error(int num_inputs, const OpArgs& args, DType dtype) {
  OpErrorCase e;
  e.inputs = {samples::make({2, 3}, dtype, 901), samples::make({4}, dtype, 902)};
  if (num_inputs == 3) e.inputs.push_back(samples::make({4}, dtype, 903));
  e.args = args;
  e.kind = ErrorKind::shape;
  e.mentions = {"[2, 3]", "[4]"};
  e.desc = "broadcast [2, 3] with [4]";
  return e;
}

OpErrorCase dtype_error(const std::vector<DType>& inputs, DType bad, const OpArgs& args, ErrorKind kind) {
  OpErrorCase e;
  uint64_t seed = 911;
  for (DType d : inputs) e.inputs.push_back(samples::make({2, 3}, d, seed++, 1, 3));
  e.args = args;
  e.kind = kind;
  e.mentions = {std::string(dtype_name(bad))};
  e.desc = "rejects dtype " + std::string(dtype_name(bad));
  return e;
}

OpErrorCase undefined_error(int num_inputs) {
  OpErrorCase e;
  e.inputs.push_back(Tensor());
  for (int i = 1; i < num_inputs; ++i) e.inputs.push_back(samples::make({2}, DType::f32, 950));
  e.kind = ErrorKind::value;
  e.mentions = {"undefined"};
  e.desc = "undefined input";
  return e;
}

}  // namespace hangu::ops::elem

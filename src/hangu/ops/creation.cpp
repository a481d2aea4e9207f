#include "hangu/ops/creation.h"

#include <cmath>
#include <numbers>

#include "hangu/core/checked_math.h"
#include "hangu/core/convert.h"
#include "hangu/core/error.h"
#include "hangu/core/thread_pool.h"

namespace hangu {

Tensor zeros(IntList shape, DType dtype) { return full(shape, 0, dtype); }
Tensor ones(IntList shape, DType dtype) { return full(shape, 1, dtype); }
Tensor full(IntList shape, const Scalar& value, DType dtype) { return fill_(empty(shape, dtype), value); }
Tensor full(IntList shape, const Scalar& value) {
  DType d = value.is_bool() ? DType::boolean : value.is_integral() ? DType::i64 : kDefaultFloat;
  return full(shape, value, d);
}

Tensor arange(const Scalar& end) { return arange(0, end, 1); }
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step) {
  bool integral = !start.is_floating() && !end.is_floating() && !step.is_floating();
  return arange(start, end, step, integral ? DType::i64 : kDefaultFloat);
}

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, DType dtype) {
  double s = start.to_double(), e = end.to_double(), st = step.to_double();
  if (st == 0 || !std::isfinite(s) || !std::isfinite(e) || !std::isfinite(st))
    throw ValueError(MsgId::arg_invalid, "arange", "step", step.str());
  if ((e - s) / st < 0)
    throw ValueError(MsgId::arg_invalid, "arange", "end", end.str());
  double count = std::ceil((e - s) / st);
  if (count > 9.0e18) throw ValueError(MsgId::size_overflow, "arange");
  int64_t n = static_cast<int64_t>(count);
  Tensor out = empty({n}, dtype);
  bool integral = is_integral(dtype, true) && !start.is_floating() && !step.is_floating();
  dispatch_dtype(dtype, [&]<typename T>() {
    T* p = out.data_ptr<T>();
    int64_t si = start.to_int(), sti = step.to_int();
    for (int64_t i = 0; i < n; ++i)
      p[i] = integral ? convert<T>(si + i * sti) : convert<T>(s + static_cast<double>(i) * st);
  });
  return out;
}

Tensor linspace(double start, double end, int64_t steps, DType dtype) {
  if (steps < 0) throw ValueError(MsgId::value_out_of_range, "linspace", "steps", "[0, inf)", steps);
  Tensor out = empty({steps}, dtype);
  if (steps == 1) return fill_(out, start);  // PyTorch gives start, not end
  // PyTorch fills the first half from start and the second half from end, for symmetry, in the
  // precision of the result (float for float32 and 16-bit floats, double otherwise).
  int64_t half = steps / 2;
  dispatch_dtype(dtype, [&]<typename T>() {
    using S = std::conditional_t<is_floating_v<T> && !std::is_same_v<T, double>, float, double>;
    S s0 = static_cast<S>(start), s1 = static_cast<S>(end);
    if constexpr (std::is_integral_v<T>) {  // PyTorch converts the ends to the integer type first
      s0 = static_cast<S>(convert<T>(start));
      s1 = static_cast<S>(convert<T>(end));
    }
    S step = steps > 1 ? (s1 - s0) / static_cast<S>(steps - 1) : S(0);
    T* p = out.data_ptr<T>();
    for (int64_t i = 0; i < steps; ++i) {
      S v = i < half ? s0 + step * static_cast<S>(i) : s1 - step * static_cast<S>(steps - 1 - i);
      p[i] = convert<T>(v);
    }
  });
  return out;
}

Tensor eye(int64_t n, int64_t m, DType dtype) {
  if (m < 0) m = n;
  if (n < 0) throw ValueError(MsgId::value_out_of_range, "eye", "n", "[0, inf)", n);
  Tensor out = zeros({n, m}, dtype);
  dispatch_dtype(dtype, [&]<typename T>() {
    T* p = out.data_ptr<T>();
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = convert<T>(1);
  });
  return out;
}

// ---- random ----
// Element i of a tensor draws the words [i*w, (i+1)*w) of the stream reserved for it, so its
// value does not depend on which thread computes it. Word layout (docs/random.md):
//   float32/16/bf16 uniform: 1 word;  float64 uniform: 2 words;  normal: 2 words (Box-Muller,
//   first output only);  randint: 2 words (a 64-bit value modulo the range).
namespace {

constexpr int64_t kRandomGrain = 16384;

Generator& pick(Generator* g) { return g ? *g : default_generator(); }

template <typename T>
T uniform_from_words(uint32_t w0, uint32_t w1, double lo, double hi) {
  double u;
  if constexpr (std::is_same_v<T, double>) {
    u = static_cast<double>(((static_cast<uint64_t>(w0) << 32) | w1) >> 11) * 0x1.0p-53;
  } else if constexpr (std::is_same_v<T, BFloat16>) {
    u = static_cast<double>(w0 >> 24) * 0x1.0p-8;
  } else if constexpr (std::is_same_v<T, Half>) {
    u = static_cast<double>(w0 >> 21) * 0x1.0p-11;
  } else {
    u = static_cast<double>(w0 >> 8) * 0x1.0p-24;
  }
  return convert<T>(lo == 0.0 && hi == 1.0 ? u : lo + (hi - lo) * u);
}

double normal_from_words(uint32_t w0, uint32_t w1) {
  double u1 = (static_cast<double>(w0) + 1.0) * 0x1.0p-32;  // (0, 1]: log never sees 0
  double u2 = static_cast<double>(w1) * 0x1.0p-32;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

void check_float(DType d, const char* op) {
  if (!is_floating(d)) throw DTypeError(MsgId::dtype_not_supported, op, d);
}

// Calls fn(i, w0, w1) for every element of a contiguous tensor of n elements, words_per_element 1 or 2.
template <typename Fn>
void for_each_random(int64_t n, int words_per_element, Generator& gen, Fn fn) {
  Generator::State st = gen.reserve(static_cast<uint64_t>(n) * static_cast<uint64_t>(words_per_element));
  parallel_for(0, n, kRandomGrain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      uint64_t j = static_cast<uint64_t>(i) * static_cast<uint64_t>(words_per_element);
      uint32_t w0 = philox_word(st.seed, st.offset, j);
      uint32_t w1 = words_per_element > 1 ? philox_word(st.seed, st.offset, j + 1) : 0;
      fn(i, w0, w1);
    }
  });
}

// Fills t (any strides) through a contiguous buffer.
template <typename Fill>
Tensor fill_random(const Tensor& t, Fill fill) {
  Tensor buf = t.is_contiguous() ? t : empty(t.shape(), t.dtype());
  fill(buf);
  if (!buf.is_same(t)) copy_(t, buf);
  return t;
}

}  // namespace

Tensor uniform_(const Tensor& t, double lo, double hi, Generator* gen) {
  check_defined(t, "uniform_");
  check_float(t.dtype(), "uniform_");
  return fill_random(t, [&](const Tensor& b) {
    dispatch_dtype(b.dtype(), [&]<typename T>() {
      if constexpr (is_floating_v<T>) {
        T* p = b.data_ptr<T>();
        int w = std::is_same_v<T, double> ? 2 : 1;
        for_each_random(b.numel(), w, pick(gen),
                        [&](int64_t i, uint32_t w0, uint32_t w1) { p[i] = uniform_from_words<T>(w0, w1, lo, hi); });
      }
    });
  });
}

Tensor normal_(const Tensor& t, double mean, double std, Generator* gen) {
  check_defined(t, "normal_");
  check_float(t.dtype(), "normal_");
  return fill_random(t, [&](const Tensor& b) {
    dispatch_dtype(b.dtype(), [&]<typename T>() {
      if constexpr (is_floating_v<T>) {
        T* p = b.data_ptr<T>();
        for_each_random(b.numel(), 2, pick(gen), [&](int64_t i, uint32_t w0, uint32_t w1) {
          p[i] = convert<T>(mean + std * normal_from_words(w0, w1));
        });
      }
    });
  });
}

Tensor rand(IntList shape, DType dtype, Generator* gen) {
  check_float(dtype, "rand");
  return uniform_(empty(shape, dtype), 0.0, 1.0, gen);
}

Tensor randn(IntList shape, DType dtype, Generator* gen) {
  check_float(dtype, "randn");
  return normal_(empty(shape, dtype), 0.0, 1.0, gen);
}

Tensor randint(int64_t low, int64_t high, IntList shape, DType dtype, Generator* gen) {
  if (high <= low) throw ValueError(MsgId::arg_invalid, "randint", "high", high);
  Tensor out = empty(shape, dtype);
  uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  dispatch_dtype(dtype, [&]<typename T>() {
    T* p = out.data_ptr<T>();
    for_each_random(out.numel(), 2, pick(gen), [&](int64_t i, uint32_t w0, uint32_t w1) {
      uint64_t r = ((static_cast<uint64_t>(w0) << 32) | w1) % range;
      p[i] = convert<T>(static_cast<int64_t>(static_cast<uint64_t>(low) + r));
    });
  });
  return out;
}

Tensor empty_like(const Tensor& t) { return empty(t.shape(), t.dtype()); }
Tensor empty_like(const Tensor& t, DType dtype) { return empty(t.shape(), dtype); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
Tensor zeros_like(const Tensor& t, DType dtype) { return zeros(t.shape(), dtype); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }
Tensor ones_like(const Tensor& t, DType dtype) { return ones(t.shape(), dtype); }
Tensor full_like(const Tensor& t, const Scalar& value) { return full(t.shape(), value, t.dtype()); }
Tensor full_like(const Tensor& t, const Scalar& value, DType dtype) { return full(t.shape(), value, dtype); }
Tensor rand_like(const Tensor& t) { return rand(t.shape(), t.dtype()); }
Tensor randn_like(const Tensor& t) { return randn(t.shape(), t.dtype()); }
Tensor randint_like(const Tensor& t, int64_t low, int64_t high) { return randint(low, high, t.shape(), t.dtype()); }

template <typename T>
Tensor tensor(const std::vector<T>& values, IntList shape) {
  int64_t n = checked_numel(shape, "tensor");
  if (n != static_cast<int64_t>(values.size()))
    throw ShapeError(MsgId::numel_mismatch, "tensor", shape, static_cast<int64_t>(values.size()));
  Tensor t = empty(shape, dtype_of<T>);
  T* p = t.data_ptr<T>();
  for (int64_t i = 0; i < n; ++i) p[i] = values[static_cast<size_t>(i)];
  return t;
}

Tensor scalar_tensor(const Scalar& v, DType dtype) { return full({}, v, dtype); }
Tensor scalar_tensor(const Scalar& v) { return full({}, v); }

template <typename T>
std::vector<T> to_vector(const Tensor& t) {
  check_defined(t, "to_vector");
  Tensor c = contiguous(to(t, dtype_of<T>));
  const T* p = c.data_ptr<T>();
  return std::vector<T>(p, p + c.numel());
}

#define HANGU_INSTANTIATE(T)                                        \
  template Tensor tensor<T>(const std::vector<T>&, IntList); \
  template std::vector<T> to_vector<T>(const Tensor&);
HANGU_INSTANTIATE(bool)
HANGU_INSTANTIATE(uint8_t)
HANGU_INSTANTIATE(int8_t)
HANGU_INSTANTIATE(int16_t)
HANGU_INSTANTIATE(int32_t)
HANGU_INSTANTIATE(int64_t)
HANGU_INSTANTIATE(Half)
HANGU_INSTANTIATE(BFloat16)
HANGU_INSTANTIATE(float)
HANGU_INSTANTIATE(double)
#undef HANGU_INSTANTIATE

}  // namespace hangu

#include "hangu/kernels/cpu/reference/reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "hangu/core/convert.h"
#include "hangu/core/thread_pool.h"

namespace hangu::kernels {
namespace {

// Reduces elements [0, inner) of one row: chunk(lo, hi) over the fixed chunks, combined left
// to right. In parallel over the chunks when `parallel`, serially otherwise: same result.
template <typename Acc, typename Chunk, typename Combine>
Acc reduce_row(int64_t inner, Acc identity, Chunk chunk, Combine combine, bool parallel) {
  if (parallel) return parallel_reduce(int64_t{0}, inner, kReduceGrain, identity, chunk, combine);
  Acc acc = identity;
  for (int64_t lo = 0; lo < inner; lo += kReduceGrain)
    acc = combine(acc, chunk(lo, std::min(inner, lo + kReduceGrain)));
  return acc;
}

// Sum of the floats r[0, inner) in double, over reduce_row's fixed chunks.
template <typename T>
double row_sum_f64(const T* r, int64_t inner, bool parallel) {
  return reduce_row<double>(
      inner, 0.0,
      [&](int64_t lo, int64_t hi) {
        double a = 0;
        for (int64_t i = lo; i < hi; ++i) a += convert<double>(r[i]);
        return a;
      },
      [](double a, double b) { return a + b; }, parallel);
}

// Calls row(o, parallel) for every row: a single row spreads its chunks over the threads,
// several rows are shared out in fixed groups.
template <typename RowFn>
void for_each_row(int64_t outer, int64_t inner, RowFn row) {
  if (outer == 1) {
    row(int64_t{0}, true);
    return;
  }
  int64_t grain = std::max<int64_t>(1, kReduceGrain / std::max<int64_t>(1, inner));
  parallel_for(0, outer, grain, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) row(o, false);
  });
}

template <typename T>
bool is_nan(T v) {
  if constexpr (is_floating_v<T>)
    return std::isnan(static_cast<double>(static_cast<opmath_t<T>>(v)));
  else
    return false;
}

// Accumulator of sums and products: double for floats, wrapping uint64 for integers.
template <typename T>
using acc_t = std::conditional_t<is_floating_v<T>, double, uint64_t>;

template <typename T>
acc_t<T> to_acc(T v) {
  if constexpr (is_floating_v<T>)
    return convert<double>(v);
  else
    return static_cast<uint64_t>(static_cast<int64_t>(v));
}

template <typename T>
T from_acc(acc_t<T> a) {
  if constexpr (is_floating_v<T>)
    return convert<T>(a);
  else if constexpr (std::is_same_v<T, bool>)
    return a != 0;
  else
    return static_cast<T>(static_cast<int64_t>(a));
}

// out[o] = the sum (or product) of row o, accumulated in acc_t<T>.
template <bool kProd>
void fold_rows(const Tensor& in, int64_t outer, int64_t inner, const Tensor& out) {
  dispatch_dtype(in.dtype(), [&]<typename T>() {
    using A = acc_t<T>;
    const T* x = static_cast<const T*>(in.data());
    T* y = static_cast<T*>(out.data());
    auto combine = [](A a, A b) { return kProd ? a * b : a + b; };
    for_each_row(outer, inner, [&](int64_t o, bool par) {
      const T* r = x + o * inner;
      A s = reduce_row<A>(
          inner, kProd ? A{1} : A{0},
          [&](int64_t lo, int64_t hi) {
            A a = kProd ? A{1} : A{0};
            for (int64_t i = lo; i < hi; ++i) a = combine(a, to_acc(r[i]));
            return a;
          },
          combine, par);
      y[o] = from_acc<T>(s);
    });
  });
}

}  // namespace

void sum_rows__reference(const Tensor& in, int64_t outer, int64_t inner, const Tensor& out) {
  fold_rows<false>(in, outer, inner, out);
}
void prod_rows__reference(const Tensor& in, int64_t outer, int64_t inner, const Tensor& out) {
  fold_rows<true>(in, outer, inner, out);
}

void mean_rows__reference(const Tensor& in, int64_t outer, int64_t inner, const Tensor& out) {
  dispatch_dtype(in.dtype(), [&]<typename T>() {
    if constexpr (is_floating_v<T>) {
      const T* x = static_cast<const T*>(in.data());
      T* y = static_cast<T*>(out.data());
      for_each_row(outer, inner, [&](int64_t o, bool par) {
        const T* r = x + o * inner;
        y[o] = convert<T>(row_sum_f64(r, inner, par) / static_cast<double>(inner));
      });
    }
  });
}

void minmax_rows__reference(const Tensor& in, int64_t outer, int64_t inner, bool is_max, const Tensor& values,
                            const Tensor& indices) {
  dispatch_dtype(in.dtype(), [&]<typename T>() {
    using V = opmath_t<T>;
    struct Best {
      V v;
      int64_t i;  // -1: nothing seen yet
    };
    const T* x = static_cast<const T*>(in.data());
    T* vals = values.defined() ? static_cast<T*>(values.data()) : nullptr;
    int64_t* idx = indices.defined() ? static_cast<int64_t*>(indices.data()) : nullptr;
    // b comes after a: it wins only when strictly better, or when it is the first NaN.
    auto combine = [is_max](Best a, Best b) {
      if (a.i < 0) return b;
      if (b.i < 0 || is_nan(a.v)) return a;
      if (is_nan(b.v)) return b;
      return (is_max ? b.v > a.v : b.v < a.v) ? b : a;
    };
    for_each_row(outer, inner, [&](int64_t o, bool par) {
      const T* r = x + o * inner;
      Best best = reduce_row<Best>(
          inner, Best{V{}, -1},
          [&](int64_t lo, int64_t hi) {
            Best a{V{}, -1};
            for (int64_t i = lo; i < hi; ++i) a = combine(a, Best{static_cast<V>(r[i]), i});
            return a;
          },
          combine, par);
      if (vals) vals[o] = r[best.i];
      if (idx) idx[o] = best.i;
    });
  });
}

void all_any_rows__reference(const Tensor& in, int64_t outer, int64_t inner, bool is_all, const Tensor& out) {
  dispatch_dtype(in.dtype(), [&]<typename T>() {
    const T* x = static_cast<const T*>(in.data());
    for_each_row(outer, inner, [&](int64_t o, bool par) {
      const T* r = x + o * inner;
      bool v = reduce_row<bool>(
          inner, is_all,
          [&](int64_t lo, int64_t hi) {
            for (int64_t i = lo; i < hi; ++i)
              if (convert<bool>(r[i]) != is_all) return !is_all;
            return is_all;
          },
          [is_all](bool a, bool b) { return is_all ? (a && b) : (a || b); }, par);
      if (out.dtype() == DType::u8)
        static_cast<uint8_t*>(out.data())[o] = v ? 1 : 0;
      else
        static_cast<bool*>(out.data())[o] = v;
    });
  });
}

void var_rows__reference(const Tensor& in, int64_t outer, int64_t inner, double correction, bool take_sqrt,
                         const Tensor& out) {
  dispatch_dtype(in.dtype(), [&]<typename T>() {
    if constexpr (is_floating_v<T>) {
      const T* x = static_cast<const T*>(in.data());
      T* y = static_cast<T*>(out.data());
      for_each_row(outer, inner, [&](int64_t o, bool par) {
        const T* r = x + o * inner;
        double m = row_sum_f64(r, inner, par) / static_cast<double>(inner);  // NaN for an empty row, as PyTorch
        double m2 = reduce_row<double>(
            inner, 0.0,
            [&](int64_t lo, int64_t hi) {
              double a = 0;
              for (int64_t i = lo; i < hi; ++i) {
                double d = convert<double>(r[i]) - m;
                a += d * d;
              }
              return a;
            },
            [](double a, double b) { return a + b; }, par);
        if (inner == 0) m2 = std::numeric_limits<double>::quiet_NaN();
        double v = m2 / std::max(static_cast<double>(inner) - correction, 0.0);
        y[o] = convert<T>(take_sqrt ? std::sqrt(v) : v);
      });
    }
  });
}

void logsumexp_rows__reference(const Tensor& in, int64_t outer, int64_t inner, const Tensor& out) {
  dispatch_dtype(in.dtype(), [&]<typename T>() {
    if constexpr (is_floating_v<T>) {
      const T* x = static_cast<const T*>(in.data());
      T* y = static_cast<T*>(out.data());
      auto add = [](double a, double b) { return a + b; };
      for_each_row(outer, inner, [&](int64_t o, bool par) {
        const T* r = x + o * inner;
        double m = -std::numeric_limits<double>::infinity();
        for (int64_t i = 0; i < inner; ++i) {
          double v = convert<double>(r[i]);
          if (std::isnan(v) || v > m) m = v;
          if (std::isnan(v)) break;
        }
        if (std::isinf(m)) m = 0.0;  // all -inf (or an inf present): exp(x) itself is exact enough
        double s = reduce_row<double>(
            inner, 0.0,
            [&](int64_t lo, int64_t hi) {
              double a = 0;
              for (int64_t i = lo; i < hi; ++i) a += std::exp(convert<double>(r[i]) - m);
              return a;
            },
            add, par);
        y[o] = convert<T>(std::log(s) + m);
      });
    }
  });
}

void norm_rows__reference(const Tensor& in, int64_t outer, int64_t inner, double p, const Tensor& out) {
  dispatch_dtype(in.dtype(), [&]<typename T>() {
    if constexpr (is_floating_v<T>) {
      const T* x = static_cast<const T*>(in.data());
      T* y = static_cast<T*>(out.data());
      for_each_row(outer, inner, [&](int64_t o, bool par) {
        const T* r = x + o * inner;
        double res;
        if (std::isinf(p)) {
          // max |x| (p = inf) or min |x| (p = -inf); NaN propagates.
          double best = std::fabs(convert<double>(r[0]));
          for (int64_t i = 1; i < inner && !std::isnan(best); ++i) {
            double a = std::fabs(convert<double>(r[i]));
            if (std::isnan(a) || (p > 0 ? a > best : a < best)) best = a;
          }
          res = best;
        } else {
          double s = reduce_row<double>(
              inner, 0.0,
              [&](int64_t lo, int64_t hi) {
                double a = 0;
                for (int64_t i = lo; i < hi; ++i) {
                  double v = std::fabs(convert<double>(r[i]));
                  if (p == 0.0)
                    a += v != 0.0 ? 1.0 : 0.0;  // NaN counts as nonzero
                  else if (p == 1.0)
                    a += v;
                  else if (p == 2.0)
                    a += v * v;
                  else
                    a += std::pow(v, p);
                }
                return a;
              },
              [](double a, double b) { return a + b; }, par);
          res = p == 0.0 || p == 1.0 ? s : p == 2.0 ? std::sqrt(s) : std::pow(s, 1.0 / p);
        }
        y[o] = convert<T>(res);
      });
    }
  });
}

namespace {

template <bool kProd>
void scan_rows(const Tensor& in, int64_t outer, int64_t inner, const Tensor& out) {
  dispatch_dtype(in.dtype(), [&]<typename T>() {
    using A = acc_t<T>;
    const T* x = static_cast<const T*>(in.data());
    T* y = static_cast<T*>(out.data());
    int64_t grain = std::max<int64_t>(1, kReduceGrain / std::max<int64_t>(1, inner));
    parallel_for(0, outer, grain, [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        A a = kProd ? A{1} : A{0};
        for (int64_t i = 0; i < inner; ++i) {
          if constexpr (kProd)
            a *= to_acc(x[o * inner + i]);
          else
            a += to_acc(x[o * inner + i]);
          y[o * inner + i] = from_acc<T>(a);
        }
      }
    });
  });
}

}  // namespace

void cumsum_rows__reference(const Tensor& in, int64_t outer, int64_t inner, const Tensor& out) {
  scan_rows<false>(in, outer, inner, out);
}
void cumprod_rows__reference(const Tensor& in, int64_t outer, int64_t inner, const Tensor& out) {
  scan_rows<true>(in, outer, inner, out);
}

void softmax_rows__reference(const Tensor& in, int64_t outer, int64_t inner, bool log, const Tensor& out) {
  dispatch_dtype(in.dtype(), [&]<typename T>() {
    if constexpr (is_floating_v<T>) {
      const T* x = static_cast<const T*>(in.data());
      T* y = static_cast<T*>(out.data());
      int64_t grain = std::max<int64_t>(1, kReduceGrain / std::max<int64_t>(1, inner));
      parallel_for(0, outer, grain, [&](int64_t o0, int64_t o1) {
        for (int64_t o = o0; o < o1; ++o) {
          const T* r = x + o * inner;
          T* w = y + o * inner;
          double m = -std::numeric_limits<double>::infinity();
          for (int64_t i = 0; i < inner; ++i) {
            double v = convert<double>(r[i]);
            if (std::isnan(v) || v > m) m = v;
            if (std::isnan(v)) break;
          }
          double s = 0;
          for (int64_t i = 0; i < inner; ++i) s += std::exp(convert<double>(r[i]) - m);
          double ls = std::log(s);
          for (int64_t i = 0; i < inner; ++i) {
            double d = convert<double>(r[i]) - m;
            w[i] = convert<T>(log ? d - ls : std::exp(d) / s);
          }
        }
      });
    }
  });
}

}  // namespace hangu::kernels

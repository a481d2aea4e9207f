#pragma once
// Strided elementwise iteration: the machinery every reference elementwise kernel runs on.
// N operands share one iteration shape; an operand broadcast along a dim has stride 0 there.
// Work is split into fixed chunks of kElementwiseGrain elements (never by thread count).
#include <array>
#include <cstdint>
#include <utility>

#include "hangu/core/convert.h"
#include "hangu/core/shape.h"
#include "hangu/core/tensor.h"
#include "hangu/core/thread_pool.h"

namespace hangu::kernels {

inline constexpr int64_t kElementwiseGrain = 32768;  // elements per parallel chunk

template <size_t N>
struct LoopSpec {
  Shape shape;                    // iteration shape, coalesced
  std::array<Strides, N> strides;  // in elements, one set per operand
  std::array<char*, N> base;      // address of each operand's first element
  std::array<int64_t, N> elem;    // element size of each operand, in bytes
};

// Builds a LoopSpec, dropping size-1 dims and merging dims that are contiguous for every operand.
template <size_t N>
LoopSpec<N> make_loop(IntList shape, const std::array<const Tensor*, N>& ops,
                      const std::array<Strides, N>& strides) {
  LoopSpec<N> s;
  for (size_t k = 0; k < N; ++k) {
    s.base[k] = static_cast<char*>(ops[k]->data());
    s.elem[k] = ops[k]->element_size();
  }
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!s.shape.empty()) {
      bool mergeable = true;
      for (size_t k = 0; k < N; ++k)
        mergeable = mergeable && s.strides[k].back() == strides[k][d] * shape[d];
      if (mergeable) {
        s.shape.back() *= shape[d];
        for (size_t k = 0; k < N; ++k) s.strides[k].back() = strides[k][d];
        continue;
      }
    }
    s.shape.push_back(shape[d]);
    for (size_t k = 0; k < N; ++k) s.strides[k].push_back(strides[k][d]);
  }
  return s;
}

// Strides of `t` seen through the broadcast shape `shape` (0 where t is broadcast), in elements.
inline Strides broadcast_strides(const Tensor& t, IntList shape) {
  Strides s(shape.size(), 0);
  size_t off = shape.size() - static_cast<size_t>(t.dim());
  for (size_t d = 0; d < static_cast<size_t>(t.dim()); ++d)
    s[off + d] = t.shape()[d] == 1 ? 0 : t.strides()[d];
  return s;
}

// Calls run(ptrs, inner_strides_in_bytes, n) for every innermost run of the loop, in parallel
// over fixed chunks of the flattened iteration space.
template <size_t N, typename Run>
void for_each_run(const LoopSpec<N>& s, Run&& run, int64_t grain = kElementwiseGrain) {
  const int64_t nd = static_cast<int64_t>(s.shape.size());
  if (nd == 0) {  // a single element
    std::array<int64_t, N> zero{};
    run(s.base, zero, int64_t{1});
    return;
  }
  int64_t total = 1;
  for (int64_t d : s.shape) total *= d;
  if (total == 0) return;
  const int64_t inner = s.shape[nd - 1];
  std::array<int64_t, N> inner_bytes;
  for (size_t k = 0; k < N; ++k) inner_bytes[k] = s.strides[k][nd - 1] * s.elem[k];
  parallel_for(0, total, grain, [&](int64_t lo, int64_t hi) {
    // Multi-index of `lo`.
    Shape idx(nd, 0);
    int64_t rem = lo;
    for (int64_t d = nd - 1; d >= 0; --d) {
      idx[d] = rem % s.shape[d];
      rem /= s.shape[d];
    }
    int64_t pos = lo;
    while (pos < hi) {
      std::array<char*, N> p;
      for (size_t k = 0; k < N; ++k) {
        int64_t off = 0;
        for (int64_t d = 0; d < nd; ++d) off += idx[d] * s.strides[k][d];
        p[k] = s.base[k] + off * s.elem[k];
      }
      int64_t n = std::min(inner - idx[nd - 1], hi - pos);
      run(p, inner_bytes, n);
      pos += n;
      idx[nd - 1] += n;
      for (int64_t d = nd - 1; d > 0 && idx[d] == s.shape[d]; --d) {
        idx[d] = 0;
        ++idx[d - 1];
      }
    }
  });
}

// out = f(in...) elementwise. Each input must already have C++ type In_k and a shape that
// broadcasts to out's shape; out has type Out. Example:
//   map_elementwise<float, float, float>(out, {&a, &b}, [](float x, float y) { return x + y; });
template <typename Out, typename... In, typename F>
void map_elementwise(const Tensor& out, const std::array<const Tensor*, sizeof...(In)>& in, F&& f) {
  constexpr size_t N = 1 + sizeof...(In);
  std::array<const Tensor*, N> ops;
  std::array<Strides, N> strides;
  ops[0] = &out;
  strides[0] = out.strides();
  for (size_t k = 0; k < sizeof...(In); ++k) {
    ops[k + 1] = in[k];
    strides[k + 1] = broadcast_strides(*in[k], out.shape());
  }
  LoopSpec<N> spec = make_loop<N>(out.shape(), ops, strides);
  for_each_run(spec, [&](const std::array<char*, N>& p, const std::array<int64_t, N>& st, int64_t n) {
    [&]<size_t... I>(std::index_sequence<I...>) {
      bool unit = st[0] == static_cast<int64_t>(sizeof(Out)) &&
                  ((st[I + 1] == static_cast<int64_t>(sizeof(In))) && ...);
      Out* o = reinterpret_cast<Out*>(p[0]);
      if (unit) {  // contiguous run: a plain loop the compiler can vectorise
        for (int64_t i = 0; i < n; ++i) o[i] = f(reinterpret_cast<const In*>(p[I + 1])[i]...);
      } else {
        for (int64_t i = 0; i < n; ++i)
          *reinterpret_cast<Out*>(p[0] + i * st[0]) = f(*reinterpret_cast<const In*>(p[I + 1] + i * st[I + 1])...);
      }
    }(std::make_index_sequence<N - 1>{});
  });
}

// dst = src converted to dst's dtype; src broadcasts to dst's shape. Any strides on both sides.
void copy_cast(const Tensor& dst, const Tensor& src);
// Every element of dst = v converted to dst's dtype.
void fill(const Tensor& dst, const Scalar& v);

}  // namespace hangu::kernels

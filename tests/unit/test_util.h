#pragma once
// Helpers shared by the unit tests. Header-only: every tests/unit/test_*.cpp is its own executable.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "hangu/hangu.h"

namespace hangu::test_util {

// A float32 tensor of `v`, 1-d unless `shape` is given.
inline Tensor tf(std::vector<float> v, Shape shape = {}) {
  if (shape.empty()) shape = {static_cast<int64_t>(v.size())};
  return tensor(v, shape);
}

template <typename T>
std::vector<T> vec(const Tensor& t) {
  return to_vector<T>(t);
}

// Same dtype, shape and bytes (NaN payloads and -0.0 included).
inline bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  Tensor ca = contiguous(a), cb = contiguous(b);
  return std::memcmp(ca.data(), cb.data(), static_cast<size_t>(ca.nbytes())) == 0;
}

// Runs f with 1 thread and with 2, restoring the thread count afterwards.
template <typename F>
std::pair<Tensor, Tensor> with_1_and_2_threads(F&& f) {
  int saved = get_num_threads();
  set_num_threads(1);
  Tensor one = f();
  set_num_threads(2);
  Tensor two = f();
  set_num_threads(saved);
  return {one, two};
}

// The message (in the current language) of the E that f() throws; a test failure if it throws none.
template <typename E, typename F>
std::string error_text(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an error";
  return "";
}

// f() must throw E with a message containing every one of `needles`.
template <typename E, typename F>
void expect_error_mentions(F&& f, std::initializer_list<std::string> needles) {
  std::string m = error_text<E>(std::forward<F>(f));
  for (const std::string& n : needles) EXPECT_NE(m.find(n), std::string::npos) << "'" << n << "' not in: " << m;
}

// arange(numel) shaped, in the I/O fixture generators' form: floats *0.5-3, bool %3==0.
inline Tensor expected_values(IntList shape, DType dtype) {
  int64_t n = shape_numel(shape);
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    v[static_cast<size_t>(i)] = dtype == DType::boolean ? (i % 3 == 0) : is_floating(dtype) ? i * 0.5 - 3 : double(i);
  return to(tensor(v, shape), dtype);
}

// Same dtype, shape and values.
inline void expect_same(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.dtype(), b.dtype());
  ASSERT_EQ(a.shape(), b.shape());
  EXPECT_EQ(to_vector<double>(a), to_vector<double>(b));
}

// Names of the registered ops (only the differentiable ones if asked), restricted to the
// comma-separated list in HANGU_TEST_OPS when it is set.
inline std::vector<std::string> registered_ops(bool differentiable_only) {
  std::set<std::string> only;
  if (const char* env = std::getenv("HANGU_TEST_OPS")) {
    std::stringstream ss(env);
    for (std::string s; std::getline(ss, s, ',');)
      if (!s.empty()) only.insert(s);
  }
  std::vector<std::string> names;
  for (const ops::OpInfo& op : ops::op_registry().all())
    if ((!differentiable_only || op.differentiable) && (only.empty() || only.count(op.name))) names.push_back(op.name);
  return names;
}

}  // namespace hangu::test_util

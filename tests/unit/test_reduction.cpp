// Targeted checks of the reductions, scans and softmax beyond the registry fixtures:
// determinism across thread counts, keepdim shapes, NaN, empty inputs, dtypes, stability.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "hangu/hangu.h"
#include "test_util.h"

using namespace hangu;
using namespace hangu::test_util;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();


}  // namespace

TEST(Reduction, SumOf1e7FloatsIsTheSameFor1And2Threads) {
  manual_seed(1234);
  Tensor x = rand({10'000'000});
  auto [one, two] = with_1_and_2_threads([&] { return sum(x); });
  EXPECT_TRUE(same_bits(one, two)) << one.item<double>() << " vs " << two.item<double>();
  // Accumulated in double: close to the exact mean of U[0, 1) times n.
  EXPECT_NEAR(one.item<double>() / 1e7, 0.5, 1e-3);
}

TEST(Reduction, DimReductionsAreTheSameFor1And2Threads) {
  manual_seed(99);
  Tensor x = randn({300, 40'000});
  for (int64_t d : {0, 1}) {
    auto [one, two] = with_1_and_2_threads([&] { return sum(x, {d}); });
    EXPECT_TRUE(same_bits(one, two)) << "sum dim " << d;
    auto [v1, v2] = with_1_and_2_threads([&] { return hangu::var(x, IntList(&d, 1)); });
    EXPECT_TRUE(same_bits(v1, v2)) << "var dim " << d;
  }
  auto [s1, s2] = with_1_and_2_threads([&] { return softmax(x, 1); });
  EXPECT_TRUE(same_bits(s1, s2));
  auto [m1, m2] = with_1_and_2_threads([&] { return argmax(x); });
  EXPECT_TRUE(same_bits(m1, m2));
}

TEST(Reduction, RowSumEqualsFullSumOfThatRow) {
  // The same fixed chunks are used whether a row is reduced alone or among others.
  manual_seed(5);
  Tensor x = rand({3, 100'000});
  Tensor rows = sum(x, {1});
  for (int64_t r = 0; r < 3; ++r) EXPECT_EQ(vec<float>(rows)[r], sum(select(x, 0, r)).item<float>());
}

TEST(Reduction, KeepdimShapes) {
  Tensor x = zeros({2, 3, 4});
  EXPECT_EQ(sum(x, {1}).shape(), (Shape{2, 4}));
  EXPECT_EQ(sum(x, {1}, true).shape(), (Shape{2, 1, 4}));
  EXPECT_EQ(sum(x, {0, -1}, true).shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(sum(x).shape(), Shape{});
  EXPECT_EQ(sum(x, IntList{}, true).shape(), (Shape{1, 1, 1}));
  EXPECT_EQ(amax(x, {2, 0}).shape(), Shape{3});
  EXPECT_EQ(max(x, 1, true).first.shape(), (Shape{2, 1, 4}));
  EXPECT_EQ(argmax(x, std::nullopt, true).shape(), (Shape{1, 1, 1}));
  EXPECT_EQ(argmax(x, -1).shape(), (Shape{2, 3}));
  EXPECT_EQ(hangu::var(x, {1}, 1.0, true).shape(), (Shape{2, 1, 4}));
  EXPECT_EQ(sum(tf({3}, Shape{}), {0}).shape(), Shape{});
}

TEST(Reduction, MultiDimSumMatchesLoop) {
  manual_seed(3);
  Tensor x = randn({2, 3, 4, 5}, DType::f64);
  Tensor s = sum(x, {0, 2});
  auto xv = vec<double>(x), sv = vec<double>(s);
  for (int j = 0; j < 3; ++j)
    for (int l = 0; l < 5; ++l) {
      double want = 0;
      for (int i = 0; i < 2; ++i)
        for (int k = 0; k < 4; ++k) want += xv[((i * 3 + j) * 4 + k) * 5 + l];
      EXPECT_NEAR(sv[j * 5 + l], want, 1e-12);
    }
}

TEST(Reduction, NaNPropagates) {
  Tensor x = tf({1, kNaN, 3, kNaN, 0}, {5});
  EXPECT_TRUE(std::isnan(max(x).item<float>()));
  EXPECT_TRUE(std::isnan(min(x).item<float>()));
  EXPECT_TRUE(std::isnan(amax(x).item<float>()));
  EXPECT_EQ(argmax(x).item<int64_t>(), 1);
  EXPECT_EQ(argmin(x).item<int64_t>(), 1);
  auto [v, i] = max(x, 0);
  EXPECT_TRUE(std::isnan(v.item<float>()));
  EXPECT_EQ(i.item<int64_t>(), 1);
  EXPECT_TRUE(std::isnan(sum(x).item<float>()));
  EXPECT_TRUE(std::isnan(logsumexp(x, {0}).item<float>()));
}

TEST(Reduction, FirstOccurrenceWinsTies) {
  Tensor x = tf({1, 3, 3, 0, 3, 0}, {6});
  EXPECT_EQ(argmax(x).item<int64_t>(), 1);
  EXPECT_EQ(argmin(x).item<int64_t>(), 3);
  EXPECT_EQ(max(x, 0).second.item<int64_t>(), 1);
}

TEST(Reduction, EmptyInputs) {
  EXPECT_EQ(sum(zeros({0})).item<float>(), 0.0f);
  EXPECT_EQ(sum(zeros({0, 3}), {0}).shape(), Shape{3});
  EXPECT_EQ(prod(zeros({0})).item<float>(), 1.0f);
  EXPECT_TRUE(all(zeros({0})).item<bool>());
  EXPECT_FALSE(any(zeros({0})).item<bool>());
  EXPECT_TRUE(std::isnan(mean(zeros({0})).item<float>()));
  EXPECT_EQ(logsumexp(zeros({0}), {0}).item<float>(), -kInf);
  EXPECT_EQ(amax(zeros({0, 3}), {1}).shape(), Shape{0});
  EXPECT_THROW(max(zeros({0})), IndexError);
  EXPECT_THROW(argmax(zeros({0})), IndexError);
  EXPECT_THROW(amax(zeros({0, 3}), {0}), IndexError);
  EXPECT_THROW(max(zeros({0, 3}), 0), IndexError);
  EXPECT_THROW(norm(zeros({0}), kInf), IndexError);
  try {
    max(zeros({0, 3}));
    FAIL();
  } catch (const IndexError& e) {
    EXPECT_NE(std::string(e.message(Lang::en)).find("[0, 3]"), std::string::npos) << e.message(Lang::en);
  }
}

TEST(Reduction, ResultDtypes) {
  Tensor i32 = ones({4}, DType::i32);
  EXPECT_EQ(sum(i32).dtype(), DType::i64);
  EXPECT_EQ(sum(ones({4}, DType::boolean)).item<int64_t>(), 4);
  EXPECT_EQ(prod(i32).dtype(), DType::i64);
  EXPECT_EQ(sum(i32, {}, false, DType::f64).dtype(), DType::f64);
  EXPECT_EQ(cumsum(ones({3}, DType::boolean), 0).dtype(), DType::i64);
  EXPECT_EQ(cumprod(i32, 0).dtype(), DType::i64);
  EXPECT_EQ(max(i32).dtype(), DType::i32);
  EXPECT_EQ(argmax(i32).dtype(), DType::i64);
  EXPECT_EQ(all(i32).dtype(), DType::boolean);
  EXPECT_EQ(any(ones({3}, DType::u8)).dtype(), DType::u8);
  EXPECT_EQ(logsumexp(i32, {0}).dtype(), DType::f32);
  EXPECT_EQ(mean(ones({2}, DType::bf16)).dtype(), DType::bf16);
  try {
    mean(ones({3}, DType::i64));
    FAIL();
  } catch (const DTypeError& e) {
    EXPECT_NE(std::string(e.message(Lang::en)).find("int64"), std::string::npos);
  }
  EXPECT_THROW(hangu::var(i32), DTypeError);
  EXPECT_THROW(softmax(i32, 0), DTypeError);
  EXPECT_EQ(softmax(i32, 0, DType::f64).dtype(), DType::f64);
}

TEST(Reduction, DimErrorsNameDimAndRank) {
  try {
    sum(zeros({2, 3}), {5});
    FAIL();
  } catch (const IndexError& e) {
    std::string m = e.message(Lang::en);
    EXPECT_NE(m.find("5"), std::string::npos) << m;
    EXPECT_NE(m.find("rank 2"), std::string::npos) << m;
  }
  EXPECT_THROW(sum(zeros({2, 3}), {1, -1}), ValueError);
  EXPECT_THROW(cumsum(zeros({2, 3}), -3), IndexError);
}

TEST(Reduction, IntegerSumIsExactInInt64) {
  const int64_t n = 1000;
  Tensor x = full(IntList(&n, 1), Scalar(int64_t{1} << 40), DType::i64);
  EXPECT_EQ(sum(x).item<int64_t>(), int64_t{1000} << 40);
}

TEST(Reduction, VarianceStdAndCorrection) {
  Tensor x = tf({1, 2, 3, 4});
  EXPECT_NEAR(hangu::var(x).item<double>(), 5.0 / 3.0, 1e-6);
  EXPECT_NEAR(hangu::var(x, {}, 0.0).item<double>(), 1.25, 1e-6);
  EXPECT_NEAR(hangu::std(x, {}, 0.0).item<double>(), std::sqrt(1.25), 1e-6);
  EXPECT_TRUE(std::isnan(hangu::var(tf({7})).item<float>()));  // n - correction = 0
  // Large offset: the two-pass formula keeps the variance exact.
  Tensor y = tf({1e6f + 1, 1e6f + 2, 1e6f + 3});
  EXPECT_NEAR(hangu::var(y).item<double>(), 1.0, 1e-9);
}

TEST(Reduction, LogSumExpAndSoftmaxAreStable) {
  Tensor x = tf({1000, 1000});
  EXPECT_NEAR(logsumexp(x, {0}).item<double>(), 1000 + std::log(2.0), 1e-3);
  auto s = vec<float>(softmax(tf({1000, 1000, -kInf}), 0));
  EXPECT_FLOAT_EQ(s[0], 0.5f);
  EXPECT_FLOAT_EQ(s[1], 0.5f);
  EXPECT_EQ(s[2], 0.0f);
  auto ls = vec<float>(log_softmax(tf({1000, 1000}), 0));
  EXPECT_NEAR(ls[0], -std::log(2.0), 1e-6);
  EXPECT_EQ(logsumexp(tf({-kInf, -kInf}), {0}).item<float>(), -kInf);
  EXPECT_EQ(logsumexp(tf({kInf, 1}), {0}).item<float>(), kInf);
}

TEST(Reduction, SoftmaxRowsSumToOneAlongAnyDim) {
  manual_seed(8);
  Tensor x = randn({3, 4, 5});
  for (int64_t d : {0, 1, 2, -1}) {
    Tensor s = sum(softmax(x, d), {d});
    for (float v : vec<float>(s)) EXPECT_NEAR(v, 1.0f, 1e-6);
  }
  // 16-bit inputs are computed in float and rounded once.
  Tensor h = to(x, DType::f16);
  Tensor sh = softmax(h, 1);
  EXPECT_EQ(sh.dtype(), DType::f16);
  auto want = vec<float>(softmax(to(h, DType::f32), 1));
  auto got = vec<float>(sh);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], static_cast<float>(Half(want[i])));
}

TEST(Reduction, Norms) {
  Tensor x = tf({3, -4, 0}, {3});
  EXPECT_FLOAT_EQ(norm(x).item<float>(), 5.0f);
  EXPECT_FLOAT_EQ(norm(x, 1.0).item<float>(), 7.0f);
  EXPECT_FLOAT_EQ(norm(x, kInf).item<float>(), 4.0f);
  EXPECT_FLOAT_EQ(norm(x, -kInf).item<float>(), 0.0f);
  EXPECT_FLOAT_EQ(norm(x, 0.0).item<float>(), 2.0f);
  EXPECT_NEAR(norm(x, 3.0).item<float>(), std::cbrt(91.0), 1e-5);
  Tensor m = tf({1, 2, 3, 4}, {2, 2});
  EXPECT_NEAR(norm(m, "fro").item<float>(), std::sqrt(30.0), 1e-6);
  auto cols = vec<float>(norm(m, "fro", {0}));
  EXPECT_NEAR(cols[0], std::sqrt(10.0), 1e-6);
  EXPECT_THROW(norm(m, "nuc"), ValueError);
}

TEST(Reduction, CumulativeOps) {
  Tensor x = tf({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(vec<float>(cumsum(x, 1)), (std::vector<float>{1, 3, 6, 4, 9, 15}));
  EXPECT_EQ(vec<float>(cumsum(x, 0)), (std::vector<float>{1, 2, 3, 5, 7, 9}));
  EXPECT_EQ(vec<float>(cumprod(x, -1)), (std::vector<float>{1, 2, 6, 4, 20, 120}));
  EXPECT_EQ(vec<int64_t>(cumsum(tensor(std::vector<int32_t>{1, 2, 3}), 0)), (std::vector<int64_t>{1, 3, 6}));
  EXPECT_EQ(cumsum(zeros({0, 3}), 0).shape(), (Shape{0, 3}));
}

TEST(Reduction, NonContiguousInputs) {
  manual_seed(4);
  Tensor x = randn({4, 6}, DType::f64);
  Tensor xt = transpose(x, 0, 1);  // [6, 4], not contiguous
  EXPECT_EQ(vec<double>(sum(xt, {0})), vec<double>(sum(contiguous(xt), {0})));
  EXPECT_EQ(vec<double>(amax(xt, {1})), vec<double>(amax(contiguous(xt), {1})));
  EXPECT_EQ(vec<double>(softmax(xt, 0)), vec<double>(softmax(contiguous(xt), 0)));
}

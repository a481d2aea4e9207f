// Targeted tests of the elementwise ops beyond the registry walk: type promotion, broadcasting,
// in-place semantics, division modes, rounding, NaN handling and bilingual errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "hangu/hangu.h"
#include "test_util.h"

namespace hangu {
namespace {

using namespace test_util;

Tensor f32v(std::vector<float> v) { return tensor(v); }
Tensor f64v(std::vector<double> v) { return tensor(v); }
Tensor i64v(std::vector<int64_t> v) { return tensor(v); }

TEST(TypePromotion, ResultTypeTable) {
  Tensor i64 = i64v({1, 2}), f32 = f32v({1, 2}), b = tensor(std::vector<bool>{true, false});
  Tensor i32 = to(i64, DType::i32), u8 = to(i64, DType::u8), i8 = to(i64, DType::i8);
  EXPECT_EQ(result_type(i64, f32), DType::f32);
  EXPECT_EQ(result_type(b, i32), DType::i32);
  EXPECT_EQ(result_type(u8, i8), DType::i16);
  EXPECT_EQ(result_type(i64, Scalar(2.5)), DType::f32);   // a float Scalar gives the default float
  EXPECT_EQ(result_type(b, Scalar(2)), DType::i64);       // an int Scalar raises bool to int64
  EXPECT_EQ(result_type(u8, Scalar(300)), DType::u8);     // but does not widen an integer tensor
  EXPECT_EQ(result_type(scalar_tensor(1.0, DType::f64), f32), DType::f32);  // 0-d only raises the category
  EXPECT_EQ(result_type(i32, scalar_tensor(3, DType::i64)), DType::i32);
  EXPECT_EQ(result_type(i64, scalar_tensor(2.5, DType::f64)), DType::f64);
  EXPECT_EQ(result_type(b, scalar_tensor(3, DType::i8)), DType::i8);
  EXPECT_EQ(result_type(scalar_tensor(1, DType::i32), scalar_tensor(1.0, DType::f64)), DType::f64);
}

TEST(TypePromotion, OpsFollowIt) {
  Tensor i64 = i64v({1, -2}), f32 = f32v({1.5f, 2.0f});
  EXPECT_EQ(add(i64, f32).dtype(), DType::f32);
  EXPECT_EQ(add(tensor(std::vector<bool>{true}), to(i64v({3}), DType::i32)).dtype(), DType::i32);
  Tensor q = div(i64v({1, 3}), i64v({2, 2}));
  EXPECT_EQ(q.dtype(), DType::f32);
  EXPECT_EQ(to_vector<float>(q), (std::vector<float>{0.5f, 1.5f}));
  EXPECT_EQ((i64 + 2.5).dtype(), DType::f32);
  EXPECT_EQ((i64 * 3).dtype(), DType::i64);
  EXPECT_EQ(add(to(i64v({1}), DType::u8), to(i64v({1}), DType::i8)).dtype(), DType::i16);
  EXPECT_EQ(add(scalar_tensor(1.0, DType::f64), f32).dtype(), DType::f32);
  EXPECT_EQ(exp(i64).dtype(), DType::f32);
  EXPECT_EQ(sigmoid(tensor(std::vector<bool>{true})).dtype(), DType::f32);
  EXPECT_EQ(floor(i64).dtype(), DType::i64);
  EXPECT_EQ(lt(i64, f32).dtype(), DType::boolean);
  EXPECT_EQ(pow(2, i64v({3})).dtype(), DType::i64);
  EXPECT_EQ(pow(2.5, i64v({2})).dtype(), DType::f32);
  EXPECT_EQ(clamp(i64, 0.5).dtype(), DType::f32);
  EXPECT_EQ(where(tensor(std::vector<bool>{true, false}), i64, 2.5).dtype(), DType::f32);
}

TEST(Elementwise, Broadcasting) {
  Tensor a = tensor(std::vector<float>{1, 2, 3}, Shape{3, 1});
  Tensor b = f32v({10, 20, 30, 40});
  Tensor c = a + b;
  EXPECT_EQ(c.shape(), (Shape{3, 4}));
  EXPECT_EQ(to_vector<float>(c), (std::vector<float>{11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43}));
  Tensor z = add(empty({0, 4}), b);
  EXPECT_EQ(z.shape(), (Shape{0, 4}));
  Tensor s = add(scalar_tensor(1.0f, DType::f32), scalar_tensor(2.0f, DType::f32));
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<float>(), 3.0f);
  EXPECT_THROW(add(empty({2, 3}), empty({4})), ShapeError);
  std::string m = error_text<ShapeError>([] { add(empty({2, 3}), empty({4})); });
  EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
  EXPECT_NE(m.find("[4]"), std::string::npos) << m;
}

TEST(Elementwise, AlphaAndWrapping) {
  EXPECT_EQ(to_vector<int64_t>(add(i64v({1, 2}), i64v({3, 4}), 2)), (std::vector<int64_t>{7, 10}));
  EXPECT_EQ(to_vector<float>(sub(f32v({1, 2}), f32v({1, 1}), 0.5)), (std::vector<float>{0.5f, 1.5f}));
  EXPECT_THROW(add(i64v({1}), i64v({1}), 2.5), ValueError);
  Tensor i8 = to(i64v({100}), DType::i8);
  EXPECT_EQ(to_vector<int64_t>(i8 + i8), (std::vector<int64_t>{-56}));  // wraps like torch
  EXPECT_THROW(sub(tensor(std::vector<bool>{true}), tensor(std::vector<bool>{true})), DTypeError);
  EXPECT_THROW(neg(tensor(std::vector<bool>{true})), DTypeError);
  EXPECT_EQ(to_vector<float>(2 - f32v({1, 3})), (std::vector<float>{1, -1}));
  EXPECT_EQ(to_vector<float>(1.0 / f32v({2, 4})), (std::vector<float>{0.5f, 0.25f}));
}

TEST(Elementwise, DivisionModesWithNegatives) {
  Tensor a = i64v({-7, 7, -7, 7}), b = i64v({2, -2, -2, 2});
  EXPECT_EQ(to_vector<int64_t>(div(a, b, "floor")), (std::vector<int64_t>{-4, -4, 3, 3}));
  EXPECT_EQ(to_vector<int64_t>(div(a, b, "trunc")), (std::vector<int64_t>{-3, -3, 3, 3}));
  EXPECT_EQ(to_vector<float>(div(a, b)), (std::vector<float>{-3.5f, -3.5f, 3.5f, 3.5f}));
  Tensor fa = f32v({-7.5f, 7.5f}), fb = f32v({2, -2});
  EXPECT_EQ(to_vector<float>(div(fa, fb, "floor")), (std::vector<float>{-4, -4}));
  EXPECT_EQ(to_vector<float>(div(fa, fb, "trunc")), (std::vector<float>{-3, -3}));
  EXPECT_EQ(to_vector<int64_t>(remainder(i64v({-7, 7, -7}), i64v({3, -3, -3}))), (std::vector<int64_t>{2, -2, -1}));
  EXPECT_EQ(to_vector<float>(remainder(fa, 2)), (std::vector<float>{0.5f, 1.5f}));
  EXPECT_THROW(div(i64v({1}), i64v({0}), "floor"), ValueError);
  EXPECT_THROW(remainder(i64v({1}), 0), ValueError);
  EXPECT_THROW(div(f32v({1}), f32v({1}), "round"), ValueError);
  std::vector<float> inf = to_vector<float>(div(f32v({1, -1}), f32v({0, 0})));
  EXPECT_TRUE(std::isinf(inf[0]) && inf[0] > 0 && std::isinf(inf[1]) && inf[1] < 0);
}

TEST(Elementwise, FmodFloorDivideRsub) {
  EXPECT_EQ(to_vector<int64_t>(fmod(i64v({-7, 7}), i64v({2, -2}))), (std::vector<int64_t>{-1, 1}));
  EXPECT_EQ(to_vector<float>(fmod(f32v({-7.5f, 7.5f}), -2)), (std::vector<float>{-1.5f, 1.5f}));
  EXPECT_EQ(to_vector<int64_t>(floor_divide(i64v({-7, 7}), i64v({2, -2}))), (std::vector<int64_t>{-4, -4}));
  EXPECT_EQ(to_vector<float>(rsub(i64v({-7, 7}), 2.5)), (std::vector<float>{9.5f, -4.5f}));
  EXPECT_EQ(to_vector<int64_t>(rsub(i64v({1, 2}), i64v({10, 10}), 3)), (std::vector<int64_t>{7, 4}));
  EXPECT_EQ(square(tensor(std::vector<bool>{true})).dtype(), DType::i64);
  EXPECT_EQ(clamp_max(tensor(std::vector<bool>{true}), 0).dtype(), DType::i64);
  EXPECT_THROW(fmod(i64v({1}), 0), ValueError);
}

TEST(Elementwise, RoundHalfToEven) {
  Tensor t = f32v({0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 2.4f});
  std::vector<float> r = to_vector<float>(round(t));
  EXPECT_EQ(r, (std::vector<float>{0, 2, 2, -0.0f, -2, -2, 2}));
  EXPECT_TRUE(std::signbit(r[3]));
  EXPECT_EQ(to_vector<float>(trunc(f32v({-1.7f, 1.7f}))), (std::vector<float>{-1, 1}));
  EXPECT_EQ(to_vector<int64_t>(round(i64v({3, -3}))), (std::vector<int64_t>{3, -3}));
}

TEST(Elementwise, NanPropagatesInMaximumMinimum) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor a = f32v({nan, 1, 5}), b = f32v({0, nan, 2});
  std::vector<float> mx = to_vector<float>(maximum(a, b)), mn = to_vector<float>(minimum(a, b));
  EXPECT_TRUE(std::isnan(mx[0]) && std::isnan(mx[1]));
  EXPECT_TRUE(std::isnan(mn[0]) && std::isnan(mn[1]));
  EXPECT_EQ(mx[2], 5);
  EXPECT_EQ(mn[2], 2);
  std::vector<float> n = to_vector<float>(nan_to_num(f32v({nan, INFINITY, -INFINITY, 1})));
  EXPECT_EQ(n, (std::vector<float>{0, std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest(), 1}));
  EXPECT_EQ(to_vector<bool>(isnan(a)), (std::vector<bool>{true, false, false}));
  EXPECT_TRUE(std::isnan(to_vector<float>(relu(f32v({nan})))[0]));
  EXPECT_TRUE(std::isnan(to_vector<float>(clamp(f32v({nan}), 0.0, 1.0))[0]));
}

TEST(Elementwise, InPlace) {
  Tensor x = f32v({1, 2, 3});
  Tensor r = add_(x, f32v({1, 1, 1}));
  EXPECT_TRUE(r.is_same(x));
  EXPECT_EQ(to_vector<float>(x), (std::vector<float>{2, 3, 4}));
  mul_(x, 2);
  div_(x, 4);
  sub_(x, 1.0);
  EXPECT_EQ(to_vector<float>(x), (std::vector<float>{0, 0.5f, 1}));
  neg_(x);
  clamp_(x, -0.75, std::nullopt);
  EXPECT_EQ(to_vector<float>(x), (std::vector<float>{-0.0f, -0.5f, -0.75f}));
  // Writing through a view updates the base.
  Tensor base = zeros({2, 3});
  add_(select(base, 0, 1), 5);
  EXPECT_EQ(to_vector<float>(base), (std::vector<float>{0, 0, 0, 5, 5, 5}));
  // u8 += i64 is allowed (the int64 result casts back to uint8).
  Tensor u = to(i64v({250}), DType::u8);
  add_(u, i64v({10}));
  EXPECT_EQ(u.dtype(), DType::u8);
  EXPECT_EQ(to_vector<int64_t>(u), (std::vector<int64_t>{4}));
  // A float result cannot go into an int64 tensor, nor a bigger shape into self.
  Tensor i = i64v({1, 2});
  std::string m = error_text<DTypeError>([&] { add_(i, 2.5); });
  EXPECT_NE(m.find("float32"), std::string::npos) << m;
  EXPECT_NE(m.find("int64"), std::string::npos) << m;
  EXPECT_THROW(div_(i, i64v({1, 1})), DTypeError);
  EXPECT_NO_THROW(div_(i, i64v({1, 1}), "floor"));
  EXPECT_THROW(clamp_(i, 0.5), DTypeError);
  EXPECT_THROW(add_(tensor(std::vector<bool>{true}), i64v({1})), DTypeError);
  m = error_text<ShapeError>([] { add_(f32v({1, 2, 3}), zeros({2, 3})); });
  EXPECT_NE(m.find("[3]"), std::string::npos) << m;
  EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
  EXPECT_EQ(to_vector<int64_t>(i), (std::vector<int64_t>{1, 2}));  // untouched by failed ops
  // self aliasing other.
  Tensor y = f32v({1, 2});
  add_(y, y);
  EXPECT_EQ(to_vector<float>(y), (std::vector<float>{2, 4}));
}

TEST(Elementwise, BitwiseAndLogical) {
  Tensor a = i64v({12, 10}), b = i64v({10, 6});
  EXPECT_EQ(to_vector<int64_t>(a & b), (std::vector<int64_t>{8, 2}));
  EXPECT_EQ(to_vector<int64_t>(a | b), (std::vector<int64_t>{14, 14}));
  EXPECT_EQ(to_vector<int64_t>(a ^ b), (std::vector<int64_t>{6, 12}));
  EXPECT_EQ(to_vector<int64_t>(~a), (std::vector<int64_t>{-13, -11}));
  Tensor t = tensor(std::vector<bool>{true, false});
  EXPECT_EQ(to_vector<bool>(~t), (std::vector<bool>{false, true}));
  EXPECT_EQ((t & i64v({3, 3})).dtype(), DType::i64);
  std::string m = error_text<DTypeError>([] { bitwise_and(f32v({1}), f32v({1})); });
  EXPECT_NE(m.find("float32"), std::string::npos) << m;
  EXPECT_THROW(bitwise_xor(i64v({1}), 2.5), DTypeError);
  EXPECT_EQ(to_vector<bool>(logical_and(f32v({0.5f, 0}), i64v({1, 1}))), (std::vector<bool>{true, false}));
  EXPECT_EQ(to_vector<bool>(logical_not(f32v({0, 2}))), (std::vector<bool>{true, false}));
}

TEST(Elementwise, ComparisonOperators) {
  Tensor a = f32v({1, 2, 3}), b = i64v({2, 2, 2});
  EXPECT_EQ(to_vector<bool>(a < b), (std::vector<bool>{true, false, false}));
  EXPECT_EQ(to_vector<bool>(a <= b), (std::vector<bool>{true, true, false}));
  EXPECT_EQ(to_vector<bool>(a > 1.5), (std::vector<bool>{false, true, true}));
  EXPECT_EQ(to_vector<bool>(a >= 2), (std::vector<bool>{false, true, true}));
  EXPECT_EQ(to_vector<bool>(a == b), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(to_vector<bool>(a != 2), (std::vector<bool>{true, false, true}));
  EXPECT_EQ((a == b).dtype(), DType::boolean);
  // An int tensor against a float Scalar compares in float.
  EXPECT_EQ(to_vector<bool>(eq(i64v({2}), 2.5)), (std::vector<bool>{false}));
}

TEST(Elementwise, PowClampWhereLerp) {
  EXPECT_EQ(to_vector<int64_t>(pow(i64v({2, -3, 0}), 3)), (std::vector<int64_t>{8, -27, 0}));
  EXPECT_EQ(to_vector<int64_t>(pow(i64v({2, 1, -1}), i64v({-1, -2, -3}))), (std::vector<int64_t>{0, 1, -1}));
  EXPECT_THROW(pow(i64v({2}), -1), ValueError);
  EXPECT_EQ(to_vector<float>(pow(f32v({4, 9}), 0.5)), (std::vector<float>{2, 3}));
  EXPECT_EQ(to_vector<int64_t>(pow(2, i64v({0, 3}))), (std::vector<int64_t>{1, 8}));
  EXPECT_EQ(to_vector<float>(clamp(f32v({-2, 0, 2}), -1.0, 1.0)), (std::vector<float>{-1, 0, 1}));
  EXPECT_EQ(to_vector<float>(clamp(f32v({0}), 1.0, -1.0)), (std::vector<float>{-1}));  // max wins
  EXPECT_EQ(to_vector<float>(clamp(f32v({-2, 0, 2}), f32v({-1, 1, 0}), Tensor())), (std::vector<float>{-1, 1, 2}));
  EXPECT_THROW(clamp(f32v({1}), std::nullopt, std::nullopt), ValueError);
  Tensor c = tensor(std::vector<bool>{true, false, true});
  EXPECT_EQ(to_vector<float>(where(c, f32v({1, 2, 3}), i64v({7, 8, 9}))), (std::vector<float>{1, 8, 3}));
  EXPECT_THROW(where(f32v({1}), f32v({1}), f32v({1})), DTypeError);
  EXPECT_EQ(to_vector<float>(lerp(f32v({0, 10}), f32v({10, 20}), 0.25)), (std::vector<float>{2.5f, 12.5f}));
  EXPECT_THROW(lerp(f32v({0}), f64v({1}), 0.5), DTypeError);
}

TEST(Elementwise, UndefinedAndActivationDtypes) {
  EXPECT_THROW(exp(Tensor()), ValueError);
  EXPECT_THROW(add(Tensor(), f32v({1})), ValueError);
  std::string m = error_text<DTypeError>([] { gelu(i64v({1})); });
  EXPECT_NE(m.find("int64"), std::string::npos) << m;
  EXPECT_EQ(to_vector<float>(gelu(f32v({0}))), (std::vector<float>{0}));
  EXPECT_EQ(to_vector<float>(hardswish(f32v({-4, 4}))), (std::vector<float>{0, 4}));
  EXPECT_EQ(to_vector<float>(leaky_relu(f32v({-2, 2}), 0.5)), (std::vector<float>{-1, 2}));
}

TEST(Elementwise, HalfComputedInFloat) {
  Tensor h = to(f32v({1.0f, 2.0f}), DType::f16);
  Tensor e = exp(h);
  EXPECT_EQ(e.dtype(), DType::f16);
  std::vector<float> v = to_vector<float>(e);
  EXPECT_EQ(v[0], static_cast<float>(Half(std::exp(1.0f))));
  EXPECT_EQ(add(h, to(h, DType::bf16)).dtype(), DType::f32);  // promote_types(f16, bf16)
}

TEST(Elementwise, ChineseMessage) {
  std::string en = error_text<ShapeError>([] { add(empty({2, 3}), empty({4})); });
  set_language(Lang::zh);
  std::string zh = error_text<ShapeError>([] { add(empty({2, 3}), empty({4})); });
  std::string zh_cast = error_text<DTypeError>([] { add_(i64v({1}), 2.5); });
  set_language(Lang::en);
  EXPECT_NE(en, zh);
  EXPECT_NE(zh.find("[2, 3]"), std::string::npos) << zh;
  EXPECT_NE(zh.find("广播"), std::string::npos) << zh;
  EXPECT_NE(zh_cast.find("int64"), std::string::npos) << zh_cast;
  EXPECT_NE(zh_cast.find("无法转换"), std::string::npos) << zh_cast;
}

}  // namespace
}  // namespace hangu

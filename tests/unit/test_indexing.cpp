#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "hangu/hangu.h"
#include "hangu/ops/indexing.h"
#include "test_util.h"

using namespace hangu;
using namespace hangu::test_util;

namespace {

Tensor t64(std::vector<int64_t> v, Shape shape = {}) {
  if (shape.empty()) shape = {static_cast<int64_t>(v.size())};
  return tensor(v, shape);
}

}  // namespace

TEST(Indexing, AdjacentAdvancedIndicesStayInPlace) {
  Tensor x = reshape(arange(24), {2, 3, 4});
  Tensor r = index(x, {Tensor(), t64({0, 2}), t64({1, 3})});  // x[:, [0, 2], [1, 3]]
  EXPECT_EQ(r.shape(), (Shape{2, 2}));
  EXPECT_EQ(vec<int64_t>(r), (std::vector<int64_t>{1, 11, 13, 23}));
}

TEST(Indexing, SeparatedAdvancedIndicesGoFirst) {
  Tensor x = reshape(arange(24), {2, 3, 4});
  Tensor r = index(x, {t64({0, 1}), Tensor(), t64({3, 0})});  // x[[0, 1], :, [3, 0]]
  EXPECT_EQ(r.shape(), (Shape{2, 3}));
  EXPECT_EQ(vec<int64_t>(r), (std::vector<int64_t>{3, 7, 11, 12, 16, 20}));
}

TEST(Indexing, BroadcastIndexTensorsAndNegatives) {
  Tensor x = reshape(arange(12), {3, 4});
  Tensor r = index(x, {t64({0, -1}, {2, 1}), t64({1, 2, 3})});
  EXPECT_EQ(r.shape(), (Shape{2, 3}));
  EXPECT_EQ(vec<int64_t>(r), (std::vector<int64_t>{1, 2, 3, 9, 10, 11}));
}

TEST(Indexing, BoolMask) {
  Tensor x = reshape(arange(6), {2, 3});
  Tensor m = tensor(std::vector<bool>{true, false, true, false, true, true}, Shape{2, 3});
  EXPECT_EQ(vec<int64_t>(index(x, {m})), (std::vector<int64_t>{0, 2, 4, 5}));
  Tensor rows = tensor(std::vector<bool>{false, true});
  Tensor r = index(x, {rows});
  EXPECT_EQ(r.shape(), (Shape{1, 3}));
  EXPECT_EQ(index(x, {Tensor(), tensor(std::vector<bool>{true, false, true})}).shape(), (Shape{2, 2}));
  EXPECT_EQ(index(x, {full({}, true)}).shape(), (Shape{1, 2, 3}));
  std::string msg = error_text<IndexError>([&] { index(x, {tensor(std::vector<bool>{true, false, true})}); });
  EXPECT_NE(msg.find("[3]"), std::string::npos) << msg;
}

TEST(Indexing, OutOfRangeThrowsNamingIndexAndSize) {
  Tensor x = reshape(arange(12), {3, 4});
  std::string msg = error_text<IndexError>([&] { index(x, {Tensor(), t64({1, 4})}); });
  EXPECT_NE(msg.find("4"), std::string::npos);
  EXPECT_NE(msg.find("size 4"), std::string::npos) << msg;
  msg = error_text<IndexError>([&] { index_select(x, 0, t64({-1})); });
  EXPECT_NE(msg.find("-1"), std::string::npos) << msg;
  EXPECT_THROW(gather(x, 1, t64({0, 9}, {1, 2})), IndexError);
  EXPECT_THROW(scatter(x, 0, t64({3}, {1, 1}), 1), IndexError);
  EXPECT_THROW(index_put_(clone(x), {t64({5})}, t64({1})), IndexError);
  EXPECT_THROW(index(x, {t64({0}), t64({0}), t64({0})}), IndexError);
}

TEST(Indexing, IndexPutAccumulatesDuplicates) {
  Tensor x = zeros({4}, DType::f32);
  index_put_(x, {t64({1, 1, 3, 1})}, tf({1, 2, 3, 4}), true);
  EXPECT_EQ(vec<float>(x), (std::vector<float>{0, 7, 0, 3}));
  Tensor y = zeros({2, 3}, DType::i64);
  Tensor yt = transpose(zeros({3, 2}, DType::i64), 0, 1);  // non-contiguous destination
  index_put_(y, {Tensor(), t64({0, 2})}, t64({5}), false);
  index_put_(yt, {Tensor(), t64({0, 2})}, t64({5}), false);
  EXPECT_EQ(vec<int64_t>(y), (std::vector<int64_t>{5, 0, 5, 5, 0, 5}));
  EXPECT_EQ(vec<int64_t>(yt), (std::vector<int64_t>{5, 0, 5, 5, 0, 5}));
  EXPECT_THROW(index_put_(y, {t64({0})}, tf({1}), false), DTypeError);
}

TEST(Indexing, GatherScatter) {
  Tensor x = reshape(arange(6), {2, 3});
  EXPECT_EQ(vec<int64_t>(gather(x, 1, t64({2, 0, 1, 1}, {2, 2}))), (std::vector<int64_t>{2, 0, 4, 4}));
  Tensor s = scatter_add(zeros({3}, DType::i64), 0, t64({0, 2, 0}), t64({1, 2, 3}));
  EXPECT_EQ(vec<int64_t>(s), (std::vector<int64_t>{4, 0, 2}));
  Tensor ia = index_add(ones({3}, DType::f32), 0, t64({2, 2}), tf({1, 2}), 2.0);
  EXPECT_EQ(vec<float>(ia), (std::vector<float>{1, 1, 7}));
  EXPECT_EQ(vec<int64_t>(index_select(x, 1, t64({2, 0}))), (std::vector<int64_t>{2, 0, 5, 3}));
  Tensor nz = nonzero(tf({0, 1, 0, 2}, {2, 2}));
  EXPECT_EQ(nz.shape(), (Shape{2, 2}));
  EXPECT_EQ(vec<int64_t>(nz), (std::vector<int64_t>{0, 1, 1, 1}));
}

TEST(Indexing, PadModes) {
  Tensor x = reshape(arange(0, 4, 1, DType::f32), {1, 4});
  EXPECT_EQ(vec<float>(pad(x, std::vector<int64_t>{2, 1}, "constant", 9)), (std::vector<float>{9, 9, 0, 1, 2, 3, 9}));
  EXPECT_EQ(vec<float>(pad(x, std::vector<int64_t>{2, 1}, "reflect")), (std::vector<float>{2, 1, 0, 1, 2, 3, 2}));
  EXPECT_EQ(vec<float>(pad(x, std::vector<int64_t>{2, 1}, "replicate")), (std::vector<float>{0, 0, 0, 1, 2, 3, 3}));
  EXPECT_EQ(vec<float>(pad(x, std::vector<int64_t>{2, 1}, "circular")), (std::vector<float>{2, 3, 0, 1, 2, 3, 0}));
  EXPECT_EQ(vec<float>(pad(x, std::vector<int64_t>{-1, 0})), (std::vector<float>{1, 2, 3}));
  EXPECT_THROW(pad(x, std::vector<int64_t>{4, 0}, "reflect"), ValueError);
}

TEST(Indexing, SplitAndChunkAreViews) {
  Tensor x = reshape(arange(0, 10, 1, DType::f32), {5, 2});
  std::vector<Tensor> parts = split(x, 2);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[2].shape(), (Shape{1, 2}));
  fill_(parts[1], 7);
  EXPECT_EQ(vec<float>(x)[4], 7.0f);
  EXPECT_TRUE(parts[0].shares_storage(x));
  std::vector<Tensor> c = chunk(x, 2, 1);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_TRUE(c[1].shares_storage(x));
  EXPECT_EQ(split(x, std::vector<int64_t>{1, 4}).at(1).shape(), (Shape{4, 2}));
  EXPECT_THROW(split(x, std::vector<int64_t>{1, 3}), ValueError);
}

TEST(Indexing, CatPromotesAndSkipsLegacyEmpty) {
  Tensor r = cat({t64({1, 2}), empty({0}, DType::f64), tf({3.5})});
  EXPECT_EQ(r.dtype(), DType::f64);
  EXPECT_EQ(vec<double>(r), (std::vector<double>{1, 2, 3.5}));
  Tensor s = stack({t64({1, 2}), t64({3, 4})}, -1);
  EXPECT_EQ(s.shape(), (Shape{2, 2}));
  EXPECT_EQ(vec<int64_t>(s), (std::vector<int64_t>{1, 3, 2, 4}));
  std::string msg = error_text<ShapeError>([&] { cat({zeros({2, 3}), zeros({2, 4})}, 0); });
  EXPECT_NE(msg.find("[2, 4]"), std::string::npos) << msg;
}

TEST(Sorting, StableWithNaNLast) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  SortResult s = sort(tf({2, nan, 1, 2, 1}));
  EXPECT_EQ(vec<int64_t>(s.indices), (std::vector<int64_t>{2, 4, 0, 3, 1}));
  SortResult d = sort(tf({2, nan, 1, 2, 1}), -1, true);
  EXPECT_EQ(vec<int64_t>(d.indices), (std::vector<int64_t>{1, 0, 3, 2, 4}));
  SortResult k = topk(tf({3, 1, 3, 2}), 2);
  EXPECT_EQ(vec<float>(k.values), (std::vector<float>{3, 3}));
  EXPECT_EQ(vec<int64_t>(k.indices), (std::vector<int64_t>{0, 2}));
  SortResult ks = topk(tf({3, 1, 3, 2}), 2, -1, false);
  EXPECT_EQ(vec<int64_t>(ks.indices), (std::vector<int64_t>{1, 3}));
  EXPECT_THROW(topk(tf({1, 2}), 3), ValueError);
}

TEST(Sorting, UniqueBincountSearchsorted) {
  UniqueResult u = unique(t64({3, 1, 3, 0, 1}, {5}));
  EXPECT_EQ(vec<int64_t>(u.values), (std::vector<int64_t>{0, 1, 3}));
  EXPECT_EQ(vec<int64_t>(u.inverse), (std::vector<int64_t>{2, 1, 2, 0, 1}));
  EXPECT_EQ(vec<int64_t>(u.counts), (std::vector<int64_t>{1, 2, 2}));
  EXPECT_EQ(vec<int64_t>(bincount(t64({1, 1, 3}), Tensor(), 5)), (std::vector<int64_t>{0, 2, 0, 1, 0}));
  EXPECT_THROW(bincount(t64({1, -1})), ValueError);
  EXPECT_EQ(vec<int64_t>(searchsorted(tf({1, 2, 2, 4}), tf({2, 5, 0}))), (std::vector<int64_t>{1, 4, 0}));
  EXPECT_EQ(vec<int64_t>(searchsorted(tf({1, 2, 2, 4}), tf({2, 5, 0}), true)), (std::vector<int64_t>{3, 4, 0}));
}

TEST(Shape, RepeatTileFlipRollTri) {
  Tensor x = t64({1, 2});
  EXPECT_EQ(vec<int64_t>(repeat(x, std::vector<int64_t>{2, 2})), (std::vector<int64_t>{1, 2, 1, 2, 1, 2, 1, 2}));
  EXPECT_EQ(tile(x, std::vector<int64_t>{3}).shape(), (Shape{6}));
  EXPECT_EQ(vec<int64_t>(flip(x, std::vector<int64_t>{0})), (std::vector<int64_t>{2, 1}));
  Tensor m = reshape(arange(6), {2, 3});
  EXPECT_EQ(vec<int64_t>(roll(m, std::vector<int64_t>{1})), (std::vector<int64_t>{5, 0, 1, 2, 3, 4}));
  EXPECT_EQ(vec<int64_t>(roll(m, std::vector<int64_t>{-1}, std::vector<int64_t>{1})), (std::vector<int64_t>{1, 2, 0, 4, 5, 3}));
  EXPECT_EQ(vec<int64_t>(tril(m)), (std::vector<int64_t>{0, 0, 0, 3, 4, 0}));
  EXPECT_EQ(vec<int64_t>(triu(m, 1)), (std::vector<int64_t>{0, 1, 2, 0, 0, 5}));
  EXPECT_EQ(vec<int64_t>(one_hot(t64({2, 0}), 3)), (std::vector<int64_t>{0, 0, 1, 1, 0, 0}));
  EXPECT_THROW(one_hot(t64({3}), 3), IndexError);
  Tensor mf = masked_fill(m, tensor(std::vector<bool>{true, false, false}), 9);
  EXPECT_EQ(vec<int64_t>(mf), (std::vector<int64_t>{9, 1, 2, 9, 4, 5}));
  EXPECT_EQ(vec<int64_t>(masked_select(m, tensor(std::vector<bool>{true, false, true}))),
            (std::vector<int64_t>{0, 2, 3, 5}));
}

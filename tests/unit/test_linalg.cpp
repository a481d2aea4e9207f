// Targeted checks of matmul and friends and einsum beyond the registry fixtures: torch.matmul's
// shape rules, values against explicit loops, determinism across thread counts, dtypes, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "hangu/hangu.h"
#include "hangu/kernels/cpu/reference/gemm.h"
#include "test_util.h"

using namespace hangu;
using namespace hangu::test_util;

namespace {

// Element at a multi-index of a contiguous f64 tensor.
double at(const std::vector<double>& v, const Shape& shape, std::initializer_list<int64_t> idx) {
  int64_t off = 0;
  size_t d = 0;
  for (int64_t i : idx) off = off * shape[d++] + i;
  return v[static_cast<size_t>(off)];
}

}  // namespace

TEST(Linalg, MatmulShapes) {
  EXPECT_EQ(matmul(zeros({3}), zeros({3})).shape(), Shape{});
  EXPECT_EQ(matmul(zeros({2, 3}), zeros({3, 4})).shape(), (Shape{2, 4}));
  EXPECT_EQ(matmul(zeros({3}), zeros({3, 4})).shape(), (Shape{4}));
  EXPECT_EQ(matmul(zeros({2, 3}), zeros({3})).shape(), (Shape{2}));
  EXPECT_EQ(matmul(zeros({5, 2, 3}), zeros({3, 4})).shape(), (Shape{5, 2, 4}));
  EXPECT_EQ(matmul(zeros({2, 1, 3, 4}), zeros({5, 4, 6})).shape(), (Shape{2, 5, 3, 6}));
  EXPECT_EQ(matmul(zeros({3}), zeros({7, 3, 4})).shape(), (Shape{7, 4}));
  EXPECT_EQ(matmul(zeros({7, 2, 3}), zeros({3})).shape(), (Shape{7, 2}));
  EXPECT_EQ(matmul(zeros({0, 2, 3}), zeros({3, 4})).shape(), (Shape{0, 2, 4}));
  // An empty inner dim gives zeros.
  EXPECT_EQ(vec<float>(matmul(zeros({2, 0}), zeros({0, 2}))), (std::vector<float>{0, 0, 0, 0}));
  // A batch against a matrix folds the batch into rows, empty sizes included.
  EXPECT_EQ(vec<float>(matmul(zeros({2, 3, 0}), zeros({0, 2}))), std::vector<float>(12, 0.0f));
  EXPECT_EQ(matmul(zeros({0, 3, 4}), zeros({4})).shape(), (Shape{0, 3}));
}

// The folded batch (one GEMM over all rows) equals the per-entry products, and its gradient with
// respect to the matrix is the sum of theirs.
TEST(Linalg, BatchAgainstMatrixFoldsIntoOneProduct) {
  manual_seed(14);
  Tensor a = randn({3, 4, 5}, DType::f64).set_requires_grad(), w = randn({5, 2}, DType::f64).set_requires_grad();
  Tensor c = matmul(slice(a, 2, 0, 5, 1), w);  // a strided view: folding copies it first
  sum(mul(c, c)).backward();
  Tensor want_grad = zeros({5, 2}, DType::f64);
  for (int64_t i = 0; i < 3; ++i) {
    Tensor ai = select(a, 0, i).detach();
    Tensor ci = mm(ai, w.detach());
    EXPECT_LE(amax(abs(sub(select(c, 0, i), ci))).item<double>(), 1e-12);
    want_grad = add(want_grad, mm(t(ai), mul(ci, 2.0)));
  }
  EXPECT_LE(amax(abs(sub(w.grad(), want_grad))).item<double>(), 1e-12);
}

TEST(Linalg, BroadcastMatmulMatchesLoop) {
  manual_seed(11);
  Tensor a = randn({2, 1, 3, 4}, DType::f64), b = randn({5, 4, 6}, DType::f64);
  Tensor c = matmul(a, b);
  auto av = vec<double>(a), bv = vec<double>(b), cv = vec<double>(c);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 5; ++j)
      for (int64_t m = 0; m < 3; ++m)
        for (int64_t n = 0; n < 6; ++n) {
          double want = 0;
          for (int64_t k = 0; k < 4; ++k) want += at(av, a.shape(), {i, 0, m, k}) * at(bv, b.shape(), {j, k, n});
          EXPECT_NEAR(at(cv, c.shape(), {i, j, m, n}), want, 1e-12);
        }
}

TEST(Linalg, TransposedOperandsNeedNoCopyAndAgree) {
  manual_seed(12);
  Tensor a = randn({6, 5}), b = randn({6, 7});
  EXPECT_EQ(vec<float>(mm(t(a), b)), vec<float>(mm(contiguous(t(a)), b)));
  EXPECT_EQ(vec<float>(matmul(t(b), a)), vec<float>(matmul(contiguous(t(b)), a)));
}

TEST(Linalg, MatmulIsTheSameFor1And2Threads) {
  manual_seed(13);
  Tensor a = rand({300, 200}), b = rand({200, 250});
  int saved = get_num_threads();
  set_num_threads(1);
  Tensor one = matmul(a, b);
  set_num_threads(2);
  Tensor two = matmul(a, b);
  set_num_threads(saved);
  EXPECT_TRUE(same_bits(one, two));
}

TEST(Linalg, IntegerMatmulIsExact) {
  Tensor a = tensor(std::vector<int64_t>{1, 2, 3, 4, 5, 6}, Shape{2, 3});
  Tensor b = tensor(std::vector<int64_t>{7, 8, 9, 10, 11, 12}, Shape{3, 2});
  Tensor c = matmul(a, b);
  EXPECT_EQ(c.dtype(), DType::i64);
  EXPECT_EQ(vec<int64_t>(c), (std::vector<int64_t>{58, 64, 139, 154}));
  Tensor c32 = mm(to(a, DType::i32), to(b, DType::i32));
  EXPECT_EQ(c32.dtype(), DType::i32);
  EXPECT_EQ(vec<int64_t>(c32), (std::vector<int64_t>{58, 64, 139, 154}));
}

TEST(Linalg, SixteenBitProductsAccumulateInFloat) {
  manual_seed(14);
  Tensor a = randn({2, 3, 40}), b = randn({2, 40, 5});
  for (DType d : {DType::bf16, DType::f16}) {
    Tensor ah = to(a, d), bh = to(b, d);
    Tensor got = bmm(ah, bh);
    EXPECT_EQ(got.dtype(), d);
    // Reference: the same rounded inputs multiplied in float, rounded once at the end.
    Tensor want = to(to(bmm(to(ah, DType::f32), to(bh, DType::f32)), d), DType::f32);
    auto g = vec<float>(got), w = vec<float>(want);
    for (size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], w[i], 1e-6 + std::fabs(w[i]) * 1e-2) << i;
  }
}

TEST(Linalg, AddmmAndBaddbmm) {
  Tensor m1 = tensor(std::vector<float>{1, 2, 3, 4}, Shape{2, 2});
  Tensor m2 = tensor(std::vector<float>{5, 6, 7, 8}, Shape{2, 2});
  Tensor in = tensor(std::vector<float>{1, 10}, Shape{2});
  EXPECT_EQ(vec<float>(addmm(in, m1, m2, 0.5, 2.0)), (std::vector<float>{38.5, 49, 86.5, 105}));
  // beta 0: the input is ignored, even NaN.
  Tensor nan = full(Shape{2, 2}, std::numeric_limits<double>::quiet_NaN(), DType::f32);
  EXPECT_EQ(vec<float>(addmm(nan, m1, m2, 0, 1)), (std::vector<float>{19, 22, 43, 50}));
  Tensor b = baddbmm(unsqueeze(in, 0), unsqueeze(m1, 0), unsqueeze(m2, 0), 1, 1);
  EXPECT_EQ(b.shape(), (Shape{1, 2, 2}));
  EXPECT_EQ(vec<float>(b), (std::vector<float>{20, 32, 44, 60}));
  EXPECT_EQ(vec<float>(outer(tensor(std::vector<float>{1, 2}), tensor(std::vector<float>{3, 4, 5}))),
            (std::vector<float>{3, 4, 5, 6, 8, 10}));
  EXPECT_EQ(outer(tensor(std::vector<int64_t>{1}), tensor(std::vector<float>{2})).dtype(), DType::f32);
}

TEST(Linalg, ErrorsNameBothShapes) {
  std::string m = error_text<ShapeError>([] { matmul(zeros({2, 3}), zeros({4, 5})); });
  EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
  EXPECT_NE(m.find("[4, 5]"), std::string::npos) << m;
  m = error_text<ShapeError>([] { matmul(zeros({2, 2, 3}), zeros({3, 3, 4})); });
  EXPECT_NE(m.find("[2, 2, 3]"), std::string::npos) << m;
  EXPECT_NE(m.find("[3, 3, 4]"), std::string::npos) << m;
  m = error_text<ShapeError>([] { mm(zeros({3}), zeros({3, 4})); });
  EXPECT_NE(m.find("[3]"), std::string::npos) << m;
  m = error_text<DTypeError>([] { matmul(zeros({2, 3}), zeros({3, 4}, DType::f64)); });
  EXPECT_NE(m.find("float64"), std::string::npos) << m;
  EXPECT_THROW(matmul(zeros({}), zeros({3})), ShapeError);
  EXPECT_THROW(matmul(zeros({2}, DType::boolean), zeros({2}, DType::boolean)), DTypeError);
}

TEST(Linalg, EinsumAttentionFormsMatchLoops) {
  manual_seed(15);
  const int64_t B = 2, H = 3, Q = 4, K = 5, D = 6;
  Tensor q = randn({B, H, Q, D}, DType::f64), k = randn({B, H, K, D}, DType::f64), v = randn({B, H, K, D}, DType::f64);
  Tensor s = einsum("bhqd,bhkd->bhqk", {q, k});
  ASSERT_EQ(s.shape(), (Shape{B, H, Q, K}));
  Tensor o = einsum("bhqk,bhkd->bhqd", {s, v});
  ASSERT_EQ(o.shape(), (Shape{B, H, Q, D}));
  auto qv = vec<double>(q), kv = vec<double>(k), vv = vec<double>(v), sv = vec<double>(s), ov = vec<double>(o);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < Q; ++i) {
        for (int64_t j = 0; j < K; ++j) {
          double want = 0;
          for (int64_t d = 0; d < D; ++d) want += at(qv, q.shape(), {b, h, i, d}) * at(kv, k.shape(), {b, h, j, d});
          EXPECT_NEAR(at(sv, s.shape(), {b, h, i, j}), want, 1e-12);
        }
        for (int64_t d = 0; d < D; ++d) {
          double want = 0;
          for (int64_t j = 0; j < K; ++j) want += at(sv, s.shape(), {b, h, i, j}) * at(vv, v.shape(), {b, h, j, d});
          EXPECT_NEAR(at(ov, o.shape(), {b, h, i, d}), want, 1e-12);
        }
      }
}

TEST(Linalg, EinsumBilinearMatchesLoop) {
  manual_seed(16);
  Tensor x1 = randn({3, 4}, DType::f64), w = randn({2, 4, 5}, DType::f64), x2 = randn({3, 5}, DType::f64);
  Tensor y = einsum("bn,anm,bm->ba", {x1, w, x2});
  ASSERT_EQ(y.shape(), (Shape{3, 2}));
  auto a1 = vec<double>(x1), aw = vec<double>(w), a2 = vec<double>(x2), ay = vec<double>(y);
  for (int64_t b = 0; b < 3; ++b)
    for (int64_t a = 0; a < 2; ++a) {
      double want = 0;
      for (int64_t n = 0; n < 4; ++n)
        for (int64_t m = 0; m < 5; ++m)
          want += at(a1, x1.shape(), {b, n}) * at(aw, w.shape(), {a, n, m}) * at(a2, x2.shape(), {b, m});
      EXPECT_NEAR(at(ay, y.shape(), {b, a}), want, 1e-12);
    }
}

TEST(Linalg, EinsumSmallForms) {
  Tensor m = tensor(std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}, Shape{3, 3});
  EXPECT_EQ(vec<double>(einsum("ii->i", {m})), (std::vector<double>{1, 5, 9}));
  EXPECT_EQ(einsum("ii", {m}).item<double>(), 15.0);
  EXPECT_EQ(vec<double>(einsum("ij->ji", {m})), vec<double>(contiguous(t(m))));
  EXPECT_EQ(vec<double>(einsum("ij,jk->ik", {m, m})), vec<double>(mm(m, m)));
  EXPECT_EQ(vec<double>(einsum("ij,jk", {m, m})), vec<double>(mm(m, m)));
  Tensor a = tensor(std::vector<double>{1, 2}), b = tensor(std::vector<double>{3, 4, 5});
  EXPECT_EQ(vec<double>(einsum("i,j->ij", {a, b})), vec<double>(outer(a, b)));
  manual_seed(17);
  Tensor x = randn({2, 1, 3, 4}, DType::f64), y = randn({5, 4, 2}, DType::f64);
  Tensor e = einsum("...ij,...jk->...ik", {x, y});
  EXPECT_EQ(e.shape(), (Shape{2, 5, 3, 2}));
  auto ev = vec<double>(e), mv_ = vec<double>(matmul(x, y));
  for (size_t i = 0; i < ev.size(); ++i) EXPECT_NEAR(ev[i], mv_[i], 1e-12);
}

TEST(Linalg, EinsumErrors) {
  std::string m = error_text<ShapeError>([] { einsum("ij,jk->ik", {zeros({2, 3}), zeros({4, 5})}); });
  EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
  EXPECT_NE(m.find("[4, 5]"), std::string::npos) << m;
  EXPECT_THROW(einsum("ij,jk->ik", {zeros({2, 0}), zeros({3, 4})}), ShapeError);
  EXPECT_EQ(einsum("ij,jk->ik", {zeros({2, 1}), zeros({3, 4})}).shape(), (Shape{2, 4}));  // 1 broadcasts
  EXPECT_THROW(einsum("ij,jk->ik", {zeros({2, 3})}), ValueError);
  EXPECT_THROW(einsum("ijk", {zeros({2, 3})}), ShapeError);
  EXPECT_THROW(einsum("ij->ik", {zeros({2, 3})}), ValueError);
  EXPECT_THROW(einsum("i.j", {zeros({2, 3})}), ValueError);
}

TEST(Linalg, ReferenceGemmHonoursStridesAndBeta) {
  // C (column-major 2x2) = 2 * A @ B + 1 * C, with A given transposed through its strides.
  const float a[] = {1, 3, 2, 4};  // A = [[1, 2], [3, 4]] stored column-major
  const float b[] = {1, 0, 0, 1};  // identity
  float c[] = {1, 1, 1, 1};
  kernels::GemmDesc d;
  d.m = d.n = d.k = 2;
  d.a_rs = 1, d.a_cs = 2;
  d.b_rs = 2, d.b_cs = 1;
  d.c_rs = 1, d.c_cs = 2;
  kernels::f32_gemm__reference(d, 2.0f, a, b, 1.0f, c);
  EXPECT_EQ(std::vector<float>(c, c + 4), (std::vector<float>{3, 7, 5, 9}));
}

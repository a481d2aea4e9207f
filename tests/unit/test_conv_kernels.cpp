// The fast convolution and pooling kernels (kernels/cpu/conv.h, kernels/cpu/pool.h) against the
// reference kernels, at every instruction-set level this machine has, over many shapes; and the
// same bits with 1 and 2 threads.
//
// Pooling visits each window in the reference's order, so max and average pooling (forward and
// backward) must give the reference's bits exactly; only global average pooling sums in vector
// lanes, within (h*w + 2) * u * mean(|x|).
//
// Error bound (convolution): every output is a sum of k products, so any summation order is
// within |fast - ref| <= (k + 2) * u * M, u the unit roundoff (2^-24 for f32, 2^-53 for f64) and
// M the same convolution of |x|, |w|, |b| (computed by the reference). The reference sums in
// double, so it stands for the exact value.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cli_util.h"
#include "hangu/core/error.h"
#include "hangu/core/thread_pool.h"
#include "hangu/kernels/cpu/conv.h"
#include "hangu/kernels/cpu/isa.h"
#include "hangu/kernels/cpu/pool.h"
#include "hangu/kernels/cpu/reference/conv.h"
#include "hangu/kernels/cpu/reference/pool.h"

namespace hangu {
namespace {

using kernels::Conv2dShape;
using kernels::Isa;
using kernels::IsaGuard;

std::vector<Isa> levels() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::reference, Isa::avx2, Isa::avx512})
    if (kernels::isa_supported(isa)) out.push_back(isa);
  return out;
}

template <typename T>
std::vector<T> random_values(int64_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<T> v(static_cast<size_t>(n));
  for (T& x : v) x = static_cast<T>(dist(gen));
  return v;
}

template <typename T>
std::vector<T> absolute(std::vector<T> v) {
  for (T& x : v) x = std::abs(x);
  return v;
}

// A convolution case: sizes plus bottom/right padding (top/left are in the shape).
struct Case {
  std::string name;
  Conv2dShape s;
};

Case make_case(std::string name, int64_t n, int64_t c_in, int64_t c_out, int64_t h, int64_t w, int64_t kh, int64_t kw,
               int64_t stride_h, int64_t stride_w, int64_t pad_top, int64_t pad_bottom, int64_t pad_left,
               int64_t pad_right, int64_t dil_h, int64_t dil_w, int64_t groups) {
  Conv2dShape s;
  s.n = n, s.c_in = c_in, s.h = h, s.w = w, s.c_out = c_out, s.kh = kh, s.kw = kw;
  s.sh = stride_h, s.sw = stride_w, s.ph = pad_top, s.pw = pad_left, s.dh = dil_h, s.dw = dil_w, s.groups = groups;
  s.oh = (h + pad_top + pad_bottom - dil_h * (kh - 1) - 1) / stride_h + 1;
  s.ow = (w + pad_left + pad_right - dil_w * (kw - 1) - 1) / stride_w + 1;
  return {std::move(name), s};
}

// Symmetric shorthand: square kernel k, stride st, padding p, dilation d.
Case sym(std::string name, int64_t n, int64_t c_in, int64_t c_out, int64_t h, int64_t w, int64_t k, int64_t st,
         int64_t p, int64_t d = 1, int64_t groups = 1) {
  return make_case(std::move(name), n, c_in, c_out, h, w, k, k, st, st, p, p, p, p, d, d, groups);
}

std::vector<Case> conv_cases() {
  return {
      sym("pointwise", 2, 8, 12, 7, 9, 1, 1, 0),
      sym("pointwise_grouped", 3, 8, 8, 5, 6, 1, 1, 0, 1, 4),
      sym("pointwise_stride2", 3, 16, 8, 9, 9, 1, 2, 0),
      sym("pointwise_padded", 2, 4, 6, 5, 5, 1, 1, 1),
      sym("3x3_batch1", 1, 16, 24, 13, 11, 3, 1, 1),
      sym("3x3_batch3", 3, 5, 7, 10, 10, 3, 1, 1),
      sym("3x3_valid", 2, 3, 4, 8, 9, 3, 1, 0),
      sym("5x5", 2, 3, 4, 12, 12, 5, 1, 2),
      sym("3x3_stride2", 3, 6, 10, 15, 13, 3, 2, 1),
      sym("2x2_stride3", 2, 3, 5, 11, 10, 2, 3, 0),
      sym("3x3_dilation2", 2, 5, 5, 11, 12, 3, 1, 2, 2),
      sym("3x3_pad_beyond_kernel", 2, 3, 4, 5, 6, 3, 1, 3),
      sym("groups2", 3, 8, 12, 9, 7, 3, 1, 1, 1, 2),
      sym("groups3_stride2_dil2", 2, 6, 9, 13, 12, 3, 2, 2, 2, 3),
      make_case("asym_pad", 2, 4, 6, 9, 8, 3, 3, 1, 1, 0, 2, 1, 0, 1, 1, 1),
      make_case("rect_1x3", 2, 4, 5, 7, 9, 1, 3, 1, 1, 0, 0, 1, 1, 1, 1, 1),
      make_case("rect_3x1_stride21", 3, 4, 5, 9, 7, 3, 1, 2, 1, 1, 1, 0, 0, 1, 1, 1),
      sym("multi_tile_image", 2, 8, 8, 40, 40, 3, 1, 1),
      sym("many_small_images", 9, 6, 7, 4, 4, 3, 1, 1),
      sym("deep_small", 5, 64, 16, 6, 6, 3, 1, 1),
      sym("batch0", 0, 4, 6, 8, 8, 3, 1, 1),
      sym("lenet_first", 3, 1, 6, 12, 12, 5, 1, 0),
      // At least 256 output positions per image: the direct kernel (f32, AVX2/AVX-512).
      sym("direct_3x3", 2, 8, 12, 18, 17, 3, 1, 1),
      sym("direct_3x3_cout7", 1, 5, 7, 16, 20, 3, 1, 1),
      sym("direct_stride2", 2, 6, 10, 35, 33, 3, 2, 1),
      make_case("direct_dil2_asym", 1, 5, 7, 20, 21, 3, 3, 1, 1, 2, 0, 1, 3, 2, 2, 1),
      sym("direct_groups4", 2, 8, 12, 17, 16, 3, 1, 1, 1, 4),
      sym("direct_5x5_pad_beyond", 1, 3, 5, 16, 16, 5, 1, 5),
      make_case("direct_rect_1x3", 2, 4, 6, 16, 20, 1, 3, 1, 1, 0, 0, 1, 1, 1, 1, 1),
      make_case("direct_3x1_stride21", 1, 4, 5, 40, 17, 3, 1, 2, 1, 1, 1, 0, 0, 1, 1, 1),
      // Rows narrower than a vector: one register of positions spans several output rows.
      sym("direct_narrow_rows", 2, 4, 9, 70, 5, 3, 1, 1),
      sym("direct_width_1", 1, 3, 4, 300, 1, 3, 1, 1),
      // Small images stacked into one band (direct_impl.h): several per task, an uneven last task,
      // stride, dilation and groups.
      sym("stacked_small", 20, 5, 7, 8, 8, 3, 1, 1),
      sym("stacked_stride2", 24, 4, 6, 14, 13, 3, 2, 1),
      sym("stacked_uneven", 22, 3, 9, 9, 7, 3, 1, 1),
      sym("stacked_groups_dil", 12, 6, 6, 10, 10, 3, 1, 2, 2, 3),
      sym("stacked_lenet_second", 17, 6, 16, 12, 12, 5, 1, 0),
      // Short rows, >= 32 output channels, >= 512 positions: the channel-vectorised kernel
      // (direct_cvec_impl.h), forward and (>= 32 input channels) input gradient; 40 and 36
      // channels leave a partial block; 64 channels take the 7 x 64 tile (rows of 7) or 4 x 64.
      sym("cvec_8x8", 9, 12, 40, 8, 8, 3, 1, 1),
      sym("cvec_both_grads", 8, 33, 36, 9, 9, 3, 1, 1),
      sym("cvec_rows_of_7", 11, 8, 64, 7, 7, 3, 1, 1),
      sym("cvec_64_rows_of_10", 6, 8, 64, 10, 10, 3, 1, 1),
      sym("cvec_stride2", 8, 5, 32, 15, 16, 3, 2, 1),
      sym("cvec_groups_dil", 10, 8, 64, 10, 10, 3, 1, 2, 2, 2),
      make_case("cvec_asym", 9, 6, 32, 8, 9, 3, 3, 1, 1, 0, 2, 1, 0, 1, 1, 1),
      sym("cvec_pad_beyond", 40, 3, 32, 3, 3, 3, 1, 3),
      sym("depthwise3x3", 2, 16, 16, 14, 15, 3, 1, 1, 1, 16),
      sym("depthwise3x3_wide", 1, 3, 3, 5, 70, 3, 1, 1, 1, 3),
      sym("depthwise3x3_stride2", 3, 9, 9, 17, 19, 3, 2, 1, 1, 9),
      sym("depthwise5x5", 2, 5, 5, 11, 13, 5, 1, 2, 1, 5),
      sym("depthwise_mult2_dil2", 2, 4, 8, 12, 11, 3, 2, 1, 2, 4),
      make_case("depthwise_asym", 2, 6, 6, 10, 9, 3, 3, 2, 1, 2, 0, 0, 1, 2, 1, 6),
      sym("depthwise_pad_beyond", 1, 4, 4, 4, 5, 3, 1, 4, 1, 4),
  };
}

// The terms summed per output of each kernel (for the error bound).
int64_t forward_terms(const Conv2dShape& s) { return (s.c_in / s.groups) * s.kh * s.kw + 1; }
int64_t input_terms(const Conv2dShape& s) { return (s.c_out / s.groups) * s.kh * s.kw; }
int64_t weight_terms(const Conv2dShape& s) { return s.n * s.oh * s.ow; }

template <typename T>
constexpr double unit_roundoff() {
  return std::is_same_v<T, float> ? std::ldexp(1.0, -24) : std::ldexp(1.0, -53);
}

template <typename T>
void expect_within(const std::vector<T>& fast, const std::vector<T>& ref, const std::vector<T>& mag, int64_t terms,
                   const std::string& what) {
  ASSERT_EQ(fast.size(), ref.size()) << what;
  const double bound = static_cast<double>(terms + 2) * unit_roundoff<T>();
  int bad = 0;
  for (size_t i = 0; i < fast.size() && bad < 5; ++i) {
    const double err = std::abs(static_cast<double>(fast[i]) - static_cast<double>(ref[i]));
    if (!(err <= bound * static_cast<double>(mag[i]) + 1e-300)) {
      ADD_FAILURE() << what << " at " << i << ": fast " << fast[i] << " ref " << ref[i] << " err " << err << " bound "
                    << bound * static_cast<double>(mag[i]);
      ++bad;
    }
  }
}

template <typename T>
struct ConvData {
  std::vector<T> x, w, b, gy;
  explicit ConvData(const Conv2dShape& s) {
    x = random_values<T>(s.n * s.c_in * s.h * s.w, 1);
    w = random_values<T>(s.c_out * (s.c_in / s.groups) * s.kh * s.kw, 2);
    b = random_values<T>(s.c_out, 3);
    gy = random_values<T>(s.n * s.c_out * s.oh * s.ow, 4);
  }
};

template <typename T>
void check_case_against_reference(const Case& c) {
  const Conv2dShape& s = c.s;
  const DType dt = dtype_of<T>;
  ConvData<T> d(s);
  const size_t ny = static_cast<size_t>(s.n * s.c_out * s.oh * s.ow), nx = d.x.size(), nw = d.w.size();
  // Magnitudes and references, computed once at the reference level.
  std::vector<T> ref_y(ny), ref_y0(ny), mag_y(ny), ref_gx(nx), mag_gx(nx), ref_gw(nw), mag_gw(nw);
  kernels::conv2d_forward__reference(dt, s, d.x.data(), d.w.data(), d.b.data(), ref_y.data());
  kernels::conv2d_forward__reference(dt, s, d.x.data(), d.w.data(), nullptr, ref_y0.data());
  kernels::conv2d_forward__reference(dt, s, absolute(d.x).data(), absolute(d.w).data(), absolute(d.b).data(),
                                     mag_y.data());
  kernels::conv2d_input_grad__reference(dt, s, d.gy.data(), d.w.data(), ref_gx.data());
  kernels::conv2d_input_grad__reference(dt, s, absolute(d.gy).data(), absolute(d.w).data(), mag_gx.data());
  kernels::conv2d_weight_grad__reference(dt, s, d.gy.data(), d.x.data(), ref_gw.data());
  kernels::conv2d_weight_grad__reference(dt, s, absolute(d.gy).data(), absolute(d.x).data(), mag_gw.data());
  for (Isa isa : levels()) {
    IsaGuard guard(isa);
    const std::string tag = c.name + " " + kernels::isa_name(isa) + " " + std::string(dtype_name(dt));
    std::vector<T> y(ny, T(7)), gx(nx, T(7)), gw(nw, T(7));  // 7: results must overwrite
    kernels::conv2d_forward(dt, s, d.x.data(), d.w.data(), d.b.data(), y.data());
    expect_within(y, ref_y, mag_y, forward_terms(s), tag + " forward+bias");
    kernels::conv2d_forward(dt, s, d.x.data(), d.w.data(), nullptr, y.data());
    expect_within(y, ref_y0, mag_y, forward_terms(s), tag + " forward");
    if constexpr (std::is_same_v<T, float>) {
      // Weights packed in advance (the runtime's constants): the same results, through the
      // channel-vectorised kernel wherever its shapes allow, whatever the batch.
      for (bool with_bias : {true, false}) {
        const auto packed = kernels::conv2d_pack(s, d.w.data(), with_bias ? d.b.data() : nullptr);
        std::fill(y.begin(), y.end(), T(7));
        kernels::conv2d_forward(dt, s, d.x.data(), d.w.data(), with_bias ? d.b.data() : nullptr, y.data(),
                                packed.get());
        expect_within(y, with_bias ? ref_y : ref_y0, mag_y, forward_terms(s),
                      tag + (with_bias ? " forward+bias, packed" : " forward, packed"));
      }
    }
    kernels::conv2d_input_grad(dt, s, d.gy.data(), d.w.data(), gx.data());
    expect_within(gx, ref_gx, mag_gx, input_terms(s), tag + " input_grad");
    kernels::conv2d_weight_grad(dt, s, d.gy.data(), d.x.data(), gw.data());
    expect_within(gw, ref_gw, mag_gw, weight_terms(s), tag + " weight_grad");
  }
}

TEST(ConvKernels, F32MatchesReferenceAtEveryLevel) {
  for (const Case& c : conv_cases()) check_case_against_reference<float>(c);
}

// Packed weights are used only where they fit: another level, another bias or another shape
// falls back to the unpacked path (same results); one batch-1 case of ResNet-18's late layers,
// which take the packed channel-vectorised kernel, against the reference.
TEST(ConvKernels, PackedWeightsAreUsedOnlyWhereTheyFit) {
  const Case c = sym("late_layer_batch1", 1, 64, 64, 7, 7, 3, 1, 1);
  const Conv2dShape& s = c.s;
  ConvData<float> d(s);
  const size_t ny = static_cast<size_t>(s.n * s.c_out * s.oh * s.ow);
  std::vector<float> ref(ny), mag(ny), y(ny);
  kernels::conv2d_forward__reference(DType::f32, s, d.x.data(), d.w.data(), d.b.data(), ref.data());
  kernels::conv2d_forward__reference(DType::f32, s, absolute(d.x).data(), absolute(d.w).data(), absolute(d.b).data(),
                                     mag.data());
  for (Isa pack_isa : levels()) {
    std::shared_ptr<const kernels::Conv2dPacked> packed;
    {
      IsaGuard g(pack_isa);
      packed = kernels::conv2d_pack(s, d.w.data(), d.b.data());
    }
    EXPECT_EQ(packed == nullptr, pack_isa == Isa::reference) << kernels::isa_name(pack_isa);
    for (Isa run_isa : levels()) {
      IsaGuard g(run_isa);
      const std::string tag = std::string("packed at ") + kernels::isa_name(pack_isa) + ", run at " +
                              kernels::isa_name(run_isa);
      std::fill(y.begin(), y.end(), 7.0f);
      kernels::conv2d_forward(DType::f32, s, d.x.data(), d.w.data(), d.b.data(), y.data(), packed.get());
      expect_within(y, ref, mag, forward_terms(s), tag);
      // Without a bias the packed one (which has one) must be ignored.
      std::vector<float> ref0(ny);
      kernels::conv2d_forward__reference(DType::f32, s, d.x.data(), d.w.data(), nullptr, ref0.data());
      kernels::conv2d_forward(DType::f32, s, d.x.data(), d.w.data(), nullptr, y.data(), packed.get());
      expect_within(y, ref0, mag, forward_terms(s), tag + ", no bias");
    }
  }
  // Another shape with the same channels and kernel (a different image size) still uses them.
  const Case bigger = sym("late_layer_14", 2, 64, 64, 14, 14, 3, 1, 1);
  ConvData<float> d2(bigger.s);
  const size_t n2 = static_cast<size_t>(bigger.s.n * bigger.s.c_out * bigger.s.oh * bigger.s.ow);
  std::vector<float> ref2(n2), mag2(n2), y2(n2, 7.0f);
  kernels::conv2d_forward__reference(DType::f32, bigger.s, d2.x.data(), d.w.data(), d.b.data(), ref2.data());
  kernels::conv2d_forward__reference(DType::f32, bigger.s, absolute(d2.x).data(), absolute(d.w).data(),
                                     absolute(d.b).data(), mag2.data());
  const auto packed = kernels::conv2d_pack(s, d.w.data(), d.b.data());
  kernels::conv2d_forward(DType::f32, bigger.s, d2.x.data(), d.w.data(), d.b.data(), y2.data(), packed.get());
  expect_within(y2, ref2, mag2, forward_terms(bigger.s), "packed for 7 x 7, run on 14 x 14");
}

TEST(ConvKernels, F64MatchesReferenceAtEveryLevel) {
  for (const Case& c : conv_cases()) check_case_against_reference<double>(c);
}

template <typename T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  // memcmp of two empty vectors would pass null pointers (UB even for 0 bytes; UBSan says so).
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

// Runs f with 1 and with 2 threads; both results must have the same bits.
template <typename T, typename F>
void expect_thread_invariant(F&& f, size_t count, const std::string& what) {
  const int saved = get_num_threads();
  std::vector<T> one(count), two(count);
  set_num_threads(1);
  f(one.data());
  set_num_threads(2);
  f(two.data());
  set_num_threads(saved);
  EXPECT_TRUE(same_bits(one, two)) << what;
}

TEST(ConvKernels, SameBitsWithOneAndTwoThreads) {
  std::vector<Case> cases = conv_cases();
  cases.push_back(sym("tiles_64_56", 2, 16, 16, 56, 56, 3, 1, 1));  // several tiles per image
  for (const Case& c : cases) {
    const Conv2dShape& s = c.s;
    ConvData<float> d(s);
    for (Isa isa : levels()) {
      IsaGuard guard(isa);
      const std::string tag = c.name + " " + kernels::isa_name(isa);
      const DType dt = DType::f32;
      expect_thread_invariant<float>(
          [&](float* y) { kernels::conv2d_forward(dt, s, d.x.data(), d.w.data(), d.b.data(), y); },
          static_cast<size_t>(s.n * s.c_out * s.oh * s.ow), tag + " forward");
      expect_thread_invariant<float>([&](float* gx) { kernels::conv2d_input_grad(dt, s, d.gy.data(), d.w.data(), gx); },
                                     d.x.size(), tag + " input_grad");
      expect_thread_invariant<float>(
          [&](float* gw) { kernels::conv2d_weight_grad(dt, s, d.gy.data(), d.x.data(), gw); }, d.w.size(),
          tag + " weight_grad");
    }
  }
}

TEST(ConvKernels, RejectsIntegerDtypes) {
  Conv2dShape s = sym("one", 1, 1, 1, 3, 3, 1, 1, 0).s;
  int32_t buf[9] = {};
  EXPECT_THROW(kernels::conv2d_forward(DType::i32, s, buf, buf, nullptr, buf), DTypeError);
  EXPECT_THROW(kernels::conv2d_input_grad(DType::i32, s, buf, buf, buf), DTypeError);
  EXPECT_THROW(kernels::conv2d_weight_grad(DType::i32, s, buf, buf, buf), DTypeError);
}

// ---- pooling ----

using kernels::Pool2dShape;

struct PoolCase {
  std::string name;
  Pool2dShape s;
};

// Square-or-not window (kh, kw), stride, padding, dilation; ceil adds one output row and column.
PoolCase pool_case(std::string name, int64_t planes, int64_t h, int64_t w, int64_t kh, int64_t kw, int64_t sh,
                   int64_t sw, int64_t ph, int64_t pw, int64_t dh = 1, int64_t dw = 1, bool ceil = false) {
  Pool2dShape s;
  s.planes = planes, s.h = h, s.w = w, s.kh = kh, s.kw = kw, s.sh = sh, s.sw = sw, s.ph = ph, s.pw = pw;
  s.dh = dh, s.dw = dw;
  s.oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1 + (ceil ? 1 : 0);
  s.ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1 + (ceil ? 1 : 0);
  return {std::move(name), s};
}

std::vector<PoolCase> pool_cases() {
  return {
      pool_case("k2s2", 5, 8, 9, 2, 2, 2, 2, 0, 0),
      pool_case("k2s2_56", 3, 56, 56, 2, 2, 2, 2, 0, 0),
      pool_case("k3s2p1_stem", 6, 17, 17, 3, 3, 2, 2, 1, 1),
      pool_case("k3s2p1_wide", 2, 9, 75, 3, 3, 2, 2, 1, 1),
      pool_case("k3s1p1", 4, 10, 40, 3, 3, 1, 1, 1, 1),
      pool_case("k3s2_dil2", 3, 15, 16, 3, 3, 2, 2, 2, 2, 2, 2),
      pool_case("k3s3_reference_route", 2, 9, 9, 3, 3, 3, 3, 0, 0),
      pool_case("rect_k23_s21", 3, 11, 12, 2, 3, 2, 1, 1, 1),
      pool_case("ceil_k3s2", 4, 8, 8, 3, 3, 2, 2, 0, 0, 1, 1, true),
      pool_case("ceil_k2s2_odd", 2, 7, 9, 2, 2, 2, 2, 0, 0, 1, 1, true),
      pool_case("no_planes", 0, 6, 6, 2, 2, 2, 2, 0, 0),
  };
}

// Random values with NaN and -inf sprinkled in (max pooling must follow the reference's NaN rule).
std::vector<float> pool_input(const Pool2dShape& s, bool specials) {
  std::vector<float> x = random_values<float>(s.planes * s.h * s.w, 5);
  if (specials)
    for (size_t i = 0; i < x.size(); i += 37) x[i] = (i / 37) % 2 ? std::nanf("") : -INFINITY;
  return x;
}

template <typename T>
void expect_same_values(const std::vector<T>& a, const std::vector<T>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  int bad = 0;
  for (size_t i = 0; i < a.size() && bad < 5; ++i)
    if (std::memcmp(&a[i], &b[i], sizeof(T)) != 0) {
      ADD_FAILURE() << what << " at " << i << ": " << a[i] << " vs " << b[i];
      ++bad;
    }
}

template <typename T>
void check_pool_case(const PoolCase& c, bool specials) {
  const Pool2dShape& s = c.s;
  const DType dt = dtype_of<T>;
  std::vector<float> xf = pool_input(s, specials);
  std::vector<T> x(xf.begin(), xf.end());
  std::vector<T> gy = random_values<T>(s.planes * s.oh * s.ow, 6);
  const size_t ny = gy.size();
  std::vector<T> ref_max(ny), ref_avg(ny), ref_avg_ex(ny), ref_gmax(x.size()), ref_gavg(x.size()),
      ref_gavg_ex(x.size());
  std::vector<int64_t> ref_idx(ny);
  kernels::max_pool2d_forward__reference(dt, s, x.data(), ref_max.data(), ref_idx.data());
  kernels::max_pool2d_scatter__reference(dt, s, gy.data(), ref_idx.data(), ref_gmax.data());
  Pool2dShape a = s;  // average pooling: no dilation, padding at most half the kernel
  a.dh = a.dw = 1;
  const bool avg_ok = 2 * a.ph <= a.kh && 2 * a.pw <= a.kw;
  if (avg_ok) {
    kernels::avg_pool2d_forward__reference(dt, a, true, x.data(), ref_avg.data());
    kernels::avg_pool2d_forward__reference(dt, a, false, x.data(), ref_avg_ex.data());
    kernels::avg_pool2d_backward__reference(dt, a, true, gy.data(), ref_gavg.data());
    kernels::avg_pool2d_backward__reference(dt, a, false, gy.data(), ref_gavg_ex.data());
  }
  for (Isa isa : levels()) {
    IsaGuard guard(isa);
    const std::string tag = c.name + " " + kernels::isa_name(isa) + " " + std::string(dtype_name(dt));
    std::vector<T> y(ny, T(7)), gx(x.size(), T(7));
    std::vector<int64_t> idx(ny, -7);
    kernels::max_pool2d_forward(dt, s, x.data(), y.data(), idx.data());
    expect_same_values(y, ref_max, tag + " max");
    EXPECT_EQ(idx, ref_idx) << tag << " argmax";
    kernels::max_pool2d_scatter(dt, s, gy.data(), ref_idx.data(), gx.data());
    expect_same_values(gx, ref_gmax, tag + " max backward");
    if (!avg_ok) continue;
    kernels::avg_pool2d_forward(dt, a, true, x.data(), y.data());
    expect_same_values(y, ref_avg, tag + " avg");
    kernels::avg_pool2d_forward(dt, a, false, x.data(), y.data());
    expect_same_values(y, ref_avg_ex, tag + " avg exclude pad");
    kernels::avg_pool2d_backward(dt, a, true, gy.data(), gx.data());
    expect_same_values(gx, ref_gavg, tag + " avg backward");
    kernels::avg_pool2d_backward(dt, a, false, gy.data(), gx.data());
    expect_same_values(gx, ref_gavg_ex, tag + " avg backward exclude pad");
  }
}

TEST(PoolKernels, MaxAndAvgGiveReferenceBitsAtEveryLevel) {
  for (const PoolCase& c : pool_cases()) {
    check_pool_case<float>(c, false);
    check_pool_case<float>(c, true);
    check_pool_case<double>(c, false);
  }
}

TEST(PoolKernels, NonOverlappingAvgBackwardAtEveryLevel) {  // the k == stride fast path
  for (const PoolCase& c : {pool_case("k2s2_pad1", 3, 7, 8, 2, 2, 2, 2, 1, 1),
                            pool_case("k3s3_ceil", 2, 10, 11, 3, 3, 3, 3, 1, 1, 1, 1, true)}) {
    check_pool_case<float>(c, false);
    check_pool_case<double>(c, false);
  }
}

template <typename T>
void check_adaptive(int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow) {
  Pool2dShape s;
  s.planes = planes, s.h = h, s.w = w, s.oh = oh, s.ow = ow;
  const DType dt = dtype_of<T>;
  std::vector<T> x = random_values<T>(planes * h * w, 8), gy = random_values<T>(planes * oh * ow, 9);
  std::vector<T> ref_y(gy.size()), ref_gx(x.size()), mag(gy.size());
  kernels::adaptive_avg_pool2d_forward__reference(dt, s, x.data(), ref_y.data());
  kernels::adaptive_avg_pool2d_forward__reference(dt, s, absolute(x).data(), mag.data());
  kernels::adaptive_avg_pool2d_backward__reference(dt, s, gy.data(), ref_gx.data());
  for (Isa isa : levels()) {
    IsaGuard guard(isa);
    const std::string tag = "adaptive " + std::to_string(h) + "x" + std::to_string(w) + "->" + std::to_string(oh) +
                            "x" + std::to_string(ow) + " " + kernels::isa_name(isa);
    std::vector<T> y(gy.size(), T(7)), gx(x.size(), T(7));
    kernels::adaptive_avg_pool2d_forward(dt, s, x.data(), y.data());
    if (oh == 1 && ow == 1)
      expect_within(y, ref_y, mag, h * w, tag);
    else
      expect_same_values(y, ref_y, tag);
    kernels::adaptive_avg_pool2d_backward(dt, s, gy.data(), gx.data());
    expect_same_values(gx, ref_gx, tag + " backward");
  }
}

TEST(PoolKernels, AdaptiveAvgAtEveryLevel) {
  check_adaptive<float>(6, 7, 7, 1, 1);
  check_adaptive<float>(3, 56, 56, 1, 1);
  check_adaptive<float>(2, 14, 14, 7, 7);
  check_adaptive<float>(2, 10, 9, 3, 4);  // uneven windows: the reference path
  check_adaptive<float>(2, 3, 4, 6, 8);   // more outputs than inputs
  check_adaptive<double>(4, 9, 11, 1, 1);
  check_adaptive<double>(2, 12, 8, 4, 2);
}

TEST(PoolKernels, SameBitsWithOneAndTwoThreads) {
  for (const PoolCase& c : pool_cases()) {
    const Pool2dShape& s = c.s;
    std::vector<float> x = pool_input(s, true);
    const size_t ny = static_cast<size_t>(s.planes * s.oh * s.ow);
    std::vector<int64_t> idx(ny);
    expect_thread_invariant<float>(
        [&](float* y) { kernels::max_pool2d_forward(DType::f32, s, x.data(), y, idx.data()); }, ny, c.name + " max");
    Pool2dShape a = s;
    a.dh = a.dw = 1;
    if (2 * a.ph <= a.kh && 2 * a.pw <= a.kw)
      expect_thread_invariant<float>([&](float* y) { kernels::avg_pool2d_forward(DType::f32, a, true, x.data(), y); },
                                     ny, c.name + " avg");
  }
  Pool2dShape g;
  g.planes = 40, g.h = 9, g.w = 13, g.oh = 1, g.ow = 1;
  std::vector<float> x = random_values<float>(g.planes * g.h * g.w, 10);
  expect_thread_invariant<float>([&](float* y) { kernels::adaptive_avg_pool2d_forward(DType::f32, g, x.data(), y); },
                                 40, "global avg");
}

// ---- hangu bench conv ----

TEST(BenchConv, JsonReportsTheCaseAndTimes) {
  auto r = test_cli::run_hangu(
      "bench conv --n 2 --c-in 4 --c-out 6 --h 12 --w 10 --kernel 3 --stride 2 --padding 1 --groups 2 --reps 3 "
      "--threads 1 --json",
      "en_US.UTF-8", "2>/dev/null");
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* field : {"\"benchmark\":\"conv\"", "\"pass\":\"forward\"", "\"c_out\":6", "\"groups\":2",
                            "\"stride\":2", "\"threads\":1", "\"median_ms\":", "\"min_ms\":", "\"gflops\":"})
    EXPECT_TRUE(test_cli::contains(r.out, field)) << field << " not in " << r.out;
  auto b = test_cli::run_hangu("bench conv --n 1 --c-in 3 --c-out 3 --h 8 --w 8 --kernel 3 --backward --reps 2");
  ASSERT_EQ(b.code, 0) << b.out;
  EXPECT_TRUE(test_cli::contains(b.out, "backward")) << b.out;
}

TEST(BenchConv, BadInputIsOneLineAndExitCode2) {
  auto groups = test_cli::run_hangu("bench conv --n 1 --c-in 3 --c-out 4 --h 8 --w 8 --kernel 3 --groups 2");
  EXPECT_EQ(groups.code, 2);
  EXPECT_TRUE(test_cli::contains(groups.out, "groups 2 must divide --c-in 3")) << groups.out;
  EXPECT_EQ(test_cli::count_lines(groups.out), 1) << groups.out;
  auto small = test_cli::run_hangu("bench conv --n 1 --c-in 3 --c-out 4 --h 2 --w 2 --kernel 5");
  EXPECT_EQ(small.code, 2);
  EXPECT_TRUE(test_cli::contains(small.out, "gives no output")) << small.out;
  auto missing = test_cli::run_hangu("bench conv --c-in 3 --c-out 4 --h 8 --w 8 --kernel 3");
  EXPECT_EQ(missing.code, 2);
  EXPECT_TRUE(test_cli::contains(missing.out, "--n")) << missing.out;
  auto zh = test_cli::run_hangu("bench conv --n 1 --c-in 3 --c-out 4 --h 8 --w 8 --kernel 3 --groups 2", "zh_CN.UTF-8");
  EXPECT_EQ(zh.code, 2);
  EXPECT_TRUE(test_cli::contains(zh.out, "必须整除")) << zh.out;
}

}  // namespace
}  // namespace hangu

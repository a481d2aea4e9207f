// Random streams do not depend on the thread count, and follow the documented layout
// (docs/random.md; tools/fixtures/philox.py is an independent model of it).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cli_util.h"
#include "hangu/core/rng.h"
#include "hangu/core/thread_pool.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/reduction.h"
#include "hangu/ops/views.h"
#include "test_util.h"

namespace hangu {
namespace {

using namespace test_util;

constexpr int64_t kBig = 1'000'000;  // many chunks of the random grain, so 2 threads really split it

// make() gives the same bits with 1 and with 2 threads.
template <typename F>
void expect_thread_independent(F make) {
  auto [a, b] = with_1_and_2_threads(make);
  EXPECT_TRUE(same_bits(a, b));
}

TEST(Determinism, RandSameBitsWithOneAndTwoThreads) {
  for (DType d : {DType::f32, DType::f64, DType::f16, DType::bf16}) {
    SCOPED_TRACE(std::string(dtype_name(d)));
    expect_thread_independent([&] {
      Generator g(1234);
      return rand(Shape{kBig}, d, &g);
    });
  }
}

TEST(Determinism, RandnSameBitsWithOneAndTwoThreads) {
  for (DType d : {DType::f32, DType::f64}) {
    expect_thread_independent([&] {
      Generator g(99);
      return randn(Shape{kBig}, d, &g);
    });
  }
}

TEST(Determinism, RandintSameBitsWithOneAndTwoThreads) {
  expect_thread_independent([] {
    Generator g(7);
    return randint(-1000, 1000, Shape{kBig}, DType::i64, &g);
  });
}

TEST(Determinism, DefaultGeneratorAndInPlaceFills) {
  int saved = get_num_threads();
  Tensor r[2], n[2];
  for (int k = 0; k < 2; ++k) {
    set_num_threads(k + 1);
    manual_seed(42);
    r[k] = rand({1000, 1000});
    n[k] = transpose(empty({1000, 1000}), 0, 1);  // non-contiguous: filled through a buffer
    normal_(n[k], 1.0, 2.0);
  }
  set_num_threads(saved);
  EXPECT_TRUE(same_bits(r[0], r[1]));
  EXPECT_TRUE(same_bits(n[0], n[1]));
}

// Issue 2, point 4: the sum of 10^7 random floats has the same bits with 1 and 2 threads.
TEST(Determinism, SumOfTenMillionFloatsSameBitsWithOneAndTwoThreads) {
  Generator g(31337);
  Tensor x = rand(Shape{10'000'000}, DType::f32, &g);
  int saved = get_num_threads();
  set_num_threads(1);
  Tensor a = sum(x);
  set_num_threads(2);
  Tensor b = sum(x);
  Tensor c = sum(narrow(x, 0, 1, 9'999'998));  // a different chunk alignment, still deterministic
  Tensor d = sum(narrow(x, 0, 1, 9'999'998));
  set_num_threads(saved);
  EXPECT_TRUE(same_bits(a, b)) << a.item<double>() << " vs " << b.item<double>();
  EXPECT_TRUE(same_bits(c, d));
  EXPECT_NEAR(a.item<double>(), 5e6, 5e3);
}

// Philox4x32-10 known-answer vectors from Random123 (kat_vectors).
TEST(Determinism, PhiloxKnownAnswers) {
  EXPECT_EQ(philox4x32_10({0, 0, 0, 0}, {0, 0}), (PhiloxCounter{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
            (PhiloxCounter{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (PhiloxCounter{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

// The documented layout: float32 element i is (word i >> 8) * 2^-24; the offset advances by
// ceil(words / 4) blocks per call, so the next call starts at a fresh block.
TEST(Determinism, StreamLayout) {
  const uint64_t seed = 0x123456789abcull;
  Generator g(seed);
  Tensor a = rand(Shape{7}, DType::f32, &g);
  EXPECT_EQ(g.state().offset, 2u);
  const float* p = a.data_ptr<float>();
  for (uint64_t i = 0; i < 7; ++i)
    EXPECT_EQ(p[i], static_cast<float>(philox_word(seed, 0, i) >> 8) * 0x1.0p-24f) << i;
  Tensor b = rand(Shape{1}, DType::f32, &g);  // word 0 of block 2
  EXPECT_EQ(b.data_ptr<float>()[0], static_cast<float>(philox_word(seed, 2, 0) >> 8) * 0x1.0p-24f);
  EXPECT_EQ(g.state().offset, 3u);
  randn(Shape{3}, DType::f32, &g);  // 6 words: 2 blocks
  EXPECT_EQ(g.state().offset, 5u);
  Generator h(seed);
  Tensor c = randint(0, 1000, Shape{3}, DType::i64, &h);
  for (uint64_t i = 0; i < 3; ++i) {
    uint64_t w = (static_cast<uint64_t>(philox_word(seed, 0, 2 * i)) << 32) | philox_word(seed, 0, 2 * i + 1);
    EXPECT_EQ(c.data_ptr<int64_t>()[i], static_cast<int64_t>(w % 1000)) << i;
  }
}

TEST(Determinism, SameSeedSameValuesNewSeedNewValues) {
  manual_seed(5);
  Tensor a = rand({100});
  Tensor a2 = rand({100});
  manual_seed(5);
  Tensor b = rand({100});
  EXPECT_TRUE(same_bits(a, b));
  EXPECT_FALSE(same_bits(a, a2));
}

// HANGU_NUM_THREADS=1 and =2 (the environment, not the API) give the same rand/randn/sum bits: the
// test binary runs itself twice and compares the digests the children print.
TEST(DeterminismChild, PrintDigest) {
  if (!std::getenv("HANGU_DETERMINISM_CHILD")) GTEST_SKIP() << "run by Determinism.EnvThreadCountDoesNotMatter";
  manual_seed(2024);
  Tensor a = rand({kBig});
  Tensor b = randn({kBig}, DType::f64);
  Tensor s = sum(rand({10'000'000}));
  uint64_t h = 1469598103934665603ull;  // FNV-1a over the tensors' bytes
  for (const Tensor& t : {a, b, s}) {
    const auto* p = static_cast<const unsigned char*>(t.data());
    for (int64_t i = 0; i < t.nbytes(); ++i) h = (h ^ p[i]) * 1099511628211ull;
  }
  std::printf("threads=%d digest=%016llx\n", get_num_threads(), static_cast<unsigned long long>(h));
}

std::string run_child(const char* threads) {
  std::string cmd = std::string("HANGU_DETERMINISM_CHILD=1 HANGU_NUM_THREADS=") + threads + " '" +
                    std::filesystem::read_symlink("/proc/self/exe").string() +
                    "' --gtest_filter=DeterminismChild.PrintDigest 2>&1";
  const std::string out = test_cli::run_shell(cmd).out;
  auto at = out.find("threads=");
  return at == std::string::npos ? out : out.substr(at, out.find('\n', at) - at);
}

TEST(Determinism, EnvThreadCountDoesNotMatter) {
  std::string one = run_child("1"), two = run_child("2");
  ASSERT_EQ(one.rfind("threads=1 digest=", 0), 0u) << one;
  ASSERT_EQ(two.rfind("threads=2 digest=", 0), 0u) << two;
  EXPECT_EQ(one.substr(one.find("digest")), two.substr(two.find("digest")));
}

}  // namespace
}  // namespace hangu

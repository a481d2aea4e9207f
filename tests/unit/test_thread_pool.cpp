// The thread pool (core/thread_pool.h) under concurrent use: every chunk runs exactly once, errors
// come back to the caller, nested and simultaneous parallel_for calls are safe, the thread count
// can change between calls, and DataLoader workers run ops while the main thread does. These are
// the tests scripts/sanitize.sh tsan runs under ThreadSanitizer (issue 8).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <vector>

#include "hangu/core/error.h"
#include "hangu/core/thread_pool.h"
#include "hangu/data/dataloader.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/reduction.h"
#include "test_util.h"

namespace {

using hangu::parallel_for;
using hangu::Tensor;

// Restores the thread count at the end of a test.
struct ThreadCountGuard {
  int saved = hangu::get_num_threads();
  ~ThreadCountGuard() { hangu::set_num_threads(saved); }
};

TEST(ThreadPool, EveryIndexOnceForAnyGrainAndThreadCount) {
  ThreadCountGuard g;
  for (int threads : {1, 2, 3, 8}) {
    hangu::set_num_threads(threads);
    for (int64_t grain : {1, 3, 64, 1000}) {
      std::vector<std::atomic<int>> hits(1000);
      parallel_for(0, 1000, grain, [&](int64_t lo, int64_t hi) {
        EXPECT_LE(hi - lo, grain);
        for (int64_t i = lo; i < hi; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
      });
      for (const auto& h : hits) ASSERT_EQ(h.load(), 1) << threads << " threads, grain " << grain;
    }
  }
}

TEST(ThreadPool, FirstErrorReachesTheCallerAndThePoolStaysUsable) {
  ThreadCountGuard g;
  hangu::set_num_threads(4);
  EXPECT_THROW(parallel_for(0, 100, 1,
                            [](int64_t lo, int64_t) {
                              if (lo % 7 == 3) throw hangu::ValueError(hangu::MsgId::bad_thread_count, lo);
                            }),
               hangu::ValueError);
  std::atomic<int64_t> sum{0};
  parallel_for(0, 100, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) sum += i;
  });
  EXPECT_EQ(sum.load(), 4950);
}

TEST(ThreadPool, NestedCallsRunSerially) {
  ThreadCountGuard g;
  hangu::set_num_threads(4);
  std::vector<std::atomic<int>> hits(64 * 64);
  parallel_for(0, 64, 1, [&](int64_t lo, int64_t hi) {
    EXPECT_TRUE(hangu::in_parallel_region());
    for (int64_t i = lo; i < hi; ++i)
      parallel_for(0, 64, 8, [&](int64_t a, int64_t b) {
        for (int64_t j = a; j < b; ++j) hits[static_cast<size_t>(i * 64 + j)].fetch_add(1);
      });
  });
  EXPECT_FALSE(hangu::in_parallel_region());
  for (const auto& h : hits) ASSERT_EQ(h.load(), 1);
}

// A parallel_for of one chunk is no parallel region: a parallel_for inside it still gets the
// pool (a convolution with a single tile hands its GEMM to all threads).
TEST(ThreadPool, OneChunkLeavesTheInnerCallParallel) {
  ThreadCountGuard g;
  hangu::set_num_threads(2);
  std::atomic<int> inner_threads_seen{0};
  parallel_for(0, 1, 1, [&](int64_t, int64_t) {
    EXPECT_FALSE(hangu::in_parallel_region());
    parallel_for(0, 2, 1, [&](int64_t, int64_t) {
      EXPECT_TRUE(hangu::in_parallel_region());
      inner_threads_seen.fetch_add(1);
    });
  });
  EXPECT_EQ(inner_threads_seen.load(), 2);
  EXPECT_FALSE(hangu::in_parallel_region());
}

TEST(ThreadPool, SimultaneousCallersFromManyThreads) {
  ThreadCountGuard g;
  hangu::set_num_threads(3);
  std::vector<std::thread> callers;
  std::atomic<int> wrong{0}, done{0};
  for (int t = 0; t < 6; ++t)
    callers.emplace_back([&] {
      for (int rep = 0; rep < 50; ++rep) {
        int64_t r = hangu::parallel_reduce<int64_t>(
            0, 10000, 97, 0,
            [](int64_t lo, int64_t hi) {
              int64_t s = 0;
              for (int64_t i = lo; i < hi; ++i) s += i;
              return s;
            },
            [](int64_t a, int64_t b) { return a + b; });
        if (r != int64_t{10000} * 9999 / 2) ++wrong;
        ++done;
      }
    });
  for (auto& c : callers) c.join();
  EXPECT_EQ(done.load(), 300);
  EXPECT_EQ(wrong.load(), 0);
}

TEST(ThreadPool, ThreadCountChangesBetweenCallsOfOtherThreads) {
  ThreadCountGuard g;
  std::atomic<bool> stop{false};
  std::thread changer([&] {
    for (int i = 0; !stop.load(); ++i) hangu::set_num_threads(1 + i % 4);
  });
  for (int rep = 0; rep < 200; ++rep) {
    std::vector<std::atomic<int>> hits(257);
    parallel_for(0, 257, 16, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
    });
    for (const auto& h : hits) ASSERT_EQ(h.load(), 1);
  }
  stop = true;
  changer.join();
}

TEST(ThreadPool, OpsGiveTheSameBitsWhileDataLoaderWorkersRunOps) {
  ThreadCountGuard g;
  hangu::set_num_threads(2);
  hangu::manual_seed(5);
  Tensor x = hangu::randn({64, 4096});
  Tensor ref = hangu::sum(hangu::exp(hangu::mul(x, x)), {1});
  // Workers build batches (collate, copies) while this thread runs parallel ops.
  auto ds = std::make_shared<hangu::data::TensorDataset>(hangu::randn({256, 3, 32}), hangu::arange(0, 256, 1));
  hangu::data::DataLoader loader(ds, hangu::data::DataLoaderOptions{8, true, 3, false, 3, 2});
  hangu::data::DataLoader serial(ds, hangu::data::DataLoaderOptions{8, true, 3, false, 0, 2});
  auto it = loader.epoch(1);
  auto it_serial = serial.epoch(1);
  while (auto b = it.next()) {
    Tensor got = hangu::sum(hangu::exp(hangu::mul(x, x)), {1});
    ASSERT_TRUE(hangu::test_util::same_bits(got, ref));
    auto s = it_serial.next();
    ASSERT_TRUE(s.has_value());
    ASSERT_TRUE(hangu::test_util::same_bits(b->data, s->data));
    ASSERT_EQ(b->indices, s->indices);
  }
  EXPECT_FALSE(it_serial.next().has_value());
}

}  // namespace

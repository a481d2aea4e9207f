// The caching allocator (core/allocator.h): size classes, reuse, alignment, the cap on cached
// bytes, statistics, threads, the disabled (sanitizer) mode and clean out-of-memory errors.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "hangu/core/allocator.h"
#include "hangu/core/error.h"
#include "hangu/core/storage.h"
#include "hangu/core/tensor.h"

namespace hangu {
namespace {

constexpr int64_t kMiB = int64_t{1} << 20;

bool aligned_to(const void* p, int64_t a) { return reinterpret_cast<uintptr_t>(p) % static_cast<uintptr_t>(a) == 0; }

AllocatorConfig caching(int64_t limit_bytes) {
  AllocatorConfig c;
  c.caching = true;
  c.cache_limit_bytes = limit_bytes;
  return c;
}

TEST(Allocator, SizeClassesRoundUpByAtMostAQuarter) {
  EXPECT_EQ(CachingAllocator::round_size(0), 64);
  EXPECT_EQ(CachingAllocator::round_size(1), 64);
  EXPECT_EQ(CachingAllocator::round_size(64), 64);
  EXPECT_EQ(CachingAllocator::round_size(65), 128);
  EXPECT_EQ(CachingAllocator::round_size(512), 512);
  EXPECT_EQ(CachingAllocator::round_size(513), 640);
  EXPECT_EQ(CachingAllocator::round_size(1000), 1024);
  EXPECT_EQ(CachingAllocator::round_size(1025), 1280);
  EXPECT_EQ(CachingAllocator::round_size(kLargeBlockBytes), kLargeBlockBytes);
  EXPECT_EQ(CachingAllocator::round_size(kLargeBlockBytes + 1), 2 * kLargeBlockBytes);
  int64_t prev = 0;
  for (int64_t n = 1; n < 64 * kMiB; n = n * 5 / 4 + 7) {
    int64_t c = CachingAllocator::round_size(n);
    ASSERT_GE(c, n);
    ASSERT_GE(c, prev) << n;  // monotone
    ASSERT_EQ(c % kAllocAlignment, 0) << n;
    if (n > 512 && n < kLargeBlockBytes) {
      ASSERT_LE(c, n + n / 4 + 1) << n;
    }
    if (c >= kLargeBlockBytes) {
      ASSERT_EQ(c % kLargeBlockBytes, 0) << n;
    }
    prev = c;
  }
}

TEST(Allocator, FreedBlocksAreReusedForTheSameClass) {
  CachingAllocator a(caching(64 * kMiB));
  int64_t bytes = 0, bytes2 = 0;
  void* p = a.allocate(1000, &bytes);
  EXPECT_EQ(bytes, 1024);
  a.deallocate(p, bytes);
  void* q = a.allocate(1010, &bytes2);  // same class
  EXPECT_EQ(q, p);
  EXPECT_EQ(bytes2, bytes);
  AllocatorStats s = a.stats();
  EXPECT_EQ(s.hits, 1);
  EXPECT_EQ(s.misses, 1);
  EXPECT_EQ(s.allocated_bytes, 1024);
  EXPECT_EQ(s.cached_bytes, 0);
  int64_t other = 0;
  void* r = a.allocate(5000, &other);  // another class: a new block
  EXPECT_NE(r, q);
  EXPECT_EQ(a.stats().misses, 2);
  a.deallocate(q, bytes2);
  a.deallocate(r, other);
  s = a.stats();
  EXPECT_EQ(s.allocated_bytes, 0);
  EXPECT_EQ(s.cached_bytes, 1024 + other);
  EXPECT_EQ(s.peak_allocated_bytes, 1024 + other);
  a.empty_cache();
  s = a.stats();
  EXPECT_EQ(s.cached_bytes, 0);
  EXPECT_EQ(s.releases, 2);
}

TEST(Allocator, BlocksAreAlignedAndLargeOnesTo2MiB) {
  for (bool cache : {true, false}) {
    AllocatorConfig c = caching(64 * kMiB);
    c.caching = cache;
    CachingAllocator a(c);
    for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{63}, int64_t{100}, int64_t{4097}, int64_t{300000},
                      kLargeBlockBytes - 1, kLargeBlockBytes, 3 * kMiB + 5}) {
      int64_t bytes = 0;
      void* p = a.allocate(n, &bytes);
      ASSERT_NE(p, nullptr);
      EXPECT_TRUE(aligned_to(p, kAllocAlignment)) << n;
      if (bytes >= kLargeBlockBytes) {
        EXPECT_TRUE(aligned_to(p, kLargeBlockBytes)) << n;
      }
      std::memset(p, 0xab, static_cast<size_t>(bytes));  // the whole class is usable
      a.deallocate(p, bytes);
    }
  }
}

TEST(Allocator, CachedBytesStayUnderTheCap) {
  CachingAllocator a(caching(kMiB));
  std::vector<std::pair<void*, int64_t>> blocks;
  for (int i = 0; i < 12; ++i) {
    int64_t bytes = 0;
    void* p = a.allocate(200 * 1024 + i * 4096, &bytes);
    blocks.push_back({p, bytes});
  }
  int64_t total = 0;
  for (auto& [p, bytes] : blocks) {
    total += bytes;
    a.deallocate(p, bytes);
    EXPECT_LE(a.stats().cached_bytes, kMiB);
  }
  AllocatorStats s = a.stats();
  EXPECT_GT(total, kMiB);
  EXPECT_GT(s.releases, 0);  // cached blocks were given back to make room
  EXPECT_GT(s.cached_bytes, kMiB / 2);
  EXPECT_EQ(s.allocated_bytes, 0);
  // A block larger than the whole cap is never cached.
  int64_t big = 0;
  void* p = a.allocate(4 * kMiB, &big);
  int64_t before = a.stats().cached_bytes;
  a.deallocate(p, big);
  EXPECT_EQ(a.stats().cached_bytes, before);
}

TEST(Allocator, ZeroCapCachesNothing) {
  CachingAllocator a(caching(0));
  int64_t bytes = 0;
  void* p = a.allocate(1000, &bytes);
  a.deallocate(p, bytes);
  EXPECT_EQ(a.stats().cached_bytes, 0);
  a.deallocate(a.allocate(1000, &bytes), bytes);
  EXPECT_EQ(a.stats().hits, 0);
  EXPECT_EQ(a.stats().misses, 2);
}

TEST(Allocator, DisabledModeGoesToTheOsEveryTime) {
  AllocatorConfig c = caching(64 * kMiB);
  c.caching = false;
  CachingAllocator a(c);
  for (int i = 0; i < 5; ++i) {
    int64_t bytes = 0;
    void* p = a.allocate(4096, &bytes);
    std::memset(p, i, 4096);
    a.deallocate(p, bytes);
    EXPECT_EQ(a.stats().cached_bytes, 0);
  }
  EXPECT_EQ(a.stats().hits, 0);
  EXPECT_EQ(a.stats().misses, 5);
  EXPECT_EQ(a.stats().allocated_bytes, 0);
}

TEST(Allocator, ManyThreadsAllocateAndFreeConcurrently) {
  CachingAllocator a(caching(8 * kMiB));
  constexpr int kThreads = 4, kRounds = 2000;
  std::vector<std::thread> threads;
  std::vector<int> errors(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::pair<unsigned char*, int64_t>> live;
      uint32_t seed = 1234u + static_cast<uint32_t>(t);
      for (int i = 0; i < kRounds; ++i) {
        seed = seed * 1664525u + 1013904223u;
        int64_t n = 1 + (seed >> 8) % 70000;
        int64_t bytes = 0;
        auto* p = static_cast<unsigned char*>(a.allocate(n, &bytes));
        std::memset(p, t + 1, static_cast<size_t>(n));
        live.push_back({p, bytes});
        if (live.size() > 8 || (seed & 1)) {  // free the oldest, checking nobody else wrote into it
          auto [q, qb] = live.front();
          live.erase(live.begin());
          if (q[0] != t + 1) errors[static_cast<size_t>(t)]++;
          a.deallocate(q, qb);
        }
      }
      for (auto [q, qb] : live) a.deallocate(q, qb);
    });
  }
  for (auto& th : threads) th.join();
  for (int e : errors) EXPECT_EQ(e, 0);
  AllocatorStats s = a.stats();
  EXPECT_EQ(s.allocated_bytes, 0);
  EXPECT_EQ(s.hits + s.misses, int64_t{kThreads} * kRounds);
  EXPECT_GT(s.hits, 0);
  EXPECT_LE(s.cached_bytes, 8 * kMiB);
}

TEST(Allocator, RefusedRequestsRaiseOutOfMemory) {
  CachingAllocator a(caching(64 * kMiB));
  int64_t bytes = 0;
  void* keep = a.allocate(1000, &bytes);
  a.deallocate(keep, bytes);
  try {
    a.allocate(int64_t{1} << 50, &bytes);  // more than the address space: mmap refuses
    FAIL() << "did not throw";
  } catch (const OutOfMemory& e) {
    EXPECT_EQ(e.kind(), ErrorKind::out_of_memory);
    EXPECT_NE(std::string(e.message(Lang::en)).find(std::to_string(int64_t{1} << 50)), std::string::npos);
  }
  EXPECT_THROW(a.allocate(int64_t{1} << 62, &bytes), OutOfMemory);
  EXPECT_EQ(a.stats().cached_bytes, 0);  // the cache was given back before the retry
  int64_t b2 = 0;
  void* p = a.allocate(1000, &b2);  // still works
  a.deallocate(p, b2);
}

TEST(Allocator, ConfigFromTheEnvironment) {
  auto with_env = [](const char* name, const char* value, auto fn) {
    const char* old = std::getenv(name);
    std::string saved = old ? old : "";
    setenv(name, value, 1);
    fn();
    if (old)
      setenv(name, saved.c_str(), 1);
    else
      unsetenv(name);
  };
  with_env("HANGU_ALLOC_CACHE_MB", "16", [] { EXPECT_EQ(allocator_config_from_env().cache_limit_bytes, 16 * kMiB); });
  with_env("HANGU_ALLOC_CACHE", "0", [] { EXPECT_FALSE(allocator_config_from_env().caching); });
  with_env("HANGU_HUGEPAGES", "1", [] { EXPECT_TRUE(allocator_config_from_env().huge_pages); });
  with_env("HANGU_ALLOC_CACHE_MB", "lots", [] {
    try {
      allocator_config_from_env();
      FAIL() << "did not throw";
    } catch (const ValueError& e) {
      EXPECT_NE(std::string(e.message(Lang::en)).find("HANGU_ALLOC_CACHE_MB"), std::string::npos);
    }
  });
  with_env("HANGU_ALLOC_CACHE", "2", [] { EXPECT_THROW(allocator_config_from_env(), ValueError); });
}

TEST(Allocator, HugePageAdviceKeepsBlocksUsable) {
  AllocatorConfig c = caching(64 * kMiB);
  c.huge_pages = true;
  CachingAllocator a(c);
  int64_t bytes = 0;
  auto* p = static_cast<float*>(a.allocate(5 * kMiB, &bytes));
  EXPECT_TRUE(aligned_to(p, kLargeBlockBytes));
  for (int64_t i = 0; i < 5 * kMiB / 4; ++i) p[i] = static_cast<float>(i);
  EXPECT_EQ(p[5 * kMiB / 4 - 1], static_cast<float>(5 * kMiB / 4 - 1));
  a.deallocate(p, bytes);
}

TEST(Allocator, StorageTakesItsBlocksFromTheCache) {
  CachingAllocator& a = cpu_allocator();
  { Tensor warm = empty({1000, 37}); }  // one block of this class is now cached
  AllocatorStats before = a.stats();
  void* first = nullptr;
  for (int i = 0; i < 10; ++i) {
    Tensor t = empty({1000, 37});
    if (i == 0) first = t.data();
    if (a.config().caching) {
      EXPECT_EQ(t.data(), first);  // the same block every time
    }
  }
  AllocatorStats after = a.stats();
  if (a.config().caching) {
    EXPECT_GE(after.hits - before.hits, 10);
  } else {  // HANGU_ALLOC_CACHE=0 (sanitizer runs): every allocation goes to the OS
    EXPECT_GE(after.misses - before.misses, 10);
    EXPECT_EQ(after.hits, before.hits);
  }
  EXPECT_EQ(after.allocated_bytes, before.allocated_bytes);
  Storage z = Storage::allocate(0);
  EXPECT_NE(z.data(), nullptr);
  EXPECT_EQ(z.nbytes(), 0);
}

}  // namespace
}  // namespace hangu

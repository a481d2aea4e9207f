#include "hangu/core/allocator.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "hangu/core/error.h"

namespace hangu {
namespace {

constexpr int64_t kMiB = int64_t{1} << 20;

// Under AddressSanitizer caching is off unless asked for: ASan then sees every free.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif
#else
constexpr bool kAsan = false;
#endif
constexpr int64_t kMaxRequest = int64_t{1} << 62;  // bytes: beyond any address space, refused at once

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// 0/1 flags and non-negative integers from the environment; `fallback` when unset or empty.
int64_t env_int(const char* name, int64_t fallback, int64_t max) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(v, &end, 10);
  if (*end != '\0' || errno != 0 || n < 0 || n > max) throw ValueError(MsgId::bad_env_value, name, v);
  return n;
}

// Large blocks: mmap'ed with 2 MiB of slack, trimmed so the block starts on a 2 MiB boundary.
void* map_aligned(int64_t bytes, bool huge_pages) {
  const size_t want = static_cast<size_t>(bytes), span = want + static_cast<size_t>(kLargeBlockBytes);
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned =
      (start + static_cast<uintptr_t>(kLargeBlockBytes) - 1) & ~(static_cast<uintptr_t>(kLargeBlockBytes) - 1);
  const size_t head = aligned - start, tail = span - head - want;
  if (head) munmap(raw, head);
  if (tail) munmap(reinterpret_cast<void*>(aligned + want), tail);
  void* p = reinterpret_cast<void*>(aligned);
#ifdef MADV_HUGEPAGE
  if (huge_pages) madvise(p, want, MADV_HUGEPAGE);  // advice only: failure is harmless
#else
  (void)huge_pages;
#endif
  return p;
}

}  // namespace

AllocatorConfig allocator_config_from_env() {
  AllocatorConfig c;
  c.caching = env_int("HANGU_ALLOC_CACHE", kAsan ? 0 : 1, 1) != 0;
  c.cache_limit_bytes = env_int("HANGU_ALLOC_CACHE_MB", 1024, int64_t{1} << 30) * kMiB;
  c.huge_pages = env_int("HANGU_HUGEPAGES", 0, 1) != 0;
  return c;
}

CachingAllocator::CachingAllocator(AllocatorConfig config) : config_(config) {
  if (config_.cache_limit_bytes < 0) config_.cache_limit_bytes = 0;
}

CachingAllocator::~CachingAllocator() { empty_cache(); }

int64_t CachingAllocator::round_size(int64_t nbytes) {
  int64_t r = nbytes < 1 ? 1 : nbytes;
  if (r <= 512) return round_up(r, kAllocAlignment);
  // Four classes per power of two: the granule is a quarter of the power below r.
  int64_t pow2 = 1;
  while (pow2 * 2 < r) pow2 *= 2;
  int64_t c = round_up(r, pow2 / 4);
  return c >= kLargeBlockBytes ? round_up(c, kLargeBlockBytes) : c;
}

void* CachingAllocator::os_allocate(int64_t bytes) {
  if (config_.caching && bytes >= kLargeBlockBytes) return map_aligned(bytes, config_.huge_pages);
  // Without caching everything goes through malloc's family, so a sanitizer tracks every block.
  const size_t align = static_cast<size_t>(bytes >= kLargeBlockBytes ? kLargeBlockBytes : kAllocAlignment);
  void* p = std::aligned_alloc(align, static_cast<size_t>(bytes));
#ifdef MADV_HUGEPAGE
  if (p && config_.huge_pages && bytes >= kLargeBlockBytes) madvise(p, static_cast<size_t>(bytes), MADV_HUGEPAGE);
#endif
  return p;
}

void CachingAllocator::os_free(void* p, int64_t bytes) {
  if (config_.caching && bytes >= kLargeBlockBytes)
    munmap(p, static_cast<size_t>(bytes));
  else
    std::free(p);
}

void* CachingAllocator::allocate(int64_t nbytes, int64_t* block_bytes) {
  if (nbytes < 0 || nbytes > kMaxRequest) throw OutOfMemory(MsgId::out_of_memory, nbytes);
  const int64_t size = round_size(nbytes);
  *block_bytes = size;
  {
    std::lock_guard<std::mutex> g(mu_);
    auto it = free_.find(size);
    if (it != free_.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      stats_.cached_bytes -= size;
      stats_.hits++;
      stats_.allocated_bytes += size;
      if (stats_.allocated_bytes > stats_.peak_allocated_bytes) stats_.peak_allocated_bytes = stats_.allocated_bytes;
      return p;
    }
    stats_.misses++;
  }
  void* p = os_allocate(size);
  if (p == nullptr) {  // the OS refused: give the cache back and try once more
    empty_cache();
    p = os_allocate(size);
    if (p == nullptr) throw OutOfMemory(MsgId::out_of_memory, nbytes);
  }
  std::lock_guard<std::mutex> g(mu_);
  stats_.allocated_bytes += size;
  if (stats_.allocated_bytes > stats_.peak_allocated_bytes) stats_.peak_allocated_bytes = stats_.allocated_bytes;
  return p;
}

void CachingAllocator::deallocate(void* p, int64_t block_bytes) {
  if (p == nullptr) return;
  {
    std::lock_guard<std::mutex> g(mu_);
    stats_.allocated_bytes -= block_bytes;
    if (config_.caching && block_bytes <= config_.cache_limit_bytes) {
      release_locked(block_bytes);
      free_[block_bytes].push_back(p);
      stats_.cached_bytes += block_bytes;
      return;
    }
  }
  os_free(p, block_bytes);
}

void CachingAllocator::release_locked(int64_t needed) {
  // Largest classes first: the fewest blocks to free for the room needed.
  for (auto it = free_.rbegin(); it != free_.rend() && stats_.cached_bytes + needed > config_.cache_limit_bytes; ++it) {
    std::vector<void*>& blocks = it->second;
    while (!blocks.empty() && stats_.cached_bytes + needed > config_.cache_limit_bytes) {
      os_free(blocks.back(), it->first);
      blocks.pop_back();
      stats_.cached_bytes -= it->first;
      stats_.releases++;
    }
  }
}

void CachingAllocator::empty_cache_locked() {
  for (auto& [size, blocks] : free_) {
    for (void* p : blocks) os_free(p, size);
    stats_.cached_bytes -= size * static_cast<int64_t>(blocks.size());
    stats_.releases += static_cast<int64_t>(blocks.size());
  }
  free_.clear();
}

void CachingAllocator::empty_cache() {
  std::lock_guard<std::mutex> g(mu_);
  empty_cache_locked();
}

AllocatorStats CachingAllocator::stats() const {
  std::lock_guard<std::mutex> g(mu_);
  return stats_;
}

CachingAllocator& cpu_allocator() {
  static CachingAllocator* a = new CachingAllocator(allocator_config_from_env());
  return *a;
}

}  // namespace hangu

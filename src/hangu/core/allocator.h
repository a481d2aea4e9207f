#pragma once
// The caching allocator behind Storage::allocate. A freshly faulted 4 KiB page costs about 10 us
// on our machines, so freed blocks are kept, per size class, and handed out again instead of going
// back to the OS (PyTorch with glibc malloc ran MobileNetV2 4.6x slower than with a cache).
//
// Size classes: multiples of 64 bytes up to 512, then four classes per power of two (at most 25%
// rounding); blocks of 2 MiB and more are whole multiples of 2 MiB, mapped 2 MiB-aligned with
// mmap so that transparent huge pages can back them (madvise(MADV_HUGEPAGE) when asked).
// The cached bytes are capped: a free that would exceed the cap first releases cached blocks,
// largest classes first. One mutex guards the lists (allocation is never on a hot inner loop).
//
// Environment (read once, by cpu_allocator()):
//   HANGU_ALLOC_CACHE=0      no caching: every allocation and free goes to aligned_alloc/free, so
//                            AddressSanitizer sees each one (the default in ASan builds; =1 forces
//                            caching there);
//   HANGU_ALLOC_CACHE_MB=N   cap on the cached bytes, in MiB (default 1024; 0 caches nothing);
//   HANGU_HUGEPAGES=1        madvise(MADV_HUGEPAGE) on blocks of 2 MiB and more.
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

namespace hangu {

inline constexpr int64_t kAllocAlignment = 64;                 // bytes, every block
inline constexpr int64_t kLargeBlockBytes = int64_t{2} << 20;  // bytes: 2 MiB blocks and up are large

struct AllocatorConfig {
  bool caching = true;
  int64_t cache_limit_bytes = int64_t{1024} << 20;  // bytes
  bool huge_pages = false;
};

// Reads HANGU_ALLOC_CACHE, HANGU_ALLOC_CACHE_MB and HANGU_HUGEPAGES; throws ValueError on a bad value.
AllocatorConfig allocator_config_from_env();

struct AllocatorStats {
  int64_t allocated_bytes = 0;  // bytes in blocks handed out and not yet returned (class sizes)
  int64_t peak_allocated_bytes = 0;
  int64_t cached_bytes = 0;  // bytes in freed blocks kept for reuse
  int64_t hits = 0;          // allocations served from the cache
  int64_t misses = 0;        // allocations that went to the OS
  int64_t releases = 0;      // cached blocks given back to the OS (cap or empty_cache)
};

class CachingAllocator {
 public:
  explicit CachingAllocator(AllocatorConfig config);
  ~CachingAllocator();  // gives every cached block back; blocks still handed out are not touched
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  // A block of at least `nbytes` bytes (>= 0), kAllocAlignment-aligned (2 MiB for large blocks),
  // uninitialised. `*block_bytes` receives its class size, which deallocate needs back.
  // Throws OutOfMemory when the OS refuses, after giving the cache back and retrying once.
  void* allocate(int64_t nbytes, int64_t* block_bytes);
  void deallocate(void* p, int64_t block_bytes);
  // Gives every cached block back to the OS.
  void empty_cache();
  AllocatorStats stats() const;
  const AllocatorConfig& config() const { return config_; }

  // The class size a request of `nbytes` bytes is rounded up to.
  static int64_t round_size(int64_t nbytes);

 private:
  void* os_allocate(int64_t bytes);
  void os_free(void* p, int64_t bytes);
  void release_locked(int64_t needed);  // frees cached blocks until `needed` more bytes fit under the cap
  void empty_cache_locked();

  AllocatorConfig config_;
  mutable std::mutex mu_;
  std::map<int64_t, std::vector<void*>> free_;  // class size (bytes) -> cached blocks, last freed on top
  AllocatorStats stats_;
};

// The process-wide allocator of CPU storage, configured from the environment on first use. It is
// never destroyed, so storages that outlive main() can still return their blocks.
CachingAllocator& cpu_allocator();

}  // namespace hangu

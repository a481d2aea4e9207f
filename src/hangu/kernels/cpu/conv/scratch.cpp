#include "hangu/kernels/cpu/conv/scratch.h"

#include <cstdlib>

#include "hangu/core/error.h"

namespace hangu::kernels {
namespace {

struct Buffer {
  void* data = nullptr;
  size_t bytes = 0;
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { std::free(data); }
};

}  // namespace

void* scratch_bytes(ScratchSlot slot, size_t bytes) {
  thread_local Buffer buffers[kScratchSlots];
  Buffer& b = buffers[static_cast<int>(slot)];
  if (b.bytes >= bytes && b.data) return b.data;
  // Grow by at least half again, so a slowly growing request does not reallocate every time.
  size_t want = bytes > b.bytes + b.bytes / 2 ? bytes : b.bytes + b.bytes / 2;
  want = want < 64 ? 64 : (want + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, want);
  if (!p) throw OutOfMemory(MsgId::out_of_memory, static_cast<int64_t>(want));
  std::free(b.data);
  b.data = p;
  b.bytes = want;
  return p;
}

}  // namespace hangu::kernels

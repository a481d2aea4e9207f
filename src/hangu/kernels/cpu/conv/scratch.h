#pragma once
// Per-thread scratch memory for the convolution and pooling kernels: each thread keeps a few
// 64-byte-aligned buffers that only grow, so a kernel call allocates nothing once warm. A buffer
// is valid until the same thread asks for the same slot again.
#include <cstddef>
#include <cstdint>

namespace hangu::kernels {

enum class ScratchSlot : int { cols = 0, gather = 1, plane = 2, extra = 3 };
inline constexpr int kScratchSlots = 4;

// At least `bytes` bytes of this thread's buffer for `slot`; throws OutOfMemory.
void* scratch_bytes(ScratchSlot slot, size_t bytes);

template <typename T>
T* scratch(ScratchSlot slot, int64_t count) {
  return static_cast<T*>(scratch_bytes(slot, static_cast<size_t>(count < 1 ? 1 : count) * sizeof(T)));
}

}  // namespace hangu::kernels

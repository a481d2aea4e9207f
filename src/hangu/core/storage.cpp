#include "hangu/core/storage.h"

#include "hangu/core/alloc_fault.h"
#include "hangu/core/allocator.h"
#include "hangu/core/error.h"

namespace hangu {

Storage Storage::allocate(int64_t nbytes, Device device) {
  if (device.kind != DeviceKind::cpu) throw Unsupported(MsgId::not_implemented, "allocation", device.str());
  if (nbytes < 0) throw ValueError(MsgId::value_out_of_range, "Storage::allocate", "nbytes", "[0, inf)", nbytes);
  if (alloc_fault_should_fail()) throw OutOfMemory(MsgId::out_of_memory, nbytes);  // test hook (core/alloc_fault.h)
  // The block comes from the caching allocator (core/allocator.h); even 0 bytes get a block, so
  // data() is non-null. The Impl is made first so that no failure can leak the block.
  Storage s;
  s.impl_ = std::make_shared<Impl>();
  int64_t block_bytes = 0;
  s.impl_->data = cpu_allocator().allocate(nbytes, &block_bytes);
  s.impl_->nbytes = nbytes;
  s.impl_->device = device;
  s.impl_->release = [block_bytes](void* q) { cpu_allocator().deallocate(q, block_bytes); };
  return s;
}

Storage Storage::wrap(void* data, int64_t nbytes, std::function<void(void*)> release, Device device) {
  Storage s;
  s.impl_ = std::make_shared<Impl>();
  s.impl_->data = data;
  s.impl_->nbytes = nbytes;
  s.impl_->device = device;
  s.impl_->release = std::move(release);
  return s;
}

}  // namespace hangu

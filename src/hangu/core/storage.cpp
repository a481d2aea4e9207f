#include "hangu/core/storage.h"

#include <cstdlib>

#include "hangu/core/checked_math.h"
#include "hangu/core/error.h"

namespace hangu {

Storage Storage::allocate(int64_t nbytes, Device device) {
  if (device.kind != DeviceKind::cpu) throw Unsupported(MsgId::not_implemented, "allocation", device.str());
  if (nbytes < 0) throw ValueError(MsgId::value_out_of_range, "Storage::allocate", "nbytes", "[0, inf)", nbytes);
  // aligned_alloc wants a multiple of the alignment; never ask for 0 bytes so data() is non-null.
  int64_t rounded = checked_add(nbytes, kStorageAlignment - 1, "storage size") / kStorageAlignment * kStorageAlignment;
  if (rounded == 0) rounded = kStorageAlignment;
  void* p = std::aligned_alloc(kStorageAlignment, static_cast<size_t>(rounded));
  if (!p) throw OutOfMemory(MsgId::out_of_memory, nbytes);
  Storage s;
  s.impl_ = std::make_shared<Impl>();
  s.impl_->data = p;
  s.impl_->nbytes = nbytes;
  s.impl_->device = device;
  s.impl_->release = [](void* q) { std::free(q); };
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

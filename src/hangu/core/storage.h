#pragma once
// Reference-counted bytes on one device. Views of a tensor share one Storage.
#include <cstdint>
#include <functional>
#include <memory>

#include "hangu/core/device.h"

namespace hangu {

inline constexpr int64_t kStorageAlignment = 64;  // bytes: one cache line, one AVX-512 register

class Storage {
 public:
  Storage() = default;
  // Allocates `nbytes` bytes aligned to kStorageAlignment (uninitialised) from the caching allocator
  // (core/allocator.h). Throws OutOfMemory.
  static Storage allocate(int64_t nbytes, Device device = kCPU);
  // Wraps memory owned elsewhere (e.g. a memory-mapped file); `release` runs when the last user goes.
  static Storage wrap(void* data, int64_t nbytes, std::function<void(void*)> release, Device device = kCPU);

  bool defined() const { return impl_ != nullptr; }
  void* data() const { return impl_ ? impl_->data : nullptr; }
  int64_t nbytes() const { return impl_ ? impl_->nbytes : 0; }
  Device device() const { return impl_ ? impl_->device : kCPU; }
  bool is_same(const Storage& o) const { return impl_ == o.impl_; }
  long use_count() const { return impl_.use_count(); }

 private:
  struct Impl {
    void* data = nullptr;
    int64_t nbytes = 0;  // bytes
    Device device;
    std::function<void(void*)> release;
    ~Impl() {
      if (release) release(data);
    }
  };
  std::shared_ptr<Impl> impl_;
};

}  // namespace hangu

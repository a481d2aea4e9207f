#pragma once
// A read-only view of a whole file through mmap. Pages are mapped private and writable
// (copy-on-write): a tensor viewing the mapping may be modified in memory, the file never is.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace hangu::io {

class MappedFile {
 public:
  // Throws IoError naming the path when it cannot be opened, is not a regular file, or mapped.
  static std::shared_ptr<MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  uint8_t* data() const { return data_; }  // nullptr for an empty file
  size_t size() const { return size_; }    // bytes
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  std::string path_;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace hangu::io

#pragma once
// Crash-safe file replacement: write a temporary file in the same folder, fsync it, rename it over
// the target, fsync the folder. A crash at any point leaves either the old file or the new one.
#include <cstddef>
#include <string>
#include <string_view>

namespace hangu::io {

// Streams bytes into `path` atomically. Nothing is visible at `path` until commit(); a writer
// destroyed without commit() removes its temporary file. Errors throw IoError naming the path.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, size_t nbytes);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  // fsync, rename over the target, fsync the folder.
  void commit();

 private:
  [[noreturn]] void fail(const char* step, int err);
  void flush_buffer();

  std::string path_, tmp_path_;
  int fd_ = -1;
  bool committed_ = false;
  std::string buffer_;  // small writes are gathered here
};

// Writes `bytes` to `path` atomically (see AtomicFileWriter).
void write_file_atomic(const std::string& path, std::string_view bytes);
// Reads a whole file. Throws IoError naming the path.
std::string read_file(const std::string& path);

}  // namespace hangu::io

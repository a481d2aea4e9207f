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
  // fsync, rename over the target, fsync the folder. Test hook: HANGU_TEST_SLOW_SAVE_MS=N sleeps
  // N ms before the rename, so the kill test can kill a process in the middle of a save.
  void commit();

 private:
  [[noreturn]] void fail(const char* step, int err);
  void flush_buffer();

  std::string path_, tmp_path_;
  int fd_ = -1;
  bool committed_ = false;
  std::string buffer_;  // small writes are gathered here
};

// Removes the temporary files "<path>.tmp.<pid>.<n>" left by writers whose process has died
// (killed during a save); those of live processes are kept. Never throws.
void remove_stale_temporaries(const std::string& path);

// Writes `bytes` to `path` atomically (see AtomicFileWriter).
void write_file_atomic(const std::string& path, std::string_view bytes);
// Reads a whole file. Throws IoError naming the path.
std::string read_file(const std::string& path);

}  // namespace hangu::io

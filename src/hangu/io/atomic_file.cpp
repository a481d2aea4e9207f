#include "hangu/io/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "hangu/core/error.h"

namespace hangu::io {
namespace {

constexpr size_t kBufferBytes = size_t{1} << 20;  // gather small writes into 1 MiB syscalls

std::string folder_of(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool write_all(int fd, const char* p, size_t n, int* err) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      *err = errno;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// HANGU_TEST_SLOW_SAVE_MS=N: the kill test widens the window between a complete temporary file
// and its rename, so SIGKILL lands inside saves.
void slow_save_for_tests() {
  const char* v = std::getenv("HANGU_TEST_SLOW_SAVE_MS");
  if (!v || !*v) return;
  long ms = std::strtol(v, nullptr, 10);
  if (ms > 0 && ms <= 60'000) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// The pid in "<name>.tmp.<pid>.<n>", or -1.
long temporary_pid(const std::string& file, const std::string& prefix) {
  if (file.size() <= prefix.size() || file.compare(0, prefix.size(), prefix) != 0) return -1;
  const char* p = file.c_str() + prefix.size();
  char* end = nullptr;
  long pid = std::strtol(p, &end, 10);
  if (end == p || *end != '.' || pid <= 0) return -1;
  for (const char* q = end + 1; *q; ++q)
    if (*q < '0' || *q > '9') return -1;
  return end[1] ? pid : -1;
}

}  // namespace

void remove_stale_temporaries(const std::string& path) {
  const std::string folder = folder_of(path);
  const size_t slash = path.find_last_of('/');
  const std::string prefix = (slash == std::string::npos ? path : path.substr(slash + 1)) + ".tmp.";
  DIR* d = ::opendir(folder.c_str());
  if (!d) return;
  std::vector<std::string> stale;
  while (const dirent* e = ::readdir(d)) {
    long pid = temporary_pid(e->d_name, prefix);
    // kill(pid, 0) fails with ESRCH only when no such process exists.
    if (pid > 0 && pid != ::getpid() && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
      stale.push_back(folder + "/" + e->d_name);
  }
  ::closedir(d);
  for (const std::string& f : stale) ::unlink(f.c_str());
}

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)) {
  static std::atomic<unsigned> counter{0};
  tmp_path_ = path_ + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  fd_ = ::open(tmp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd_ < 0) throw IoError(MsgId::io_write_failed, path_, "create temporary file " + tmp_path_, std::strerror(errno));
  // Keep the permissions of a file being replaced.
  struct stat st;
  if (::stat(path_.c_str(), &st) == 0) (void)::fchmod(fd_, st.st_mode & 07777);
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_path_.c_str());
}

void AtomicFileWriter::fail(const char* step, int err) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(tmp_path_.c_str());
  throw IoError(MsgId::io_write_failed, path_, step, std::strerror(err));
}

void AtomicFileWriter::flush_buffer() {
  int err = 0;
  if (!write_all(fd_, buffer_.data(), buffer_.size(), &err)) fail("write", err);
  buffer_.clear();
}

void AtomicFileWriter::write(const void* data, size_t nbytes) {
  if (fd_ < 0) throw IoError(MsgId::io_write_failed, path_, "write", "the file is already closed");
  if (buffer_.size() + nbytes <= kBufferBytes) {
    buffer_.append(static_cast<const char*>(data), nbytes);
    return;
  }
  flush_buffer();
  if (nbytes <= kBufferBytes) {
    buffer_.append(static_cast<const char*>(data), nbytes);
    return;
  }
  int err = 0;
  if (!write_all(fd_, static_cast<const char*>(data), nbytes, &err)) fail("write", err);
}

void AtomicFileWriter::commit() {
  if (fd_ < 0) throw IoError(MsgId::io_write_failed, path_, "commit", "the file is already closed");
  flush_buffer();
  if (::fsync(fd_) != 0) fail("fsync", errno);
  slow_save_for_tests();
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp_path_.c_str());
    throw IoError(MsgId::io_write_failed, path_, "close", std::strerror(err));
  }
  if (::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp_path_.c_str());
    throw IoError(MsgId::io_write_failed, path_, "rename", std::strerror(err));
  }
  committed_ = true;
  // Make the rename itself durable. Some file systems cannot fsync a folder (EINVAL): ignore that.
  int dfd = ::open(folder_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    int rc = ::fsync(dfd);
    int err = errno;
    ::close(dfd);
    if (rc != 0 && err != EINVAL && err != EROFS)
      throw IoError(MsgId::io_write_failed, path_, "fsync of the folder", std::strerror(err));
  }
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  AtomicFileWriter w(path);
  w.write(bytes);
  w.commit();
}

std::string read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(MsgId::io_open_failed, path, std::strerror(errno));
  std::string out;
  char buf[1 << 16];
  while (true) {
    ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      throw IoError(MsgId::io_read_failed, path, std::strerror(err));
    }
    if (r == 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  ::close(fd);
  return out;
}

}  // namespace hangu::io

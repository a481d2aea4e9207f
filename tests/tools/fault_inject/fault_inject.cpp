// LD_PRELOAD shim for the fault-injection tests (tests/unit/test_faults.cpp): makes the N-th call of
// write, fsync or rename fail with a chosen errno, as a full disk or a failing drive would.
//
//   HANGU_FAULT_OP=write|fsync|rename   which call fails
//   HANGU_FAULT_NTH=N                   the N-th matching call (1-based) fails ...
//   HANGU_FAULT_PERSIST=1               ... and every later one too (a disk stays full)
//   HANGU_FAULT_ERRNO=ENOSPC|EIO|EDQUOT|EROFS   (default ENOSPC)
//   HANGU_FAULT_PATH=text               only calls on files whose path contains `text` count
//                                       (write/fsync: the path behind the fd; rename: either name)
//
// write counts only regular files, so the program's messages on a terminal or pipe still go out.
#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

enum class Op { none, write, fsync, rename };

struct Config {
  Op op = Op::none;
  long nth = 0;
  bool persist = false;
  int err = ENOSPC;
  const char* path = nullptr;
};

const Config& config() {
  static const Config c = [] {
    Config r;
    const char* op = std::getenv("HANGU_FAULT_OP");
    const char* nth = std::getenv("HANGU_FAULT_NTH");
    if (!op || !nth) return r;
    if (std::strcmp(op, "write") == 0) r.op = Op::write;
    if (std::strcmp(op, "fsync") == 0) r.op = Op::fsync;
    if (std::strcmp(op, "rename") == 0) r.op = Op::rename;
    r.nth = std::strtol(nth, nullptr, 10);
    const char* persist = std::getenv("HANGU_FAULT_PERSIST");
    r.persist = persist && std::strcmp(persist, "1") == 0;
    if (const char* e = std::getenv("HANGU_FAULT_ERRNO")) {
      if (std::strcmp(e, "EIO") == 0) r.err = EIO;
      if (std::strcmp(e, "EDQUOT") == 0) r.err = EDQUOT;
      if (std::strcmp(e, "EROFS") == 0) r.err = EROFS;
    }
    const char* path = std::getenv("HANGU_FAULT_PATH");
    r.path = path && *path ? path : nullptr;
    return r;
  }();
  return c;
}

std::atomic<long> g_calls{0};

bool fd_path_matches(int fd, bool regular_only) {
  struct stat st;
  if (regular_only && (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) return false;
  const char* want = config().path;
  if (!want) return true;
  char link[64], target[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = ::readlink(link, target, sizeof target - 1);
  if (n < 0) return false;
  target[n] = '\0';
  return std::strstr(target, want) != nullptr;
}

// Counts a matching call; true when it must fail (errno is then set).
bool should_fail(Op op, bool matches) {
  const Config& c = config();
  if (c.op != op || !matches) return false;
  long k = g_calls.fetch_add(1) + 1;
  if (k == c.nth || (c.persist && k > c.nth)) {
    errno = c.err;
    return true;
  }
  return false;
}

template <typename F>
F next(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

ssize_t write(int fd, const void* buf, size_t n) {
  static const auto real = next<ssize_t (*)(int, const void*, size_t)>("write");
  if (config().op == Op::write && should_fail(Op::write, fd_path_matches(fd, true))) return -1;
  return real(fd, buf, n);
}

int fsync(int fd) {
  static const auto real = next<int (*)(int)>("fsync");
  if (config().op == Op::fsync && should_fail(Op::fsync, fd_path_matches(fd, false))) return -1;
  return real(fd);
}

int rename(const char* from, const char* to) noexcept {
  static const auto real = next<int (*)(const char*, const char*)>("rename");
  if (config().op == Op::rename) {
    const char* want = config().path;
    bool matches = !want || std::strstr(from, want) || std::strstr(to, want);
    if (should_fail(Op::rename, matches)) return -1;
  }
  return real(from, to);
}

}  // extern "C"

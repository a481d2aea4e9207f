#pragma once
// Runs the built `hangu` program from a test (HANGU_BIN_DIR is set by tests/CMakeLists.txt).
#include <sys/wait.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>

namespace hangu::test_cli {

struct Result {
  std::string out;
  int code = -1;
};

// Runs a shell command; its stdout (add "2>&1" to the command for stderr too) and exit code.
inline Result run_shell(const std::string& cmd) {
  Result r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Runs `hangu <args>` under the given LANG (LC_ALL, LC_MESSAGES and HANGU_NUM_THREADS removed,
// as they would win). `streams` picks what is captured: "2>&1" for both, "2>&1 >/dev/null" for
// stderr only. `env` adds variables ("HANGU_NUM_THREADS=5").
inline Result run_hangu(const std::string& args, const std::string& lang = "en_US.UTF-8",
                        const std::string& streams = "2>&1", const std::string& env = "") {
  return run_shell("env -u LC_ALL -u LC_MESSAGES -u HANGU_NUM_THREADS LANG=" + lang + " " + env + " '" +
                   HANGU_BIN_DIR + "/hangu' " + args + " " + streams);
}

inline int64_t count_lines(const std::string& s) { return std::count(s.begin(), s.end(), '\n'); }
inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace hangu::test_cli

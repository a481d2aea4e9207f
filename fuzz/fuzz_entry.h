#pragma once
// The entry of a fuzz target. Each fuzz/fuzz_<name>.cpp defines its entry with
//
//   HANGU_FUZZ_ENTRY(name) { ...parse data[0, size)...; return 0; }
//
// which is the plain function `int fuzz_<name>(const uint8_t* data, size_t size)`. The test suite
// (tests/unit/test_fuzz_regressions.cpp) calls it on every committed seed and regression input;
// built with HANGU_FUZZ (cmake/HanguFuzz.cmake) the same function is libFuzzer's entry point.
//
// An entry must return 0 for any input. Hangu's typed errors (hangu::Error) are the expected
// answer to a bad file and are caught by the entry; anything else escaping it (std::bad_alloc,
// std::length_error, a crash, a sanitizer report, a failed HANGU_FUZZ_CHECK) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#ifdef HANGU_LIBFUZZER
#define HANGU_FUZZ_ENTRY(name)                                                                  \
  int fuzz_##name(const uint8_t* data, size_t size);                                           \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {                    \
    return fuzz_##name(data, size);                                                            \
  }                                                                                            \
  int fuzz_##name(const uint8_t* data, size_t size)
#else
#define HANGU_FUZZ_ENTRY(name) int fuzz_##name(const uint8_t* data, size_t size)
#endif

// An invariant of a loader (e.g. a round trip) that must hold for every accepted input.
#define HANGU_FUZZ_CHECK(cond)                                                            \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)

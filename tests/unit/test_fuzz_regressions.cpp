// Fuzzing (issue 8): every committed seed (fuzz/corpus/<target>/) and every input that once made a
// fuzz target fail (tests/fixtures/fuzz_regressions/<target>/) goes through the same entry
// function the fuzzer calls (fuzz/fuzz_<target>.cpp). An entry returns 0 for any input; a crash, a
// sanitizer report or a failed invariant fails this test. The targets come from the generated
// table of cmake/HanguFuzz.cmake, so a new fuzz/fuzz_<name>.cpp is covered without editing this file.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "hangu_fuzz_entries.h"

namespace fs = std::filesystem;

namespace {

const fs::path kSource = HANGU_SOURCE_DIR;

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename().string()[0] != '.') out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

int run_entry(const HanguFuzzEntry& e, const fs::path& file) {
  std::string bytes = read_bytes(file);
  // A copy of exactly the input's size, so ASan sees any read past its end.
  std::vector<uint8_t> buf(bytes.begin(), bytes.end());
  return e.fn(buf.empty() ? nullptr : buf.data(), buf.size());
}

TEST(FuzzRegressions, EveryTargetHasASeedCorpus) {
  ASSERT_GE(std::size(kHanguFuzzEntries), 6u);
  for (const HanguFuzzEntry& e : kHanguFuzzEntries)
    EXPECT_GE(files_in(kSource / "fuzz" / "corpus" / e.name).size(), 3u) << e.name;
}

TEST(FuzzRegressions, SeedsRunThroughTheirTargets) {
  for (const HanguFuzzEntry& e : kHanguFuzzEntries)
    for (const fs::path& f : files_in(kSource / "fuzz" / "corpus" / e.name)) EXPECT_EQ(run_entry(e, f), 0) << f;
}

TEST(FuzzRegressions, CrashInputsRunThroughTheirTargets) {
  const fs::path root = kSource / "tests" / "fixtures" / "fuzz_regressions";
  std::set<std::string> names;
  for (const HanguFuzzEntry& e : kHanguFuzzEntries) {
    names.insert(e.name);
    for (const fs::path& f : files_in(root / e.name)) EXPECT_EQ(run_entry(e, f), 0) << f;
  }
  // A folder of regression inputs without its target would silently test nothing.
  if (!fs::is_directory(root)) return;
  for (const auto& d : fs::directory_iterator(root)) {
    if (d.is_directory()) {
      EXPECT_TRUE(names.count(d.path().filename().string())) << d.path();
    }
  }
}

TEST(FuzzRegressions, EmptyAndTinyInputs) {
  for (const HanguFuzzEntry& e : kHanguFuzzEntries) {
    EXPECT_EQ(e.fn(nullptr, 0), 0) << e.name;
    for (int b = 0; b < 256; ++b) {
      const uint8_t byte = static_cast<uint8_t>(b);
      EXPECT_EQ(e.fn(&byte, 1), 0) << e.name << " byte " << b;
    }
  }
}

}  // namespace

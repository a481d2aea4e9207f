// Robustness helpers (issue 8): the checked size arithmetic every loader uses, the clean-up of
// temporary files left by a killed save, and checkpoints parsed from memory.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "hangu/core/checked_math.h"
#include "hangu/core/error.h"
#include "hangu/io/atomic_file.h"
#include "hangu/io/checkpoint.h"
#include "hangu/io/npy.h"
#include "hangu/io/safetensors.h"
#include "hangu/ops/creation.h"

namespace fs = std::filesystem;

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

TEST(CheckedMath, MultiplyAndAdd) {
  int64_t r = 0;
  EXPECT_TRUE(hangu::try_mul(int64_t{1} << 31, int64_t{1} << 31, &r));
  EXPECT_EQ(r, int64_t{1} << 62);
  EXPECT_FALSE(hangu::try_mul(int64_t{1} << 32, int64_t{1} << 31, &r));
  EXPECT_FALSE(hangu::try_mul(-kMax - 1, -1, &r));
  EXPECT_TRUE(hangu::try_add(kMax - 1, 1, &r));
  EXPECT_EQ(r, kMax);
  EXPECT_FALSE(hangu::try_add(kMax, 1, &r));
  EXPECT_THROW(hangu::checked_mul(kMax, 2), hangu::ValueError);
  EXPECT_THROW(hangu::checked_add(kMax, 1), hangu::ValueError);
  EXPECT_EQ(hangu::checked_mul(3, 5), 15);
}

TEST(CheckedMath, ShapeProductAndByteSize) {
  const std::vector<int64_t> ok = {2, 3, 4}, empty = {}, zero = {0, kMax}, negative = {2, -1},
                             huge = {int64_t{1} << 32, int64_t{1} << 32};
  EXPECT_EQ(hangu::try_numel(ok), 24);
  EXPECT_EQ(hangu::try_numel(empty), 1);
  EXPECT_EQ(hangu::try_numel(zero), 0);
  EXPECT_EQ(hangu::try_numel(negative), std::nullopt);
  EXPECT_EQ(hangu::try_numel(huge), std::nullopt);
  EXPECT_EQ(hangu::try_nbytes(ok, 8), 192);
  const std::vector<int64_t> edge = {int64_t{1} << 61};
  EXPECT_EQ(hangu::try_nbytes(edge, 4), std::nullopt);  // 2^63 does not fit
  EXPECT_EQ(hangu::try_nbytes(edge, 2), int64_t{1} << 62);
  EXPECT_THROW(hangu::checked_numel(huge), hangu::ValueError);
  EXPECT_THROW(hangu::checked_nbytes(negative, 4), hangu::ValueError);
  EXPECT_EQ(hangu::checked_nbytes(ok, 2), 48);
}

TEST(CheckedMath, LayoutExtent) {
  const std::vector<int64_t> ok = {0, 5, 3}, huge = {0, int64_t{1} << 40, int64_t{1} << 40}, negative = {1, -2};
  EXPECT_EQ(hangu::try_numel(huge), 0);  // no elements ...
  EXPECT_EQ(hangu::try_layout_extent(huge), std::nullopt);  // ... yet its strides cannot be represented
  EXPECT_EQ(hangu::try_layout_extent(ok), 15);
  EXPECT_EQ(hangu::try_layout_extent(negative), std::nullopt);
  EXPECT_THROW(hangu::empty({0, int64_t{1} << 40, int64_t{1} << 40}), hangu::ValueError);
  EXPECT_EQ(hangu::empty({0, int64_t{1} << 30, int64_t{1} << 30}).strides(),
            (hangu::Strides{int64_t{1} << 60, int64_t{1} << 30, 1}));
}

// The inputs the fuzzers found (tests/fixtures/fuzz_regressions/) now fail with a FormatError that
// names the file and the shape; before the fix the strides of the empty tensor overflowed (UB).
TEST(FuzzFindings, ZeroSizedTensorsWithHugeDims) {
  hangu::set_language(hangu::Lang::en);
  const fs::path dir = fs::path(HANGU_FIXTURE_DIR) / "fuzz_regressions";
  std::string npy = hangu::io::read_file((dir / "npy" / "zero_dim_huge_strides-27b97072").string());
  try {
    (void)hangu::io::parse_npy(npy.data(), npy.size(), "x.npy");
    ADD_FAILURE() << "accepted";
  } catch (const hangu::FormatError& e) {
    EXPECT_EQ(std::string(e.what()),
              "x.npy: data overflows 64-bit size arithmetic (shape [0, 99, 99999999000000, 999])");
  }
  std::string st = hangu::io::read_file((dir / "safetensors" / "zero_dim_huge_strides").string());
  try {
    (void)hangu::io::parse_safetensors(st.data(), st.size(), "x.safetensors");
    ADD_FAILURE() << "accepted";
  } catch (const hangu::FormatError& e) {
    EXPECT_EQ(std::string(e.what()),
              "x.safetensors: tensor 'w' overflows 64-bit size arithmetic (shape [0, 1099511627776, 1099511627776])");
  }
}

TEST(AtomicFile, StaleTemporariesOfDeadProcessesAreRemoved) {
  const fs::path dir = fs::temp_directory_path() / ("hangu_stale_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  // A process that has exited: its pid names no process any more (it was reaped).
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  waitpid(dead, nullptr, 0);
  const std::string target = (dir / "checkpoint.safetensors").string();
  const std::vector<std::string> stale = {target + ".tmp." + std::to_string(dead) + ".0",
                                          target + ".tmp." + std::to_string(dead) + ".17"};
  const std::vector<std::string> kept = {
      target + ".tmp." + std::to_string(getpid()) + ".3",            // this process: a save may be running
      target + ".tmp." + std::to_string(getppid()) + ".0",           // a live process
      (dir / "model.safetensors.tmp.").string() + std::to_string(dead) + ".0",  // another file's
      target + ".tmp.x.0", target + ".tmp." + std::to_string(dead), target};
  for (const auto& f : stale) std::ofstream(f) << "partial";
  for (const auto& f : kept) std::ofstream(f) << "keep";
  hangu::io::remove_stale_temporaries(target);
  for (const auto& f : stale) EXPECT_FALSE(fs::exists(f)) << f;
  for (const auto& f : kept) EXPECT_TRUE(fs::exists(f)) << f;
  hangu::io::remove_stale_temporaries((dir / "missing" / "x").string());  // no folder: nothing happens
  fs::remove_all(dir);
}

TEST(Checkpoint, ParsedFromMemoryLikeFromAFile) {
  const fs::path dir = fs::temp_directory_path() / ("hangu_ckpt_mem_" + std::to_string(getpid()));
  fs::create_directories(dir);
  hangu::io::Checkpoint c;
  c.tensors = {{"w", hangu::arange(0, 6, 1, hangu::DType::f32)}};
  c.meta_json = R"({"step":3})";
  hangu::io::save_checkpoint((dir / "c.safetensors").string(), c);
  std::string bytes = hangu::io::read_file((dir / "c.safetensors").string());
  hangu::io::Checkpoint m = hangu::io::parse_checkpoint(bytes.data(), bytes.size(), "memory");
  EXPECT_EQ(m.meta_json, R"({"step":3})");
  ASSERT_EQ(m.tensors.size(), 1u);
  // One flipped bit in the tensor bytes (the last byte of the file) fails the checksum.
  bytes.back() = static_cast<char>(bytes.back() ^ 1);
  hangu::set_language(hangu::Lang::en);
  try {
    (void)hangu::io::parse_checkpoint(bytes.data(), bytes.size(), "memory");
    ADD_FAILURE() << "a corrupt checkpoint was accepted";
  } catch (const hangu::FormatError& e) {
    EXPECT_EQ(e.id(), hangu::MsgId::ckpt_checksum);
    EXPECT_NE(std::string(e.what()).find("memory: tensor 'w' fails its checksum"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

}  // namespace

// Crash-safe training (issue 8): `hangu train` killed with SIGKILL at random moments and during
// saves, resumed each time, ends with the same weights as an uninterrupted run, bit for bit; a
// loadable checkpoint always exists and at most one checkpoint interval is lost. The suite runs a
// few rounds on a small MNIST subset; scripts/kill_test.sh runs 50 on data/mnist-10k.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "kill_resume.h"

namespace {

std::string fresh_dir(const std::string& name) {
  std::string dir = std::filesystem::temp_directory_path().string() + "/hangu_" + name + "_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(KillResume, KilledRunsEndWithTheUninterruptedWeights) {
  const std::string work = fresh_dir("kill_resume");
  hangu::kill_test::write_mnist_subset(std::string(HANGU_SOURCE_DIR) + "/data/mnist-10k", work + "/data", 192, 64);
  hangu::kill_test::Options o;
  o.hangu = std::string(HANGU_BIN_DIR) + "/hangu";
  o.data = work + "/data";
  o.work = work;
  o.epochs = 2;          // 2 x 24 batches of 8: the runs cross an epoch boundary
  o.checkpoint_every = 5;  // not a divisor of 24: interval saves and epoch-end saves interleave
  o.rounds = 6;
  o.max_random_delay_ms = 150;
  hangu::kill_test::Report r = hangu::kill_test::run(o);
  for (const std::string& f : r.failures) ADD_FAILURE() << f;
  EXPECT_EQ(r.kills, o.rounds);
  EXPECT_GE(r.kills_in_save, 1);
  EXPECT_GE(r.cycles_compared, 1);
  EXPECT_LE(r.max_lost_steps, o.checkpoint_every);
  if (r.failures.empty()) std::filesystem::remove_all(work);
}

}  // namespace

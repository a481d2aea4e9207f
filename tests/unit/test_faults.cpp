// Faults (issue 8): disk full and I/O errors injected into write, fsync and rename by an LD_PRELOAD
// shim (tests/tools/fault_inject/) leave the previous checkpoint intact and exit 1 with one clear
// line in the user's language; a failed allocation (core/alloc_fault.h), swept over every
// allocation of a small training run, raises OutOfMemory cleanly and training goes on afterwards.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>

#include "cli_util.h"
#include "hangu/core/alloc_fault.h"
#include "hangu/core/error.h"
#include "hangu/data/dataloader.h"
#include "hangu/io/checkpoint.h"
#include "hangu/models/registry.h"
#include "hangu/nn/module.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/nn_functional.h"
#include "hangu/optim/sgd.h"
#include "kill_resume.h"

namespace fs = std::filesystem;

namespace {

using hangu::test_cli::contains;
using hangu::test_cli::count_lines;
using hangu::test_cli::Result;

std::string read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

int count_temporaries(const fs::path& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (contains(e.path().filename().string(), ".tmp.")) ++n;
  return n;
}

int64_t checkpoint_step(const fs::path& p) {
  hangu::io::Checkpoint c = hangu::io::load_checkpoint(p.string());  // verifies every CRC32
  return hangu::io::Json::parse(c.meta_json, "meta").find("position")->find("global_step")->as_int();
}

// One folder per test: a small MNIST subset and a run directory holding a checkpoint at step 4.
class Faults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::temp_directory_path() / ("hangu_faults_" + std::to_string(getpid()));
    fs::remove_all(root_);
    hangu::kill_test::write_mnist_subset(std::string(HANGU_SOURCE_DIR) + "/data/mnist-10k", (root_ / "data").string(),
                                         64, 32);
    Result r = run(root_ / "first", "--steps 4");
    ASSERT_EQ(r.code, 0) << r.out;
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }

  void SetUp() override {
    out_ = root_ / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(out_);
    fs::copy(root_ / "first", out_);
    before_ = read_bytes(out_ / "checkpoint.safetensors");
  }

  // `hangu train` on the subset into `out`, with `env` (the fault) and the user's language.
  static Result run(const fs::path& out, const std::string& args, const std::string& env = "",
                    const std::string& lang = "en_US.UTF-8") {
    std::string e = env.empty() ? ""
                                : "LD_PRELOAD=" + std::string(HANGU_FAULT_SHIM) +
                                      " ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=1 " + env;
    return hangu::test_cli::run_hangu("--threads 1 train --model mlp --data " + (root_ / "data").string() +
                                          " --batch-size 8 --out " + out.string() + " " + args,
                                      lang, "2>&1 >/dev/null", e);  // stderr: the error line
  }
  Result resume(const std::string& env, const std::string& lang = "en_US.UTF-8", const std::string& extra = "") {
    return run(out_, "--steps 8 --resume " + (out_ / "checkpoint.safetensors").string() + " " + extra, env, lang);
  }

  // The checkpoint is the one from before, byte for byte, it loads, and no temporary file is left.
  void expect_previous_checkpoint_intact() {
    EXPECT_EQ(read_bytes(out_ / "checkpoint.safetensors"), before_);
    EXPECT_EQ(checkpoint_step(out_ / "checkpoint.safetensors"), 4);
    EXPECT_EQ(count_temporaries(out_), 0);
  }

  static inline fs::path root_;
  fs::path out_;
  std::string before_;
};

TEST_F(Faults, DiskFullWhileWritingTheCheckpoint) {
  Result r = resume("HANGU_FAULT_OP=write HANGU_FAULT_NTH=1 HANGU_FAULT_PATH=checkpoint.safetensors");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_TRUE(contains(r.out, "hangu: error: ")) << r.out;
  EXPECT_TRUE(contains(r.out, "checkpoint.safetensors: writing failed during write: No space left on device")) << r.out;
  expect_previous_checkpoint_intact();
}

TEST_F(Faults, DiskStaysFullForEveryWrite) {
  // The weights file is written first: its failure stops the save before the checkpoint is touched.
  Result r = resume("HANGU_FAULT_OP=write HANGU_FAULT_NTH=1 HANGU_FAULT_PERSIST=1");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_TRUE(contains(r.out, "model.safetensors: writing failed during write: No space left on device")) << r.out;
  expect_previous_checkpoint_intact();
}

TEST_F(Faults, IoErrorOnFsyncOfTheCheckpoint) {
  Result r = resume("HANGU_FAULT_OP=fsync HANGU_FAULT_NTH=1 HANGU_FAULT_ERRNO=EIO HANGU_FAULT_PATH=checkpoint.safetensors");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_TRUE(contains(r.out, "checkpoint.safetensors: writing failed during fsync: Input/output error")) << r.out;
  expect_previous_checkpoint_intact();
}

TEST_F(Faults, IoErrorOnRenameOfTheCheckpoint) {
  Result r =
      resume("HANGU_FAULT_OP=rename HANGU_FAULT_NTH=1 HANGU_FAULT_ERRNO=EIO HANGU_FAULT_PATH=checkpoint.safetensors");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_TRUE(contains(r.out, "checkpoint.safetensors: writing failed during rename: Input/output error")) << r.out;
  expect_previous_checkpoint_intact();
}

TEST_F(Faults, IoErrorOnFsyncOfTheFolder) {
  // fsync 1 is the new weights file, 2 its folder after the rename: the error is still reported.
  Result r = resume("HANGU_FAULT_OP=fsync HANGU_FAULT_NTH=2 HANGU_FAULT_ERRNO=EIO");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_TRUE(contains(r.out, "model.safetensors: writing failed during fsync of the folder: Input/output error"))
      << r.out;
  expect_previous_checkpoint_intact();
}

TEST_F(Faults, ErrorLineInChinese) {
  Result r = resume("HANGU_FAULT_OP=write HANGU_FAULT_NTH=1 HANGU_FAULT_PATH=checkpoint.safetensors", "zh_CN.UTF-8");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_TRUE(contains(r.out, "hangu：错误：")) << r.out;
  EXPECT_TRUE(contains(r.out, "checkpoint.safetensors：写入失败（write）")) << r.out;
  expect_previous_checkpoint_intact();
}

TEST_F(Faults, FailedIntervalSaveKeepsTheLastGoodOne) {
  // Resumed at step 4 with --checkpoint-every 2, the run saves at step 6 (an interval) and at step 8
  // (the end of the epoch of 8 batches); one rename per save: the second fails. The checkpoint of
  // step 6 is what remains, so at most one interval is lost.
  Result r = resume("HANGU_FAULT_OP=rename HANGU_FAULT_NTH=2 HANGU_FAULT_ERRNO=EIO HANGU_FAULT_PATH=checkpoint.safetensors",
                    "en_US.UTF-8", "--steps 10 --checkpoint-every 2");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_TRUE(contains(r.out, "checkpoint.safetensors: writing failed during rename: Input/output error")) << r.out;
  EXPECT_EQ(checkpoint_step(out_ / "checkpoint.safetensors"), 6);
  EXPECT_EQ(count_temporaries(out_), 0);
}

// --- allocation failures ---

// A small training run in process: model, optimizer, a DataLoader with a worker thread, 2 steps.
void small_training_run() {
  using namespace hangu;
  manual_seed(3);
  std::shared_ptr<nn::Module> model = models::create("mlp");
  optim::SGDOptions so;
  so.lr = 0.01;
  so.momentum = 0.9;
  optim::SGD opt(model->parameters(), so);
  auto ds = std::make_shared<data::TensorDataset>(randn({8, 1, 28, 28}), arange(0, 8, 1, DType::i64));
  data::DataLoader loader(ds, data::DataLoaderOptions{4, true, 1, false, 1, 2});
  auto it = loader.epoch(0);
  while (auto b = it.next()) {
    Tensor loss = cross_entropy((*model)(b->data), b->target);
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
}

TEST(AllocFault, EveryAllocationOfATrainingRunFailsCleanly) {
  hangu::set_alloc_fault(std::numeric_limits<int64_t>::max());  // armed far away: counts only
  small_training_run();
  const int64_t total = hangu::alloc_fault_count();
  hangu::set_alloc_fault(0);
  ASSERT_GT(total, 50);
  int64_t raised = 0;
  for (int64_t n = 1; n <= total; ++n) {
    hangu::set_alloc_fault(n);
    try {
      small_training_run();
      ADD_FAILURE() << "allocation " << n << " of " << total << " failed but the run went on";
    } catch (const hangu::OutOfMemory& e) {
      ++raised;
      EXPECT_EQ(e.id(), hangu::MsgId::out_of_memory);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "allocation " << n << ": expected OutOfMemory, got: " << e.what();
    }
    EXPECT_TRUE(hangu::alloc_fault_fired()) << n;
    hangu::set_alloc_fault(0);
  }
  EXPECT_EQ(raised, total);
  small_training_run();  // and everything works again
}

TEST(AllocFault, CliExitsOneWithOneLine) {
  const fs::path dir = fs::temp_directory_path() / ("hangu_alloc_fault_" + std::to_string(getpid()));
  hangu::kill_test::write_mnist_subset(std::string(HANGU_SOURCE_DIR) + "/data/mnist-10k", (dir / "data").string(), 32,
                                       16);
  // A run of 2 steps allocates about 160 times: each of these fails somewhere inside it.
  for (int n : {1, 2, 3, 10, 30, 100}) {
    Result r = hangu::test_cli::run_hangu(
        "--threads 2 train --model mlp --data " + (dir / "data").string() + " --steps 2 --batch-size 4", "en_US.UTF-8",
        "2>&1 >/dev/null", "HANGU_FAULT_ALLOC=" + std::to_string(n));
    EXPECT_EQ(r.code, 1) << n << ": " << r.out;
    EXPECT_EQ(count_lines(r.out), 1) << n << ": " << r.out;
    EXPECT_TRUE(contains(r.out, "hangu: error: out of memory: failed to allocate ")) << n << ": " << r.out;
  }
  Result zh = hangu::test_cli::run_hangu("--threads 2 train --model mlp --data " + (dir / "data").string() + " --steps 2",
                                         "zh_CN.UTF-8", "2>&1 >/dev/null", "HANGU_FAULT_ALLOC=5");
  EXPECT_EQ(zh.code, 1) << zh.out;
  EXPECT_TRUE(contains(zh.out, "hangu：错误：内存不足：无法分配 ")) << zh.out;
  fs::remove_all(dir);
}

}  // namespace

// Runs the built `hangu train` / `hangu eval` / `hangu bench train` and checks their JSON, exact
// resume, determinism and the answers to bad input (exit code 2, one line, the user's language).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "cli_util.h"
#include "hangu/io/json.h"
#include "hangu/io/safetensors.h"
#include "hangu/models/registry.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/views.h"

namespace fs = std::filesystem;
using hangu::io::Json;

namespace {

using hangu::test_cli::contains;
using hangu::test_cli::count_lines;
using hangu::test_cli::Result;

// `streams` first: most calls here only choose what to capture.
Result run_hangu(const std::string& args, const std::string& streams = "2>&1",
                 const std::string& lang = "en_US.UTF-8") {
  return hangu::test_cli::run_hangu(args, lang, streams);
}

std::string read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

const std::string kMnist = std::string(HANGU_SOURCE_DIR) + "/data/mnist-10k";

void put_be32(std::string& s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xff);
}

// A small uncompressed MNIST-like folder: n_train / n_test images of deterministic noise.
void write_split(const fs::path& dir, const std::string& prefix, int n, uint32_t image_magic = 2051, int cut_bytes = 0,
                 int bad_label_at = -1) {
  std::string img, lab;
  put_be32(img, image_magic);
  put_be32(img, static_cast<uint32_t>(n));
  put_be32(img, 28);
  put_be32(img, 28);
  put_be32(lab, 2049);
  put_be32(lab, static_cast<uint32_t>(n));
  uint32_t state = 12345;
  for (int i = 0; i < n; ++i) {
    int label = i % 10;
    for (int p = 0; p < 28 * 28; ++p) {
      state = state * 1664525u + 1013904223u;
      // A class-dependent stripe plus noise, so training has something to learn.
      int stripe = (p / 28) / 3 == label ? 200 : 0;
      img += static_cast<char>(std::min(255, stripe + static_cast<int>(state >> 27)));
    }
    lab += static_cast<char>(i == bad_label_at ? 11 : label);
  }
  img.resize(img.size() - static_cast<size_t>(cut_bytes));
  std::ofstream(dir / (prefix + "-images-idx3-ubyte"), std::ios::binary) << img;
  std::ofstream(dir / (prefix + "-labels-idx1-ubyte"), std::ios::binary) << lab;
}

class TrainCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hangu_train_cli_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  // A folder of 64 training and 32 test images.
  std::string tiny_data(const std::string& name = "tiny") {
    fs::path d = dir_ / name;
    fs::create_directories(d);
    write_split(d, "train", 64);
    write_split(d, "t10k", 32);
    return d.string();
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

}  // namespace

TEST_F(TrainCli, JsonOutputHasTheKeys) {
  Result r = run_hangu("train --model lenet --data " + kMnist + " --steps 20 --threads 2 --json --out " + path("o"),
                       "2>/dev/null");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  Json j = Json::parse(r.out, "train --json");
  for (const char* key : {"train_loss", "test_accuracy", "samples_per_second", "wall_seconds", "epochs", "steps"})
    EXPECT_NE(j.find(key), nullptr) << key << " missing in " << r.out;
  EXPECT_EQ(j.find("steps")->as_int(), 20);
  EXPECT_EQ(j.find("threads")->as_int(), 2);
  EXPECT_EQ(j.find("test_samples")->as_int(), 2000);
  double acc = j.find("test_accuracy")->as_double();
  EXPECT_GT(acc, 0.15);  // 20 steps already beat chance
  EXPECT_LE(acc, 1.0);
  EXPECT_GT(j.find("samples_per_second")->as_double(), 0.0);
  ASSERT_TRUE(fs::exists(path("o/model.safetensors")));
  ASSERT_TRUE(fs::exists(path("o/checkpoint.safetensors")));

  // The weights load into a fresh model and `hangu eval` reproduces the accuracy.
  Result e = run_hangu("eval --model lenet --weights " + path("o/model.safetensors") + " --data " + kMnist + " --json",
                       "2>/dev/null");
  ASSERT_EQ(e.code, 0) << e.out;
  Json ej = Json::parse(e.out, "eval --json");
  EXPECT_EQ(ej.find("test_accuracy")->as_double(), acc);
  EXPECT_EQ(ej.find("samples")->as_int(), 2000);
  // PyTorch names.
  hangu::io::SafetensorsFile f = hangu::io::load_safetensors(path("o/model.safetensors"));
  EXPECT_NE(f.find("conv1.weight"), nullptr);
  EXPECT_NE(f.find("fc3.bias"), nullptr);
}

TEST_F(TrainCli, TextOutputIsOneLinePerEpochWhenNotATerminal) {
  std::string data = tiny_data();
  Result r = run_hangu("train --model mlp --data " + data + " --epochs 2 --batch-size 16", "2>&1");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "epoch 1/2: loss ")) << r.out;
  EXPECT_TRUE(contains(r.out, "epoch 2/2: loss ")) << r.out;
  EXPECT_TRUE(contains(r.out, "test accuracy ")) << r.out;
  EXPECT_FALSE(contains(r.out, "\r")) << r.out;
  EXPECT_EQ(count_lines(r.out), 4) << r.out;  // header, two epochs, the result
}

// Two epochs in one run == one epoch, save, and a new process resuming for the second.
TEST_F(TrainCli, ResumeAcrossEpochsIsBitExact) {
  std::string data = tiny_data();
  std::string common =
      "train --model lenet --data " + data + " --batch-size 16 --optimizer adamw --lr-schedule exp --ema 0.9";
  ASSERT_EQ(run_hangu(common + " --epochs 2 --out " + path("one")).code, 0);
  ASSERT_EQ(run_hangu(common + " --epochs 1 --out " + path("first")).code, 0);
  Result r = run_hangu("train --data " + data + " --epochs 2 --resume " + path("first/checkpoint.safetensors") +
                           " --out " + path("second") + " --json",
                       "2>/dev/null");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(Json::parse(r.out, "json").find("steps_run")->as_int(), 4);
  std::string one = read_bytes(path("one/model.safetensors"));
  ASSERT_FALSE(one.empty());
  EXPECT_TRUE(one != read_bytes(path("first/model.safetensors")));
  EXPECT_TRUE(one == read_bytes(path("second/model.safetensors"))) << "the resumed weights differ";

  // A cosine schedule spans --epochs; a run stopped by --steps resumes onto the same curve.
  std::string cosine = "train --model mlp --data " + data + " --batch-size 16 --lr-schedule cosine --epochs 2";
  ASSERT_EQ(run_hangu(cosine + " --out " + path("cos_one")).code, 0);
  ASSERT_EQ(run_hangu(cosine + " --steps 5 --out " + path("cos_first")).code, 0);
  ASSERT_EQ(run_hangu("train --data " + data + " --epochs 2 --resume " + path("cos_first/checkpoint.safetensors") +
                      " --out " + path("cos_second"))
                .code,
            0);
  EXPECT_TRUE(read_bytes(path("cos_one/model.safetensors")) == read_bytes(path("cos_second/model.safetensors")))
      << "the resumed cosine run differs";
}

// A run stopped by --steps in the middle of an epoch resumes at the same batch.
TEST_F(TrainCli, ResumeMidEpochIsBitExact) {
  std::string common = "train --model lenet --data " + kMnist + " --momentum 0.9 --weight-decay 5e-4";
  ASSERT_EQ(run_hangu(common + " --steps 12 --out " + path("one")).code, 0);
  ASSERT_EQ(run_hangu(common + " --steps 5 --out " + path("first")).code, 0);
  ASSERT_EQ(run_hangu("train --data " + kMnist + " --steps 12 --resume " + path("first/checkpoint.safetensors") +
                      " --out " + path("second"))
                .code,
            0);
  EXPECT_TRUE(read_bytes(path("one/model.safetensors")) == read_bytes(path("second/model.safetensors")))
      << "the resumed weights differ";
  EXPECT_TRUE(read_bytes(path("one/checkpoint.safetensors")) == read_bytes(path("second/checkpoint.safetensors")))
      << "the resumed checkpoints differ";
}

// Same seed: same bytes, whatever the thread and DataLoader worker counts; another seed differs.
TEST_F(TrainCli, DeterministicAcrossRunsThreadsAndWorkers) {
  std::string data = tiny_data();
  std::string common = "train --model lenet --data " + data + " --batch-size 16 --epochs 2";
  ASSERT_EQ(run_hangu(common + " --seed 7 --threads 1 --out " + path("a")).code, 0);
  ASSERT_EQ(run_hangu(common + " --seed 7 --threads 1 --out " + path("b")).code, 0);
  ASSERT_EQ(run_hangu(common + " --seed 7 --threads 2 --workers 2 --out " + path("c")).code, 0);
  ASSERT_EQ(run_hangu(common + " --seed 8 --threads 2 --out " + path("d")).code, 0);
  ASSERT_EQ(run_hangu(common + " --seed 7 --threads 2 --workers 2 --shift 0 --out " + path("e")).code, 0);
  std::string a = read_bytes(path("a/model.safetensors"));
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == read_bytes(path("b/model.safetensors"))) << "same seed, different weights";
  EXPECT_TRUE(a == read_bytes(path("c/model.safetensors"))) << "threads or workers changed the weights";
  EXPECT_TRUE(a != read_bytes(path("d/model.safetensors"))) << "another seed gave the same weights";
  EXPECT_TRUE(a != read_bytes(path("e/model.safetensors"))) << "--shift 0 (no translation) gave the same weights";
}

TEST_F(TrainCli, InitLoadsWeightsAndEvalAgrees) {
  std::string data = tiny_data();
  ASSERT_EQ(run_hangu("train --model mlp --data " + data + " --steps 3 --batch-size 16 --out " + path("a")).code, 0);
  // --init from those weights with --lr tiny moves them hardly; with 0 steps of change eval agrees.
  Result e1 = run_hangu("eval --model mlp --weights " + path("a/model.safetensors") + " --data " + data + " --json",
                        "2>/dev/null");
  ASSERT_EQ(e1.code, 0) << e1.out;
  Result t = run_hangu("train --model mlp --data " + data + " --steps 1 --batch-size 16 --lr 1e-30 --init " +
                           path("a/model.safetensors") + " --json",
                       "2>/dev/null");
  ASSERT_EQ(t.code, 0) << t.out;
  EXPECT_EQ(Json::parse(t.out, "t").find("test_accuracy")->as_double(),
            Json::parse(e1.out, "e").find("test_accuracy")->as_double());
}

TEST_F(TrainCli, BenchPrintsSamplesPerSecond) {
  Result r = run_hangu("bench train --model mlp --batch-size 8 --steps 2 --warmup 1 --threads 1 --json", "2>/dev/null");
  ASSERT_EQ(r.code, 0) << r.out;
  Json j = Json::parse(r.out, "bench");
  EXPECT_GT(j.find("samples_per_second")->as_double(), 0.0);
  EXPECT_EQ(run_hangu("bench nothing --model mlp").code, 2);
}

// Every bad input: exit code 2 and exactly one line on stderr, nothing on stdout.
TEST_F(TrainCli, BadInputExitsTwoWithOneLine) {
  std::string good = tiny_data("good");
  fs::path magic = dir_ / "magic", trunc = dir_ / "trunc", label = dir_ / "label";
  for (const fs::path& d : {magic, trunc, label}) fs::create_directories(d);
  write_split(magic, "train", 16, 2049);
  write_split(magic, "test", 8);
  write_split(trunc, "train", 16, 2051, 100);
  write_split(trunc, "test", 8);
  write_split(label, "train", 16, 2051, 0, 3);
  write_split(label, "test", 8);

  // Weights with a missing, an extra and a mis-shaped key.
  auto lenet_state = hangu::models::create("lenet")->state_dict();
  auto missing = lenet_state;
  missing.pop_back();
  auto extra = lenet_state;
  extra.emplace_back("fc4.weight", hangu::zeros({2, 2}));
  auto misshaped = lenet_state;
  misshaped[0].second = hangu::zeros({3, 1, 5, 5});
  hangu::io::save_safetensors(path("missing.safetensors"), missing);
  hangu::io::save_safetensors(path("extra.safetensors"), extra);
  hangu::io::save_safetensors(path("misshaped.safetensors"), misshaped);

  struct Case {
    std::string args, expect;
  };
  const std::string train = "train --model lenet --steps 1 --data ";
  const std::vector<Case> cases = {
      {train + path("no_such_folder"), "does not exist"},
      {train + magic.string(), "magic"},
      {train + trunc.string(), "ends early"},
      {train + label.string(), "label 11"},
      {train + good + " --init " + path("missing.safetensors"), "fc3.bias"},
      {train + good + " --init " + path("extra.safetensors"), "fc4.weight"},
      {train + good + " --init " + path("misshaped.safetensors"), "conv1.weight"},
      {"eval --model lenet --data " + good + " --weights " + path("misshaped.safetensors"), "[3, 1, 5, 5]"},
      {"eval --model lenet --data " + good + " --weights " + path("nope.safetensors"), "nope.safetensors"},
      {"train --model resnet9 --data " + good, "resnet9"},
      {"eval --model vgg --weights x --data " + good, "vgg"},
      {train + good + " --lr abc", "abc"},
      {train + good + " --lr 0", "--lr"},
      {train + good + " --batch-size 0", "--batch-size"},
      {train + good + " --epochs -1", "--epochs"},
      {train + good + " --optimizer rmsprop", "rmsprop"},
      {train + good + " --momentum 1.5", "--momentum"},
      {train + good + " --resume " + path("nope.ckpt"), "nope.ckpt"},
      {train + good + " --resume " + path("missing.safetensors"), "missing.safetensors"},
      {"train --data " + good, "--model"},
      {"train --model lenet", "--data"},
  };
  for (const Case& c : cases) {
    Result err = run_hangu(c.args, "2>&1 >/dev/null");
    EXPECT_EQ(err.code, 2) << c.args << "\n" << err.out;
    EXPECT_EQ(count_lines(err.out), 1) << c.args << "\n" << err.out;
    EXPECT_TRUE(contains(err.out, c.expect)) << c.args << "\n" << err.out;
    Result out = run_hangu(c.args, "2>/dev/null");
    EXPECT_EQ(out.out, "") << c.args;
  }

  // In Chinese for a Chinese locale.
  Result zh = run_hangu(train + label.string(), "2>&1 >/dev/null", "zh_CN.UTF-8");
  EXPECT_EQ(zh.code, 2);
  EXPECT_EQ(count_lines(zh.out), 1) << zh.out;
  EXPECT_TRUE(contains(zh.out, "错误")) << zh.out;
  EXPECT_TRUE(contains(zh.out, "超出范围")) << zh.out;
}

TEST_F(TrainCli, ResumeRejectsAConflictingOption) {
  std::string data = tiny_data();
  ASSERT_EQ(run_hangu("train --model lenet --data " + data + " --steps 1 --batch-size 16 --out " + path("a")).code, 0);
  Result r = run_hangu("train --model mlp --data " + data + " --steps 2 --resume " + path("a/checkpoint.safetensors"),
                       "2>&1 >/dev/null");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "--model")) << r.out;
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  r = run_hangu("train --data " + data + " --steps 2 --shift 2 --resume " + path("a/checkpoint.safetensors"),
                "2>&1 >/dev/null");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "--shift")) << r.out;
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
}

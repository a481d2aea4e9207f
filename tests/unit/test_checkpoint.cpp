// Checkpoints: round trip, per-tensor checksums, atomic replacement, optimizer resume.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "hangu/io/checkpoint.h"
#include "hangu/optim/adam.h"
#include "test_util.h"

using namespace hangu;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("hangu_ckpt_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

io::Checkpoint sample() {
  io::Checkpoint c;
  c.tensors.emplace_back("model.fc1.weight", reshape(arange(0.0, 6.0), {2, 3}));
  c.tensors.emplace_back("model.fc1.bias", tensor(std::vector<double>{1.5, -2.5}));
  c.tensors.emplace_back("step_counts", tensor(std::vector<int64_t>{7, 8, 9}));
  io::Json meta = io::Json::object();
  meta["epoch"] = 3;
  meta["step"] = 1234;
  meta["rng"] = io::generator_state_to_json(Generator::State{18446744073709551615ull, 42});
  c.meta_json = meta.dump();
  return c;
}

}  // namespace

TEST(Checkpoint, RoundTrip) {
  fs::path d = temp_dir("rt");
  io::Checkpoint c = sample();
  io::save_checkpoint((d / "a.ckpt").string(), c);
  io::Checkpoint r = io::load_checkpoint((d / "a.ckpt").string());
  ASSERT_EQ(r.tensors.size(), c.tensors.size());
  for (size_t i = 0; i < c.tensors.size(); ++i) {
    EXPECT_EQ(r.tensors[i].first, c.tensors[i].first);
    EXPECT_TRUE(test_util::same_bits(r.tensors[i].second, c.tensors[i].second));
  }
  EXPECT_EQ(r.meta_json, c.meta_json);
  io::Json meta = io::Json::parse(r.meta_json, "meta");
  Generator::State s = io::generator_state_from_json(*meta.find("rng"), "meta");
  EXPECT_EQ(s.seed, 18446744073709551615ull);
  EXPECT_EQ(s.offset, 42u);
  // Nothing left behind but the file itself.
  EXPECT_EQ(std::distance(fs::directory_iterator(d), fs::directory_iterator()), 1);
  fs::remove_all(d);
}

TEST(Checkpoint, ChecksumMismatchNamesTheTensor) {
  fs::path d = temp_dir("crc");
  fs::path p = d / "a.ckpt";
  io::save_checkpoint(p.string(), sample());
  std::string bytes = slurp(p);
  bytes[bytes.size() - 3] ^= 0x01;  // inside the last tensor's data ("step_counts")
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
  test_util::expect_error_mentions<FormatError>([&] { io::load_checkpoint(p.string()); },
                                                {"step_counts", "a.ckpt", "CRC32"});
  fs::remove_all(d);
}

TEST(Checkpoint, RejectsPlainSafetensorsAndBadMeta) {
  fs::path d = temp_dir("plain");
  io::save_safetensors((d / "w.safetensors").string(), {{"x", ones({2})}});
  test_util::expect_error_mentions<FormatError>([&] { io::load_checkpoint((d / "w.safetensors").string()); },
                                                {"w.safetensors", "hangu_checkpoint"});
  io::Checkpoint c = sample();
  c.meta_json = "{not json";
  EXPECT_ANY_THROW(io::save_checkpoint((d / "x.ckpt").string(), c));
  EXPECT_FALSE(fs::exists(d / "x.ckpt"));
  test_util::expect_error_mentions<IoError>([&] { io::load_checkpoint((d / "missing.ckpt").string()); },
                                            {"missing.ckpt"});
  fs::remove_all(d);
}

TEST(Checkpoint, PreviousFileSurvivesFailedWrites) {
  fs::path d = temp_dir("atomic");
  // A name so long that the temporary file's name exceeds NAME_MAX: creating it fails.
  // The previous file is written under a short name and renamed.
  fs::path p = d / (std::string(248, 'c') + ".ckpt");
  io::save_checkpoint((d / "short.ckpt").string(), sample());
  fs::rename(d / "short.ckpt", p);
  std::string before = slurp(p);
  io::Checkpoint other = sample();
  other.tensors[0].second = zeros({2, 3});
  EXPECT_THROW(io::save_checkpoint(p.string(), other), IoError);
  EXPECT_EQ(slurp(p), before);
  // Invalid content (a duplicate name) fails before anything is written.
  other.tensors.emplace_back("model.fc1.bias", zeros({2}));
  EXPECT_THROW(io::save_checkpoint(p.string(), other), ValueError);
  EXPECT_EQ(slurp(p), before);
  // A read-only folder (not enforced for root, who may write anyway).
  if (::geteuid() != 0) {
    fs::path q = d / "ro.ckpt";
    io::save_checkpoint(q.string(), sample());
    std::string b = slurp(q);
    fs::permissions(d, fs::perms::owner_read | fs::perms::owner_exec);
    EXPECT_THROW(io::save_checkpoint(q.string(), other), Error);
    fs::permissions(d, fs::perms::owner_all);
    EXPECT_EQ(slurp(q), b);
  }
  EXPECT_NO_THROW(io::load_checkpoint(p.string()));
  fs::remove_all(d);
}

TEST(Checkpoint, OptimizerResumeThroughFile) {
  fs::path d = temp_dir("opt");
  Tensor w = test_util::tf({0.5f, -1.0f, 2.0f}).set_requires_grad();
  optim::AdamW a({w}, optim::AdamWOptions{});
  for (int k = 0; k < 3; ++k) {
    w.set_grad(test_util::tf({0.1f * k, -0.2f, 0.3f}));
    a.step();
  }
  optim::OptimizerState s = a.state_dict();
  io::Checkpoint c;
  c.tensors = s.tensors;
  c.tensors.emplace_back("model.w", w.detach());
  io::Json meta = io::Json::object();
  meta["optimizer"] = io::Json::parse(s.json, "optimizer");
  c.meta_json = meta.dump();
  io::save_checkpoint((d / "c.ckpt").string(), c);

  io::Checkpoint r = io::load_checkpoint((d / "c.ckpt").string());
  Tensor w2;
  optim::OptimizerState s2;
  for (auto& [n, t] : r.tensors) {
    if (n == "model.w")
      w2 = clone(t).set_requires_grad();
    else
      s2.tensors.emplace_back(n, t);
  }
  s2.json = io::Json::parse(r.meta_json, "meta").find("optimizer")->dump();
  optim::AdamW b({w2}, optim::AdamWOptions{});
  b.load_state_dict(s2);
  for (int k = 3; k < 6; ++k) {
    w.set_grad(test_util::tf({0.1f * k, -0.2f, 0.3f}));
    w2.set_grad(test_util::tf({0.1f * k, -0.2f, 0.3f}));
    a.step();
    b.step();
  }
  EXPECT_TRUE(test_util::same_bits(w.detach(), w2.detach()));
  fs::remove_all(d);
}

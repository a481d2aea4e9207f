// models: LeNet and MLP names and shapes as PyTorch, the factory, safetensors round trips, bad
// weight files, and forward/backward parity with PyTorch on fixtures (tools/gen_nn_fixtures.py).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hangu/models/models.h"
#include "hangu/nn/nn.h"
#include "nn_parity.h"
#include "test_util.h"

namespace hangu {
namespace {

using nn_test::check_layer_parity;
using test_util::expect_error_mentions;

std::vector<std::string> fixture_keys(const std::string& model) {
  std::ifstream in(std::string(HANGU_FIXTURE_DIR) + "/nn/state_dict_keys.txt");
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(model + " ", 0) == 0) out.push_back(line.substr(model.size() + 1));
  return out;
}

std::vector<std::string> keys_of(const nn::StateDict& d) {
  std::vector<std::string> out;
  for (const auto& [k, t] : d) out.push_back(k + " " + shape_str(t.shape()));
  return out;
}

// A fresh folder under the system temp dir, removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("hangu_models_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& n) const { return (path / n).string(); }
};

TEST(Models, NamesAndShapesMatchPyTorch) {
  for (const std::string& name : models::model_names()) {
    auto m = models::create(name);
    std::vector<std::string> params;
    for (const auto& [k, t] : m->named_parameters()) params.push_back(k + " " + shape_str(t.shape()));
    EXPECT_EQ(params, fixture_keys(name)) << name;
    EXPECT_EQ(keys_of(m->state_dict()), fixture_keys(name)) << name;
  }
}

TEST(Models, UnknownNameListsKnownOnes) {
  expect_error_mentions<ValueError>([] { models::create("resnet9000"); }, {"resnet9000", "lenet", "mlp"});
  set_language(Lang::zh);
  expect_error_mentions<ValueError>([] { models::create("x"); }, {"未知的模型", "lenet, mlp"});
  set_language(Lang::en);
}

TEST(Models, ForwardShapes) {
  Tensor x = randn({3, 1, 28, 28});
  for (const std::string& name : models::model_names())
    EXPECT_EQ(models::create(name)->forward(x).shape(), (Shape{3, 10}));
}

TEST(Models, WeightsRoundTripThroughSafetensors) {
  TempDir dir;
  for (const std::string& name : models::model_names()) {
    auto a = models::create(name), b = models::create(name);
    nn::save_weights(*a, dir.file(name + ".safetensors"));
    nn::LoadResult r = nn::load_weights(*b, dir.file(name + ".safetensors"));
    EXPECT_TRUE(r.missing_keys.empty());
    EXPECT_TRUE(r.unexpected_keys.empty());
    nn::StateDict sa = a->state_dict(), sb = b->state_dict();
    ASSERT_EQ(sa.size(), sb.size());
    for (size_t i = 0; i < sa.size(); ++i) EXPECT_TRUE(test_util::same_bits(sa[i].second, sb[i].second)) << sa[i].first;
    Tensor x = randn({2, 1, 28, 28});
    EXPECT_TRUE(test_util::same_bits(a->forward(x), b->forward(x))) << name;
    // The file lists the tensors under PyTorch's names.
    io::SafetensorsFile f = io::load_safetensors(dir.file(name + ".safetensors"));
    EXPECT_EQ(keys_of(f.tensors), fixture_keys(name));
  }
}

TEST(Models, BadWeightFilesNameTheKeys) {
  TempDir dir;
  auto m = models::create("lenet");
  nn::StateDict d = m->state_dict();
  d.erase(d.begin() + 1);                       // conv1.bias missing
  d.emplace_back("fc4.weight", zeros({2, 2}));  // unexpected
  d[0].second = zeros({6, 1, 3, 3});            // conv1.weight mis-shaped
  io::save_safetensors(dir.file("bad.safetensors"), d);
  expect_error_mentions<nn::StateDictError>(
      [&] { nn::load_weights(*m, dir.file("bad.safetensors")); },
      {"conv1.bias", "fc4.weight", "conv1.weight", "[6, 1, 3, 3]", "[6, 1, 5, 5]"});
  EXPECT_THROW(nn::load_weights(*m, dir.file("missing.safetensors")), IoError);
  std::ofstream(dir.file("garbage.safetensors")) << "not a safetensors file";
  EXPECT_THROW(nn::load_weights(*m, dir.file("garbage.safetensors")), FormatError);
}

TEST(ModelsParity, LeNet) { check_layer_parity("lenet", models::create("lenet")); }
TEST(ModelsParity, Mlp) { check_layer_parity("mlp", models::create("mlp")); }

// The default float32 models against the float64 reference (PyTorch's weights converted).
TEST(ModelsParity, LeNetFloat32) {
  io::SafetensorsFile f = nn_test::load_nn_fixture("lenet");
  auto m = models::create("lenet");
  m->load_state_dict(nn_test::with_prefix(f, "state."));
  Tensor y = m->forward(to(nn_test::fixture_tensor(f, "input"), DType::f32));
  EXPECT_EQ(y.dtype(), DType::f32);
  nn_test::expect_close(y, nn_test::fixture_tensor(f, "output"), "lenet float32", 1e-4, 1e-5);
}

}  // namespace
}  // namespace hangu

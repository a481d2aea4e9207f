// Vision models (issue 6): ResNet-18/34/50, CIFAR ResNet-20, MobileNetV2 and ViT against
// torchvision, from tests/fixtures/vision (tools/gen_vision_fixtures.py): the state-dict names
// and shapes, forward parity in f32 with deterministic weights (the generator's rule, computed
// again here), a ViT loaded from a PyTorch-written safetensors file, and the gradients of one
// ResNet-20 training step. Then the transfer-learning pieces: feature mode, frozen backbone,
// backbone loading.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "hangu/io/atomic_file.h"
#include "hangu/io/json.h"
#include "hangu/io/npy.h"
#include "hangu/io/safetensors.h"
#include "hangu/models/cifar_resnet.h"
#include "hangu/models/registry.h"
#include "hangu/models/resnet.h"
#include "hangu/models/vision_registry.h"
#include "hangu/models/vit.h"
#include "hangu/models/weights.h"
#include "hangu/optim/sgd.h"
#include "test_util.h"

namespace hangu {
namespace {

namespace fs = std::filesystem;
using models::ImageClassifier;

const fs::path kDir = fs::path(HANGU_SOURCE_DIR) / "tests" / "fixtures" / "vision";

std::string fixture(const std::string& name) { return (kDir / name).string(); }

// The generator's det_uniform: a 32-bit integer hash of (tensor number, element) in [-1, 1).
double det_uniform(uint64_t t, uint64_t i) {
  uint64_t x = (i * 2654435761ull + t * 40503ull + 12345ull) & 0xFFFFFFFFull;
  for (int k = 0; k < 2; ++k) {
    x ^= x >> 16;
    x = (x * 0x45D9F3Bull) & 0xFFFFFFFFull;
  }
  x ^= x >> 16;
  return 2.0 * static_cast<double>(x >> 8) / static_cast<double>(1 << 24) - 1.0;
}

bool ends_with(const std::string& s, const std::string& e) {
  return s.size() >= e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0;
}

// The generator's det_init, over the state dict in its (PyTorch) order.
void det_init(nn::Module& m) {
  nn::StateDict dict;
  uint64_t t = 0;
  for (const auto& [name, p] : m.state_dict()) {
    const uint64_t index = t++;
    if (ends_with(name, "num_batches_tracked")) continue;
    const int64_t n = p.numel();
    const double fan_in = p.dim() >= 2 ? static_cast<double>(n / p.size(0)) : 1.0;
    std::vector<float> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      double u = det_uniform(index, static_cast<uint64_t>(i));
      if (ends_with(name, "running_var")) {
        u = 1.0 + 0.2 * u;
      } else if (p.dim() >= 2) {
        u = u * std::sqrt(6.0 / fan_in);
      } else if (ends_with(name, "weight")) {
        u = 1.0 + 0.1 * u;
      } else {
        u = 0.1 * u;
      }
      v[static_cast<size_t>(i)] = static_cast<float>(u);
    }
    dict.emplace_back(name, tensor(v, p.shape()));
  }
  m.load_state_dict(dict, false);
}

// max |a - b| / max |b|.
double rel_diff(const Tensor& a, const Tensor& b) {
  std::vector<double> x = to_vector<double>(a), y = to_vector<double>(b);
  EXPECT_EQ(x.size(), y.size());
  double d = 0.0, m = 0.0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    d = std::max(d, std::abs(x[i] - y[i]));
    m = std::max(m, std::abs(y[i]));
  }
  return m > 0 ? d / m : d;
}

std::shared_ptr<ImageClassifier> make(const std::string& arch) {
  // The fixtures' ViTs take 32x32 images; num_classes 10 everywhere.
  return models::create_vision_model(arch, 10, 32);
}

const std::vector<std::string>& archs() {
  static const std::vector<std::string> a = models::vision_model_names();
  return a;
}

// One construction per architecture (the big ones take a while to initialise): names and
// shapes, forward parity, and the feature-extractor mode.
TEST(VisionModels, TorchvisionNamesForwardAndFeatures) {
  const io::Json keys = io::Json::parse(io::read_file(fixture("keys.json")), "keys.json");
  const Tensor x64 = io::load_npy(fixture("input_64.npy"));
  const Tensor x32 = io::load_npy(fixture("input_32.npy"));
  ASSERT_EQ(archs().size(), 7u);
  for (const std::string& arch : archs()) {
    SCOPED_TRACE(arch);
    auto m = make(arch);
    const io::Json* want = keys.find(arch);
    ASSERT_NE(want, nullptr);
    nn::StateDict sd = m->state_dict();
    ASSERT_EQ(sd.size(), want->size());
    for (size_t i = 0; i < sd.size(); ++i) {
      const io::Json& w = want->as_array()[i];
      ASSERT_EQ(sd[i].first, w.as_array()[0].as_string()) << i;
      std::vector<int64_t> shape;
      for (const io::Json& d : w.as_array()[1].as_array()) shape.push_back(d.as_int());
      EXPECT_EQ(std::vector<int64_t>(sd[i].second.shape().begin(), sd[i].second.shape().end()), shape)
          << sd[i].first;
    }

    det_init(*m);
    m->eval();
    NoGradGuard g;
    const bool small = arch == "resnet20" || arch.rfind("vit", 0) == 0;
    const Tensor& x = small ? x32 : x64;
    Tensor y = m->forward(x);
    Tensor expected = io::load_npy(fixture(arch + "_out.npy"));
    ASSERT_EQ(y.shape(), expected.shape());
    EXPECT_LE(rel_diff(y, expected), 1e-4);

    m->features_only = true;
    Tensor f = m->forward(x);
    m->features_only = false;
    EXPECT_EQ(f.shape(), (Shape{2, m->num_features}));
    EXPECT_TRUE(test_util::same_bits(m->forward_head(f), y));
  }
}

TEST(VisionModels, VitFromPytorchSafetensors) {
  models::VitConfig c;
  c.image_size = 32;
  c.num_layers = 2;
  c.num_heads = 2;
  c.hidden_dim = 32;
  c.mlp_dim = 64;
  models::VisionTransformer m(c, 5);
  nn::load_weights(m, fixture("vit_mini.safetensors"), true);  // strict: every name as PyTorch's
  m.eval();
  NoGradGuard g;
  Tensor y = m.forward(io::load_npy(fixture("input_32.npy")));
  EXPECT_LE(rel_diff(y, io::load_npy(fixture("vit_mini_out.npy"))), 1e-4);
  // Another image size is refused with the size it wants.
  test_util::expect_error_mentions<ShapeError>([&] { m.forward(zeros({1, 3, 48, 48})); }, {"[N, 3, 32, 32]", "48"});
}

TEST(VisionModels, ResNet20TrainingStepGradients) {
  models::CifarResNet m(10, 20);
  det_init(m);
  m.train();
  Tensor loss = cross_entropy(m.forward(io::load_npy(fixture("resnet20_batch.npy"))),
                              io::load_npy(fixture("resnet20_target.npy")));
  loss.backward();
  EXPECT_NEAR(loss.item<double>(), io::load_npy(fixture("resnet20_loss.npy")).item<double>(), 1e-5);
  io::SafetensorsFile grads = io::load_safetensors(fixture("resnet20_grads.safetensors"));
  const nn::NamedTensors params = m.named_parameters();
  ASSERT_EQ(grads.tensors.size(), params.size());
  for (const auto& [name, p] : params) {
    const Tensor* want = grads.find(name);
    ASSERT_NE(want, nullptr) << name;
    ASSERT_TRUE(p.grad().defined()) << name;
    EXPECT_LE(rel_diff(p.grad(), *want), 1e-4) << name;
  }
}

TEST(VisionModels, FrozenBackboneTrainsOnlyTheHead) {
  auto m = std::make_shared<models::CifarResNet>(4, 20);
  const nn::StateDict before = m->state_dict();
  std::map<std::string, Tensor> copy;
  for (const auto& [n, t] : before) copy[n] = clone(t);
  m->freeze_backbone();
  m->train();
  int64_t trainable = 0;
  for (const auto& [n, p] : m->named_parameters()) {
    EXPECT_EQ(p.requires_grad(), n.rfind("fc.", 0) == 0) << n;
    trainable += p.requires_grad();
  }
  EXPECT_EQ(trainable, 2);
  EXPECT_FALSE(m->bn1->is_training());  // the backbone's statistics stay as they are
  EXPECT_TRUE(m->fc->is_training());
  optim::SGDOptions o;
  o.lr = 0.1;
  optim::SGD opt(m->parameters(), o);
  Tensor x = io::load_npy(fixture("input_32.npy"));
  Tensor loss = cross_entropy(m->forward(x), tensor(std::vector<int64_t>{1, 3}, Shape{2}));
  loss.backward();
  opt.step();
  for (const auto& [n, t] : m->state_dict()) {
    if (n.rfind("fc.", 0) == 0) {
      EXPECT_FALSE(test_util::same_bits(t, copy[n])) << n;
    } else {
      EXPECT_TRUE(test_util::same_bits(t, copy[n])) << n;
    }
  }
}

TEST(VisionModels, LoadBackboneSkipsAnotherHeadAndNamesBadKeys) {
  auto src = std::make_shared<models::CifarResNet>(10, 20);
  det_init(*src);
  nn::StateDict sd = src->state_dict();
  auto dst = std::make_shared<models::CifarResNet>(3, 20);
  const Tensor fc_before = clone(dst->fc->weight);
  models::BackboneLoad r = models::load_backbone(*dst, "resnet20", sd, "b.safetensors");
  EXPECT_FALSE(r.head_loaded);
  ASSERT_EQ(r.head_skipped.size(), 2u);
  EXPECT_EQ(r.head_skipped[0], "fc.weight: file [10, 64] vs model [3, 64]");
  EXPECT_EQ(r.loaded, static_cast<int64_t>(sd.size()) - 2);
  EXPECT_TRUE(test_util::same_bits(dst->conv1->weight, src->conv1->weight));
  EXPECT_TRUE(test_util::same_bits(dst->fc->weight, fc_before));

  // Same head shape: taken too.
  auto same = std::make_shared<models::CifarResNet>(10, 20);
  EXPECT_TRUE(models::load_backbone(*same, "resnet20", sd, "b.safetensors").head_loaded);
  EXPECT_TRUE(test_util::same_bits(same->fc->weight, src->fc->weight));

  nn::StateDict unknown = sd;
  unknown.emplace_back("layer9.0.conv1.weight", zeros({1}));
  test_util::expect_error_mentions<ValueError>(
      [&] { models::load_backbone(*dst, "resnet20", unknown, "b.safetensors"); },
      {"b.safetensors", "layer9.0.conv1.weight", "resnet20", "1"});
  nn::StateDict wrong = sd;
  wrong[0].second = zeros({16, 3, 5, 5});
  test_util::expect_error_mentions<ValueError>([&] { models::load_backbone(*dst, "resnet20", wrong, "b.safetensors"); },
                                               {"conv1.weight: file [16, 3, 5, 5] vs model [16, 3, 3, 3]"});
  nn::StateDict missing(sd.begin() + 1, sd.end());
  test_util::expect_error_mentions<ValueError>(
      [&] { models::load_backbone(*dst, "resnet20", missing, "b.safetensors"); }, {"missing", "conv1.weight"});
  // A ResNet-32 has more blocks: their tensors are missing from a ResNet-20's file.
  models::CifarResNet r32(3, 32);
  test_util::expect_error_mentions<ValueError>([&] { models::load_backbone(r32, "resnet32", sd, "b.safetensors"); },
                                               {"b.safetensors", "resnet32", "layer1.3.conv1.weight"});
}

TEST(VisionModels, RegisteredAsImageModels) {
  std::vector<std::string> names = models::image_model_names();
  for (const std::string& a : archs()) EXPECT_NE(std::find(names.begin(), names.end(), a), names.end()) << a;
  EXPECT_NE(std::dynamic_pointer_cast<models::CifarResNet>(models::create("resnet20", 7)), nullptr);
  auto v = std::dynamic_pointer_cast<models::VisionTransformer>(models::create("vit_tiny", 7, 64));
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->encoder->pos_embedding.shape(), (Shape{1, 17, 192}));
  EXPECT_EQ(v->heads->named_children()[0].first, "head");
  test_util::expect_error_mentions<ValueError>([] { models::create("resnet19", 3); }, {"resnet19", "resnet18"});
}

}  // namespace
}  // namespace hangu

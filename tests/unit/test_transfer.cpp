// Transfer learning in `hangu train --data IMAGE_FOLDER` (issue 7): --init loads a backbone from
// safetensors (torchvision names) or ONNX initializers, a classifier head of another shape is
// skipped and reported, --freeze-backbone trains only the head (the backbone's weights and
// batch-norm statistics come out bit for bit as they went in), and bad backbone files exit 2
// with one line naming the file and the keys.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "cli_util.h"
#include "hangu/data/image/image_io.h"
#include "hangu/data/image/transforms.h"
#include "hangu/data/mnist.h"
#include "hangu/io/json.h"
#include "hangu/io/atomic_file.h"
#include "hangu/io/onnx/model.h"
#include "hangu/io/safetensors.h"
#include "hangu/models/cifar_resnet.h"
#include "hangu/models/resnet.h"
#include "hangu/models/weights.h"
#include "test_util.h"

namespace fs = std::filesystem;
using hangu::test_cli::contains;
using hangu::test_cli::Result;
using namespace hangu;

namespace {

const std::vector<std::string> kClasses = {"甲", "乙", "丙"};  // digits 0, 1, 2
const std::string kMnist = std::string(HANGU_SOURCE_DIR) + "/data/mnist-10k";

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

std::map<std::string, Tensor> tensors_of(const fs::path& file) {
  std::map<std::string, Tensor> m;
  for (auto& [n, t] : io::load_safetensors(file.string()).tensors) m[n] = t;
  return m;
}

class TransferCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("hangu_transfer_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    data_ = dir_ / "猪脸";
    data::MnistFiles files = data::find_mnist_files(kMnist, true);
    Tensor images = data::read_idx_images(files.images);
    std::vector<int64_t> labels = to_vector<int64_t>(data::read_idx_labels(files.labels));
    std::vector<int> seen(3, 0);
    for (size_t i = 0; i < labels.size(); ++i) {
      const int64_t d = labels[i];
      if (d > 2 || seen[static_cast<size_t>(d)] >= 8) continue;
      const int n = seen[static_cast<size_t>(d)]++;
      std::vector<uint8_t> px(28 * 28);
      std::memcpy(px.data(), static_cast<const uint8_t*>(images.data()) + i * 28 * 28, px.size());
      data::Image img = data::to_rgb(data::resize(data::Image(28, 28, 1, std::move(px)), 32, 32));
      fs::create_directories(data_ / kClasses[static_cast<size_t>(d)]);
      data::write_png(img, (data_ / kClasses[static_cast<size_t>(d)] / (std::to_string(n) + ".png")).string());
    }
    // A "pretrained" ResNet-20 with a 10-class head, as torchvision-named safetensors.
    manual_seed(11);
    backbone_ = std::make_shared<models::CifarResNet>(10, 20);
    nn::save_weights(*backbone_, (dir_ / "backbone.safetensors").string());
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static Result train(const std::string& extra, const fs::path& out, const std::string& lang = "en_US.UTF-8") {
    return test_cli::run_hangu("train --data " + q(data_) + " --model resnet20 --image-size 32 --epochs 2 " +
                                   "--batch-size 8 --val-split 0.25 --seed 5 --out " + q(out) + " " + extra,
                               lang);
  }

  static inline fs::path dir_, data_;
  static inline std::shared_ptr<models::CifarResNet> backbone_;
};

TEST_F(TransferCli, FrozenBackboneKeepsItsWeightsAndTrainsTheHead) {
  const fs::path out = dir_ / "frozen";
  Result r = train("--init " + q(dir_ / "backbone.safetensors") + " --freeze-backbone --json", out);
  ASSERT_EQ(r.code, 0) << r.out;
  std::map<std::string, Tensor> got = tensors_of(out / "model.safetensors");
  std::map<std::string, Tensor> before = tensors_of(dir_ / "backbone.safetensors");
  // The head as training began: the model the trainer built from the same seed.
  manual_seed(5);
  models::CifarResNet fresh(3, 20);
  int64_t compared = 0;
  for (const auto& [name, t] : before) {
    if (name.rfind("fc.", 0) == 0) continue;
    ASSERT_TRUE(got.count(name)) << name;
    EXPECT_TRUE(test_util::same_bits(got[name], t)) << name;
    ++compared;
  }
  EXPECT_EQ(compared, static_cast<int64_t>(before.size()) - 2);
  EXPECT_EQ(got["fc.weight"].shape(), (Shape{3, 64}));
  EXPECT_FALSE(test_util::same_bits(got["fc.weight"], fresh.fc->weight));
  EXPECT_FALSE(test_util::same_bits(got["fc.bias"], fresh.fc->bias));
  io::Json j = io::Json::parse(io::read_file((out / "model.json").string()), "model.json");
  EXPECT_EQ(j["training"]["init"].as_string(), (dir_ / "backbone.safetensors").string());
  EXPECT_TRUE(j["training"]["freeze_backbone"].as_bool());
  EXPECT_EQ(j["model"].as_string(), "resnet20");
  // predict reads the folder back.
  Result p = test_cli::run_hangu("predict --model " + q(out) + " " + q(data_ / "乙" / "0.png") + " --json");
  EXPECT_EQ(p.code, 0) << p.out;
}

TEST_F(TransferCli, InitReportsTheSkippedHeadAndFineTunesEverything) {
  const fs::path out = dir_ / "finetune";
  Result r = train("--init " + q(dir_ / "backbone.safetensors"), out);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "backbone tensors loaded")) << r.out;
  EXPECT_TRUE(contains(r.out, "fc.weight: file [10, 64] vs model [3, 64]")) << r.out;
  std::map<std::string, Tensor> got = tensors_of(out / "model.safetensors");
  EXPECT_FALSE(test_util::same_bits(got["conv1.weight"], backbone_->conv1->weight));
  // Chinese, frozen: the report and the trainable count.
  Result zh = train("--init " + q(dir_ / "backbone.safetensors") + " --freeze-backbone --epochs 1", dir_ / "zh",
                    "zh_CN.UTF-8");
  ASSERT_EQ(zh.code, 0) << zh.out;
  EXPECT_TRUE(contains(zh.out, "未从")) << zh.out;
  EXPECT_TRUE(contains(zh.out, "主干已冻结：只训练 272019 个参数中的 195 个（分类头“fc”）")) << zh.out;
}

TEST_F(TransferCli, OnnxInitializersWork) {
  io::onnx::Model m;
  m.ir_version = 8;
  m.opset_imports.push_back({"", 17});
  for (const auto& [name, t] : backbone_->state_dict()) {
    if (name.rfind("fc.", 0) == 0) continue;
    io::onnx::TensorValue v;
    v.name = name;
    v.tensor = t;
    m.graph.initializers.push_back(v);
  }
  io::onnx::TensorValue folded;  // what torch.onnx.export names a folded constant: ignored
  folded.name = "onnx::Conv_123";
  folded.tensor = zeros({2});
  m.graph.initializers.push_back(folded);
  io::onnx::save_model(m, (dir_ / "backbone.onnx").string());
  const fs::path out = dir_ / "onnx";
  Result r = train("--init " + q(dir_ / "backbone.onnx") + " --freeze-backbone --json", out);
  ASSERT_EQ(r.code, 0) << r.out;
  std::map<std::string, Tensor> got = tensors_of(out / "model.safetensors");
  for (const auto& [name, t] : backbone_->state_dict())
    if (name.rfind("fc.", 0) != 0) {
      EXPECT_TRUE(test_util::same_bits(got[name], t)) << name;
    }
}

TEST_F(TransferCli, BadBackbonesExitTwoWithOneLine) {
  const fs::path out = dir_ / "bad";
  // Another architecture's file.
  manual_seed(1);
  models::ResNet r18(18, 10);
  nn::save_weights(r18, (dir_ / "r18.safetensors").string());
  Result r = train("--init " + q(dir_ / "r18.safetensors"), out);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(test_cli::count_lines(r.out), 1) << r.out;
  EXPECT_TRUE(contains(r.out, "r18.safetensors")) << r.out;
  EXPECT_TRUE(contains(r.out, "do not belong to model 'resnet20': layer4.0.conv1.weight")) << r.out;

  // The right names with a wrong shape.
  nn::StateDict wrong = backbone_->state_dict();
  wrong[0].second = zeros({16, 3, 5, 5});
  io::save_safetensors((dir_ / "wrong.safetensors").string(), wrong, {});
  r = train("--init " + q(dir_ / "wrong.safetensors"), out);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "conv1.weight: file [16, 3, 5, 5] vs model [16, 3, 3, 3]")) << r.out;

  // A backbone with an extra, unknown tensor.
  nn::StateDict sd = backbone_->state_dict();
  sd.emplace_back("layer4.0.conv1.weight", zeros({8, 8, 3, 3}));
  io::save_safetensors((dir_ / "extra.safetensors").string(), sd, {});
  r = train("--init " + q(dir_ / "extra.safetensors"), out);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "1 tensor(s) do not belong to model 'resnet20': layer4.0.conv1.weight")) << r.out;

  // Missing file, unknown type, a model without a backbone, --freeze-backbone on MNIST.
  r = train("--init " + q(dir_ / "nope.safetensors"), out);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "nope.safetensors")) << r.out;
  r = train("--init " + q(dir_ / "backbone.txt"), out);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "unknown file type (expected .safetensors or .onnx)")) << r.out;
  r = test_cli::run_hangu("train --data " + q(data_) + " --model cnn --freeze-backbone --out " + q(out));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "--freeze-backbone needs a model with a backbone")) << r.out;
  r = test_cli::run_hangu("训练 --data " + q(data_) + " --model cnn --init " + q(dir_ / "backbone.safetensors") +
                              " --out " + q(out),
                          "zh_CN.UTF-8");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "没有主干与分类头之分")) << r.out;
}

}  // namespace

// `hangu train / predict / eval` on an image folder, end to end, as a new user would run them:
// a folder with Chinese class names holding MNIST digits 0-3 (half JPEG from the fixtures, half
// PNG written here, some grayscale), a path with spaces, a corrupt JPEG, a zero-byte file, a text
// file named .jpg, a single-image class and an empty class folder.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "cli_util.h"
#include "hangu/data/image/image_io.h"
#include "hangu/data/image/transforms.h"
#include "hangu/data/mnist.h"
#include "hangu/io/json.h"
#include "hangu/ops/creation.h"

namespace fs = std::filesystem;
using hangu::io::Json;
using hangu::test_cli::contains;
using hangu::test_cli::Result;
using namespace hangu;

namespace {

const std::vector<std::string> kClasses = {"一号猪", "二号猪", "三号猪", "四号猪"};  // digits 0..3
const std::string kMnist = std::string(HANGU_SOURCE_DIR) + "/data/mnist-10k";
const std::string kJpegs = std::string(HANGU_FIXTURE_DIR) + "/image/digits_jpg";

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

std::vector<uint8_t> bytes_of(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

void put(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << s;
}

// MNIST digit `index` of `images` upscaled to 40x40, RGB unless gray.
data::Image digit(const Tensor& images, int64_t index, bool gray) {
  std::vector<uint8_t> px(28 * 28);
  std::memcpy(px.data(), static_cast<const uint8_t*>(images.data()) + index * 28 * 28, px.size());
  data::Image img = data::resize(data::Image(28, 28, 1, std::move(px)), 40, 40);
  return gray ? img : data::to_rgb(img);
}

// Writes `per_class` PNG digits of each class from `split` into root/<class>/, skipping the first
// `skip` of each digit.
void write_pngs(const fs::path& root, bool train, int per_class, int skip, const std::string& prefix) {
  data::MnistFiles files = data::find_mnist_files(kMnist, train);
  Tensor images = data::read_idx_images(files.images);
  std::vector<int64_t> labels = to_vector<int64_t>(data::read_idx_labels(files.labels));
  std::vector<int> seen(4, 0);
  for (size_t i = 0; i < labels.size(); ++i) {
    const int64_t d = labels[i];
    if (d > 3) continue;
    const int n = seen[static_cast<size_t>(d)]++;
    if (n < skip || n >= skip + per_class) continue;
    fs::create_directories(root / kClasses[static_cast<size_t>(d)]);
    data::write_png(digit(images, static_cast<int64_t>(i), n % 3 == 0),
                    (root / kClasses[static_cast<size_t>(d)] / (prefix + std::to_string(n) + ".png")).string());
  }
}

class ImageFolderCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("hangu_image_cli_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    data_ = dir_ / "猪脸 数据";  // a space and Chinese characters
    // 8 JPEG (fixtures) + 8 PNG per class.
    for (int d = 0; d < 4; ++d)
      for (int n = 0; n < 8; ++n) {
        fs::create_directories(data_ / kClasses[static_cast<size_t>(d)]);
        const std::string src = std::to_string(d) + "_" + std::to_string(n) + ".jpg", dst = std::to_string(n) + ".jpg";
        fs::copy_file(fs::path(kJpegs) / ("d" + src), data_ / kClasses[static_cast<size_t>(d)] / ("照片 " + dst));
      }
    write_pngs(data_, true, 8, 8, "p");
    // What a real folder also holds.
    std::vector<uint8_t> jpg = bytes_of(fs::path(kJpegs) / "d0_0.jpg");
    put(data_ / kClasses[0] / "坏的.jpg",
        std::string(jpg.begin(), jpg.begin() + static_cast<std::ptrdiff_t>(jpg.size() / 3)));
    put(data_ / kClasses[1] / "empty.png", "");
    put(data_ / kClasses[2] / "notes.jpg", "this is not a picture\n");
    put(data_ / kClasses[3] / "说明.txt", "ignored\n");
    fs::create_directories(data_ / "单张猪");
    fs::copy_file(fs::path(kJpegs) / "d1_7.jpg", data_ / "单张猪" / "only one.jpg");
    fs::create_directories(data_ / "空类");
    // Held-out digits (MNIST test split) for predict and eval.
    holdout_ = dir_ / "held out";
    write_pngs(holdout_, false, 6, 0, "h");
    other_ = dir_ / "other";  // a class the model does not know
    fs::create_directories(other_ / "五号猪");
    fs::copy_file(fs::path(kJpegs) / "d2_0.jpg", other_ / "五号猪" / "1.jpg");
    out_ = dir_ / "模型 输出";
    train_ = hangu::test_cli::run_hangu(
        "训练 --data " + q(data_) + " --image-size 28 --epochs 12 --batch-size 8 --seed 3 --out " + q(out_) + " --json",
        "zh_CN.UTF-8", "2>" + q(dir_ / "train_stderr.txt"));
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  // Without the JPEG / PNG codecs (HANGU_WITH_IMAGE_CODECS off) every image here is skipped
  // with a clear reason and training stops with exit code 2: each test checks that instead.
  static bool codecs_missing() {
    if (data::image_format_available(data::ImageFormat::jpeg) && data::image_format_available(data::ImageFormat::png))
      return false;
    EXPECT_EQ(train_.code, 2);
    EXPECT_TRUE(contains(read(dir_ / "train_stderr.txt"), "libjpeg62-turbo-dev"));
    return true;
  }

  static Json train_json() { return Json::parse(train_.out, "train --json"); }
  static std::string read(const fs::path& p) {
    std::vector<uint8_t> b = bytes_of(p);
    return std::string(b.begin(), b.end());
  }

  static inline fs::path dir_, data_, holdout_, other_, out_;
  static inline Result train_;
};

}  // namespace

TEST_F(ImageFolderCli, TrainsAndReportsInJson) {
  if (codecs_missing()) return;
  ASSERT_EQ(train_.code, 0) << train_.out << read(dir_ / "train_stderr.txt");
  Json j = train_json();
  std::vector<std::string> classes;
  for (const Json& c : j.find("classes")->as_array()) classes.push_back(c.as_string());
  // Byte (code point) order, as torchvision; the single-image class is a class; the empty one is not.
  EXPECT_EQ(classes, (std::vector<std::string>{"一号猪", "三号猪", "二号猪", "单张猪", "四号猪"}));
  const Json::Array& skipped = j.find("skipped_files")->as_array();
  ASSERT_EQ(skipped.size(), 3u);
  std::string reasons;
  for (const Json& s : skipped) reasons += s.find("file")->as_string() + " " + s.find("reason")->as_string() + "\n";
  EXPECT_TRUE(contains(reasons, "坏的.jpg")) << reasons;
  EXPECT_TRUE(contains(reasons, "文件被截断或已损坏")) << reasons;  // the reasons are in the user's language
  EXPECT_TRUE(contains(reasons, "empty.png")) << reasons;
  EXPECT_TRUE(contains(reasons, "notes.jpg")) << reasons;
  EXPECT_EQ(j.find("empty_classes")->as_array().size(), 1u);
  EXPECT_EQ(j.find("train_images")->as_int() + j.find("val_images")->as_int(), 65);
  EXPECT_EQ(j.find("val_images")->as_int(), 12);  // round(20% of 16) per class; none of the single image
  // Chance is 1/5 (4 classes validated); the digits 0-3 are easy.
  EXPECT_GT(j.find("val_accuracy")->as_double(), 0.6) << train_.out;
  EXPECT_EQ(j.find("history")->as_array().size(), 12u);
  // Warnings went to stderr, in Chinese, one line each.
  const std::string err = read(dir_ / "train_stderr.txt");
  EXPECT_TRUE(contains(err, "警告：")) << err;
  EXPECT_TRUE(contains(err, "类别“单张猪”只有 1 张图像")) << err;
  EXPECT_TRUE(contains(err, "类别文件夹“空类”中没有可读的图像")) << err;
}

TEST_F(ImageFolderCli, OutputFolderDescribesItself) {
  if (codecs_missing()) return;
  ASSERT_EQ(train_.code, 0);
  Json m = Json::parse(read(out_ / "model.json"), "model.json");
  EXPECT_EQ(m.find("format")->as_string(), "hangu-image-classifier");
  EXPECT_EQ(m.find("model")->as_string(), "cnn");
  EXPECT_EQ(m.find("classes")->as_array().size(), 5u);
  const Json* pre = m.find("preprocessing");
  EXPECT_EQ(pre->find("center_crop")->as_int(), 28);
  EXPECT_EQ(pre->find("mean")->as_array()[0].as_double(), 0.485);
  EXPECT_EQ(m.find("training")->find("epochs")->as_int(), 12);
  EXPECT_EQ(m.find("training")->find("best_val_accuracy")->as_double(), train_json().find("val_accuracy")->as_double());
  EXPECT_TRUE(fs::exists(out_ / "model.safetensors"));
  const std::string svg = read(out_ / "curves.svg");
  EXPECT_TRUE(contains(svg, "<svg") && contains(svg, "训练损失") && contains(svg, "验证准确率")) << svg.substr(0, 200);
  data::Image png = data::read_image((out_ / "curves.png").string());
  EXPECT_EQ(png.width(), 960);
  EXPECT_EQ(png.height(), 340);
}

TEST_F(ImageFolderCli, ChineseProgressOutput) {
  if (codecs_missing()) return;
  const fs::path out = dir_ / "zh run";
  Result r = hangu::test_cli::run_hangu("训练 --data " + q(data_) + " --image-size 28 --epochs 1 --out " + q(out),
                                        "zh_CN.UTF-8");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "5 个类别，65 张图像（训练 53 张，验证 12 张）")) << r.out;
  EXPECT_TRUE(contains(r.out, "第 1/1 轮：训练损失")) << r.out;
  EXPECT_TRUE(contains(r.out, "最佳验证准确率")) << r.out;
  EXPECT_TRUE(contains(r.out, "试一试：hangu 预测 --model")) << r.out;
  EXPECT_FALSE(contains(r.out, "epoch")) << r.out;
}

TEST_F(ImageFolderCli, ExplicitValidationFolder) {
  if (codecs_missing()) return;
  Result r = hangu::test_cli::run_hangu("train --data " + q(data_) + " --val-data " + q(holdout_) +
                                            " --image-size 28 --epochs 1 --json --out " + q(dir_ / "val run"),
                                        "en_US.UTF-8", "2>/dev/null");
  ASSERT_EQ(r.code, 0) << r.out;
  Json j = Json::parse(r.out, "train --json");
  EXPECT_EQ(j.find("train_images")->as_int(), 65);  // every training image, none held back
  EXPECT_EQ(j.find("val_images")->as_int(), 24);
  Result both = hangu::test_cli::run_hangu(
      "train --data " + q(data_) + " --val-data " + q(holdout_) + " --val-split 0.1", "en_US.UTF-8", "2>&1 >/dev/null");
  EXPECT_EQ(both.code, 2);
  EXPECT_TRUE(contains(both.out, "cannot be used together")) << both.out;
}

TEST_F(ImageFolderCli, PredictNamesTheClasses) {
  if (codecs_missing()) return;
  ASSERT_EQ(train_.code, 0);
  Result r =
      hangu::test_cli::run_hangu("预测 --model " + q(out_) + " " + q(holdout_) + " --json --top-k 2", "zh_CN.UTF-8");
  ASSERT_EQ(r.code, 0) << r.out;
  Json list = Json::parse(r.out, "predict --json");
  ASSERT_EQ(list.size(), 24u);
  int right = 0;
  for (const Json& item : list.as_array()) {
    const std::string file = item.find("file")->as_string();
    const Json::Array& top = item.find("top")->as_array();
    ASSERT_EQ(top.size(), 2u);
    EXPECT_GE(top[0].find("probability")->as_double(), top[1].find("probability")->as_double());
    const std::string truth = fs::path(file).parent_path().filename().string();
    right += top[0].find("class")->as_string() == truth;
  }
  EXPECT_GT(right, 12) << r.out;  // > 50% of held-out digits; chance is 20%

  // Text output: one line per image; a bad file is a warning and makes the exit code 2.
  Result t = hangu::test_cli::run_hangu("预测 --model " + q(out_) + " " + q(holdout_ / kClasses[0] / "h0.png") + " " +
                                            q(data_ / kClasses[2] / "notes.jpg") + " " + q(dir_ / "nope.png"),
                                        "zh_CN.UTF-8");
  EXPECT_EQ(t.code, 2) << t.out;
  EXPECT_TRUE(contains(t.out, "h0.png：")) << t.out;
  EXPECT_TRUE(contains(t.out, "%")) << t.out;
  EXPECT_TRUE(contains(t.out, "警告：")) << t.out;
  EXPECT_TRUE(contains(t.out, "已分类 1 张图像，2 张无法读取")) << t.out;
}

TEST_F(ImageFolderCli, EvalPrintsMetricsAndWritesTheMatrix) {
  if (codecs_missing()) return;
  ASSERT_EQ(train_.code, 0);
  const fs::path out = dir_ / "eval out";
  Result r =
      hangu::test_cli::run_hangu("评估 --model " + q(out_) + " --data " + q(holdout_) + " --out " + q(out) + " --json");
  ASSERT_EQ(r.code, 0) << r.out;
  Json j = Json::parse(r.out, "eval --json");
  EXPECT_EQ(j.find("samples")->as_int(), 24);
  EXPECT_GT(j.find("accuracy")->as_double(), 0.5);
  const Json::Array& conf = j.find("confusion")->as_array();
  ASSERT_EQ(conf.size(), 5u);
  int64_t total = 0, diagonal = 0;
  for (size_t t = 0; t < conf.size(); ++t)
    for (size_t p = 0; p < conf.size(); ++p) {
      total += conf[t].as_array()[p].as_int();
      diagonal += t == p ? conf[t].as_array()[p].as_int() : 0;
    }
  EXPECT_EQ(total, 24);
  EXPECT_EQ(diagonal, j.find("correct")->as_int());
  EXPECT_EQ(j.find("per_class")->as_array().size(), 5u);
  data::Image png = data::read_image((out / "confusion_matrix.png").string());
  EXPECT_GT(png.width(), 100);
  EXPECT_TRUE(contains(read(out / "confusion_matrix.svg"), "一号猪"));

  Result zh = hangu::test_cli::run_hangu("评估 --model " + q(out_) + " --data " + q(holdout_) + " --out " + q(out),
                                         "zh_CN.UTF-8");
  ASSERT_EQ(zh.code, 0) << zh.out;
  EXPECT_TRUE(contains(zh.out, "准确率")) << zh.out;
  EXPECT_TRUE(contains(zh.out, "精确率")) << zh.out;
  EXPECT_TRUE(contains(zh.out, "混淆矩阵（行：真实类别，列：预测类别）")) << zh.out;
}

TEST_F(ImageFolderCli, BadInputExitsTwoWithOneLine) {
  if (codecs_missing()) return;
  struct Case {
    std::string args, needle;
  };
  const Case cases[] = {
      {"训练 --data " + q(dir_ / "不存在的文件夹"), "图像文件夹不存在"},
      {"训练 --data " + q(data_) + " --model resnet9000", "resnet9000"},
      {"训练 --data " + q(data_) + " --val-split 1.5", "--val-split"},
      {"训练 --data " + q(data_) + " --augment blur", "blur"},
      {"训练 --data " + q(data_) + " --resume x", "--resume"},
      {"训练 --data " + q(kMnist) + " --model lenet --image-size 32", "--image-size"},
      {"预测 --model " + q(dir_ / "没有模型") + " x.png", "没有模型"},
      {"预测 --model " + q(out_), "至少一个图像"},
      {"评估 --model " + q(out_) + " --data " + q(data_ / kClasses[0]), "找不到类别文件夹"},
      {"评估 --model " + q(out_) + " --data " + q(other_), "类别文件夹“五号猪”不是模型的类别之一"},
  };
  for (const Case& c : cases) {
    Result r = hangu::test_cli::run_hangu(c.args, "zh_CN.UTF-8", "2>&1 >/dev/null");
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.out;
    EXPECT_EQ(hangu::test_cli::count_lines(r.out), 1) << c.args << "\n" << r.out;
    EXPECT_TRUE(contains(r.out, "hangu：错误：")) << r.out;
    EXPECT_TRUE(contains(r.out, c.needle)) << c.args << "\n" << r.out;
  }
}

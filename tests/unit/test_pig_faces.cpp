// Issue 7, point 1, as a new user would run it: the 猪脸 data set of the quick start (10 classes
// 一号猪 ... 十号猪 of 300 MNIST digits each, 56x56, half JPEG and half PNG, every fifth grayscale,
// made by tools/make_pig_faces.py with 20 held-out digits per class from the MNIST test split),
// then `hangu 训练 --data 猪脸` with the defaults in a zh_CN locale: Chinese progress, at least 97%
// validation accuracy, and `hangu 预测` naming the class of the held-out images. About 2 minutes on
// 2 cores. Skipped, with the reason, where Debian's /usr/bin/python3 lacks PIL or numpy (CI
// installs python3-pil and python3-numpy).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "cli_util.h"
#include "hangu/data/image/image_io.h"
#include "hangu/io/atomic_file.h"
#include "hangu/io/json.h"

namespace fs = std::filesystem;
using hangu::io::Json;
using hangu::test_cli::contains;
using hangu::test_cli::Result;
using hangu::test_cli::run_shell;

namespace {

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

TEST(PigFaces, TrainWithTheDefaultsInChineseThenPredictHeldOutImages) {
  using hangu::data::ImageFormat;
  if (!hangu::data::image_format_available(ImageFormat::jpeg) || !hangu::data::image_format_available(ImageFormat::png))
    GTEST_SKIP() << "built without the JPEG / PNG codecs";
  if (run_shell("/usr/bin/python3 -c 'import numpy, PIL' 2>&1").code != 0)
    GTEST_SKIP() << "Debian's /usr/bin/python3 with numpy and PIL is needed to make the data set "
                    "(apt-get install python3-numpy python3-pil)";
  const fs::path dir = fs::temp_directory_path() / ("hangu_pig_faces_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  Result made = run_shell("cd " + q(dir) + " && /usr/bin/python3 '" + std::string(HANGU_SOURCE_DIR) +
                          "/tools/make_pig_faces.py' 猪脸 --per-class 300 --size 56 --holdout 20 2>&1");
  ASSERT_EQ(made.code, 0) << made.out;

  // The quick start's command, word for word, in Chinese.
  Result train = run_shell("cd " + q(dir) + " && env -u LC_ALL -u LC_MESSAGES LANG=zh_CN.UTF-8 '" +
                           std::string(HANGU_BIN_DIR) + "/hangu' 训练 --data 猪脸 2>&1");
  ASSERT_EQ(train.code, 0) << train.out;
  EXPECT_TRUE(contains(train.out, "一号猪")) << train.out;
  EXPECT_TRUE(contains(train.out, "第 20/20 轮：训练损失")) << train.out;
  Json info = Json::parse(hangu::io::read_file((dir / "猪脸-model" / "model.json").string()), "model.json");
  const double val = info.find("training")->find("best_val_accuracy")->as_double();
  EXPECT_GE(val, 0.97) << train.out;
  std::printf("validation accuracy %.2f%%\n", 100 * val);

  // 预测 on the 200 held-out images: the top class is the folder's name.
  Result pred = run_shell("cd " + q(dir) + " && LANG=zh_CN.UTF-8 '" + std::string(HANGU_BIN_DIR) +
                          "/hangu' 预测 --model 猪脸-model 猪脸-holdout --json 2>&1");
  ASSERT_EQ(pred.code, 0) << pred.out;
  Json all = Json::parse(pred.out, "predict --json");
  int64_t right = 0, total = 0;
  for (const Json& r : all.as_array()) {
    const std::string file = r.find("file")->as_string();
    const std::string folder = fs::path(file).parent_path().filename().string();
    right += r.find("top")->as_array().at(0).find("class")->as_string() == folder;
    ++total;
  }
  EXPECT_EQ(total, 200);
  EXPECT_GE(right, 190) << "held-out images named right: " << right << " of " << total;
  std::printf("held-out images named right: %lld of %lld\n", static_cast<long long>(right),
              static_cast<long long>(total));
  fs::remove_all(dir);
}

}  // namespace

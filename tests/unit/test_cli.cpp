// Runs the built `hangu` program and checks its output, languages and exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "cli_util.h"
#include "hangu/core/version.h"

namespace {

using hangu::test_cli::contains;
using hangu::test_cli::count_lines;
using hangu::test_cli::Result;
using hangu::test_cli::run_hangu;

}  // namespace

TEST(Cli, InfoShowsVersionFeaturesAndThreads) {
  Result r = run_hangu("info --threads 3");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, std::string(hangu::version()))) << r.out;
  EXPECT_TRUE(contains(r.out, "avx2")) << r.out;
  EXPECT_TRUE(contains(r.out, "avx512_bf16")) << r.out;
  EXPECT_TRUE(contains(r.out, "threads:          3")) << r.out;
  EXPECT_TRUE(contains(r.out, "cpu reference kernels: on")) << r.out;
}

TEST(Cli, InfoJson) {
  Result r = run_hangu("--threads=2 info --json", "en_US.UTF-8", "2>/dev/null");
  ASSERT_EQ(r.code, 0) << r.out;
  ASSERT_FALSE(r.out.empty());
  EXPECT_EQ(r.out.front(), '{');
  EXPECT_TRUE(contains(r.out, "\"version\": \"" + std::string(hangu::version()) + "\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"ops\": [")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"reshape\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"avx2\": ")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"threads\": 2")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"cuda\": \"off\"")) << r.out;
  // Balanced braces and brackets, ending with the object.
  int depth = 0;
  for (char c : r.out) depth += (c == '{' || c == '[') - (c == '}' || c == ']');
  EXPECT_EQ(depth, 0);
  EXPECT_EQ(r.out.substr(r.out.size() - 2), "}\n");
}

TEST(Cli, ThreadsFromEnvironment) {
  Result r = run_hangu("info --json", "C", "2>/dev/null", "HANGU_NUM_THREADS=5");
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(contains(r.out, "\"threads\": 5")) << r.out;
  Result flag_wins = run_hangu("info --json --threads 1", "C", "2>/dev/null", "HANGU_NUM_THREADS=5");
  EXPECT_TRUE(contains(flag_wins.out, "\"threads\": 1")) << flag_wins.out;
  Result bad = run_hangu("info", "C", "2>&1 >/dev/null", "HANGU_NUM_THREADS=lots");
  EXPECT_EQ(bad.code, 2);
  EXPECT_TRUE(contains(bad.out, "HANGU_NUM_THREADS")) << bad.out;
}

TEST(Cli, UnknownCommandIsOneLineAndExitsTwo) {
  Result en = run_hangu("frobnicate", "en_US.UTF-8", "2>&1 >/dev/null");
  EXPECT_EQ(en.code, 2);
  EXPECT_EQ(count_lines(en.out), 1) << en.out;
  EXPECT_TRUE(contains(en.out, "unknown command 'frobnicate'")) << en.out;

  Result zh = run_hangu("frobnicate", "zh_CN.UTF-8", "2>&1 >/dev/null");
  EXPECT_EQ(zh.code, 2);
  EXPECT_EQ(count_lines(zh.out), 1) << zh.out;
  EXPECT_TRUE(contains(zh.out, "未知命令")) << zh.out;

  Result flag = run_hangu("--lang zh frobnicate", "en_US.UTF-8", "2>&1 >/dev/null");
  EXPECT_EQ(flag.code, 2);
  EXPECT_TRUE(contains(flag.out, "未知命令")) << flag.out;

  Result back = run_hangu("frobnicate --lang=en", "zh_CN.UTF-8", "2>&1 >/dev/null");
  EXPECT_TRUE(contains(back.out, "unknown command")) << back.out;
}

TEST(Cli, BadOptionsExitTwo) {
  Result unknown = run_hangu("info --bogus", "en_US.UTF-8", "2>&1 >/dev/null");
  EXPECT_EQ(unknown.code, 2);
  EXPECT_EQ(count_lines(unknown.out), 1) << unknown.out;
  EXPECT_TRUE(contains(unknown.out, "--bogus")) << unknown.out;

  Result missing = run_hangu("info --threads", "en_US.UTF-8", "2>&1 >/dev/null");
  EXPECT_EQ(missing.code, 2);
  EXPECT_TRUE(contains(missing.out, "--threads")) << missing.out;

  Result bad_int = run_hangu("info --threads many", "zh_CN.UTF-8", "2>&1 >/dev/null");
  EXPECT_EQ(bad_int.code, 2);
  EXPECT_TRUE(contains(bad_int.out, "不是整数")) << bad_int.out;

  EXPECT_EQ(run_hangu("info --threads 0").code, 2);
  EXPECT_EQ(run_hangu("--lang xx info").code, 2);
  EXPECT_EQ(run_hangu("info extra").code, 2);
  EXPECT_EQ(run_hangu("").code, 2);  // no command: usage on stderr
}

TEST(Cli, ChineseAliasesAndReservedCommands) {
  Result info = run_hangu("信息", "zh_CN.UTF-8");
  EXPECT_EQ(info.code, 0) << info.out;
  EXPECT_TRUE(contains(info.out, "线程数")) << info.out;
  EXPECT_TRUE(contains(info.out, "avx2")) << info.out;

  Result demo = run_hangu("演示", "zh_CN.UTF-8");
  EXPECT_EQ(demo.code, 0) << demo.out;
  EXPECT_TRUE(contains(demo.out, "张量演示")) << demo.out;

  // 预测 (predict) exists: without options it asks for the model (test_image_folder_cli covers it).
  Result predict = run_hangu("预测", "zh_CN.UTF-8", "2>&1 >/dev/null");
  EXPECT_EQ(predict.code, 2);
  EXPECT_EQ(count_lines(predict.out), 1) << predict.out;
  EXPECT_TRUE(contains(predict.out, "--model")) << predict.out;
  // 训练 (train) exists: without options it asks for them (test_train_cli covers it in full).
  Result train = run_hangu("训练", "zh_CN.UTF-8", "2>&1 >/dev/null");
  EXPECT_EQ(train.code, 2);
  EXPECT_EQ(count_lines(train.out), 1) << train.out;
  EXPECT_TRUE(contains(train.out, "--model")) << train.out;
  EXPECT_EQ(run_hangu("export").code, 2);
}

TEST(Cli, HelpVersionAndDemo) {
  Result help = run_hangu("--help");
  EXPECT_EQ(help.code, 0);
  EXPECT_TRUE(contains(help.out, "Usage: hangu")) << help.out;
  EXPECT_EQ(run_hangu("help").code, 0);
  Result help_zh = run_hangu("帮助", "zh_CN.UTF-8");
  EXPECT_EQ(help_zh.code, 0);
  EXPECT_TRUE(contains(help_zh.out, "用法")) << help_zh.out;

  Result version = run_hangu("--version");
  EXPECT_EQ(version.code, 0);
  EXPECT_EQ(version.out, "hangu " + std::string(hangu::version()) + "\n");

  Result demo = run_hangu("demo");
  EXPECT_EQ(demo.code, 0) << demo.out;
  EXPECT_TRUE(contains(demo.out, "tensor([[0, 1, 2],\n        [3, 4, 5]])")) << demo.out;
  EXPECT_TRUE(contains(demo.out, "...")) << demo.out;
}

#pragma once
// The commands of the `hangu` program. Each returns the process exit code
// (0 success, 1 failure of the work, 2 bad usage or bad input) or throws hangu::Error.
#include <optional>
#include <vector>

#include "hangu/cli/args.h"

namespace hangu::cli {

std::vector<OptionSpec> info_options();
int run_info(const ParsedArgs& args);

std::vector<OptionSpec> demo_options();
int run_demo(const ParsedArgs& args);

// train_config.h holds their option lists.
int run_train(const ParsedArgs& args);
int run_eval(const ParsedArgs& args);
int run_bench(const ParsedArgs& args);  // `bench train`
// bench_kernels_cmd.cpp: `bench matmul`, and the options of the kernel benchmarks.
int run_bench_matmul(const ParsedArgs& args);
int run_bench_peak(const ParsedArgs& args);
std::vector<OptionSpec> bench_kernel_options();
// bench_conv_cmd.cpp: `bench conv`.
int run_bench_conv(const ParsedArgs& args);
std::vector<OptionSpec> bench_conv_options();

// `export --model lenet|mlp --weights FILE --onnx OUT.onnx` (export_cmd.cpp).
std::vector<OptionSpec> export_options();
int run_export(const ParsedArgs& args);

// ONNX models (runtime/): `run MODEL.onnx --input NAME=FILE.npy ... --output-dir DIR [--json]` and
// `bench MODEL.onnx` (run_cmd.cpp), `onnx-test DIR... [--json]` (onnx_test_cmd.cpp).
std::vector<OptionSpec> run_options();
int run_run(const ParsedArgs& args);
std::vector<OptionSpec> bench_onnx_options();
int run_bench_onnx(const ParsedArgs& args);
std::vector<OptionSpec> onnx_test_options();
int run_onnx_test(const ParsedArgs& args);

// `predict --model MODEL_FOLDER IMAGE_OR_FOLDER... [--top-k K] [--json]` (predict_cmd.cpp).
std::vector<OptionSpec> predict_options();
int run_predict(const ParsedArgs& args);

// `generate --model DIR --prompt TEXT --max-new-tokens N [...] [--json]` (generate_cmd.cpp).
std::vector<OptionSpec> generate_options();
int run_generate(const ParsedArgs& args);
// `train --model gpt --text FILE --out DIR ...` (text_train_cmd.cpp): runs when --text is given.
std::optional<int> maybe_run_train_text(const ParsedArgs& args);

}  // namespace hangu::cli

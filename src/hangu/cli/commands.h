#pragma once
// The commands of the `hangu` program. Each returns the process exit code
// (0 success, 1 failure of the work, 2 bad usage or bad input) or throws hangu::Error.
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

}  // namespace hangu::cli

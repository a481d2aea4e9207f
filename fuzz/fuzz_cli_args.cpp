// Fuzz target: the command-line parser and the checks of the train, eval and bench options
// (cli/args.h, cli/train_config.h). The input is the argument list, one argument per line.
#include <string>
#include <vector>

#include "fuzz_entry.h"
#include "hangu/cli/args.h"
#include "hangu/cli/train_config.h"
#include "hangu/core/error.h"

HANGU_FUZZ_ENTRY(cli_args) {
  using namespace hangu;
  std::vector<std::string> args(1);
  for (size_t i = 0; i < size && args.size() <= 256; ++i) {
    if (data[i] == '\n') {
      args.emplace_back();
    } else {
      args.back() += static_cast<char>(data[i]);
    }
  }
  using Parse = void (*)(const cli::ParsedArgs&);
  struct Command {
    std::vector<cli::OptionSpec> (*options)();
    Parse parse;
  };
  const Command commands[] = {
      {cli::train_options, [](const cli::ParsedArgs& a) { (void)cli::parse_train_config(a); }},
      {cli::eval_options, [](const cli::ParsedArgs& a) { (void)cli::parse_eval_config(a); }},
      {cli::bench_options, [](const cli::ParsedArgs& a) { (void)cli::parse_bench_config(a); }},
  };
  for (const Command& c : commands) {
    try {
      std::vector<cli::OptionSpec> specs = c.options();
      specs.push_back({"--threads", true});
      specs.push_back({"--lang", true});
      cli::ParsedArgs parsed = cli::parse_args(args, specs, "fuzz");
      c.parse(parsed);
      if (auto t = parsed.value("--threads")) (void)cli::parse_int(*t, "--threads");
    } catch (const hangu::Error&) {
    }
  }
  return 0;
}

// The `hangu` command: global options, the command table (with Chinese aliases) and the one
// place where errors become a single line and an exit code.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "hangu/cli/args.h"
#include "hangu/cli/commands.h"
#include "hangu/cli/train_config.h"
#include "hangu/core/error.h"
#include "hangu/core/i18n.h"
#include "hangu/core/thread_pool.h"
#include "hangu/core/version.h"
#include "hangu/dist/dist.h"

namespace hangu::cli {
namespace {

// A command: its names, its options and what runs it. `positionals` says whether it takes
// plain arguments (files, a benchmark's name); other commands reject them.
struct Command {
  const char* name;
  const char* alias_zh;
  std::vector<OptionSpec> (*options)();
  int (*run)(const ParsedArgs&);
  bool positionals;
};

std::vector<OptionSpec> no_options() { return {}; }
int run_help(const ParsedArgs&);

// Reserved commands (run == nullptr) are accepted by name so they answer "not available yet".
// A new command is one row here and its declaration in commands.h.
const Command kCommands[] = {
    {"info", "信息", info_options, run_info, false},
    {"demo", "演示", demo_options, run_demo, false},
    {"help", "帮助", no_options, run_help, false},
    {"train", "训练", train_options, run_train, false},
    {"eval", "评估", eval_options, run_eval, false},
    {"bench", "基准", bench_options, run_bench, true},
    {"predict", "预测", predict_options, run_predict, true},
    {"export", "导出", export_options, run_export, false},
    {"run", "运行", run_options, run_run, true},
    {"onnx-test", "一致性测试", onnx_test_options, run_onnx_test, true},
    {"generate", "生成", generate_options, run_generate, false},
};

const Command* find_command(const std::string& word) {
  for (const Command& c : kCommands)
    if (word == c.name || word == c.alias_zh) return &c;
  return nullptr;
}

std::vector<OptionSpec> global_options() {
  return {{"--lang", true}, {"--threads", true}, {"--help", false}, {"-h", false}, {"--version", false}};
}

bool global_takes_value(const std::string& arg) { return arg == "--lang" || arg == "--threads"; }

// --lang is applied before anything else, so that every later error is in that language.
void apply_language(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") return;
    std::string value;
    if (a.rfind("--lang=", 0) == 0) {
      value = a.substr(7);
    } else if (a == "--lang") {
      if (i + 1 >= args.size()) throw ValueError(MsgId::cli_missing_value, "hangu", "--lang");
      value = args[i + 1];
    } else {
      continue;
    }
    Lang lang;
    if (!parse_language(value, &lang)) throw ValueError(MsgId::cli_bad_lang, value);
    set_language(lang);
  }
}

void print_usage(std::FILE* to) {
  std::fputs(tr(MsgId::cli_usage).c_str(), to);
  std::fputc('\n', to);
}

int run(const std::vector<std::string>& args) {
  apply_language(args);

  // The command is the first word that is neither an option nor an option's value.
  size_t cmd_index = args.size();
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      if (i + 1 < args.size()) cmd_index = i + 1;
      break;
    }
    if (global_takes_value(a)) {
      ++i;
      continue;
    }
    if (a.size() >= 2 && a[0] == '-') continue;
    cmd_index = i;
    break;
  }

  const Command* cmd = nullptr;
  std::vector<OptionSpec> specs = global_options();
  std::string context = "hangu";
  if (cmd_index < args.size()) {
    cmd = find_command(args[cmd_index]);
    if (!cmd) throw ValueError(MsgId::cli_unknown_command, args[cmd_index]);
    context = cmd->name;
    std::vector<OptionSpec> extra = cmd->options();
    specs.insert(specs.end(), extra.begin(), extra.end());
  }
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i)
    if (i != cmd_index) rest.push_back(args[i]);
  ParsedArgs parsed = parse_args(rest, specs, context);

  if (parsed.has("--version")) {
    std::printf("%s\n", tr(MsgId::cli_version_line, {std::string(version())}).c_str());
    return 0;
  }
  if (parsed.has("--help") || parsed.has("-h") || (cmd && cmd->run == run_help)) {
    print_usage(stdout);
    return 0;
  }
  if (!cmd) {
    print_usage(stderr);
    return 2;
  }
  if (cmd->run == nullptr) throw Unsupported(MsgId::cli_not_available, args[cmd_index]);
  if (!parsed.positionals.empty() && !cmd->positionals)
    throw ValueError(MsgId::cli_unexpected_arg, context, parsed.positionals[0]);
  if (auto n = parsed.value("--threads")) {
    int64_t threads = parse_int(*n, "--threads");
    if (threads < 1 || threads > 4096) throw ValueError(MsgId::bad_thread_count, threads);
    set_num_threads(static_cast<int>(threads));
  }
  return cmd->run(parsed);
}

int run_help(const ParsedArgs&) {
  print_usage(stdout);
  return 0;
}

// Bad input or usage exits 2; a failure of the work itself exits 1.
int exit_code(const Error& e) {
  switch (e.kind()) {
    case ErrorKind::shape:
    case ErrorKind::dtype:
    case ErrorKind::index:
    case ErrorKind::value:
    case ErrorKind::format:
      return 2;
    case ErrorKind::unsupported:
      return e.id() == MsgId::cli_not_available ? 2 : 1;
    default:
      return 1;
  }
}

// One line on stderr, whatever the message holds.
void print_error(const std::string& message) {
  std::string line = tr(MsgId::cli_error_line, {message});
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace
}  // namespace hangu::cli

int main(int argc, char** argv) {
  using namespace hangu;
  // Under mpirun each process is one rank of data-parallel training (hangu/dist): MPI starts
  // here, ends here on success, and after an error every rank is ended (dist::abort) so that none
  // waits for a rank that has gone.
  auto fail = [](int code) {
    if (dist::world_size() > 1) dist::abort(code);
    return code;
  };
  try {
    dist::init_if_launched(&argc, &argv, "hangu");
    std::vector<std::string> args(argv + 1, argv + argc);
    const int code = cli::run(args);
    if (code != 0) return fail(code);
    dist::finalize();
    return 0;
  } catch (const Error& e) {
    try {
      cli::print_error(e.what());
    } catch (...) {
    }
    return fail(cli::exit_code(e));
  } catch (const std::exception& e) {
    try {
      cli::print_error(tr(MsgId::cli_internal_error, {e.what()}));
    } catch (...) {
    }
    return fail(1);
  } catch (...) {
    try {
      cli::print_error(tr(MsgId::cli_unknown_failure));
    } catch (...) {
    }
    return fail(1);
  }
}

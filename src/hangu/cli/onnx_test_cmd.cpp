// `hangu onnx-test DIR... [--json]`: runs ONNX backend test cases (runtime/conformance.h) and
// reports pass / fail / skip per case with the reason. Exit 0 when no case failed, 1 otherwise.
#include <cstdio>

#include "hangu/cli/commands.h"
#include "hangu/core/error.h"
#include "hangu/core/i18n.h"
#include "hangu/runtime/conformance.h"

namespace hangu::cli {

std::vector<OptionSpec> onnx_test_options() { return {{"--json", false}}; }

int run_onnx_test(const ParsedArgs& args) {
  if (args.positionals.empty()) throw ValueError(MsgId::rt_cli_no_paths, "onnx-test");
  const bool json = args.has("--json");
  auto print_case = [&](const runtime::CaseResult& r) {
    if (json) return;
    using S = runtime::CaseResult::Status;
    const std::string line = r.status == S::pass   ? tr(MsgId::rt_cli_pass, {r.name})
                             : r.status == S::fail ? tr(MsgId::rt_cli_fail, {r.name, r.reason})
                                                   : tr(MsgId::rt_cli_skip, {r.name, r.reason});
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  runtime::ConformanceReport rep = runtime::run_conformance(args.positionals, {}, print_case);
  if (json) {
    std::printf("%s\n", rep.to_json().dump().c_str());
  } else {
    std::printf("%s\n", tr(MsgId::rt_cli_summary, {std::to_string(rep.total), std::to_string(rep.passed),
                                                  std::to_string(rep.failed), std::to_string(rep.skipped)})
                            .c_str());
  }
  return rep.failed == 0 ? 0 : 1;
}

}  // namespace hangu::cli

// `hangu demo`: a few tensors, views and conversions, printed as PyTorch prints them.
#include <cstdio>
#include <string>

#include "hangu/cli/commands.h"
#include "hangu/core/error.h"
#include "hangu/core/i18n.h"
#include "hangu/core/print.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/linalg.h"
#include "hangu/ops/reduction.h"
#include "hangu/ops/views.h"

namespace hangu::cli {
namespace {

void show(MsgId heading, const std::vector<std::string>& args, const Tensor& t) {
  std::printf("%s\n%s\n\n", tr(heading, args).c_str(), to_string(t).c_str());
}

}  // namespace

std::vector<OptionSpec> demo_options() { return {}; }

int run_demo(const ParsedArgs&) {
  std::printf("%s\n\n", tr(MsgId::cli_demo_title).c_str());

  Tensor a = reshape(arange(6), {2, 3});
  show(MsgId::cli_demo_arange, {}, a);
  Tensor at = t(a);
  show(MsgId::cli_demo_transpose, {msg_arg(at.strides())}, at);
  show(MsgId::cli_demo_add, {}, add(a, arange(3)));
  Tensor x = to(a, DType::f32);
  show(MsgId::cli_demo_matmul, {}, matmul(x, t(x)));
  const int64_t dim1[] = {1};
  show(MsgId::cli_demo_sum, {}, sum(a, dim1));
  fill_(select(a, 0, 0), 7);
  show(MsgId::cli_demo_write_view, {}, a);

  Tensor l = linspace(0.0, 1.0, 5);
  show(MsgId::cli_demo_linspace, {}, l);
  show(MsgId::cli_demo_cast, {msg_arg(DType::f16)}, to(l, DType::f16));
  show(MsgId::cli_demo_eye, {}, eye(3));

  Tensor big = reshape(arange(0.0, 5000.0, 0.5), {100, 100});
  show(MsgId::cli_demo_large, {msg_arg(big.numel())}, big);
  return 0;
}

}  // namespace hangu::cli

#include "hangu/cli/train_guard.h"

#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "hangu/core/error.h"
#include "hangu/core/i18n.h"
#include "hangu/ops/nonfinite.h"

namespace hangu::cli {

bool check_step_finite(const std::string& on_nan, double loss, const std::vector<Tensor>& params,
                       const StepPlace& place) {
  MsgId what;
  std::string value;
  if (!std::isfinite(loss)) {
    what = MsgId::rob_what_loss;
    value = std::isnan(loss) ? "NaN" : "Inf";
  } else {
    std::vector<Tensor> grads;
    grads.reserve(params.size());
    for (const Tensor& p : params) grads.push_back(p.grad());
    if (ops::all_finite(grads)) return true;
    what = MsgId::rob_what_grad_norm;
    value = "Inf";
    for (const Tensor& g : grads)
      if (const char* kind = ops::nonfinite_kind(g); kind && std::string(kind) == "NaN") value = "NaN";
  }
  const std::vector<std::string> args = {std::to_string(place.step), std::to_string(place.epoch),
                                         std::to_string(place.batch), tr(what), value};
  if (on_nan != "skip") throw Error(MsgId::rob_nonfinite_stop, args);
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", tr(MsgId::rob_nonfinite_skip, args).c_str());
  return false;
}

void log_step_for_tests(int64_t global_step) {
  static const char* path = std::getenv("HANGU_TEST_STEP_LOG");
  if (!path || !*path) return;
  int fd = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  std::string line = std::to_string(global_step) + "\n";
  ssize_t w = ::write(fd, line.data(), line.size());
  (void)w;
  ::close(fd);
}

}  // namespace hangu::cli

#pragma once
// Guards of the training loop (issue 8): the --on-nan policy, and the test hooks of the kill test.
#include <cstdint>
#include <string>
#include <vector>

#include "hangu/core/tensor.h"

namespace hangu::cli {

// Where a step is, for messages: `step` counts from 1 like the progress line, epoch and batch too.
struct StepPlace {
  int64_t step = 0;
  int64_t epoch = 0;
  int64_t batch = 0;
};

// Checks a step's loss and the gradients of `params` (after backward, before the optimizer step).
// Returns true when both are finite. Otherwise, with on_nan == "skip", prints one line on stderr
// and returns false (the caller skips the update); with "stop", throws Error naming the step and
// which value was NaN or Inf.
bool check_step_finite(const std::string& on_nan, double loss, const std::vector<Tensor>& params,
                       const StepPlace& place);

// Test hook of the kill test: with HANGU_TEST_STEP_LOG=FILE, each finished step's number is
// appended to FILE (one line, unbuffered), so a test that kills the process knows how far it got.
void log_step_for_tests(int64_t global_step);

}  // namespace hangu::cli

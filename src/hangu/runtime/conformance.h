#pragma once
// Runs ONNX backend test cases (a folder with model.onnx and test_data_set_*/input_*.pb,
// output_*.pb), as `hangu onnx-test` and the conformance ratchet test do. Outputs are compared in
// their own dtype: floats within |got - want| <= atol + rtol * |want| (NaN equals NaN, infinities
// must match), integers, bools and strings exactly.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hangu/io/json.h"
#include "hangu/runtime/value.h"

namespace hangu::runtime {

struct ConformanceOptions {
  double rtol = 1e-3;
  double atol = 1e-7;
};

struct CaseResult {
  enum class Status { pass, fail, skip };
  std::string name;  // the case folder's name
  std::string dir;
  Status status = Status::fail;
  std::string reason;  // empty when it passed
};

struct ConformanceReport {
  int64_t total = 0, passed = 0, failed = 0, skipped = 0;
  std::vector<CaseResult> cases;
  // {"total", "passed", "failed", "skipped", "cases": [{"name", "status", "reason"}]}
  io::Json to_json() const;
};

const char* status_name(CaseResult::Status s);  // "pass", "fail", "skip"

// The case folders named by `paths`: a folder holding model.onnx is one case; any other folder
// contributes its sub-folders that hold one, in name order. Throws IoError for a missing path.
std::vector<std::string> find_cases(const std::vector<std::string>& paths);

// Runs one case: "skip" when the model needs something hangu does not support (an operator, an
// element type), "fail" for any other error or a mismatch (the reason says which output and where).
CaseResult run_case(const std::string& dir, const ConformanceOptions& opts = {});

// Runs every case of find_cases(paths); `on_case` (optional) sees each result as it is made.
ConformanceReport run_conformance(const std::vector<std::string>& paths, const ConformanceOptions& opts = {},
                                  const std::function<void(const CaseResult&)>& on_case = {});

// Compares one output; empty when they match, else a reason naming `what` and the first
// mismatching element.
std::string compare_values(const Value& got, const Value& want, const std::string& what, const ConformanceOptions& opts);

}  // namespace hangu::runtime

// The ONNX conformance ratchet: runs every case of Debian's libonnx-testdata suites through the
// same code as `hangu onnx-test` (runtime/conformance.h) and fails when a suite passes fewer
// cases than tests/fixtures/onnx_conformance_counts.json commits. Raise the committed counts when
// more cases pass (tools/gen_onnx_conformance_doc.py prints them).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hangu/io/json.h"
#include "hangu/runtime/conformance.h"

namespace hangu {
namespace {

const char* kData = "/usr/share/libonnx-testdata/data";

int64_t committed(const std::string& suite) {
  std::ifstream f(std::string(HANGU_FIXTURE_DIR) + "/onnx_conformance_counts.json");
  std::stringstream ss;
  ss << f.rdbuf();
  io::Json j = io::Json::parse(ss.str(), "onnx_conformance_counts.json");
  const io::Json* v = j.find(suite);
  return v ? v->as_int() : -1;
}

class Conformance : public ::testing::TestWithParam<const char*> {};

TEST_P(Conformance, PassCountDoesNotFallBelowTheCommittedCount) {
  const std::string suite = GetParam();
  const std::string dir = std::string(kData) + "/" + suite;
  if (!std::filesystem::is_directory(dir))
    GTEST_SKIP() << dir << " is absent: install Debian's libonnx-testdata (.ci/run does) to run the ONNX conformance suite";
  const int64_t floor = committed(suite);
  ASSERT_GE(floor, 0) << "no committed count for " << suite;
  runtime::ConformanceReport rep = runtime::run_conformance({dir});
  std::printf("[ %s ] %lld cases: %lld passed, %lld failed, %lld skipped (committed floor %lld)\n", suite.c_str(),
              static_cast<long long>(rep.total), static_cast<long long>(rep.passed), static_cast<long long>(rep.failed),
              static_cast<long long>(rep.skipped), static_cast<long long>(floor));
  if (rep.passed < floor)
    for (const auto& c : rep.cases)
      if (c.status != runtime::CaseResult::Status::pass)
        std::printf("  %s %s: %s\n", runtime::status_name(c.status), c.name.c_str(), c.reason.c_str());
  EXPECT_GE(rep.passed, floor) << suite << ": fewer cases pass than the committed count";
  EXPECT_EQ(rep.total, rep.passed + rep.failed + rep.skipped);
}

INSTANTIATE_TEST_SUITE_P(Suites, Conformance, ::testing::Values("node", "pytorch-converted", "pytorch-operator", "simple"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string n = info.param;
                           for (char& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

}  // namespace
}  // namespace hangu

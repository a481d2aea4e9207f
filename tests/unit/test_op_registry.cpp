// Checks every registered op against the fixtures of tools/gen_op_fixtures.py (PyTorch 1.13, or
// tools/fixtures/philox.py for random ops): outputs' count, shape, dtype and values, the backward
// of differentiable ops (gradients for the fixture's cotangents, where it has them); error cases
// throw the right typed error whose message names the culprits, in English and Chinese.
// One parameterised test per op, so `--gtest_filter=*add*` picks ops; HANGU_TEST_OPS=a,b also
// restricts the list.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>

#include "cli_util.h"
#include "hangu/autograd/engine.h"
#include "hangu/core/error.h"
#include "hangu/core/i18n.h"
#include "hangu/io/safetensors.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/registry.h"
#include "test_util.h"

namespace hangu {
namespace {

using ops::OpInfo;

std::vector<std::string> selected_ops() { return test_util::registered_ops(/*differentiable_only=*/false); }

std::string fixture_path(const std::string& op) { return std::string(HANGU_FIXTURE_DIR) + "/ops/" + op + ".safetensors"; }

bool has_cjk(const std::string& s) {
  for (size_t i = 0; i + 2 < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0xE4 && c <= 0xE9) return true;  // UTF-8 lead byte of U+4E00..U+9FFF
  }
  return false;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  Tensor ca = clone(a), cb = clone(b);
  return ca.nbytes() == 0 || std::memcmp(ca.data(), cb.data(), static_cast<size_t>(ca.nbytes())) == 0;
}

struct Tolerance {
  double rtol, atol;
};

Tolerance tolerance_for(DType d, const OpInfo& op) {
  if (op.rtol == 0 && op.atol == 0) return {0, 0};  // an exact op (copies, views, fills) in every dtype
  double scale = std::max(1.0, op.rtol / 1e-6);  // an op that loosened f32 loosens the others alike
  switch (d) {
    case DType::f64: return {1e-12 * scale, 1e-12 * std::max(1.0, op.atol / 1e-6)};
    case DType::f16: return {std::max(1e-3, op.rtol), std::max(1e-3, op.atol)};
    case DType::bf16: return {std::max(8e-3, op.rtol), std::max(8e-3, op.atol)};
    default: return {op.rtol, op.atol};
  }
}

// Empty when `got` matches `want` (same shape and dtype assumed); otherwise a description of the
// first mismatches. Floats use the tolerance of tol_dtype (default: want's dtype), times `scale`.
std::string compare_values(const Tensor& got, const Tensor& want, const OpInfo& op,
                           std::optional<DType> tol_dtype = std::nullopt, double scale = 1) {
  std::ostringstream os;
  int shown = 0;
  auto report = [&](int64_t i, const std::string& g, const std::string& w) {
    if (shown++ < 5) os << "\n    element " << i << ": got " << g << ", expected " << w;
  };
  if (!is_floating(want.dtype())) {
    auto g = to_vector<int64_t>(got), w = to_vector<int64_t>(want);
    for (size_t i = 0; i < g.size(); ++i)
      if (g[i] != w[i]) report(static_cast<int64_t>(i), std::to_string(g[i]), std::to_string(w[i]));
  } else {
    Tolerance tol = tolerance_for(tol_dtype.value_or(want.dtype()), op);
    tol.rtol *= scale;
    tol.atol *= scale;
    auto g = to_vector<double>(got), w = to_vector<double>(want);
    for (size_t i = 0; i < g.size(); ++i) {
      double a = g[i], b = w[i];
      bool ok = std::isnan(b) ? std::isnan(a)
                : std::isinf(b) || std::isinf(a) ? a == b
                                                 : std::fabs(a - b) <= tol.atol + tol.rtol * std::fabs(b);
      if (!ok) {
        char ga[40], wa[40];
        std::snprintf(ga, sizeof ga, "%.9g", a);
        std::snprintf(wa, sizeof wa, "%.9g", b);
        report(static_cast<int64_t>(i), ga, wa);
      }
    }
    if (shown) os << "\n    (rtol " << tol.rtol << ", atol " << tol.atol << ")";
  }
  if (shown > 5) os << "\n    ... " << shown << " mismatches in all";
  return os.str();
}

// True when floating dtype a is less precise than b (bf16 < f16 < f32 < f64 for tolerances).
bool coarser(DType a, DType b) {
  auto rank = [](DType d) { return d == DType::bf16 ? 0 : d == DType::f16 ? 1 : d == DType::f32 ? 2 : 3; };
  return rank(a) < rank(b);
}

class OpTest : public ::testing::TestWithParam<std::string> {
 protected:
  const OpInfo& op() const { return *ops::op_registry().find(GetParam()); }
};

TEST_P(OpTest, ForwardMatchesFixture) {
  const OpInfo& info = op();
  std::string path = fixture_path(info.name);
  if (!std::filesystem::exists(path))
    FAIL() << "no fixture " << path << " for op '" << info.name << "': run /usr/bin/python3 tools/gen_op_fixtures.py --ops "
           << info.name;
  io::SafetensorsFile fx = io::load_safetensors(path);
  auto meta = [&](const std::string& k) {
    auto it = fx.metadata.find(k);
    return it == fx.metadata.end() ? std::string("<missing>") : it->second;
  };
  const std::string stale = " (stale fixture: rerun tools/gen_op_fixtures.py --ops " + info.name + ")";
  std::vector<ops::OpSample> samples = info.samples();
  ASSERT_EQ(meta("num_samples"), std::to_string(samples.size())) << "sample count differs" << stale;
  for (size_t k = 0; k < samples.size(); ++k) {
    const ops::OpSample& s = samples[k];
    std::string p = std::string("s").append(std::to_string(k));  // (not "s" + ...: GCC 12 -Wrestrict)
    SCOPED_TRACE(info.name + " sample " + std::to_string(k) + " (" + s.desc + "), args " + s.args.to_json());
    EXPECT_EQ(meta(p + ".args"), s.args.to_json()) << "args differ" << stale;
    for (size_t j = 0; j < s.inputs.size(); ++j) {
      const Tensor* stored = fx.find(p + ".in" + std::to_string(j));
      ASSERT_NE(stored, nullptr) << "input " << j << " missing" << stale;
      EXPECT_TRUE(same_bits(s.inputs[j], *stored)) << "input " << j << " differs" << stale;
    }
    std::vector<Tensor> out;
    try {
      out = info.fn(s.inputs, s.args);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "threw: " << e.what();
      continue;
    }
    size_t want_n = 0;
    while (fx.find(p + ".out" + std::to_string(want_n))) ++want_n;
    ASSERT_EQ(out.size(), want_n) << "number of outputs";
    for (size_t j = 0; j < out.size(); ++j) {
      const Tensor& want = *fx.find(p + ".out" + std::to_string(j));
      const Tensor& got = out[j];
      ASSERT_TRUE(got.defined()) << "output " << j << " undefined";
      EXPECT_EQ(shape_str(got.shape()), shape_str(want.shape())) << "output " << j << " shape";
      EXPECT_EQ(dtype_name(got.dtype()), dtype_name(want.dtype())) << "output " << j << " dtype";
      if (got.shape() != want.shape() || got.dtype() != want.dtype()) continue;
      std::string diff = compare_values(got, want, info);
      EXPECT_TRUE(diff.empty()) << "output " << j << " values differ:" << diff;
    }
  }
}

// The backward against PyTorch's: the fixture's "s<k>.cot<j>" are the cotangents of the float
// outputs and "s<k>.grad<j>" the gradients of sum(out_j * cot_j) with respect to float input j
// (tools/gen_op_fixtures.py). An op whose fixture holds no gradients yet is skipped; a gradient
// that we do not produce counts as zeros, so a missing backward fails where torch's is nonzero.
TEST_P(OpTest, BackwardMatchesFixture) {
  const OpInfo& info = op();
  std::string path = fixture_path(info.name);
  if (!info.differentiable || !std::filesystem::exists(path)) return;  // the forward test reports it
  io::SafetensorsFile fx = io::load_safetensors(path);
  OpInfo tol_op = info;  // an exact forward (expand) may still sum in its backward: default tolerance
  if (tol_op.rtol == 0 && tol_op.atol == 0) tol_op.rtol = tol_op.atol = 1e-6;
  std::vector<ops::OpSample> samples = info.samples();
  for (size_t k = 0; k < samples.size(); ++k) {
    ops::OpSample& s = samples[k];
    std::string p = std::string("s").append(std::to_string(k));
    std::vector<size_t> float_in;
    for (size_t j = 0; j < s.inputs.size(); ++j)
      if (fx.find(p + ".grad" + std::to_string(j))) float_in.push_back(j);
    if (float_in.empty()) continue;
    SCOPED_TRACE(info.name + " sample " + std::to_string(k) + " (" + s.desc + "), args " + s.args.to_json());
    std::vector<Tensor> leaves;
    for (size_t j : float_in) {
      s.inputs[j] = s.inputs[j].detach();
      s.inputs[j].set_requires_grad(true);
      leaves.push_back(s.inputs[j]);
    }
    std::vector<Tensor> grads(float_in.size());
    // A gradient is computed in its outputs' precision, and in its float inputs' where the op
    // takes an intermediate in an input's dtype (pow's log(a), as torch): that intermediate's
    // last bit depends on the f32 log kernel (kernels/cpu/simd), not on the formula.
    DType coarsest = DType::f64;
    for (const Tensor& in : s.inputs)
      if (in.defined() && in.is_floating_point() && coarser(in.dtype(), coarsest)) coarsest = in.dtype();
    try {
      std::vector<Tensor> out = info.fn(s.inputs, s.args);
      std::vector<Tensor> roots, cots;
      for (size_t j = 0; j < out.size(); ++j) {
        const Tensor* cot = fx.find(p + ".cot" + std::to_string(j));
        if (cot && coarser(cot->dtype(), coarsest)) coarsest = cot->dtype();
        if (cot && out[j].defined() && out[j].requires_grad()) {
          roots.push_back(out[j]);
          cots.push_back(*cot);
        }
      }
      if (!roots.empty()) grads = autograd::grad(roots, leaves, cots, false, false, /*allow_unused=*/true);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "backward threw: " << e.what();
      continue;
    }
    for (size_t i = 0; i < float_in.size(); ++i) {
      const Tensor& want = *fx.find(p + ".grad" + std::to_string(float_in[i]));
      Tensor got = grads[i].defined() ? grads[i] : zeros(want.shape(), want.dtype());
      EXPECT_EQ(shape_str(got.shape()), shape_str(want.shape())) << "gradient of input " << float_in[i] << " shape";
      EXPECT_EQ(dtype_name(got.dtype()), dtype_name(want.dtype())) << "gradient of input " << float_in[i] << " dtype";
      if (got.shape() != want.shape() || got.dtype() != want.dtype()) continue;
      DType tol_dtype = coarser(want.dtype(), coarsest) ? want.dtype() : coarsest;
      // A 16-bit backward that uses the output amplifies its last-bit rounding differences with
      // torch (rsqrt's r^3 turns one bfloat16 ulp into three): 4 times the forward tolerance.
      double scale = tol_dtype == DType::f16 || tol_dtype == DType::bf16 ? 4 : 1;
      std::string diff = compare_values(got, want, tol_op, tol_dtype, scale);
      EXPECT_TRUE(diff.empty()) << "gradient of input " << float_in[i] << " differs"
                                << (grads[i].defined() ? "" : " (we give none)") << ":" << diff;
    }
  }
}

TEST_P(OpTest, ErrorCasesThrowTypedBilingualErrors) {
  const OpInfo& info = op();
  if (!info.error_cases) return;
  for (const ops::OpErrorCase& c : info.error_cases()) {
    SCOPED_TRACE(info.name + " error case '" + c.desc + "', args " + c.args.to_json());
    try {
      info.fn(c.inputs, c.args);
      ADD_FAILURE() << "did not throw";
    } catch (const Error& e) {
      EXPECT_EQ(error_kind_name(e.kind()), error_kind_name(c.kind)) << e.message(Lang::en);
      std::string en = e.message(Lang::en), zh = e.message(Lang::zh);
      for (const std::string& m : c.mentions) {
        EXPECT_NE(en.find(m), std::string::npos) << "English message lacks '" << m << "': " << en;
      }
      EXPECT_NE(en, zh);
      EXPECT_TRUE(has_cjk(zh)) << "Chinese message has no CJK character: " << zh;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "threw a non-hangu exception: " << e.what();
    }
  }
}

std::string param_name(const ::testing::TestParamInfo<std::string>& p) {
  std::string s;
  for (char c : p.param) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OpTest);
INSTANTIATE_TEST_SUITE_P(Registry, OpTest, ::testing::ValuesIn(selected_ops()), param_name);

TEST(OpRegistry, AtLeast150Ops) { EXPECT_GE(ops::op_registry().all().size(), 150u); }

TEST(OpRegistry, EveryOpHasSamples) {
  std::vector<std::string> bad;
  for (const OpInfo& op : ops::op_registry().all())
    if (!op.samples || op.samples().empty()) bad.push_back(op.name);
  std::string names;
  for (const auto& n : bad) names += " " + n;
  EXPECT_TRUE(bad.empty()) << "ops without samples:" << names;
}

TEST(OpRegistry, DifferentiableOpsHaveAFloatSample) {
  std::string bad;
  for (const OpInfo& op : ops::op_registry().all()) {
    if (!op.differentiable || !op.samples) continue;
    bool found = false;
    for (const auto& s : op.samples())
      for (const Tensor& t : s.inputs) found = found || is_floating(t.dtype());
    if (!found) bad += " " + op.name;
  }
  EXPECT_TRUE(bad.empty()) << "differentiable ops without a floating-point sample input:" << bad;
}

// what() follows the language: set_language in this process, and LANG=zh_CN.UTF-8 in a child.
TEST(OpRegistry, WhatFollowsLanguage) {
  ShapeError e(MsgId::broadcast_mismatch, "add", Shape{2, 3}, Shape{4});
  Lang saved = current_language();
  set_language(Lang::zh);
  std::string zh = e.what();
  set_language(Lang::en);
  std::string en = e.what();
  set_language(saved);
  EXPECT_EQ(zh, e.message(Lang::zh));
  EXPECT_EQ(en, e.message(Lang::en));
  EXPECT_TRUE(has_cjk(zh)) << zh;
  EXPECT_NE(zh.find("[2, 3]"), std::string::npos) << zh;
}

// Runs in a child started by ChineseFromLangEnvironment (skipped otherwise): every error case's
// what() is its Chinese message.
TEST(OpRegistryChild, WhatIsChinese) {
  if (!std::getenv("HANGU_EXPECT_ZH")) GTEST_SKIP() << "only run by OpRegistry.ChineseFromLangEnvironment";
  ASSERT_EQ(current_language(), Lang::zh);
  int checked = 0;
  for (const OpInfo& op : ops::op_registry().all()) {
    if (!op.error_cases) continue;
    for (const auto& c : op.error_cases()) {
      try {
        op.fn(c.inputs, c.args);
      } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()), e.message(Lang::zh)) << op.name;
        EXPECT_TRUE(has_cjk(e.what())) << op.name << ": " << e.what();
        ++checked;
      } catch (const std::exception&) {
      }
    }
  }
  EXPECT_GT(checked, 0);
}

TEST(OpRegistry, ChineseFromLangEnvironment) {
  std::string cmd = "env -u LC_ALL -u LC_MESSAGES LANG=zh_CN.UTF-8 HANGU_EXPECT_ZH=1 '" +
                    std::filesystem::read_symlink("/proc/self/exe").string() + "' --gtest_filter=OpRegistryChild.WhatIsChinese 2>&1";
  const test_cli::Result r = test_cli::run_shell(cmd);
  const std::string& out = r.out;
  EXPECT_EQ(r.code, 0) << out;
  EXPECT_NE(out.find("[  PASSED  ] 1 test"), std::string::npos) << out;
}

}  // namespace
}  // namespace hangu

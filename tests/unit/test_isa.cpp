// Run-time ISA selection (kernels/cpu/isa.h): names, HANGU_ISA, IsaGuard, and that a level the
// machine lacks is refused with a clear error instead of crashing on an illegal instruction.
#include <gtest/gtest.h>

#include <string>

#include "cli_util.h"
#include "hangu/core/error.h"
#include "hangu/kernels/cpu/isa.h"

namespace hangu {
namespace {

using kernels::Isa;
using test_cli::contains;
using test_cli::run_hangu;

constexpr Isa kAll[] = {Isa::reference, Isa::avx2, Isa::avx512};

TEST(Isa, NamesRoundTrip) {
  for (Isa isa : kAll) EXPECT_EQ(kernels::parse_isa(kernels::isa_name(isa)), isa);
  EXPECT_FALSE(kernels::parse_isa("sse9").has_value());
  EXPECT_FALSE(kernels::parse_isa("").has_value());
}

TEST(Isa, SupportIsMonotoneAndReferenceAlwaysRuns) {
  EXPECT_TRUE(kernels::isa_supported(Isa::reference));
  for (Isa isa : kAll)
    EXPECT_EQ(kernels::isa_supported(isa), static_cast<int>(isa) <= static_cast<int>(kernels::best_isa()));
}

TEST(Isa, GuardSetsAndRestoresOrRefuses) {
  const Isa before = kernels::active_isa();
  for (Isa isa : kAll) {
    if (kernels::isa_supported(isa)) {
      kernels::IsaGuard g(isa);
      EXPECT_EQ(kernels::active_isa(), isa);
    } else {
      try {
        kernels::IsaGuard g(isa);
        ADD_FAILURE() << "unsupported level accepted: " << kernels::isa_name(isa);
      } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::unsupported);
        EXPECT_TRUE(contains(e.what(), kernels::isa_name(isa))) << e.what();
      }
    }
    EXPECT_EQ(kernels::active_isa(), before);
  }
}

TEST(Isa, EnvironmentChoosesTheLevel) {
  for (Isa isa : kAll) {
    auto r = run_hangu("info --json", "en_US.UTF-8", "2>&1", std::string("HANGU_ISA=") + kernels::isa_name(isa));
    if (kernels::isa_supported(isa)) {
      EXPECT_EQ(r.code, 0) << r.out;
      EXPECT_TRUE(contains(r.out, std::string("\"isa\": \"") + kernels::isa_name(isa) + "\"")) << r.out;
    } else {
      EXPECT_EQ(r.code, 1) << r.out;
      EXPECT_TRUE(contains(r.out, kernels::isa_name(isa))) << r.out;
    }
  }
}

TEST(Isa, UnknownLevelIsAOneLineErrorInTheUsersLanguage) {
  auto en = run_hangu("info", "en_US.UTF-8", "2>&1", "HANGU_ISA=sse9");
  EXPECT_EQ(en.code, 2);
  EXPECT_TRUE(contains(en.out, "HANGU_ISA")) << en.out;
  EXPECT_TRUE(contains(en.out, "sse9")) << en.out;
  EXPECT_EQ(test_cli::count_lines(en.out), 1) << en.out;
  auto zh = run_hangu("info", "zh_CN.UTF-8", "2>&1", "HANGU_ISA=sse9");
  EXPECT_EQ(zh.code, 2);
  EXPECT_TRUE(contains(zh.out, "未知的指令集")) << zh.out;
}

}  // namespace
}  // namespace hangu

#include <gtest/gtest.h>

#include <cmath>

#include "hangu/hangu.h"

using namespace hangu;

TEST(DType, PromotionFollowsPyTorch) {
  EXPECT_EQ(promote_types(DType::i64, DType::f32), DType::f32);
  EXPECT_EQ(promote_types(DType::boolean, DType::i32), DType::i32);
  EXPECT_EQ(promote_types(DType::u8, DType::i8), DType::i16);
  EXPECT_EQ(promote_types(DType::f16, DType::bf16), DType::f32);
}

TEST(Half, RoundsToNearestEven) {
  // 1 + 2^-11 lies exactly between two halves: ties go to the even one (1.0).
  EXPECT_EQ(Half(1.0f + 0x1.0p-11f).bits, 0x3c00);
  EXPECT_EQ(Half(1.0f + 3 * 0x1.0p-11f).bits, 0x3c02);
  EXPECT_EQ(BFloat16(1.0f + 0x1.0p-8f).bits, 0x3f80);
  EXPECT_EQ(BFloat16(1.0f + 3 * 0x1.0p-8f).bits, 0x3f82);
  EXPECT_EQ(static_cast<float>(Half(65504.0f)), 65504.0f);
  EXPECT_TRUE(std::isinf(static_cast<float>(Half(65520.0f))));
  EXPECT_EQ(static_cast<float>(Half(0x1.0p-24f)), 0x1.0p-24f);  // smallest subnormal
}

TEST(Philox, KnownAnswer) {
  // Random123's kat_vectors: philox4x32-10 with zero counter and key.
  auto r = philox4x32_10({0, 0, 0, 0}, {0, 0});
  EXPECT_EQ(r[0], 0x6627e8d5u);
  EXPECT_EQ(r[1], 0xe169c58du);
  EXPECT_EQ(r[2], 0xbc57ac4cu);
  EXPECT_EQ(r[3], 0x9b00dbd8u);
}

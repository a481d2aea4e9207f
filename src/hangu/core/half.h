#pragma once
// 16-bit floating-point storage types. Arithmetic happens in float: both types convert
// implicitly to float and back, rounding to nearest even on the way back.
#include <bit>
#include <cstdint>
#include <cstring>

namespace hangu {

// bfloat16: the top 16 bits of an IEEE-754 binary32.
struct BFloat16 {
  uint16_t bits = 0;

  BFloat16() = default;
  BFloat16(float f) : bits(round_from_float(f)) {}  // NOLINT: implicit like c10::BFloat16
  operator float() const { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }

  static BFloat16 from_bits(uint16_t b) {
    BFloat16 r;
    r.bits = b;
    return r;
  }
  static uint16_t round_from_float(float f) {
    uint32_t u = std::bit_cast<uint32_t>(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);  // quiet NaN
    uint32_t lsb = (u >> 16) & 1u;
    u += 0x7fffu + lsb;  // round to nearest, ties to even
    return static_cast<uint16_t>(u >> 16);
  }
};

// IEEE-754 binary16.
struct Half {
  uint16_t bits = 0;

  Half() = default;
  Half(float f) : bits(round_from_float(f)) {}  // NOLINT: implicit like c10::Half
  operator float() const { return to_float(bits); }

  static Half from_bits(uint16_t b) {
    Half r;
    r.bits = b;
    return r;
  }
  static float to_float(uint16_t h) {
    uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    uint32_t u;
    if (exp == 0) {
      if (man == 0) {
        u = sign;
      } else {  // subnormal: normalise
        int e = -1;
        do {
          ++e;
          man <<= 1;
        } while ((man & 0x400u) == 0);
        u = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (man & 0x3ffu) << 13;
      }
    } else if (exp == 0x1f) {
      u = sign | 0x7f800000u | man << 13;
    } else {
      u = sign | (exp + 112) << 23 | man << 13;
    }
    return std::bit_cast<float>(u);
  }
  static uint16_t round_from_float(float f) {
    uint32_t u = std::bit_cast<uint32_t>(f);
    uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
    uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u);  // NaN
    if (a >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // overflow -> inf
    if (a < 0x38800000u) {
      // Result is subnormal or zero: add 0.5 (as a float) so the FPU rounds to nearest even.
      float r = std::bit_cast<float>(a) + 0.5f;
      return static_cast<uint16_t>(sign | (std::bit_cast<uint32_t>(r) - 0x3f000000u));
    }
    uint32_t lsb = (a >> 13) & 1u;
    a += 0xc8000fffu + lsb;  // rebias exponent (-112 << 23) and round to nearest even
    return static_cast<uint16_t>(sign | (a >> 13));
  }
};

}  // namespace hangu

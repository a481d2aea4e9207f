#pragma once
// Counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy
// as 1, 2, 3", SC'11). Word j of a stream is a pure function of (seed, counter base, j), so any
// element can be computed on any thread and the result never depends on the thread count.
#include <array>
#include <cstdint>
#include <mutex>

namespace hangu {

using PhiloxCounter = std::array<uint32_t, 4>;
using PhiloxKey = std::array<uint32_t, 2>;

PhiloxCounter philox4x32_10(PhiloxCounter ctr, PhiloxKey key);

// Word j (0-based) of the stream keyed by `seed` whose first block has counter `base`.
inline uint32_t philox_word(uint64_t seed, uint64_t base, uint64_t j) {
  uint64_t block = base + j / 4;
  PhiloxCounter c = philox4x32_10({static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32), 0, 0},
                                  {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)});
  return c[j % 4];
}

inline constexpr uint64_t kDefaultSeed = 67280421310721ull;  // PyTorch's default seed

// SplitMix64's finaliser: a bijective mix of 64 bits, for deriving per-example seeds from
// (seed, epoch, index) keys (data augmentation).
inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// A random stream: a seed and a counter offset (in 128-bit Philox blocks already used).
class Generator {
 public:
  struct State {
    uint64_t seed = kDefaultSeed;
    uint64_t offset = 0;  // in Philox blocks (4 words each)
    bool operator==(const State&) const = default;
  };

  explicit Generator(uint64_t seed = kDefaultSeed) { state_.seed = seed; }
  void manual_seed(uint64_t seed);
  uint64_t seed() const;
  State state() const;
  void set_state(State s);
  // Reserves `nwords` consecutive words; returns the counter of the first block and the seed.
  State reserve(uint64_t nwords);

 private:
  mutable std::mutex mu_;
  State state_;
};

Generator& default_generator();
// Seeds the default generator, like torch.manual_seed.
void manual_seed(uint64_t seed);

}  // namespace hangu

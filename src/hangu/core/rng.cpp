#include "hangu/core/rng.h"

namespace hangu {

PhiloxCounter philox4x32_10(PhiloxCounter ctr, PhiloxKey key) {
  constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = static_cast<uint64_t>(kMul0) * ctr[0];
    uint64_t p1 = static_cast<uint64_t>(kMul1) * ctr[2];
    ctr = {static_cast<uint32_t>(p1 >> 32) ^ ctr[1] ^ key[0], static_cast<uint32_t>(p1),
           static_cast<uint32_t>(p0 >> 32) ^ ctr[3] ^ key[1], static_cast<uint32_t>(p0)};
    key[0] += kWeyl0;
    key[1] += kWeyl1;
  }
  return ctr;
}

void Generator::manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> g(mu_);
  state_ = State{seed, 0};
}
uint64_t Generator::seed() const {
  std::lock_guard<std::mutex> g(mu_);
  return state_.seed;
}
Generator::State Generator::state() const {
  std::lock_guard<std::mutex> g(mu_);
  return state_;
}
void Generator::set_state(State s) {
  std::lock_guard<std::mutex> g(mu_);
  state_ = s;
}
Generator::State Generator::reserve(uint64_t nwords) {
  std::lock_guard<std::mutex> g(mu_);
  State s = state_;
  state_.offset += (nwords + 3) / 4;
  return s;
}

Generator& default_generator() {
  static Generator g;
  return g;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace hangu

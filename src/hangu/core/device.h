#pragma once
#include <cstdint>
#include <string>

namespace hangu {

// Where a storage lives. Only cpu is implemented; cuda is reserved for the optional backend.
enum class DeviceKind : uint8_t { cpu, cuda };

struct Device {
  DeviceKind kind = DeviceKind::cpu;
  int index = 0;

  bool operator==(const Device&) const = default;
  std::string str() const { return kind == DeviceKind::cpu ? "cpu" : "cuda:" + std::to_string(index); }
};

inline constexpr Device kCPU{};

}  // namespace hangu

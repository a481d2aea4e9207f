#include "hangu/io/checkpoint.h"

#include <zlib.h>

#include <charconv>
#include <cstdio>
#include <set>

#include "hangu/core/error.h"
#include "hangu/ops/copy.h"

namespace hangu::io {

namespace {

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

uint64_t parse_u64(const Json* j, const std::string& source, const char* field) {
  uint64_t v = 0;
  if (j && j->is_string()) {
    const std::string& s = j->as_string();
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty()) return v;
  }
  throw FormatError(MsgId::io_bad_field, source, field, "an unsigned 64-bit integer as a decimal string",
                    j ? j->dump() : "(missing)");
}

}  // namespace

uint32_t tensor_crc32(const Tensor& t) {
  Tensor c = contiguous(t);
  const auto* p = static_cast<const Bytef*>(c.data());
  uint64_t left = static_cast<uint64_t>(c.nbytes());
  uLong crc = crc32(0L, Z_NULL, 0);
  while (left > 0) {  // crc32 takes a 32-bit length
    uInt n = static_cast<uInt>(std::min<uint64_t>(left, 1u << 30));
    crc = crc32(crc, p, n);
    p += n;
    left -= n;
  }
  return static_cast<uint32_t>(crc);
}

void save_checkpoint(const std::string& path, const Checkpoint& ckpt) {
  Json meta = Json::parse(ckpt.meta_json, path + " (checkpoint metadata)");
  Json sums = Json::object();
  std::set<std::string> seen;
  for (const auto& [name, t] : ckpt.tensors) {
    check_defined(t, "save_checkpoint");
    if (!seen.insert(name).second) throw ValueError(MsgId::st_bad_name, path, name, "a name used once");
    sums[name] = hex32(tensor_crc32(t));
  }
  Json root = Json::object();
  root["format"] = "hangu.checkpoint";
  root["version"] = kCheckpointVersion;
  root["meta"] = std::move(meta);
  root["crc32"] = std::move(sums);
  save_safetensors(path, ckpt.tensors, {{kCheckpointKey, root.dump()}});
}

namespace {

// Checks the checkpoint metadata of a parsed safetensors file and every tensor's checksum.
Checkpoint verify_checkpoint(SafetensorsFile f, const std::string& path) {
  auto it = f.metadata.find(kCheckpointKey);
  if (it == f.metadata.end())
    throw FormatError(MsgId::ckpt_not_checkpoint, path,
                      std::string("the safetensors metadata has no key \"") + kCheckpointKey + "\"");
  Json root = Json::parse(it->second, path + " (checkpoint metadata)");
  const Json* format = root.find("format");
  const Json* version = root.find("version");
  const Json* meta = root.find("meta");
  const Json* sums = root.find("crc32");
  if (!format || !format->is_string() || format->as_string() != "hangu.checkpoint")
    throw FormatError(MsgId::io_bad_field, path, "checkpoint format", "\"hangu.checkpoint\"",
                      format ? format->dump() : "(missing)");
  if (!version || !version->is_int() || version->as_int() != kCheckpointVersion)
    throw FormatError(MsgId::io_bad_field, path, "checkpoint version", kCheckpointVersion,
                      version ? version->dump() : "(missing)");
  if (!meta) throw FormatError(MsgId::io_bad_field, path, "checkpoint meta", "a JSON value", "(missing)");
  if (!sums || !sums->is_object() || sums->size() != f.tensors.size())
    throw FormatError(MsgId::io_bad_field, path, "checkpoint crc32",
                      "an object with one checksum per tensor (" + std::to_string(f.tensors.size()) + ")",
                      sums ? std::to_string(sums->size()) + " entries" : "(missing)");
  for (const auto& [name, t] : f.tensors) {
    const Json* want = sums->find(name);
    if (!want || !want->is_string())
      throw FormatError(MsgId::io_bad_field, path, "crc32 of tensor '" + name + "'", "a hex string",
                        want ? want->dump() : "(missing)");
    std::string got = hex32(tensor_crc32(t));
    if (got != want->as_string()) throw FormatError(MsgId::ckpt_checksum, path, name, want->as_string(), got);
  }
  return Checkpoint{std::move(f.tensors), meta->dump()};
}

}  // namespace

Checkpoint load_checkpoint(const std::string& path) { return verify_checkpoint(load_safetensors(path), path); }

Checkpoint parse_checkpoint(const void* data, size_t size, const std::string& name) {
  return verify_checkpoint(parse_safetensors(data, size, name), name);
}

Json generator_state_to_json(const Generator::State& s) {
  Json j = Json::object();
  j["seed"] = std::to_string(s.seed);
  j["offset"] = std::to_string(s.offset);
  return j;
}

Generator::State generator_state_from_json(const Json& j, const std::string& source) {
  Generator::State s;
  s.seed = parse_u64(j.find("seed"), source, "generator seed");
  s.offset = parse_u64(j.find("offset"), source, "generator offset");
  return s;
}

}  // namespace hangu::io

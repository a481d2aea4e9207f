// TensorProto external data (data_location EXTERNAL): the bytes live in a file next to the model.
// The location is hostile: it must be relative, contain no "..", and resolve (symbolic links
// followed) to a file inside the model's folder; offset + length must lie inside that file.
#include <limits.h>
#include <stdlib.h>

#include <algorithm>
#include <optional>

#include "hangu/io/onnx/reader_detail.h"

namespace hangu::io::onnx::detail {
namespace {

std::string real_path(const std::string& p) {
  char buf[PATH_MAX];
  return ::realpath(p.c_str(), buf) ? std::string(buf) : std::string();
}

// A non-negative decimal that fits in 63 bits (at most 19 digits).
uint64_t parse_count(const std::string& text, const char* key, ReadEnv& env) {
  uint64_t v = 0;
  bool ok = !text.empty() && text.size() <= 19;
  for (char c : text) {
    ok = ok && c >= '0' && c <= '9';
    if (ok) v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!ok) {
    wire::Context::Scope s(env.ctx, key, -1);
    throw FormatError(MsgId::onnx_external_bad_count, env.ctx.origin(), env.ctx.path(), text);
  }
  return v;
}

bool has_dotdot(const std::string& location) {
  for (size_t start = 0; start <= location.size();) {
    size_t end = location.find('/', start);
    if (end == std::string::npos) end = location.size();
    if (end - start == 2 && location.compare(start, 2, "..") == 0) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::span<const uint8_t> external_data(const std::vector<std::pair<std::string, std::string>>& entries,
                                       const std::string& tensor, ReadEnv& env) {
  wire::Context::Scope scope(env.ctx, "external_data", -1);
  const std::string& origin = env.ctx.origin();
  const std::string path = env.ctx.path();
  std::string location;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  std::vector<std::string> seen;
  for (const auto& [key, value] : entries) {
    const bool repeated = std::find(seen.begin(), seen.end(), key) != seen.end();
    seen.push_back(key);
    if (repeated || (key != "location" && key != "offset" && key != "length" && key != "checksum"))
      throw FormatError(MsgId::onnx_external_key, origin, path, tensor, key);
    if (key == "location") location = value;
    if (key == "offset") offset = parse_count(value, "offset", env);
    if (key == "length") length = parse_count(value, "length", env);
  }

  const std::string& base = env.opts.base_dir;
  if (base.empty()) throw FormatError(MsgId::onnx_external_no_folder, origin, path, tensor, location);
  // A NUL would cut the path short when handed to the OS.
  if (location.empty() || location.find('\0') != std::string::npos)
    throw FormatError(MsgId::onnx_external_empty, origin, path, tensor, location);
  if (location[0] == '/') throw FormatError(MsgId::onnx_external_absolute, origin, path, tensor, location);
  if (has_dotdot(location)) throw FormatError(MsgId::onnx_external_dotdot, origin, path, tensor, location);
  if (env.real_base.empty()) env.real_base = real_path(base);
  if (env.real_base.empty()) throw FormatError(MsgId::onnx_external_missing, origin, path, tensor, location, base);
  const std::string resolved = real_path(base + "/" + location);
  if (resolved.empty()) throw FormatError(MsgId::onnx_external_missing, origin, path, tensor, location, base);
  // realpath has followed every symbolic link: the target itself must lie inside the folder.
  const std::string prefix = env.real_base == "/" ? "/" : env.real_base + "/";
  if (resolved.size() <= prefix.size() || resolved.compare(0, prefix.size(), prefix) != 0)
    throw FormatError(MsgId::onnx_external_outside, origin, path, tensor, location, resolved, env.real_base);

  std::shared_ptr<MappedFile>& file = env.files[resolved];
  if (!file) file = MappedFile::open(resolved);
  const uint64_t size = file->size();
  const uint64_t len = length.value_or(offset <= size ? size - offset : 0);
  if (offset > size || len > size - offset)
    throw FormatError(MsgId::onnx_external_range, origin, path, tensor, offset, len, location, size);
  return std::span<const uint8_t>(file->data() + offset, static_cast<size_t>(len));
}

}  // namespace hangu::io::onnx::detail

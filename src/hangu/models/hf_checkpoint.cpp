#include "hangu/models/hf_checkpoint.h"

#include <cmath>
#include <filesystem>
#include <set>

#include "hangu/core/autograd_meta.h"
#include "hangu/core/checked_math.h"
#include "hangu/core/error.h"
#include "hangu/io/atomic_file.h"
#include "hangu/io/safetensors.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"

namespace hangu::models {

namespace fs = std::filesystem;

io::Json read_hf_config(const std::string& dir) {
  const std::string path = (fs::path(dir) / "config.json").string();
  return io::Json::parse(io::read_file(path), path);
}

namespace {

const io::Json& field(const io::Json& cfg, const char* key, const std::string& source) {
  const io::Json* v = cfg.find(key);
  if (!v || v->is_null()) throw FormatError(MsgId::llm_config_missing, source, key);
  return *v;
}

std::string range_text(double lo, double hi) { return "[" + msg_arg(lo) + ", " + msg_arg(hi) + "]"; }

}  // namespace

int64_t config_int(const io::Json& cfg, const char* key, const std::string& source, int64_t lo, int64_t hi,
                   std::optional<int64_t> fallback) {
  const io::Json* v = cfg.find(key);
  if ((!v || v->is_null()) && fallback) return *fallback;
  const io::Json& f = field(cfg, key, source);
  if (!f.is_int() || f.as_int() < lo || f.as_int() > hi)
    throw FormatError(MsgId::llm_config_range, source, key, f.dump(),
                      "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return f.as_int();
}

double config_double(const io::Json& cfg, const char* key, const std::string& source, double lo, double hi,
                     std::optional<double> fallback) {
  const io::Json* v = cfg.find(key);
  if ((!v || v->is_null()) && fallback) return *fallback;
  const io::Json& f = field(cfg, key, source);
  if (!f.is_number() || !(f.as_double() >= lo && f.as_double() <= hi))
    throw FormatError(MsgId::llm_config_range, source, key, f.dump(), "a number in " + range_text(lo, hi));
  return f.as_double();
}

bool config_bool(const io::Json& cfg, const char* key, const std::string& source, std::optional<bool> fallback) {
  const io::Json* v = cfg.find(key);
  if ((!v || v->is_null()) && fallback) return *fallback;
  const io::Json& f = field(cfg, key, source);
  if (!f.is_bool()) throw FormatError(MsgId::llm_config_range, source, key, f.dump(), "true or false");
  return f.as_bool();
}

std::map<std::string, Tensor> load_hf_weights(const std::string& dir) {
  std::map<std::string, Tensor> out;
  const fs::path single = fs::path(dir) / "model.safetensors";
  const fs::path index_path = fs::path(dir) / "model.safetensors.index.json";
  std::error_code ec;
  if (fs::exists(single, ec)) {
    for (auto& [name, t] : io::load_safetensors(single.string()).tensors) out.emplace(name, t);
    return out;
  }
  if (!fs::exists(index_path, ec)) throw IoError(MsgId::llm_no_weights, dir);
  const std::string source = index_path.string();
  const io::Json index = io::Json::parse(io::read_file(source), source);
  const io::Json* map = index.find("weight_map");
  if (!map || !map->is_object() || map->size() == 0)
    throw FormatError(MsgId::llm_index_field, source, "weight_map", "a non-empty object {name: file}");
  std::map<std::string, std::set<std::string>> names_by_file;
  for (const auto& [name, file] : map->as_object()) {
    if (!file.is_string()) throw FormatError(MsgId::llm_index_field, source, "weight_map." + name, "a file name");
    const std::string& f = file.as_string();
    if (f.empty() || f == "." || f == ".." || f.find('/') != std::string::npos || f.find('\\') != std::string::npos)
      throw FormatError(MsgId::llm_index_path, source, f);
    names_by_file[f].insert(name);
  }
  for (const auto& [file, names] : names_by_file) {
    const std::string shard = (fs::path(dir) / file).string();
    io::SafetensorsFile st = io::load_safetensors(shard);
    for (const std::string& name : names)
      if (!st.find(name)) throw FormatError(MsgId::llm_index_unlisted, source, name, file);
    for (auto& [name, t] : st.tensors)
      if (!out.emplace(name, t).second) throw FormatError(MsgId::llm_duplicate_weight, source, name);
  }
  return out;
}

void bind_weights(nn::Module& module, const std::map<std::string, Tensor>& weights, const std::string& source) {
  const nn::NamedTensors params = module.named_parameters();
  for (const auto& [name, p] : params) {
    auto it = weights.find(name);
    if (it == weights.end()) throw FormatError(MsgId::llm_weight_missing, source, name, p.shape());
    if (it->second.shape() != p.shape())
      throw FormatError(MsgId::llm_weight_shape, source, name, it->second.shape(), p.shape());
    if (!it->second.is_floating_point()) throw FormatError(MsgId::llm_weight_dtype, source, name, it->second.dtype());
  }
  NoGradGuard ng;
  for (const auto& [name, p] : params) copy_(p, weights.at(name));
}

void check_weights_cover(const std::map<std::string, Tensor>& weights, int64_t needed, const std::string& source) {
  int64_t held = 0;
  for (const auto& [name, t] : weights) held = checked_add(held, t.numel(), "weights");
  // Slack so that a folder lacking a few weights still reaches bind_weights, which names them;
  // what is allocated stays within twice what the files hold.
  if (needed > checked_add(checked_mul(2, held), int64_t{1} << 20))
    throw FormatError(MsgId::llm_config_range, source, "parameters", needed,
                      "at most about twice the " + std::to_string(held) + " weight elements the files hold");
}

Tensor ParamModule::add(const std::string& name, std::vector<int64_t> shape, DType dtype) {
  return register_parameter(name, zeros(shape, dtype));
}

std::shared_ptr<ParamModule> add_param_child(nn::Module& parent, const std::string& name, const char* type_name) {
  return parent.register_module(name, std::make_shared<ParamModule>(type_name));
}

}  // namespace hangu::models

#pragma once
// Hugging Face model folders: config.json, and weights in model.safetensors or in shards listed
// by model.safetensors.index.json ({"weight_map": {name: file}}). Everything is hostile input:
// config values are range-checked, shard names must be plain file names in the folder, and a
// model checks the weights' names and shapes before it copies anything (bind_weights).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "hangu/io/json.h"
#include "hangu/nn/module.h"

namespace hangu::models {

// The parsed config.json of `dir` (IoError when absent, FormatError when malformed).
io::Json read_hf_config(const std::string& dir);

// Typed config fields; `source` names the file in errors. A value outside [lo, hi] (or of the
// wrong type) throws FormatError naming the field; an absent field takes `fallback`, or throws.
int64_t config_int(const io::Json& cfg, const char* key, const std::string& source, int64_t lo, int64_t hi,
                   std::optional<int64_t> fallback = std::nullopt);
double config_double(const io::Json& cfg, const char* key, const std::string& source, double lo, double hi,
                     std::optional<double> fallback = std::nullopt);
bool config_bool(const io::Json& cfg, const char* key, const std::string& source, std::optional<bool> fallback);

// Every tensor of the folder's weights by name (memory-mapped views), from model.safetensors or
// from the shards of model.safetensors.index.json. Throws FormatError for a malformed index, a
// shard outside the folder, a name in two shards or a listed name its shard lacks.
std::map<std::string, Tensor> load_hf_weights(const std::string& dir);

// Copies `weights` into every parameter of `module` (converting the dtype), after checking that
// each parameter's name is there with its shape: FormatError llm_weight_missing / llm_weight_shape
// / llm_weight_dtype name the first offender and nothing is copied. Extra names are ignored.
// `source` names the folder in errors.
void bind_weights(nn::Module& module, const std::map<std::string, Tensor>& weights, const std::string& source);

// Refuses, before anything is allocated, a config that needs far more parameters (over twice, plus
// 1M) than the files' elements (FormatError llm_config_range on "parameters").
void check_weights_cover(const std::map<std::string, Tensor>& weights, int64_t needed, const std::string& source);

// A module that only holds parameters (zeros until loaded or initialised), for the layers of the
// language models whose names follow Hugging Face rather than Hangu's nn layers.
class ParamModule : public nn::Module {
 public:
  explicit ParamModule(std::string type_name) : nn::Module(std::move(type_name)) {}
  Tensor add(const std::string& name, std::vector<int64_t> shape, DType dtype);
};

// Registers a new ParamModule called `name` under `parent` and returns it.
std::shared_ptr<ParamModule> add_param_child(nn::Module& parent, const std::string& name, const char* type_name);

}  // namespace hangu::models

#include "hangu/models/weights.h"

#include "hangu/io/safetensors.h"

namespace hangu::nn {

void save_weights(const Module& module, const std::string& path) {
  io::save_safetensors(path, module.state_dict(), {{"format", "pt"}});
}

LoadResult load_weights(Module& module, const std::string& path, bool strict) {
  io::SafetensorsFile f = io::load_safetensors(path);
  return module.load_state_dict(f.tensors, strict);
}

}  // namespace hangu::nn

#pragma once
// A module's state dict to and from safetensors files, under PyTorch's names, so weights move
// between Hangu and PyTorch (safetensors.torch.save_file / load_file) unchanged.
#include <string>

#include "hangu/nn/module.h"

namespace hangu::nn {

// Writes state_dict() atomically (see io::save_safetensors).
void save_weights(const Module& module, const std::string& path);
// Loads into the module in place (load_state_dict: mis-shaped keys always throw StateDictError,
// and with strict missing or unexpected keys too). IoError / FormatError for a bad file.
LoadResult load_weights(Module& module, const std::string& path, bool strict = true);

}  // namespace hangu::nn

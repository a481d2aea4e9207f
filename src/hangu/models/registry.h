#pragma once
// Models by name, for the CLI and tests.
#include <memory>
#include <string>
#include <vector>

#include "hangu/nn/module.h"

namespace hangu::models {

// "lenet", "mlp".
std::vector<std::string> model_names();
// A freshly initialised model (from the default generator); ValueError listing the known names
// for an unknown one.
std::shared_ptr<nn::Module> create(const std::string& name);

}  // namespace hangu::models

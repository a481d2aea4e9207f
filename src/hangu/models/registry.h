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

// Image classifiers (`hangu train --data IMAGE_FOLDER`): RGB input [N, 3, H, W], any size the
// model allows. "cnn" (SmallCnn); resnet18 and mobilenet_v2 join when they land.
std::vector<std::string> image_model_names();
// An image classifier with `num_classes` outputs; ValueError listing the known names.
std::shared_ptr<nn::Module> create(const std::string& name, int64_t num_classes);

}  // namespace hangu::models

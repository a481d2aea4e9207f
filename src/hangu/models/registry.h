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
// model allows. "cnn" (SmallCnn) and the vision models (vision_registry.h).
std::vector<std::string> image_model_names();
// An image classifier with `num_classes` outputs; ValueError listing the known names.
std::shared_ptr<nn::Module> create(const std::string& name, int64_t num_classes);
// The same for images of image_size x image_size (the ViTs' position table depends on it).
std::shared_ptr<nn::Module> create(const std::string& name, int64_t num_classes, int64_t image_size);

}  // namespace hangu::models

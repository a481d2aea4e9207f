#pragma once
// Transfer learning for `hangu train --data IMAGE_FOLDER`: --init FILE (a safetensors file with
// torchvision names, or an ONNX model's initializers) gives the backbone its weights, and
// --freeze-backbone trains only the new classifier head (models/vision_registry.h).
#include <memory>
#include <string>
#include <vector>

#include "hangu/cli/args.h"
#include "hangu/models/vision_registry.h"

namespace hangu::cli {

class ImageTransfer {
 public:
  // Reads --init and --freeze-backbone; the file is read here, once, so that a bad one exits 2
  // before any training. ValueError when the model has no backbone/head split.
  ImageTransfer(const ParsedArgs& args, const std::string& model_name);
  bool active() const { return !init_.empty() || freeze_; }
  const std::string& init() const { return init_; }
  bool freeze() const { return freeze_; }

  // The model, initialised and frozen as asked. Checks the file against the model's keys (on
  // the first call, before training starts).
  std::shared_ptr<nn::Module> make(int64_t num_classes, int64_t image_size);
  // What the first make() did, as lines for the user (in their language).
  std::vector<std::string> report() const;

 private:
  std::string model_name_, init_;
  bool freeze_ = false;
  nn::NamedTensors tensors_;
  bool made_ = false;
  models::BackboneLoad load_;
  int64_t trainable_ = 0, total_ = 0;
  std::string head_;
};

}  // namespace hangu::cli

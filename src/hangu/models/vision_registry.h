#pragma once
// The vision models by name (registry.cpp lists them among the image models) and the backbone
// loading behind `hangu train --data DIR --init FILE [--freeze-backbone]`.
#include <memory>
#include <string>
#include <vector>

#include "hangu/models/image_classifier.h"

namespace hangu::models {

// "resnet18", "resnet34", "resnet50", "resnet20", "mobilenet_v2", "vit_tiny", "vit_small".
std::vector<std::string> vision_model_names();
// The model called `name` with num_classes outputs, or null for a name that is not a vision
// model. image_size matters to the ViTs only (their position table has one row per patch; it
// must be a multiple of 16).
std::shared_ptr<ImageClassifier> create_vision_model(const std::string& name, int64_t num_classes,
                                                     int64_t image_size = 224);

// Tensors to initialise from: a safetensors file, or the initializers of an ONNX model.
nn::NamedTensors read_init_tensors(const std::string& path);

struct BackboneLoad {
  int64_t loaded = 0;                      // tensors copied (backbone and head)
  bool head_loaded = false;                // the head's shapes agreed, so it was copied too
  std::vector<std::string> head_skipped;   // "fc.weight: file [1000, 512] vs model [10, 512]"
};
// Copies a backbone into `model`: every backbone tensor of the model must be in `tensors` with
// its shape (num_batches_tracked may be absent); head tensors of another shape are skipped and
// reported. ValueError naming the file and the keys for unknown keys (ONNX's generated
// initializer names such as "onnx::Conv_12" are ignored), mis-shaped or missing backbone keys.
BackboneLoad load_backbone(ImageClassifier& model, const std::string& model_name, const nn::NamedTensors& tensors,
                           const std::string& path);

}  // namespace hangu::models

#pragma once
// The folder `hangu train --data IMAGE_FOLDER` writes and `predict` / `eval` read. It describes
// itself: model.safetensors (the weights, PyTorch names) and model.json:
//   {"format": "hangu-image-classifier", "version": 1, "model": "cnn",
//    "weights": "model.safetensors", "classes": [names in label order],
//    "preprocessing": {"resize_shorter_side": S, "center_crop": S, "color": "RGB",
//                      "scale": "pixel / 255", "mean": [3], "std": [3], "resize": "bilinear, antialias"},
//    "training": {...settings and results...}, "history": [{epoch, train_loss, val_loss, val_accuracy, seconds}]}
// plus the curves (curves.svg, curves.png).
#include <memory>
#include <string>
#include <vector>

#include "hangu/data/image/image.h"
#include "hangu/data/image/transforms.h"
#include "hangu/io/json.h"
#include "hangu/nn/module.h"

namespace hangu::cli {

inline constexpr const char* kImageModelJson = "model.json";
inline constexpr const char* kImageModelWeights = "model.safetensors";
inline constexpr const char* kImageModelFormat = "hangu-image-classifier";

struct ImageModelInfo {
  std::string model;  // an image model name (models::image_model_names)
  std::vector<std::string> classes;
  int64_t image_size = 0;
  data::Channels3 mean = data::kImageNetMean, std = data::kImageNetStd;
  io::Json training = io::Json::object();
  io::Json history = io::Json::array();
};

io::Json image_model_json(const ImageModelInfo& info);
// Writes DIR/model.json atomically.
void write_image_model_json(const std::string& dir, const ImageModelInfo& info);
// True when DIR/model.json exists.
bool is_image_model_dir(const std::string& dir);

struct ImageModel {
  ImageModelInfo info;
  std::shared_ptr<nn::Module> net;  // in eval mode
};
// Reads DIR/model.json and the weights. ValueError (exit 2) naming the folder and what is wrong.
ImageModel load_image_model(const std::string& dir);

// Class probabilities [N, K] (softmax of the logits) of preprocessed RGB images.
Tensor classify(nn::Module& net, const ImageModelInfo& info, const std::vector<data::Image>& images);

}  // namespace hangu::cli

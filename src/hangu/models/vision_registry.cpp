#include "hangu/models/vision_registry.h"

#include <map>

#include "hangu/core/error.h"
#include "hangu/core/shape.h"
#include "hangu/io/onnx/model.h"
#include "hangu/io/safetensors.h"
#include "hangu/models/cifar_resnet.h"
#include "hangu/models/mobilenet_v2.h"
#include "hangu/models/resnet.h"
#include "hangu/models/vit.h"

namespace hangu::models {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The first few entries, then "... (N more)".
std::string first_few(const std::vector<std::string>& v) {
  constexpr size_t kShown = 6;
  std::string out;
  for (size_t i = 0; i < v.size() && i < kShown; ++i) out.append(i ? "; " : "").append(v[i]);
  if (v.size() > kShown) out += "; ... (" + std::to_string(v.size() - kShown) + " more)";
  return out;
}

// Names torch.onnx.export gives to folded or unnamed constants.
bool generated_onnx_name(const std::string& name) {
  return name.find("::") != std::string::npos || (!name.empty() && name[0] == '/');
}

}  // namespace

std::vector<std::string> vision_model_names() {
  return {"resnet18", "resnet34", "resnet50", "resnet20", "mobilenet_v2", "vit_tiny", "vit_small"};
}

std::shared_ptr<ImageClassifier> create_vision_model(const std::string& name, int64_t num_classes,
                                                     int64_t image_size) {
  if (name == "resnet18") return std::make_shared<ResNet>(18, num_classes);
  if (name == "resnet34") return std::make_shared<ResNet>(34, num_classes);
  if (name == "resnet50") return std::make_shared<ResNet>(50, num_classes);
  if (name == "resnet20") return std::make_shared<CifarResNet>(num_classes, 20);
  if (name == "mobilenet_v2") return std::make_shared<MobileNetV2>(num_classes);
  if (name == "vit_tiny") return std::make_shared<VisionTransformer>(vit_tiny_config(image_size), num_classes);
  if (name == "vit_small") return std::make_shared<VisionTransformer>(vit_small_config(image_size), num_classes);
  return nullptr;
}

nn::NamedTensors read_init_tensors(const std::string& path) {
  if (ends_with(path, ".safetensors")) return io::load_safetensors(path).tensors;
  if (ends_with(path, ".onnx")) {
    io::onnx::Model m = io::onnx::load_model(path);
    nn::NamedTensors out;
    for (io::onnx::TensorValue& t : m.graph.initializers)
      if (t.tensor.defined()) out.emplace_back(t.name, t.tensor);
    return out;
  }
  throw ValueError(MsgId::vis_init_bad_ext, path);
}

BackboneLoad load_backbone(ImageClassifier& model, const std::string& model_name, const nn::NamedTensors& tensors,
                           const std::string& path) {
  const bool onnx = ends_with(path, ".onnx");
  const nn::StateDict own = model.state_dict();
  std::map<std::string, Tensor> mine(own.begin(), own.end());
  std::map<std::string, bool> seen;
  std::vector<std::string> unknown, mismatched;
  BackboneLoad r;
  nn::StateDict take;
  bool head_all_fit = true;
  for (const auto& [name, t] : tensors) {
    auto it = mine.find(name);
    if (it == mine.end()) {
      if (!(onnx && generated_onnx_name(name))) unknown.push_back(name);
      continue;
    }
    seen[name] = true;
    if (t.shape() == it->second.shape()) {
      take.emplace_back(name, t);
      continue;
    }
    std::string what = name + ": file " + shape_str(t.shape()) + " vs model " + shape_str(it->second.shape());
    if (model.is_head_key(name)) {
      r.head_skipped.push_back(what);
      head_all_fit = false;
    } else {
      mismatched.push_back(what);
    }
  }
  if (!unknown.empty()) throw ValueError(MsgId::vis_init_unknown_keys, path, unknown.size(), model_name, first_few(unknown));
  if (!mismatched.empty()) throw ValueError(MsgId::vis_init_mismatch, path, model_name, first_few(mismatched));
  std::vector<std::string> missing;
  bool head_present = false;
  for (const auto& [name, t] : own) {  // in the model's order
    if (model.is_head_key(name)) {
      head_present = head_present || seen.count(name);
      continue;
    }
    if (!seen.count(name) && !ends_with(name, "num_batches_tracked")) missing.push_back(name);
  }
  if (!missing.empty()) throw ValueError(MsgId::vis_init_missing, path, model_name, first_few(missing));
  // A head is taken only whole: a partly fitting head starts fresh.
  r.head_loaded = head_present && head_all_fit;
  nn::StateDict load;
  for (auto& [name, t] : take)
    if (!model.is_head_key(name) || r.head_loaded) load.emplace_back(name, t);
  model.load_state_dict(load, false);
  r.loaded = static_cast<int64_t>(load.size());
  return r;
}

}  // namespace hangu::models

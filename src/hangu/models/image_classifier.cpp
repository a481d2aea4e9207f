#include "hangu/models/image_classifier.h"

namespace hangu::models {

Tensor ImageClassifier::forward(const Tensor& input) {
  Tensor f = forward_features(input);
  return features_only ? f : forward_head(f);
}

bool ImageClassifier::is_head_key(const std::string& key) const {
  return key.size() > head_name_.size() && key.compare(0, head_name_.size(), head_name_) == 0 &&
         key[head_name_.size()] == '.';
}

void ImageClassifier::freeze_backbone(bool on) {
  frozen_ = on;
  for (auto& [name, p] : named_parameters()) {
    Tensor t = p;
    t.set_requires_grad(!on || is_head_key(name));
  }
  train(is_training());
}

void ImageClassifier::train(bool on) {
  nn::Module::train(on);
  if (!frozen_) return;
  for (auto& [name, child] : named_children())
    if (name != head_name_) child->train(false);
}

}  // namespace hangu::models

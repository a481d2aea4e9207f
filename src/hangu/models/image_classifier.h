#pragma once
// The base of the vision models (ResNet, CIFAR ResNet-20, MobileNetV2, ViT): a backbone that
// ends in pooled features [N, F] and a classifier head (one child, e.g. "fc", "classifier",
// "heads") that maps them to num_classes logits. The split serves transfer learning: the
// feature-extractor mode returns the pooled features, and a frozen backbone keeps its weights
// and batch-norm statistics while the head trains.
#include <string>

#include "hangu/nn/module.h"

namespace hangu::models {

class ImageClassifier : public nn::Module {
 public:
  ImageClassifier(std::string type_name, std::string head_name)
      : nn::Module(std::move(type_name)), head_name_(std::move(head_name)) {}

  // Pooled features [N, num_features] (before the head's dropout, if any).
  virtual Tensor forward_features(const Tensor& input) = 0;
  // Logits [N, num_classes] from pooled features.
  virtual Tensor forward_head(const Tensor& features) = 0;
  // Logits, or the pooled features when features_only is set.
  Tensor forward(const Tensor& input) override;

  // The head's child name: state-dict keys under "<head_name>." belong to the head.
  const std::string& head_name() const { return head_name_; }
  bool is_head_key(const std::string& key) const;

  // Frozen: backbone parameters stop requiring gradients and the backbone stays in eval mode
  // (its batch-norm statistics and dropout do not change) even while the model trains.
  void freeze_backbone(bool on = true);
  bool backbone_frozen() const { return frozen_; }
  void train(bool on = true) override;

  int64_t num_features = 0;
  int64_t num_classes = 0;
  bool features_only = false;

 private:
  std::string head_name_;
  bool frozen_ = false;
};

}  // namespace hangu::models

#include "hangu/models/vit.h"

#include <cmath>
#include <string>

#include "hangu/core/error.h"
#include "hangu/nn/activation.h"
#include "hangu/nn/dropout.h"
#include "hangu/nn/init.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/views.h"

namespace hangu::models {

VitConfig vit_tiny_config(int64_t image_size) {
  VitConfig c;
  c.image_size = image_size;
  return c;
}

VitConfig vit_small_config(int64_t image_size) {
  VitConfig c;
  c.image_size = image_size;
  c.num_heads = 6;
  c.hidden_dim = 384;
  c.mlp_dim = 1536;
  return c;
}

VitEncoderBlock::VitEncoderBlock(const VitConfig& c) : nn::Module("EncoderBlock") {
  ln_1 = register_module("ln_1", std::make_shared<nn::LayerNorm>(std::vector<int64_t>{c.hidden_dim}, 1e-6));
  self_attention = register_module(
      "self_attention", std::make_shared<nn::MultiheadAttention>(c.hidden_dim, c.num_heads, c.attention_dropout,
                                                                 true, true));
  dropout = register_module("dropout", std::make_shared<nn::Dropout>(c.dropout));
  ln_2 = register_module("ln_2", std::make_shared<nn::LayerNorm>(std::vector<int64_t>{c.hidden_dim}, 1e-6));
  mlp = register_module("mlp", std::make_shared<nn::Sequential>());
  auto fc1 = std::make_shared<nn::Linear>(c.hidden_dim, c.mlp_dim);
  auto fc2 = std::make_shared<nn::Linear>(c.mlp_dim, c.hidden_dim);
  mlp->push_back(fc1);
  mlp->push_back(std::make_shared<nn::GELU>());
  mlp->push_back(std::make_shared<nn::Dropout>(c.dropout));
  mlp->push_back(fc2);
  mlp->push_back(std::make_shared<nn::Dropout>(c.dropout));
  for (auto& fc : {fc1, fc2}) {
    nn::init::xavier_uniform_(fc->weight);
    nn::init::normal_(fc->bias, 0.0, 1e-6);
  }
}

Tensor VitEncoderBlock::forward(const Tensor& input) {
  Tensor x = dropout->forward(self_attention->forward(ln_1->forward(input))) + input;
  return x + mlp->forward(ln_2->forward(x));
}

VitEncoder::VitEncoder(const VitConfig& c, int64_t seq_length) : nn::Module("Encoder") {
  pos_embedding = register_parameter("pos_embedding", empty({1, seq_length, c.hidden_dim}));
  nn::init::normal_(pos_embedding, 0.0, 0.02);
  dropout = register_module("dropout", std::make_shared<nn::Dropout>(c.dropout));
  layers = register_module("layers", std::make_shared<nn::Sequential>());
  for (int64_t i = 0; i < c.num_layers; ++i)
    layers->push_back("encoder_layer_" + std::to_string(i), std::make_shared<VitEncoderBlock>(c));
  ln = register_module("ln", std::make_shared<nn::LayerNorm>(std::vector<int64_t>{c.hidden_dim}, 1e-6));
}

Tensor VitEncoder::forward(const Tensor& x) {
  return ln->forward(layers->forward(dropout->forward(x + pos_embedding)));
}

VisionTransformer::VisionTransformer(const VitConfig& c, int64_t num_classes_)
    : ImageClassifier("VisionTransformer", "heads"), config(c) {
  auto check = [](bool ok, const char* field, const char* expected, int64_t v) {
    if (!ok) throw ValueError(MsgId::vis_bad_config, "VisionTransformer", field, expected, v);
  };
  check(c.patch_size >= 1 && c.patch_size <= 1024, "patch_size", "1..1024", c.patch_size);
  check(c.image_size >= c.patch_size && c.image_size <= 4096 && c.image_size % c.patch_size == 0, "image_size",
        "a multiple of patch_size, at most 4096", c.image_size);
  check(c.num_layers >= 1 && c.num_layers <= 256, "num_layers", "1..256", c.num_layers);
  check(c.hidden_dim >= 1 && c.hidden_dim <= 65536, "hidden_dim", "1..65536", c.hidden_dim);
  check(c.num_heads >= 1 && c.hidden_dim % c.num_heads == 0, "num_heads", "a divisor of hidden_dim", c.num_heads);
  check(c.mlp_dim >= 1 && c.mlp_dim <= 262144, "mlp_dim", "1..262144", c.mlp_dim);
  check(num_classes_ >= 1, "num_classes", ">= 1", num_classes_);
  num_classes = num_classes_;
  num_features = c.hidden_dim;
  conv_proj = register_module(
      "conv_proj", std::make_shared<nn::Conv2d>(3, c.hidden_dim, nn::IntVec{c.patch_size}, nn::IntVec{c.patch_size}));
  const double fan_in = 3.0 * static_cast<double>(c.patch_size * c.patch_size);
  nn::init::trunc_normal_(conv_proj->weight, 0.0, std::sqrt(1.0 / fan_in));
  nn::init::zeros_(conv_proj->bias);
  class_token = register_parameter("class_token", zeros({1, 1, c.hidden_dim}));
  const int64_t side = c.image_size / c.patch_size;
  encoder = register_module("encoder", std::make_shared<VitEncoder>(c, side * side + 1));
  heads = register_module("heads", std::make_shared<nn::Sequential>());
  auto head = std::make_shared<nn::Linear>(c.hidden_dim, num_classes);
  nn::init::zeros_(head->weight);
  nn::init::zeros_(head->bias);
  heads->push_back("head", head);
}

Tensor VisionTransformer::forward_features(const Tensor& input) {
  if (input.dim() != 4 || input.size(2) != config.image_size || input.size(3) != config.image_size)
    throw ShapeError(MsgId::vis_bad_config, "VisionTransformer", "input shape",
                     "[N, 3, " + std::to_string(config.image_size) + ", " + std::to_string(config.image_size) + "]",
                     shape_str(input.shape()));
  const int64_t n = input.size(0);
  Tensor x = conv_proj->forward(input);  // [N, D, h, w]
  x = permute(reshape(x, {n, config.hidden_dim, -1}), {0, 2, 1});
  x = cat({expand(class_token, {n, -1, -1}), x}, 1);
  x = encoder->forward(x);
  return select(x, 1, 0);
}

Tensor VisionTransformer::forward_head(const Tensor& features) { return heads->forward(features); }

}  // namespace hangu::models

#pragma once
// Vision Transformer (Dosovitskiy et al. 2021) in torchvision's layout and names: conv_proj
// (patch embedding), class_token [1, 1, D], encoder.pos_embedding [1, 1 + patches, D],
// encoder.layers.encoder_layer_N.{ln_1, self_attention (in_proj_weight, in_proj_bias,
// out_proj), ln_2, mlp.0, mlp.3}, encoder.ln, heads.head. Pre-norm blocks, LayerNorm eps 1e-6,
// GELU (erf), the class token's final state is the feature. Initialisation as torchvision
// (the head starts at zero).
#include <memory>
#include <vector>

#include "hangu/models/image_classifier.h"
#include "hangu/nn/attention.h"
#include "hangu/nn/container.h"
#include "hangu/nn/conv.h"
#include "hangu/nn/linear.h"
#include "hangu/nn/normalization.h"

namespace hangu::models {

struct VitConfig {
  int64_t image_size = 224;
  int64_t patch_size = 16;
  int64_t num_layers = 12;
  int64_t num_heads = 3;
  int64_t hidden_dim = 192;
  int64_t mlp_dim = 768;
  double dropout = 0.0;
  double attention_dropout = 0.0;
};

// ViT-Tiny/16 (192 wide, 12 layers, 3 heads, MLP 768) and ViT-Small/16 (384, 12, 6, 1536).
VitConfig vit_tiny_config(int64_t image_size = 224);
VitConfig vit_small_config(int64_t image_size = 224);

class VitEncoderBlock : public nn::Module {
 public:
  explicit VitEncoderBlock(const VitConfig& c);
  Tensor forward(const Tensor& x) override;  // [N, S, D]
  std::shared_ptr<nn::LayerNorm> ln_1, ln_2;
  std::shared_ptr<nn::MultiheadAttention> self_attention;
  std::shared_ptr<nn::Module> dropout;
  std::shared_ptr<nn::Sequential> mlp;  // 0 Linear, 1 GELU, 2 Dropout, 3 Linear, 4 Dropout
};

class VitEncoder : public nn::Module {
 public:
  VitEncoder(const VitConfig& c, int64_t seq_length);
  Tensor forward(const Tensor& x) override;  // adds the positions, runs the blocks, normalises
  Tensor pos_embedding;
  std::shared_ptr<nn::Module> dropout;
  std::shared_ptr<nn::Sequential> layers;
  std::shared_ptr<nn::LayerNorm> ln;
};

class VisionTransformer : public ImageClassifier {
 public:
  VisionTransformer(const VitConfig& config, int64_t num_classes = 1000);
  // Images of exactly image_size x image_size (ValueError otherwise); the class token's state.
  Tensor forward_features(const Tensor& input) override;  // [N, hidden_dim]
  Tensor forward_head(const Tensor& features) override;
  VitConfig config;
  std::shared_ptr<nn::Conv2d> conv_proj;
  Tensor class_token;
  std::shared_ptr<VitEncoder> encoder;
  std::shared_ptr<nn::Sequential> heads;  // "head": Linear(hidden_dim, num_classes)
};

}  // namespace hangu::models

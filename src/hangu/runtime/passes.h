#pragma once
// Graph passes, run once when a Session is built. Each keeps the graph's outputs the same (up to
// float rounding for the folds) and returns how many rewrites it made.
#include <cstdint>

#include "hangu/runtime/graph.h"

namespace hangu::runtime {

struct PassStats {
  int64_t folded = 0;     // nodes replaced by their constant outputs
  int64_t conv_bn = 0;    // BatchNormalization nodes folded into the Conv before them
  int64_t fused = 0;      // bias adds and activations fused into Conv / Gemm / MatMul
  int64_t removed = 0;    // nodes whose outputs nobody reads
  int64_t prepacked = 0;  // Conv nodes whose constant weights were packed for the kernels
};

// All passes in order: fold constants, fold Conv+BN, fuse, remove dead nodes; then drops the
// constants no node reads any more and packs the convolution weights.
PassStats optimize(Graph& g);

// Packs the constant f32 weights (and bias) of 2-D Conv nodes once for the convolution kernels of
// the active level (kernels::conv2d_pack), into Node::prepared.
int64_t prepack_conv_weights(Graph& g);

// Runs every deterministic node whose inputs are all constants and makes its outputs constants.
int64_t fold_constants(Graph& g);
// Conv(X, W, B) -> BatchNormalization(inference) becomes Conv(X, W', B') with
// W' = W * s, B' = (B - mean) * s + beta, s = gamma / sqrt(var + eps) per output channel.
int64_t fold_conv_batchnorm(Graph& g);
// Conv/Gemm + Relu|Clip|LeakyRelu, Conv + constant per-channel Add, and MatMul + constant bias Add
// (+ activation) become one node that applies bias and activation to its own output.
int64_t fuse_bias_activation(Graph& g);
// Removes nodes none of whose outputs is read or is a graph output (to a fixed point).
int64_t remove_dead_nodes(Graph& g);
// Frees the values of constant slots that no node, output or sub-graph reads.
void drop_unused_constants(Graph& g);

// Attribute names the fusion pass puts on the nodes it rewrites (read by the op kernels).
inline constexpr const char* kActAttr = "_hangu_activation";  // "Relu", "Clip", "LeakyRelu"
inline constexpr const char* kActMin = "_hangu_act_min";
inline constexpr const char* kActMax = "_hangu_act_max";
inline constexpr const char* kActAlpha = "_hangu_act_alpha";

}  // namespace hangu::runtime

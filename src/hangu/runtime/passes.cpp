#include "hangu/runtime/passes.h"

#include <cmath>

#include "hangu/core/error.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/views.h"
#include "hangu/runtime/conv_prepack.h"
#include "hangu/runtime/executor.h"
#include "hangu/runtime/op_registry.h"

namespace hangu::runtime {

namespace {

constexpr int64_t kMaxFoldBytes = int64_t{256} << 20;  // larger results stay computed at run time

bool is_constant(const Graph& g, int32_t s) {
  return s >= 0 && g.slots[static_cast<size_t>(s)].role == Slot::Role::constant;
}
const Value& constant_of(const Graph& g, int32_t s) { return g.slots[static_cast<size_t>(s)].constant; }

// Slots read by some node, a sub-graph capture, or the graph's outputs.
std::vector<int32_t> read_counts(const Graph& g) {
  std::vector<int32_t> c(g.slots.size(), 0);
  for (const Node& n : g.nodes) {
    for (int32_t s : n.inputs)
      if (s >= 0) ++c[static_cast<size_t>(s)];
    for (int32_t s : n.captures) ++c[static_cast<size_t>(s)];
  }
  for (int32_t s : g.outputs) ++c[static_cast<size_t>(s)];
  return c;
}

// The single node reading slot s (and only through one input), or -1.
int32_t sole_reader(const Graph& g, const std::vector<int32_t>& reads, int32_t s) {
  if (s < 0 || reads[static_cast<size_t>(s)] != 1 || g.slots[static_cast<size_t>(s)].is_output) return -1;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int32_t x : g.nodes[i].inputs)
      if (x == s) return static_cast<int32_t>(i);
  return -1;
}

bool default_domain(const Node& n, const char* op) { return n.domain.empty() && n.op_type == op; }

// Live outputs of a node (slots that are not omitted).
int live_outputs(const Node& n) {
  int k = 0;
  for (int32_t s : n.outputs) k += s >= 0;
  return k;
}

void erase_nodes(Graph& g, const std::vector<bool>& dead) {
  std::vector<Node> kept;
  kept.reserve(g.nodes.size());
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!dead[i]) kept.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(kept);
}

std::optional<float> constant_scalar(const Graph& g, int32_t s) {
  if (!is_constant(g, s)) return std::nullopt;
  const Value& v = constant_of(g, s);
  if (!v.is_tensor() || v.tensor().numel() != 1 || !v.tensor().is_floating_point()) return std::nullopt;
  return v.tensor().item<float>();
}

}  // namespace

int64_t fold_constants(Graph& g) {
  int64_t folded = 0;
  std::vector<bool> dead(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = g.nodes[i];
    if (!n.op->foldable || !n.subgraphs.empty() || !n.captures.empty()) continue;
    bool all_const = true;
    for (int32_t s : n.inputs) all_const = all_const && (s < 0 || is_constant(g, s));
    if (!all_const) continue;
    std::vector<Value> in;
    for (int32_t s : n.inputs) in.push_back(s >= 0 ? constant_of(g, s) : Value());
    std::vector<Value> out;
    try {
      out = run_node(n, in);
    } catch (const Error&) {
      continue;  // leave it to run time, where the error names the run's inputs
    }
    int64_t bytes = 0;
    bool complete = true;
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      bytes += out[k].nbytes();
      if (n.outputs[k] >= 0 && out[k].empty() && !n.op_type.starts_with("Optional")) complete = false;
    }
    if (!complete || bytes > kMaxFoldBytes) continue;
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      const int32_t s = n.outputs[k];
      if (s < 0) continue;
      Slot& slot = g.slots[static_cast<size_t>(s)];
      slot.role = Slot::Role::constant;
      slot.constant = std::move(out[k]);
    }
    dead[i] = true;
    ++folded;
  }
  erase_nodes(g, dead);
  for (Node& n : g.nodes)
    for (auto& [name, sub] : n.subgraphs) folded += fold_constants(*sub.graph);
  return folded;
}

int64_t fold_conv_batchnorm(Graph& g) {
  int64_t count = 0;
  std::vector<int32_t> reads = read_counts(g);
  std::vector<bool> dead(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& conv = g.nodes[i];
    if (dead[i] || !default_domain(conv, "Conv") || conv.outputs.size() != 1) continue;
    if (conv.inputs.size() < 2 || !is_constant(g, conv.inputs[1])) continue;
    if (conv.inputs.size() > 2 && conv.inputs[2] >= 0 && !is_constant(g, conv.inputs[2])) continue;
    const int32_t j = sole_reader(g, reads, conv.outputs[0]);
    if (j < 0) continue;
    Node& bn = g.nodes[static_cast<size_t>(j)];
    if (!default_domain(bn, "BatchNormalization") || bn.inputs.size() != 5 || bn.inputs[0] != conv.outputs[0]) continue;
    if (live_outputs(bn) != 1 || bn.outputs[0] < 0 || bn.attrs.get_int("training_mode", 0, bn.label()) != 0) continue;
    bool consts = true;
    for (size_t k = 1; k < 5; ++k) consts = consts && is_constant(g, bn.inputs[k]);
    if (!consts) continue;
    const Value& wv = constant_of(g, conv.inputs[1]);
    if (!wv.is_tensor() || !wv.tensor().is_floating_point() || wv.tensor().dim() < 3) continue;
    const Tensor w = wv.tensor();
    const int64_t c_out = w.size(0);
    auto param = [&](size_t k) -> Tensor {
      const Value& v = constant_of(g, bn.inputs[k]);
      return v.is_tensor() ? to(v.tensor(), DType::f64) : Tensor();
    };
    Tensor gamma = param(1), beta = param(2), mean = param(3), var = param(4);
    bool shapes_ok = true;
    for (const Tensor& p : {gamma, beta, mean, var}) shapes_ok = shapes_ok && p.defined() && p.numel() == c_out && p.dim() == 1;
    if (!shapes_ok) continue;
    const double eps = bn.attrs.get_float("epsilon", 1e-5f, bn.label());
    Tensor scale = div(gamma, sqrt(add(var, eps)));  // [c_out], float64
    Shape bshape(static_cast<size_t>(w.dim()), 1);
    bshape[0] = c_out;
    Tensor new_w = to(mul(to(w, DType::f64), reshape(scale, IntList(bshape))), w.dtype());
    Tensor b = (conv.inputs.size() > 2 && conv.inputs[2] >= 0) ? to(constant_of(g, conv.inputs[2]).tensor(), DType::f64)
                                                                : zeros({c_out}, DType::f64);
    Tensor new_b = to(add(mul(sub(b, mean), scale), beta), w.dtype());
    const int32_t ws = g.add_constant(g.slots[static_cast<size_t>(conv.inputs[1])].name + "_bnfold", Value(new_w));
    const int32_t bs = g.add_constant(g.slots[static_cast<size_t>(bn.outputs[0])].name + "_bnbias", Value(new_b));
    reads.resize(g.slots.size(), 0);
    conv.inputs.resize(3);
    conv.inputs[1] = ws;
    conv.inputs[2] = bs;
    conv.outputs[0] = bn.outputs[0];
    dead[static_cast<size_t>(j)] = true;
    ++count;
  }
  erase_nodes(g, dead);
  for (Node& n : g.nodes)
    for (auto& [name, sub] : n.subgraphs) count += fold_conv_batchnorm(*sub.graph);
  return count;
}

namespace {

// Moves the activation of node `act` onto `host` (which keeps act's output). False if the
// activation's parameters are not constants this pass understands.
bool absorb_activation(Graph& g, Node& host, const Node& act) {
  if (act.op_type == "Relu") {
    host.attrs.set_string(kActAttr, "Relu");
  } else if (act.op_type == "LeakyRelu") {
    host.attrs.set_string(kActAttr, "LeakyRelu");
    host.attrs.set_float(kActAlpha, act.attrs.get_float("alpha", 0.01f, act.label()));
  } else if (act.op_type == "Clip") {
    float lo = -INFINITY, hi = INFINITY;
    if (act.opset < 11) {
      lo = act.attrs.get_float("min", lo, act.label());
      hi = act.attrs.get_float("max", hi, act.label());
    } else {
      if (act.inputs.size() > 1 && act.inputs[1] >= 0) {
        auto v = constant_scalar(g, act.inputs[1]);
        if (!v) return false;
        lo = *v;
      }
      if (act.inputs.size() > 2 && act.inputs[2] >= 0) {
        auto v = constant_scalar(g, act.inputs[2]);
        if (!v) return false;
        hi = *v;
      }
    }
    host.attrs.set_string(kActAttr, "Clip");
    host.attrs.set_float(kActMin, lo);
    host.attrs.set_float(kActMax, hi);
  } else {
    return false;
  }
  host.outputs[0] = act.outputs[0];
  return true;
}

bool is_activation(const Node& n) {
  return n.domain.empty() && (n.op_type == "Relu" || n.op_type == "LeakyRelu" || n.op_type == "Clip") &&
         n.outputs.size() == 1 && n.outputs[0] >= 0;
}

// A constant bias for a MatMul output [..., N]: shape [N] or [1, N] (any leading 1s).
Tensor matmul_bias(const Graph& g, int32_t s, const Tensor& weight) {
  if (!is_constant(g, s) || !constant_of(g, s).is_tensor()) return Tensor();
  const Tensor& b = constant_of(g, s).tensor();
  if (weight.dim() != 2 || b.dtype() != weight.dtype() || b.dim() < 1) return Tensor();
  for (int64_t d = 0; d + 1 < b.dim(); ++d)
    if (b.size(d) != 1) return Tensor();
  if (b.size(-1) != weight.size(1)) return Tensor();
  return reshape(b, {weight.size(1)});
}

// A constant per-channel bias for a Conv output [N, C, ...]: shape [C, 1, ...] or [1, C, 1, ...].
Tensor conv_bias(const Graph& g, int32_t s, const Tensor& weight) {
  if (!is_constant(g, s) || !constant_of(g, s).is_tensor()) return Tensor();
  const Tensor& b = constant_of(g, s).tensor();
  if (b.dtype() != weight.dtype() || b.dim() < 1 || b.dim() > weight.dim()) return Tensor();
  const int64_t c = weight.size(0);
  if (b.numel() != c) return Tensor();
  // Aligned to the output's trailing dims, the channel dim is output dim 1 = weight.dim() - ... .
  const int64_t out_rank = weight.dim();  // conv output rank equals the weight's rank
  const int64_t channel_pos = 1 - (out_rank - b.dim());
  if (channel_pos < 0 || (c > 1 && b.size(channel_pos) != c)) return Tensor();
  return reshape(b, {c});
}

}  // namespace

int64_t fuse_bias_activation(Graph& g) {
  int64_t count = 0;
  std::vector<int32_t> reads = read_counts(g);
  std::vector<bool> dead(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (dead[i]) continue;
    Node* host = &g.nodes[i];
    // Add + activation (the residual joins of ResNets): the activation runs in place on the sum.
    if (default_domain(*host, "Add") && host->inputs.size() == 2 && host->outputs.size() == 1 && host->outputs[0] >= 0) {
      const int32_t j = sole_reader(g, reads, host->outputs[0]);
      if (j >= 0 && !dead[static_cast<size_t>(j)] && is_activation(g.nodes[static_cast<size_t>(j)]) &&
          g.nodes[static_cast<size_t>(j)].inputs[0] == host->outputs[0]) {
        Node trial = *host;
        if (absorb_activation(g, trial, g.nodes[static_cast<size_t>(j)])) {
          trial.domain = kHanguDomain;
          trial.op_type = "FusedAdd";
          trial.op = op_table().find(kHanguDomain, "FusedAdd");
          *host = std::move(trial);
          dead[static_cast<size_t>(j)] = true;
          ++count;
        }
      }
      continue;
    }
    const bool conv = default_domain(*host, "Conv"), gemm = default_domain(*host, "Gemm"),
               matmul = default_domain(*host, "MatMul");
    if (!(conv || gemm || matmul) || host->outputs.size() != 1 || host->outputs[0] < 0) continue;
    if (host->inputs.size() < 2 || !is_constant(g, host->inputs[1]) || !constant_of(g, host->inputs[1]).is_tensor())
      continue;
    const Tensor weight = constant_of(g, host->inputs[1]).tensor();
    if (!weight.is_floating_point()) continue;

    // A bias Add: Conv without a bias, or MatMul with a 2-D constant weight.
    int32_t j = sole_reader(g, reads, host->outputs[0]);
    if (j >= 0 && default_domain(g.nodes[static_cast<size_t>(j)], "Add") && (matmul || (conv && host->inputs.size() < 3))) {
      const Node& add_node = g.nodes[static_cast<size_t>(j)];
      const int32_t other = add_node.inputs.size() == 2
                                ? (add_node.inputs[0] == host->outputs[0] ? add_node.inputs[1] : add_node.inputs[0])
                                : -1;
      Tensor bias = matmul ? matmul_bias(g, other, weight) : conv_bias(g, other, weight);
      if (bias.defined() && add_node.outputs.size() == 1 && add_node.outputs[0] >= 0) {
        const int32_t bs = g.add_constant(g.slots[static_cast<size_t>(add_node.outputs[0])].name + "_bias", Value(bias));
        reads.resize(g.slots.size(), 0);
        if (matmul) {
          host->domain = kHanguDomain;
          host->op_type = "FusedMatMul";
          host->op = op_table().find(kHanguDomain, "FusedMatMul");
        }
        host->inputs.resize(3, -1);
        host->inputs[2] = bs;
        host->outputs[0] = add_node.outputs[0];
        dead[static_cast<size_t>(j)] = true;
        ++count;
        j = sole_reader(g, reads, host->outputs[0]);
      }
    }
    if (j >= 0 && !dead[static_cast<size_t>(j)] && is_activation(g.nodes[static_cast<size_t>(j)]) &&
        g.nodes[static_cast<size_t>(j)].inputs[0] == host->outputs[0] && !host->attrs.has(kActAttr)) {
      if (absorb_activation(g, *host, g.nodes[static_cast<size_t>(j)])) {
        dead[static_cast<size_t>(j)] = true;
        ++count;
      }
    }
  }
  erase_nodes(g, dead);
  for (Node& n : g.nodes)
    for (auto& [name, sub] : n.subgraphs) count += fuse_bias_activation(*sub.graph);
  return count;
}

int64_t remove_dead_nodes(Graph& g) {
  int64_t removed = 0;
  std::vector<int32_t> reads = read_counts(g);
  std::vector<bool> dead(g.nodes.size(), false);
  for (size_t k = g.nodes.size(); k-- > 0;) {
    const Node& n = g.nodes[k];
    bool used = false;
    for (int32_t s : n.outputs) used = used || (s >= 0 && reads[static_cast<size_t>(s)] > 0);
    if (used) continue;
    dead[k] = true;
    ++removed;
    for (int32_t s : n.inputs)
      if (s >= 0) --reads[static_cast<size_t>(s)];
    for (int32_t s : n.captures) --reads[static_cast<size_t>(s)];
  }
  erase_nodes(g, dead);
  for (Node& n : g.nodes)
    for (auto& [name, sub] : n.subgraphs) removed += remove_dead_nodes(*sub.graph);
  return removed;
}

void drop_unused_constants(Graph& g) {
  std::vector<int32_t> reads = read_counts(g);
  for (size_t s = 0; s < g.slots.size(); ++s) {
    Slot& slot = g.slots[s];
    if (slot.role == Slot::Role::constant && reads[s] == 0) slot.constant = Value();
  }
  for (Node& n : g.nodes)
    for (auto& [name, sub] : n.subgraphs) drop_unused_constants(*sub.graph);
}

PassStats optimize(Graph& g) {
  PassStats st;
  st.folded = fold_constants(g);
  st.conv_bn = fold_conv_batchnorm(g);
  st.fused = fuse_bias_activation(g);
  st.removed = remove_dead_nodes(g);
  drop_unused_constants(g);
  st.prepacked = prepack_conv_weights(g);
  return st;
}

int64_t prepack_conv_weights(Graph& g) {
  int64_t count = 0;
  for (Node& n : g.nodes) {
    for (auto& [name, sub] : n.subgraphs) count += prepack_conv_weights(*sub.graph);
    if (!default_domain(n, "Conv") || n.inputs.size() < 2 || !is_constant(g, n.inputs[1])) continue;
    const Value& wv = constant_of(g, n.inputs[1]);
    if (!wv.is_tensor()) continue;
    Tensor bias;
    if (n.inputs.size() >= 3 && n.inputs[2] >= 0) {
      if (!is_constant(g, n.inputs[2]) || !constant_of(g, n.inputs[2]).is_tensor()) continue;
      bias = constant_of(g, n.inputs[2]).tensor();
    }
    if (auto p = prepack_conv(wv.tensor(), bias, n.attrs.get_int("group", 1, n.label()))) {
      n.prepared = std::move(p);
      ++count;
    }
  }
  return count;
}

}  // namespace hangu::runtime

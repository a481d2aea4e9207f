#pragma once
// The data autograd attaches to a tensor, and the graph node type. These live in core so that
// every op (in ops/) can record itself; the engine that walks the graph is in autograd/.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hangu/core/tensor.h"

namespace hangu {

class Node;

// Where a gradient goes: input `input_nr` of node `fn`, or the .grad of leaf tensor `leaf`.
struct Edge {
  std::shared_ptr<Node> fn;
  uint32_t input_nr = 0;
  std::shared_ptr<TensorImpl> leaf;  // set (and fn null) when the input is a leaf requiring grad
  bool valid() const { return fn != nullptr || leaf != nullptr; }
};

// Called with a gradient before it is used; returns a replacement, or an undefined tensor to keep it.
using GradHook = std::function<Tensor(const Tensor&)>;

struct AutogradMeta {
  bool requires_grad = false;
  Tensor grad;                     // accumulated gradient (leaves, and non-leaves that retain_grad)
  std::shared_ptr<Node> grad_fn;   // the node that made this tensor; null for a leaf
  uint32_t output_nr = 0;          // which output of grad_fn this tensor is
  std::vector<GradHook> hooks;     // leaf hooks (non-leaf hooks live on grad_fn's pre_hooks)
};

// A recorded operation. apply() maps the gradients of its outputs to the gradients of its inputs
// (one per next edge; undefined where an input gets none).
class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  virtual ~Node() = default;
  virtual std::vector<Tensor> apply(const std::vector<Tensor>& grad_outputs) = 0;
  virtual std::string name() const = 0;
  // Frees saved tensors once the graph has been used (unless retain_graph).
  virtual void release() {}

  std::vector<Edge> next_edges;
  uint32_t num_outputs = 1;
  uint64_t sequence_nr;  // creation order: later nodes run first, deterministically
  std::vector<std::vector<GradHook>> pre_hooks;  // per output: hooks on the gradient of that output
  std::vector<Shape> output_shapes;              // to make zero gradients for outputs that got none
  std::vector<DType> output_dtypes;
};

// Whether ops record themselves. Thread-local, on by default.
struct GradMode {
  static bool is_enabled();
  static void set_enabled(bool on);
};

// Turns recording off for its scope, like torch.no_grad().
class NoGradGuard {
 public:
  NoGradGuard() : prev_(GradMode::is_enabled()) { GradMode::set_enabled(false); }
  ~NoGradGuard() { GradMode::set_enabled(prev_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// Sets grad mode to `on` for its scope (the engine uses it for create_graph).
class GradModeGuard {
 public:
  explicit GradModeGuard(bool on) : prev_(GradMode::is_enabled()) { GradMode::set_enabled(on); }
  ~GradModeGuard() { GradMode::set_enabled(prev_); }
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace hangu

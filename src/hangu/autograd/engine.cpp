#include "hangu/autograd/engine.h"

#include <map>
#include <queue>
#include <set>
#include <unordered_map>

#include "hangu/core/anomaly_mode.h"
#include "hangu/core/error.h"
#include "hangu/ops/autograd_record.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/nonfinite.h"

namespace hangu::autograd {
namespace {

Edge edge_of(const Tensor& t) {
  if (!t.defined() || !t.requires_grad()) return {};
  const auto& meta = t.impl()->autograd;
  if (meta->grad_fn) return {meta->grad_fn, meta->output_nr, nullptr};
  return {nullptr, 0, t.impl_ptr()};
}

// Sums gradients arriving at the same place. Out of place, so a gradient handed to two inputs
// (add's backward returns the same tensor twice) is never modified behind the other's back.
Tensor accumulate(const Tensor& acc, const Tensor& g) { return acc.defined() ? add(acc, g) : g; }

Tensor apply_hooks(const std::vector<GradHook>& hooks, Tensor g) {
  for (const auto& h : hooks) {
    Tensor r = h(g);
    if (r.defined()) g = r;
  }
  return g;
}

void accumulate_into_leaf(TensorImpl* leaf, Tensor g, bool create_graph) {
  AutogradMeta& meta = *leaf->autograd;
  g = apply_hooks(meta.hooks, std::move(g));
  if (g.shape() != leaf->shape) throw ShapeError(MsgId::grad_shape_mismatch, "backward", g.shape(), leaf->shape);
  if (!meta.grad.defined()) {
    // A private copy, since later sums may be in place; like PyTorch's AccumulateGrad, a dense
    // gradient nothing else can reach (its storage unshared and wholly its own, its handle held
    // only by the node's outputs and by `g`) is taken as it is instead of copied.
    const bool unshared = g.impl_ptr().use_count() <= 2 && g.storage().use_count() == 1 && g.is_contiguous() &&
                          g.nbytes() == g.storage().nbytes();
    meta.grad = create_graph ? g : unshared ? g.detach() : clone(g.detach());
  } else if (create_graph || meta.grad.requires_grad()) {
    meta.grad = add(meta.grad, g);
  } else {
    NoGradGuard no_grad;
    add_(meta.grad, g.detach());
  }
}

struct Capture {
  Node* fn = nullptr;
  uint32_t input_nr = 0;
  TensorImpl* leaf = nullptr;
  bool matches(const Edge& e) const {
    return e.fn ? (e.fn.get() == fn && e.input_nr == input_nr) : (e.leaf && e.leaf.get() == leaf);
  }
};

struct ByLatest {
  bool operator()(const Node* a, const Node* b) const { return a->sequence_nr < b->sequence_nr; }
};

// The shared walk behind backward() and grad(). With captures, gradients reaching a captured
// edge are summed into `captured` and leaves' .grad are left alone.
void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& root_grads, bool retain_graph,
                  bool create_graph, const std::vector<Capture>* captures, std::vector<Tensor>* captured) {
  GradModeGuard mode(create_graph);
  std::vector<Edge> root_edges;
  for (size_t i = 0; i < roots.size(); ++i) {
    Edge e = edge_of(roots[i]);
    if (!e.valid()) throw ValueError(MsgId::backward_no_grad, i);
    root_edges.push_back(e);
  }

  // Discover the graph.
  std::unordered_map<Node*, std::shared_ptr<Node>> nodes;
  std::vector<Node*> stack;
  for (const Edge& e : root_edges)
    if (e.fn && nodes.emplace(e.fn.get(), e.fn).second) stack.push_back(e.fn.get());
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges)
      if (e.fn && nodes.emplace(e.fn.get(), e.fn).second) stack.push_back(e.fn.get());
  }

  // With captures, only nodes from which a captured edge can be reached need to run.
  std::set<Node*> needed;
  if (!captures) {
    for (auto& [n, _] : nodes) needed.insert(n);
  } else {
    bool changed = true;
    while (changed) {  // graphs are small relative to the work per node; a fixed point is enough
      changed = false;
      for (auto& [n, _] : nodes) {
        if (needed.count(n)) continue;
        for (const Edge& e : n->next_edges) {
          bool hit = (e.fn && needed.count(e.fn.get())) || std::any_of(captures->begin(), captures->end(),
                                                                          [&](const Capture& c) { return c.matches(e); });
          if (hit) {
            needed.insert(n);
            changed = true;
            break;
          }
        }
      }
    }
  }
  std::unordered_map<Node*, int> deps;
  for (Node* n : needed)
    for (const Edge& e : n->next_edges)
      if (e.fn && needed.count(e.fn.get())) ++deps[e.fn.get()];

  std::unordered_map<Node*, std::vector<Tensor>> buffers;
  auto send = [&](const Edge& e, const Tensor& g) {
    if (!g.defined()) return;
    if (captures) {
      for (size_t k = 0; k < captures->size(); ++k)
        if ((*captures)[k].matches(e)) (*captured)[k] = accumulate((*captured)[k], g);
      if (e.fn && needed.count(e.fn.get())) {
        auto& buf = buffers[e.fn.get()];
        buf.resize(e.fn->num_outputs);
        buf[e.input_nr] = accumulate(buf[e.input_nr], g);
      }
      return;
    }
    if (e.leaf) {
      accumulate_into_leaf(e.leaf.get(), g, create_graph);
    } else {
      auto& buf = buffers[e.fn.get()];
      buf.resize(e.fn->num_outputs);
      buf[e.input_nr] = accumulate(buf[e.input_nr], g);
    }
  };
  for (size_t i = 0; i < roots.size(); ++i) send(root_edges[i], root_grads[i]);

  std::priority_queue<Node*, std::vector<Node*>, ByLatest> ready;
  for (Node* n : needed)
    if (deps[n] == 0 && buffers.count(n)) ready.push(n);
  while (!ready.empty()) {
    Node* n = ready.top();
    ready.pop();
    std::vector<Tensor> in = std::move(buffers[n]);
    buffers.erase(n);
    in.resize(n->num_outputs);
    for (uint32_t k = 0; k < n->num_outputs; ++k) {
      if (!in[k].defined()) in[k] = zeros(n->output_shapes[k], n->output_dtypes[k]);
      if (k < n->pre_hooks.size()) in[k] = apply_hooks(n->pre_hooks[k], in[k]);
    }
    std::vector<Tensor> out = n->apply(in);
    if (is_anomaly_enabled()) ops::check_backward_anomaly(*n, in, out);
    if (!retain_graph) n->release();
    for (size_t i = 0; i < n->next_edges.size(); ++i) {
      const Edge& e = n->next_edges[i];
      if (i < out.size()) send(e, out[i]);
      if (e.fn && needed.count(e.fn.get()) && --deps[e.fn.get()] == 0) {
        if (buffers.count(e.fn.get())) ready.push(e.fn.get());
      }
    }
  }
}

std::vector<Tensor> default_grads(const std::vector<Tensor>& tensors, const std::vector<Tensor>& given) {
  std::vector<Tensor> g(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (i < given.size() && given[i].defined()) {
      if (given[i].shape() != tensors[i].shape())
        throw ShapeError(MsgId::grad_shape_mismatch, "backward", given[i].shape(), tensors[i].shape());
      g[i] = given[i];
    } else {
      if (tensors[i].numel() != 1) throw ValueError(MsgId::backward_non_scalar, tensors[i].shape());
      g[i] = ones_like(tensors[i]);
    }
  }
  return g;
}

}  // namespace

void backward(const std::vector<Tensor>& tensors, const std::vector<Tensor>& grad_tensors, bool retain_graph,
              bool create_graph) {
  run_backward(tensors, default_grads(tensors, grad_tensors), retain_graph || create_graph, create_graph, nullptr,
               nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, bool retain_graph, bool create_graph,
                         bool allow_unused) {
  std::vector<Capture> caps;
  for (size_t i = 0; i < inputs.size(); ++i) {
    Edge e = edge_of(inputs[i]);
    if (!e.valid()) throw ValueError(MsgId::backward_no_grad, i);
    caps.push_back({e.fn.get(), e.input_nr, e.leaf.get()});
  }
  std::vector<Tensor> result(inputs.size());
  run_backward(outputs, default_grads(outputs, grad_outputs), retain_graph || create_graph, create_graph, &caps,
               &result);
  for (size_t i = 0; i < result.size(); ++i)
    if (!result[i].defined() && !allow_unused) throw ValueError(MsgId::grad_unused_input, i);
  return result;
}

}  // namespace hangu::autograd

namespace hangu {

void Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const {
  autograd::backward({*this}, {gradient}, retain_graph, create_graph);
}

void Tensor::retain_grad() const {
  check_defined(*this, "retain_grad");
  if (is_leaf()) return;  // leaves keep their grad anyway
  std::weak_ptr<TensorImpl> self = impl_ptr();
  grad_fn()->pre_hooks[impl()->autograd->output_nr].push_back([self](const Tensor& g) {
    if (auto sp = self.lock()) {
      Tensor& slot = sp->autograd->grad;
      slot = slot.defined() ? add(slot, g) : (GradMode::is_enabled() ? g : clone(g));
    }
    return Tensor();
  });
}

void Tensor::register_hook(GradHook hook) const {
  check_defined(*this, "register_hook");
  if (!requires_grad()) throw ValueError(MsgId::backward_no_grad, 0);
  if (is_leaf()) impl()->autograd->hooks.push_back(std::move(hook));
  else grad_fn()->pre_hooks[impl()->autograd->output_nr].push_back(std::move(hook));
}

}  // namespace hangu

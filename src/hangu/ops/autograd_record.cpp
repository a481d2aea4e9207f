#include "hangu/ops/autograd_record.h"

#include "hangu/core/anomaly_mode.h"
#include "hangu/core/error.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/nonfinite.h"
#include "hangu/ops/reduction.h"
#include "hangu/ops/views.h"

namespace hangu::ops {
namespace {

thread_local Node* t_running = nullptr;  // the node whose backward is running on this thread

// A node whose backward is a closure written with ops.
class FunctionNode : public Node {
 public:
  FunctionNode(const char* name, BackwardFn fn, std::vector<Shape> in_shapes, std::vector<DType> in_dtypes)
      : name_(name), fn_(std::move(fn)), in_shapes_(std::move(in_shapes)), in_dtypes_(std::move(in_dtypes)) {}

  std::vector<Tensor> apply(const std::vector<Tensor>& grad_outputs) override {
    if (!fn_) throw ValueError(MsgId::backward_twice, name_);
    Node* prev = t_running;
    t_running = this;
    std::vector<Tensor> g;
    try {
      g = fn_(grad_outputs);
    } catch (...) {
      t_running = prev;
      throw;
    }
    t_running = prev;
    g.resize(next_edges.size());
    for (size_t i = 0; i < g.size(); ++i) {
      if (!g[i].defined() || !next_edges[i].valid()) {
        g[i] = Tensor();
        continue;
      }
      g[i] = sum_to_shape(g[i], in_shapes_[i]);
      if (g[i].dtype() != in_dtypes_[i]) g[i] = to(g[i], in_dtypes_[i]);
    }
    return g;
  }
  std::string name() const override { return name_; }
  void release() override { fn_ = nullptr; }

 private:
  const char* name_;
  BackwardFn fn_;
  std::vector<Shape> in_shapes_;
  std::vector<DType> in_dtypes_;
};

Edge edge_of(const Tensor& t) {
  if (!t.defined() || !t.requires_grad()) return {};
  const auto& meta = t.impl()->autograd;
  if (meta->grad_fn) return {meta->grad_fn, meta->output_nr, nullptr};
  return {nullptr, 0, t.impl_ptr()};
}

}  // namespace

SavedTensor::SavedTensor(const Tensor& output, uint32_t output_nr)
    : detached_(output.defined() ? output.detach() : Tensor()), output_nr_(output_nr) {}

Tensor SavedTensor::get() const {
  if (!t_running || !GradMode::is_enabled() || !detached_.defined()) return detached_;
  // create_graph: make the output a child of the running node again.
  Tensor t = detached_.detach();
  auto meta = std::make_shared<AutogradMeta>();
  meta->requires_grad = true;
  meta->grad_fn = t_running->shared_from_this();
  meta->output_nr = output_nr_;
  t.impl()->autograd = std::move(meta);
  return t;
}

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

GradRecorder::GradRecorder(const char* op, std::vector<Tensor> inputs)
    : op_(op), inputs_(std::move(inputs)), prev_mode_(GradMode::is_enabled()) {
  active_ = any_requires_grad(inputs_);
  GradMode::set_enabled(false);  // the forward's inner ops must not record
}

GradRecorder::~GradRecorder() { GradMode::set_enabled(prev_mode_); }

void GradRecorder::record(const std::vector<Tensor>& outputs, BackwardFn backward) {
  if (!active_) return;
  if (autograd::is_anomaly_enabled()) check_forward_anomaly(op_, inputs_, outputs);
  std::vector<Shape> shapes;
  std::vector<DType> dtypes;
  for (const Tensor& t : inputs_) {
    shapes.push_back(t.defined() ? t.shape() : Shape{});
    dtypes.push_back(t.defined() ? t.dtype() : DType::f32);
  }
  auto node = std::make_shared<FunctionNode>(op_, std::move(backward), std::move(shapes), std::move(dtypes));
  for (const Tensor& t : inputs_) node->next_edges.push_back(edge_of(t));
  node->num_outputs = static_cast<uint32_t>(outputs.size());
  node->pre_hooks.resize(outputs.size());
  for (uint32_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    node->output_shapes.push_back(out.shape());
    node->output_dtypes.push_back(out.dtype());
    if (!is_floating(out.dtype())) continue;  // indices and masks carry no gradient
    if (!out.impl()->autograd) out.impl()->autograd = std::make_shared<AutogradMeta>();
    out.impl()->autograd->requires_grad = true;
    out.impl()->autograd->grad_fn = node;
    out.impl()->autograd->output_nr = i;
  }
}

void check_inplace(const Tensor& self, const char* op) {
  if (GradMode::is_enabled() && self.requires_grad()) throw ValueError(MsgId::inplace_on_grad_tensor, op);
}

Tensor sum_to_shape(const Tensor& grad, IntList shape) {
  if (std::equal(grad.shape().begin(), grad.shape().end(), shape.begin(), shape.end())) return grad;
  int64_t lead = grad.dim() - static_cast<int64_t>(shape.size());
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < grad.dim(); ++d) {
    if (d < lead || (shape[static_cast<size_t>(d - lead)] == 1 && grad.shape()[static_cast<size_t>(d)] != 1))
      dims.push_back(d);
  }
  Tensor g = dims.empty() ? grad : sum(grad, dims, /*keepdim=*/true);
  return reshape(g, shape);
}

Tensor unreduce(const Tensor& grad, IntList input_shape, IntList dims, bool keepdim) {
  Tensor g = grad;
  int64_t rank = static_cast<int64_t>(input_shape.size());
  if (!keepdim && rank > 0) {
    std::vector<bool> reduced(static_cast<size_t>(rank), dims.empty());
    for (int64_t d : dims) reduced[static_cast<size_t>(wrap_dim(d, rank, "unreduce"))] = true;
    for (int64_t d = 0; d < rank; ++d)
      if (reduced[static_cast<size_t>(d)]) g = unsqueeze(g, d);
  }
  return expand(g, input_shape);
}

}  // namespace hangu::ops

// Control flow: If, Loop and Scan. Bodies are compiled sub-graphs (graph.h); each iteration runs
// the body with the values its outer-scope names refer to.
#include "hangu/core/checked_math.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/views.h"
#include "hangu/runtime/ops_common.h"

namespace hangu::runtime {
namespace {

constexpr int64_t kMaxIterations = int64_t{1} << 31;

bool truth(const OpContext& c, size_t i) {
  const Tensor& t = c.input(i);
  if (t.numel() != 1) bad_input_shape(c, i, t.shape(), "one element");
  return t.item().to_bool();
}

void op_if(OpContext& c) {
  std::vector<Value> outs = c.run_subgraph(truth(c, 0) ? "then_branch" : "else_branch", {});
  if (outs.size() < c.num_outputs()) throw ValueError(MsgId::rt_subgraph_outputs, c.label(), c.num_outputs(), outs.size());
  for (size_t i = 0; i < c.num_outputs(); ++i) c.set(i, std::move(outs[i]));
}

// Stacks the per-iteration tensors of a scan output along a new axis (0 for Loop).
Value stack_values(const OpContext& c, const std::vector<Value>& items, int64_t axis) {
  if (items.empty()) return Value(empty({0}, DType::f32));
  std::vector<Tensor> ts;
  for (const Value& v : items) {
    if (!v.is_tensor()) throw DTypeError(MsgId::rt_input_kind, c.label(), 0, v.describe(), "tensor");
    ts.push_back(v.tensor());
  }
  return Value(stack(ts, axis));
}

void op_loop(OpContext& c) {
  const bool has_max = c.has(0), has_cond = c.has(1);
  const int64_t max_trips = has_max ? c.input(0).item<int64_t>() : kMaxIterations;
  bool cond = has_cond ? truth(c, 1) : true;
  const size_t n_carried = c.num_inputs() - 2;
  std::vector<Value> carried;
  for (size_t i = 0; i < n_carried; ++i) carried.push_back(c.has(i + 2) ? c.value(i + 2) : Value());
  const size_t n_scan = c.num_outputs() - n_carried;
  std::vector<std::vector<Value>> scans(n_scan);
  int64_t i = 0;
  for (; i < max_trips && cond; ++i) {
    if (!has_max && !has_cond && i >= kMaxIterations) break;
    std::vector<Value> in;
    in.push_back(Value(scalar_tensor(Scalar(i), DType::i64)));
    in.push_back(Value(scalar_tensor(Scalar(cond), DType::boolean)));
    for (Value& v : carried) in.push_back(v);
    std::vector<Value> out = c.run_subgraph("body", std::move(in));
    if (out.size() != 1 + n_carried + n_scan) throw ValueError(MsgId::rt_subgraph_outputs, c.label(), 1 + n_carried + n_scan, out.size());
    if (has_cond || out[0].is_tensor()) cond = out[0].is_tensor() && out[0].tensor().item().to_bool();
    for (size_t k = 0; k < n_carried; ++k) carried[k] = std::move(out[1 + k]);
    for (size_t k = 0; k < n_scan; ++k) scans[k].push_back(std::move(out[1 + n_carried + k]));
  }
  for (size_t k = 0; k < n_carried; ++k) c.set(k, carried[k]);
  for (size_t k = 0; k < n_scan; ++k) c.set(n_carried + k, stack_values(c, scans[k], 0));
}

// One Scan over states + scan inputs (no batch dim): returns the final states and scan outputs.
std::vector<Value> scan_once(OpContext& c, std::vector<Value> states, const std::vector<Tensor>& scan_in, int64_t opset8_len) {
  const size_t n_state = states.size(), n_in = scan_in.size();
  const size_t n_out = c.num_outputs() - n_state;
  std::vector<int64_t> in_axes = c.attr_ints("scan_input_axes"), in_dirs = c.attr_ints(c.opset() < 9 ? "directions" : "scan_input_directions"),
                       out_axes = c.attr_ints("scan_output_axes"), out_dirs = c.attr_ints("scan_output_directions");
  in_axes.resize(n_in, 0);
  in_dirs.resize(n_in, 0);
  out_axes.resize(n_out, 0);
  out_dirs.resize(n_out, 0);
  int64_t length = -1;
  std::vector<int64_t> axes(n_in);
  for (size_t k = 0; k < n_in; ++k) {
    axes[k] = norm_axis(c, in_axes[k], scan_in[k].dim());
    const int64_t len = scan_in[k].size(axes[k]);
    if (length >= 0 && len != length) bad_input_shape(c, n_state + k, scan_in[k].shape(), "a scan length of " + std::to_string(length));
    length = len;
  }
  if (opset8_len >= 0) length = std::min(length, opset8_len);
  if (length < 0) length = 0;
  std::vector<std::vector<Value>> outs(n_out);
  for (int64_t t = 0; t < length; ++t) {
    std::vector<Value> in = states;
    for (size_t k = 0; k < n_in; ++k) in.push_back(Value(select(scan_in[k], axes[k], in_dirs[k] ? length - 1 - t : t)));
    std::vector<Value> out = c.run_subgraph("body", std::move(in));
    if (out.size() != n_state + n_out) throw ValueError(MsgId::rt_subgraph_outputs, c.label(), n_state + n_out, out.size());
    for (size_t k = 0; k < n_state; ++k) states[k] = std::move(out[k]);
    for (size_t k = 0; k < n_out; ++k) outs[k].push_back(std::move(out[n_state + k]));
  }
  std::vector<Value> result = states;
  for (size_t k = 0; k < n_out; ++k) {
    if (out_dirs[k]) std::reverse(outs[k].begin(), outs[k].end());
    const int64_t rank = outs[k].empty() || !outs[k][0].is_tensor() ? 1 : outs[k][0].tensor().dim() + 1;
    result.push_back(stack_values(c, outs[k], norm_axis(c, out_axes[k], rank)));
  }
  return result;
}

void op_scan(OpContext& c) {
  const int64_t n_in = c.require_int("num_scan_inputs");
  if (c.opset() >= 9) {
    const size_t n_state = c.num_inputs() - static_cast<size_t>(n_in);
    std::vector<Value> states;
    std::vector<Tensor> scan_in;
    for (size_t i = 0; i < n_state; ++i) states.push_back(c.value(i));
    for (size_t i = n_state; i < c.num_inputs(); ++i) scan_in.push_back(c.input(i));
    std::vector<Value> r = scan_once(c, states, scan_in, -1);
    for (size_t i = 0; i < r.size() && i < c.num_outputs(); ++i) c.set(i, std::move(r[i]));
    return;
  }
  // Opset 8: input 0 is the optional sequence_lens; every other input has a batch dim 0 and the
  // scan runs over dim 1 of each batch entry.
  const size_t n_state = c.num_inputs() - 1 - static_cast<size_t>(n_in);
  const int64_t batch = c.input(1).size(0);
  std::vector<int64_t> lens = c.has(0) ? int_values(c.input(0)) : std::vector<int64_t>{};
  std::vector<std::vector<Value>> per_out(c.num_outputs());
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<Value> states;
    std::vector<Tensor> scan_in;
    for (size_t i = 0; i < n_state; ++i) states.push_back(Value(select(c.input(1 + i), 0, b)));
    for (size_t i = 1 + n_state; i < c.num_inputs(); ++i) scan_in.push_back(select(c.input(i), 0, b));
    const int64_t len = lens.empty() ? -1 : lens[static_cast<size_t>(b)];
    std::vector<Value> r = scan_once(c, states, scan_in, len);
    for (size_t i = 0; i < r.size() && i < per_out.size(); ++i) per_out[i].push_back(std::move(r[i]));
  }
  for (size_t i = 0; i < per_out.size(); ++i) c.set(i, stack_values(c, per_out[i], 0));
}

}  // namespace

void register_control_ops(OpTable& t) {
  t.add("If", op_if);
  t.add("Loop", op_loop);
  t.add("Scan", op_scan);
}

}  // namespace hangu::runtime

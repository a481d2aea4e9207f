#include "hangu/runtime/executor.h"

#include <algorithm>
#include <chrono>

#include "hangu/core/autograd_meta.h"
#include "hangu/core/error.h"
#include "hangu/runtime/op_registry.h"

namespace hangu::runtime {

void plan_memory(Graph& g) {
  std::vector<int32_t> last(g.slots.size(), -1);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (int32_t s : g.nodes[i].inputs)
      if (s >= 0) last[static_cast<size_t>(s)] = static_cast<int32_t>(i);
    for (int32_t s : g.nodes[i].captures) last[static_cast<size_t>(s)] = static_cast<int32_t>(i);
  }
  for (Node& n : g.nodes) {
    n.release_after.clear();
    for (auto& [name, sub] : n.subgraphs) plan_memory(*sub.graph);
  }
  for (size_t s = 0; s < g.slots.size(); ++s) {
    const Slot& slot = g.slots[s];
    if (slot.role != Slot::Role::intermediate || slot.is_output) continue;
    if (last[s] >= 0) g.nodes[static_cast<size_t>(last[s])].release_after.push_back(static_cast<int32_t>(s));
  }
  // An output nobody reads dies right after the node that makes it.
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (int32_t s : g.nodes[i].outputs) {
      if (s < 0) continue;
      const Slot& slot = g.slots[static_cast<size_t>(s)];
      if (slot.role == Slot::Role::intermediate && !slot.is_output && last[static_cast<size_t>(s)] < 0)
        g.nodes[i].release_after.push_back(s);
    }
}

namespace {

// Rethrows `e` with the node's label in front, keeping its kind (and so the CLI's exit code).
[[noreturn]] void rethrow_in_node(const Error& e, const Node& node) {
  const std::string label = node.label();
  const std::string inner = e.what();
  switch (e.kind()) {
    case ErrorKind::shape: throw ShapeError(MsgId::rt_node_failed, label, inner);
    case ErrorKind::dtype: throw DTypeError(MsgId::rt_node_failed, label, inner);
    case ErrorKind::index: throw IndexError(MsgId::rt_node_failed, label, inner);
    case ErrorKind::value: throw ValueError(MsgId::rt_node_failed, label, inner);
    case ErrorKind::format: throw FormatError(MsgId::rt_node_failed, label, inner);
    case ErrorKind::io: throw IoError(MsgId::rt_node_failed, label, inner);
    case ErrorKind::out_of_memory: throw OutOfMemory(MsgId::rt_node_failed, label, inner);
    case ErrorKind::unsupported: throw Unsupported(MsgId::rt_node_failed, label, inner);
    case ErrorKind::runtime: break;
  }
  throw Error(MsgId::rt_node_failed, label, inner);
}

void call_op(const Node& node, OpContext& ctx) {
  try {
    node.op->fn(ctx);
  } catch (const Error& e) {
    // Already names the innermost node (runtime messages put the node's label first).
    if (e.id() == MsgId::rt_node_failed || (!e.args().empty() && e.args()[0] == node.label())) throw;
    rethrow_in_node(e, node);
  }
}

}  // namespace

std::vector<Value> run_graph(const Graph& g, const std::vector<Value>& inputs, const std::vector<Value>& outer,
                             RunStats* stats) {
  NoGradGuard no_grad;
  std::vector<Value> env(g.slots.size());
  for (size_t s = 0; s < g.slots.size(); ++s) {
    const Slot& slot = g.slots[s];
    if (slot.role == Slot::Role::constant || slot.has_default) env[s] = slot.constant;
  }
  for (size_t i = 0; i < g.inputs.size() && i < inputs.size(); ++i)
    if (!inputs[i].empty()) env[static_cast<size_t>(g.inputs[i])] = inputs[i];
  for (size_t i = 0; i < g.outer.size() && i < outer.size(); ++i) env[static_cast<size_t>(g.outer[i])] = outer[i];

  int64_t live_values = 0, live_bytes = 0;
  for (const Node& node : g.nodes) {
    std::vector<const Value*> in;
    in.reserve(node.inputs.size());
    for (int32_t s : node.inputs) in.push_back(s >= 0 ? &env[static_cast<size_t>(s)] : nullptr);
    OpContext ctx(node, std::move(in), &env);
    if (stats && stats->profile) {
      const auto t0 = std::chrono::steady_clock::now();
      call_op(node, ctx);
      stats->op_ms[node.op_type] += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    } else {
      call_op(node, ctx);
    }
    std::vector<Value>& outs = ctx.outputs();
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      const int32_t s = node.outputs[k];
      if (s < 0) continue;
      if (stats) {
        ++live_values;
        live_bytes += outs[k].nbytes();
      }
      env[static_cast<size_t>(s)] = std::move(outs[k]);
    }
    if (stats) {
      ++stats->nodes_run;
      stats->peak_live_values = std::max(stats->peak_live_values, live_values);
      stats->peak_live_bytes = std::max(stats->peak_live_bytes, live_bytes);
    }
    for (int32_t s : node.release_after) {
      Value& v = env[static_cast<size_t>(s)];
      if (stats) {
        --live_values;
        live_bytes -= v.nbytes();
        ++stats->released;
      }
      v = Value();
    }
  }
  std::vector<Value> result;
  result.reserve(g.outputs.size());
  for (int32_t s : g.outputs) result.push_back(env[static_cast<size_t>(s)]);
  return result;
}

std::vector<Value> run_node(const Node& node, const std::vector<Value>& input_values) {
  NoGradGuard no_grad;
  std::vector<const Value*> in;
  for (size_t i = 0; i < node.inputs.size(); ++i)
    in.push_back(node.inputs[i] >= 0 && i < input_values.size() ? &input_values[i] : nullptr);
  OpContext ctx(node, std::move(in), nullptr);
  call_op(node, ctx);
  return std::move(ctx.outputs());
}

}  // namespace hangu::runtime

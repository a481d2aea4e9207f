#pragma once
// Runs a graph node by node in its topological order, without autograd. Each value is freed
// after its last reader has run (Node::release_after, from plan_memory), so the storage of dead
// intermediates goes back to the allocator for the next node to reuse.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "hangu/runtime/graph.h"
#include "hangu/runtime/value.h"

namespace hangu::runtime {

struct RunStats {
  int64_t nodes_run = 0;
  int64_t peak_live_values = 0;  // intermediates alive at once (constants and inputs excluded)
  int64_t peak_live_bytes = 0;   // their tensor bytes
  int64_t released = 0;          // intermediates freed before the end of the run
  bool profile = false;          // set to time each node: fills op_ms
  std::map<std::string, double> op_ms;  // milliseconds per op type (top-level graph)
};

// Fills Node::release_after for g and its sub-graphs: a slot is freed after the last node that
// reads it, unless it is a graph output, a constant, an input or an outer value.
void plan_memory(Graph& g);

// Runs g. `inputs` has one value per g.inputs (an empty value takes the input's default);
// `outer` one per g.outer. Returns one value per g.outputs.
std::vector<Value> run_graph(const Graph& g, const std::vector<Value>& inputs, const std::vector<Value>& outer,
                             RunStats* stats = nullptr);

// Runs one node on the given input values (constant folding uses it); returns its outputs.
std::vector<Value> run_node(const Node& node, const std::vector<Value>& input_values);

}  // namespace hangu::runtime

#pragma once
// The runtime's graph IR, built from an io::onnx::Graph. Every value name becomes a slot (an
// index into the executor's value table); nodes refer to slots, never to names. Sub-graphs
// (If/Loop/Scan bodies) are compiled too; the outer-scope names they read become "captures" of
// the node that owns them, so the outer graph's order and lifetimes account for them.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "hangu/io/onnx/model.h"
#include "hangu/runtime/attributes.h"
#include "hangu/runtime/value.h"

namespace hangu::runtime {

struct OpDef;  // op_registry.h
class Graph;

struct Slot {
  enum class Role : uint8_t { intermediate, input, constant, outer };
  std::string name;
  Role role = Role::intermediate;
  Value constant;            // role constant, or the default of an input that has an initializer
  bool has_default = false;  // an input with an initializer of the same name (IR < 4 style)
  bool is_output = false;
  bool has_type = false;     // declared in graph inputs/outputs/value_info
  io::onnx::TypeInfo type;
};

// A compiled sub-graph and where its outer-scope values come from in the owner's graph.
struct Subgraph {
  std::shared_ptr<Graph> graph;
  std::vector<int32_t> outer_from;  // parent slot for each graph->outer[k]
};

struct Node {
  std::string name, op_type, domain;
  int64_t opset = 0;              // opset version of `domain` in the model
  std::vector<int32_t> inputs;    // slots; -1 marks an omitted optional input
  std::vector<int32_t> outputs;   // slots; -1 marks an omitted optional output
  std::vector<int32_t> captures;  // outer-scope slots read by sub-graphs
  Attributes attrs;
  std::map<std::string, Subgraph> subgraphs;  // attribute name -> body
  const OpDef* op = nullptr;
  // Slots whose last reader is this node (filled by plan_memory): freed after it runs.
  std::vector<int32_t> release_after;
  // Data the op prepared once for every run, set by a pass and read-only afterwards (a Conv's
  // weights packed for the kernels: ops_nn.cpp's ConvPrepacked); null when none.
  std::shared_ptr<const void> prepared;

  // "name (OpType)" or "#index (OpType)" for messages.
  std::string label() const;
};

class Graph {
 public:
  std::string name;
  std::vector<Slot> slots;
  std::vector<Node> nodes;               // topological order
  std::vector<int32_t> inputs, outputs;  // slots of the graph's inputs and outputs, in order
  std::vector<int32_t> outer;            // slots bound by name from the enclosing scope

  int32_t find(const std::string& slot_name) const;  // -1 when absent
  int32_t add_slot(const std::string& slot_name, Slot::Role role);
  // A fresh constant slot (passes use it for folded values).
  int32_t add_constant(const std::string& hint, Value v);
  // Nodes that read each slot (inputs and captures), by node index.
  std::vector<std::vector<int32_t>> consumers() const;
  // The node index that produces each slot, or -1.
  std::vector<int32_t> producers() const;
  const std::unordered_map<std::string, int32_t>& names() const { return by_name_; }

 private:
  std::unordered_map<std::string, int32_t> by_name_;
};

// Opset versions by domain ("" is the default ONNX domain; "ai.onnx" is mapped to it).
using OpsetMap = std::map<std::string, int64_t>;
OpsetMap opset_map(const std::vector<io::onnx::OpsetImport>& imports);

// Names visible from an enclosing graph while a sub-graph is built.
struct Scope {
  const std::unordered_map<std::string, int32_t>* names = nullptr;
  const Scope* parent = nullptr;
  bool contains(const std::string& name) const;
};

// Builds, checks and sorts a graph: every node input is defined (FormatError naming the node and
// the input otherwise), no value is defined twice, there is no cycle (FormatError naming a node on
// it), and every op is known (Unsupported naming the op otherwise).
std::shared_ptr<Graph> build_graph(const io::onnx::Graph& g, const OpsetMap& opsets, const Scope* outer = nullptr);

// Puts g.nodes in topological order (stable: ties keep their order); throws on a cycle.
void topological_sort(Graph& g);

// Dtype of an ONNX element type; unsigned 16/32/64-bit types widen to int32/int64/int64.
// Throws DTypeError for types hangu cannot hold (string, complex).
DType dtype_from_elem(io::onnx::ElemType t, const std::string& what);

}  // namespace hangu::runtime

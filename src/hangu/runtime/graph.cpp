#include "hangu/runtime/graph.h"

#include <functional>
#include <queue>
#include <unordered_set>

#include "hangu/core/error.h"
#include "hangu/runtime/op_registry.h"

namespace hangu::runtime {

using io::onnx::ElemType;

std::string Node::label() const {
  return (name.empty() ? std::string("<unnamed>") : name) + " (" + (domain.empty() ? "" : domain + ".") + op_type +
         ")";
}

int32_t Graph::find(const std::string& slot_name) const {
  auto it = by_name_.find(slot_name);
  return it == by_name_.end() ? -1 : it->second;
}

int32_t Graph::add_slot(const std::string& slot_name, Slot::Role role) {
  Slot s;
  s.name = slot_name;
  s.role = role;
  slots.push_back(std::move(s));
  const int32_t id = static_cast<int32_t>(slots.size() - 1);
  by_name_[slot_name] = id;
  return id;
}

int32_t Graph::add_constant(const std::string& hint, Value v) {
  std::string n = hint;
  for (int k = 1; by_name_.count(n); ++k) n = hint + "__" + std::to_string(k);
  const int32_t id = add_slot(n, Slot::Role::constant);
  slots[static_cast<size_t>(id)].constant = std::move(v);
  return id;
}

std::vector<std::vector<int32_t>> Graph::consumers() const {
  std::vector<std::vector<int32_t>> c(slots.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    std::unordered_set<int32_t> seen;
    auto add = [&](int32_t s) {
      if (s >= 0 && seen.insert(s).second) c[static_cast<size_t>(s)].push_back(static_cast<int32_t>(i));
    };
    for (int32_t s : nodes[i].inputs) add(s);
    for (int32_t s : nodes[i].captures) add(s);
  }
  return c;
}

std::vector<int32_t> Graph::producers() const {
  std::vector<int32_t> p(slots.size(), -1);
  for (size_t i = 0; i < nodes.size(); ++i)
    for (int32_t s : nodes[i].outputs)
      if (s >= 0) p[static_cast<size_t>(s)] = static_cast<int32_t>(i);
  return p;
}

OpsetMap opset_map(const std::vector<io::onnx::OpsetImport>& imports) {
  OpsetMap m;
  for (const auto& o : imports) m[o.domain == "ai.onnx" ? "" : o.domain] = o.version;
  return m;
}

bool Scope::contains(const std::string& n) const {
  for (const Scope* s = this; s; s = s->parent)
    if (s->names && s->names->count(n)) return true;
  return false;
}

DType dtype_from_elem(ElemType t, const std::string& what) {
  switch (t) {
    case ElemType::float32: return DType::f32;
    case ElemType::float64: return DType::f64;
    case ElemType::float16: return DType::f16;
    case ElemType::bfloat16: return DType::bf16;
    case ElemType::int8: return DType::i8;
    case ElemType::uint8: return DType::u8;
    case ElemType::int16: return DType::i16;
    case ElemType::uint16:
    case ElemType::int32: return DType::i32;
    case ElemType::uint32:
    case ElemType::int64:
    case ElemType::uint64: return DType::i64;
    case ElemType::boolean: return DType::boolean;
    default: break;
  }
  throw DTypeError(MsgId::rt_elem_type_unsupported, what, static_cast<int>(t));
}

namespace {

std::string normal_domain(const std::string& d) { return d == "ai.onnx" ? std::string() : d; }

class Builder {
 public:
  Builder(const OpsetMap& opsets, const Scope* outer) : opsets_(opsets), outer_(outer) {}

  std::shared_ptr<Graph> build(const io::onnx::Graph& src) {
    auto g = std::make_shared<Graph>();
    g->name = src.name;
    std::unordered_map<std::string, const io::onnx::ValueInfo*> declared;
    for (const auto& v : src.value_infos) declared[v.name] = &v;
    for (const auto& v : src.outputs) declared[v.name] = &v;

    // Graph inputs, then initializers (a same-named initializer is the input's default).
    for (const auto& in : src.inputs) {
      if (g->find(in.name) >= 0) throw FormatError(MsgId::rt_duplicate_value, graph_name(src), in.name);
      const int32_t id = g->add_slot(in.name, Slot::Role::input);
      g->slots[static_cast<size_t>(id)].has_type = true;
      g->slots[static_cast<size_t>(id)].type = in.type;
      g->inputs.push_back(id);
    }
    for (const auto& init : src.initializers) {
      Value v = init.elem_type == ElemType::string ? Value::from_strings({init.dims, init.strings}) : Value(init.tensor);
      int32_t id = g->find(init.name);
      if (id >= 0) {
        Slot& s = g->slots[static_cast<size_t>(id)];
        if (s.role != Slot::Role::input || s.has_default)
          throw FormatError(MsgId::rt_duplicate_value, graph_name(src), init.name);
        s.has_default = true;
        s.constant = std::move(v);
      } else {
        id = g->add_slot(init.name, Slot::Role::constant);
        g->slots[static_cast<size_t>(id)].constant = std::move(v);
      }
    }
    for (const auto& n : src.nodes)
      for (const std::string& o : n.outputs) {
        if (o.empty()) continue;
        if (g->find(o) >= 0) throw FormatError(MsgId::rt_duplicate_value, graph_name(src), o);
        g->add_slot(o, Slot::Role::intermediate);
      }
    for (auto& [name, vi] : declared) {
      const int32_t id = g->find(name);
      if (id >= 0 && !g->slots[static_cast<size_t>(id)].has_type) {
        g->slots[static_cast<size_t>(id)].has_type = true;
        g->slots[static_cast<size_t>(id)].type = vi->type;
      }
    }

    Scope here{&g->names(), outer_};
    for (size_t i = 0; i < src.nodes.size(); ++i) g->nodes.push_back(build_node(*g, src.nodes[i], i, here));
    for (const auto& out : src.outputs) {
      const int32_t id = resolve(*g, out.name);
      if (id < 0) throw FormatError(MsgId::rt_undefined_output, graph_name(src), out.name);
      g->slots[static_cast<size_t>(id)].is_output = true;
      g->outputs.push_back(id);
    }
    topological_sort(*g);
    return g;
  }

 private:
  static std::string graph_name(const io::onnx::Graph& g) { return g.name.empty() ? "graph" : "graph '" + g.name + "'"; }

  // The slot of `name`, creating an outer slot when an enclosing scope defines it; -1 if nowhere.
  int32_t resolve(Graph& g, const std::string& name) {
    int32_t id = g.find(name);
    if (id >= 0) return id;
    if (outer_ && outer_->contains(name)) {
      id = g.add_slot(name, Slot::Role::outer);
      g.outer.push_back(id);
      return id;
    }
    return -1;
  }

  Node build_node(Graph& g, const io::onnx::Node& src, size_t index, const Scope& here) {
    Node n;
    if (src.name.empty()) {
      n.name = "#";
      n.name += std::to_string(index);  // (GCC 12 misreports "#" + to_string under -Wrestrict)
    } else {
      n.name = src.name;
    }
    n.op_type = src.op_type;
    n.domain = normal_domain(src.domain);
    auto it = opsets_.find(n.domain);
    n.opset = it != opsets_.end() ? it->second : 0;
    n.op = op_table().find(n.domain, n.op_type);
    if (!n.op) throw Unsupported(MsgId::rt_unsupported_op, n.domain.empty() ? "ai.onnx" : n.domain, n.op_type, n.opset);
    n.attrs = Attributes(src.attributes);
    for (const std::string& in : src.inputs) {
      if (in.empty()) {
        n.inputs.push_back(-1);
        continue;
      }
      const int32_t id = resolve(g, in);
      if (id < 0) throw FormatError(MsgId::rt_undefined_input, n.label(), in);
      n.inputs.push_back(id);
    }
    for (const std::string& out : src.outputs) n.outputs.push_back(out.empty() ? -1 : g.find(out));
    for (const auto& a : src.attributes) {
      if (a.type != io::onnx::Attribute::Type::g || !a.g) continue;
      Builder sub(opsets_, &here);
      Subgraph s;
      s.graph = sub.build(*a.g);
      for (int32_t o : s.graph->outer) {
        const std::string& oname = s.graph->slots[static_cast<size_t>(o)].name;
        const int32_t id = resolve(g, oname);
        if (id < 0) throw FormatError(MsgId::rt_undefined_input, n.label(), oname);
        s.outer_from.push_back(id);
        bool seen = false;
        for (int32_t c : n.captures) seen = seen || c == id;
        if (!seen) n.captures.push_back(id);
      }
      n.subgraphs[a.name] = std::move(s);
    }
    return n;
  }

  const OpsetMap& opsets_;
  const Scope* outer_;
};

}  // namespace

std::shared_ptr<Graph> build_graph(const io::onnx::Graph& g, const OpsetMap& opsets, const Scope* outer) {
  return Builder(opsets, outer).build(g);
}

void topological_sort(Graph& g) {
  const std::vector<int32_t> producer = g.producers();
  const size_t n = g.nodes.size();
  std::vector<int32_t> pending(n, 0);
  std::vector<std::vector<int32_t>> dependents(n);
  for (size_t i = 0; i < n; ++i) {
    std::unordered_set<int32_t> deps;
    auto add = [&](int32_t s) {
      if (s < 0) return;
      const int32_t p = producer[static_cast<size_t>(s)];
      if (p >= 0 && deps.insert(p).second) dependents[static_cast<size_t>(p)].push_back(static_cast<int32_t>(i));
    };
    for (int32_t s : g.nodes[i].inputs) add(s);
    for (int32_t s : g.nodes[i].captures) add(s);
    pending[i] = static_cast<int32_t>(deps.size());
  }
  // Ready nodes by original index, so a graph that is already sorted keeps its order.
  std::priority_queue<int32_t, std::vector<int32_t>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i)
    if (pending[i] == 0) ready.push(static_cast<int32_t>(i));
  std::vector<int32_t> order;
  order.reserve(n);
  while (!ready.empty()) {
    const int32_t i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int32_t d : dependents[static_cast<size_t>(i)])
      if (--pending[static_cast<size_t>(d)] == 0) ready.push(d);
  }
  if (order.size() != n) {
    for (size_t i = 0; i < n; ++i)
      if (pending[i] > 0) {
        // Name an input of this node that is still waiting on the cycle.
        std::string via;
        for (int32_t s : g.nodes[i].inputs) {
          if (s < 0) continue;
          const int32_t p = producer[static_cast<size_t>(s)];
          if (p >= 0 && pending[static_cast<size_t>(p)] > 0) {
            via = g.slots[static_cast<size_t>(s)].name;
            break;
          }
        }
        throw FormatError(MsgId::rt_graph_cycle, g.nodes[i].label(), via);
      }
  }
  std::vector<Node> sorted;
  sorted.reserve(n);
  for (int32_t i : order) sorted.push_back(std::move(g.nodes[static_cast<size_t>(i)]));
  g.nodes = std::move(sorted);
}

}  // namespace hangu::runtime

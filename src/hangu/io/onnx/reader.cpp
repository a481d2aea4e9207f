// ModelProto -> Model: graphs, nodes, attributes of every kind (sub-graphs nest up to
// ReadOptions::max_nesting), value infos and types, opset imports, functions, metadata.
// Field numbers are onnx.proto's; unknown fields are skipped by wire type.
#include <filesystem>

#include "hangu/io/atomic_file.h"
#include "hangu/io/onnx/reader_detail.h"

namespace hangu::io::onnx {
namespace detail {
namespace {

using wire::Reader;

Graph parse_graph(Reader r, ReadEnv& env);
TypeInfo parse_type(Reader r, ReadEnv& env);

OpsetImport parse_opset(Reader r, ReadEnv&) {
  OpsetImport o;
  while (r.next()) {
    switch (r.field()) {
      case 1:
        o.domain = r.string("domain");
        break;
      case 2:
        o.version = r.int64("version");
        break;
      default:
        r.skip();
    }
  }
  return o;
}

Dim parse_dim(Reader r, ReadEnv&) {
  Dim d;
  while (r.next()) {
    switch (r.field()) {
      case 1: {
        const int64_t x = r.int64("dim_value");
        if (x < 0) r.fail_value(std::to_string(x), ">= 0");
        d.value = x;
        d.param.clear();
        break;
      }
      case 2:
        d.param = r.string("dim_param");
        d.value.reset();
        break;
      default:
        r.skip();
    }
  }
  return d;
}

std::vector<Dim> parse_shape(Reader r, ReadEnv& env) {
  std::vector<Dim> dims;
  while (r.next()) {
    if (r.field() != 1) {
      r.skip();
      continue;
    }
    if (static_cast<int64_t>(dims.size()) >= env.opts.max_rank)
      throw FormatError(MsgId::onnx_shape_rank_too_large, env.ctx.origin(), env.ctx.path(), env.opts.max_rank);
    dims.push_back(nested(r, env, "dim", parse_dim, dims.size()));
  }
  return dims;
}

ElemType parse_elem_type(Reader& r, const char* name) {
  const int32_t t = r.int32(name);
  if (t < 0 || t > 16) {
    wire::Context::Scope s(r.context(), name, -1);
    r.fail_value(std::to_string(t), "0..16");
  }
  return static_cast<ElemType>(t);
}

// TypeProto.Tensor and TypeProto.SparseTensor share their layout.
TypeInfo parse_tensor_type(Reader r, ReadEnv& env) {
  TypeInfo t;
  t.kind = TypeInfo::Kind::tensor;
  while (r.next()) {
    switch (r.field()) {
      case 1:
        t.elem_type = parse_elem_type(r, "elem_type");
        break;
      case 2:
        t.shape = nested(r, env, "shape", parse_shape);
        break;
      default:
        r.skip();
    }
  }
  return t;
}

// Sequence, Optional (elem_type = 1) and Map (key_type = 1, value_type = 2).
TypeInfo parse_composite_type(Reader r, ReadEnv& env, TypeInfo::Kind kind) {
  TypeInfo t;
  t.kind = kind;
  const bool map = kind == TypeInfo::Kind::map;
  while (r.next()) {
    if (map && r.field() == 1) {
      t.elem_type = parse_elem_type(r, "key_type");
    } else if (r.field() == (map ? 2u : 1u)) {
      t.elem = std::make_shared<TypeInfo>(nested(r, env, map ? "value_type" : "elem_type", parse_type));
    } else {
      r.skip();
    }
  }
  return t;
}

TypeInfo parse_type(Reader r, ReadEnv& env) {
  wire::Context::Nest nest(env.ctx, "TypeProto");
  using K = TypeInfo::Kind;
  auto composite = [](K kind) { return [kind](Reader r, ReadEnv& e) { return parse_composite_type(r, e, kind); }; };
  TypeInfo t;
  while (r.next()) {
    switch (r.field()) {
      case 1:
        t = nested(r, env, "tensor_type", parse_tensor_type);
        break;
      case 4:
        t = nested(r, env, "sequence_type", composite(K::sequence));
        break;
      case 5:
        t = nested(r, env, "map_type", composite(K::map));
        break;
      case 9:
        t = nested(r, env, "optional_type", composite(K::optional));
        break;
      case 8:  // sparse tensors: read for their errors, kept as unknown (no runtime uses them)
        t = nested(r, env, "sparse_tensor_type", parse_tensor_type);
        t.kind = K::unknown;
        break;
      default:
        r.skip();
    }
  }
  return t;
}

ValueInfo parse_value_info(Reader r, ReadEnv& env) {
  ValueInfo v;
  while (r.next()) {
    switch (r.field()) {
      case 1:
        v.name = r.string("name");
        break;
      case 2:
        v.type = nested(r, env, "type", parse_type);
        break;
      case 3:
        v.doc_string = r.string("doc_string");
        break;
      default:
        r.skip();
    }
  }
  return v;
}

std::shared_ptr<Graph> parse_graph_ptr(Reader r, ReadEnv& env) { return std::make_shared<Graph>(parse_graph(r, env)); }

// The attribute type that a value field implies (for old models without `type`).
Attribute::Type value_type_of_field(uint32_t field) {
  using T = Attribute::Type;
  switch (field) {
    case 2:
      return T::f;
    case 3:
      return T::i;
    case 4:
      return T::s;
    case 5:
      return T::t;
    case 6:
      return T::g;
    case 7:
      return T::floats;
    case 8:
      return T::ints;
    case 9:
      return T::strings;
    case 10:
      return T::tensors;
    case 11:
      return T::graphs;
    case 14:
      return T::type_proto;
    case 15:
      return T::type_protos;
    case 22:
      return T::sparse_tensor;
    case 23:
      return T::sparse_tensors;
    default:
      return T::undefined;
  }
}

Attribute parse_attribute(Reader r, ReadEnv& env) {
  using T = Attribute::Type;
  Attribute a;
  // Old models (IR < 0.0.2) omit `type`; the last value field seen then decides it.
  T seen = T::undefined;
  while (r.next()) {
    if (value_type_of_field(r.field()) != T::undefined) seen = value_type_of_field(r.field());
    switch (r.field()) {
      case 1:
        a.name = r.string("name");
        break;
      case 21:
        a.ref_attr_name = r.string("ref_attr_name");
        break;
      case 20: {
        const int32_t t = r.int32("type");
        if (t < 0 || t > 14) r.fail_value(std::to_string(t), "0..14");
        a.type = static_cast<T>(t);
        break;
      }
      case 2:
        a.f = r.float32("f");
        break;
      case 3:
        a.i = r.int64("i");
        break;
      case 4:
        a.s = r.string("s");
        break;
      case 5:
        a.t = nested(r, env, "t", parse_tensor);
        break;
      case 6:
        a.g = nested(r, env, "g", parse_graph_ptr);
        break;
      case 22:
        a.sparse_tensor = nested(r, env, "sparse_tensor", parse_sparse_tensor);
        break;
      case 14:
        a.tp = nested(r, env, "tp", parse_type);
        break;
      case 7:
        r.append(a.floats, "floats");
        break;
      case 8:
        r.append(a.ints, "ints");
        break;
      case 9:
        a.strings.push_back(r.string("strings"));
        break;
      case 10:
        a.tensors.push_back(nested(r, env, "tensors", parse_tensor, a.tensors.size()));
        break;
      case 11:
        a.graphs.push_back(nested(r, env, "graphs", parse_graph_ptr, a.graphs.size()));
        break;
      case 23:
        a.sparse_tensors.push_back(nested(r, env, "sparse_tensors", parse_sparse_tensor, a.sparse_tensors.size()));
        break;
      case 15:
        a.type_protos.push_back(nested(r, env, "type_protos", parse_type, a.type_protos.size()));
        break;
      default:
        r.skip();
    }
  }
  if (a.type == T::undefined) a.type = seen;
  if (a.type == T::g && !a.g && a.ref_attr_name.empty())
    throw FormatError(MsgId::onnx_missing_field, env.ctx.origin(), env.ctx.path(), "g");
  return a;
}

Node parse_node(Reader r, ReadEnv& env) {
  Node n;
  while (r.next()) {
    switch (r.field()) {
      case 1:
        n.inputs.push_back(r.string("input"));
        break;
      case 2:
        n.outputs.push_back(r.string("output"));
        break;
      case 3:
        n.name = r.string("name");
        break;
      case 4:
        n.op_type = r.string("op_type");
        break;
      case 7:
        n.domain = r.string("domain");
        break;
      case 5:
        n.attributes.push_back(nested(r, env, "attribute", parse_attribute, n.attributes.size()));
        break;
      case 6:
        n.doc_string = r.string("doc_string");
        break;
      default:
        r.skip();
    }
  }
  if (n.op_type.empty()) throw FormatError(MsgId::onnx_missing_field, env.ctx.origin(), env.ctx.path(), "op_type");
  return n;
}

Graph parse_graph(Reader r, ReadEnv& env) {
  wire::Context::Nest nest(env.ctx, "GraphProto");
  Graph g;
  while (r.next()) {
    switch (r.field()) {
      case 1:
        g.nodes.push_back(nested(r, env, "node", parse_node, g.nodes.size()));
        break;
      case 2:
        g.name = r.string("name");
        break;
      case 5:
        g.initializers.push_back(nested(r, env, "initializer", parse_tensor, g.initializers.size()));
        break;
      case 15:
        g.sparse_initializers.push_back(
            nested(r, env, "sparse_initializer", parse_sparse_tensor, g.sparse_initializers.size()));
        break;
      case 10:
        g.doc_string = r.string("doc_string");
        break;
      case 11:
        g.inputs.push_back(nested(r, env, "input", parse_value_info, g.inputs.size()));
        break;
      case 12:
        g.outputs.push_back(nested(r, env, "output", parse_value_info, g.outputs.size()));
        break;
      case 13:
        g.value_infos.push_back(nested(r, env, "value_info", parse_value_info, g.value_infos.size()));
        break;
      default:
        r.skip();
    }
  }
  return g;
}

Function parse_function(Reader r, ReadEnv& env) {
  Function f;
  while (r.next()) {
    switch (r.field()) {
      case 1:
        f.name = r.string("name");
        break;
      case 4:
        f.inputs.push_back(r.string("input"));
        break;
      case 5:
        f.outputs.push_back(r.string("output"));
        break;
      case 6:
        f.attributes.push_back(r.string("attribute"));
        break;
      case 7:
        f.nodes.push_back(nested(r, env, "node", parse_node, f.nodes.size()));
        break;
      case 9:
        f.opset_imports.push_back(nested(r, env, "opset_import", parse_opset, f.opset_imports.size()));
        break;
      case 10:
        f.domain = r.string("domain");
        break;
      default:
        r.skip();
    }
  }
  return f;
}

Model parse_model(Reader r, ReadEnv& env) {
  Model m;
  bool has_graph = false;
  while (r.next()) {
    switch (r.field()) {
      case 1:
        m.ir_version = r.int64("ir_version");
        break;
      case 2:
        m.producer_name = r.string("producer_name");
        break;
      case 3:
        m.producer_version = r.string("producer_version");
        break;
      case 4:
        m.domain = r.string("domain");
        break;
      case 5:
        m.model_version = r.int64("model_version");
        break;
      case 6:
        m.doc_string = r.string("doc_string");
        break;
      case 7:
        m.graph = nested(r, env, "graph", parse_graph);
        has_graph = true;
        break;
      case 8:
        m.opset_imports.push_back(nested(r, env, "opset_import", parse_opset, m.opset_imports.size()));
        break;
      case 14: {
        auto kv = nested(r, env, "metadata_props", parse_string_pair, m.metadata.size());
        m.metadata.insert_or_assign(std::move(kv.first), std::move(kv.second));
        break;
      }
      case 25:
        m.functions.push_back(nested(r, env, "functions", parse_function, m.functions.size()));
        break;
      default:
        r.skip();
    }
  }
  // A cut-off file can still end on a field boundary: the required fields catch such cuts.
  const wire::Context& c = env.ctx;
  if (m.ir_version < 1) throw FormatError(MsgId::onnx_missing_field, c.origin(), c.path(), "ir_version");
  if (!has_graph) throw FormatError(MsgId::onnx_missing_field, c.origin(), c.path(), "graph");
  if (m.ir_version >= 3 && m.opset_imports.empty())
    throw FormatError(MsgId::onnx_missing_field, c.origin(), c.path(), "opset_import");
  return m;
}

}  // namespace
}  // namespace detail

Model read_model(const uint8_t* data, size_t size, const std::string& origin, const ReadOptions& opts) {
  detail::ReadEnv env(origin, opts);
  auto s = env.ctx.field("ModelProto");
  return detail::parse_model(wire::Reader(data, size, env.ctx), env);
}

Model load_model(const std::string& path) {
  const std::string bytes = read_file(path);
  ReadOptions opts;
  std::filesystem::path folder = std::filesystem::path(path).parent_path();
  opts.base_dir = folder.empty() ? std::string(".") : folder.string();
  return read_model(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), path, opts);
}

}  // namespace hangu::io::onnx

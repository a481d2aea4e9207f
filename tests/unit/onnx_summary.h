#pragma once
// A canonical one-line summary of an ONNX model or value, the same text that
// tools/gen_onnx_io_fixtures.py prints from the onnx package's parser: structure, attributes and
// types in full; tensors as element type, dims and the CRC-32 of their values as Hangu stores them.
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "hangu/io/onnx/model.h"
#include "hangu/ops/copy.h"

namespace hangu::test_onnx {

namespace onnx = io::onnx;

template <typename T, typename F>
std::string join(const std::vector<T>& v, const char* sep, F&& f) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out.append(i ? sep : "").append(f(v[i]));
  return out;
}

inline std::string hex32(uint32_t v) {
  char b[9];
  std::snprintf(b, sizeof(b), "%08x", v);
  return b;
}

inline std::string float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return hex32(u);
}

inline std::string hex_bytes(const std::string& s) {
  std::string out;
  char b[3];
  for (unsigned char c : s) {
    std::snprintf(b, sizeof(b), "%02x", c);
    out += b;
  }
  return out;
}

inline std::string dims_str(const std::vector<int64_t>& d) {
  return "[" + join(d, ",", [](int64_t x) { return std::to_string(x); }) + "]";
}

inline uint32_t crc(const void* p, size_t n, uint32_t c = 0) {
  return static_cast<uint32_t>(crc32(c, static_cast<const Bytef*>(p), static_cast<uInt>(n)));
}

inline std::string tensor(const onnx::TensorValue& t) {
  uint32_t c = 0;
  if (t.elem_type == onnx::ElemType::string) {
    for (const std::string& s : t.strings) {
      const uint64_t n = s.size();
      c = crc(&n, 8, c);
      c = crc(s.data(), s.size(), c);
    }
  } else if (t.tensor.defined()) {
    Tensor ct = contiguous(t.tensor);
    c = crc(ct.data(), static_cast<size_t>(ct.nbytes()));
  }
  return t.name + ":" + std::to_string(static_cast<int>(t.elem_type)) + dims_str(t.dims) + "#" + hex32(c);
}

inline std::string sparse(const onnx::SparseTensorValue& s) {
  return "sp(" + tensor(s.values) + ";" + tensor(s.indices) + ";" + dims_str(s.dims) + ")";
}

inline std::string type(const onnx::TypeInfo& t) {
  using K = onnx::TypeInfo::Kind;
  const std::string elem = t.elem ? type(*t.elem) : "";
  switch (t.kind) {
    case K::tensor: {
      std::string s = "t" + std::to_string(static_cast<int>(t.elem_type));
      if (!t.shape) return s + "?";
      return s + "[" +
             join(*t.shape, ",",
                  [](const onnx::Dim& d) {
                    return d.value ? std::to_string(*d.value) : !d.param.empty() ? "$" + d.param : std::string("?");
                  }) +
             "]";
    }
    case K::sequence:
      return "seq(" + elem + ")";
    case K::optional:
      return "opt(" + elem + ")";
    case K::map:
      return "map" + std::to_string(static_cast<int>(t.elem_type)) + "(" + elem + ")";
    default:
      return "unk";
  }
}

inline std::string value_info(const onnx::ValueInfo& v) { return v.name + ":" + type(v.type); }

inline std::string graph(const onnx::Graph& g);

inline std::string attribute(const onnx::Attribute& a) {
  using T = onnx::Attribute::Type;
  std::string v;
  switch (a.type) {
    case T::f:
      v = float_bits(a.f);
      break;
    case T::i:
      v = std::to_string(a.i);
      break;
    case T::s:
      v = hex_bytes(a.s);
      break;
    case T::t:
      v = tensor(a.t);
      break;
    case T::g:
      v = graph(*a.g);
      break;
    case T::floats:
      v = "[" + join(a.floats, ",", float_bits) + "]";
      break;
    case T::ints:
      v = "[" + join(a.ints, ",", [](int64_t x) { return std::to_string(x); }) + "]";
      break;
    case T::strings:
      v = "[" + join(a.strings, ",", hex_bytes) + "]";
      break;
    case T::tensors:
      v = "[" + join(a.tensors, ",", tensor) + "]";
      break;
    case T::graphs:
      v = "[" + join(a.graphs, ",", [](const auto& g) { return graph(*g); }) + "]";
      break;
    case T::sparse_tensor:
      v = sparse(a.sparse_tensor);
      break;
    case T::sparse_tensors:
      v = "[" + join(a.sparse_tensors, ",", sparse) + "]";
      break;
    case T::type_proto:
      v = type(a.tp);
      break;
    case T::type_protos:
      v = "[" + join(a.type_protos, ",", type) + "]";
      break;
    default:
      break;
  }
  std::string s = a.name + ":" + std::to_string(static_cast<int>(a.type)) + "=" + v;
  if (!a.ref_attr_name.empty()) s += "&" + a.ref_attr_name;
  return s;
}

inline std::string node(const onnx::Node& n) {
  auto same = [](const std::string& s) { return s; };
  return n.name + "/" + n.op_type + "@" + n.domain + "(" + join(n.inputs, ",", same) + "->" +
         join(n.outputs, ",", same) + "){" + join(n.attributes, ";", attribute) + "}";
}

inline std::string graph(const onnx::Graph& g) {
  return "g(" + g.name + ";in=[" + join(g.inputs, ",", value_info) + "];out=[" + join(g.outputs, ",", value_info) +
         "];vi=[" + join(g.value_infos, ",", value_info) + "];init=[" + join(g.initializers, ",", tensor) +
         "];sinit=[" + join(g.sparse_initializers, ",", sparse) + "];nodes=[" + join(g.nodes, ";", node) + "])";
}

inline std::string opsets(const std::vector<onnx::OpsetImport>& o) {
  return "[" + join(o, ",", [](const onnx::OpsetImport& x) { return x.domain + ":" + std::to_string(x.version); }) +
         "]";
}

inline std::string model(const onnx::Model& m) {
  auto same = [](const std::string& s) { return s; };
  std::string meta;
  for (const auto& [k, v] : m.metadata) meta.append(meta.empty() ? "" : ",").append(k + "=" + v);
  std::string fns = join(m.functions, ",", [&](const onnx::Function& f) {
    return "fn(" + f.domain + "." + f.name + ";in=[" + join(f.inputs, ",", same) + "];out=[" +
           join(f.outputs, ",", same) + "];attr=[" + join(f.attributes, ",", same) +
           "];opset=" + opsets(f.opset_imports) + ";nodes=[" + join(f.nodes, ";", node) + "])";
  });
  return "ir=" + std::to_string(m.ir_version) + ";opset=" + opsets(m.opset_imports) + ";prod=" + m.producer_name + "/" +
         m.producer_version + ";dom=" + m.domain + ";mv=" + std::to_string(m.model_version) + ";meta=[" + meta +
         "];fn=[" + fns + "];" + graph(m.graph);
}

inline std::string data(const onnx::DataValue& v) {
  using K = onnx::DataValue::Kind;
  switch (v.kind) {
    case K::tensor:
      return "T" + tensor(v.tensor);
    case K::sequence:
    case K::optional:
      return std::string(v.kind == K::sequence ? "S" : "O") + std::to_string(static_cast<int>(v.elem_kind)) + ":" +
             v.name + "(" + join(v.elems, ",", data) + ")";
    default:
      return "?";
  }
}

}  // namespace hangu::test_onnx

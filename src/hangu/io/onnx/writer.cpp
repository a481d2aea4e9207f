// Model -> ModelProto bytes. Fields are written in field-number order, as protobuf's own
// serialisers do; tensors go to raw_data (little-endian), repeated scalars are packed.
#include <cstring>
#include <limits>

#include "hangu/core/checked_math.h"
#include "hangu/io/atomic_file.h"
#include "hangu/io/onnx/model.h"
#include "hangu/io/onnx/wire.h"
#include "hangu/ops/copy.h"

namespace hangu::io::onnx {
namespace {

using wire::Writer;

Writer graph_proto(const Graph& g);
Writer type_proto(const TypeInfo& t);

void string_field(Writer& w, uint32_t field, const std::string& s) {
  if (!s.empty()) w.bytes(field, s);
}

// Narrows a widened tensor back to its unsigned wire type, refusing values that do not fit.
template <typename From, typename To>
std::string narrow(const Tensor& c, const std::string& name, ElemType et) {
  const From* p = c.data_ptr<From>();
  const int64_t n = c.numel();
  std::string out(static_cast<size_t>(n) * sizeof(To), '\0');
  for (int64_t i = 0; i < n; ++i) {
    const From v = p[i];
    if (v < 0 || static_cast<uint64_t>(v) > std::numeric_limits<To>::max())
      throw ValueError(MsgId::onnx_write_out_of_range, name, v, elem_type_name(et));
    const To u = static_cast<To>(v);
    std::memcpy(out.data() + static_cast<size_t>(i) * sizeof(To), &u, sizeof(To));
  }
  return out;
}

Writer tensor_proto(const TensorValue& v) {
  Writer w;
  ElemType et = v.elem_type;
  if (!v.tensor.defined()) {
    const int64_t n = checked_numel(v.dims, "ONNX writer");
    if (et != ElemType::string || static_cast<int64_t>(v.strings.size()) != n)
      throw ValueError(MsgId::onnx_write_no_data, v.name, n);
    w.packed(1, v.dims);
    w.varint(2, static_cast<uint64_t>(et));
    for (const std::string& s : v.strings) w.bytes(6, s);
    string_field(w, 8, v.name);
    return w;
  }
  const Tensor& t = v.tensor;
  if (et == ElemType::undefined) et = dtype_elem_type(t.dtype());
  DType expected;
  if (!elem_type_dtype(et, &expected) || expected != t.dtype())
    throw ValueError(MsgId::onnx_write_dtype_mismatch, v.name, elem_type_name(et), t.dtype(),
                     elem_type_dtype(et, &expected) ? std::string(dtype_name(expected)) : std::string("-"));
  const Tensor c = contiguous(t);
  w.packed(1, c.shape());
  w.varint(2, static_cast<uint64_t>(et));
  string_field(w, 8, v.name);
  switch (et) {
    case ElemType::uint16:
      w.bytes(9, narrow<int32_t, uint16_t>(c, v.name, et));
      break;
    case ElemType::uint32:
      w.bytes(9, narrow<int64_t, uint32_t>(c, v.name, et));
      break;
    case ElemType::uint64:
      w.bytes(9, narrow<int64_t, uint64_t>(c, v.name, et));
      break;
    default:
      w.bytes(9, c.data(), static_cast<size_t>(c.nbytes()));
  }
  return w;
}

Writer sparse_tensor_proto(const SparseTensorValue& v) {
  Writer w;
  w.message(1, tensor_proto(v.values));
  w.message(2, tensor_proto(v.indices));
  w.packed(3, v.dims);
  return w;
}

Writer shape_proto(const std::vector<Dim>& dims) {
  Writer w;
  for (const Dim& d : dims) {
    Writer dim;
    if (d.value)
      dim.int64(1, *d.value);
    else
      string_field(dim, 2, d.param);
    w.message(1, dim);
  }
  return w;
}

Writer type_proto(const TypeInfo& t) {
  Writer w, inner;
  switch (t.kind) {
    case TypeInfo::Kind::tensor:
      if (t.elem_type != ElemType::undefined) inner.varint(1, static_cast<uint64_t>(t.elem_type));
      if (t.shape) inner.message(2, shape_proto(*t.shape));
      w.message(1, inner);
      break;
    case TypeInfo::Kind::sequence:
      if (t.elem) inner.message(1, type_proto(*t.elem));
      w.message(4, inner);
      break;
    case TypeInfo::Kind::map:
      if (t.elem_type != ElemType::undefined) inner.varint(1, static_cast<uint64_t>(t.elem_type));
      if (t.elem) inner.message(2, type_proto(*t.elem));
      w.message(5, inner);
      break;
    case TypeInfo::Kind::optional:
      if (t.elem) inner.message(1, type_proto(*t.elem));
      w.message(9, inner);
      break;
    case TypeInfo::Kind::unknown:
      break;
  }
  return w;
}

Writer value_info_proto(const ValueInfo& v) {
  Writer w;
  string_field(w, 1, v.name);
  w.message(2, type_proto(v.type));
  string_field(w, 3, v.doc_string);
  return w;
}

Writer attribute_proto(const Attribute& a) {
  using T = Attribute::Type;
  Writer w;
  string_field(w, 1, a.name);
  switch (a.type) {
    case T::f:
      w.float32(2, a.f);
      break;
    case T::i:
      w.int64(3, a.i);
      break;
    case T::s:
      w.bytes(4, a.s);
      break;
    case T::t:
      w.message(5, tensor_proto(a.t));
      break;
    case T::g:
      if (a.g) w.message(6, graph_proto(*a.g));
      break;
    case T::floats:
      w.packed(7, a.floats);
      break;
    case T::ints:
      w.packed(8, a.ints);
      break;
    case T::strings:
      for (const std::string& s : a.strings) w.bytes(9, s);
      break;
    case T::tensors:
      for (const TensorValue& t : a.tensors) w.message(10, tensor_proto(t));
      break;
    case T::graphs:
      for (const auto& g : a.graphs) w.message(11, graph_proto(*g));
      break;
    case T::type_proto:
      w.message(14, type_proto(a.tp));
      break;
    case T::type_protos:
      for (const TypeInfo& t : a.type_protos) w.message(15, type_proto(t));
      break;
    default:
      break;
  }
  w.varint(20, static_cast<uint64_t>(a.type));
  string_field(w, 21, a.ref_attr_name);
  if (a.type == T::sparse_tensor) w.message(22, sparse_tensor_proto(a.sparse_tensor));
  if (a.type == T::sparse_tensors)
    for (const SparseTensorValue& s : a.sparse_tensors) w.message(23, sparse_tensor_proto(s));
  return w;
}

Writer node_proto(const Node& n) {
  Writer w;
  for (const std::string& s : n.inputs) w.bytes(1, s);  // "" marks an omitted input: kept
  for (const std::string& s : n.outputs) w.bytes(2, s);
  string_field(w, 3, n.name);
  string_field(w, 4, n.op_type);
  for (const Attribute& a : n.attributes) w.message(5, attribute_proto(a));
  string_field(w, 6, n.doc_string);
  string_field(w, 7, n.domain);
  return w;
}

Writer graph_proto(const Graph& g) {
  Writer w;
  for (const Node& n : g.nodes) w.message(1, node_proto(n));
  string_field(w, 2, g.name);
  for (const TensorValue& t : g.initializers) w.message(5, tensor_proto(t));
  string_field(w, 10, g.doc_string);
  for (const ValueInfo& v : g.inputs) w.message(11, value_info_proto(v));
  for (const ValueInfo& v : g.outputs) w.message(12, value_info_proto(v));
  for (const ValueInfo& v : g.value_infos) w.message(13, value_info_proto(v));
  for (const SparseTensorValue& s : g.sparse_initializers) w.message(15, sparse_tensor_proto(s));
  return w;
}

Writer opset_proto(const OpsetImport& o) {
  Writer w;
  string_field(w, 1, o.domain);
  w.int64(2, o.version);
  return w;
}

Writer function_proto(const Function& f) {
  Writer w;
  string_field(w, 1, f.name);
  for (const std::string& s : f.inputs) w.bytes(4, s);
  for (const std::string& s : f.outputs) w.bytes(5, s);
  for (const std::string& s : f.attributes) w.bytes(6, s);
  for (const Node& n : f.nodes) w.message(7, node_proto(n));
  for (const OpsetImport& o : f.opset_imports) w.message(9, opset_proto(o));
  string_field(w, 10, f.domain);
  return w;
}

}  // namespace

std::vector<uint8_t> write_model(const Model& m) {
  Writer w;
  w.int64(1, m.ir_version);
  string_field(w, 2, m.producer_name);
  string_field(w, 3, m.producer_version);
  string_field(w, 4, m.domain);
  if (m.model_version != 0) w.int64(5, m.model_version);
  string_field(w, 6, m.doc_string);
  w.message(7, graph_proto(m.graph));
  for (const OpsetImport& o : m.opset_imports) w.message(8, opset_proto(o));
  for (const auto& [k, v] : m.metadata) {
    Writer kv;
    string_field(kv, 1, k);
    string_field(kv, 2, v);
    w.message(14, kv);
  }
  for (const Function& f : m.functions) w.message(25, function_proto(f));
  const std::string& b = w.buffer();
  return std::vector<uint8_t>(b.begin(), b.end());
}

void save_model(const Model& model, const std::string& path) {
  const std::vector<uint8_t> bytes = write_model(model);
  write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace hangu::io::onnx

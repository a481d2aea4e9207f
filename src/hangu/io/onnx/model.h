#pragma once
// ONNX ModelProto as plain C++ values: what io/onnx reads from and writes to the protobuf wire
// format (onnx.proto, IR version <= 8), and what runtime/ builds its graph from. Field names
// follow onnx.proto. Tensors are decoded into hangu::Tensor on read (raw_data or the typed
// fields, external data resolved and confined to the model's folder).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hangu/core/tensor.h"

namespace hangu::io::onnx {

// TensorProto.DataType codes.
enum class ElemType : int32_t {
  undefined = 0, float32 = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7,
  string = 8, boolean = 9, float16 = 10, float64 = 11, uint32 = 12, uint64 = 13,
  complex64 = 14, complex128 = 15, bfloat16 = 16
};

// The hangu dtype that holds an element type. Hangu has no unsigned types beyond u8, so reading
// widens: uint16 -> int32, uint32 -> int64, uint64 -> int64 (values above INT64_MAX are refused);
// writing narrows back to the declared element type. False for string, complex and undefined.
bool elem_type_dtype(ElemType t, DType* out);
// The element type a hangu dtype is written as (f32 -> float32, u8 -> uint8, ...).
ElemType dtype_elem_type(DType t);
// "FLOAT", "UINT16", ... as onnx.proto spells them; "ELEM_TYPE_<n>" for an unknown code.
std::string elem_type_name(ElemType t);

struct Graph;

// One dimension of a tensor type: a fixed size, a symbolic name ("batch"), or unknown.
struct Dim {
  std::optional<int64_t> value;
  std::string param;
};

// TypeProto, flattened: tensor types are the common case; sequences and optionals nest.
// A map keeps its key type in elem_type and its value type in elem; a sparse tensor type reads
// as unknown.
struct TypeInfo {
  enum class Kind { tensor, sequence, optional, map, unknown } kind = Kind::unknown;
  ElemType elem_type = ElemType::undefined;     // for tensors
  std::optional<std::vector<Dim>> shape;        // absent: rank unknown
  std::shared_ptr<TypeInfo> elem;               // for sequence / optional
};

struct ValueInfo {
  std::string name;
  TypeInfo type;
  std::string doc_string;
};

// A named tensor (initializer, Constant value, attribute). String tensors keep their bytes in
// `strings` (hangu has no string dtype); `tensor` is then undefined. Unsigned 16/32/64-bit
// tensors are widened (see elem_type_dtype). The writer takes the dims from `tensor` when it is
// defined, and derives elem_type from its dtype when elem_type is undefined.
struct TensorValue {
  std::string name;
  ElemType elem_type = ElemType::undefined;
  std::vector<int64_t> dims;
  Tensor tensor;                      // decoded data (dtype mapped from elem_type)
  std::vector<std::string> strings;   // ElemType::string only
};

struct SparseTensorValue {
  TensorValue values, indices;
  std::vector<int64_t> dims;
};

struct Attribute {
  enum class Type : int32_t {
    undefined = 0, f = 1, i = 2, s = 3, t = 4, g = 5, floats = 6, ints = 7, strings = 8, tensors = 9,
    graphs = 10, sparse_tensor = 11, sparse_tensors = 12, type_proto = 13, type_protos = 14
  };
  std::string name;
  Type type = Type::undefined;
  std::string ref_attr_name;  // attribute reference inside a function body
  float f = 0;
  int64_t i = 0;
  std::string s;  // bytes
  TensorValue t;
  std::shared_ptr<Graph> g;
  SparseTensorValue sparse_tensor;
  TypeInfo tp;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<TensorValue> tensors;
  std::vector<std::shared_ptr<Graph>> graphs;
  std::vector<SparseTensorValue> sparse_tensors;
  std::vector<TypeInfo> type_protos;
};

struct Node {
  std::vector<std::string> inputs;   // "" marks an omitted optional input
  std::vector<std::string> outputs;
  std::string name;
  std::string op_type;
  std::string domain;                // "" and "ai.onnx" are the default domain
  std::vector<Attribute> attributes;
  std::string doc_string;

  const Attribute* find_attribute(const std::string& attr_name) const;
};

struct Graph {
  std::string name;
  std::vector<Node> nodes;
  std::vector<TensorValue> initializers;
  std::vector<SparseTensorValue> sparse_initializers;
  std::vector<ValueInfo> inputs, outputs, value_infos;
  std::string doc_string;
};

struct OpsetImport {
  std::string domain;
  int64_t version = 0;
};

// A FunctionProto (model-local function), kept so a runtime can inline it.
struct Function {
  std::string name, domain;
  std::vector<std::string> inputs, outputs, attributes;
  std::vector<Node> nodes;
  std::vector<OpsetImport> opset_imports;
};

struct Model {
  int64_t ir_version = 0;
  std::vector<OpsetImport> opset_imports;
  std::string producer_name, producer_version, domain, doc_string;
  int64_t model_version = 0;
  std::map<std::string, std::string> metadata;
  Graph graph;
  std::vector<Function> functions;

  // The opset version of `domain` ("" = default ONNX domain), or 0 when not imported.
  int64_t opset(const std::string& domain = "") const;
};

// A SequenceProto or OptionalProto (onnx-data.proto): the conformance cases' inputs and outputs
// of sequence and optional ops. Maps and sparse tensors inside them are refused (Unsupported).
struct DataValue {
  // SequenceProto.DataType / OptionalProto.DataType codes.
  enum class Kind : int32_t { undefined = 0, tensor = 1, sparse_tensor = 2, sequence = 3, map = 4, optional = 5 };
  std::string name;
  Kind kind = Kind::undefined;       // tensor, sequence or optional
  Kind elem_kind = Kind::undefined;  // sequence / optional: their elem_type field
  TensorValue tensor;                // kind == tensor
  std::vector<DataValue> elems;      // a sequence's elements; an optional's value (0 or 1)
};

// Options for reading a model from untrusted bytes.
struct ReadOptions {
  std::string base_dir;            // folder for external data ("" = external data is refused)
  int64_t max_rank = 64;           // dims per tensor and per TypeProto shape
  // Depth of recursive messages together: graphs (If/Loop/Scan bodies, the main graph counts
  // as 1), nested TypeProtos, SequenceProto/OptionalProto values.
  int64_t max_nesting = 32;
};

// Parses ModelProto bytes; `origin` (a file name) is named in errors, with the field path
// ("ModelProto.graph.node[3].attribute[0].t") and what was expected. Throws FormatError for
// malformed input, Unsupported for valid ONNX that Hangu cannot hold (complex tensors, tensor
// segments), IoError when an external data file cannot be read.
Model read_model(const uint8_t* data, size_t size, const std::string& origin, const ReadOptions& opts = {});
// Reads a model file (IoError when it cannot); external data is resolved relative to its folder.
Model load_model(const std::string& path);
// Parses one TensorProto (the conformance cases' input_*.pb / output_*.pb).
TensorValue read_tensor(const uint8_t* data, size_t size, const std::string& origin);
TensorValue load_tensor(const std::string& path);
// A SequenceProto / OptionalProto (the conformance cases' *.pb of sequence and optional values).
DataValue read_sequence(const uint8_t* data, size_t size, const std::string& origin);
DataValue read_optional(const uint8_t* data, size_t size, const std::string& origin);
// Reads a *.pb file as the proto that `type` (the graph input or output it belongs to) implies:
// TensorProto for tensors (kind tensor), SequenceProto, OptionalProto.
DataValue load_value(const std::string& path, const TypeInfo& type);

// Serialises a model (initializers as raw_data, little-endian).
std::vector<uint8_t> write_model(const Model& model);
// Writes atomically (io/atomic_file.h).
void save_model(const Model& model, const std::string& path);

}  // namespace hangu::io::onnx

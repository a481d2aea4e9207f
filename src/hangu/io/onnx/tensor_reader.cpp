// TensorProto -> TensorValue: raw_data (little-endian), the typed fields, or external data
// confined to the model's folder. The element count is computed with overflow checks and must
// match the data actually present, so nothing larger than the input is ever allocated.
#include <cstring>

#include "hangu/io/atomic_file.h"
#include "hangu/io/onnx/reader_detail.h"

namespace hangu::io::onnx {
namespace detail {
namespace {

// The fields of one TensorProto as found on the wire, before any validation.
struct TensorFields {
  std::string name;
  std::vector<int64_t> dims;
  int32_t data_type = 0;
  bool has_raw = false, has_segment = false;
  std::span<const uint8_t> raw;
  std::vector<float> floats;
  std::vector<int32_t> int32s;
  std::vector<int64_t> int64s;
  std::vector<double> doubles;
  std::vector<uint64_t> uint64s;
  std::vector<std::string> strings;
  std::vector<std::pair<std::string, std::string>> external;
  int32_t data_location = 0;
};

// The typed field that holds each element type (onnx.proto's comments on TensorProto).
const char* typed_field_for(ElemType t) {
  switch (t) {
    case ElemType::float32:
      return "float_data";
    case ElemType::float64:
      return "double_data";
    case ElemType::int64:
      return "int64_data";
    case ElemType::uint32:
    case ElemType::uint64:
      return "uint64_data";
    case ElemType::string:
      return "string_data";
    default:
      return "int32_data";
  }
}

// Bytes per element on the wire (before widening).
int64_t wire_elem_size(ElemType t) {
  switch (t) {
    case ElemType::uint16:
      return 2;
    case ElemType::uint32:
      return 4;
    case ElemType::uint64:
      return 8;
    default: {
      DType d;
      return elem_type_dtype(t, &d) ? dtype_size(d) : 0;
    }
  }
}

class TensorDecoder {
 public:
  TensorDecoder(TensorFields& f, ReadEnv& env) : f_(f), env_(env) {}

  TensorValue decode() {
    TensorValue v;
    v.name = f_.name;
    v.elem_type = static_cast<ElemType>(f_.data_type);
    v.dims = f_.dims;
    if (static_cast<int64_t>(f_.dims.size()) > env_.opts.max_rank)
      throw FormatError(MsgId::onnx_rank_too_large, origin(), path(), f_.name, env_.opts.max_rank);
    for (int64_t d : f_.dims)
      if (d < 0) throw FormatError(MsgId::onnx_negative_dim, origin(), path(), f_.name, shape_str(f_.dims));
    // Zero dims count as 1 here too: the strides of an empty tensor must not overflow either.
    numel_ = 1;
    int64_t extent = 1;
    for (int64_t d : f_.dims)
      if (__builtin_mul_overflow(numel_, d, &numel_) || __builtin_mul_overflow(extent, d > 0 ? d : 1, &extent))
        throw FormatError(MsgId::onnx_size_overflow, origin(), path(), f_.name, shape_str(f_.dims));
    if (f_.has_segment) throw Unsupported(MsgId::onnx_segment_unsupported, origin(), path(), f_.name);
    type_ = v.elem_type;
    if (type_ == ElemType::complex64 || type_ == ElemType::complex128)
      throw Unsupported(MsgId::onnx_elem_type_unsupported, origin(), path(), f_.name, elem_type_name(type_));
    if (type_ != ElemType::string && !elem_type_dtype(type_, &dtype_))
      throw FormatError(MsgId::onnx_elem_type_unsupported, origin(), path(), f_.name, elem_type_name(type_));
    check_data_fields();

    if (f_.data_location == 1) {
      v.tensor = from_bytes(external_data(f_.external, f_.name, env_), "external data");
    } else if (f_.has_raw) {
      v.tensor = from_bytes(f_.raw, "raw_data");
    } else if (type_ == ElemType::string) {
      if (static_cast<int64_t>(f_.strings.size()) != numel_) count_mismatch("string_data", f_.strings.size());
      v.strings = std::move(f_.strings);
    } else {
      v.tensor = from_typed();
    }
    return v;
  }

 private:
  const std::string& origin() const { return env_.ctx.origin(); }
  std::string path() const { return env_.ctx.path(); }

  [[noreturn]] void count_mismatch(const char* field, size_t count) const {
    throw FormatError(MsgId::onnx_value_count_mismatch, origin(), path(), f_.name, field, count, shape_str(f_.dims),
                      numel_);
  }
  [[noreturn]] void wrong_field(const std::string& found, const std::string& expected) const {
    throw FormatError(MsgId::onnx_wrong_data_field, origin(), path(), f_.name, elem_type_name(type_), found, expected);
  }

  // Data must sit in exactly one place: external, raw_data, or the one typed field of its type.
  void check_data_fields() const {
    if (f_.data_location != 0 && f_.data_location != 1) {
      auto s = env_.ctx.field("data_location");
      throw FormatError(MsgId::onnx_bad_value, origin(), path(), f_.data_location, "0 (DEFAULT) or 1 (EXTERNAL)");
    }
    const std::string own = typed_field_for(type_);
    const std::pair<const char*, bool> typed[] = {
        {"float_data", !f_.floats.empty()},   {"int32_data", !f_.int32s.empty()},
        {"int64_data", !f_.int64s.empty()},   {"double_data", !f_.doubles.empty()},
        {"uint64_data", !f_.uint64s.empty()}, {"string_data", !f_.strings.empty()},
    };
    const std::string raw_or_own = type_ == ElemType::string ? own : own + " or raw_data";
    for (const auto& [field, present] : typed) {
      if (!present) continue;
      if (f_.data_location == 1) wrong_field(field, "external data only");
      if (own != field) wrong_field(field, raw_or_own);
      if (f_.has_raw) wrong_field(std::string("both raw_data and ") + field, "only one of them");
    }
    if (f_.data_location == 1 && f_.has_raw) wrong_field("both raw_data and external data", "only one of them");
    if (type_ == ElemType::string && (f_.has_raw || f_.data_location == 1))
      wrong_field(f_.has_raw ? "raw_data" : "external data", "string_data");
  }

  // Little-endian element bytes -> a tensor of the mapped dtype (widening unsigned types).
  Tensor from_bytes(std::span<const uint8_t> bytes, const char* source) const {
    int64_t need;
    if (__builtin_mul_overflow(numel_, wire_elem_size(type_), &need))
      throw FormatError(MsgId::onnx_size_overflow, origin(), path(), f_.name, shape_str(f_.dims));
    if (static_cast<uint64_t>(need) != bytes.size())
      throw FormatError(MsgId::onnx_data_size_mismatch, origin(), path(), f_.name, source, bytes.size(),
                        elem_type_name(type_), shape_str(f_.dims), need);
    Tensor t = empty(IntList(f_.dims), dtype_);
    const uint8_t* p = bytes.data();
    switch (type_) {
      case ElemType::uint16:
        widen<uint16_t, int32_t>(p, t);
        break;
      case ElemType::uint32:
        widen<uint32_t, int64_t>(p, t);
        break;
      case ElemType::uint64: {
        auto* out = t.data_ptr<int64_t>();
        for (int64_t i = 0; i < numel_; ++i) {
          uint64_t u;
          std::memcpy(&u, p + 8 * i, 8);
          out[i] = to_int64(u, i);
        }
        break;
      }
      case ElemType::boolean:
        for (int64_t i = 0; i < numel_; ++i)
          if (p[i] > 1) out_of_range(p[i], i);
        [[fallthrough]];
      default:
        if (need > 0) std::memcpy(t.data(), p, static_cast<size_t>(need));
    }
    return t;
  }

  template <typename From, typename To>
  void widen(const uint8_t* p, Tensor& t) const {
    To* out = t.data_ptr<To>();
    for (int64_t i = 0; i < numel_; ++i) {
      From v;
      std::memcpy(&v, p + sizeof(From) * static_cast<size_t>(i), sizeof(From));
      out[i] = static_cast<To>(v);
    }
  }

  int64_t to_int64(uint64_t u, int64_t i) const {
    if (u > static_cast<uint64_t>(INT64_MAX))
      throw FormatError(MsgId::onnx_u64_too_large, origin(), path(), f_.name, u, i);
    return static_cast<int64_t>(u);
  }

  [[noreturn]] void out_of_range(int64_t v, int64_t i) const {
    throw FormatError(MsgId::onnx_value_out_of_range, origin(), path(), f_.name, v, i, elem_type_name(type_));
  }

  // int32_data holds every narrow type (and 16-bit floats as their bit patterns).
  template <typename T>
  void narrow_int32(Tensor& t, int64_t lo, int64_t hi) const {
    T* out = static_cast<T*>(t.data());
    for (int64_t i = 0; i < numel_; ++i) {
      const int64_t v = f_.int32s[static_cast<size_t>(i)];
      if (v < lo || v > hi) out_of_range(v, i);
      out[i] = static_cast<T>(v);
    }
  }

  Tensor from_typed() const {
    const char* field = typed_field_for(type_);
    size_t count = 0;
    switch (type_) {
      case ElemType::float32:
        count = f_.floats.size();
        break;
      case ElemType::float64:
        count = f_.doubles.size();
        break;
      case ElemType::int64:
        count = f_.int64s.size();
        break;
      case ElemType::uint32:
      case ElemType::uint64:
        count = f_.uint64s.size();
        break;
      default:
        count = f_.int32s.size();
    }
    if (static_cast<int64_t>(count) != numel_) count_mismatch(field, count);
    Tensor t = empty(IntList(f_.dims), dtype_);
    const size_t n = static_cast<size_t>(numel_);
    if (n == 0) return t;  // empty vectors may have no buffer for memcpy
    switch (type_) {
      case ElemType::float32:
        std::memcpy(t.data(), f_.floats.data(), n * 4);
        break;
      case ElemType::float64:
        std::memcpy(t.data(), f_.doubles.data(), n * 8);
        break;
      case ElemType::int64:
        std::memcpy(t.data(), f_.int64s.data(), n * 8);
        break;
      case ElemType::int32:
        std::memcpy(t.data(), f_.int32s.data(), n * 4);
        break;
      case ElemType::int16:
        narrow_int32<int16_t>(t, INT16_MIN, INT16_MAX);
        break;
      case ElemType::int8:
        narrow_int32<int8_t>(t, INT8_MIN, INT8_MAX);
        break;
      case ElemType::uint8:
        narrow_int32<uint8_t>(t, 0, UINT8_MAX);
        break;
      case ElemType::boolean:
        narrow_int32<uint8_t>(t, 0, 1);
        break;
      case ElemType::uint16:
        narrow_int32<int32_t>(t, 0, UINT16_MAX);
        break;
      case ElemType::float16:
      case ElemType::bfloat16:
        narrow_int32<uint16_t>(t, 0, UINT16_MAX);
        break;
      case ElemType::uint32: {
        auto* out = t.data_ptr<int64_t>();
        for (size_t i = 0; i < n; ++i) {
          const int64_t v = to_int64(f_.uint64s[i], static_cast<int64_t>(i));
          if (v > int64_t{UINT32_MAX}) out_of_range(v, static_cast<int64_t>(i));
          out[i] = v;
        }
        break;
      }
      case ElemType::uint64: {
        auto* out = t.data_ptr<int64_t>();
        for (size_t i = 0; i < n; ++i) out[i] = to_int64(f_.uint64s[i], static_cast<int64_t>(i));
        break;
      }
      default:
        break;
    }
    return t;
  }

  TensorFields& f_;
  ReadEnv& env_;
  ElemType type_ = ElemType::undefined;
  DType dtype_ = DType::f32;
  int64_t numel_ = 0;
};

}  // namespace

std::pair<std::string, std::string> parse_string_pair(wire::Reader r, ReadEnv&) {
  std::pair<std::string, std::string> kv;
  while (r.next()) {
    switch (r.field()) {
      case 1:
        kv.first = r.string("key");
        break;
      case 2:
        kv.second = r.string("value");
        break;
      default:
        r.skip();
    }
  }
  return kv;
}

TensorValue parse_tensor(wire::Reader r, ReadEnv& env) {
  TensorFields f;
  while (r.next()) {
    switch (r.field()) {
      case 1:
        r.append(f.dims, "dims");
        break;
      case 2:
        f.data_type = r.int32("data_type");
        break;
      case 3:
        r.bytes("segment");
        f.has_segment = true;
        break;
      case 4:
        r.append(f.floats, "float_data");
        break;
      case 5:
        r.append(f.int32s, "int32_data");
        break;
      case 6:
        f.strings.push_back(r.string("string_data"));
        break;
      case 7:
        r.append(f.int64s, "int64_data");
        break;
      case 8:
        f.name = r.string("name");
        break;
      case 9:
        f.raw = r.bytes("raw_data");
        f.has_raw = true;
        break;
      case 10:
        r.append(f.doubles, "double_data");
        break;
      case 11:
        r.append(f.uint64s, "uint64_data");
        break;
      case 13:
        f.external.push_back(nested(r, env, "external_data", parse_string_pair, f.external.size()));
        break;
      case 14:
        f.data_location = r.int32("data_location");
        break;
      default:
        r.skip();
    }
  }
  return TensorDecoder(f, env).decode();
}

SparseTensorValue parse_sparse_tensor(wire::Reader r, ReadEnv& env) {
  wire::Context& c = env.ctx;
  SparseTensorValue v;
  while (r.next()) {
    switch (r.field()) {
      case 1:
        v.values = nested(r, env, "values", parse_tensor);
        break;
      case 2:
        v.indices = nested(r, env, "indices", parse_tensor);
        break;
      case 3:
        r.append(v.dims, "dims");
        break;
      default:
        r.skip();
    }
  }
  auto s = c.field("dims");
  if (static_cast<int64_t>(v.dims.size()) > env.opts.max_rank)
    throw FormatError(MsgId::onnx_rank_too_large, c.origin(), c.path(), v.values.name, env.opts.max_rank);
  int64_t n = 1;
  for (int64_t d : v.dims)
    if (d < 0) throw FormatError(MsgId::onnx_negative_dim, c.origin(), c.path(), v.values.name, shape_str(v.dims));
  for (int64_t d : v.dims)
    if (__builtin_mul_overflow(n, d, &n))
      throw FormatError(MsgId::onnx_size_overflow, c.origin(), c.path(), v.values.name, shape_str(v.dims));
  return v;
}

namespace {

DataValue parse_data_value(wire::Reader r, ReadEnv& env, bool sequence);
DataValue sequence_value(wire::Reader r, ReadEnv& env) { return parse_data_value(r, env, true); }
DataValue optional_value(wire::Reader r, ReadEnv& env) { return parse_data_value(r, env, false); }

DataValue tensor_value(wire::Reader r, ReadEnv& env) {
  DataValue v;
  v.kind = DataValue::Kind::tensor;
  v.tensor = parse_tensor(r, env);
  v.name = v.tensor.name;
  return v;
}

// SequenceProto and OptionalProto share their field numbers; a sequence repeats its values.
DataValue parse_data_value(wire::Reader r, ReadEnv& env, bool sequence) {
  wire::Context& c = env.ctx;
  wire::Context::Nest nest(c, sequence ? "SequenceProto" : "OptionalProto");
  DataValue v;
  v.kind = sequence ? DataValue::Kind::sequence : DataValue::Kind::optional;
  auto add = [&](const char* name, auto parse) {
    wire::Context::Scope s(c, name, static_cast<int64_t>(v.elems.size()));
    if (!sequence && !v.elems.empty()) throw FormatError(MsgId::onnx_optional_two_values, c.origin(), c.path());
    v.elems.push_back(parse(r.message(), env));
  };
  while (r.next()) {
    switch (r.field()) {
      case 1:
        v.name = r.string("name");
        break;
      case 2: {
        const int32_t k = r.int32("elem_type");
        if (k < 0 || k > 5) r.fail_value(std::to_string(k), "0..5");
        v.elem_kind = static_cast<DataValue::Kind>(k);
        break;
      }
      case 3:
        add(sequence ? "tensor_values" : "tensor_value", tensor_value);
        break;
      case 5:
        add(sequence ? "sequence_values" : "sequence_value", sequence_value);
        break;
      case 7:
        add(sequence ? "optional_values" : "optional_value", optional_value);
        break;
      case 4:
        throw Unsupported(MsgId::onnx_value_kind_unsupported, c.origin(), c.path(), "SparseTensorProto");
      case 6:
        throw Unsupported(MsgId::onnx_value_kind_unsupported, c.origin(), c.path(), "MapProto");
      default:
        r.skip();
    }
  }
  return v;
}

}  // namespace
}  // namespace detail

namespace {

// Conformance files are read without a folder: their tensors never use external data.
template <typename F>
auto read_top(const uint8_t* data, size_t size, const std::string& origin, const char* root, F&& f) {
  detail::ReadEnv env(origin, ReadOptions{});
  auto s = env.ctx.field(root);
  return f(wire::Reader(data, size, env.ctx), env);
}

}  // namespace

TensorValue read_tensor(const uint8_t* data, size_t size, const std::string& origin) {
  return read_top(data, size, origin, "TensorProto", detail::parse_tensor);
}

DataValue read_sequence(const uint8_t* data, size_t size, const std::string& origin) {
  return read_top(data, size, origin, "SequenceProto",
                  [](wire::Reader r, detail::ReadEnv& env) { return detail::parse_data_value(r, env, true); });
}

DataValue read_optional(const uint8_t* data, size_t size, const std::string& origin) {
  return read_top(data, size, origin, "OptionalProto",
                  [](wire::Reader r, detail::ReadEnv& env) { return detail::parse_data_value(r, env, false); });
}

TensorValue load_tensor(const std::string& path) {
  const std::string bytes = read_file(path);
  return read_tensor(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), path);
}

DataValue load_value(const std::string& path, const TypeInfo& type) {
  const std::string bytes = read_file(path);
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  switch (type.kind) {
    case TypeInfo::Kind::sequence:
      return read_sequence(p, bytes.size(), path);
    case TypeInfo::Kind::optional:
      return read_optional(p, bytes.size(), path);
    case TypeInfo::Kind::tensor: {
      DataValue v;
      v.kind = DataValue::Kind::tensor;
      v.tensor = read_tensor(p, bytes.size(), path);
      v.name = v.tensor.name;
      return v;
    }
    default:
      throw Unsupported(MsgId::onnx_value_kind_unsupported, path, "TypeProto",
                        type.kind == TypeInfo::Kind::map ? "MapProto" : "SparseTensorProto");
  }
}

}  // namespace hangu::io::onnx

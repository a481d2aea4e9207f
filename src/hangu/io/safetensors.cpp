#include "hangu/io/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>
#include <numeric>
#include <optional>
#include <set>

#include "hangu/core/checked_math.h"
#include "hangu/core/error.h"
#include "hangu/io/atomic_file.h"
#include "hangu/io/json.h"
#include "hangu/io/mapped_file.h"
#include "hangu/ops/copy.h"

namespace hangu::io {

static_assert(std::endian::native == std::endian::little, "safetensors bytes are little-endian");

namespace {

struct DTypeName {
  DType dtype;
  std::string_view name;
};
constexpr DTypeName kDTypeNames[] = {
    {DType::boolean, "BOOL"}, {DType::u8, "U8"},   {DType::i8, "I8"},     {DType::i16, "I16"}, {DType::i32, "I32"},
    {DType::i64, "I64"},      {DType::f16, "F16"}, {DType::bf16, "BF16"}, {DType::f32, "F32"}, {DType::f64, "F64"},
};
static_assert(std::size(kDTypeNames) == kNumDTypes, "every DType has a safetensors name");

// One tensor of the header, validated: [begin, end) lies in the data section and holds exactly
// numel * element size bytes.
struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  int64_t begin, end;  // bytes, relative to the data section
};

struct Header {
  std::vector<Entry> entries;  // header order
  std::map<std::string, std::string> metadata;
  int64_t data_start;  // bytes from the start of the file
};

// A short rendering of a JSON value for messages (hostile values may be huge).
std::string brief(const Json& v) {
  std::string s(1, '?');
  try {
    s = v.dump();
  } catch (const Error&) {
  }
  if (s.size() > 80) {
    s.resize(77);
    s.append(3, '.');
  }
  return s;
}

Shape parse_shape(const Json* v, const std::string& file, const std::string& field) {
  const char* expected = "an array of at most 64 non-negative integers";
  if (!v || !v->is_array() || static_cast<int64_t>(v->size()) > kSafetensorsMaxRank)
    throw FormatError(MsgId::io_bad_field, file, field, expected, v ? brief(*v) : "nothing");
  Shape shape;
  for (const Json& d : v->as_array()) {
    if (!d.is_int() || d.as_int() < 0) throw FormatError(MsgId::io_bad_field, file, field, expected, brief(*v));
    shape.push_back(d.as_int());
  }
  return shape;
}

Entry parse_entry(const std::string& name, const Json& info, const std::string& file, int64_t data_size,
                  int64_t data_start) {
  const std::string what = "tensor '" + name + "'";
  if (!info.is_object())
    throw FormatError(MsgId::io_bad_field, file, what, "an object with dtype, shape and data_offsets", brief(info));
  Entry e;
  e.name = name;
  const Json* dt = info.find("dtype");
  if (!dt || !dt->is_string())
    throw FormatError(MsgId::io_bad_field, file, "dtype of " + what, "a string such as \"F32\"",
                      dt ? brief(*dt) : "nothing");
  if (!parse_safetensors_dtype(dt->as_string(), &e.dtype))
    throw FormatError(MsgId::st_dtype_unsupported, file, name, dt->as_string());
  e.shape = parse_shape(info.find("shape"), file, "shape of " + what);

  const Json* off = info.find("data_offsets");
  const char* off_expected = "[begin, end] with 0 <= begin <= end";
  if (!off || !off->is_array() || off->size() != 2)
    throw FormatError(MsgId::io_bad_field, file, "data_offsets of " + what, off_expected,
                      off ? brief(*off) : "nothing");
  const Json& b = off->as_array()[0];
  const Json& en = off->as_array()[1];
  if (!b.is_int() || !en.is_int() || b.as_int() < 0 || en.as_int() < b.as_int())
    throw FormatError(MsgId::io_bad_field, file, "data_offsets of " + what, off_expected, brief(*off));
  e.begin = b.as_int();
  e.end = en.as_int();
  if (e.end > data_size) {
    int64_t need = e.end > INT64_MAX - data_start ? INT64_MAX : data_start + e.end;
    throw FormatError(MsgId::io_truncated, file, "data_offsets of " + what, need, data_start + data_size);
  }

  std::optional<int64_t> bytes = try_nbytes(e.shape, dtype_size(e.dtype));
  if (!bytes || !try_layout_extent(e.shape)) throw FormatError(MsgId::io_size_overflow, file, what, shape_str(e.shape));
  const int64_t nbytes = *bytes;
  if (e.end - e.begin != nbytes)
    throw FormatError(MsgId::st_size_mismatch, file, name, e.begin, e.end, e.end - e.begin,
                      safetensors_dtype_name(e.dtype), shape_str(e.shape), nbytes);
  return e;
}

Header parse_header(const uint8_t* data, size_t size, const std::string& file) {
  if (size < 8) throw FormatError(MsgId::io_truncated, file, "the header length (8 bytes)", 8, size);
  uint64_t n;
  std::memcpy(&n, data, 8);
  if (n > static_cast<uint64_t>(kSafetensorsMaxHeaderBytes))
    throw FormatError(MsgId::io_bad_field, file, "header length", "at most 100000000 bytes", n);
  if (n > size - 8) throw FormatError(MsgId::io_truncated, file, "the JSON header", n + 8, size);

  Header h;
  h.data_start = static_cast<int64_t>(8 + n);
  const int64_t data_size = static_cast<int64_t>(size) - h.data_start;
  // Three levels suffice: the header object, a tensor's object, its shape array.
  Json j = Json::parse(std::string_view(reinterpret_cast<const char*>(data) + 8, n), file, 8);
  if (!j.is_object()) throw FormatError(MsgId::io_bad_field, file, "header", "a JSON object", json_type_name(j.type()));

  for (const auto& [key, value] : j.as_object()) {
    if (key == "__metadata__") {
      if (!value.is_object())
        throw FormatError(MsgId::io_bad_field, file, "__metadata__", "an object of strings", brief(value));
      for (const auto& [mk, mv] : value.as_object()) {
        if (!mv.is_string())
          throw FormatError(MsgId::io_bad_field, file, "__metadata__['" + mk + "']", "a string", brief(mv));
        h.metadata.emplace(mk, mv.as_string());
      }
      continue;
    }
    h.entries.push_back(parse_entry(key, value, file, data_size, h.data_start));
  }

  // The tensors must tile the data section: sorted by offset, each starts where the last ended.
  std::vector<size_t> order(h.entries.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Entry &x = h.entries[a], &y = h.entries[b];
    return x.begin != y.begin ? x.begin < y.begin : x.end < y.end;
  });
  int64_t pos = 0;
  const Entry* prev = nullptr;
  for (size_t i : order) {
    const Entry& e = h.entries[i];
    if (e.begin < pos) throw FormatError(MsgId::st_overlap, file, prev->name, e.name, pos, e.begin);
    if (e.begin > pos) throw FormatError(MsgId::st_gap, file, pos, e.begin);
    pos = e.end;
    prev = &e;
  }
  if (pos != data_size) throw FormatError(MsgId::st_gap, file, pos, data_size);
  return h;
}

void check_bools(const uint8_t* p, int64_t n, const std::string& file, const std::string& name) {
  for (int64_t i = 0; i < n; ++i)
    if (p[i] > 1) throw FormatError(MsgId::io_bad_bool, file, "tensor '" + name + "'", int{p[i]}, i);
}

Tensor copy_tensor(const uint8_t* bytes, const Entry& e) {
  Storage st = Storage::allocate(e.end - e.begin);
  if (e.end > e.begin) std::memcpy(st.data(), bytes, static_cast<size_t>(e.end - e.begin));
  return Tensor::make(std::move(st), e.shape, contiguous_strides(e.shape), 0, e.dtype);
}

// Streams the file to `sink`: length, header, then each tensor's bytes in order.
void write_safetensors(const NamedTensors& tensors, const std::map<std::string, std::string>& metadata,
                       const std::string& target, const std::function<void(const void*, size_t)>& sink) {
  Json header = Json::object();
  if (!metadata.empty()) {
    Json m = Json::object();
    for (const auto& [k, v] : metadata) m[k] = Json(v);
    header.as_object().emplace_back("__metadata__", std::move(m));
  }
  std::set<std::string_view> names;
  std::vector<Tensor> data;
  int64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    check_defined(t, "save_safetensors");
    if (name == "__metadata__")
      throw ValueError(MsgId::st_bad_name, target, name, "not the reserved name __metadata__");
    if (!names.insert(name).second) throw ValueError(MsgId::st_bad_name, target, name, "a name used only once");
    Tensor c = contiguous(t);
    Json shape = Json::array();
    for (int64_t d : c.shape()) shape.push_back(Json(d));
    int64_t end = checked_add(offset, c.nbytes(), "save_safetensors");
    Json info = Json::object();
    info["dtype"] = Json(safetensors_dtype_name(c.dtype()));
    info["shape"] = std::move(shape);
    info["data_offsets"] = Json(Json::Array{Json(offset), Json(end)});
    header.as_object().emplace_back(name, std::move(info));
    data.push_back(std::move(c));
    offset = end;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // data starts 8-byte aligned, as the reference pads
  uint64_t n = text.size();
  unsigned char len[8];
  std::memcpy(len, &n, 8);
  sink(len, 8);
  sink(text.data(), text.size());
  for (const Tensor& c : data)
    if (c.nbytes() > 0) sink(c.data(), static_cast<size_t>(c.nbytes()));
}

}  // namespace

std::string_view safetensors_dtype_name(DType t) {
  for (const auto& d : kDTypeNames)
    if (d.dtype == t) return d.name;
  throw_unknown_dtype(static_cast<int>(t));
}

bool parse_safetensors_dtype(std::string_view name, DType* out) {
  for (const auto& d : kDTypeNames)
    if (d.name == name) {
      *out = d.dtype;
      return true;
    }
  return false;
}

const Tensor* SafetensorsFile::find(std::string_view name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return &t;
  return nullptr;
}

SafetensorsFile parse_safetensors(const void* data, size_t size, const std::string& name) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  Header h = parse_header(bytes, size, name);
  SafetensorsFile f;
  f.metadata = std::move(h.metadata);
  for (const Entry& e : h.entries) {
    const uint8_t* p = bytes + h.data_start + e.begin;
    if (e.dtype == DType::boolean) check_bools(p, e.end - e.begin, name, e.name);
    f.tensors.emplace_back(e.name, copy_tensor(p, e));
  }
  return f;
}

SafetensorsFile load_safetensors(const std::string& path) {
  std::shared_ptr<MappedFile> m = MappedFile::open(path);
  Header h = parse_header(m->data(), m->size(), path);
  SafetensorsFile f;
  f.metadata = std::move(h.metadata);
  for (const Entry& e : h.entries) {
    uint8_t* p = m->data() + h.data_start + e.begin;
    int64_t nbytes = e.end - e.begin;
    if (e.dtype == DType::boolean) check_bools(p, nbytes, path, e.name);
    Tensor t;
    if (nbytes > 0 && reinterpret_cast<uintptr_t>(p) % static_cast<uintptr_t>(dtype_size(e.dtype)) == 0) {
      Storage st = Storage::wrap(p, nbytes, [m](void*) {});  // holds the mapping until the last view goes
      t = Tensor::make(std::move(st), e.shape, contiguous_strides(e.shape), 0, e.dtype);
    } else {
      t = copy_tensor(p, e);  // misaligned (or empty): a typed view would be undefined behaviour
    }
    f.tensors.emplace_back(e.name, std::move(t));
  }
  return f;
}

std::string serialize_safetensors(const NamedTensors& tensors, const std::map<std::string, std::string>& metadata) {
  std::string out;
  write_safetensors(tensors, metadata, "serialize_safetensors",
                    [&](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); });
  return out;
}

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  // Validate and lay out everything before the temporary file exists.
  std::unique_ptr<AtomicFileWriter> w;
  write_safetensors(tensors, metadata, path, [&](const void* p, size_t n) {
    if (!w) w = std::make_unique<AtomicFileWriter>(path);
    w->write(p, n);
  });
  w->commit();
}

}  // namespace hangu::io

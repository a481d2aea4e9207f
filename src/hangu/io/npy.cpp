#include "hangu/io/npy.h"

#include <bit>
#include <cstdio>
#include <cstring>
#include <optional>

#include "hangu/core/checked_math.h"
#include "hangu/core/error.h"
#include "hangu/io/atomic_file.h"
#include "hangu/io/mapped_file.h"
#include "hangu/ops/copy.h"

namespace hangu::io {

static_assert(std::endian::native == std::endian::little, "npy bytes are read as little-endian");

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

// How a descr is read: `itemsize` bytes per element in the file, stored as `dtype`.
enum class Widen : uint8_t { none, u16_to_i32, u32_to_i64, u64_to_i64 };
struct Descr {
  DType dtype;
  int64_t itemsize;  // bytes per element in the file
  bool big_endian;
  Widen widen;
};

struct NpyHeader {
  Descr descr;
  bool fortran_order;
  Shape shape;
};

std::optional<Descr> parse_descr(std::string_view s) {
  if (s.size() < 3) return std::nullopt;
  char order = s[0];
  std::string_view code = s.substr(1);
  struct Row {
    std::string_view code;
    int64_t itemsize;  // bytes in the file
    DType dtype;
    Widen widen;
  };
  static constexpr Row kRows[] = {
      {"b1", 1, DType::boolean, Widen::none},   {"u1", 1, DType::u8, Widen::none},
      {"i1", 1, DType::i8, Widen::none},        {"i2", 2, DType::i16, Widen::none},
      {"i4", 4, DType::i32, Widen::none},       {"i8", 8, DType::i64, Widen::none},
      {"f2", 2, DType::f16, Widen::none},       {"f4", 4, DType::f32, Widen::none},
      {"f8", 8, DType::f64, Widen::none},       {"u2", 2, DType::i32, Widen::u16_to_i32},
      {"u4", 4, DType::i64, Widen::u32_to_i64}, {"u8", 8, DType::i64, Widen::u64_to_i64},
  };
  for (const Row& r : kRows) {
    if (r.code != code) continue;
    // '|' (no byte order) is what NumPy writes for 1-byte types; multi-byte types need < > or =.
    if (order == '|' ? r.itemsize != 1 : order != '<' && order != '>' && order != '=') return std::nullopt;
    return Descr{r.dtype, r.itemsize, order == '>' && r.itemsize > 1, r.widen};
  }
  return std::nullopt;
}

// Header text for messages: bytes outside printable ASCII become '?'.
std::string printable(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c < 0x20 || c > 0x7e) c = '?';
  return out;
}

// Strict parser of the header: a Python dict literal with exactly 'descr', 'fortran_order', 'shape'.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& file) : t_(text), file_(file) {}

  NpyHeader parse() {
    NpyHeader h{};
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    ws();
    expect('{', "'{' opening the header dict");
    while (true) {
      ws();
      if (eat('}')) break;
      std::string key = str("a quoted key");
      ws();
      expect(':', "':' after a key");
      ws();
      if (key == "descr" && !seen_descr) {
        seen_descr = true;
        if (peek() == '[' || peek() == '(' || peek() == '{') {
          // A structured dtype: name it in the message, as far as it is printable.
          std::string raw = printable(t_.substr(pos_, 60));
          throw FormatError(MsgId::npy_descr_unsupported, file_, raw);
        }
        std::string d = str("a quoted descr such as '<f4'");
        std::optional<Descr> descr = parse_descr(d);
        if (!descr) throw FormatError(MsgId::npy_descr_unsupported, file_, "'" + d + "'");
        h.descr = *descr;
      } else if (key == "fortran_order" && !seen_fortran) {
        seen_fortran = true;
        if (word("True")) {
          h.fortran_order = true;
        } else if (word("False")) {
          h.fortran_order = false;
        } else {
          fail("fortran_order", "True or False");
        }
      } else if (key == "shape" && !seen_shape) {
        seen_shape = true;
        h.shape = shape();
      } else {
        fail("header key '" + key + "'", "each of 'descr', 'fortran_order', 'shape' exactly once");
      }
      ws();
      if (eat('}')) break;
      expect(',', "',' or '}' after a value");
    }
    ws();
    if (pos_ != t_.size()) fail("header", "only spaces and a newline after the dict");
    if (!seen_descr || !seen_fortran || !seen_shape) fail("header", "the keys 'descr', 'fortran_order' and 'shape'");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& field, const std::string& expected) const {
    std::string got = pos_ < t_.size() ? "'" + printable(t_.substr(pos_, 20)) + "'" : "end of header";
    throw FormatError(MsgId::io_bad_field, file_, field + " (header byte " + std::to_string(pos_) + ")", expected, got);
  }
  char peek() const { return pos_ < t_.size() ? t_[pos_] : '\0'; }
  void ws() {
    while (pos_ < t_.size() && (t_[pos_] == ' ' || t_[pos_] == '\n' || t_[pos_] == '\t' || t_[pos_] == '\r')) ++pos_;
  }
  bool eat(char c) {
    if (pos_ >= t_.size() || t_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  void expect(char c, const char* what) {
    if (!eat(c)) fail("header", what);
  }
  bool word(std::string_view w) {
    if (t_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    return true;
  }
  // A quoted string without escapes (NumPy's keys and descrs never need them).
  std::string str(const char* what) {
    char q = peek();
    if (q != '\'' && q != '"') fail("header", what);
    size_t end = t_.find(q, pos_ + 1);
    if (end == std::string_view::npos) fail("header", "a closing quote");
    std::string s(t_.substr(pos_ + 1, end - pos_ - 1));
    if (s.find('\\') != std::string::npos) fail("header", "a string without escapes");
    pos_ = end + 1;
    return s;
  }
  // "()", "(3,)", "(2, 3)", "(2, 3,)"; Python 2's "3L" is accepted.
  Shape shape() {
    const char* expected = "a tuple of at most 64 non-negative integers such as (2, 3) or (3,)";
    Shape s;
    if (!eat('(')) fail("shape", expected);
    bool trailing_comma = false;
    while (true) {
      ws();
      if (eat(')')) break;
      if (peek() < '0' || peek() > '9') fail("shape", expected);
      int64_t v = 0;
      while (peek() >= '0' && peek() <= '9') {
        if (!try_mul(v, 10, &v) || !try_add(v, peek() - '0', &v))
          fail("shape", "dimensions that fit in int64");
        ++pos_;
      }
      eat('L');
      s.push_back(v);
      if (static_cast<int64_t>(s.size()) > kNpyMaxRank) fail("shape", expected);
      ws();
      trailing_comma = eat(',');
      if (!trailing_comma) {
        ws();
        if (!eat(')')) fail("shape", expected);
        break;
      }
    }
    if (s.size() == 1 && !trailing_comma) fail("shape", "a 1-tuple written with a comma, such as (3,)");
    return s;
  }

  std::string_view t_;
  const std::string& file_;
  size_t pos_ = 0;
};

uint16_t bswap(uint16_t v) { return __builtin_bswap16(v); }
uint32_t bswap(uint32_t v) { return __builtin_bswap32(v); }
uint64_t bswap(uint64_t v) { return __builtin_bswap64(v); }

template <typename U>
U load_le(const uint8_t* p, bool big_endian) {
  U v;
  std::memcpy(&v, p, sizeof(U));
  return big_endian ? bswap(v) : v;
}

void byteswap_inplace(uint8_t* p, int64_t n, int64_t itemsize) {
  for (int64_t i = 0; i < n; ++i, p += itemsize) {
    if (itemsize == 2) {
      std::swap(p[0], p[1]);
    } else if (itemsize == 4) {
      uint32_t v;
      std::memcpy(&v, p, 4);
      v = bswap(v);
      std::memcpy(p, &v, 4);
    } else if (itemsize == 8) {
      uint64_t v;
      std::memcpy(&v, p, 8);
      v = bswap(v);
      std::memcpy(p, &v, 8);
    }
  }
}

// Copies the file's elements into `out` (numel elements of descr.dtype), swapping and widening.
void read_elements(const uint8_t* in, int64_t n, const Descr& d, void* out, const std::string& file) {
  switch (d.widen) {
    case Widen::none:
      if (n > 0) std::memcpy(out, in, static_cast<size_t>(n * d.itemsize));
      if (d.big_endian) byteswap_inplace(static_cast<uint8_t*>(out), n, d.itemsize);
      if (d.dtype == DType::boolean) {
        const auto* b = static_cast<const uint8_t*>(out);
        for (int64_t i = 0; i < n; ++i)
          if (b[i] > 1) throw FormatError(MsgId::io_bad_bool, file, "data", int{b[i]}, i);
      }
      break;
    case Widen::u16_to_i32: {
      auto* o = static_cast<int32_t*>(out);
      for (int64_t i = 0; i < n; ++i) o[i] = load_le<uint16_t>(in + 2 * i, d.big_endian);
      break;
    }
    case Widen::u32_to_i64: {
      auto* o = static_cast<int64_t*>(out);
      for (int64_t i = 0; i < n; ++i) o[i] = load_le<uint32_t>(in + 4 * i, d.big_endian);
      break;
    }
    case Widen::u64_to_i64: {
      auto* o = static_cast<int64_t*>(out);
      for (int64_t i = 0; i < n; ++i) {
        uint64_t v = load_le<uint64_t>(in + 8 * i, d.big_endian);
        if (v > static_cast<uint64_t>(INT64_MAX)) throw FormatError(MsgId::npy_u64_too_large, file, v, i);
        o[i] = static_cast<int64_t>(v);
      }
      break;
    }
  }
}

std::string_view descr_of(DType t) {
  switch (t) {
    case DType::boolean:
      return "|b1";
    case DType::u8:
      return "|u1";
    case DType::i8:
      return "|i1";
    case DType::i16:
      return "<i2";
    case DType::i32:
      return "<i4";
    case DType::i64:
      return "<i8";
    case DType::f16:
      return "<f2";
    case DType::f32:
      return "<f4";
    case DType::f64:
      return "<f8";
    case DType::bf16:
      break;
  }
  return "";
}

// Magic, version, length and header dict, laid out as numpy.lib.format writes them.
std::string make_header(const Tensor& t, const std::string& target) {
  check_defined(t, "save_npy");
  if (t.dtype() == DType::bf16) throw DTypeError(MsgId::npy_no_bfloat16, target);
  std::string shape = "(";
  for (size_t i = 0; i < t.shape().size(); ++i) {
    if (i) shape += ", ";
    shape += std::to_string(t.shape()[i]);
  }
  shape += t.shape().size() == 1 ? ",)" : ")";
  std::string dict =
      "{'descr': '" + std::string(descr_of(t.dtype())) + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // NumPy leaves room for the first dim to grow to 21 digits, so headers can be rewritten in place.
  if (!t.shape().empty()) dict.append(21 - std::to_string(t.shape()[0]).size(), ' ');
  size_t hlen = dict.size() + 1;  // + '\n'
  for (int version : {1, 2}) {
    size_t prefix = kMagicLen + 2 + (version == 1 ? 2 : 4);
    size_t pad = 64 - (prefix + hlen) % 64;
    size_t total = hlen + pad;
    if (version == 1 && total >= 65536) continue;
    std::string out(kMagic, kMagicLen);
    out += static_cast<char>(version);
    out += '\0';
    if (version == 1) {
      uint16_t n = static_cast<uint16_t>(total);
      out.append(reinterpret_cast<const char*>(&n), 2);
    } else {
      uint32_t n = static_cast<uint32_t>(total);
      out.append(reinterpret_cast<const char*>(&n), 4);
    }
    out += dict;
    out.append(pad, ' ');
    out += '\n';
    return out;
  }
  return {};  // unreachable: a rank-64 header is far below 4 GiB
}

}  // namespace

Tensor parse_npy(const void* data, size_t size, const std::string& name) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  if (size < 8) throw FormatError(MsgId::io_truncated, name, "the magic string and version", 8, size);
  if (std::memcmp(bytes, kMagic, kMagicLen) != 0) {
    std::string got;
    for (size_t i = 0; i < kMagicLen; ++i) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", bytes[i]);
      got += buf;
    }
    throw FormatError(MsgId::io_bad_field, name, "magic string", "\\x93NUMPY", got);
  }
  int major = bytes[6], minor = bytes[7];
  if (minor != 0 || major < 1 || major > 3)
    throw FormatError(MsgId::io_bad_field, name, "format version", "1.0, 2.0 or 3.0",
                      std::to_string(major) + "." + std::to_string(minor));
  size_t len_bytes = major == 1 ? 2 : 4;
  if (size < 8 + len_bytes) throw FormatError(MsgId::io_truncated, name, "the header length", 8 + len_bytes, size);
  uint64_t hlen = 0;
  std::memcpy(&hlen, bytes + 8, len_bytes);
  if (hlen > static_cast<uint64_t>(kNpyMaxHeaderBytes))
    throw FormatError(MsgId::io_bad_field, name, "header length", "at most 1048576 bytes", hlen);
  const size_t header_start = 8 + len_bytes;
  if (hlen > size - header_start) throw FormatError(MsgId::io_truncated, name, "the header", header_start + hlen, size);
  std::string_view text(reinterpret_cast<const char*>(bytes) + header_start, hlen);
  NpyHeader h = HeaderParser(text, name).parse();

  const int64_t data_start = static_cast<int64_t>(header_start + hlen);
  const int64_t data_size = static_cast<int64_t>(size) - data_start;
  std::optional<int64_t> numel_opt = try_numel(h.shape);
  std::optional<int64_t> file_bytes_opt = try_nbytes(h.shape, h.descr.itemsize);
  if (!numel_opt || !file_bytes_opt || !try_layout_extent(h.shape)) throw FormatError(MsgId::io_size_overflow, name, "data", shape_str(h.shape));
  const int64_t numel = *numel_opt, file_bytes = *file_bytes_opt;
  if (file_bytes > data_size) {
    int64_t need = file_bytes > INT64_MAX - data_start ? INT64_MAX : data_start + file_bytes;
    throw FormatError(MsgId::io_truncated, name, "the array data of shape " + shape_str(h.shape), need, size);
  }
  if (file_bytes < data_size)
    throw FormatError(
        MsgId::io_bad_field, name, "file size",
        std::to_string(data_start + file_bytes) + " bytes (header + data of shape " + shape_str(h.shape) + ")", size);

  // numel <= file bytes here, so this allocates at most twice what the file holds (widening).
  Storage st = Storage::allocate(checked_mul(numel, dtype_size(h.descr.dtype), "npy data"));
  read_elements(bytes + data_start, numel, h.descr, st.data(), name);
  if (!h.fortran_order || h.shape.size() < 2)
    return Tensor::make(std::move(st), h.shape, contiguous_strides(h.shape), 0, h.descr.dtype);
  // Column-major: describe the bytes with Fortran strides, then copy to C order.
  Strides strides(h.shape.size());
  int64_t acc = 1;
  for (size_t i = 0; i < h.shape.size(); ++i) {
    strides[i] = acc;
    acc *= h.shape[i] > 0 ? h.shape[i] : 1;
  }
  Tensor f = Tensor::make(std::move(st), h.shape, strides, 0, h.descr.dtype);
  return clone(f);
}

Tensor load_npy(const std::string& path) {
  std::shared_ptr<MappedFile> m = MappedFile::open(path);
  return parse_npy(m->data(), m->size(), path);
}

std::string serialize_npy(const Tensor& t) {
  std::string out = make_header(t, "serialize_npy");
  Tensor c = contiguous(t);
  out.append(static_cast<const char*>(c.data()), static_cast<size_t>(c.nbytes()));
  return out;
}

void save_npy(const std::string& path, const Tensor& t) {
  std::string header = make_header(t, path);
  Tensor c = contiguous(t);
  AtomicFileWriter w(path);
  w.write(header);
  if (c.nbytes() > 0) w.write(c.data(), static_cast<size_t>(c.nbytes()));
  w.commit();
}

}  // namespace hangu::io

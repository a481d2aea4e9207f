#include "hangu/io/onnx/wire.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace hangu::io::onnx::wire {

static_assert(std::endian::native == std::endian::little, "protobuf fixed-width values are little-endian");

namespace {

constexpr uint32_t kMaxFieldNumber = (1u << 29) - 1;

const char* wire_type_name(WireType wt) {
  switch (wt) {
    case WireType::varint:
      return "0 (varint)";
    case WireType::fixed64:
      return "1 (64-bit)";
    case WireType::len:
      return "2 (length-delimited)";
    case WireType::start_group:
      return "3 (group start)";
    case WireType::end_group:
      return "4 (group end)";
    case WireType::fixed32:
      return "5 (32-bit)";
  }
  return "?";
}

}  // namespace

std::string Context::path() const {
  std::string p;
  for (const Segment& s : segments_) {
    if (!p.empty()) p += '.';
    p += s.name;
    if (s.index >= 0) p.append("[").append(std::to_string(s.index)).append("]");
  }
  return p.empty() ? std::string("(top level)") : p;
}

Context::Nest::Nest(Context& c, const char* what) : c_(c) {
  if (c_.depth_ >= c_.max_nesting_)
    throw FormatError(MsgId::onnx_too_deep, c_.origin(), c_.path(), what, c_.max_nesting_);
  ++c_.depth_;
}

// ---- Reader ----

void Reader::fail_truncated(uint64_t need) const {
  throw FormatError(MsgId::onnx_truncated, ctx_->origin(), ctx_->path(), offset(), need, size_ - pos_);
}

void Reader::fail_value(const std::string& value, const std::string& expected) const {
  throw FormatError(MsgId::onnx_bad_value, ctx_->origin(), ctx_->path(), value, expected);
}

uint64_t Reader::raw_varint() {
  const uint64_t start = offset();
  uint64_t v = 0;
  for (int i = 0; i < 10; ++i) {
    if (pos_ >= size_) throw FormatError(MsgId::onnx_truncated_varint, ctx_->origin(), ctx_->path(), start);
    const uint8_t b = data_[pos_++];
    // The 10th byte holds only bit 63: anything above it overflows 64 bits.
    if (i == 9 && b > 1) throw FormatError(MsgId::onnx_bad_varint, ctx_->origin(), ctx_->path(), start);
    v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) return v;
  }
  throw FormatError(MsgId::onnx_bad_varint, ctx_->origin(), ctx_->path(), start);
}

std::span<const uint8_t> Reader::take(uint64_t n) {
  if (n > size_ - pos_) fail_truncated(n);
  std::span<const uint8_t> s(data_ + pos_, static_cast<size_t>(n));
  pos_ += static_cast<size_t>(n);
  return s;
}

bool Reader::next() {
  if (pos_ >= size_) return false;
  tag_offset_ = offset();
  const uint64_t tag = raw_varint();
  const uint64_t field = tag >> 3;
  const uint64_t wt = tag & 7;
  if (field == 0 || field > kMaxFieldNumber || wt == 6 || wt == 7 || wt == 3 || wt == 4)
    // Groups (3, 4) are deprecated and unused by ONNX; refusing them keeps skip() non-recursive.
    throw FormatError(MsgId::onnx_bad_tag, ctx_->origin(), ctx_->path(), tag, tag_offset_);
  field_ = static_cast<uint32_t>(field);
  wire_type_ = static_cast<WireType>(wt);
  return true;
}

void Reader::expect(WireType wt, const char* expected) const {
  if (wire_type_ != wt)
    throw FormatError(MsgId::onnx_wrong_wire_type, ctx_->origin(), ctx_->path(), field_, tag_offset_,
                      wire_type_name(wire_type_), expected);
}

uint64_t Reader::uint64(const char* name) {
  Context::Scope s(*ctx_, name, -1);
  expect(WireType::varint, wire_type_name(WireType::varint));
  return raw_varint();
}

int32_t Reader::int32(const char* name) {
  Context::Scope s(*ctx_, name, -1);
  const int64_t v = int64();
  if (v < INT32_MIN || v > INT32_MAX) fail_value(std::to_string(v), "-2147483648..2147483647");
  return static_cast<int32_t>(v);
}

float Reader::float32(const char* name) {
  Context::Scope s(*ctx_, name, -1);
  expect(WireType::fixed32, wire_type_name(WireType::fixed32));
  float v;
  std::memcpy(&v, take(4).data(), 4);
  return v;
}

double Reader::float64(const char* name) {
  Context::Scope s(*ctx_, name, -1);
  expect(WireType::fixed64, wire_type_name(WireType::fixed64));
  double v;
  std::memcpy(&v, take(8).data(), 8);
  return v;
}

std::span<const uint8_t> Reader::bytes(const char* name) {
  Context::Scope s(*ctx_, name, -1);
  expect(WireType::len, wire_type_name(WireType::len));
  const uint64_t n = raw_varint();
  return take(n);
}

std::string Reader::string(const char* name) {
  std::span<const uint8_t> b = bytes(name);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

Reader Reader::message() {
  std::span<const uint8_t> b = bytes();
  return Reader(b.data(), b.size(), *ctx_, offset() - b.size());
}

void Reader::skip() {
  switch (wire_type_) {
    case WireType::varint:
      raw_varint();
      return;
    case WireType::fixed64:
      take(8);
      return;
    case WireType::fixed32:
      take(4);
      return;
    case WireType::len:
      take(raw_varint());
      return;
    default:
      throw FormatError(MsgId::onnx_bad_tag, ctx_->origin(), ctx_->path(), field_, tag_offset_);
  }
}

// A packed run holds `width`-byte values (or varints when width is 0); its element count is
// known before anything is allocated, and it can never exceed the run's byte count.
template <typename T, typename Decode>
void Reader::append_packed(std::vector<T>& out, const char* name, WireType scalar, size_t width, Decode decode) {
  Context::Scope s(*ctx_, name, -1);
  if (wire_type_ != WireType::len) {
    expect(scalar, wire_type_name(scalar));
    out.push_back(decode(*this));
    return;
  }
  std::span<const uint8_t> run = bytes();
  Reader sub(run.data(), run.size(), *ctx_, offset() - run.size());
  size_t count;
  if (width == 0) {
    count = static_cast<size_t>(std::count_if(run.begin(), run.end(), [](uint8_t b) { return b < 0x80; }));
  } else {
    if (run.size() % width != 0)
      throw FormatError(MsgId::onnx_packed_size, ctx_->origin(), ctx_->path(), run.size(), width);
    count = run.size() / width;
  }
  out.reserve(out.size() + count);
  sub.wire_type_ = scalar;
  sub.field_ = field_;
  while (sub.pos_ < sub.size_) out.push_back(decode(sub));
}

void Reader::append(std::vector<int64_t>& out, const char* name) {
  append_packed(out, name, WireType::varint, 0, [](Reader& r) { return static_cast<int64_t>(r.raw_varint()); });
}

void Reader::append(std::vector<int32_t>& out, const char* name) {
  append_packed(out, name, WireType::varint, 0, [](Reader& r) {
    const int64_t v = static_cast<int64_t>(r.raw_varint());
    if (v < INT32_MIN || v > INT32_MAX) r.fail_value(std::to_string(v), "-2147483648..2147483647");
    return static_cast<int32_t>(v);
  });
}

void Reader::append(std::vector<uint64_t>& out, const char* name) {
  append_packed(out, name, WireType::varint, 0, [](Reader& r) { return r.raw_varint(); });
}

void Reader::append(std::vector<float>& out, const char* name) {
  append_packed(out, name, WireType::fixed32, 4, [](Reader& r) { return r.float32(); });
}

void Reader::append(std::vector<double>& out, const char* name) {
  append_packed(out, name, WireType::fixed64, 8, [](Reader& r) { return r.float64(); });
}

// ---- Writer ----

void Writer::raw_varint(uint64_t v) {
  while (v >= 0x80) {
    buffer_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  buffer_.push_back(static_cast<char>(v));
}

void Writer::tag(uint32_t field, WireType wt) {
  raw_varint((static_cast<uint64_t>(field) << 3) | static_cast<uint64_t>(wt));
}

void Writer::varint(uint32_t field, uint64_t v) {
  tag(field, WireType::varint);
  raw_varint(v);
}

void Writer::float32(uint32_t field, float v) {
  tag(field, WireType::fixed32);
  char b[4];
  std::memcpy(b, &v, 4);
  buffer_.append(b, 4);
}

void Writer::float64(uint32_t field, double v) {
  tag(field, WireType::fixed64);
  char b[8];
  std::memcpy(b, &v, 8);
  buffer_.append(b, 8);
}

void Writer::bytes(uint32_t field, const void* data, size_t n) {
  tag(field, WireType::len);
  raw_varint(n);
  if (n > 0) buffer_.append(static_cast<const char*>(data), n);
}

void Writer::bytes(uint32_t field, std::string_view b) { bytes(field, b.data(), b.size()); }

void Writer::packed(uint32_t field, std::span<const int64_t> v) {
  if (v.empty()) return;
  Writer run;
  for (int64_t x : v) run.raw_varint(static_cast<uint64_t>(x));
  message(field, run);
}

void Writer::packed(uint32_t field, std::span<const float> v) {
  if (v.empty()) return;
  bytes(field, v.data(), v.size() * sizeof(float));
}

}  // namespace hangu::io::onnx::wire

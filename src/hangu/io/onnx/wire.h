#pragma once
// The protobuf wire format, read and written by hand (no protobuf library): varints, fixed32/64
// and length-delimited fields. The reader treats its bytes as hostile: every length and offset is
// checked before use, and errors name the file, the field path and the byte offset.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hangu/core/error.h"

namespace hangu::io::onnx::wire {

enum class WireType : uint8_t { varint = 0, fixed64 = 1, len = 2, start_group = 3, end_group = 4, fixed32 = 5 };

// What errors point at: the origin (a file name), the path of fields being read
// ("graph.node[3].attribute[0].t") and how deeply recursive messages nest.
class Context {
 public:
  Context(std::string origin, int64_t max_nesting) : origin_(std::move(origin)), max_nesting_(max_nesting) {}
  const std::string& origin() const { return origin_; }
  std::string path() const;

  // A path segment for the lifetime of the scope; `name` must outlive it (a literal). A null
  // name adds nothing.
  class Scope {
   public:
    Scope(Context& c, const char* name, int64_t index) : c_(name ? &c : nullptr) {
      if (c_) c_->segments_.push_back({name, index});
    }
    ~Scope() {
      if (c_) c_->segments_.pop_back();
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Context* c_;
  };
  Scope field(const char* name) { return Scope(*this, name, -1); }
  Scope item(const char* name, size_t index) { return Scope(*this, name, static_cast<int64_t>(index)); }

  // One level of a recursive message (sub-graph, nested type); throws past max_nesting.
  class Nest {
   public:
    Nest(Context& c, const char* what);
    ~Nest() { --c_.depth_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;

   private:
    Context& c_;
  };

 private:
  struct Segment {
    const char* name;
    int64_t index;  // -1: a plain field
  };
  std::string origin_;
  int64_t max_nesting_;
  int64_t depth_ = 0;
  std::vector<Segment> segments_;
};

// A bounded reader over [data, data + size); `base` is the byte offset of data[0] in the file,
// for messages. Typical use:
//   while (r.next()) switch (r.field()) { case 1: x = r.int64("x"); break; ... default: r.skip(); }
// The value readers take the field's name, added to the error path while they read.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size, Context& ctx, uint64_t base = 0)
      : data_(data), size_(size), base_(base), ctx_(&ctx) {}

  // Reads the next tag; false at the end of the message. Throws FormatError on a malformed tag.
  bool next();
  uint32_t field() const { return field_; }
  WireType wire_type() const { return wire_type_; }
  uint64_t offset() const { return base_ + pos_; }  // bytes from the start of the file
  Context& context() const { return *ctx_; }

  // The value of the current field; each checks the wire type first.
  uint64_t uint64(const char* name = nullptr);
  int64_t int64(const char* name = nullptr) { return static_cast<int64_t>(uint64(name)); }
  int32_t int32(const char* name = nullptr);  // an int64 varint that must fit in int32
  float float32(const char* name = nullptr);
  double float64(const char* name = nullptr);
  std::span<const uint8_t> bytes(const char* name = nullptr);
  std::string string(const char* name = nullptr);
  // A reader over the length-delimited payload; the caller scopes the path while parsing it.
  Reader message();
  void skip();  // an unknown field

  // Repeated scalars, accepted packed (one length-delimited run) or one value per field.
  void append(std::vector<int64_t>& out, const char* name = nullptr);
  void append(std::vector<int32_t>& out, const char* name = nullptr);
  void append(std::vector<uint64_t>& out, const char* name = nullptr);
  void append(std::vector<float>& out, const char* name = nullptr);
  void append(std::vector<double>& out, const char* name = nullptr);

  [[noreturn]] void fail_value(const std::string& value, const std::string& expected) const;

 private:
  void expect(WireType wt, const char* expected) const;
  uint64_t raw_varint();
  std::span<const uint8_t> take(uint64_t n);
  [[noreturn]] void fail_truncated(uint64_t need) const;
  template <typename T, typename Decode>
  void append_packed(std::vector<T>& out, const char* name, WireType scalar, size_t width, Decode decode);

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  uint64_t base_;
  Context* ctx_;
  uint32_t field_ = 0;
  WireType wire_type_ = WireType::varint;
  uint64_t tag_offset_ = 0;
};

// Appends fields to a byte string. Sub-messages are written to their own Writer and added with
// message(), which prefixes the length.
class Writer {
 public:
  void varint(uint32_t field, uint64_t v);
  void int64(uint32_t field, int64_t v) { varint(field, static_cast<uint64_t>(v)); }
  void float32(uint32_t field, float v);
  void float64(uint32_t field, double v);
  void bytes(uint32_t field, std::string_view b);
  void bytes(uint32_t field, const void* data, size_t n);
  void message(uint32_t field, const Writer& sub) { bytes(field, sub.buffer_); }
  void packed(uint32_t field, std::span<const int64_t> v);
  void packed(uint32_t field, std::span<const float> v);
  // A raw tag and a raw varint, for tests that build malformed input.
  void tag(uint32_t field, WireType wt);
  void raw_varint(uint64_t v);
  void raw(std::string_view b) { buffer_.append(b); }

  const std::string& buffer() const { return buffer_; }
  std::string take() { return std::move(buffer_); }
  size_t size() const { return buffer_.size(); }

 private:
  std::string buffer_;
};

}  // namespace hangu::io::onnx::wire

#include "hangu/io/json.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <unordered_set>

#include "hangu/core/error.h"

namespace hangu::io {

const char* json_type_name(Json::Type t) {
  switch (t) {
    case Json::Type::null:
      return "null";
    case Json::Type::boolean:
      return "boolean";
    case Json::Type::integer:
      return "integer";
    case Json::Type::number:
      return "number";
    case Json::Type::string:
      return "string";
    case Json::Type::array:
      return "array";
    case Json::Type::object:
      return "object";
  }
  return "?";
}

namespace {

[[noreturn]] void wrong_type(const char* expected, Json::Type got) {
  throw FormatError(MsgId::json_wrong_type, expected, json_type_name(got));
}

// Recursive-descent parser over bytes; `pos_` is a byte offset into `text_`.
class Parser {
 public:
  Parser(std::string_view text, const std::string& name, int max_depth)
      : text_(text), name_(name), max_depth_(max_depth) {}

  Json parse_document() {
    skip_ws();
    Json v = parse_value(0);
    skip_ws();
    if (pos_ != text_.size()) fail("end of input");
    return v;
  }

 private:
  // What the text holds at pos_, for "got ..." in messages.
  std::string describe_here() const {
    if (pos_ >= text_.size()) return "end of input";
    unsigned char c = static_cast<unsigned char>(text_[pos_]);
    if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02x", c);
    return buf;
  }
  [[noreturn]] void fail(const char* expected) const { fail_at(expected, pos_, describe_here()); }
  [[noreturn]] void fail_at(const char* expected, size_t at, const std::string& got) const {
    throw FormatError(MsgId::json_syntax, name_, at, expected, got);
  }

  void skip_ws() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++pos_;
    }
  }
  bool eat(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect_word(std::string_view w) {
    if (text_.substr(pos_, w.size()) != w) fail("a JSON value");
    pos_ += w.size();
  }

  Json parse_value(int depth) {
    if (pos_ >= text_.size()) fail("a JSON value");
    switch (text_[pos_]) {
      case '{':
        return parse_object(depth + 1);
      case '[':
        return parse_array(depth + 1);
      case '"':
        return Json(parse_string());
      case 't':
        expect_word("true");
        return Json(true);
      case 'f':
        expect_word("false");
        return Json(false);
      case 'n':
        expect_word("null");
        return Json(nullptr);
      default:
        return parse_number();
    }
  }

  void check_depth(int depth) const {
    if (depth > max_depth_) throw FormatError(MsgId::json_too_deep, name_, max_depth_, pos_);
  }

  Json parse_array(int depth) {
    check_depth(depth);
    ++pos_;  // '['
    Json::Array a;
    skip_ws();
    if (eat(']')) return Json(std::move(a));
    while (true) {
      skip_ws();
      a.push_back(parse_value(depth));
      skip_ws();
      if (eat(']')) return Json(std::move(a));
      if (!eat(',')) fail("',' or ']'");
    }
  }

  Json parse_object(int depth) {
    check_depth(depth);
    ++pos_;  // '{'
    Json::Object o;
    std::unordered_set<std::string> seen;
    skip_ws();
    if (eat('}')) return Json(std::move(o));
    while (true) {
      skip_ws();
      if (pos_ >= text_.size() || text_[pos_] != '"') fail("'\"' starting an object key");
      size_t key_at = pos_;
      std::string key = parse_string();
      if (!seen.insert(key).second) throw FormatError(MsgId::json_duplicate_key, name_, key, key_at);
      skip_ws();
      if (!eat(':')) fail("':'");
      skip_ws();
      Json v = parse_value(depth);
      o.emplace_back(std::move(key), std::move(v));
      skip_ws();
      if (eat('}')) return Json(std::move(o));
      if (!eat(',')) fail("',' or '}'");
    }
  }

  int hex4() {
    if (text_.size() - pos_ < 4) fail("4 hex digits after \\u");
    int v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_];
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) fail("a hex digit in \\u escape");
      v = v * 16 + d;
      ++pos_;
    }
    return v;
  }

  static void append_utf8(std::string& s, uint32_t cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xc0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xe0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      s += static_cast<char>(0xf0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      s += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  // Copies one well-formed UTF-8 sequence (no overlongs, no surrogates, <= U+10FFFF).
  void copy_utf8(std::string& s) {
    auto byte = [&](size_t i) { return static_cast<unsigned char>(text_[i]); };
    unsigned char c = byte(pos_);
    size_t n;
    uint32_t cp, min;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 2, cp = c & 0x1fu, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 3, cp = c & 0x0fu, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 4, cp = c & 0x07u, min = 0x10000;
    } else {
      fail("valid UTF-8 in a string");
    }
    if (text_.size() - pos_ < n) fail("valid UTF-8 in a string");
    for (size_t i = 1; i < n; ++i) {
      unsigned char cc = byte(pos_ + i);
      if ((cc & 0xc0) != 0x80) fail_at("valid UTF-8 in a string", pos_ + i, "a bad continuation byte");
      cp = cp << 6 | (cc & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) fail("valid UTF-8 in a string");
    s.append(text_.substr(pos_, n));
    pos_ += n;
  }

  std::string parse_string() {
    ++pos_;  // '"'
    std::string s;
    while (true) {
      if (pos_ >= text_.size()) fail("'\"' closing the string");
      unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return s;
      }
      if (c < 0x20) fail("an escaped control character");
      if (c >= 0x80) {
        copy_utf8(s);
        continue;
      }
      ++pos_;
      if (c != '\\') {
        s += static_cast<char>(c);
        continue;
      }
      if (pos_ >= text_.size()) fail("an escape character");
      char e = text_[pos_++];
      switch (e) {
        case '"':
          s += '"';
          break;
        case '\\':
          s += '\\';
          break;
        case '/':
          s += '/';
          break;
        case 'b':
          s += '\b';
          break;
        case 'f':
          s += '\f';
          break;
        case 'n':
          s += '\n';
          break;
        case 'r':
          s += '\r';
          break;
        case 't':
          s += '\t';
          break;
        case 'u': {
          size_t at = pos_ - 2;
          uint32_t cp = static_cast<uint32_t>(hex4());
          if (cp >= 0xdc00 && cp <= 0xdfff) fail_at("a high surrogate before a low one", at, "a lone low surrogate");
          if (cp >= 0xd800 && cp <= 0xdbff) {
            if (!(eat('\\') && eat('u'))) fail("\\u with a low surrogate after a high surrogate");
            uint32_t lo = static_cast<uint32_t>(hex4());
            if (lo < 0xdc00 || lo > 0xdfff) fail_at("a low surrogate (\\udc00-\\udfff)", pos_ - 6, "another code unit");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          }
          append_utf8(s, cp);
          break;
        }
        default:
          --pos_;
          fail("one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
      }
    }
  }

  Json parse_number() {
    size_t start = pos_;
    bool is_int = true;
    eat('-');
    if (pos_ >= text_.size()) fail("a digit");
    if (text_[pos_] == '0') {
      ++pos_;
    } else if (text_[pos_] >= '1' && text_[pos_] <= '9') {
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    } else {
      fail(pos_ == start ? "a JSON value" : "a digit");
    }
    auto digits = [&] {
      if (pos_ >= text_.size() || !std::isdigit(static_cast<unsigned char>(text_[pos_]))) fail("a digit");
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    };
    if (eat('.')) {
      is_int = false;
      digits();
    }
    if (eat('e') || eat('E')) {
      is_int = false;
      if (!eat('+')) eat('-');
      digits();
    }
    const char* b = text_.data() + start;
    const char* e = text_.data() + pos_;
    if (is_int) {
      int64_t v;
      auto r = std::from_chars(b, e, v);
      if (r.ec == std::errc() && r.ptr == e) return Json(v);
      // Too large for int64: keep it as a double, as most JSON readers do.
    }
    double d;
    auto r = std::from_chars(b, e, d);
    if (r.ptr != e || (r.ec != std::errc() && r.ec != std::errc::result_out_of_range))
      fail_at("a number", start, std::string(text_.substr(start, pos_ - start)));
    if (r.ec == std::errc::result_out_of_range || !std::isfinite(d))
      fail_at("a number within the range of a double", start, std::string(text_.substr(start, pos_ - start)));
    return Json(d);
  }

  std::string_view text_;
  const std::string& name_;
  int max_depth_;
  size_t pos_ = 0;
};

void dump_string(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

}  // namespace

bool Json::as_bool() const {
  if (!is_bool()) wrong_type("boolean", type());
  return std::get<bool>(v_);
}
int64_t Json::as_int() const {
  if (!is_int()) wrong_type("integer", type());
  return std::get<int64_t>(v_);
}
double Json::as_double() const {
  if (is_int()) return static_cast<double>(std::get<int64_t>(v_));
  if (type() != Type::number) wrong_type("number", type());
  return std::get<double>(v_);
}
const std::string& Json::as_string() const {
  if (!is_string()) wrong_type("string", type());
  return std::get<std::string>(v_);
}
const Json::Array& Json::as_array() const {
  if (!is_array()) wrong_type("array", type());
  return std::get<Array>(v_);
}
Json::Array& Json::as_array() {
  if (!is_array()) wrong_type("array", type());
  return std::get<Array>(v_);
}
const Json::Object& Json::as_object() const {
  if (!is_object()) wrong_type("object", type());
  return std::get<Object>(v_);
}
Json::Object& Json::as_object() {
  if (!is_object()) wrong_type("object", type());
  return std::get<Object>(v_);
}

const Json* Json::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : std::get<Object>(v_))
    if (k == key) return &v;
  return nullptr;
}

Json& Json::operator[](std::string_view key) {
  if (is_null()) v_ = Object{};
  Object& o = as_object();
  for (auto& [k, v] : o)
    if (k == key) return v;
  o.emplace_back(std::string(key), Json());
  return o.back().second;
}

void Json::push_back(Json v) {
  if (is_null()) v_ = Array{};
  as_array().push_back(std::move(v));
}

size_t Json::size() const {
  if (is_array()) return std::get<Array>(v_).size();
  if (is_object()) return std::get<Object>(v_).size();
  return 0;
}

Json Json::parse(std::string_view text, const std::string& source_name, int max_depth) {
  return Parser(text, source_name, max_depth).parse_document();
}

std::string Json::dump() const {
  std::string out;
  dump_to(out);
  return out;
}

void Json::dump_to(std::string& out) const {
  switch (type()) {
    case Type::null:
      out += "null";
      break;
    case Type::boolean:
      out += std::get<bool>(v_) ? "true" : "false";
      break;
    case Type::integer:
      out += std::to_string(std::get<int64_t>(v_));
      break;
    case Type::number: {
      double d = std::get<double>(v_);
      if (!std::isfinite(d)) throw ValueError(MsgId::json_not_finite, d);
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, d);  // shortest text that round-trips
      std::string_view s(buf, static_cast<size_t>(r.ptr - buf));
      out += s;
      // Keep it a double when read back.
      if (s.find_first_of(".eE") == std::string_view::npos) out += ".0";
      break;
    }
    case Type::string:
      dump_string(out, std::get<std::string>(v_));
      break;
    case Type::array: {
      out += '[';
      bool first = true;
      for (const Json& e : std::get<Array>(v_)) {
        if (!first) out += ',';
        first = false;
        e.dump_to(out);
      }
      out += ']';
      break;
    }
    case Type::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, e] : std::get<Object>(v_)) {
        if (!first) out += ',';
        first = false;
        dump_string(out, k);
        out += ':';
        e.dump_to(out);
      }
      out += '}';
      break;
    }
  }
}

}  // namespace hangu::io

#pragma once
// The error hierarchy. Each error carries a message id and its arguments, so the same error
// prints in the user's language: what() formats it in current_language().
#include <concepts>
#include <exception>
#include <string>
#include <vector>

#include "hangu/core/dtype.h"
#include "hangu/core/i18n.h"
#include "hangu/core/shape.h"

namespace hangu {

enum class ErrorKind : uint8_t { runtime, shape, dtype, index, value, format, io, out_of_memory, unsupported };
std::string_view error_kind_name(ErrorKind k);

// Converts an argument of a message to text.
inline std::string msg_arg(const std::string& s) { return s; }
inline std::string msg_arg(std::string_view s) { return std::string(s); }
inline std::string msg_arg(const char* s) { return s; }
inline std::string msg_arg(DType t) { return std::string(dtype_name(t)); }
inline std::string msg_arg(const Shape& s) { return shape_str(s); }
inline std::string msg_arg(IntList s) { return shape_str(s); }
inline std::string msg_arg(bool b) { return b ? "true" : "false"; }
template <std::integral T>
std::string msg_arg(T v) { return std::to_string(v); }
std::string msg_arg(double v);

class Error : public std::exception {
 public:
  Error(MsgId id, std::vector<std::string> args);
  template <typename... A>
  explicit Error(MsgId id, const A&... a) : Error(id, std::vector<std::string>{msg_arg(a)...}) {}

  MsgId id() const { return id_; }
  const std::vector<std::string>& args() const { return args_; }
  virtual ErrorKind kind() const { return ErrorKind::runtime; }
  std::string message(Lang lang) const { return format_message(id_, args_, lang); }
  // The message in current_language().
  const char* what() const noexcept override;

 private:
  MsgId id_;
  std::vector<std::string> args_;
  std::string text_[2];  // formatted once per language, so what() never allocates
};

#define HANGU_DEFINE_ERROR(Name, Kind)                                \
  class Name : public Error {                                         \
   public:                                                            \
    using Error::Error;                                               \
    ErrorKind kind() const override { return ErrorKind::Kind; }       \
  };
HANGU_DEFINE_ERROR(ShapeError, shape)         // shapes do not fit together
HANGU_DEFINE_ERROR(DTypeError, dtype)         // an element type is not allowed here
HANGU_DEFINE_ERROR(IndexError, index)         // an index or dim is out of range
HANGU_DEFINE_ERROR(ValueError, value)         // an argument has a bad value
HANGU_DEFINE_ERROR(FormatError, format)       // a file's content is malformed
HANGU_DEFINE_ERROR(IoError, io)               // the OS failed to read or write
HANGU_DEFINE_ERROR(OutOfMemory, out_of_memory)
HANGU_DEFINE_ERROR(Unsupported, unsupported)  // valid, but not implemented here
#undef HANGU_DEFINE_ERROR

}  // namespace hangu

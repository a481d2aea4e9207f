#include "hangu/core/error.h"

#include <cstdio>

namespace hangu {

Error::Error(MsgId id, std::vector<std::string> args) : id_(id), args_(std::move(args)) {
  text_[0] = format_message(id_, args_, Lang::en);
  text_[1] = format_message(id_, args_, Lang::zh);
}

const char* Error::what() const noexcept { return text_[current_language() == Lang::zh ? 1 : 0].c_str(); }

std::string msg_arg(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string_view error_kind_name(ErrorKind k) {
  switch (k) {
    case ErrorKind::runtime: return "Error";
    case ErrorKind::shape: return "ShapeError";
    case ErrorKind::dtype: return "DTypeError";
    case ErrorKind::index: return "IndexError";
    case ErrorKind::value: return "ValueError";
    case ErrorKind::format: return "FormatError";
    case ErrorKind::io: return "IoError";
    case ErrorKind::out_of_memory: return "OutOfMemory";
    case ErrorKind::unsupported: return "Unsupported";
  }
  return "Error";
}

}  // namespace hangu

#pragma once
// Shared by reader.cpp (models, graphs) and tensor_reader.cpp (tensors, sequences): not installed
// API. The environment of one read: error context, options and the external files opened so far.
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hangu/io/mapped_file.h"
#include "hangu/io/onnx/model.h"
#include "hangu/io/onnx/wire.h"

namespace hangu::io::onnx::detail {

struct ReadEnv {
  wire::Context ctx;
  ReadOptions opts;
  std::string real_base;                                     // realpath of opts.base_dir, once
  std::map<std::string, std::shared_ptr<MappedFile>> files;  // external files by real path

  ReadEnv(const std::string& origin, const ReadOptions& o) : ctx(origin, o.max_nesting), opts(o) {}
};

// Parses the current length-delimited field of `r` with `parse`, the field named in the error
// path (an `index`: the item of a repeated field).
template <typename Parse>
auto nested(wire::Reader& r, ReadEnv& env, const char* name, Parse parse, size_t index = SIZE_MAX) {
  wire::Context::Scope s(env.ctx, name, index == SIZE_MAX ? -1 : static_cast<int64_t>(index));
  return parse(r.message(), env);
}

TensorValue parse_tensor(wire::Reader r, ReadEnv& env);
// A StringStringEntryProto {key = 1, value = 2}: metadata_props and external_data entries.
std::pair<std::string, std::string> parse_string_pair(wire::Reader r, ReadEnv& env);
SparseTensorValue parse_sparse_tensor(wire::Reader r, ReadEnv& env);
// The bytes that TensorProto.external_data `entries` name, from a file confined to
// ReadOptions::base_dir (external_data.cpp); errors name the tensor.
std::span<const uint8_t> external_data(const std::vector<std::pair<std::string, std::string>>& entries,
                                       const std::string& tensor, ReadEnv& env);

}  // namespace hangu::io::onnx::detail

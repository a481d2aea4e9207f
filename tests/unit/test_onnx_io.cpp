// io/onnx: the reader against the onnx package's own parser on every ONNX node conformance case
// (summaries from tools/gen_onnx_io_fixtures.py), write -> read round trips, and hostile input.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "cli_util.h"
#include "hangu/hangu.h"
#include "hangu/io/atomic_file.h"
#include "hangu/io/npy.h"
#include "hangu/io/onnx/model.h"
#include "hangu/io/onnx/wire.h"
#include "onnx_summary.h"
#include "test_util.h"

using namespace hangu;
namespace onnx = hangu::io::onnx;
namespace fs = std::filesystem;
using onnx::wire::WireType;
using onnx::wire::Writer;

namespace {

const std::string kFixtures = std::string(HANGU_FIXTURE_DIR) + "/onnx_io/";
const std::string kNodeCases = "/usr/share/libonnx-testdata/data/node/";

std::string temp_dir() {
  auto d = fs::temp_directory_path() / ("hangu_onnx_io_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d.string();
}

// "key|summary" lines -> map.
std::map<std::string, std::string> read_summaries(const std::string& file) {
  std::ifstream in(file);
  EXPECT_TRUE(in.good()) << file;
  std::map<std::string, std::string> m;
  std::string line;
  while (std::getline(in, line)) {
    const size_t bar = line.find('|');
    if (bar != std::string::npos) m[line.substr(0, bar)] = line.substr(bar + 1);
  }
  return m;
}

std::string first_line(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

std::vector<std::string> node_cases() {
  std::vector<std::string> cases;
  for (const auto& e : fs::directory_iterator(kNodeCases))
    if (fs::exists(e.path() / "model.onnx")) cases.push_back(e.path().filename().string());
  std::sort(cases.begin(), cases.end());
  return cases;
}

onnx::Model parse(const std::string& bytes, const std::string& origin = "mem.onnx", onnx::ReadOptions o = {}) {
  return onnx::read_model(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), origin, o);
}

// The message of the FormatError that `f` throws ("" and a test failure when none).
template <typename F>
std::string format_error(F&& f) {
  try {
    f();
  } catch (const FormatError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected FormatError, got: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected FormatError, nothing thrown";
  return "";
}

void expect_mentions(const std::string& msg, std::initializer_list<std::string> parts) {
  for (const std::string& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
}

// ---- hand-built protobuf ----

std::string tensor_proto(const std::vector<int64_t>& dims, onnx::ElemType t, const std::string& raw,
                         const std::string& name = "w") {
  Writer w;
  w.packed(1, dims);
  w.varint(2, static_cast<uint64_t>(t));
  w.bytes(8, name);
  w.bytes(9, raw);
  return w.take();
}

// A model whose graph holds one initializer (the bytes of a TensorProto) and one Identity node.
std::string model_with(const std::string& initializer, const std::string& extra_graph = "") {
  Writer node, graph, opset, model;
  node.bytes(1, "w");
  node.bytes(2, "y");
  node.bytes(4, "Identity");
  graph.message(1, node);
  graph.bytes(2, "g");
  graph.bytes(5, initializer);
  graph.raw(extra_graph);
  opset.int64(2, 13);
  model.int64(1, 8);
  model.bytes(7, graph.buffer());
  model.message(8, opset);
  return model.take();
}

std::string floats_raw(std::initializer_list<float> v) {
  return std::string(reinterpret_cast<const char*>(std::data(v)), v.size() * 4);
}

}  // namespace

// ---- the conformance data against the onnx package's parser ----

TEST(OnnxIo, EveryNodeModelMatchesTheOnnxPackage) {
  ASSERT_TRUE(fs::exists(kNodeCases)) << "Debian's libonnx-testdata is needed: apt-get install libonnx-testdata";
  auto expected = read_summaries(kFixtures + "node_models.txt");
  auto cases = node_cases();
  ASSERT_EQ(cases.size(), expected.size());
  int matched = 0;
  for (const std::string& c : cases) {
    onnx::Model m = onnx::load_model(kNodeCases + c + "/model.onnx");
    std::string got = test_onnx::model(m);
    EXPECT_EQ(got, expected[c]) << c;
    matched += got == expected[c];
  }
  EXPECT_EQ(matched, 932);
}

TEST(OnnxIo, EveryNodeDataFileMatchesTheOnnxPackage) {
  auto expected = read_summaries(kFixtures + "node_data.txt");
  int files = 0;
  for (const std::string& c : node_cases()) {
    onnx::Model m = onnx::load_model(kNodeCases + c + "/model.onnx");
    for (const auto& set : fs::directory_iterator(kNodeCases + c)) {
      if (!set.is_directory()) continue;
      for (const auto& f : fs::directory_iterator(set.path())) {
        const std::string stem = f.path().stem().string();  // input_0, output_1
        const bool is_input = stem.rfind("input_", 0) == 0;
        const size_t index = std::stoul(stem.substr(stem.find('_') + 1));
        const auto& infos = is_input ? m.graph.inputs : m.graph.outputs;
        ASSERT_LT(index, infos.size()) << f.path();
        onnx::DataValue v = onnx::load_value(f.path().string(), infos[index].type);
        const std::string rel = c + "/" + set.path().filename().string() + "/" + f.path().filename().string();
        EXPECT_EQ(test_onnx::data(v), expected[rel]) << rel;
        ++files;
      }
    }
  }
  EXPECT_EQ(files, static_cast<int>(expected.size()));
}

TEST(OnnxIo, DecodedTensorsEqualNumpyHelper) {
  std::ifstream in(kFixtures + "values.txt");
  std::string pb, npy;
  int n = 0;
  while (in >> pb >> npy) {
    onnx::TensorValue t = onnx::load_tensor(kNodeCases + pb);
    Tensor ref = io::load_npy(kFixtures + "values/" + npy);  // npy widens unsigned types as we do
    EXPECT_TRUE(test_util::same_bits(t.tensor, ref)) << pb << " vs " << npy;
    ++n;
  }
  EXPECT_EQ(n, 12);  // one per element type found in the node cases
}

TEST(OnnxIo, KitchenSinkEveryFieldKind) {
  onnx::Model m = onnx::load_model(kFixtures + "kitchen_sink.onnx");
  EXPECT_EQ(test_onnx::model(m), first_line(kFixtures + "kitchen_sink.txt"));
  // A few values spelled out: typed int32_data holds uint16 widened to int32, bool, bf16 bits.
  const onnx::TensorValue* u16 = nullptr;
  for (const auto& t : m.graph.initializers)
    if (t.name == "typed_uint16") u16 = &t;
  ASSERT_NE(u16, nullptr);
  EXPECT_EQ(u16->tensor.dtype(), DType::i32);
  EXPECT_EQ(to_vector<int32_t>(u16->tensor), (std::vector<int32_t>{0, 65535, 1, 40000, 3, 4}));
  EXPECT_EQ(m.opset(), 13);
  EXPECT_EQ(m.opset("ai.onnx"), 13);
  EXPECT_EQ(m.opset("test.domain"), 1);
  EXPECT_EQ(m.opset("nowhere"), 0);
  const onnx::Node& custom = m.graph.nodes.at(0);
  ASSERT_NE(custom.find_attribute("g"), nullptr);
  EXPECT_EQ(custom.find_attribute("g")->g->nodes.at(0).op_type, "If");
  EXPECT_EQ(custom.find_attribute("missing"), nullptr);
  EXPECT_EQ(custom.inputs.at(1), "");  // an omitted optional input is kept
}

TEST(OnnxIo, ExternalDataInsideTheFolder) {
  onnx::Model m = onnx::load_model(kFixtures + "external/model.onnx");
  EXPECT_EQ(test_onnx::model(m), first_line(kFixtures + "external.txt"));
  // Read from memory there is no folder: external data is refused.
  std::string bytes = io::read_file(kFixtures + "external/model.onnx");
  expect_mentions(format_error([&] { parse(bytes, "mem.onnx"); }), {"mem.onnx", "initializer[0]", "weights.bin"});
}

// ---- round trips ----

TEST(OnnxIo, RoundTripEveryNodeModel) {
  for (const std::string& c : node_cases()) {
    onnx::Model m = onnx::load_model(kNodeCases + c + "/model.onnx");
    std::vector<uint8_t> bytes = onnx::write_model(m);
    onnx::Model back = onnx::read_model(bytes.data(), bytes.size(), c);
    EXPECT_EQ(test_onnx::model(back), test_onnx::model(m)) << c;
    EXPECT_EQ(onnx::write_model(back), bytes) << c << ": writing is deterministic";
  }
}

// The onnx package parses every model we wrote to the same structure and values as the original.
TEST(OnnxIo, OnnxPackageReadsWhatWeWrite) {
  if (std::system("/usr/bin/python3 -c 'import onnx' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 cannot import onnx (python3-onnx): the writer is checked by our reader only";
  const std::string dir = temp_dir() + "/written";
  fs::create_directories(dir);
  for (const std::string& c : node_cases()) {
    // Plain writes: save_model's fsyncs would cost more than the whole check.
    const std::vector<uint8_t> bytes = onnx::write_model(onnx::load_model(kNodeCases + c + "/model.onnx"));
    std::ofstream(dir + "/" + c + ".onnx", std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  const std::string cmd = "/usr/bin/python3 '" + std::string(HANGU_SOURCE_DIR) + "/tools/check_onnx_roundtrip.py' '" +
                          kNodeCases + "' '" + dir + "' 2>&1";
  const test_cli::Result r = test_cli::run_shell(cmd);
  const std::string& out = r.out;
  EXPECT_EQ(r.code, 0) << out;
  EXPECT_NE(out.find("compared 932, different 0"), std::string::npos) << out;
  fs::remove_all(temp_dir());
}

TEST(OnnxIo, RoundTripKitchenSinkAndExternal) {
  for (const std::string f : {"kitchen_sink.onnx", "external/model.onnx"}) {
    onnx::Model m = onnx::load_model(kFixtures + f);
    const std::string path = temp_dir() + "/rt.onnx";
    onnx::save_model(m, path);
    onnx::Model back = onnx::load_model(path);
    EXPECT_EQ(test_onnx::model(back), test_onnx::model(m)) << f;
    // Written as raw_data: the external tensors are now inside the file.
    for (const auto& t : back.graph.initializers) EXPECT_TRUE(t.tensor.defined() || !t.strings.empty()) << t.name;
  }
  fs::remove_all(temp_dir());
}

TEST(OnnxIo, WriterNarrowsWidenedTypesAndChecksDtypes) {
  onnx::Model m;
  m.ir_version = 8;
  m.opset_imports = {{"", 13}};
  onnx::TensorValue u16{"u16", onnx::ElemType::uint16, {}, tensor(std::vector<int32_t>{0, 65535}), {}};
  m.graph.initializers.push_back(u16);
  auto bytes = onnx::write_model(m);
  auto back = onnx::read_model(bytes.data(), bytes.size(), "rt");
  EXPECT_EQ(to_vector<int32_t>(back.graph.initializers.at(0).tensor), (std::vector<int32_t>{0, 65535}));
  EXPECT_EQ(back.graph.initializers.at(0).elem_type, onnx::ElemType::uint16);

  m.graph.initializers[0].tensor = tensor(std::vector<int32_t>{65536});
  test_util::expect_error_mentions<ValueError>([&] { onnx::write_model(m); }, {"u16", "65536", "UINT16"});
  m.graph.initializers[0] = onnx::TensorValue{"f", onnx::ElemType::float32, {}, tensor(std::vector<double>{1.0}), {}};
  test_util::expect_error_mentions<ValueError>([&] { onnx::write_model(m); }, {"'f'", "FLOAT", "float64"});
  m.graph.initializers[0] = onnx::TensorValue{"s", onnx::ElemType::string, {2}, Tensor(), {"only one"}};
  test_util::expect_error_mentions<ValueError>([&] { onnx::write_model(m); }, {"'s'"});
}

// ---- hostile input: every cut, wire type, length and size error names the file and field ----

TEST(OnnxIo, EveryTruncationOfAModelIsAFormatError) {
  // A small conformance model whose last top-level field is opset_import, so that every proper
  // prefix lacks a required field or cuts a length-delimited one.
  const std::string bytes = io::read_file(kNodeCases + "test_conv_with_strides_padding/model.onnx");
  ASSERT_GT(bytes.size(), 100u);
  parse(bytes);  // the whole file is fine
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::string cut = bytes.substr(0, n);
    try {
      parse(cut, "cut.onnx");
      ADD_FAILURE() << "prefix of " << n << " bytes was accepted";
    } catch (const FormatError& e) {
      const std::string msg = e.what();
      ASSERT_NE(msg.find("cut.onnx: ModelProto"), std::string::npos) << n << ": " << msg;
    }
  }
}

TEST(OnnxIo, EveryTruncationOfATensorIsAFormatError) {
  const std::string bytes = io::read_file(kNodeCases + "test_abs/test_data_set_0/input_0.pb");
  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::string cut = bytes.substr(0, n);
    EXPECT_NE(format_error([&] {
                onnx::read_tensor(reinterpret_cast<const uint8_t*>(cut.data()), n, "t.pb");
              }).find("t.pb: TensorProto"),
              std::string::npos)
        << n;
  }
}

TEST(OnnxIo, WireErrors) {
  // ir_version sent as a length-delimited field.
  Writer w;
  w.bytes(1, "x");
  expect_mentions(format_error([&] { parse(w.buffer()); }), {"mem.onnx", "ModelProto", "field 1", "wire type 2"});
  // A length that runs past the end.
  Writer len;
  len.tag(7, WireType::len);
  len.raw_varint(1000);
  len.raw("abc");
  expect_mentions(format_error([&] { parse(len.buffer()); }), {"mem.onnx", "ModelProto", "1000 bytes", "3 remain"});
  // A length near 2^64 must not wrap around.
  Writer huge;
  huge.tag(7, WireType::len);
  huge.raw_varint(~uint64_t{0});
  expect_mentions(format_error([&] { parse(huge.buffer()); }), {"mem.onnx", "needs 18446744073709551615 bytes"});
  // Varints: 11 bytes, and a 10th byte with more than bit 63.
  std::string eleven = std::string("\x08", 1) + std::string(10, '\xff') + std::string("\x01", 1);
  expect_mentions(format_error([&] { parse(eleven); }), {"varint", "byte offset 1"});
  std::string over = std::string("\x08", 1) + std::string(9, '\xff') + std::string("\x02", 1);
  expect_mentions(format_error([&] { parse(over); }), {"varint", "64 bits"});
  // A varint cut short, field number 0, wire types 3 (group), 6 and 7.
  expect_mentions(format_error([&] { parse(std::string("\x08\x80", 2)); }), {"ends inside the varint"});
  for (const char* tag : {"\x00\x01", "\x0b\x01", "\x0e\x01", "\x0f\x01"})
    expect_mentions(format_error([&] { parse(std::string(tag, 2)); }), {"invalid field tag"});
  // Nested: a node's op_type as a varint, deep inside the graph.
  Writer node, graph, model;
  node.varint(4, 1);
  graph.message(1, node);
  model.int64(1, 8);
  model.message(7, graph);
  expect_mentions(format_error([&] { parse(model.buffer()); }), {"ModelProto.graph.node[0].op_type", "wire type 0"});
  // Packed floats whose byte count is not a multiple of 4.
  Writer t;
  t.bytes(4, "abcde");
  expect_mentions(format_error([&] { parse(model_with(t.buffer())); }),
                  {"initializer[0].float_data", "5 bytes, which is not a multiple of 4"});
  // Missing required fields.
  Writer no_graph;
  no_graph.int64(1, 8);
  expect_mentions(format_error([&] { parse(no_graph.buffer()); }), {"graph", "missing"});
}

TEST(OnnxIo, TensorSizeErrors) {
  using E = onnx::ElemType;
  auto err = [](const std::string& tensor) { return format_error([&] { parse(model_with(tensor), "bad.onnx"); }); };
  const std::string where = "bad.onnx: ModelProto.graph.initializer[0]";
  expect_mentions(err(tensor_proto({-1, 3}, E::float32, "")), {where, "'w'", "negative", "[-1, 3]"});
  expect_mentions(err(tensor_proto({int64_t{1} << 40, int64_t{1} << 40}, E::float32, "")),
                  {where, "overflow", "1099511627776"});
  // An empty tensor whose other dims would overflow its strides.
  expect_mentions(err(tensor_proto({0, int64_t{1} << 40, int64_t{1} << 40}, E::float32, "")), {where, "overflow"});
  // The product fits in int64 but not once multiplied by the element size.
  expect_mentions(err(tensor_proto({int64_t{1} << 62}, E::float32, "")), {where, "overflow"});
  // Huge but representable: refused because the bytes are not there, nothing is allocated.
  expect_mentions(err(tensor_proto({int64_t{1} << 40}, E::float32, floats_raw({1}))),
                  {where, "raw_data holds 4 bytes", "4398046511104 bytes"});
  expect_mentions(err(tensor_proto({3}, E::float32, floats_raw({1, 2}))), {"raw_data holds 8 bytes", "needs 12 bytes"});
  expect_mentions(err(tensor_proto(std::vector<int64_t>(65, 1), E::float32, floats_raw({1}))), {"more than 64 dims"});
  expect_mentions(err(tensor_proto({2}, E::boolean, std::string("\x01\x02", 2))), {"value 2 at element 1", "BOOL"});
  expect_mentions(err(tensor_proto({1}, E::uint64, std::string(8, '\xff'))), {"18446744073709551615", "int64"});
  expect_mentions(err(tensor_proto({1}, E::undefined, floats_raw({1}))), {"UNDEFINED", "not supported"});
  // Typed fields: count mismatch, the wrong field for the type, out-of-range narrow values.
  Writer a;
  a.packed(1, std::vector<int64_t>{3});
  a.varint(2, static_cast<uint64_t>(E::float32));
  a.packed(4, std::vector<float>{1, 2});
  expect_mentions(err(a.buffer()), {"float_data holds 2 values", "need 3"});
  Writer b;
  b.varint(2, static_cast<uint64_t>(E::float32));
  b.packed(7, std::vector<int64_t>{1});
  expect_mentions(err(b.buffer()), {"int64_data", "float_data or raw_data"});
  Writer c;
  c.packed(1, std::vector<int64_t>{1});
  c.varint(2, static_cast<uint64_t>(E::int8));
  c.tag(5, WireType::varint);
  c.raw_varint(300);
  expect_mentions(err(c.buffer()), {"value 300 at element 0", "INT8"});
  // raw_data and a typed field together.
  Writer d;
  d.varint(2, static_cast<uint64_t>(E::float32));
  d.packed(4, std::vector<float>{1});
  d.bytes(9, floats_raw({1}));
  expect_mentions(err(d.buffer()), {"both raw_data and float_data", "only one of them"});
  // Complex and segments are valid ONNX that Hangu does not hold.
  EXPECT_THROW(parse(model_with(tensor_proto({1}, E::complex64, std::string(8, '\0')))), Unsupported);
  Writer seg;
  seg.bytes(3, "");
  seg.varint(2, 1);
  EXPECT_THROW(parse(model_with(seg.buffer())), Unsupported);
}

TEST(OnnxIo, SubGraphNestingIsCapped) {
  // An If whose then_branch holds an If whose ... 40 levels deep.
  auto nested = [](int depth) {
    Writer g;
    g.bytes(2, "leaf");
    for (int i = 0; i < depth; ++i) {
      Writer attr, node, outer;
      attr.bytes(1, "then_branch");
      attr.message(6, g);
      attr.varint(20, 5);
      node.bytes(4, "If");
      node.message(5, attr);
      outer.message(1, node);
      g = std::move(outer);
    }
    Writer opset, model;
    opset.int64(2, 13);
    model.int64(1, 8);
    model.message(7, g);
    model.message(8, opset);
    return model.take();
  };
  parse(nested(31));  // 32 graph levels: the default cap
  expect_mentions(format_error([&] { parse(nested(32)); }),
                  {"GraphProto nesting is deeper than 32", "node[0].attribute[0].g.node[0]"});
  onnx::ReadOptions o;
  o.max_nesting = 4;
  EXPECT_THROW(parse(nested(4), "m", o), FormatError);
  // A type nested 100 deep fails on the cap, not by running out of stack.
  std::string t;
  Writer leaf;
  t = leaf.take();
  for (int i = 0; i < 100; ++i) {
    Writer seq, type;
    seq.bytes(1, t);
    type.message(4, seq);
    t = type.take();
  }
  Writer vi, graph, model, opset;
  vi.bytes(1, "x");
  vi.bytes(2, t);
  graph.message(11, vi);
  opset.int64(2, 13);
  model.int64(1, 8);
  model.message(7, graph);
  model.message(8, opset);
  expect_mentions(format_error([&] { parse(model.buffer()); }), {"TypeProto nesting", "input[0].type.sequence_type"});
}

TEST(OnnxIo, ExternalDataIsConfinedToTheModelFolder) {
  const std::string root = temp_dir() + "/ext";
  fs::create_directories(root + "/model/sub");
  {
    std::ofstream(root + "/outside.bin") << std::string(64, 'x');
    std::ofstream(root + "/model/sub/w.bin") << floats_raw({1, 2, 3, 4});
  }
  fs::create_symlink(root + "/outside.bin", root + "/model/link.bin");
  fs::create_symlink("sub/w.bin", root + "/model/inside_link.bin");

  auto ext_model = [&](std::vector<std::pair<std::string, std::string>> kv, int64_t n = 4) {
    Writer t;
    t.packed(1, std::vector<int64_t>{n});
    t.varint(2, 1);
    t.bytes(8, "w");
    for (const auto& [k, v] : kv) {
      Writer e;
      e.bytes(1, k);
      e.bytes(2, v);
      t.message(13, e);
    }
    t.varint(14, 1);
    const std::string path = root + "/model/m.onnx";
    io::write_file_atomic(path, model_with(t.buffer()));
    return path;
  };
  auto load_err = [&](const std::string& path) { return format_error([&] { onnx::load_model(path); }); };

  onnx::Model ok = onnx::load_model(ext_model({{"location", "sub/w.bin"}}));
  EXPECT_EQ(to_vector<float>(ok.graph.initializers.at(0).tensor), (std::vector<float>{1, 2, 3, 4}));
  onnx::Model part = onnx::load_model(ext_model({{"location", "sub/w.bin"}, {"offset", "4"}, {"length", "8"}}, 2));
  EXPECT_EQ(to_vector<float>(part.graph.initializers.at(0).tensor), (std::vector<float>{2, 3}));
  onnx::load_model(ext_model({{"location", "inside_link.bin"}}));  // a link that stays inside is fine

  const std::string where = "m.onnx: ModelProto.graph.initializer[0].external_data";
  expect_mentions(load_err(ext_model({{"location", "../outside.bin"}})), {where, "'w'", "'..'"});
  expect_mentions(load_err(ext_model({{"location", "sub/../../outside.bin"}})), {"'..'"});
  expect_mentions(load_err(ext_model({{"location", root + "/outside.bin"}})), {where, "absolute path"});
  expect_mentions(load_err(ext_model({{"location", "link.bin"}})),
                  {where, "outside the model's folder", "outside.bin"});
  expect_mentions(load_err(ext_model({{"location", "none.bin"}})), {where, "does not exist"});
  expect_mentions(load_err(ext_model({{"location", ""}})), {where, "file name"});
  expect_mentions(load_err(ext_model({{"location", "sub/w.bin"}, {"offset", "12"}, {"length", "8"}}, 2)),
                  {where, "offset 12 + length 8", "16 bytes"});
  expect_mentions(load_err(ext_model({{"location", "sub/w.bin"}, {"offset", "17"}}, 0)), {"offset 17"});
  expect_mentions(load_err(ext_model({{"location", "sub/w.bin"}, {"offset", "18446744073709551615"}}, 0)),
                  {"decimal byte count"});
  expect_mentions(load_err(ext_model({{"location", "sub/w.bin"}, {"length", "-1"}})), {"decimal byte count"});
  expect_mentions(load_err(ext_model({{"location", "sub/w.bin"}}, 5)), {"external data holds 16 bytes", "needs 20"});
  expect_mentions(load_err(ext_model({{"location", "sub/w.bin"}, {"location", "x"}})), {"'location'", "repeated"});
  expect_mentions(load_err(ext_model({{"where", "sub/w.bin"}})), {"'where'"});
  fs::remove_all(temp_dir());
}

TEST(OnnxIo, SequenceAndOptionalValues) {
  // A sequence of two tensors and an empty optional, built by hand.
  Writer seq;
  seq.bytes(1, "s");
  seq.varint(2, 1);
  seq.bytes(3, tensor_proto({2}, onnx::ElemType::float32, floats_raw({1, 2}), "a"));
  seq.bytes(3, tensor_proto({1}, onnx::ElemType::float32, floats_raw({3}), "b"));
  onnx::DataValue v = onnx::read_sequence(reinterpret_cast<const uint8_t*>(seq.buffer().data()), seq.size(), "s.pb");
  ASSERT_EQ(v.elems.size(), 2u);
  EXPECT_EQ(to_vector<float>(v.elems[1].tensor.tensor), (std::vector<float>{3}));
  Writer opt;
  opt.varint(2, 1);
  onnx::DataValue o = onnx::read_optional(reinterpret_cast<const uint8_t*>(opt.buffer().data()), opt.size(), "o.pb");
  EXPECT_EQ(o.kind, onnx::DataValue::Kind::optional);
  EXPECT_TRUE(o.elems.empty());
  // Two values in one optional, and a map, are refused.
  Writer two;
  two.bytes(3, tensor_proto({1}, onnx::ElemType::float32, floats_raw({3})));
  two.bytes(3, tensor_proto({1}, onnx::ElemType::float32, floats_raw({3})));
  expect_mentions(format_error([&] {
                    onnx::read_optional(reinterpret_cast<const uint8_t*>(two.buffer().data()), two.size(), "o.pb");
                  }),
                  {"o.pb: OptionalProto.tensor_value[1]", "second value"});
  Writer map;
  map.bytes(6, "");
  EXPECT_THROW(onnx::read_sequence(reinterpret_cast<const uint8_t*>(map.buffer().data()), map.size(), "m.pb"),
               Unsupported);
}

// Random byte changes to a model with every field kind: each parse either succeeds or throws one
// of our typed errors (run under ASan/UBSan too: no crash, no out-of-bounds read).
TEST(OnnxIo, MutatedModelsNeverCrash) {
  const std::string good = io::read_file(kFixtures + "kitchen_sink.onnx");
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  int accepted = 0, refused = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string bytes = good;
    const int changes = 1 + static_cast<int>(next() % 4);
    for (int c = 0; c < changes; ++c) bytes[next() % bytes.size()] = static_cast<char>(next() & 0xff);
    try {
      parse(bytes, "fuzz.onnx");
      ++accepted;
    } catch (const FormatError& e) {
      ++refused;
      ASSERT_NE(std::string(e.what()).find("fuzz.onnx"), std::string::npos) << e.what();
    } catch (const Unsupported&) {
      ++refused;
    }
  }
  EXPECT_GT(refused, 1000);
  EXPECT_EQ(accepted + refused, 3000);
}

TEST(OnnxIo, ErrorsAreTranslated) {
  Writer w;
  w.bytes(1, "x");
  const std::string bytes = w.take();
  try {
    parse(bytes, "m.onnx");
    FAIL();
  } catch (const FormatError& e) {
    const std::string zh = e.message(Lang::zh);
    EXPECT_NE(zh.find("线类型"), std::string::npos) << zh;
    EXPECT_NE(zh.find("m.onnx"), std::string::npos) << zh;
  }
}

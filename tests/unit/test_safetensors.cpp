#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "hangu/hangu.h"
#include "hangu/io/atomic_file.h"
#include "hangu/io/safetensors.h"
#include "test_util.h"

using namespace hangu;
using namespace hangu::io;
using namespace hangu::test_util;

namespace {

const std::string kFixtures = std::string(HANGU_FIXTURE_DIR) + "/io/safetensors/";

constexpr DType kAllDTypes[] = {DType::boolean, DType::u8,  DType::i8,   DType::i16, DType::i32,
                                DType::i64,     DType::f16, DType::bf16, DType::f32, DType::f64};

std::string temp_dir() {
  auto d = std::filesystem::temp_directory_path() / ("hangu_st_" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d.string();
}

void write_raw(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A safetensors file from a header text and a data section, with the length written honestly.
std::string make_file(const std::string& header, const std::string& data = "") {
  uint64_t n = header.size();
  std::string out(8, '\0');
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}

// Parsing `bytes` must throw FormatError whose message names the file and contains `needle`.
void expect_format_error(const std::string& bytes, const std::string& needle) {
  expect_error_mentions<FormatError>([&] { parse_safetensors(bytes.data(), bytes.size(), "bad.safetensors"); },
                                     {"bad.safetensors", needle});
}

NamedTensors sample_tensors() {
  NamedTensors ts;
  for (DType d : kAllDTypes) ts.emplace_back("t." + std::string(dtype_name(d)), expected_values(Shape{2, 3}, d));
  ts.emplace_back("scalar", expected_values(Shape{}, DType::f64));
  ts.emplace_back("empty", expected_values(Shape{0, 4}, DType::f32));
  return ts;
}

}  // namespace

TEST(Safetensors, RoundTripEveryDType) {
  NamedTensors ts = sample_tensors();
  std::map<std::string, std::string> meta{{"format", "pt"}, {"说明", "中文"}};
  std::string bytes = serialize_safetensors(ts, meta);
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u) << "header padded to a multiple of 8";
  SafetensorsFile f = parse_safetensors(bytes.data(), bytes.size(), "mem");
  ASSERT_EQ(f.tensors.size(), ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    EXPECT_EQ(f.tensors[i].first, ts[i].first);
    expect_same(f.tensors[i].second, ts[i].second);
  }
  EXPECT_EQ(f.metadata, meta);

  std::string path = temp_dir() + "/round.safetensors";
  save_safetensors(path, ts, meta);
  SafetensorsFile g = load_safetensors(path);
  ASSERT_EQ(g.tensors.size(), ts.size());
  for (size_t i = 0; i < ts.size(); ++i) expect_same(g.tensors[i].second, ts[i].second);
  EXPECT_EQ(g.metadata, meta);
  EXPECT_EQ(read_file(path), bytes);
}

TEST(Safetensors, NonContiguousWrittenInCOrder) {
  Tensor a = expected_values(Shape{3, 4}, DType::f32);
  Tensor at = transpose(a, 0, 1);
  std::string bytes = serialize_safetensors({{"x", at}});
  SafetensorsFile f = parse_safetensors(bytes.data(), bytes.size(), "mem");
  expect_same(f.tensors[0].second, contiguous(at));
}

TEST(Safetensors, MappedTensorsOutliveTheFileObjectAndNeverWriteTheFile) {
  std::string path = temp_dir() + "/mapped.safetensors";
  save_safetensors(path, {{"w", expected_values(Shape{4}, DType::f32)}});
  std::string before = read_file(path);
  uint64_t header_len;
  std::memcpy(&header_len, before.data(), 8);
  Tensor w;
  {
    SafetensorsFile f = load_safetensors(path);
    w = *f.find("w");
    // A view of the mapping (page-aligned base), not a copy.
    EXPECT_EQ(reinterpret_cast<uintptr_t>(w.data()) % 4096, (8 + header_len) % 4096);
    EXPECT_EQ(f.find("nope"), nullptr);
  }
  fill_(w, 7.0);  // private copy-on-write pages
  EXPECT_EQ(to_vector<float>(w), std::vector<float>(4, 7.0f));
  EXPECT_EQ(read_file(path), before);
}

TEST(Safetensors, ReadsReferenceFile) {
  SafetensorsFile f = load_safetensors(kFixtures + "reference.safetensors");
  const std::pair<const char*, std::pair<DType, Shape>> want[] = {
      {"layer1.0.conv1.weight", {DType::f32, {2, 3}}},
      {"layer1.0.bn1.running_mean", {DType::f64, {3}}},
      {"embed.weight", {DType::bf16, {2, 2}}},
      {"half", {DType::f16, {5}}},
      {"mask", {DType::boolean, {4}}},
      {"u8", {DType::u8, {3}}},
      {"i8", {DType::i8, {3}}},
      {"i16", {DType::i16, {3}}},
      {"i32", {DType::i32, {3}}},
      {"num_batches_tracked", {DType::i64, {}}},
      {"empty", {DType::f32, {0, 3}}},
  };
  ASSERT_EQ(f.tensors.size(), std::size(want));
  for (size_t i = 0; i < std::size(want); ++i) {
    EXPECT_EQ(f.tensors[i].first, want[i].first);
    expect_same(f.tensors[i].second, expected_values(want[i].second.second, want[i].second.first));
  }
  EXPECT_EQ(f.metadata.at("format"), "pt");
  EXPECT_EQ(f.metadata.at("名前"), "模型");  // written as \u escapes by Python's json
  // The same bytes through the copying parser.
  std::string bytes = read_file(kFixtures + "reference.safetensors");
  SafetensorsFile g = parse_safetensors(bytes.data(), bytes.size(), "ref");
  for (size_t i = 0; i < f.tensors.size(); ++i) expect_same(g.tensors[i].second, f.tensors[i].second);
}

TEST(Safetensors, ReadsMisalignedTensors) {
  SafetensorsFile f = load_safetensors(kFixtures + "unaligned.safetensors");
  EXPECT_EQ(to_vector<int16_t>(*f.find("a")), (std::vector<int16_t>{7, -8}));
  EXPECT_EQ(to_vector<float>(*f.find("b")), (std::vector<float>{1.5f}));
}

TEST(Safetensors, EveryTruncationIsAFormatError) {
  std::string bytes = serialize_safetensors(sample_tensors(), {{"k", "v"}});
  for (size_t k = 0; k < bytes.size(); ++k) {
    try {
      parse_safetensors(bytes.data(), k, "cut.safetensors");
      ADD_FAILURE() << "no error at length " << k;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find("cut.safetensors"), std::string::npos) << e.what();
    }
  }
  // And through the file path, a few lengths.
  std::string path = temp_dir() + "/cut.safetensors";
  for (size_t k : {size_t{0}, size_t{5}, size_t{8}, size_t{40}, bytes.size() - 1}) {
    write_raw(path, bytes.substr(0, k));
    EXPECT_THROW(load_safetensors(path), FormatError) << k;
  }
}

TEST(Safetensors, HostileHeaders) {
  const std::string f32x2 = R"("dtype":"F32","shape":[2])";
  expect_format_error("1234567", "8 bytes");
  {
    std::string b = make_file("{}");
    uint64_t n = 1000;
    std::memcpy(b.data(), &n, 8);
    expect_format_error(b, "the JSON header");  // header length past the end
  }
  {
    std::string b = make_file("{}");
    uint64_t n = uint64_t{1} << 62;
    std::memcpy(b.data(), &n, 8);
    expect_format_error(b, "header length");
  }
  expect_format_error(make_file(R"({"a":{)" + f32x2 + R"(,"data_offsets":[0,800]}})", std::string(8, 'x')),
                      "data_offsets of tensor 'a'");  // offsets past the end
  expect_format_error(
      make_file(R"({"a":{)" + f32x2 + R"(,"data_offsets":[0,8]},"b":{)" + f32x2 + R"(,"data_offsets":[4,12]}})",
                std::string(12, 'x')),
      "overlap");
  expect_format_error(
      make_file(R"({"a":{)" + f32x2 + R"(,"data_offsets":[0,8]},"b":{)" + f32x2 + R"(,"data_offsets":[0,8]}})",
                std::string(8, 'x')),
      "overlap");
  expect_format_error(make_file(R"({"a":{)" + f32x2 + R"(,"data_offsets":[4,12]}})", std::string(12, 'x')),
                      "belong to no tensor");  // a hole at the start
  expect_format_error(make_file(R"({"a":{)" + f32x2 + R"(,"data_offsets":[0,8]}})", std::string(9, 'x')),
                      "belong to no tensor");  // trailing bytes
  expect_format_error(make_file(R"({"a":{)" + f32x2 + R"(,"data_offsets":[0,4]}})", std::string(4, 'x')),
                      "needs 8 bytes");
  expect_format_error(make_file(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})"), "shape of tensor 'a'");
  expect_format_error(make_file(R"({"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", std::string(8, 'x')),
                      "shape of tensor 'a'");
  expect_format_error(make_file(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})"),
                      "overflows");
  expect_format_error(make_file(R"({"a":{"dtype":"F32","shape":[9223372036854775807,2],"data_offsets":[0,0]}})"),
                      "overflows");
  expect_format_error(make_file(R"({"a":{"dtype":"F32","shape":[1e30],"data_offsets":[0,0]}})"), "shape of tensor 'a'");
  expect_format_error(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", std::string(8, 'x')),
                      "data_offsets of tensor 'a'");
  expect_format_error(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})"),
                      "data_offsets of tensor 'a'");
  expect_format_error(make_file(R"({"a":{"dtype":"U16","shape":[1],"data_offsets":[0,2]}})", "xx"), "'U16'");
  expect_format_error(make_file(R"({"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})", "x"), "F8_E4M3");
  expect_format_error(make_file(R"({"a":{"shape":[1],"data_offsets":[0,1]}})", "x"), "dtype of tensor 'a'");
  expect_format_error(make_file(R"({"a":{"dtype":"U8","data_offsets":[0,1]}})", "x"), "shape of tensor 'a'");
  expect_format_error(make_file(R"({"a":{"dtype":"U8","shape":[1]}})", "x"), "data_offsets of tensor 'a'");
  expect_format_error(
      make_file(
          R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
          "xx"),
      "duplicate");
  expect_format_error(make_file(R"({"__metadata__":{"k":1}})"), "__metadata__['k']");
  expect_format_error(make_file(R"([1,2])"), "header");
  expect_format_error(make_file(R"({"a":{"dtype":"U8",)"), "invalid JSON");
  expect_format_error(make_file("{\"a\":\"\xff\"}"), "UTF-8");
  expect_format_error(make_file(std::string(100, '[') + std::string(100, ']')), "nesting");
  expect_format_error(
      make_file(R"({"a":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})", std::string("\x01\x02", 2)),
      "boolean byte 2");
}

TEST(Safetensors, ChineseMessage) {
  set_language(Lang::zh);
  std::string b = make_file(R"({"a":{"dtype":"U16","shape":[1],"data_offsets":[0,2]}})", "xx");
  expect_error_mentions<FormatError>([&] { parse_safetensors(b.data(), b.size(), "坏.safetensors"); },
                                     {"坏.safetensors", "不受支持"});
  set_language(Lang::en);
}

TEST(Safetensors, SaveRejectsBadNamesAndLeavesNoTemporaries) {
  std::string dir = temp_dir() + "/save";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string path = dir + "/m.safetensors";
  Tensor x = expected_values(Shape{2}, DType::f32);
  EXPECT_THROW(save_safetensors(path, {{"a", x}, {"a", x}}), ValueError);
  EXPECT_THROW(save_safetensors(path, {{"__metadata__", x}}), ValueError);
  EXPECT_FALSE(std::filesystem::exists(path));
  save_safetensors(path, {{"a", x}});
  save_safetensors(path, {{"b", x}});  // replaces
  EXPECT_NE(load_safetensors(path).find("b"), nullptr);
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1u) << "no temporary file left behind";
  try {
    save_safetensors(dir + "/no/such/folder/m.safetensors", {{"a", x}});
    ADD_FAILURE();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("no/such/folder/m.safetensors"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_safetensors(dir + "/missing.safetensors"), IoError);
  std::filesystem::remove_all(temp_dir());
}

TEST(Safetensors, RandomCorruptionsNeverCrash) {
  // Fixed seed: the same mutations every run. Each must parse or throw FormatError, nothing else.
  std::string good = serialize_safetensors(sample_tensors(), {{"k", "v"}});
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 3000; ++trial) {
    std::string b = good;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % b.size();
      // Mostly hit the length and the header, where the structure is.
      if (rng() % 4 != 0) at = rng() % std::min<size_t>(b.size(), 8 + 600);
      const char pool[] = "0123456789[]{},:\"-eE. \xff";
      b[at] = rng() % 2 ? pool[rng() % (sizeof pool - 1)] : static_cast<char>(rng());
    }
    try {
      parse_safetensors(b.data(), b.size(), "fuzz.safetensors");
    } catch (const FormatError&) {
    }
  }
}

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "hangu/hangu.h"
#include "hangu/io/atomic_file.h"
#include "hangu/io/npy.h"
#include "test_util.h"

using namespace hangu;
using namespace hangu::io;
using namespace hangu::test_util;

namespace {

const std::string kFixtures = std::string(HANGU_FIXTURE_DIR) + "/io/npy/";

constexpr DType kNpyDTypes[] = {DType::boolean, DType::u8,  DType::i8,  DType::i16, DType::i32,
                                DType::i64,     DType::f16, DType::f32, DType::f64};

const Shape k234{2, 3, 4};

// A .npy file from a header dict text and data, padded as NumPy pads.
std::string make_npy(std::string dict, const std::string& data = "", int version = 1) {
  size_t prefix = version == 1 ? 10 : 12;
  dict.append(64 - (prefix + dict.size() + 1) % 64, ' ');
  dict += '\n';
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(version);
  out += '\0';
  uint32_t n = static_cast<uint32_t>(dict.size());
  out.append(reinterpret_cast<const char*>(&n), version == 1 ? 2 : 4);
  return out + dict + data;
}

// Parsing `bytes` must throw FormatError whose message names the file and contains `needle`.
void expect_format_error(const std::string& bytes, const std::string& needle) {
  expect_error_mentions<FormatError>([&] { parse_npy(bytes.data(), bytes.size(), "bad.npy"); }, {"bad.npy", needle});
}

std::string fixture_name(DType d, bool big_endian) {
  switch (d) {
    case DType::boolean:
      return "b1";
    case DType::u8:
      return "u1";
    case DType::i8:
      return "i1";
    default:
      break;
  }
  std::string code = d == DType::i16   ? "i2"
                     : d == DType::i32 ? "i4"
                     : d == DType::i64 ? "i8"
                     : d == DType::f16 ? "f2"
                     : d == DType::f32 ? "f4"
                                       : "f8";
  return (big_endian ? "be_" : "le_") + code;
}

}  // namespace

TEST(Npy, RoundTripEveryDType) {
  std::string dir = std::filesystem::temp_directory_path() / ("hangu_npy_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (DType d : kNpyDTypes) {
    for (const Shape& s : {k234, Shape{}, Shape{0, 3}, Shape{5}}) {
      Tensor t = expected_values(s, d);
      std::string bytes = serialize_npy(t);
      EXPECT_EQ(bytes.size() % 64, static_cast<size_t>(t.nbytes()) % 64);
      expect_same(parse_npy(bytes.data(), bytes.size(), "mem"), t);
      save_npy(dir + "/t.npy", t);
      expect_same(load_npy(dir + "/t.npy"), t);
    }
  }
  Tensor nc = transpose(expected_values(k234, DType::f32), 0, 2);
  std::string bytes = serialize_npy(nc);
  expect_same(parse_npy(bytes.data(), bytes.size(), "mem"), contiguous(nc));
  std::filesystem::remove_all(dir);
}

TEST(Npy, WritesWhatNumpyWrites) {
  for (DType d : kNpyDTypes)
    EXPECT_EQ(serialize_npy(expected_values(k234, d)), read_file(kFixtures + fixture_name(d, false) + ".npy"))
        << dtype_name(d);
  EXPECT_EQ(serialize_npy(expected_values(Shape{}, DType::f64)), read_file(kFixtures + "scalar_f8.npy"));
  EXPECT_EQ(serialize_npy(zeros({0, 3})), read_file(kFixtures + "empty_f4.npy"));
}

TEST(Npy, ReadsNumpyFiles) {
  for (DType d : kNpyDTypes) {
    expect_same(load_npy(kFixtures + fixture_name(d, false) + ".npy"), expected_values(k234, d));
    if (dtype_size(d) > 1) expect_same(load_npy(kFixtures + fixture_name(d, true) + ".npy"), expected_values(k234, d));
  }
  // Widening reads of the unsigned types.
  expect_same(load_npy(kFixtures + "le_u2.npy"), expected_values(k234, DType::i32));
  expect_same(load_npy(kFixtures + "le_u4.npy"), expected_values(k234, DType::i64));
  expect_same(load_npy(kFixtures + "le_u8.npy"), expected_values(k234, DType::i64));
  expect_same(load_npy(kFixtures + "fortran_f4.npy"), expected_values(k234, DType::f32));
  expect_same(load_npy(kFixtures + "fortran_be_i8.npy"), expected_values(k234, DType::i64));
  expect_same(load_npy(kFixtures + "v2_f4.npy"), expected_values(k234, DType::f32));
  expect_same(load_npy(kFixtures + "v3_f4.npy"), expected_values(k234, DType::f32));
  expect_same(load_npy(kFixtures + "scalar_f8.npy"), expected_values(Shape{}, DType::f64));
  expect_same(load_npy(kFixtures + "empty_f4.npy"), zeros({0, 3}));
}

TEST(Npy, RefusesUnsupportedDTypesNamingThem) {
  const std::pair<const char*, const char*> cases[] = {
      {"complex64.npy", "'<c8'"},
      {"unicode.npy", "'<U2'"},
      {"structured.npy", "[('x', '<f4')"},
      {"object.npy", "'|O'"},
      {"u8_too_large.npy", "9223372036854775808"},
  };
  for (const auto& [file, needle] : cases) {
    try {
      load_npy(kFixtures + file);
      ADD_FAILURE() << file;
    } catch (const FormatError& e) {
      std::string m = e.what();
      EXPECT_NE(m.find(file), std::string::npos) << m;
      EXPECT_NE(m.find(needle), std::string::npos) << m;
    }
  }
  try {
    serialize_npy(expected_values(Shape{2}, DType::bf16));
    ADD_FAILURE();
  } catch (const DTypeError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("bfloat16"), std::string::npos) << m;
    EXPECT_NE(m.find("float32"), std::string::npos) << m;
  }
}

TEST(Npy, EveryTruncationIsAFormatError) {
  std::string bytes = serialize_npy(expected_values(Shape{3, 2}, DType::f32));
  for (size_t k = 0; k < bytes.size(); ++k) {
    try {
      parse_npy(bytes.data(), k, "cut.npy");
      ADD_FAILURE() << "no error at length " << k;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find("cut.npy"), std::string::npos) << e.what();
    }
  }
  std::string path = std::filesystem::temp_directory_path() / ("hangu_cut_" + std::to_string(::getpid()) + ".npy");
  for (size_t k : {size_t{0}, size_t{3}, size_t{9}, size_t{60}, bytes.size() - 1}) {
    {
      std::ofstream f(path, std::ios::binary);
      f.write(bytes.data(), static_cast<std::streamsize>(k));
    }
    EXPECT_THROW(load_npy(path), FormatError) << k;
  }
  std::filesystem::remove(path);
  EXPECT_THROW(load_npy(path), IoError);
}

TEST(Npy, HostileHeaders) {
  const std::string f4 = "{'descr': '<f4', 'fortran_order': False, 'shape': ";
  std::string good = make_npy(f4 + "(2,), }", std::string(8, '\0'));
  ASSERT_NO_THROW(parse_npy(good.data(), good.size(), "ok"));
  std::string b = good;
  b[1] = 'X';
  expect_format_error(b, "magic string");
  b = good;
  b[6] = 4;
  expect_format_error(b, "format version");
  b = good;
  b[8] = '\xff';  // header length past the end
  expect_format_error(b, "the header");
  {
    std::string big = make_npy(f4 + "(2,), }", std::string(8, '\0'), 2);
    uint32_t n = 0x7fffffff;
    std::memcpy(big.data() + 8, &n, 4);
    expect_format_error(big, "header length");
  }
  expect_format_error(make_npy(f4 + "(2,), }", std::string(7, '\0')), "array data");
  expect_format_error(make_npy(f4 + "(2,), }", std::string(9, '\0')), "file size");
  expect_format_error(make_npy(f4 + "(-1,), }"), "shape");
  expect_format_error(make_npy(f4 + "(3), }", std::string(12, '\0')), "(3,)");
  expect_format_error(make_npy(f4 + "(2.0,), }"), "shape");
  expect_format_error(make_npy(f4 + "(99999999999999999999,), }"), "fit in int64");
  expect_format_error(make_npy(f4 + "(4294967296, 4294967296), }"), "overflows");
  expect_format_error(make_npy(f4 + "(2305843009213693952,), }"), "overflows");  // 2^61 * 4 bytes
  expect_format_error(make_npy(f4 + "(1099511627776,), }"), "array data");       // huge, not in the file
  {
    std::string dims;
    for (int i = 0; i < 65; ++i) dims += "1, ";
    expect_format_error(make_npy(f4 + "(" + dims + "), }", std::string(4, '\0')), "at most 64");
  }
  expect_format_error(make_npy("{'descr': '<f4', 'shape': (2,), }", std::string(8, '\0')), "'fortran_order'");
  expect_format_error(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}"), "'x'");
  expect_format_error(make_npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}"), "'descr'");
  expect_format_error(make_npy("{'descr': '<f4', 'fortran_order': maybe, 'shape': (2,)}"), "True or False");
  expect_format_error(make_npy("{'descr': '<c16', 'fortran_order': False, 'shape': (2,)}"), "'<c16'");
  expect_format_error(make_npy("{'descr': '|i4', 'fortran_order': False, 'shape': (2,)}"), "'|i4'");
  expect_format_error(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} junk"), "after the dict");
  expect_format_error(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,"), "shape");
  expect_format_error(make_npy("[1, 2]"), "'{'");
  expect_format_error(make_npy(std::string(200, '(')), "'{'");
  expect_format_error(make_npy("{'descr': '|b1', 'fortran_order': False, 'shape': (2,)}", std::string("\x01\x02", 2)),
                      "boolean byte 2");
}

TEST(Npy, ChineseMessage) {
  set_language(Lang::zh);
  std::string b = make_npy("{'descr': '<c8', 'fortran_order': False, 'shape': (2,)}", std::string(16, '\0'));
  expect_error_mentions<FormatError>([&] { parse_npy(b.data(), b.size(), "数据.npy"); },
                                     {"数据.npy", "不支持 NumPy 数据类型描述 '<c8'"});
  set_language(Lang::en);
}

TEST(Npy, RandomCorruptionsNeverCrash) {
  // Fixed seed: the same mutations every run. Each must parse or throw FormatError, nothing else.
  std::string good = serialize_npy(expected_values(Shape{3, 2}, DType::f32));
  std::string be = read_file(kFixtures + "fortran_be_i8.npy");
  std::mt19937 rng(99);
  for (int trial = 0; trial < 4000; ++trial) {
    std::string b = trial % 2 ? good : be;
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % std::min<size_t>(b.size(), 128);
      const char pool[] = "0123456789(),:'<>|=TFuifbc \n\xff";
      b[at] = rng() % 2 ? pool[rng() % (sizeof pool - 1)] : static_cast<char>(rng());
    }
    try {
      parse_npy(b.data(), b.size(), "fuzz.npy");
    } catch (const FormatError&) {
    }
  }
}

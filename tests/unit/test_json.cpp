#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "hangu/core/error.h"
#include "hangu/io/json.h"
#include "test_util.h"

using namespace hangu;
using namespace hangu::io;
using namespace hangu::test_util;

namespace {

Json parse(std::string_view s) { return Json::parse(s, "test.json"); }

void expect_error(std::string_view text, const std::string& needle) {
  SCOPED_TRACE(std::string(text.substr(0, 80)));
  expect_error_mentions<FormatError>([&] { parse(text); }, {"test.json", needle});
}

}  // namespace

TEST(Json, ParsesEveryKind) {
  Json j = parse(R"( {"n": null, "t": true, "f": false, "i": -42, "d": 2.5e-1, "s": "hi",
                     "a": [1, [2], {}], "o": {"z": 1, "a": 2}} )");
  ASSERT_TRUE(j.is_object());
  EXPECT_TRUE(j.find("n")->is_null());
  EXPECT_TRUE(j.find("t")->as_bool());
  EXPECT_FALSE(j.find("f")->as_bool());
  EXPECT_EQ(j.find("i")->as_int(), -42);
  EXPECT_EQ(j.find("d")->as_double(), 0.25);
  EXPECT_EQ(j.find("s")->as_string(), "hi");
  EXPECT_EQ(j.find("a")->size(), 3u);
  EXPECT_EQ(j.find("missing"), nullptr);
  // Key order is kept.
  const Json::Object& o = j.find("o")->as_object();
  EXPECT_EQ(o[0].first, "z");
  EXPECT_EQ(o[1].first, "a");
  EXPECT_THROW(j.find("s")->as_int(), FormatError);
}

TEST(Json, IntegersStayExact) {
  Json j = parse("[9223372036854775807, -9223372036854775808, 9007199254740993, 1.0, 9223372036854775808]");
  const Json::Array& a = j.as_array();
  EXPECT_EQ(a[0].as_int(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(a[1].as_int(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(a[2].as_int(), 9007199254740993);  // not representable as a double
  EXPECT_FALSE(a[3].is_int());
  EXPECT_FALSE(a[4].is_int());  // past int64: a double
  EXPECT_EQ(a[4].as_double(), 9223372036854775808.0);
  EXPECT_EQ(j.dump(), "[9223372036854775807,-9223372036854775808,9007199254740993,1.0,9223372036854775808.0]");
}

TEST(Json, StringsAndEscapes) {
  Json j = parse(R"(["a\"b\\c\/d\b\f\n\r\t", "\u00e9\u4e2d", "\ud83d\ude00", "中文😀"])");
  const Json::Array& a = j.as_array();
  EXPECT_EQ(a[0].as_string(), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(a[1].as_string(), "\xc3\xa9\xe4\xb8\xad");
  EXPECT_EQ(a[2].as_string(), "\xf0\x9f\x98\x80");
  EXPECT_EQ(a[3].as_string(), "中文😀");
  EXPECT_EQ(Json(std::string("x\x01\x1f\x7fy\n")).dump(), "\"x\\u0001\\u001f\\u007fy\\n\"");
  // dump then parse gives the value back.
  EXPECT_EQ(parse(j.dump()), j);
}

TEST(Json, BuildAndDump) {
  Json j;
  j["name"] = "hangu";
  j["shape"].push_back(2);
  j["shape"].push_back(int64_t{3});
  j["ok"] = true;
  j["none"] = nullptr;
  j["x"] = 0.5;
  EXPECT_EQ(j.dump(), R"({"name":"hangu","shape":[2,3],"ok":true,"none":null,"x":0.5})");
  EXPECT_EQ(parse(j.dump()), j);
  EXPECT_THROW(Json(std::nan("")).dump(), ValueError);
  EXPECT_THROW(Json(HUGE_VAL).dump(), ValueError);
}

TEST(Json, RejectsBadText) {
  expect_error("", "a JSON value");
  expect_error("{", "'\"' starting an object key");
  expect_error("[1,]", "a JSON value");
  expect_error("[1 2]", "',' or ']'");
  expect_error("{\"a\" 1}", "':'");
  expect_error("{\"a\":1,}", "object key");
  expect_error("01", "end of input");
  expect_error("1.", "a digit");
  expect_error("-", "a digit");
  expect_error("1e", "a digit");
  expect_error("+1", "a JSON value");
  expect_error("NaN", "a JSON value");
  expect_error("1e999", "range of a double");
  expect_error("tru", "a JSON value");
  expect_error("\"abc", "closing the string");
  expect_error("\"a\tb\"", "control character");
  expect_error(R"("\x")", "one of");
  expect_error(R"("\u12")", "hex");
  expect_error(R"("\ud800")", "low surrogate");
  expect_error(R"("\ud800\u0041")", "low surrogate");
  expect_error(R"("\udc00")", "lone low surrogate");
  expect_error("\"\xc0\xaf\"", "UTF-8");          // overlong
  expect_error("\"\xed\xa0\x80\"", "UTF-8");      // encoded surrogate
  expect_error("\"\xf4\x90\x80\x80\"", "UTF-8");  // past U+10FFFF
  expect_error("\"\xe4\xb8\"", "UTF-8");          // cut sequence
  expect_error("{\"a\":1,\"a\":2}", "duplicate JSON object key 'a'");
  expect_error("[1] x", "end of input");
  expect_error(std::string_view("[1]\0", 4), "end of input");
}

TEST(Json, ErrorsGiveTheByteOffset) {
  try {
    parse("[1, 2, x]");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("byte offset 7"), std::string::npos) << e.what();
  }
}

TEST(Json, NestingIsCapped) {
  std::string ok = std::string(64, '[') + std::string(64, ']');
  EXPECT_NO_THROW(parse(ok));
  std::string deep = std::string(65, '[') + std::string(65, ']');
  expect_error(deep, "deeper than 64");
  // Far deeper than the stack could take without the cap.
  expect_error(std::string(1000000, '['), "deeper than 64");
  expect_error(std::string(100000, '{'), "");
  EXPECT_THROW(Json::parse("[[[1]]]", "x", 2), FormatError);
}

TEST(Json, ChineseMessage) {
  set_language(Lang::zh);
  expect_error("[1,", "字节偏移 3 处的 JSON 无效");
  set_language(Lang::en);
}

// Byte-level BPE tokenizer (issue 6): exact token ids against the reference of
// tools/gen_tokenizer_fixtures.py (GPT-2's encoder.py algorithm with the patterns run by Python's re),
// round trips, special tokens, NFC against Python's unicodedata, and the errors of hostile files.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "hangu/core/error.h"
#include "hangu/io/atomic_file.h"
#include "hangu/io/json.h"
#include "hangu/text/bpe_tokenizer.h"
#include "hangu/text/byte_level.h"
#include "hangu/text/pre_tokenizer.h"
#include "hangu/text/unicode.h"

namespace fs = std::filesystem;
using hangu::io::Json;
using hangu::text::BpeTokenizer;

namespace {

const fs::path kDir = fs::path(HANGU_FIXTURE_DIR) / "tokenizer";

std::string read(const fs::path& p) { return hangu::io::read_file(p.string()); }

std::map<std::string, std::string> python_nfc() {
  std::map<std::string, std::string> m;
  const Json cases = Json::parse(read(kDir / "nfc_cases.json"), "nfc_cases.json");
  for (const Json& c : cases.as_array()) m[c.as_array()[0].as_string()] = c.as_array()[1].as_string();
  return m;
}

std::vector<int64_t> ids_of(const Json& j) {
  std::vector<int64_t> v;
  for (const Json& x : j.as_array()) v.push_back(x.as_int());
  return v;
}

void check_style(const std::string& style) {
  const BpeTokenizer tok = BpeTokenizer::from_file((kDir / style / "tokenizer.json").string());
  const Json ref = Json::parse(read(kDir / style / "reference.json"), "reference.json");
  const std::map<std::string, std::string> nfc = python_nfc();
  ASSERT_GE(ref.find("cases")->size(), 8u);
  for (const Json& c : ref.find("cases")->as_array()) {
    const std::string& text = c.find("text")->as_string();
    const std::vector<int64_t> want = ids_of(*c.find("ids"));
    const std::vector<int64_t> got = tok.encode(text);
    EXPECT_EQ(got, want) << style << ": " << text;
    // Decoding gives the text back (its NFC form where the tokenizer normalizes).
    const bool normalizes = tok.normalizes_nfc() && nfc.count(text);
    EXPECT_EQ(tok.decode(got), normalizes ? nfc.at(text) : text) << style;
    // The scanners split like the reference regex (texts without added tokens).
    if (text.find("<|") == std::string::npos) {
      const std::string norm = normalizes ? nfc.at(text) : text;
      const auto pieces = tok.pre_tokenizer() == hangu::text::PreTokenizerKind::qwen2 ? hangu::text::split_qwen2(norm)
                                                                                      : hangu::text::split_gpt2(norm);
      std::vector<std::string> got_pieces;
      for (const auto& p : pieces) got_pieces.push_back(norm.substr(p.first, p.second - p.first));
      std::vector<std::string> want_pieces;
      for (const Json& p : c.find("pieces")->as_array()) want_pieces.push_back(p.as_string());
      EXPECT_EQ(got_pieces, want_pieces) << style << ": " << text;
    }
  }
}

}  // namespace

TEST(Tokenizer, Gpt2StyleMatchesTheReferenceIds) { check_style("gpt2_style"); }
TEST(Tokenizer, Qwen2StyleMatchesTheReferenceIds) { check_style("qwen2_style"); }

TEST(Tokenizer, LoadsBothStylesAsConfigured) {
  const BpeTokenizer g = BpeTokenizer::from_file((kDir / "gpt2_style" / "tokenizer.json").string());
  const BpeTokenizer q = BpeTokenizer::from_file((kDir / "qwen2_style" / "tokenizer.json").string());
  EXPECT_EQ(g.pre_tokenizer(), hangu::text::PreTokenizerKind::gpt2);
  EXPECT_EQ(q.pre_tokenizer(), hangu::text::PreTokenizerKind::qwen2);
  EXPECT_FALSE(g.normalizes_nfc());
  EXPECT_TRUE(q.normalizes_nfc());
  // Vocabulary sizes from the files: the highest id + 1.
  const Json gj = Json::parse(read(kDir / "gpt2_style" / "tokenizer.json"), "g");
  EXPECT_EQ(g.vocab_size(), static_cast<int64_t>(gj.find("model")->find("vocab")->size()));
  const Json qj = Json::parse(read(kDir / "qwen2_style" / "tokenizer.json"), "q");
  const int64_t q_last = qj.find("added_tokens")->as_array().back().find("id")->as_int();
  EXPECT_EQ(q.vocab_size(), q_last + 1);
}

TEST(Tokenizer, SpecialTokens) {
  const BpeTokenizer q = BpeTokenizer::from_file((kDir / "qwen2_style" / "tokenizer.json").string());
  const Json qj = Json::parse(read(kDir / "qwen2_style" / "tokenizer.json"), "q");
  for (const Json& a : qj.find("added_tokens")->as_array()) {
    const std::string& content = a.find("content")->as_string();
    const int64_t id = a.find("id")->as_int();
    EXPECT_EQ(q.token_id(content), id);
    EXPECT_TRUE(q.is_special(id));
    EXPECT_EQ(q.id_to_token(id), content);
    EXPECT_EQ(q.encode(content), std::vector<int64_t>{id});
    EXPECT_EQ(q.decode({id}), content);
  }
  // An ordinary token is not special; a byte-level token is found by its spelling.
  const auto a = q.token_id("a");
  ASSERT_TRUE(a.has_value());
  EXPECT_FALSE(q.is_special(*a));
  EXPECT_EQ(q.token_bytes(*a), "a");
  const auto space = q.token_id("\xC4\xA0");  // "Ġ" spells the byte 0x20
  ASSERT_TRUE(space.has_value());
  EXPECT_EQ(q.token_bytes(*space), " ");
  EXPECT_FALSE(q.token_id("no such token").has_value());
  EXPECT_FALSE(q.id_to_token(q.vocab_size()).has_value());
  // GPT-2 keeps <|endoftext|> in the vocabulary and in added_tokens under one id.
  const BpeTokenizer g = BpeTokenizer::from_file((kDir / "gpt2_style" / "tokenizer.json").string());
  const auto eot = g.token_id("<|endoftext|>");
  ASSERT_TRUE(eot.has_value());
  EXPECT_EQ(*eot, g.vocab_size() - 1);
  EXPECT_TRUE(g.is_special(*eot));
}

TEST(Tokenizer, InvalidUtf8SurvivesAsBytes) {
  const BpeTokenizer g = BpeTokenizer::from_file((kDir / "gpt2_style" / "tokenizer.json").string());
  const std::string text = "ok \xFF\xFE caf\xC3 \xE4\xB8 \xF0\x9F\x98 end";
  std::string bytes;
  for (int64_t id : g.encode(text)) bytes += g.token_bytes(id);
  EXPECT_EQ(bytes, text);
  // decode repairs it like Rust's from_utf8_lossy: one U+FFFD per maximal invalid subpart (the
  // expected string is Python's bytes.decode('utf-8', 'replace') of the same bytes).
  EXPECT_EQ(g.decode(g.encode(text)), hangu::text::utf8_lossy(text));
  EXPECT_EQ(hangu::text::utf8_lossy(text), "ok \xEF\xBF\xBD\xEF\xBF\xBD caf\xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD end");
}

TEST(Tokenizer, NfcMatchesPython) {
  for (const auto& [in, want] : python_nfc()) EXPECT_EQ(hangu::text::nfc(in), want) << in;
}

// --- hostile files -------------------------------------------------------------------------------

namespace {

// A minimal valid byte-level tokenizer: the 256 byte tokens and one merge ("a", "b").
Json minimal() {
  Json vocab = Json::object();
  for (int b = 0; b < 256; ++b) vocab[hangu::text::byte_level_spelling(std::string(1, static_cast<char>(b)))] = b;
  vocab["ab"] = 256;
  Json model = Json::object();
  model["type"] = "BPE";
  model["vocab"] = vocab;
  model["merges"] = Json(Json::Array{Json("a b")});
  Json root = Json::object();
  root["model"] = model;
  Json pt = Json::object();
  pt["type"] = "ByteLevel";
  root["pre_tokenizer"] = pt;
  return root;
}

template <typename E>
std::string error_of(const std::string& json) {
  hangu::set_language(hangu::Lang::en);
  try {
    (void)BpeTokenizer::from_json(json, "x.json");
  } catch (const E& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST(TokenizerErrors, MinimalFileLoads) {
  const BpeTokenizer t = BpeTokenizer::from_json(minimal().dump(), "x.json");
  EXPECT_EQ(t.vocab_size(), 257);
  EXPECT_EQ(t.encode("abc"), (std::vector<int64_t>{256, 'c'}));
}

TEST(TokenizerErrors, MessagesNameTheFileAndTheField) {
  EXPECT_EQ(error_of<hangu::FormatError>("[]"), "x.json: field '(root)' is missing or is not an object");
  EXPECT_EQ(error_of<hangu::FormatError>("{}"), "x.json: field 'model' is missing or is not an object");
  EXPECT_EQ(error_of<hangu::FormatError>("{\"model\": 3"),
            "x.json: invalid JSON at byte offset 11: expected ',' or '}', got end of input");
  Json j = minimal();
  j["model"]["merges"].push_back(Json("a zz"));
  EXPECT_EQ(error_of<hangu::FormatError>(j.dump()), "x.json: field 'model.merges' entry 1: token 'zz' is not in model.vocab");
  j = minimal();
  j["model"]["merges"].push_back(Json("b a"));
  EXPECT_EQ(error_of<hangu::FormatError>(j.dump()), "x.json: field 'model.merges' entry 1: token 'ba' is not in model.vocab");
  j = minimal();
  j["model"]["merges"].push_back(Json("nospace"));
  EXPECT_EQ(error_of<hangu::FormatError>(j.dump()),
            "x.json: field 'model.merges' entry 1: expected \"a b\" or [\"a\", \"b\"], got nospace");
  j = minimal();
  j["model"]["vocab"]["zz"] = int64_t{1} << 40;
  EXPECT_EQ(error_of<hangu::FormatError>(j.dump()),
            "x.json: field 'model.vocab': token 'zz' has id 1099511627776, outside [0, 4194304)");
  j = minimal();
  j["model"]["vocab"]["zz"] = -1;
  EXPECT_EQ(error_of<hangu::FormatError>(j.dump()), "x.json: field 'model.vocab': token 'zz' has id -1, outside [0, 4194304)");
  j = minimal();
  j["model"]["vocab"]["zz"] = 3;
  // Byte 0x03 is spelled U+0103 in the byte-level alphabet.
  EXPECT_EQ(error_of<hangu::FormatError>(j.dump()), "x.json: field 'model.vocab': id 3 is given to both '\xC4\x83' and 'zz'");
  j = minimal();
  j["model"]["vocab"]["zz"] = "seven";
  EXPECT_EQ(error_of<hangu::FormatError>(j.dump()), "x.json: field 'model.vocab['zz']' is missing or is not an integer");
  j = minimal();
  j["model"]["vocab"][""] = 300;
  EXPECT_EQ(error_of<hangu::FormatError>(j.dump()), "x.json: field 'model.vocab': a token is the empty string");
  j = minimal();
  j["model"]["vocab"] = Json::object();
  j["model"]["vocab"]["a"] = 0;
  EXPECT_EQ(error_of<hangu::FormatError>(j.dump()),
            "x.json: field 'model.vocab' lacks the token of byte 0x00 (spelled '\xC4\x80'); a byte-level BPE vocabulary holds all 256");
  j = minimal();
  j["added_tokens"] = Json(Json::Array{Json::object()});
  EXPECT_EQ(error_of<hangu::FormatError>(j.dump()), "x.json: field 'added_tokens[].id' is missing or is not an integer");
  j = minimal();
  j["model"]["merges"] = Json::object();
  EXPECT_EQ(error_of<hangu::FormatError>(j.dump()), "x.json: field 'model.merges' is missing or is not an array");
}

TEST(TokenizerErrors, UnsupportedConfigurationsSaySo) {
  Json j = minimal();
  j["model"]["type"] = "WordPiece";
  EXPECT_EQ(error_of<hangu::Unsupported>(j.dump()), "x.json: field 'model.type' = WordPiece is not supported (supported: BPE)");
  j = minimal();
  j["normalizer"] = Json::object();
  j["normalizer"]["type"] = "Lowercase";
  EXPECT_EQ(error_of<hangu::Unsupported>(j.dump()),
            "x.json: field 'normalizer.type' = Lowercase is not supported (supported: NFC, Sequence of NFC, null)");
  j = minimal();
  j["pre_tokenizer"]["type"] = "Whitespace";
  EXPECT_EQ(error_of<hangu::Unsupported>(j.dump()),
            "x.json: field 'pre_tokenizer.type' = Whitespace is not supported (supported: ByteLevel, Sequence)");
  // A Split with a pattern the scanners do not implement.
  Json q = Json::parse(read(kDir / "qwen2_style" / "tokenizer.json"), "q");
  q["pre_tokenizer"]["pretokenizers"].as_array()[0]["pattern"]["Regex"] = "\\p{L}+";
  EXPECT_EQ(error_of<hangu::Unsupported>(q.dump()),
            "x.json: field 'pre_tokenizer.pretokenizers[0].pattern.Regex' = \\p{L}+ is not supported "
            "(supported: the GPT-2 and Qwen2 patterns)");
}

TEST(TokenizerErrors, DecodeAndFileErrors) {
  hangu::set_language(hangu::Lang::en);
  const BpeTokenizer t = BpeTokenizer::from_json(minimal().dump(), "x.json");
  try {
    (void)t.decode({1, 257});
    ADD_FAILURE() << "accepted";
  } catch (const hangu::IndexError& e) {
    EXPECT_EQ(std::string(e.what()), "decode: token id 257 is outside the vocabulary [0, 257)");
  }
  EXPECT_THROW((void)t.decode({-1}), hangu::IndexError);
  EXPECT_THROW((void)BpeTokenizer::from_file((kDir / "no_such_dir" / "tokenizer.json").string()), hangu::IoError);
}

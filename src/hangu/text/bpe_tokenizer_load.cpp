// Loading a tokenizer.json. The file is untrusted: every field is checked for its type, every size
// is capped before anything is allocated from it, and each failure names the file and the field.
#include <algorithm>
#include <filesystem>
#include <system_error>

#include "hangu/core/error.h"
#include "hangu/io/atomic_file.h"
#include "hangu/io/json.h"
#include "hangu/text/bpe_tokenizer.h"
#include "hangu/text/byte_level.h"

namespace hangu::text {
namespace {

using io::Json;

// Caps: Qwen2's tokenizer.json is 7 MB with 151,643 tokens and 151,387 merges.
constexpr int64_t kMaxFileBytes = int64_t{256} << 20;
constexpr int64_t kMaxIds = int64_t{1} << 22;  // ids in [0, kMaxIds): index_of_id_ stays <= 16 MB
constexpr int64_t kMaxMerges = int64_t{1} << 22;
constexpr int64_t kMaxAdded = int64_t{1} << 16;
constexpr int64_t kMaxTokenBytes = 4096;

// The patterns of tokenizer.json "Split" pre-tokenizers that the scanners of pre_tokenizer.h implement.
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
constexpr std::string_view kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Shortens a hostile string for an error message.
std::string clip(std::string_view s) { return s.size() <= 64 ? std::string(s) : std::string(s.substr(0, 64)) + "..."; }

struct Ctx {
  const std::string& name;

  [[noreturn]] void missing(const std::string& field, const char* what) const {
    throw FormatError(MsgId::tok_field_missing, name, field, what);
  }
  [[noreturn]] void unsupported(const std::string& field, const std::string& value, const char* supported) const {
    throw Unsupported(MsgId::tok_field_unsupported, name, field, clip(value), supported);
  }
  const Json& object(const Json& parent, const char* key, const std::string& field) const {
    const Json* v = parent.find(key);
    if (!v || !v->is_object()) missing(field, "an object");
    return *v;
  }
  // A string member; `fallback` when absent (nullptr: required).
  std::string string_or(const Json& obj, const char* key, const std::string& field, const char* fallback) const {
    const Json* v = obj.find(key);
    if (!v && fallback) return fallback;
    if (!v || !v->is_string()) missing(field, "a string");
    return v->as_string();
  }
  bool bool_or(const Json& obj, const char* key, const std::string& field, bool fallback) const {
    const Json* v = obj.find(key);
    if (!v || v->is_null()) return fallback;
    if (!v->is_bool()) missing(field, "a boolean");
    return v->as_bool();
  }
  void check_token(const std::string& field, const std::string& token) const {
    if (token.empty()) throw FormatError(MsgId::tok_empty_token, name, field);
    if (static_cast<int64_t>(token.size()) > kMaxTokenBytes)
      throw FormatError(MsgId::tok_token_too_long, name, field, token.size(), kMaxTokenBytes);
  }
  void check_count(const std::string& field, size_t n, int64_t cap) const {
    if (static_cast<int64_t>(n) > cap) throw FormatError(MsgId::tok_too_many, name, field, n, cap);
  }
  int64_t id_of(const Json& v, const std::string& field, const std::string& token) const {
    if (!v.is_int()) missing(field + "['" + clip(token) + "']", "an integer");
    const int64_t id = v.as_int();
    if (id < 0 || id >= kMaxIds) throw FormatError(MsgId::tok_bad_id, name, field, clip(token), id, kMaxIds);
    return id;
  }
};

// A ByteLevel pre-tokenizer object: returns use_regex; add_prefix_space goes to *prefix.
bool read_byte_level(const Ctx& c, const Json& pt, const std::string& field, bool* prefix) {
  *prefix = c.bool_or(pt, "add_prefix_space", field + ".add_prefix_space", false);
  return c.bool_or(pt, "use_regex", field + ".use_regex", true);
}

}  // namespace

BpeTokenizer BpeTokenizer::from_file(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > static_cast<uintmax_t>(kMaxFileBytes))
    throw FormatError(MsgId::tok_file_too_large, path, static_cast<int64_t>(size), kMaxFileBytes);
  const std::string text = io::read_file(path);  // raises IoError naming the path
  return from_json(text, path);
}

BpeTokenizer BpeTokenizer::from_json(std::string_view json_text, const std::string& name) {
  const Ctx c{name};
  if (static_cast<int64_t>(json_text.size()) > kMaxFileBytes)
    throw FormatError(MsgId::tok_file_too_large, name, static_cast<int64_t>(json_text.size()), kMaxFileBytes);
  const Json root = Json::parse(json_text, name);
  if (!root.is_object()) c.missing("(root)", "an object");
  BpeTokenizer t;

  // model: BPE with a vocabulary and its merges.
  const Json& model = c.object(root, "model", "model");
  const std::string type = c.string_or(model, "type", "model.type", "BPE");
  if (type != "BPE") c.unsupported("model.type", type, "BPE");
  if (c.bool_or(model, "byte_fallback", "model.byte_fallback", false))
    c.unsupported("model.byte_fallback", "true", "false");
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    const Json* v = model.find(key);
    if (v && !v->is_null() && !(v->is_string() && v->as_string().empty()))
      c.unsupported(std::string("model.") + key, v->is_string() ? v->as_string() : v->dump(), "null or \"\"");
  }
  if (const Json* v = model.find("dropout"); v && !v->is_null())
    c.unsupported("model.dropout", v->dump(), "null");
  t.ignore_merges_ = c.bool_or(model, "ignore_merges", "model.ignore_merges", false);

  const Json& vocab = c.object(model, "vocab", "model.vocab");
  c.check_count("model.vocab", vocab.size(), kMaxIds);
  int64_t max_id = -1;
  std::vector<std::pair<int64_t, const std::string*>> entries;  // (id, spelling)
  entries.reserve(vocab.size());
  for (const auto& [spelling, v] : vocab.as_object()) {
    c.check_token("model.vocab", spelling);
    const int64_t id = c.id_of(v, "model.vocab", spelling);
    entries.emplace_back(id, &spelling);
    max_id = std::max(max_id, id);
  }

  const Json* added_json = root.find("added_tokens");
  if (added_json && !added_json->is_null() && !added_json->is_array()) c.missing("added_tokens", "an array");
  const bool has_added = added_json && added_json->is_array();
  if (has_added) {
    c.check_count("added_tokens", added_json->size(), kMaxAdded);
    for (const Json& a : added_json->as_array()) {
      if (!a.is_object()) c.missing("added_tokens[]", "an object");
      const Json* id = a.find("id");
      if (!id) c.missing("added_tokens[].id", "an integer");
      max_id = std::max(max_id, c.id_of(*id, "added_tokens", c.string_or(a, "content", "added_tokens[].content", nullptr)));
    }
  }
  t.index_of_id_.assign(static_cast<size_t>(max_id + 1), -1);
  const auto claim = [&](int64_t id, const std::string& field, const std::string& spelling) -> Token& {
    int32_t& slot = t.index_of_id_[static_cast<size_t>(id)];
    if (slot >= 0) throw FormatError(MsgId::tok_duplicate_id, name, field, id, clip(t.tokens_[static_cast<size_t>(slot)].spelling), clip(spelling));
    slot = static_cast<int32_t>(t.tokens_.size());
    t.tokens_.emplace_back();
    t.tokens_.back().used = true;
    return t.tokens_.back();
  };
  t.tokens_.reserve(entries.size());
  t.vocab_.reserve(entries.size());
  for (const auto& [id, spelling] : entries) {
    Token& tok = claim(id, "model.vocab", *spelling);
    tok.spelling = *spelling;
    // A spelling outside the byte-level alphabet stands for its own UTF-8 bytes (as the decoder reads it).
    if (!byte_level_bytes(*spelling, &tok.bytes)) tok.bytes = *spelling;
    t.vocab_.emplace(*spelling, id);
    t.bytes_to_id_.emplace(tok.bytes, id);
  }
  for (int b = 0; b < 256; ++b) {
    const std::string one(1, static_cast<char>(b));
    const auto it = t.vocab_.find(byte_level_spelling(one));
    if (it == t.vocab_.end()) {
      static const char* hex = "0123456789ABCDEF";
      throw FormatError(MsgId::tok_byte_missing, name, std::string{hex[b >> 4], hex[b & 15]}, byte_level_spelling(one));
    }
    t.byte_token_[b] = it->second;
  }

  const Json* merges = model.find("merges");
  if (!merges || !merges->is_array()) c.missing("model.merges", "an array");
  c.check_count("model.merges", merges->size(), kMaxMerges);
  t.merges_.reserve(merges->size());
  int64_t rank = 0;
  for (const Json& m : merges->as_array()) {
    std::string a, b;
    if (m.is_string() && m.as_string().find(' ') != std::string::npos) {
      const std::string& s = m.as_string();
      const size_t sp = s.find(' ');
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else if (m.is_array() && m.size() == 2 && m.as_array()[0].is_string() && m.as_array()[1].is_string()) {
      a = m.as_array()[0].as_string();
      b = m.as_array()[1].as_string();
    } else {
      throw FormatError(MsgId::tok_merge_malformed, name, rank, clip(m.is_string() ? m.as_string() : m.dump()));
    }
    const auto find = [&](const std::string& s) {
      const auto it = t.vocab_.find(s);
      if (it == t.vocab_.end()) throw FormatError(MsgId::tok_merge_unknown, name, rank, clip(s));
      return it->second;
    };
    const int64_t ia = find(a), ib = find(b), merged = find(a + b);
    // A repeated pair keeps its last rank, as Hugging Face and GPT-2's encoder.py do.
    t.merges_[(static_cast<uint64_t>(ia) << 32) | static_cast<uint64_t>(ib)] = {rank, merged};
    ++rank;
  }

  // added_tokens: matched in the raw text before anything else, longest first.
  if (has_added) {
    for (const Json& a : added_json->as_array()) {
      const std::string content = c.string_or(a, "content", "added_tokens[].content", nullptr);
      c.check_token("added_tokens", content);
      for (const char* key : {"single_word", "lstrip", "rstrip"})
        if (c.bool_or(a, key, std::string("added_tokens[].") + key, false))
          c.unsupported(std::string("added_tokens['") + clip(content) + "']." + key, "true", "false");
      const int64_t id = a.find("id")->as_int();
      const bool special = c.bool_or(a, "special", "added_tokens[].special", false);
      int32_t slot = t.index_of_id_[static_cast<size_t>(id)];
      if (slot >= 0) {
        // The same token in model.vocab (GPT-2's <|endoftext|>) is fine; another one is not.
        Token& tok = t.tokens_[static_cast<size_t>(slot)];
        if (tok.spelling != content || tok.special)
          throw FormatError(MsgId::tok_duplicate_id, name, "added_tokens", id, clip(tok.spelling), clip(content));
        tok.special = special;
      } else {
        Token& tok = claim(id, "added_tokens", content);
        tok.spelling = content;
        // The ByteLevel decoder maps a token through the alphabet when it can, else keeps its bytes.
        if (!byte_level_bytes(content, &tok.bytes)) tok.bytes = content;
        tok.special = special;
      }
      t.added_.push_back({content, id});
    }
    std::stable_sort(t.added_.begin(), t.added_.end(),
                     [](const AddedToken& x, const AddedToken& y) { return x.content.size() > y.content.size(); });
    t.added_by_first_byte_.assign(256, {});
    for (size_t i = 0; i < t.added_.size(); ++i)
      t.added_by_first_byte_[static_cast<uint8_t>(t.added_[i].content[0])].push_back(static_cast<uint32_t>(i));
  }

  // normalizer: none, NFC, or a Sequence of NFC.
  if (const Json* n = root.find("normalizer"); n && !n->is_null()) {
    if (!n->is_object()) c.missing("normalizer", "an object or null");
    const std::string nt = c.string_or(*n, "type", "normalizer.type", nullptr);
    if (nt == "NFC") {
      t.nfc_ = true;
    } else if (nt == "Sequence") {
      const Json* list = n->find("normalizers");
      if (!list || !list->is_array()) c.missing("normalizer.normalizers", "an array");
      for (const Json& e : list->as_array()) {
        if (!e.is_object()) c.missing("normalizer.normalizers[]", "an object");
        const std::string et = c.string_or(e, "type", "normalizer.normalizers[].type", nullptr);
        if (et != "NFC") c.unsupported("normalizer.normalizers[].type", et, "NFC");
        t.nfc_ = true;
      }
    } else {
      c.unsupported("normalizer.type", nt, "NFC, Sequence of NFC, null");
    }
  }

  // pre_tokenizer: ByteLevel, or Sequence[Split(known pattern), ByteLevel(use_regex=false)].
  const Json* pt = root.find("pre_tokenizer");
  if (!pt || !pt->is_object()) c.missing("pre_tokenizer", "an object (ByteLevel or Sequence)");
  const std::string pt_type = c.string_or(*pt, "type", "pre_tokenizer.type", nullptr);
  if (pt_type == "ByteLevel") {
    t.pre_ = read_byte_level(c, *pt, "pre_tokenizer", &t.add_prefix_space_) ? PreTokenizerKind::gpt2 : PreTokenizerKind::none;
  } else if (pt_type == "Sequence") {
    const Json* list = pt->find("pretokenizers");
    if (!list || !list->is_array()) c.missing("pre_tokenizer.pretokenizers", "an array");
    const Json::Array& steps = list->as_array();
    const std::string last = "pre_tokenizer.pretokenizers[" + std::to_string(steps.empty() ? 0 : steps.size() - 1) + "]";
    if (steps.empty() || steps.size() > 2 || !steps.back().is_object() ||
        c.string_or(steps.back(), "type", last + ".type", "") != "ByteLevel")
      c.unsupported("pre_tokenizer.pretokenizers", list->dump(), "[Split, ByteLevel] or [ByteLevel]");
    bool prefix = false;
    const bool regex = read_byte_level(c, steps.back(), last, &prefix);
    t.pre_ = regex ? PreTokenizerKind::gpt2 : PreTokenizerKind::none;
    t.add_prefix_space_ = prefix;
    if (steps.size() == 2) {
      const Json& split = steps[0];
      const std::string f = "pre_tokenizer.pretokenizers[0]";
      if (!split.is_object() || c.string_or(split, "type", f + ".type", "") != "Split")
        c.unsupported(f, split.dump(), "Split");
      if (regex || prefix) c.unsupported(last, steps.back().dump(), "ByteLevel with use_regex and add_prefix_space false after a Split");
      const Json& pattern = c.object(split, "pattern", f + ".pattern");
      const std::string re = c.string_or(pattern, "Regex", f + ".pattern.Regex", nullptr);
      if (re == kQwen2Pattern) t.pre_ = PreTokenizerKind::qwen2;
      else if (re == kGpt2Pattern) t.pre_ = PreTokenizerKind::gpt2;
      else c.unsupported(f + ".pattern.Regex", re, "the GPT-2 and Qwen2 patterns");
      const std::string behavior = c.string_or(split, "behavior", f + ".behavior", "Isolated");
      if (behavior != "Isolated") c.unsupported(f + ".behavior", behavior, "Isolated");
      if (c.bool_or(split, "invert", f + ".invert", false)) c.unsupported(f + ".invert", "true", "false");
    }
  } else {
    c.unsupported("pre_tokenizer.type", pt_type, "ByteLevel, Sequence");
  }

  if (const Json* d = root.find("decoder"); d && !d->is_null()) {
    if (!d->is_object()) c.missing("decoder", "an object or null");
    const std::string dt = c.string_or(*d, "type", "decoder.type", nullptr);
    if (dt != "ByteLevel") c.unsupported("decoder.type", dt, "ByteLevel");
  }
  return t;
}

}  // namespace hangu::text

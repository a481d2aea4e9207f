#pragma once
// Byte-level BPE tokenizer loaded from a Hugging Face tokenizer.json (GPT-2 and Qwen2 styles).
//
// Supported: model.type "BPE" with model.vocab and model.merges (both the "a b" string form and
// the ["a", "b"] pair form), added_tokens (matched in the raw text before pre-tokenization, longest
// first), the pre-tokenizers ByteLevel (GPT-2 pattern) and Sequence[Split(Qwen2 pattern),
// ByteLevel(use_regex=false)], the normalizer NFC (full NFC, text/unicode.h) and the decoder
// ByteLevel. The file is untrusted: sizes are capped and every malformed field raises FormatError
// naming the file and the field; a valid setting outside this list raises Unsupported.
// Not done: the post_processor is ignored (GPT-2 and Qwen2 add no tokens there), added tokens are
// always matched in the raw text (also those marked "normalized"), decode keeps special tokens.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hangu::text {

// Which pre-tokenizer pattern splits the text into words before BPE.
enum class PreTokenizerKind : uint8_t {
  gpt2,   // ByteLevel(use_regex=true): 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  qwen2,  // Split with the Qwen2 pattern, then ByteLevel(use_regex=false)
  none,   // the whole text (between added tokens) is one word
};

class BpeTokenizer {
 public:
  static BpeTokenizer from_file(const std::string& path);
  // `name` names the source in error messages (a path, "<memory>" ...).
  static BpeTokenizer from_json(std::string_view json_text, const std::string& name);

  std::vector<int64_t> encode(std::string_view text) const;
  // Concatenates the tokens' bytes (added tokens verbatim) and maps them back through the
  // byte-level alphabet. Throws IndexError for an id outside [0, vocab_size()). Invalid UTF-8 in
  // the result (a sequence cut inside a character) is replaced by U+FFFD, as Hugging Face does.
  std::string decode(const std::vector<int64_t>& ids) const;
  // The bytes of one token (no U+FFFD replacement): what a streaming decoder concatenates.
  std::string token_bytes(int64_t id) const;

  // One more than the largest id in the vocabulary or the added tokens.
  int64_t vocab_size() const;
  // The id of a token given in its vocabulary spelling (byte-level alphabet for BPE tokens, the
  // literal content for added tokens); nullopt when absent.
  std::optional<int64_t> token_id(std::string_view token) const;
  // The vocabulary spelling of an id; nullopt when the id maps to nothing.
  std::optional<std::string> id_to_token(int64_t id) const;
  // Whether `id` is an added token marked special (e.g. <|endoftext|>).
  bool is_special(int64_t id) const;

  PreTokenizerKind pre_tokenizer() const { return pre_; }
  bool normalizes_nfc() const { return nfc_; }
  bool adds_prefix_space() const { return add_prefix_space_; }
  size_t num_added_tokens() const { return added_.size(); }

 private:
  struct AddedToken {
    std::string content;
    int64_t id = 0;
  };
  struct Token {
    std::string bytes;     // what the token decodes to
    std::string spelling;  // how the vocabulary (or added_tokens) writes it
    bool used = false;
    bool special = false;
  };
  BpeTokenizer() = default;
  void encode_segment(std::string_view text, std::vector<int64_t>& out) const;
  void bpe_word(std::string_view word, std::vector<int64_t>& out) const;

  std::unordered_map<std::string, int64_t> vocab_;        // spelling -> id (model.vocab)
  std::unordered_map<std::string, int64_t> bytes_to_id_;  // raw bytes -> id (model.vocab)
  std::vector<Token> tokens_;                             // dense, in load order
  std::vector<int32_t> index_of_id_;                      // id -> index into tokens_, -1 when unused
  // (left id << 32 | right id) -> (rank, merged id)
  std::unordered_map<uint64_t, std::pair<int64_t, int64_t>> merges_;
  std::vector<AddedToken> added_;                         // longest content first
  std::vector<std::vector<uint32_t>> added_by_first_byte_;  // indices into added_, by content[0]
  int64_t byte_token_[256] = {};                          // raw byte -> id of its one-byte token
  PreTokenizerKind pre_ = PreTokenizerKind::gpt2;
  bool nfc_ = false;
  bool add_prefix_space_ = false;
  bool ignore_merges_ = false;
};

}  // namespace hangu::text

// Encoding and decoding with a loaded byte-level BPE (loading: bpe_tokenizer_load.cpp).
#include "hangu/text/bpe_tokenizer.h"

#include <cstring>
#include <queue>

#include "hangu/core/error.h"
#include "hangu/text/byte_level.h"
#include "hangu/text/pre_tokenizer.h"
#include "hangu/text/unicode.h"

namespace hangu::text {

std::vector<int64_t> BpeTokenizer::encode(std::string_view text) const {
  std::vector<int64_t> out;
  out.reserve(text.size() / 2 + 1);
  // Added tokens first: the leftmost, then longest, occurrence splits the text (Hugging Face's
  // leftmost-longest matching); the pieces between them go through normalizer, pre-tokenizer, BPE.
  size_t segment = 0;
  for (size_t pos = 0; pos < text.size() && !added_by_first_byte_.empty();) {
    const AddedToken* hit = nullptr;
    for (uint32_t i : added_by_first_byte_[static_cast<uint8_t>(text[pos])]) {
      const std::string& c = added_[i].content;
      if (c.size() <= text.size() - pos && std::memcmp(text.data() + pos, c.data(), c.size()) == 0) {
        hit = &added_[i];  // longest first: the first hit is the longest
        break;
      }
    }
    if (!hit) {
      ++pos;
      continue;
    }
    encode_segment(text.substr(segment, pos - segment), out);
    out.push_back(hit->id);
    pos += hit->content.size();
    segment = pos;
  }
  encode_segment(text.substr(segment), out);
  return out;
}

void BpeTokenizer::encode_segment(std::string_view text, std::vector<int64_t>& out) const {
  if (text.empty()) return;
  std::string normalized;
  if (nfc_) {
    normalized = nfc(text);
    text = normalized;
  }
  if (add_prefix_space_ && text.front() != ' ') {
    std::string prefixed(1, ' ');
    prefixed.append(text);
    normalized = std::move(prefixed);
    text = normalized;
  }
  switch (pre_) {
    case PreTokenizerKind::gpt2:
      for (const Piece& p : split_gpt2(text)) bpe_word(text.substr(p.first, p.second - p.first), out);
      break;
    case PreTokenizerKind::qwen2:
      for (const Piece& p : split_qwen2(text)) bpe_word(text.substr(p.first, p.second - p.first), out);
      break;
    case PreTokenizerKind::none:
      bpe_word(text, out);
      break;
  }
}

// BPE of one word: start from its bytes and apply the lowest-ranked merge present, leftmost first,
// until none applies (a heap over adjacent pairs with lazily discarded stale entries: O(n log n)).
void BpeTokenizer::bpe_word(std::string_view word, std::vector<int64_t>& out) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    const auto it = bytes_to_id_.find(std::string(word));
    if (it != bytes_to_id_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  const size_t n = word.size();
  if (n == 1) {
    out.push_back(byte_token_[static_cast<uint8_t>(word[0])]);
    return;
  }
  struct Sym {
    int64_t id;
    int64_t prev, next;  // -1 at the ends
  };
  std::vector<Sym> sym(n);
  for (size_t i = 0; i < n; ++i)
    sym[i] = {byte_token_[static_cast<uint8_t>(word[i])], static_cast<int64_t>(i) - 1,
              i + 1 < n ? static_cast<int64_t>(i) + 1 : -1};
  struct Cand {
    int64_t rank, pos, left, right, merged;
    bool operator>(const Cand& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Cand, std::vector<Cand>, std::greater<Cand>> heap;
  const auto push = [&](int64_t pos) {
    if (pos < 0 || sym[static_cast<size_t>(pos)].next < 0) return;
    const Sym& a = sym[static_cast<size_t>(pos)];
    const int64_t right = sym[static_cast<size_t>(a.next)].id;
    const auto it = merges_.find((static_cast<uint64_t>(a.id) << 32) | static_cast<uint64_t>(right));
    if (it != merges_.end()) heap.push({it->second.first, pos, a.id, right, it->second.second});
  };
  for (size_t i = 0; i + 1 < n; ++i) push(static_cast<int64_t>(i));
  while (!heap.empty()) {
    const Cand c = heap.top();
    heap.pop();
    Sym& a = sym[static_cast<size_t>(c.pos)];
    // Stale when either side has changed since the candidate was pushed (or a was absorbed: id -1).
    if (a.id != c.left || a.next < 0 || sym[static_cast<size_t>(a.next)].id != c.right) continue;
    Sym& b = sym[static_cast<size_t>(a.next)];
    a.id = c.merged;
    b.id = -1;
    a.next = b.next;
    if (b.next >= 0) sym[static_cast<size_t>(b.next)].prev = c.pos;
    push(a.prev);
    push(c.pos);
  }
  for (int64_t i = 0; i >= 0; i = sym[static_cast<size_t>(i)].next) out.push_back(sym[static_cast<size_t>(i)].id);
}

std::string BpeTokenizer::token_bytes(int64_t id) const {
  if (id < 0 || id >= vocab_size() || index_of_id_[static_cast<size_t>(id)] < 0)
    throw IndexError(MsgId::tok_decode_bad_id, id, vocab_size());
  return tokens_[static_cast<size_t>(index_of_id_[static_cast<size_t>(id)])].bytes;
}

std::string BpeTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string bytes;
  for (int64_t id : ids) bytes += token_bytes(id);
  return utf8_lossy(bytes);
}

int64_t BpeTokenizer::vocab_size() const { return static_cast<int64_t>(index_of_id_.size()); }

std::optional<int64_t> BpeTokenizer::token_id(std::string_view token) const {
  for (const AddedToken& a : added_)
    if (a.content == token) return a.id;
  const auto it = vocab_.find(std::string(token));
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> BpeTokenizer::id_to_token(int64_t id) const {
  if (id < 0 || id >= vocab_size() || index_of_id_[static_cast<size_t>(id)] < 0) return std::nullopt;
  return tokens_[static_cast<size_t>(index_of_id_[static_cast<size_t>(id)])].spelling;
}

bool BpeTokenizer::is_special(int64_t id) const {
  if (id < 0 || id >= vocab_size() || index_of_id_[static_cast<size_t>(id)] < 0) return false;
  return tokens_[static_cast<size_t>(index_of_id_[static_cast<size_t>(id)])].special;
}

}  // namespace hangu::text

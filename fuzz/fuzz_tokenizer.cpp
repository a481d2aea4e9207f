// Fuzz target: tokenizer.json (text/bpe_tokenizer.h). The input is the JSON text, then optionally a
// NUL byte and a text to encode (JSON text never holds a raw NUL); without one a fixed sample text
// is encoded. Every id must lie in the vocabulary and decode; without added tokens the tokens'
// bytes must spell the (normalized) text exactly.
#include <string>
#include <string_view>

#include "fuzz_entry.h"
#include "hangu/core/error.h"
#include "hangu/text/bpe_tokenizer.h"
#include "hangu/text/unicode.h"

HANGU_FUZZ_ENTRY(tokenizer) {
  using namespace hangu::text;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t nul = in.find('\0');
  const std::string_view json = in.substr(0, nul);
  const std::string_view text =
      nul == std::string_view::npos ? std::string_view("Hello, 世界! It's 2026 😀\n\tfoo_bar  baz ") : in.substr(nul + 1);
  try {
    const BpeTokenizer tok = BpeTokenizer::from_json(json, "fuzz.json");
    const std::vector<int64_t> ids = tok.encode(text);
    std::string bytes;
    for (int64_t id : ids) {
      HANGU_FUZZ_CHECK(id >= 0 && id < tok.vocab_size());
      bytes += tok.token_bytes(id);
    }
    (void)tok.decode(ids);
    if (tok.num_added_tokens() == 0) {
      std::string want = tok.normalizes_nfc() ? nfc(text) : std::string(text);
      if (tok.adds_prefix_space() && !want.empty() && want[0] != ' ') want.insert(want.begin(), ' ');
      HANGU_FUZZ_CHECK(bytes == want);
    }
  } catch (const hangu::Error&) {
  }
  return 0;
}

#pragma once
// The pre-tokenizer patterns of GPT-2 and Qwen2, hand-written as scanners (no regex engine). Each
// returns the pieces [begin, end) in bytes that the pattern's successive leftmost-first matches
// give, exactly as Oniguruma would (the engine Hugging Face tokenizers uses):
//   GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//   Qwen2: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
// Bytes that are not valid UTF-8 count as one character each of class "other" ([^\s\p{L}\p{N}]).
#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

namespace hangu::text {

using Piece = std::pair<size_t, size_t>;  // [begin, end) byte offsets

std::vector<Piece> split_gpt2(std::string_view text);
std::vector<Piece> split_qwen2(std::string_view text);

}  // namespace hangu::text

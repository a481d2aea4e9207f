#pragma once
// GPT-2's byte-level alphabet: every byte is spelled as one printable Unicode character, so that
// a vocabulary of byte strings is a vocabulary of ordinary UTF-8 strings (Hugging Face ByteLevel).
// Printable Latin-1 bytes spell themselves; the other 68 bytes become U+0100 + their rank.
#include <cstdint>
#include <string>
#include <string_view>

namespace hangu::text {

char32_t byte_to_char(uint8_t b);
// The byte a character spells, or -1 when the character is not in the alphabet.
int char_to_byte(char32_t c);
// The byte-level spelling of raw bytes.
std::string byte_level_spelling(std::string_view bytes);
// The raw bytes of a byte-level spelling; false (out untouched) when a character is not in the
// alphabet or the text is not valid UTF-8.
bool byte_level_bytes(std::string_view spelling, std::string* out);

// Bytes as UTF-8 text: each maximal invalid subpart becomes U+FFFD, as Rust's from_utf8_lossy does.
std::string utf8_lossy(std::string_view bytes);

}  // namespace hangu::text

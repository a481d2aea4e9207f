#pragma once
// The message catalogue: every user-facing text exists in English and Chinese (zh-CN).
// Messages are declared in messages/*.inc as HANGU_MSG(id, "english {0}", "中文 {0}").
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hangu {

enum class Lang : uint8_t { en, zh };

enum class MsgId : uint16_t {
#define HANGU_MSG(id, en, zh) id,
#include "hangu/core/messages/all.inc"
#undef HANGU_MSG
  count_
};

// Chosen once from LC_ALL / LC_MESSAGES / LANG (Chinese when it starts with "zh"); set_language overrides.
Lang current_language();
void set_language(Lang lang);
// Parses "zh", "zh_CN.UTF-8", "en", ...; returns false when unknown.
bool parse_language(std::string_view s, Lang* out);

// The template of a message, e.g. "shapes {0} and {1} cannot be broadcast".
std::string_view message_template(MsgId id, Lang lang);
std::string_view message_name(MsgId id);
// Substitutes {0}, {1}, ... with args.
std::string format_message(MsgId id, const std::vector<std::string>& args, Lang lang);
inline std::string tr(MsgId id, const std::vector<std::string>& args = {}) {
  return format_message(id, args, current_language());
}

}  // namespace hangu

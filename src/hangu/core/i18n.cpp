#include "hangu/core/i18n.h"

#include <atomic>
#include <cstdlib>

namespace hangu {
namespace {

struct Entry {
  std::string_view name, en, zh;
};
constexpr Entry kCatalogue[] = {
#define HANGU_MSG(id, en, zh) {#id, en, zh},
#include "hangu/core/messages/all.inc"
#undef HANGU_MSG
};
static_assert(sizeof(kCatalogue) / sizeof(kCatalogue[0]) == static_cast<size_t>(MsgId::count_),
              "every MsgId has exactly one catalogue row");

Lang language_from_env() {
  for (const char* var : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* v = std::getenv(var);
    if (v && *v) {
      Lang l;
      return parse_language(v, &l) ? l : Lang::en;
    }
  }
  return Lang::en;
}

std::atomic<int>& language_slot() {
  static std::atomic<int> slot{static_cast<int>(language_from_env())};
  return slot;
}

}  // namespace

Lang current_language() { return static_cast<Lang>(language_slot().load(std::memory_order_relaxed)); }
void set_language(Lang lang) { language_slot().store(static_cast<int>(lang), std::memory_order_relaxed); }

bool parse_language(std::string_view s, Lang* out) {
  if (s.starts_with("zh")) {
    *out = Lang::zh;
    return true;
  }
  if (s.starts_with("en") || s == "C" || s == "POSIX" || s.starts_with("C.")) {
    *out = Lang::en;
    return true;
  }
  return false;
}

std::string_view message_template(MsgId id, Lang lang) {
  const Entry& e = kCatalogue[static_cast<size_t>(id)];
  return lang == Lang::zh ? e.zh : e.en;
}

std::string_view message_name(MsgId id) { return kCatalogue[static_cast<size_t>(id)].name; }

std::string format_message(MsgId id, const std::vector<std::string>& args, Lang lang) {
  std::string_view t = message_template(id, lang);
  std::string out;
  out.reserve(t.size() + 32);
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '{' && i + 2 < t.size() && t[i + 1] >= '0' && t[i + 1] <= '9' && t[i + 2] == '}') {
      size_t k = static_cast<size_t>(t[i + 1] - '0');
      out += k < args.size() ? args[k] : "?";
      i += 2;
    } else {
      out += t[i];
    }
  }
  return out;
}

}  // namespace hangu

#include "hangu/cli/args.h"

#include <charconv>

#include "hangu/core/error.h"

namespace hangu::cli {

std::optional<std::string> ParsedArgs::value(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> ParsedArgs::values(const std::string& name) const {
  std::vector<std::string> v;
  for (const auto& [n, value] : given)
    if (n == name) v.push_back(value);
  return v;
}

ParsedArgs parse_args(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs,
                      const std::string& context) {
  auto find = [&](const std::string& name) -> const OptionSpec* {
    for (const OptionSpec& s : specs)
      if (s.name == name) return &s;
    return nullptr;
  };
  ParsedArgs out;
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (options_done || a.size() < 2 || a[0] != '-') {
      out.positionals.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    size_t eq = a.find('=');
    std::string name = a.substr(0, eq);
    const OptionSpec* spec = find(name);
    if (!spec) throw ValueError(MsgId::cli_unknown_option, context, name);
    if (!spec->takes_value) {
      if (eq != std::string::npos) throw ValueError(MsgId::cli_unexpected_value, context, name);
      out.options[name] = "";
    } else if (eq != std::string::npos) {
      out.options[name] = a.substr(eq + 1);
    } else {
      if (i + 1 >= args.size()) throw ValueError(MsgId::cli_missing_value, context, name);
      out.options[name] = args[++i];
    }
    out.given.emplace_back(name, out.options[name]);
  }
  return out;
}

int64_t parse_int(const std::string& text, const std::string& what) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || p != end) throw ValueError(MsgId::cli_bad_int, what, text);
  return v;
}

}  // namespace hangu::cli

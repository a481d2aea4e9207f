#pragma once
// A small command-line parser: "--name value", "--name=value", flags, and "--" to end options.
// Unknown options and missing values are errors (ValueError), reported in the user's language.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hangu::cli {

struct OptionSpec {
  std::string name;  // with the dashes: "--json", "-h"
  bool takes_value = false;
};

struct ParsedArgs {
  std::vector<std::string> positionals;
  std::map<std::string, std::string> options;  // name -> value ("" for a flag); the last one wins
  std::vector<std::pair<std::string, std::string>> given;  // every option in command-line order

  bool has(const std::string& name) const { return options.count(name) != 0; }
  std::optional<std::string> value(const std::string& name) const;
  // Every value of a repeatable option (e.g. --input A=a.npy --input B=b.npy), in order.
  std::vector<std::string> values(const std::string& name) const;
};

// `context` names the command in error messages ("hangu", "info", ...).
ParsedArgs parse_args(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs,
                      const std::string& context);

// Parses a whole number; throws ValueError naming `what` otherwise.
int64_t parse_int(const std::string& text, const std::string& what);

}  // namespace hangu::cli

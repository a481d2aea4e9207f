// Text ops: StringNormalizer (stop-word removal and ASCII case change) and TfIdfVectorizer
// (n-gram counts with skips over integer or string tokens).
#include <algorithm>
#include <cctype>
#include <map>

#include "hangu/runtime/ops_common.h"

namespace hangu::runtime {
namespace {

std::string lowered(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

std::string uppered(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

void op_string_normalizer(OpContext& c) {
  const Value& v = c.value(0);
  if (!v.is_strings()) throw DTypeError(MsgId::rt_input_kind, c.label(), 0, v.describe(), "tensor string");
  const StringTensor& in = v.strings();
  const bool two_d = in.shape.size() == 2;
  if (!(in.shape.size() == 1 || (two_d && in.shape[0] == 1))) bad_input_shape(c, 0, in.shape, "[C] or [1, C]");
  const std::string action = c.attr_string("case_change_action", "NONE");
  const bool sensitive = c.attr_int("is_case_sensitive", 0) != 0;
  std::vector<std::string> stop = c.attr_strings("stopwords");
  if (!sensitive)
    for (std::string& s : stop) s = lowered(s);
  StringTensor out;
  for (const std::string& s : in.data) {
    const std::string key = sensitive ? s : lowered(s);
    if (std::find(stop.begin(), stop.end(), key) != stop.end()) continue;
    out.data.push_back(action == "LOWER" ? lowered(s) : action == "UPPER" ? uppered(s) : s);
  }
  if (out.data.empty()) out.data.push_back("");
  const int64_t n = static_cast<int64_t>(out.data.size());
  out.shape = two_d ? Shape{1, n} : Shape{n};
  c.set(0, Value::from_strings(std::move(out)));
}

void op_tfidf(OpContext& c) {
  const Value& v = c.value(0);
  const bool strings = v.is_strings();
  // Tokens as strings either way, so one n-gram table serves both pools.
  std::vector<std::string> tokens;
  Shape shape;
  if (strings) {
    tokens = v.strings().data;
    shape = v.strings().shape;
  } else {
    shape = c.input(0).shape();
    for (int64_t t : int_values(c.input(0))) tokens.push_back(std::to_string(t));
  }
  if (shape.empty() || shape.size() > 2) bad_input_shape(c, 0, shape, "[C] or [N, C]");
  const int64_t rows = shape.size() == 2 ? shape[0] : 1, cols = shape.back();
  const std::string mode = c.attr_string("mode");
  const int64_t min_n = c.attr_int("min_gram_length", 1), max_n = c.attr_int("max_gram_length", 1),
                max_skip = c.attr_int("max_skip_count", 0);
  const std::vector<int64_t> counts = c.attr_ints("ngram_counts"), indexes = c.attr_ints("ngram_indexes");
  std::vector<std::string> pool = c.attr_strings("pool_strings");
  if (pool.empty())
    for (int64_t p : c.attr_ints("pool_int64s")) pool.push_back(std::to_string(p));
  const std::vector<float> weights = c.attr_floats("weights");
  if (mode != "TF" && mode != "IDF" && mode != "TFIDF") bad_attr(c, "mode", mode, "TF, IDF or TFIDF");
  // n-gram (joined with '\x1f') -> output column, with its pool position for the weights.
  std::map<std::string, std::pair<int64_t, size_t>> table;
  size_t gram = 0;
  for (size_t level = 0; level < counts.size(); ++level) {
    const size_t n = level + 1;
    const size_t start = static_cast<size_t>(counts[level]);
    const size_t end = level + 1 < counts.size() ? static_cast<size_t>(counts[level + 1]) : pool.size();
    if (start > end || end > pool.size()) bad_attr(c, "ngram_counts", shape_str(counts), "offsets into the pool");
    for (size_t p = start; p + n <= end; p += n, ++gram) {
      std::string key;
      for (size_t k = 0; k < n; ++k) key += pool[p + k] + '\x1f';
      if (gram >= indexes.size()) bad_attr(c, "ngram_indexes", std::to_string(indexes.size()), "one index per n-gram");
      table[key] = {indexes[gram], gram};
    }
  }
  int64_t width = 0;
  for (int64_t i : indexes) width = std::max(width, i + 1);
  std::vector<double> out(static_cast<size_t>(rows * width), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<double> count(static_cast<size_t>(width), 0.0);
    for (int64_t n = std::max<int64_t>(1, min_n); n <= max_n; ++n)
      for (int64_t skip = 0; skip <= (n == 1 ? 0 : max_skip); ++skip)
        for (int64_t i = 0; i + (n - 1) * (skip + 1) < cols; ++i) {
          std::string key;
          for (int64_t k = 0; k < n; ++k) key += tokens[static_cast<size_t>(r * cols + i + k * (skip + 1))] + '\x1f';
          auto it = table.find(key);
          if (it != table.end()) count[static_cast<size_t>(it->second.first)] += 1;
        }
    for (const auto& [key, at] : table) {
      const size_t col = static_cast<size_t>(at.first);
      const double w = at.second < weights.size() ? weights[at.second] : 1.0;
      const double tf = count[col];
      out[static_cast<size_t>(r) * static_cast<size_t>(width) + col] = mode == "TF" ? tf : mode == "IDF" ? (tf > 0 ? w : 0.0) : tf * w;
    }
  }
  Shape out_shape = shape.size() == 2 ? Shape{rows, width} : Shape{width};
  c.set(0, to(tensor(out, IntList(out_shape)), DType::f32));
}

}  // namespace

void register_string_ops(OpTable& t) {
  t.add("StringNormalizer", op_string_normalizer);
  t.add("TfIdfVectorizer", op_tfidf);
}

}  // namespace hangu::runtime

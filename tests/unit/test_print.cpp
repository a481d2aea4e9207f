// Compares to_string with reprs printed by PyTorch 1.13 (tests/fixtures/print/cases.txt,
// written by tools/gen_print_fixtures.py; its header documents the format).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "hangu/core/print.h"
#include "hangu/hangu.h"

using namespace hangu;

namespace {

struct PrintCase {
  std::string name;
  std::string build;
  std::vector<std::string> views;
  std::string expect;
};

std::vector<PrintCase> load_cases() {
  std::ifstream in(std::string(HANGU_FIXTURE_DIR) + "/print/cases.txt");
  std::vector<PrintCase> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("case ", 0) != 0) continue;
    PrintCase c;
    c.name = line.substr(5);
    while (std::getline(in, line) && line != "expect") {
      if (line.rfind("build ", 0) == 0) c.build = line.substr(6);
      if (line.rfind("view ", 0) == 0) c.views.push_back(line.substr(5));
    }
    std::string body;
    while (std::getline(in, line) && line != "end") body += (body.empty() ? "" : "\n") + line;
    c.expect = body;
    cases.push_back(c);
  }
  return cases;
}

std::vector<int64_t> parse_ints(const std::string& s) {
  std::vector<int64_t> out;
  if (s == "-") return out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(std::stoll(item));
  return out;
}

Tensor build_tensor(const std::string& spec) {
  std::stringstream ss(spec);
  std::string dtype_s, shape_s, kind;
  ss >> dtype_s >> shape_s >> kind;
  DType dtype;
  EXPECT_TRUE(parse_dtype(dtype_s, &dtype)) << dtype_s;
  Shape shape = parse_ints(shape_s);
  int64_t n = shape_numel(shape);
  std::vector<double> vals;
  if (kind == "values") {
    std::string v;
    while (ss >> v) vals.push_back(std::strtod(v.c_str(), nullptr));
  } else {
    double a = 0, b = 0;
    ss >> a >> b;
    for (int64_t k = 0; k < n; ++k) vals.push_back(a + static_cast<double>(k) * b);
  }
  EXPECT_EQ(static_cast<int64_t>(vals.size()), n);
  return to(tensor<double>(vals, shape), dtype);
}

Tensor apply_view(const Tensor& x, const std::string& spec) {
  std::stringstream ss(spec);
  std::string op;
  ss >> op;
  if (op == "t") return t(x);
  if (op == "transpose" || op == "select") {
    int64_t a = 0, b = 0;
    ss >> a >> b;
    return op == "transpose" ? transpose(x, a, b) : select(x, a, b);
  }
  if (op == "slice") {
    int64_t dim = 0, start = 0, end = 0, step = 1;
    ss >> dim >> start >> end >> step;
    return slice(x, dim, start, end, step);
  }
  std::string list;
  ss >> list;
  std::vector<int64_t> ints = parse_ints(list);
  if (op == "expand") return expand(x, ints);
  if (op == "permute") return permute(x, ints);
  ADD_FAILURE() << "unknown view " << op;
  return x;
}

}  // namespace

TEST(Print, MatchesTorchRepr) {
  std::vector<PrintCase> cases = load_cases();
  ASSERT_GE(cases.size(), 40u) << "fixture file missing or truncated";
  for (const PrintCase& c : cases) {
    Tensor x = build_tensor(c.build);
    for (const std::string& v : c.views) x = apply_view(x, v);
    EXPECT_EQ(to_string(x), c.expect) << "case " << c.name;
  }
}

TEST(Print, NonContiguousPrintsLogicalValues) {
  Tensor a = reshape(arange(6), {2, 3});
  EXPECT_EQ(to_string(t(a)), "tensor([[0, 3],\n        [1, 4],\n        [2, 5]])");
  EXPECT_EQ(to_string(t(a)), to_string(contiguous(t(a))));
}

TEST(Print, OptionsAndStreams) {
  Tensor a = tensor<float>({0.125f, 2.5f});
  PrintOptions o;
  o.precision = 2;
  EXPECT_EQ(to_string(a, o), "tensor([0.12, 2.50])");
  o.sci_mode = true;
  EXPECT_EQ(to_string(a, o), "tensor([1.25e-01, 2.50e+00])");
  o = PrintOptions{};
  o.threshold = 5;
  EXPECT_EQ(to_string(arange(10), o), "tensor([0, 1, 2,  ..., 7, 8, 9])");
  std::ostringstream os;
  os << a;
  EXPECT_EQ(os.str(), a.str());
  EXPECT_EQ(to_string(Tensor()), "tensor(undefined)");
}

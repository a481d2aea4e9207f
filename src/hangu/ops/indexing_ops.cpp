// Registry entries of the gather/scatter and advanced-indexing ops. Index tensors are inputs
// (int64, in range in every sample); error cases hold out-of-range ones.
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/registry.h"
#include "hangu/ops/samples.h"
#include "hangu/ops/views.h"

namespace hangu::ops {
namespace {

using samples::make;
using samples::noncontiguous;
using samples::transposed_layout;
using Ints = std::vector<int64_t>;

Tensor ix(Ints v, Shape shape = {}) {
  if (shape.empty() && v.size() != 1) shape = {static_cast<int64_t>(v.size())};
  if (shape.empty()) shape = {1};
  return tensor(v, shape);
}
Tensor ix0(int64_t v) { return reshape(tensor(Ints{v}), Shape{}); }
Tensor mask(std::vector<bool> v, Shape shape) { return tensor(v, shape); }

// "pattern" lists the index entries: 't' takes the next input tensor, ':' is a full slice. The
// tensors follow `self` in the inputs (index_put: then `values` last). Default: all 't'.
std::vector<Tensor> index_list(const std::vector<Tensor>& in, size_t first, size_t end, const OpArgs& a) {
  std::string pattern = a.get_str("pattern", std::string(end - first, 't'));
  std::vector<Tensor> out;
  size_t k = first;
  for (char c : pattern) {
    if (c == ':') {
      out.push_back(Tensor());
    } else {
      if (k >= end) throw ValueError(MsgId::arg_invalid, "index", "pattern", pattern);
      out.push_back(in[k++]);
    }
  }
  return out;
}

void add_select_gather(OpRegistry& r) {
  OpInfo is = make_op("index_select", "indexing", 2, true, "Gather", [](const std::vector<Tensor>& in, const OpArgs& a) {
    return std::vector<Tensor>{index_select(in[0], a.get_int("dim", 0), in[1])};
  });
  is.samples = [] {
    return std::vector<OpSample>{
        {{make({3, 4}, DType::f32, 1), ix({2, 0, 2})}, {{"dim", 0}}, "f32 dim 0, repeated"},
        {{make({3, 4}, DType::f64, 2), ix({3, 1})}, {{"dim", -1}}, "f64 dim -1"},
        {{make({2, 3, 2}, DType::i64, 3, -9, 9), ix0(1)}, {{"dim", 1}}, "0-d index"},
        {{make({}, DType::f32, 4), ix({0})}, {{"dim", 0}}, "0-d input"},
        {{make({3, 2}, DType::boolean, 5), empty({0}, DType::i64)}, {{"dim", 0}}, "0-size index, bool"},
        {{noncontiguous(make({3, 4}, DType::f32, 6)), ix({1, 1, 0})}, {{"dim", 1}}, "non-contiguous"},
        {{make({4}, DType::i32, 7, -9, 9), ix({3, 0})}, {{"dim", 0}}, "i32"},
        {{make({2, 3}, DType::bf16, 8), ix({2, 2, 0})}, {{"dim", 1}}, "bf16"},
    };
  };
  is.error_cases = [] {
    return std::vector<OpErrorCase>{
        {{zeros({3, 4}), ix({5})}, {{"dim", 0}}, ErrorKind::index, {"5", "3"}, "index too large"},
        {{zeros({3, 4}), ix({-1})}, {{"dim", 1}}, ErrorKind::index, {"-1", "4"}, "negative index"},
        {{zeros({3, 4}), zeros({1})}, {{"dim", 1}}, ErrorKind::dtype, {"int64", "float32"}, "float index"},
        {{zeros({3, 4}), ix({0, 1}, {1, 2})}, {{"dim", 0}}, ErrorKind::shape, {"[1, 2]"}, "2-d index"},
    };
  };
  r.add(std::move(is));

  OpInfo g = make_op("gather", "indexing", 2, true, "GatherElements", [](const std::vector<Tensor>& in, const OpArgs& a) {
    return std::vector<Tensor>{gather(in[0], a.get_int("dim", 0), in[1])};
  });
  g.samples = [] {
    return std::vector<OpSample>{
        {{make({3, 4}, DType::f32, 11), make({3, 2}, DType::i64, 12, 0, 3)}, {{"dim", 1}}, "dim 1"},
        {{make({3, 4}, DType::f64, 13), make({2, 4}, DType::i64, 14, 0, 2)}, {{"dim", 0}}, "dim 0"},
        {{make({2, 3, 4}, DType::i64, 15, -9, 9), make({2, 2, 5}, DType::i64, 16, 0, 3)}, {{"dim", -1}}, "index longer along dim"},
        {{make({}, DType::f32, 17), ix0(0)}, {{"dim", 0}}, "0-d"},
        {{make({4}, DType::f16, 10), ix({3, 3, 1})}, {{"dim", 0}}, "f16"},
        {{make({3, 4}, DType::boolean, 18), empty({0, 4}, DType::i64)}, {{"dim", 0}}, "0-size bool"},
        {{noncontiguous(make({3, 4}, DType::f32, 19)), transposed_layout(make({3, 4}, DType::i64, 20, 0, 2))}, {{"dim", 0}}, "non-contiguous"},
    };
  };
  g.error_cases = [] {
    return std::vector<OpErrorCase>{
        {{zeros({3, 4}), ix({0, 9}, {1, 2})}, {{"dim", 1}}, ErrorKind::index, {"9", "4"}, "index too large"},
        {{zeros({3, 4}), ix({0, 1})}, {{"dim", 1}}, ErrorKind::shape, {"[2]", "[3, 4]"}, "rank mismatch"},
        {{zeros({3, 4}), ix({0, 0, 0, 0, 0}, {1, 5})}, {{"dim", 0}}, ErrorKind::shape, {"[1, 5]", "[3, 4]"}, "index too big"},
    };
  };
  r.add(std::move(g));

  OpInfo ta = make_op("take_along_dim", "indexing", 2, true, "GatherElements", [](const std::vector<Tensor>& in, const OpArgs& a) {
    if (!a.has("dim")) return std::vector<Tensor>{take_along_dim(in[0], in[1])};
    return std::vector<Tensor>{take_along_dim(in[0], in[1], a.get_int("dim"))};
  });
  ta.samples = [] {
    return std::vector<OpSample>{
        {{make({3, 4}, DType::f32, 21), make({3, 2}, DType::i64, 22, 0, 3)}, {{"dim", 1}}, "dim 1"},
        {{make({3, 4}, DType::f64, 23), make({1, 2}, DType::i64, 24, 0, 3)}, {{"dim", -1}}, "broadcast indices"},
        {{make({3, 1}, DType::i64, 25, -9, 9), make({2, 5}, DType::i64, 26, 0, 2)}, {{"dim", 0}}, "broadcast input"},
        {{make({2, 3}, DType::f32, 27), make({4}, DType::i64, 28, 0, 5)}, {}, "flattened"},
        {{noncontiguous(make({2, 3}, DType::boolean, 29)), make({2, 0}, DType::i64, 30)}, {{"dim", 1}}, "0-size, non-contiguous"},
    };
  };
  ta.error_cases = [] {
    return std::vector<OpErrorCase>{
        {{zeros({3, 4}), ix({4}, {1, 1})}, {{"dim", 1}}, ErrorKind::index, {"4"}, "index too large"},
        {{zeros({3, 4}), ix({0})}, {{"dim", 1}}, ErrorKind::shape, {"[1]", "[3, 4]"}, "rank mismatch"},
    };
  };
  r.add(std::move(ta));
}

void add_scatter(OpRegistry& r) {
  // scatter: inputs [self, index, src], or [self, index] with a "value"; optional "reduce".
  OpInfo s = make_op("scatter", "indexing", -1, true, "ScatterElements", [](const std::vector<Tensor>& in, const OpArgs& a) {
    const int64_t dim = a.get_int("dim", 0);
    const std::string red = a.get_str("reduce", "");
    if (in.size() == 2) return std::vector<Tensor>{scatter(in[0], dim, in[1], a.get_scalar("value"), red)};
    return std::vector<Tensor>{scatter(in[0], dim, in[1], in[2], red)};
  });
  s.samples = [] {
    // Indices are distinct along dim where the result would otherwise depend on write order.
    Tensor i34 = ix({2, 0, 1, 1, 0, 1, 2, 0}, {2, 4});
    return std::vector<OpSample>{
        {{make({3, 4}, DType::f32, 31), i34, make({2, 4}, DType::f32, 32)}, {{"dim", 0}}, "src f32"},
        {{make({4, 3}, DType::f64, 33), transposed_layout(ix({2, 0, 1, 2, 0, 1, 2, 1}, {4, 2})), make({4, 2}, DType::f64, 34)},
         {{"dim", -1}}, "dim -1, transposed index"},
        {{make({3, 4}, DType::i64, 35, -9, 9), i34}, {{"dim", 0}, {"value", 7}}, "value i64"},
        {{make({3, 4}, DType::f32, 36), i34, make({2, 4}, DType::f32, 37)}, {{"dim", 0}, {"reduce", "add"}}, "reduce add"},
        {{make({3, 4}, DType::f32, 38), i34, make({2, 4}, DType::f32, 39)}, {{"dim", 0}, {"reduce", "multiply"}}, "reduce multiply"},
        {{make({3, 4}, DType::boolean, 40), empty({0, 4}, DType::i64), make({0, 4}, DType::boolean, 41)}, {{"dim", 0}}, "0-size"},
        {{noncontiguous(make({3, 4}, DType::f32, 42)), i34, noncontiguous(make({3, 5}, DType::f32, 43))}, {{"dim", 0}}, "non-contiguous"},
        {{make({}, DType::f64, 44), ix0(0), make({}, DType::f64, 45)}, {{"dim", 0}}, "0-d"},
    };
  };
  s.error_cases = [] {
    return std::vector<OpErrorCase>{
        {{zeros({3, 4}), ix({3}, {1, 1}), zeros({1, 1})}, {{"dim", 0}}, ErrorKind::index, {"3"}, "index too large"},
        {{zeros({3, 4}), ix({0}, {1, 1}), zeros({1, 1}, DType::f64)}, {{"dim", 0}}, ErrorKind::dtype, {"float64", "float32"}, "dtype mismatch"},
        {{zeros({3, 4}), ix({0, 0}, {1, 2}), zeros({1, 1})}, {{"dim", 0}}, ErrorKind::shape, {"[1, 2]", "[1, 1]"}, "src too small"},
    };
  };
  r.add(std::move(s));

  OpInfo sa = make_op("scatter_add", "indexing", 3, true, "ScatterElements", [](const std::vector<Tensor>& in, const OpArgs& a) {
    return std::vector<Tensor>{scatter_add(in[0], a.get_int("dim", 0), in[1], in[2])};
  });
  sa.samples = [] {
    return std::vector<OpSample>{
        {{make({3, 4}, DType::f32, 51), make({5, 4}, DType::i64, 52, 0, 2), make({5, 4}, DType::f32, 53)}, {{"dim", 0}}, "duplicates f32"},
        {{make({3, 4}, DType::i64, 54, -9, 9), make({3, 6}, DType::i64, 55, 0, 3), make({3, 6}, DType::i64, 56, -9, 9)}, {{"dim", -1}}, "i64"},
        {{make({4}, DType::f64, 57), make({3}, DType::i64, 58, 0, 3), noncontiguous(make({5}, DType::f64, 59))}, {{"dim", 0}}, "non-contiguous src"},
        {{make({2, 2}, DType::f32, 60), empty({0, 2}, DType::i64), make({0, 2}, DType::f32, 61)}, {{"dim", 0}}, "0-size"},
        {{make({3}, DType::f16, 62), make({6}, DType::i64, 63, 0, 2), make({6}, DType::f16, 64)}, {{"dim", 0}}, "f16"},
    };
  };
  sa.error_cases = [] {
    return std::vector<OpErrorCase>{
        {{zeros({3}), ix({-1}), zeros({1})}, {{"dim", 0}}, ErrorKind::index, {"-1", "3"}, "negative index"}};
  };
  r.add(std::move(sa));

  OpInfo ia = make_op("index_add", "indexing", 3, true, "", [](const std::vector<Tensor>& in, const OpArgs& a) {
    return std::vector<Tensor>{index_add(in[0], a.get_int("dim", 0), in[1], in[2], a.get_scalar("alpha", 1))};
  });
  ia.samples = [] {
    return std::vector<OpSample>{
        {{make({3, 4}, DType::f32, 71), ix({2, 0, 2}), make({3, 4}, DType::f32, 72)}, {{"dim", 0}}, "duplicates"},
        {{make({3, 4}, DType::f64, 73), ix({1, 3}), make({3, 2}, DType::f64, 74)}, {{"dim", -1}, {"alpha", 0.5}}, "alpha 0.5"},
        {{make({2, 3}, DType::i64, 75, -9, 9), ix({1}), make({2, 1}, DType::i64, 76, -9, 9)}, {{"dim", 1}, {"alpha", 3}}, "i64 alpha 3"},
        {{noncontiguous(make({3, 4}, DType::f32, 77)), ix({0, 1}), transposed_layout(make({2, 4}, DType::f32, 78))}, {{"dim", 0}}, "non-contiguous"},
        {{make({3, 2}, DType::f32, 79), empty({0}, DType::i64), make({0, 2}, DType::f32, 80)}, {{"dim", 0}}, "0-size"},
    };
  };
  ia.error_cases = [] {
    return std::vector<OpErrorCase>{
        {{zeros({3, 4}), ix({3}), zeros({1, 4})}, {{"dim", 0}}, ErrorKind::index, {"3"}, "index too large"},
        {{zeros({3, 4}), ix({0}), zeros({2, 4})}, {{"dim", 0}}, ErrorKind::shape, {"[2, 4]", "[1, 4]"}, "source shape"},
    };
  };
  r.add(std::move(ia));
}

void add_masked(OpRegistry& r) {
  // masked_fill: inputs [self, mask] with "value", or [self, mask, value] (a 0-d tensor).
  OpInfo mf = make_op("masked_fill", "indexing", -1, true, "Where", [](const std::vector<Tensor>& in, const OpArgs& a) {
    if (in.size() == 3) return std::vector<Tensor>{masked_fill(in[0], in[1], in[2])};
    return std::vector<Tensor>{masked_fill(in[0], in[1], a.get_scalar("value"))};
  });
  mf.samples = [] {
    return std::vector<OpSample>{
        {{make({3, 4}, DType::f32, 81), make({3, 4}, DType::boolean, 82)}, {{"value", -1.5}}, "f32"},
        {{make({3, 4}, DType::i64, 83, -9, 9), make({4}, DType::boolean, 84)}, {{"value", 5}}, "broadcast mask"},
        {{make({4}, DType::f64, 85), make({3, 1}, DType::boolean, 86)}, {{"value", 2.0}}, "mask broadcasts self"},
        {{make({2, 3}, DType::f32, 87), make({2, 3}, DType::boolean, 88), make({}, DType::f32, 89)}, {}, "0-d tensor value"},
        {{make({}, DType::boolean, 90), make({}, DType::boolean, 91)}, {{"value", true}}, "0-d bool"},
        {{make({0, 3}, DType::f32, 92), make({0, 3}, DType::boolean, 93)}, {{"value", 1.0}}, "0-size"},
        {{make({2, 3}, DType::f16, 96), make({2, 3}, DType::boolean, 97)}, {{"value", 0.5}}, "f16"},
        {{noncontiguous(make({3, 4}, DType::f32, 94)), transposed_layout(make({3, 4}, DType::boolean, 95))}, {{"value", 0.25}}, "non-contiguous"},
    };
  };
  mf.error_cases = [] {
    return std::vector<OpErrorCase>{
        {{zeros({3}), zeros({3})}, {{"value", 1.0}}, ErrorKind::dtype, {"bool", "float32"}, "float mask"},
        {{zeros({3}), zeros({3}, DType::boolean), zeros({2})}, {}, ErrorKind::shape, {"[2]"}, "value not 0-d"},
        {{zeros({3}), zeros({4}, DType::boolean)}, {{"value", 1.0}}, ErrorKind::shape, {"[3]", "[4]"}, "shapes"},
    };
  };
  r.add(std::move(mf));

  OpInfo ms = make_op("masked_select", "indexing", 2, true, "", [](const std::vector<Tensor>& in, const OpArgs&) {
    return std::vector<Tensor>{masked_select(in[0], in[1])};
  });
  ms.samples = [] {
    return std::vector<OpSample>{
        {{make({3, 4}, DType::f32, 101), make({3, 4}, DType::boolean, 102)}, {}, "f32"},
        {{make({3, 4}, DType::i64, 103, -9, 9), make({4}, DType::boolean, 104)}, {}, "broadcast mask"},
        {{make({}, DType::f64, 105), make({2, 2}, DType::boolean, 106)}, {}, "0-d self"},
        {{make({0, 2}, DType::boolean, 107), make({0, 2}, DType::boolean, 108)}, {}, "0-size"},
        {{noncontiguous(make({3, 4}, DType::f32, 109)), transposed_layout(make({3, 4}, DType::boolean, 110))}, {}, "non-contiguous"},
    };
  };
  ms.error_cases = [] {
    return std::vector<OpErrorCase>{{{zeros({3}), zeros({3}, DType::i64)}, {}, ErrorKind::dtype, {"bool", "int64"}, "int mask"}};
  };
  r.add(std::move(ms));

  OpInfo nz = make_op("nonzero", "indexing", 1, false, "NonZero", [](const std::vector<Tensor>& in, const OpArgs&) {
    return std::vector<Tensor>{nonzero(in[0])};
  });
  nz.samples = [] {
    return std::vector<OpSample>{
        {{make({3, 4}, DType::i64, 111, -1, 1)}, {}, "i64"},
        {{to(make({2, 3, 2}, DType::i64, 112, -1, 1), DType::f32)}, {}, "f32 3-d"},
        {{make({5}, DType::boolean, 113)}, {}, "bool"},
        {{make({}, DType::f64, 114)}, {}, "0-d"},
        {{make({0, 3}, DType::f32, 115)}, {}, "0-size"},
        {{noncontiguous(make({3, 4}, DType::i32, 116, -1, 1))}, {}, "non-contiguous"},
    };
  };
  nz.error_cases = [] { return std::vector<OpErrorCase>{}; };
  r.add(std::move(nz));
}

void add_advanced(OpRegistry& r) {
  OpInfo x = make_op("index", "indexing", -1, true, "Gather", [](const std::vector<Tensor>& in, const OpArgs& a) {
    return std::vector<Tensor>{index(in[0], index_list(in, 1, in.size(), a))};
  });
  x.samples = [] {
    return std::vector<OpSample>{
        {{make({3, 4}, DType::f32, 121), ix({2, 0, 2})}, {{"pattern", "t"}}, "one index"},
        {{make({2, 3, 4}, DType::f64, 122), ix({0, 2}), ix({1, 3})}, {{"pattern", ":tt"}}, "adjacent after a slice"},
        {{make({2, 3, 4}, DType::i64, 123, -9, 9), ix({0, 1}), ix({3, 0})}, {{"pattern", "t:t"}}, "separated"},
        {{make({3, 4}, DType::f32, 124), ix({0, -1}, {2, 1}), ix({1, 2, -4})}, {{"pattern", "tt"}}, "broadcast, negative"},
        {{make({2, 3}, DType::f32, 125), make({2, 3}, DType::boolean, 126)}, {{"pattern", "t"}}, "full bool mask"},
        {{make({2, 3, 4}, DType::f32, 127), mask({true, false, true}, {3})}, {{"pattern", ":t"}}, "bool mask on dim 1"},
        {{make({2, 3}, DType::f64, 128), reshape(tensor(std::vector<bool>{true}), Shape{})}, {{"pattern", "t"}}, "0-d bool"},
        {{make({3, 4}, DType::i64, 129, -9, 9), ix0(2)}, {{"pattern", ":t"}}, "0-d index"},
        {{make({3, 4}, DType::f32, 130), empty({0}, DType::i64)}, {{"pattern", "t"}}, "0-size index"},
        {{noncontiguous(make({3, 4, 2}, DType::boolean, 131)), ix({1, 0}), ix({2, 3})}, {{"pattern", "tt"}}, "non-contiguous bool"},
        {{make({2, 3, 4}, DType::f32, 132), mask({true, false, true, true, false, true}, {2, 3}), ix({0, 1, 3, 2})}, {{"pattern", "tt"}}, "mask then index"},
        {{make({2, 3, 4, 2}, DType::f32, 133), make({3, 4}, DType::boolean, 134)}, {{"pattern", ":t"}}, "2-d mask in the middle"},
        {{make({2, 3, 4}, DType::i64, 135, -9, 9), ix0(1), ix({2, 0})}, {{"pattern", "t:t"}}, "0-d and 1-d separated"},
    };
  };
  x.error_cases = [] {
    return std::vector<OpErrorCase>{
        {{zeros({3, 4}), ix({1, 4})}, {{"pattern", ":t"}}, ErrorKind::index, {"4"}, "index too large"},
        {{zeros({3, 4}), ix({-4})}, {{"pattern", "t"}}, ErrorKind::index, {"-4", "3"}, "negative too large"},
        {{zeros({3}), ix({0}), ix({0})}, {{"pattern", "tt"}}, ErrorKind::index, {"1", "2"}, "too many indices"},
        {{zeros({2, 3}), mask({true, false}, {2})}, {{"pattern", ":t"}}, ErrorKind::index, {"[2]", "[2, 3]"}, "mask shape"},
        {{zeros({3, 4}), ix({0, 1}), ix({0, 1, 2})}, {{"pattern", "tt"}}, ErrorKind::shape, {"[2]", "[3]"}, "no broadcast"},
    };
  };
  r.add(std::move(x));

  // index_put: inputs [self, index tensors..., values]; "pattern" as for index; "accumulate".
  OpInfo p = make_op("index_put", "indexing", -1, true, "ScatterND", [](const std::vector<Tensor>& in, const OpArgs& a) {
    return std::vector<Tensor>{index_put(in[0], index_list(in, 1, in.size() - 1, a), in.back(), a.get_bool("accumulate"))};
  });
  p.samples = [] {
    return std::vector<OpSample>{
        {{make({3, 4}, DType::f32, 141), ix({2, 0}), make({2, 4}, DType::f32, 142)}, {{"pattern", "t"}}, "rows"},
        {{make({5}, DType::f64, 143), ix({1, 1, 3}), make({3}, DType::f64, 144)}, {{"pattern", "t"}, {"accumulate", true}}, "accumulate duplicates"},
        {{make({3, 4}, DType::i64, 145, -9, 9), ix({1, 3}), make({1}, DType::i64, 146, -9, 9)}, {{"pattern", ":t"}}, "broadcast values"},
        {{make({2, 3, 4}, DType::f32, 147), ix({0, 1}), ix({3, 0}), make({2, 3}, DType::f32, 148)}, {{"pattern", "t:t"}}, "separated"},
        {{make({2, 3, 4}, DType::f32, 149), ix({0, 2}), ix({1, -1}), make({2, 2}, DType::f32, 150)}, {{"pattern", ":tt"}}, "adjacent after slice"},
        {{make({2, 3}, DType::f32, 151), make({2, 3}, DType::boolean, 152), make({}, DType::f32, 153)}, {{"pattern", "t"}}, "mask, 0-d value"},
        {{noncontiguous(make({3, 4}, DType::f32, 154)), ix({0, 2, 0}), ix({1, 1, 1}), make({3}, DType::f32, 155)},
         {{"pattern", "tt"}, {"accumulate", true}}, "non-contiguous accumulate"},
        {{make({3}, DType::boolean, 156), empty({0}, DType::i64), make({0}, DType::boolean, 157)}, {{"pattern", "t"}}, "0-size bool"},
        {{make({2, 3, 4, 2}, DType::f32, 162), make({3, 4}, DType::boolean, 163), make({2}, DType::f32, 164)}, {{"pattern", ":t"}}, "2-d mask in the middle"},
        {{make({4}, DType::bf16, 158), ix({2, 0, 2}), make({3}, DType::bf16, 159)}, {{"pattern", "t"}, {"accumulate", true}}, "bf16 accumulate"},
        {{make({2, 3, 4}, DType::f64, 160), ix({0, 0, 1}), make({1, 3, 4}, DType::f64, 161)}, {{"pattern", ":t"}, {"accumulate", true}}, "slice, accumulate duplicates"},
    };
  };
  p.error_cases = [] {
    return std::vector<OpErrorCase>{
        {{zeros({3}), ix({3}), zeros({1})}, {{"pattern", "t"}}, ErrorKind::index, {"3"}, "index too large"},
        {{zeros({3}), ix({0}), zeros({1}, DType::f64)}, {{"pattern", "t"}}, ErrorKind::dtype, {"float32", "float64"}, "dtype"},
        {{zeros({3}), ix({0, 1}), zeros({3})}, {{"pattern", "t"}}, ErrorKind::shape, {"[3]", "[2]"}, "values shape"},
    };
  };
  r.add(std::move(p));
}

}  // namespace

void register_indexing_ops(OpRegistry& r) {
  add_select_gather(r);
  add_scatter(r);
  add_masked(r);
  add_advanced(r);
}

}  // namespace hangu::ops

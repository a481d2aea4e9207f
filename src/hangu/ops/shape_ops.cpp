// Registry entries of the joining and shape-manipulation ops: cat, stack, split, chunk, repeat,
// tile, flip, roll, tril, triu, pad, one_hot.
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/registry.h"
#include "hangu/ops/samples.h"

namespace hangu::ops {
namespace {

using samples::make;
using samples::noncontiguous;
using samples::transposed_layout;
using Ints = std::vector<int64_t>;

void add_join_ops(OpRegistry& r) {
  OpInfo c = make_op("cat", "indexing", -1, true, "Concat", [](const std::vector<Tensor>& in, const OpArgs& a) {
    return std::vector<Tensor>{cat(in, a.get_int("dim", 0))};
  });
  c.samples = [] {
    return std::vector<OpSample>{
        {{make({2, 3}, DType::f32, 1), make({4, 3}, DType::f32, 2)}, {{"dim", 0}}, "f32 dim 0"},
        {{make({2, 3}, DType::f64, 3), make({2, 1}, DType::f64, 4), make({2, 2}, DType::f64, 5)}, {{"dim", -1}}, "f64 dim -1"},
        {{make({3}, DType::i64, 6, -9, 9), make({2}, DType::f32, 7)}, {{"dim", 0}}, "promote i64 f32"},
        {{make({2}, DType::boolean, 8), make({3}, DType::boolean, 9)}, {}, "bool"},
        {{make({2}, DType::i32, 10, -9, 9), make({2}, DType::boolean, 11)}, {}, "promote i32 bool"},
        {{make({1, 3}, DType::f32, 12), make({0}, DType::f32, 13), make({2, 3}, DType::f32, 14)}, {}, "legacy 1-d empty skipped"},
        {{make({0, 3}, DType::f32, 15), make({2, 3}, DType::f32, 16)}, {}, "0-size"},
        {{noncontiguous(make({2, 3}, DType::f32, 17)), transposed_layout(make({2, 4}, DType::f32, 18))}, {{"dim", 1}}, "non-contiguous"},
        {{make({3, 2}, DType::i64, 19, -9, 9)}, {{"dim", 1}}, "single i64"},
        {{make({2, 2}, DType::f16, 20), make({1, 2}, DType::bf16, 20)}, {}, "promote f16 bf16"},
    };
  };
  c.error_cases = [] {
    return std::vector<OpErrorCase>{
        {{zeros({2, 3}), zeros({2, 4})}, {{"dim", 0}}, ErrorKind::shape, {"[2, 3]", "[2, 4]"}, "size mismatch"},
        {{zeros({2, 3}), zeros({2, 3, 1})}, {}, ErrorKind::shape, {"[2, 3, 1]"}, "rank mismatch"},
        {{zeros({2, 3}), zeros({2, 3})}, {{"dim", 2}}, ErrorKind::index, {"2"}, "dim out of range"},
        {{zeros({}), zeros({})}, {}, ErrorKind::shape, {"cat"}, "0-d"},
    };
  };
  r.add(std::move(c));

  OpInfo s = make_op("stack", "indexing", -1, true, "", [](const std::vector<Tensor>& in, const OpArgs& a) {
    return std::vector<Tensor>{stack(in, a.get_int("dim", 0))};
  });
  s.samples = [] {
    return std::vector<OpSample>{
        {{make({3}, DType::f32, 21), make({3}, DType::f32, 22), make({3}, DType::f32, 23)}, {}, "1-d f32"},
        {{make({2, 3}, DType::f64, 24), make({2, 3}, DType::f64, 25)}, {{"dim", -1}}, "dim -1"},
        {{make({}, DType::i64, 26, -9, 9), make({}, DType::i64, 27, -9, 9)}, {}, "0-d"},
        {{make({2}, DType::i64, 28, -9, 9), make({2}, DType::f32, 29)}, {{"dim", 1}}, "promote"},
        {{make({0, 2}, DType::boolean, 30), make({0, 2}, DType::boolean, 31)}, {{"dim", 1}}, "0-size bool"},
        {{noncontiguous(make({2, 3}, DType::f32, 32)), transposed_layout(make({2, 3}, DType::f32, 33))}, {{"dim", 1}}, "non-contiguous"},
    };
  };
  s.error_cases = [] {
    return std::vector<OpErrorCase>{
        {{zeros({2, 3}), zeros({3, 2})}, {}, ErrorKind::shape, {"[2, 3]", "[3, 2]"}, "shape mismatch"},
        {{zeros({2})}, {{"dim", 3}}, ErrorKind::index, {"3"}, "dim out of range"},
    };
  };
  r.add(std::move(s));

  // split: "split_size" (int) or "sizes" (list, torch's split_with_sizes); "dim".
  OpInfo sp = make_op("split", "indexing", 1, true, "Split", [](const std::vector<Tensor>& in, const OpArgs& a) {
    if (a.has("sizes")) return split(in[0], a.get_ints("sizes"), a.get_int("dim", 0));
    return split(in[0], a.get_int("split_size"), a.get_int("dim", 0));
  });
  sp.samples = [] {
    return std::vector<OpSample>{
        {{make({5, 2}, DType::f32, 41)}, {{"split_size", 2}}, "uneven f32"},
        {{make({4, 6}, DType::f64, 42)}, {{"split_size", 3}, {"dim", -1}}, "dim -1"},
        {{make({4, 2}, DType::i64, 43, -9, 9)}, {{"sizes", Ints{1, 3}}}, "sizes"},
        {{make({0, 3}, DType::f32, 44)}, {{"split_size", 2}}, "0-size"},
        {{noncontiguous(make({3, 4}, DType::boolean, 45))}, {{"sizes", Ints{2, 0, 2}}, {"dim", 1}}, "non-contiguous bool"},
    };
  };
  sp.error_cases = [] {
    return std::vector<OpErrorCase>{
        {{zeros({4, 2})}, {{"sizes", Ints{1, 2}}}, ErrorKind::value, {"[1, 2]", "4"}, "sizes do not sum"},
        {{zeros({})}, {{"split_size", 1}}, ErrorKind::shape, {"split"}, "0-d"},
    };
  };
  r.add(std::move(sp));

  OpInfo ch = make_op("chunk", "indexing", 1, true, "Split", [](const std::vector<Tensor>& in, const OpArgs& a) {
    return chunk(in[0], a.get_int("chunks"), a.get_int("dim", 0));
  });
  ch.samples = [] {
    return std::vector<OpSample>{
        {{make({5, 2}, DType::f32, 51)}, {{"chunks", 2}}, "f32"},
        {{make({4, 6}, DType::i64, 52, -9, 9)}, {{"chunks", 4}, {"dim", -1}}, "dim -1"},
        {{make({3}, DType::f64, 53)}, {{"chunks", 5}}, "more chunks than elements"},
        {{noncontiguous(make({2, 4}, DType::f32, 54))}, {{"chunks", 3}, {"dim", 1}}, "non-contiguous"},
    };
  };
  ch.error_cases = [] {
    return std::vector<OpErrorCase>{{{zeros({4})}, {{"chunks", 0}}, ErrorKind::value, {"chunks"}, "zero chunks"}};
  };
  r.add(std::move(ch));
}

void add_copy_shape_ops(OpRegistry& r) {
  OpInfo rp = make_op("repeat", "indexing", 1, true, "Tile", [](const std::vector<Tensor>& in, const OpArgs& a) {
    return std::vector<Tensor>{repeat(in[0], a.get_ints("repeats"))};
  });
  rp.samples = [] {
    return std::vector<OpSample>{
        {{make({2, 3}, DType::f32, 61)}, {{"repeats", Ints{2, 1, 2}}}, "new leading dim"},
        {{make({}, DType::i64, 62, -9, 9)}, {{"repeats", Ints{3}}}, "0-d"},
        {{make({0, 2}, DType::f64, 63)}, {{"repeats", Ints{2, 2}}}, "0-size"},
        {{noncontiguous(make({2, 3}, DType::boolean, 64))}, {{"repeats", Ints{1, 2}}}, "non-contiguous bool"},
        {{make({3}, DType::f32, 65)}, {{"repeats", Ints{0}}}, "zero repeats"},
    };
  };
  rp.error_cases = [] {
    return std::vector<OpErrorCase>{{{zeros({2, 3})}, {{"repeats", Ints{2}}}, ErrorKind::shape, {"[2, 3]"}, "too few repeats"}};
  };
  r.add(std::move(rp));

  OpInfo tl = make_op("tile", "indexing", 1, true, "Tile", [](const std::vector<Tensor>& in, const OpArgs& a) {
    return std::vector<Tensor>{tile(in[0], a.get_ints("reps"))};
  });
  tl.samples = [] {
    return std::vector<OpSample>{
        {{make({2, 3}, DType::f32, 71)}, {{"reps", Ints{2}}}, "fewer reps than dims"},
        {{make({3}, DType::i64, 72, -9, 9)}, {{"reps", Ints{2, 2}}}, "more reps"},
        {{transposed_layout(make({2, 3}, DType::f64, 73))}, {{"reps", Ints{1, 2}}}, "transposed"},
    };
  };
  tl.error_cases = [] {
    return std::vector<OpErrorCase>{{{zeros({2})}, {{"reps", Ints{-1}}}, ErrorKind::value, {"-1"}, "negative"}};
  };
  r.add(std::move(tl));

  OpInfo fl = make_op("flip", "indexing", 1, true, "", [](const std::vector<Tensor>& in, const OpArgs& a) {
    return std::vector<Tensor>{flip(in[0], a.get_ints("dims"))};
  });
  fl.samples = [] {
    return std::vector<OpSample>{
        {{make({2, 3}, DType::f32, 81)}, {{"dims", Ints{0}}}, "dim 0"},
        {{make({2, 3, 4}, DType::i64, 82, -9, 9)}, {{"dims", Ints{0, -1}}}, "two dims"},
        {{make({}, DType::f64, 83)}, {{"dims", Ints{}}}, "0-d"},
        {{make({0, 3}, DType::f32, 84)}, {{"dims", Ints{1}}}, "0-size"},
        {{noncontiguous(make({3, 4}, DType::boolean, 85))}, {{"dims", Ints{1}}}, "non-contiguous bool"},
        {{make({3, 2}, DType::f16, 86)}, {{"dims", Ints{0, 1}}}, "f16"},
    };
  };
  fl.error_cases = [] {
    return std::vector<OpErrorCase>{
        {{zeros({2, 3})}, {{"dims", Ints{0, -2}}}, ErrorKind::value, {"[0, -2]"}, "repeated dim"},
        {{zeros({2, 3})}, {{"dims", Ints{2}}}, ErrorKind::index, {"2"}, "dim out of range"},
    };
  };
  r.add(std::move(fl));

  OpInfo ro = make_op("roll", "indexing", 1, true, "", [](const std::vector<Tensor>& in, const OpArgs& a) {
    return std::vector<Tensor>{roll(in[0], a.get_ints("shifts"), a.get_ints("dims"))};
  });
  ro.samples = [] {
    return std::vector<OpSample>{
        {{make({2, 3}, DType::f32, 91)}, {{"shifts", Ints{1}}}, "flattened"},
        {{make({3, 4}, DType::i64, 92, -9, 9)}, {{"shifts", Ints{1, -6}}, {"dims", Ints{0, 1}}}, "two dims"},
        {{make({0, 3}, DType::f64, 93)}, {{"shifts", Ints{2}}, {"dims", Ints{1}}}, "0-size"},
        {{noncontiguous(make({3, 4}, DType::f32, 94))}, {{"shifts", Ints{5}}, {"dims", Ints{-1}}}, "non-contiguous"},
        {{make({4}, DType::boolean, 95)}, {{"shifts", Ints{-1}}}, "bool"},
        {{make({2, 3}, DType::bf16, 96)}, {{"shifts", Ints{2}}, {"dims", Ints{-1}}}, "bf16"},
    };
  };
  ro.error_cases = [] {
    return std::vector<OpErrorCase>{
        {{zeros({2, 3})}, {{"shifts", Ints{1, 2}}, {"dims", Ints{0}}}, ErrorKind::shape, {"[1, 2]", "[0]"}, "length mismatch"}};
  };
  r.add(std::move(ro));

  for (bool lower : {true, false}) {
    OpInfo tr = make_op(lower ? "tril" : "triu", "indexing", 1, true, "Trilu", [lower](const std::vector<Tensor>& in, const OpArgs& a) {
      int64_t k = a.get_int("diagonal", 0);
      return std::vector<Tensor>{lower ? tril(in[0], k) : triu(in[0], k)};
    });
    tr.samples = [] {
      return std::vector<OpSample>{
          {{make({3, 4}, DType::f32, 101)}, {}, "2-d"},
          {{make({2, 3, 3}, DType::f64, 102)}, {{"diagonal", -1}}, "batched, diagonal -1"},
          {{make({4, 3}, DType::i64, 103, -9, 9)}, {{"diagonal", 1}}, "i64 diagonal 1"},
          {{make({3, 3}, DType::boolean, 104)}, {{"diagonal", 5}}, "bool"},
          {{make({0, 3}, DType::f32, 105)}, {}, "0-size"},
          {{make({3, 3}, DType::bf16, 107)}, {}, "bf16"},
          {{transposed_layout(make({3, 4}, DType::f32, 106))}, {{"diagonal", -2}}, "transposed"},
      };
    };
    tr.error_cases = [lower] {
      return std::vector<OpErrorCase>{{{zeros({3})}, {}, ErrorKind::shape, {lower ? "tril" : "triu", "1"}, "1-d"}};
    };
    r.add(std::move(tr));
  }

  // pad: "pad" (list, last dim first), "mode", "value".
  OpInfo pd = make_op("pad", "indexing", 1, true, "Pad", [](const std::vector<Tensor>& in, const OpArgs& a) {
    return std::vector<Tensor>{pad(in[0], a.get_ints("pad"), a.get_str("mode", "constant"), a.get_double("value", 0.0))};
  });
  pd.samples = [] {
    return std::vector<OpSample>{
        {{make({2, 3}, DType::f32, 111)}, {{"pad", Ints{1, 2}}, {"value", 1.5}}, "constant 1 dim"},
        {{make({2, 3, 4}, DType::f64, 112)}, {{"pad", Ints{1, 1, 2, 0}}}, "constant 2 dims"},
        {{make({2, 3}, DType::f32, 113)}, {{"pad", Ints{-1, 1, 0, -1}}}, "negative crops"},
        {{make({3, 2}, DType::i64, 114, -9, 9)}, {{"pad", Ints{0, 1}}, {"value", 7.0}}, "i64"},
        {{make({0, 3}, DType::f32, 115)}, {{"pad", Ints{1, 1}}}, "0-size"},
        {{make({2, 3}, DType::f16, 120)}, {{"pad", Ints{2, 0}}, {"value", -0.5}}, "f16 constant"},
        {{make({1, 2, 3}, DType::bf16, 121)}, {{"pad", Ints{1, 2}}, {"mode", "replicate"}}, "bf16 replicate"},
        {{make({1, 2, 5}, DType::f32, 116)}, {{"pad", Ints{2, 1}}, {"mode", "reflect"}}, "reflect"},
        {{make({1, 2, 3, 4}, DType::f64, 117)}, {{"pad", Ints{1, 3, 2, 0}}, {"mode", "replicate"}}, "replicate"},
        {{make({1, 1, 4}, DType::f32, 118)}, {{"pad", Ints{2, 4}}, {"mode", "circular"}}, "circular"},
        {{noncontiguous(make({2, 3, 4}, DType::f32, 119))}, {{"pad", Ints{1, 2, 2, 1}}, {"mode", "reflect"}}, "non-contiguous reflect"},
    };
  };
  pd.error_cases = [] {
    return std::vector<OpErrorCase>{
        {{zeros({2, 3})}, {{"pad", Ints{1}}}, ErrorKind::value, {"[1]"}, "odd length"},
        {{zeros({1, 2, 3})}, {{"pad", Ints{3, 0}}, {"mode", "reflect"}}, ErrorKind::value, {"3", "reflect"}, "reflect too large"},
        {{zeros({2, 3})}, {{"pad", Ints{0, -4}}}, ErrorKind::value, {"-4", "3"}, "negative size"},
    };
  };
  r.add(std::move(pd));

  OpInfo oh = make_op("one_hot", "indexing", 1, false, "OneHot", [](const std::vector<Tensor>& in, const OpArgs& a) {
    return std::vector<Tensor>{one_hot(in[0], a.get_int("num_classes", -1))};
  });
  oh.samples = [] {
    return std::vector<OpSample>{
        {{make({5}, DType::i64, 121, 0, 3)}, {}, "inferred classes"},
        {{make({2, 3}, DType::i64, 122, 0, 4)}, {{"num_classes", 6}}, "2-d"},
        {{make({}, DType::i64, 123, 0, 2)}, {{"num_classes", 3}}, "0-d"},
        {{make({0}, DType::i64, 124)}, {{"num_classes", 4}}, "0-size"},
        {{noncontiguous(make({2, 3}, DType::i64, 125, 0, 2))}, {{"num_classes", 3}}, "non-contiguous"},
    };
  };
  oh.error_cases = [] {
    return std::vector<OpErrorCase>{
        {{tensor(Ints{0, 3})}, {{"num_classes", 3}}, ErrorKind::index, {"3"}, "class too large"},
        {{tensor(Ints{-1})}, {}, ErrorKind::value, {"-1"}, "negative class"},
        {{zeros({2})}, {}, ErrorKind::dtype, {"int64", "float32"}, "float input"},
    };
  };
  r.add(std::move(oh));
}

}  // namespace

void register_shape_ops(OpRegistry& r) {
  add_join_ops(r);
  add_copy_shape_ops(r);
}

}  // namespace hangu::ops

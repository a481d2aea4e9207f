// Registry entries of sort, argsort, topk, unique, bincount and searchsorted. Our sorts are
// stable, so the fixtures compute them with torch.sort(stable=True).
#include <limits>

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

Tensor with_nan() {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  return tensor(std::vector<float>{1, nan, -2, 1, nan, 0, -2}, Shape{7});
}

// Samples shared by sort and argsort (args: dim, descending).
std::vector<OpSample> sort_samples() {
  return {
      {{make({3, 5}, DType::f32, 1)}, {}, "f32 last dim"},
      {{make({4, 3}, DType::f64, 2)}, {{"dim", 0}, {"descending", true}}, "f64 dim 0 descending"},
      {{make({3, 6}, DType::i64, 3, -2, 2)}, {{"dim", -1}}, "i64 ties"},
      {{make({3, 6}, DType::i32, 4, -2, 2)}, {{"dim", 1}, {"descending", true}}, "i32 ties descending"},
      {{make({6}, DType::boolean, 5)}, {}, "bool"},
      {{make({2, 5}, DType::f16, 10, -1, 1)}, {}, "f16"},
      {{make({5, 2}, DType::bf16, 11, -1, 1)}, {{"dim", 0}, {"descending", true}}, "bf16 descending"},
      {{with_nan()}, {}, "NaN last"},
      {{with_nan()}, {{"descending", true}}, "NaN first descending"},
      {{make({}, DType::f32, 6)}, {}, "0-d"},
      {{make({0, 3}, DType::f32, 7)}, {{"dim", 0}}, "0-size"},
      {{noncontiguous(make({3, 4}, DType::f32, 8))}, {{"dim", 0}}, "non-contiguous"},
      {{transposed_layout(make({4, 3}, DType::i64, 9, -3, 3))}, {}, "transposed"},
  };
}

std::vector<OpErrorCase> dim_errors() {
  return {{{zeros({2, 3})}, {{"dim", 2}}, ErrorKind::index, {"2"}, "dim out of range"}};
}

void add_sorts(OpRegistry& r) {
  OpInfo s = make_op("sort", "indexing", 1, true, "TopK", [](const std::vector<Tensor>& in, const OpArgs& a) {
    SortResult res = sort(in[0], a.get_int("dim", -1), a.get_bool("descending"));
    return std::vector<Tensor>{res.values, res.indices};
  });
  s.samples = sort_samples;
  s.error_cases = dim_errors;
  r.add(std::move(s));

  OpInfo as = make_op("argsort", "indexing", 1, false, "", [](const std::vector<Tensor>& in, const OpArgs& a) {
    return std::vector<Tensor>{argsort(in[0], a.get_int("dim", -1), a.get_bool("descending"))};
  });
  as.samples = sort_samples;
  as.error_cases = dim_errors;
  r.add(std::move(as));

  OpInfo tk = make_op("topk", "indexing", 1, true, "TopK", [](const std::vector<Tensor>& in, const OpArgs& a) {
    SortResult res = topk(in[0], a.get_int("k"), a.get_int("dim", -1), a.get_bool("largest", true));
    return std::vector<Tensor>{res.values, res.indices};
  });
  tk.samples = [] {
    return std::vector<OpSample>{
        {{make({3, 5}, DType::f32, 11)}, {{"k", 2}}, "f32"},
        {{make({4, 3}, DType::i64, 12, -2, 2)}, {{"k", 3}, {"dim", 0}, {"largest", false}}, "i64 ties smallest"},
        {{with_nan()}, {{"k", 3}}, "NaN largest"},
        {{make({5}, DType::f64, 13)}, {{"k", 0}}, "k 0"},
        {{make({}, DType::f32, 14)}, {{"k", 1}}, "0-d"},
        {{noncontiguous(make({3, 4}, DType::f32, 15))}, {{"k", 4}, {"dim", -1}}, "non-contiguous, k = size"},
    };
  };
  tk.error_cases = [] {
    return std::vector<OpErrorCase>{{{zeros({2, 3})}, {{"k", 4}}, ErrorKind::value, {"4", "[0, 3]"}, "k too large"}};
  };
  r.add(std::move(tk));
}

void add_counting(OpRegistry& r) {
  // unique: outputs values, then inverse if "return_inverse", then counts if "return_counts".
  OpInfo u = make_op("unique", "indexing", 1, false, "Unique", [](const std::vector<Tensor>& in, const OpArgs& a) {
    UniqueResult res = unique(in[0]);
    std::vector<Tensor> out{res.values};
    if (a.get_bool("return_inverse")) out.push_back(res.inverse);
    if (a.get_bool("return_counts")) out.push_back(res.counts);
    return out;
  });
  u.samples = [] {
    return std::vector<OpSample>{
        {{make({2, 5}, DType::i64, 21, -3, 3)}, {{"return_inverse", true}, {"return_counts", true}}, "i64 all outputs"},
        {{to(make({7}, DType::i64, 22, -2, 2), DType::f32)}, {{"return_counts", true}}, "f32 counts"},
        {{make({6}, DType::f64, 23)}, {{"return_inverse", true}}, "f64 inverse"},
        {{to(make({6}, DType::i64, 28, -2, 2), DType::bf16)}, {{"return_counts", true}}, "bf16"},
        {{make({5}, DType::boolean, 24)}, {{"return_inverse", true}, {"return_counts", true}}, "bool"},
        {{make({}, DType::i32, 25, -3, 3)}, {{"return_inverse", true}}, "0-d"},
        {{make({0}, DType::f32, 26)}, {{"return_counts", true}}, "0-size"},
        {{noncontiguous(make({3, 4}, DType::i64, 27, 0, 4))}, {{"return_inverse", true}, {"return_counts", true}}, "non-contiguous"},
    };
  };
  u.error_cases = [] { return std::vector<OpErrorCase>{}; };
  r.add(std::move(u));

  // bincount: inputs [t] or [t, weights]; "minlength".
  OpInfo b = make_op("bincount", "indexing", -1, false, "", [](const std::vector<Tensor>& in, const OpArgs& a) {
    return std::vector<Tensor>{bincount(in[0], in.size() > 1 ? in[1] : Tensor(), a.get_int("minlength", 0))};
  });
  b.samples = [] {
    return std::vector<OpSample>{
        {{make({10}, DType::i64, 31, 0, 5)}, {}, "counts"},
        {{make({8}, DType::i64, 32, 0, 4), make({8}, DType::f32, 33)}, {}, "f32 weights"},
        {{make({8}, DType::i32, 34, 0, 3), make({8}, DType::f64, 35)}, {{"minlength", 6}}, "f64 weights, minlength"},
        {{make({0}, DType::i64, 36)}, {{"minlength", 3}}, "0-size"},
        {{noncontiguous(make({6}, DType::u8, 37, 0, 9))}, {}, "non-contiguous u8"},
    };
  };
  b.error_cases = [] {
    return std::vector<OpErrorCase>{
        {{tensor(Ints{1, -2})}, {}, ErrorKind::value, {"-2"}, "negative value"},
        {{zeros({2, 2}, DType::i64)}, {}, ErrorKind::shape, {"[2, 2]"}, "2-d"},
        {{zeros({3})}, {}, ErrorKind::dtype, {"float32"}, "float input"},
    };
  };
  r.add(std::move(b));

  // searchsorted: inputs [sorted_sequence, values]; "right" (bool) or "side" ("left"/"right").
  OpInfo ss = make_op("searchsorted", "indexing", 2, false, "", [](const std::vector<Tensor>& in, const OpArgs& a) {
    bool right = a.get_bool("right") || a.get_str("side", "left") == "right";
    return std::vector<Tensor>{searchsorted(in[0], in[1], right)};
  });
  ss.samples = [] {
    Tensor seq = sort(make({6}, DType::f32, 41, -2, 2)).values;
    Tensor seq2 = sort(make({2, 5}, DType::f64, 42)).values;
    Tensor iseq = sort(make({7}, DType::i64, 43, -3, 3)).values;
    return std::vector<OpSample>{
        {{seq, make({2, 3}, DType::f32, 44)}, {}, "1-d boundaries"},
        {{seq2, make({2, 3}, DType::f64, 45)}, {{"right", true}}, "batched, right"},
        {{iseq, make({8}, DType::i64, 46, -4, 4)}, {}, "i64 ties left"},
        {{iseq, make({8}, DType::i64, 46, -4, 4)}, {{"side", "right"}}, "i64 ties side right"},
        {{iseq, make({4}, DType::f32, 47, -4, 4)}, {}, "i64 boundaries, f32 values"},
        {{seq, make({}, DType::f32, 48)}, {}, "0-d value"},
        {{seq, make({0}, DType::f32, 49)}, {}, "0-size values"},
        {{to(seq, DType::bf16), make({5}, DType::bf16, 51)}, {}, "bf16"},
        {{seq2, noncontiguous(make({2, 4}, DType::f64, 50))}, {}, "non-contiguous values"},
    };
  };
  ss.error_cases = [] {
    return std::vector<OpErrorCase>{
        {{zeros({2, 5}), zeros({3, 1})}, {}, ErrorKind::shape, {"[2, 5]", "[3, 1]"}, "batch mismatch"},
        {{zeros({}), zeros({1})}, {}, ErrorKind::shape, {"searchsorted"}, "0-d boundaries"},
    };
  };
  r.add(std::move(ss));
}

}  // namespace

void register_sort_ops(OpRegistry& r) {
  add_sorts(r);
  add_counting(r);
}

}  // namespace hangu::ops

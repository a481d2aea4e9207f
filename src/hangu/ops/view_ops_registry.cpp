// Registry entries for the view ops (every one a view sharing storage; tests/unit/test_views.cpp
// shows it) and the copy ops (to, contiguous, clone, copy_, fill_, zero_).
#include "hangu/ops/core_ops_common.h"

namespace hangu::ops {
namespace {

using namespace core_registry;  // NOLINT: the shared helpers of the core registry files

// ---------------------------------------------------------------- views
OpInfo view_op(const char* name, OpFn fn, SampleFn samples, ErrorCaseFn errors = nullptr, const char* onnx = "",
               int num_inputs = 1) {
  return make_op(name, "view", num_inputs, true, onnx, std::move(fn), std::move(samples), std::move(errors));
}

// [4, 3] viewed through a [4, 6] base: rows are contiguous, but the tensor is not.
Tensor narrowed() { return narrow(f32({4, 6}, 77), 1, 1, 3); }

void add_reshaping_views(OpRegistry& r) {
  auto reshape_samples = [](bool viewable_only) {
    return [viewable_only] {
      std::vector<OpSample> s = {
          one(f32({2, 3, 4}, 1), {{"size", {6, 4}}}, "merge dims"),
          one(make({2, 3, 4}, DType::i64, 2), {{"size", {-1}}}, "infer -1 int64"),
          one(make({6}, DType::boolean, 3), {{"size", {3, -1, 1}}}, "split bool"),
          one(f32({}, 4), {{"size", {1, 1}}}, "0-d to [1, 1]"),
          one(f32({1}, 5), {{"size", std::vector<int64_t>{}}}, "[1] to 0-d"),
          one(f32({0, 3}, 6), {{"size", {3, 0}}}, "0-size"),
          one(narrowed(), {{"size", {2, 2, 3}}}, "non-contiguous but viewable"),
          one(transposed_layout(make({4, 3}, DType::f16, 7)), {{"size", {4, 3, 1}}}, "transposed, add size-1 dim"),
      };
      if (!viewable_only) {
        s.push_back(one(transposed_layout(f32({4, 3}, 8)), {{"size", {12}}}, "transposed: copies"));
        s.push_back(one(noncontiguous(make({2, 3}, DType::bf16, 9)), {{"size", {3, 2}}}, "strided: copies"));
      }
      return s;
    };
  };
  auto reshape_errors = [](bool view) {
    return [view] {
      std::vector<OpErrorCase> e = {
          err(f32({2, 3}, 1), {{"size", {4}}}, ErrorKind::shape, {"[4]", "6"}, "numel mismatch"),
          err(f32({2, 3}, 1), {{"size", {-1, -1}}}, ErrorKind::value, {"[-1, -1]"}, "two -1"),
      };
      if (view)
        e.push_back(err(transposed_layout(f32({4, 3}, 2)), {{"size", {12}}}, ErrorKind::shape, {"[4, 3]", "[1, 4]", "[12]"},
                        "not viewable"));
      return e;
    };
  };
  r.add(view_op("view", [](const Tensors& x, const OpArgs& a) { return Tensors{view(x[0], a.get_ints("size"))}; },
                reshape_samples(true), reshape_errors(true), "Reshape"));
  r.add(view_op("reshape", [](const Tensors& x, const OpArgs& a) { return Tensors{reshape(x[0], a.get_ints("size"))}; },
                reshape_samples(false), reshape_errors(false), "Reshape"));

  r.add(view_op(
      "flatten",
      [](const Tensors& x, const OpArgs& a) {
        return Tensors{flatten(x[0], a.get_int("start_dim", 0), a.get_int("end_dim", -1))};
      },
      [] {
        return std::vector<OpSample>{
            one(f32({2, 3, 4}, 1), {}, "all"),
            one(make({2, 3, 4}, DType::i32, 2), {{"start_dim", 1}}, "from 1"),
            one(f32({2, 3, 4, 2}, 3), {{"start_dim", -3}, {"end_dim", -2}}, "negative dims"),
            one(f32({}, 4), {}, "0-d"),
            one(f32({2, 0, 3}, 5), {}, "0-size"),
            one(transposed_layout(f32({4, 3}, 6)), {}, "transposed: copies"),
            one(narrowed(), {{"start_dim", 1}}, "single dim"),
        };
      },
      [] {
        return std::vector<OpErrorCase>{
            err(f32({2, 3, 4}, 1), {{"start_dim", 2}, {"end_dim", 1}}, ErrorKind::value, {"2", "1"}, "start after end"),
            err(f32({2, 3}, 1), {{"start_dim", 3}}, ErrorKind::index, {"3"}, "dim out of range")};
      },
      "Flatten"));

  r.add(view_op(
      "unflatten",
      [](const Tensors& x, const OpArgs& a) { return Tensors{unflatten(x[0], a.get_int("dim"), a.get_ints("sizes"))}; },
      [] {
        return std::vector<OpSample>{
            one(f32({6, 4}, 1), {{"dim", 0}, {"sizes", {2, 3}}}, "split first"),
            one(make({3, 8}, DType::i64, 2), {{"dim", -1}, {"sizes", {2, -1, 2}}}, "infer, negative dim"),
            one(transposed_layout(f32({4, 3}, 3)), {{"dim", 0}, {"sizes", {2, 2}}}, "transposed"),
            one(f32({2, 0}, 4), {{"dim", 1}, {"sizes", {0, 5}}}, "0-size"),
        };
      },
      [] {
        return std::vector<OpErrorCase>{
            err(f32({6, 4}, 1), {{"dim", 0}, {"sizes", {4, 2}}}, ErrorKind::shape, {"[4, 2]", "6"}, "wrong product")};
      }));

  r.add(view_op(
      "squeeze",
      [](const Tensors& x, const OpArgs& a) {
        return Tensors{a.has("dim") ? squeeze(x[0], a.get_int("dim")) : squeeze(x[0])};
      },
      [] {
        return std::vector<OpSample>{
            one(f32({1, 3, 1, 2}, 1), {}, "all"),
            one(f32({1, 3, 1, 2}, 2), {{"dim", 0}}, "dim 0"),
            one(make({1, 3, 1, 2}, DType::i8, 3), {{"dim", -2}}, "negative dim"),
            one(f32({1, 3, 1, 2}, 4), {{"dim", 1}}, "size is not 1"),
            one(f32({}, 5), {}, "0-d"),
            one(f32({}, 6), {{"dim", -1}}, "0-d dim -1"),
            one(f32({0, 1}, 7), {}, "0-size"),
            one(noncontiguous(f32({2, 1, 3}, 8)), {{"dim", 1}}, "non-contiguous"),
        };
      },
      [] {
        return std::vector<OpErrorCase>{
            err(f32({1, 3}, 1), {{"dim", 2}}, ErrorKind::index, {"dimension 2", "rank 2"}, "dim out of range")};
      },
      "Squeeze"));

  r.add(view_op(
      "unsqueeze", [](const Tensors& x, const OpArgs& a) { return Tensors{unsqueeze(x[0], a.get_int("dim"))}; },
      [] {
        return std::vector<OpSample>{
            one(f32({2, 3}, 1), {{"dim", 0}}, "front"),
            one(f32({2, 3}, 2), {{"dim", 2}}, "back"),
            one(make({2, 3}, DType::boolean, 3), {{"dim", -2}}, "negative"),
            one(f32({}, 4), {{"dim", 0}}, "0-d"),
            one(f32({}, 5), {{"dim", -1}}, "0-d dim -1"),
            one(f32({0}, 6), {{"dim", 1}}, "0-size"),
            one(transposed_layout(f32({4, 3}, 7)), {{"dim", 1}}, "transposed"),
        };
      },
      [] {
        return std::vector<OpErrorCase>{
            err(f32({2, 3}, 1), {{"dim", 4}}, ErrorKind::index, {"dimension 4", "rank 3"}, "dim out of range")};
      },
      "Unsqueeze"));
}

void add_permuting_views(OpRegistry& r) {
  r.add(view_op(
      "permute", [](const Tensors& x, const OpArgs& a) { return Tensors{permute(x[0], a.get_ints("dims"))}; },
      [] {
        return std::vector<OpSample>{
            one(f32({2, 3, 4}, 1), {{"dims", {2, 0, 1}}}, "3-d"),
            one(make({2, 3, 4}, DType::i64, 2), {{"dims", {-1, 0, 1}}}, "negative dims"),
            one(f32({}, 3), {{"dims", std::vector<int64_t>{}}}, "0-d"),
            one(f32({0, 2}, 4), {{"dims", {1, 0}}}, "0-size"),
            one(noncontiguous(make({2, 3, 2}, DType::bf16, 5)), {{"dims", {1, 2, 0}}}, "non-contiguous"),
        };
      },
      [] {
        return std::vector<OpErrorCase>{
            err(f32({2, 3, 4}, 1), {{"dims", {0, 0, 1}}}, ErrorKind::value, {"[0, 0, 1]", "3"}, "repeated dim"),
            err(f32({2, 3, 4}, 1), {{"dims", {1, 0}}}, ErrorKind::value, {"[1, 0]", "3"}, "too few dims"),
            err(f32({2, 3}, 1), {{"dims", {0, 5}}}, ErrorKind::index, {"5"}, "dim out of range")};
      },
      "Transpose"));

  r.add(view_op(
      "transpose",
      [](const Tensors& x, const OpArgs& a) { return Tensors{transpose(x[0], a.get_int("dim0"), a.get_int("dim1"))}; },
      [] {
        return std::vector<OpSample>{
            one(f32({2, 3, 4}, 1), {{"dim0", 0}, {"dim1", 2}}, "3-d"),
            one(make({2, 3}, DType::u8, 2), {{"dim0", -1}, {"dim1", 0}}, "negative dim"),
            one(f32({3, 3}, 3), {{"dim0", 1}, {"dim1", 1}}, "same dim"),
            one(f32({}, 4), {{"dim0", 0}, {"dim1", -1}}, "0-d"),
            one(f32({0, 2}, 5), {{"dim0", 0}, {"dim1", 1}}, "0-size"),
            one(transposed_layout(f32({4, 3}, 6)), {{"dim0", 0}, {"dim1", 1}}, "transposed back"),
        };
      },
      [] {
        return std::vector<OpErrorCase>{
            err(f32({2, 3}, 1), {{"dim0", 0}, {"dim1", 2}}, ErrorKind::index, {"dimension 2", "rank 2"}, "dim out of range")};
      },
      "Transpose"));

  r.add(view_op(
      "t", [](const Tensors& x, const OpArgs&) { return Tensors{t(x[0])}; },
      [] {
        return std::vector<OpSample>{one(f32({2, 3}, 1), {}, "2-d"), one(make({4}, DType::i32, 2), {}, "1-d"),
                                     one(f32({}, 3), {}, "0-d"), one(f32({0, 3}, 4), {}, "0-size"),
                                     one(narrowed(), {}, "non-contiguous")};
      },
      [] {
        return std::vector<OpErrorCase>{
            err(f32({2, 3, 4}, 1), {}, ErrorKind::value, {"3"}, "3-d")};
      },
      "Transpose"));

  r.add(view_op(
      "movedim",
      [](const Tensors& x, const OpArgs& a) {
        return Tensors{movedim(x[0], a.get_int("source"), a.get_int("destination"))};
      },
      [] {
        return std::vector<OpSample>{
            one(f32({2, 3, 4}, 1), {{"source", 0}, {"destination", 2}}, "first to last"),
            one(f32({2, 3, 4}, 2), {{"source", -1}, {"destination", 0}}, "negative"),
            one(f32({2, 3, 4}, 3), {{"source", 1}, {"destination", 1}}, "same"),
            one(f32({}, 4), {{"source", 0}, {"destination", 0}}, "0-d"),
            one(noncontiguous(make({2, 3, 2}, DType::f64, 5)), {{"source", 2}, {"destination", 0}}, "non-contiguous"),
        };
      },
      [] {
        return std::vector<OpErrorCase>{
            err(f32({2, 3}, 1), {{"source", 3}, {"destination", 0}}, ErrorKind::index, {"dimension 3"}, "out of range")};
      }));

  r.add(view_op(
      "diagonal",
      [](const Tensors& x, const OpArgs& a) {
        return Tensors{diagonal(x[0], a.get_int("offset", 0), a.get_int("dim1", 0), a.get_int("dim2", 1))};
      },
      [] {
        return std::vector<OpSample>{
            one(f32({3, 4}, 1), {}, "main"),
            one(f32({3, 4}, 2), {{"offset", 1}}, "above"),
            one(make({4, 3}, DType::i64, 3), {{"offset", -2}}, "below"),
            one(f32({3, 4}, 4), {{"offset", 5}}, "empty"),
            one(f32({2, 3, 4}, 5), {{"dim1", 2}, {"dim2", 0}}, "3-d swapped dims"),
            one(f32({2, 3, 4}, 6), {{"offset", -1}, {"dim1", -1}, {"dim2", -2}}, "negative dims"),
            one(transposed_layout(f32({4, 3}, 7)), {}, "transposed"),
            one(f32({0, 3}, 8), {}, "0-size"),
        };
      },
      [] {
        return std::vector<OpErrorCase>{
            err(f32({3, 4}, 1), {{"dim1", 1}, {"dim2", -1}}, ErrorKind::value, {"1", "-1"}, "same dims"),
            err(f32({3}, 1), {}, ErrorKind::value, {"2", "1"}, "1-d")};
      }));
}

void add_indexing_views(OpRegistry& r) {
  r.add(view_op(
      "narrow",
      [](const Tensors& x, const OpArgs& a) {
        return Tensors{narrow(x[0], a.get_int("dim"), a.get_int("start"), a.get_int("length"))};
      },
      [] {
        return std::vector<OpSample>{
            one(f32({4, 5}, 1), {{"dim", 1}, {"start", 1}, {"length", 3}}, "columns"),
            one(make({4, 5}, DType::i32, 2), {{"dim", -2}, {"start", -3}, {"length", 2}}, "negative dim and start"),
            one(f32({4, 5}, 3), {{"dim", 0}, {"start", 4}, {"length", 0}}, "empty at end"),
            one(transposed_layout(f32({4, 3}, 4)), {{"dim", 0}, {"start", 1}, {"length", 2}}, "transposed"),
        };
      },
      [] {
        return std::vector<OpErrorCase>{
            err(f32({3, 4}, 1), {{"dim", 1}, {"start", 2}, {"length", 5}}, ErrorKind::index, {"dimension 1", "size 4"},
                "past the end"),
            err(f32({3, 4}, 1), {{"dim", 2}, {"start", 0}, {"length", 1}}, ErrorKind::index, {"dimension 2"},
                "dim out of range")};
      },
      "Slice"));

  r.add(view_op(
      "slice",
      [](const Tensors& x, const OpArgs& a) {
        return Tensors{slice(x[0], a.get_int("dim"), a.get_int("start"), a.get_int("end"), a.get_int("step", 1))};
      },
      [] {
        return std::vector<OpSample>{
            one(f32({6, 5}, 1), {{"dim", 0}, {"start", 1}, {"end", 5}, {"step", 2}}, "step 2"),
            one(make({6, 5}, DType::i64, 2), {{"dim", -1}, {"start", -4}, {"end", 100}, {"step", 3}}, "clamped end"),
            one(f32({6}, 3), {{"dim", 0}, {"start", 4}, {"end", 2}, {"step", 1}}, "empty"),
            one(noncontiguous(f32({4, 6}, 4)), {{"dim", 1}, {"start", 0}, {"end", 6}, {"step", 4}}, "non-contiguous"),
            one(f32({0, 3}, 5), {{"dim", 1}, {"start", 1}, {"end", 3}, {"step", 1}}, "0-size"),
        };
      },
      [] {
        return std::vector<OpErrorCase>{
            err(f32({3, 4}, 1), {{"dim", 0}, {"start", 0}, {"end", 2}, {"step", 0}}, ErrorKind::value, {"step", "0"},
                "zero step")};
      },
      "Slice"));

  r.add(view_op(
      "select",
      [](const Tensors& x, const OpArgs& a) { return Tensors{select(x[0], a.get_int("dim"), a.get_int("index"))}; },
      [] {
        return std::vector<OpSample>{
            one(f32({3, 4}, 1), {{"dim", 0}, {"index", 1}}, "row"),
            one(make({3, 4}, DType::boolean, 2), {{"dim", 1}, {"index", -1}}, "last column"),
            one(f32({4}, 3), {{"dim", 0}, {"index", 2}}, "to 0-d"),
            one(transposed_layout(f32({4, 3}, 4)), {{"dim", -1}, {"index", 0}}, "transposed"),
            one(f32({2, 0}, 5), {{"dim", 0}, {"index", 1}}, "0-size"),
        };
      },
      [] {
        return std::vector<OpErrorCase>{
            err(f32({3, 4}, 1), {{"dim", 0}, {"index", 3}}, ErrorKind::index, {"index 3", "dimension 0", "size 3"},
                "index past the end"),
            err(f32({3, 4}, 1), {{"dim", 1}, {"index", -5}}, ErrorKind::index, {"-5", "size 4"}, "negative index")};
      },
      "Gather"));

  r.add(view_op(
      "unfold",
      [](const Tensors& x, const OpArgs& a) {
        return Tensors{unfold(x[0], a.get_int("dimension"), a.get_int("size"), a.get_int("step"))};
      },
      [] {
        return std::vector<OpSample>{
            one(f32({7}, 1), {{"dimension", 0}, {"size", 3}, {"step", 2}}, "1-d"),
            one(make({3, 6}, DType::i32, 2), {{"dimension", -1}, {"size", 2}, {"step", 2}}, "last dim"),
            one(f32({5, 2}, 3), {{"dimension", 0}, {"size", 5}, {"step", 1}}, "whole dim"),
            one(transposed_layout(f32({4, 3}, 4)), {{"dimension", 0}, {"size", 2}, {"step", 1}}, "transposed"),
            one(f32({}, 5), {{"dimension", 0}, {"size", 1}, {"step", 1}}, "0-d"),
        };
      },
      [] {
        return std::vector<OpErrorCase>{
            err(f32({4}, 1), {{"dimension", 0}, {"size", 5}, {"step", 1}}, ErrorKind::value, {"size", "5", "[0, 4]"},
                "window too big"),
            err(f32({4}, 1), {{"dimension", 0}, {"size", 2}, {"step", 0}}, ErrorKind::value, {"step", "0"}, "zero step")};
      }));

  r.add(view_op(
      "as_strided",
      [](const Tensors& x, const OpArgs& a) {
        return Tensors{as_strided(x[0], a.get_ints("size"), a.get_ints("stride"), a.get_int("storage_offset", -1))};
      },
      [] {
        return std::vector<OpSample>{
            one(f32({12}, 1), {{"size", {3, 2}}, {"stride", {4, 1}}, {"storage_offset", 1}}, "windows"),
            one(make({3, 4}, DType::i64, 2), {{"size", {4, 3}}, {"stride", {1, 4}}}, "transpose"),
            one(f32({5}, 3), {{"size", {3, 3}}, {"stride", {1, 1}}}, "overlapping"),
            one(f32({4}, 4), {{"size", {2, 3}}, {"stride", {0, 1}}}, "broadcast"),
            one(f32({4}, 5), {{"size", std::vector<int64_t>{}}, {"stride", std::vector<int64_t>{}}, {"storage_offset", 3}},
                "0-d"),
        };
      },
      [] {
        return std::vector<OpErrorCase>{
            err(f32({6}, 1), {{"size", {2, 3}}, {"stride", {1}}}, ErrorKind::shape, {"[2, 3]", "[1]"}, "rank mismatch"),
            err(f32({6}, 1), {{"size", {3, 3}}, {"stride", {3, 1}}}, ErrorKind::index, {"[3, 3]", "[3, 1]", "6"},
                "past the storage")};
      }));

  r.add(view_op(
      "alias", [](const Tensors& x, const OpArgs&) { return Tensors{alias(x[0])}; },
      [] { return layouts({DType::f32, DType::i64, DType::f16}); }));
}

void add_expanding_views(OpRegistry& r) {
  auto expand_samples = [] {
    return std::vector<OpSample>{
        one(f32({3, 1}, 1), {{"size", {3, 4}}}, "last dim"),
        one(make({3, 1}, DType::i32, 2), {{"size", {2, 3, 5}}}, "new leading dim"),
        one(f32({3, 1}, 3), {{"size", {-1, 4}}}, "-1 keeps"),
        one(f32({}, 4), {{"size", {2, 3}}}, "0-d"),
        one(f32({0, 1}, 5), {{"size", {0, 5}}}, "0-size"),
        one(f32({1, 3}, 6), {{"size", {2, 0, 3}}}, "to 0-size"),
        one(noncontiguous(make({2, 1, 3}, DType::bf16, 7)), {{"size", {2, 4, 3}}}, "non-contiguous"),
    };
  };
  auto expand_errors = [] {
    return std::vector<OpErrorCase>{
        err(f32({3, 2}, 1), {{"size", {3, 4}}}, ErrorKind::shape, {"[3, 2]", "[3, 4]"}, "size 2 to 4"),
        err(f32({2, 3}, 1), {{"size", {3}}}, ErrorKind::shape, {"[2, 3]", "[3]"}, "fewer dims")};
  };
  r.add(view_op("expand", [](const Tensors& x, const OpArgs& a) { return Tensors{expand(x[0], a.get_ints("size"))}; },
                expand_samples, expand_errors, "Expand"));
  r.add(view_op("broadcast_to",
                [](const Tensors& x, const OpArgs& a) { return Tensors{broadcast_to(x[0], a.get_ints("size"))}; },
                expand_samples, expand_errors, "Expand"));
  r.add(view_op(
      "expand_as", [](const Tensors& x, const OpArgs&) { return Tensors{expand_as(x[0], x[1])}; },
      [] {
        return std::vector<OpSample>{
            {{f32({3, 1}, 1), make({2, 3, 4}, DType::i64, 2)}, {}, "broadcast"},
            {{f32({}, 3), f32({2, 2}, 4)}, {}, "0-d"},
            {{noncontiguous(f32({1, 3}, 5)), f32({0, 3}, 6)}, {}, "to 0-size"},
        };
      },
      [] {
        return std::vector<OpErrorCase>{
            {{f32({3, 2}, 1), f32({3, 4}, 2)}, {}, ErrorKind::shape, {"[3, 2]", "[3, 4]"}, "mismatch"}};
      },
      "Expand", 2));
}

// ---------------------------------------------------------------- copies
void add_copy_ops(OpRegistry& r) {
  auto copy_op = [](const char* name, int n, OpFn fn, SampleFn s, ErrorCaseFn e = nullptr, const char* onnx = "") {
    return make_op(name, "copy", n, true, onnx, std::move(fn), std::move(s), std::move(e));
  };
  r.add(copy_op(
      "to", 1, [](const Tensors& x, const OpArgs& a) { return Tensors{to(x[0], a.get_dtype("dtype"))}; },
      [] {
        double nan = std::numeric_limits<double>::quiet_NaN();
        std::vector<OpSample> s = {
            one(make({3, 4}, DType::f32, 1, -100, 100), {{"dtype", DType::i32}}, "float32 -> int32 truncates"),
            one(make({3, 4}, DType::f64, 2, -100, 100), {{"dtype", DType::i64}}, "float64 -> int64"),
            one(make({9}, DType::f32, 3, -100, 100), {{"dtype", DType::i8}}, "float32 -> int8"),
            one(tensor<float>({0.0f, -0.0f, 1.5f, static_cast<float>(nan), -2.0f, 1e-30f}), {{"dtype", DType::boolean}},
                "float32 -> bool"),
            one(make({8}, DType::i64, 4, -3, 3), {{"dtype", DType::boolean}}, "int64 -> bool"),
            one(linspace(-3, 3, 37, DType::f64), {{"dtype", DType::f16}}, "float64 -> float16 rounds"),
            one(linspace(-3, 3, 37, DType::f32), {{"dtype", DType::bf16}}, "float32 -> bfloat16 rounds"),
            one(tensor<float>({70000.0f, -1e6f, 1e-8f, 65504.0f, 65519.0f, 65520.0f, 1e-5f, 5.96e-8f, 2.9e-8f, 3.0e-8f}),
                {{"dtype", DType::f16}}, "float16 overflow, subnormals"),
            one(tensor<float>({1.00390625f, 1.01171875f, -1.00390625f, 3.4e38f, 1e-40f, static_cast<float>(nan)}),
                {{"dtype", DType::bf16}}, "bfloat16 ties to even, overflow, subnormal, nan"),
            one(linspace(-1, 1, 11, DType::f64), {{"dtype", DType::f32}}, "float64 -> float32 rounds"),
            one(tensor<int64_t>({(int64_t{1} << 53) + 1, (int64_t{1} << 24) + 1, -((int64_t{1} << 40) + 3), 2049}),
                {{"dtype", DType::f32}}, "int64 -> float32 rounds"),
            one(tensor<int64_t>({2049, 2051, -4097, 70000}), {{"dtype", DType::f16}}, "int64 -> float16 rounds"),
            one(make({6}, DType::boolean, 15), {{"dtype", DType::bf16}}, "bool -> bfloat16"),
            one(make({7}, DType::u8, 5, 0, 255), {{"dtype", DType::i8}}, "uint8 -> int8 wraps"),
            one(make({7}, DType::i64, 6, -1000, 1000), {{"dtype", DType::u8}}, "int64 -> uint8 wraps"),
            one(make({5}, DType::boolean, 7), {{"dtype", DType::f32}}, "bool -> float32"),
            one(make({5}, DType::bf16, 8), {{"dtype", DType::f16}}, "bfloat16 -> float16"),
            one(make({5}, DType::f16, 9), {{"dtype", DType::f64}}, "float16 -> float64"),
            one(make({5}, DType::i32, 10), {{"dtype", DType::i32}}, "same dtype"),
            one(f32({}, 11), {{"dtype", DType::f64}}, "0-d"),
            one(f32({0, 2}, 12), {{"dtype", DType::i64}}, "0-size"),
            one(noncontiguous(make({2, 3, 2}, DType::f64, 13, -50, 50)), {{"dtype", DType::i16}}, "non-contiguous"),
            one(transposed_layout(make({4, 3}, DType::i32, 14)), {{"dtype", DType::bf16}}, "transposed"),
        };
        return s;
      },
      nullptr, "Cast"));
  r.add(copy_op("contiguous", 1, [](const Tensors& x, const OpArgs&) { return Tensors{contiguous(x[0])}; },
                [] { return layouts(kAllTypes); }));
  r.add(copy_op("clone", 1, [](const Tensors& x, const OpArgs&) { return Tensors{clone(x[0])}; },
                [] { return layouts({DType::f32, DType::i64, DType::boolean, DType::f16}); }, nullptr, "Identity"));
  r.add(copy_op(
      "copy_", 2, [](const Tensors& x, const OpArgs&) { return Tensors{copy_(same_layout_copy(x[0]), x[1])}; },
      [] {
        return std::vector<OpSample>{
            {{f32({3, 4}, 1), make({3, 4}, DType::i64, 2)}, {}, "int64 into float32"},
            {{make({3, 4}, DType::i32, 3), make({3, 4}, DType::f64, 4, -50, 50)}, {}, "float64 into int32 truncates"},
            {{make({6}, DType::boolean, 5), make({6}, DType::f32, 6, -1, 1)}, {}, "float32 into bool"},
            {{make({5}, DType::f16, 7), linspace(-1, 1, 5, DType::f32)}, {}, "float32 into float16 rounds"},
            {{make({5}, DType::bf16, 8), linspace(-1, 1, 5, DType::f64)}, {}, "float64 into bfloat16 rounds"},
            {{f32({3, 4}, 9), f32({4}, 10)}, {}, "broadcast row"},
            {{f32({3, 4}, 11), make({3, 1}, DType::i32, 12)}, {}, "broadcast column"},
            {{f32({2, 3}, 13), f32({}, 14)}, {}, "0-d source"},
            {{noncontiguous(f32({2, 3, 2}, 15)), transposed_layout(f32({3, 2}, 16))}, {}, "strided into strided"},
            {{transposed_layout(f32({4, 3}, 17)), f32({4, 3}, 18)}, {}, "into transposed"},
            {{f32({0, 3}, 19), f32({3}, 20)}, {}, "0-size"},
        };
      },
      [] {
        return std::vector<OpErrorCase>{
            {{f32({2, 4}, 1), f32({3}, 2)}, {}, ErrorKind::shape, {"[2, 4]", "[3]"}, "no broadcast"},
            {{f32({4}, 1), f32({2, 4}, 2)}, {}, ErrorKind::shape, {"[4]", "[2, 4]"}, "source bigger"}};
      }));
  r.add(copy_op(
      "fill_", 1, [](const Tensors& x, const OpArgs& a) { return Tensors{fill_(same_layout_copy(x[0]), a.get_scalar("value"))}; },
      [] {
        std::vector<OpSample> s = {
            one(f32({2, 3}, 1), {{"value", 2.5}}, "float32"),
            one(make({4}, DType::i64, 2), {{"value", -3}}, "int64"),
            one(make({4}, DType::i32, 3), {{"value", 2.75}}, "float into int32 truncates"),
            one(make({4}, DType::boolean, 4), {{"value", 0}}, "bool"),
            one(make({4}, DType::f16, 5), {{"value", 0.1}}, "float16 rounds"),
            one(make({4}, DType::bf16, 6), {{"value", 0.1}}, "bfloat16 rounds"),
            one(make({4}, DType::f64, 7), {{"value", std::numeric_limits<double>::infinity()}}, "inf"),
        };
        for (auto& t : layouts({DType::f32})) s.push_back(one(t.inputs[0], {{"value", -1.25}}, t.desc));
        return s;
      }));
  r.add(copy_op("zero_", 1, [](const Tensors& x, const OpArgs&) { return Tensors{zero_(same_layout_copy(x[0]))}; },
                [] { return layouts({DType::f32, DType::i32, DType::boolean, DType::bf16}); }));
}


}  // namespace

void register_view_ops(OpRegistry& r) {
  add_exact(r, [](OpRegistry& t) {
    add_reshaping_views(t);
    add_permuting_views(t);
    add_indexing_views(t);
    add_expanding_views(t);
  });
}

void register_copy_ops(OpRegistry& r) { add_exact(r, add_copy_ops); }

}  // namespace hangu::ops

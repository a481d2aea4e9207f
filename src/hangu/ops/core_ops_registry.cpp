// Registry entries for the creation ops, random ones included. Random ops are checked against
// tools/fixtures/philox.py (OpCheck::rng): their fn seeds a fresh Generator from the "seed" arg
// so a sample always draws the same stream.
#include "hangu/ops/core_ops_common.h"

namespace hangu::ops {
namespace {

using namespace core_registry;  // NOLINT: the shared helpers of the core registry files

// ---------------------------------------------------------------- creation
void add_constant_creation(OpRegistry& r) {
  auto sized = [](const char* name, auto fn) {
    return make_op(
        name, "creation", 0, false, "",
        [fn](const Tensors&, const OpArgs& a) { return Tensors{fn(a.get_ints("size"), a.get_dtype("dtype"))}; },
        [] {
          std::vector<OpSample> s;
          for (DType d : kAllTypes) s.push_back({{}, {{"size", {2, 3}}, {"dtype", d}}, "[2, 3] " + dn(d)});
          s.push_back({{}, {{"size", std::vector<int64_t>{}}, {"dtype", DType::f32}}, "0-d"});
          s.push_back({{}, {{"size", {0, 4}}, {"dtype", DType::i64}}, "0-size"});
          return s;
        },
        [] {
          return std::vector<OpErrorCase>{
              {{}, {{"size", {2, -3}}, {"dtype", DType::f32}}, ErrorKind::value, {"[2, -3]"}, "negative size"}};
        });
  };
  r.add(sized("zeros", [](IntList s, DType d) { return zeros(s, d); }));
  r.add(sized("ones", [](IntList s, DType d) { return ones(s, d); }));

  r.add(make_op(
      "full", "creation", 0, false, "",
      [](const Tensors&, const OpArgs& a) {
        auto s = a.get_ints("size");
        Scalar v = a.get_scalar("fill_value");
        return Tensors{a.has("dtype") ? full(s, v, a.get_dtype("dtype")) : full(s, v)};
      },
      [] {
        double inf = std::numeric_limits<double>::infinity();
        return std::vector<OpSample>{
            {{}, {{"size", {2, 3}}, {"fill_value", 2.5}}, "float value -> float32"},
            {{}, {{"size", {3}}, {"fill_value", 7}}, "int value -> int64"},
            {{}, {{"size", {2, 2}}, {"fill_value", true}}, "bool value -> bool"},
            {{}, {{"size", {2}}, {"fill_value", 1.75}, {"dtype", DType::i32}}, "float into int32 truncates"},
            {{}, {{"size", {2}}, {"fill_value", 0.1}, {"dtype", DType::f16}}, "float16 rounding"},
            {{}, {{"size", {2}}, {"fill_value", 0.1}, {"dtype", DType::bf16}}, "bfloat16 rounding"},
            {{}, {{"size", {2}}, {"fill_value", 0.1}, {"dtype", DType::f64}}, "float64"},
            {{}, {{"size", {2}}, {"fill_value", -inf}, {"dtype", DType::f32}}, "-inf"},
            {{}, {{"size", std::vector<int64_t>{}}, {"fill_value", -3}, {"dtype", DType::i8}}, "0-d int8"},
            {{}, {{"size", {0, 2}}, {"fill_value", 1.0}}, "0-size"},
        };
      }));

  r.add(make_op(
      "arange", "creation", 0, false, "",
      [](const Tensors&, const OpArgs& a) {
        Scalar s = a.get_scalar("start"), e = a.get_scalar("end"), st = a.get_scalar("step", 1);
        return Tensors{a.has("dtype") ? arange(s, e, st, a.get_dtype("dtype")) : arange(s, e, st)};
      },
      [] {
        return std::vector<OpSample>{
            {{}, {{"start", 0}, {"end", 10}, {"step", 3}}, "int64"},
            {{}, {{"start", 5}, {"end", -4}, {"step", -2}}, "negative step"},
            {{}, {{"start", 0.0}, {"end", 1.0}, {"step", 0.1}}, "float32 0.1 steps"},
            {{}, {{"start", -1.5}, {"end", 2}, {"step", 0.25}, {"dtype", DType::f64}}, "float64"},
            {{}, {{"start", 0}, {"end", 6}, {"step", 1}, {"dtype", DType::f16}}, "float16"},
            {{}, {{"start", 1}, {"end", 9}, {"step", 2}, {"dtype", DType::i32}}, "int32"},
            {{}, {{"start", 3}, {"end", 3}, {"step", 1}}, "empty"},
        };
      },
      [] {
        return std::vector<OpErrorCase>{
            {{}, {{"start", 0}, {"end", 5}, {"step", 0}}, ErrorKind::value, {"step"}, "zero step"},
            {{}, {{"start", 0}, {"end", -5}, {"step", 1}}, ErrorKind::value, {"end", "-5"}, "wrong direction"},
        };
      }));

  r.add(make_op(
      "linspace", "creation", 0, false, "",
      [](const Tensors&, const OpArgs& a) {
        return Tensors{linspace(a.get_double("start"), a.get_double("end"), a.get_int("steps"), a.get_dtype("dtype"))};
      },
      [] {
        return std::vector<OpSample>{
            {{}, {{"start", -1.0}, {"end", 1.0}, {"steps", 9}, {"dtype", DType::f32}}, "float32"},
            {{}, {{"start", 0.0}, {"end", 1.0}, {"steps", 7}, {"dtype", DType::f64}}, "float64 inexact step"},
            {{}, {{"start", 0.1}, {"end", 2.3}, {"steps", 13}, {"dtype", DType::f32}}, "float32 inexact step"},
            {{}, {{"start", 5.0}, {"end", -3.0}, {"steps", 10}, {"dtype", DType::i32}}, "int32 decreasing"},
            {{}, {{"start", 0.1}, {"end", 0.7}, {"steps", 6}, {"dtype", DType::f16}}, "float16"},
            {{}, {{"start", 0.0}, {"end", 10.0}, {"steps", 4}, {"dtype", DType::i64}}, "int64 truncates"},
            {{}, {{"start", 2.0}, {"end", 3.0}, {"steps", 1}, {"dtype", DType::f32}}, "one step"},
            {{}, {{"start", 2.0}, {"end", 3.0}, {"steps", 0}, {"dtype", DType::f32}}, "zero steps"},
            {{}, {{"start", 0.0}, {"end", 1.0}, {"steps", 5}, {"dtype", DType::bf16}}, "bfloat16"},
        };
      },
      [] {
        return std::vector<OpErrorCase>{
            {{}, {{"start", 0.0}, {"end", 1.0}, {"steps", -2}, {"dtype", DType::f32}}, ErrorKind::value, {"steps", "-2"},
             "negative steps"}};
      }));

  r.add(make_op(
      "eye", "creation", 0, false, "",
      [](const Tensors&, const OpArgs& a) {
        return Tensors{eye(a.get_int("n"), a.get_int("m", -1), a.get_dtype("dtype"))};
      },
      [] {
        return std::vector<OpSample>{
            {{}, {{"n", 3}, {"dtype", DType::f32}}, "square"},
            {{}, {{"n", 2}, {"m", 4}, {"dtype", DType::i64}}, "wide int64"},
            {{}, {{"n", 4}, {"m", 2}, {"dtype", DType::boolean}}, "tall bool"},
            {{}, {{"n", 0}, {"dtype", DType::f32}}, "empty"},
            {{}, {{"n", 3}, {"dtype", DType::bf16}}, "bfloat16"},
        };
      },
      [] {
        return std::vector<OpErrorCase>{
            {{}, {{"n", -1}, {"dtype", DType::f32}}, ErrorKind::value, {"-1"}, "negative n"}};
      }));

  r.add(make_op(
      "scalar_tensor", "creation", 0, false, "",
      [](const Tensors&, const OpArgs& a) { return Tensors{scalar_tensor(a.get_scalar("s"), a.get_dtype("dtype"))}; },
      [] {
        return std::vector<OpSample>{{{}, {{"s", 1.5}, {"dtype", DType::f32}}, "float32"},
                                     {{}, {{"s", 3}, {"dtype", DType::i64}}, "int64"},
                                     {{}, {{"s", 1}, {"dtype", DType::boolean}}, "bool"}};
      }));

  // *_like: the shape (and dtype unless given) of the input.
  auto like = [](const char* name, auto fn, bool value) {
    return make_op(
        name, "creation", 1, false, "",
        [fn](const Tensors& x, const OpArgs& a) { return Tensors{fn(x[0], a)}; },
        [value] {
          OpArgs base = value ? OpArgs{{"fill_value", 2.5}} : OpArgs{};
          std::vector<OpSample> s = layouts({DType::f32, DType::i64, DType::boolean, DType::bf16}, base);
          OpArgs with = base;
          with.set("dtype", DType::f16);
          s.push_back({{make({2, 3}, DType::i32, 7)}, with, "to float16"});
          with.set("dtype", DType::i32);
          s.push_back({{make({2, 3}, DType::f32, 8)}, with, "float32 to int32"});
          return s;
        });
  };
  r.add(like("zeros_like", [](const Tensor& x, const OpArgs& a) {
    return a.has("dtype") ? zeros_like(x, a.get_dtype("dtype")) : zeros_like(x);
  }, false));
  r.add(like("ones_like", [](const Tensor& x, const OpArgs& a) {
    return a.has("dtype") ? ones_like(x, a.get_dtype("dtype")) : ones_like(x);
  }, false));
  r.add(like("full_like", [](const Tensor& x, const OpArgs& a) {
    Scalar v = a.get_scalar("fill_value");
    return a.has("dtype") ? full_like(x, v, a.get_dtype("dtype")) : full_like(x, v);
  }, true));
}

// ---------------------------------------------------------------- random
OpInfo random_op(const char* name, int num_inputs, OpFn fn, SampleFn samples, ErrorCaseFn errors = nullptr) {
  OpInfo op = make_op(name, "random", num_inputs, false, "", std::move(fn), std::move(samples), std::move(errors));
  op.check = OpCheck::rng;
  return op;
}

// Runs fn with the default generator seeded to `seed`, restoring its state afterwards.
template <typename F>
Tensor with_default_seed(uint64_t seed, F fn) {
  Generator::State saved = default_generator().state();
  manual_seed(seed);
  Tensor t = fn();
  default_generator().set_state(saved);
  return t;
}

std::vector<OpSample> random_shapes(OpArgs extra, const std::vector<DType>& dtypes) {
  std::vector<OpSample> s;
  int64_t seed = 11;
  for (DType d : dtypes) {
    OpArgs a = extra;
    a.set("dtype", d);
    a.set("seed", seed++);
    a.set("size", {3, 5});
    s.push_back({{}, a, "[3, 5] " + dn(d)});
    a.set("size", {7});  // odd word count: the last Philox block is used partially
    a.set("seed", seed++);
    s.push_back({{}, a, "[7] " + dn(d)});
  }
  OpArgs a = extra;
  a.set("dtype", dtypes[0]);
  a.set("seed", int64_t{0x123456789abcLL});
  a.set("size", std::vector<int64_t>{});
  s.push_back({{}, a, "0-d, 64-bit seed"});
  a.set("size", {0, 3});
  s.push_back({{}, a, "0-size"});
  return s;
}

void add_random_ops(OpRegistry& r) {
  r.add(random_op(
      "rand", 0,
      [](const Tensors&, const OpArgs& a) {
        Generator g(seed_of(a));
        return Tensors{rand(a.get_ints("size"), a.get_dtype("dtype"), &g)};
      },
      [] { return random_shapes({}, kFloatTypes); },
      [] {
        return std::vector<OpErrorCase>{
            {{}, {{"size", {2}}, {"dtype", DType::i64}}, ErrorKind::dtype, {"int64"}, "integer dtype"}};
      }));
  r.add(random_op(
      "randn", 0,
      [](const Tensors&, const OpArgs& a) {
        Generator g(seed_of(a));
        return Tensors{randn(a.get_ints("size"), a.get_dtype("dtype"), &g)};
      },
      [] { return random_shapes({}, kFloatTypes); },
      [] {
        return std::vector<OpErrorCase>{
            {{}, {{"size", {2}}, {"dtype", DType::boolean}}, ErrorKind::dtype, {"bool"}, "bool dtype"}};
      }));
  r.add(random_op(
      "randint", 0,
      [](const Tensors&, const OpArgs& a) {
        Generator g(seed_of(a));
        return Tensors{randint(a.get_int("low"), a.get_int("high"), a.get_ints("size"), a.get_dtype("dtype", DType::i64), &g)};
      },
      [] {
        std::vector<OpSample> s = random_shapes({{"low", -5}, {"high", 17}}, {DType::i64, DType::i32, DType::f32});
        s.push_back({{}, {{"low", 0}, {"high", 256}, {"size", {4, 4}}, {"dtype", DType::u8}, {"seed", 5}}, "uint8"});
        s.push_back({{}, {{"low", -(int64_t{1} << 40)}, {"high", int64_t{1} << 40}, {"size", {6}}, {"dtype", DType::i64},
                      {"seed", 6}},
                     "wide range"});
        return s;
      },
      [] {
        return std::vector<OpErrorCase>{
            {{}, {{"low", 3}, {"high", 3}, {"size", {2}}}, ErrorKind::value, {"high", "3"}, "empty range"}};
      }));
  auto like_samples = [](OpArgs a) {
    return [a] {
      std::vector<OpSample> s;
      int64_t seed = 31;
      for (DType d : kFloatTypes) {
        OpArgs x = a;
        x.set("seed", seed);
        s.push_back({{make({3, 4}, d, static_cast<uint64_t>(seed++))}, x, "[3, 4] " + dn(d)});
      }
      OpArgs x = a;
      x.set("seed", seed);
      s.push_back({{noncontiguous(make({2, 3}, DType::f32, 40))}, x, "non-contiguous"});
      return s;
    };
  };
  r.add(random_op(
      "rand_like", 1,
      [](const Tensors& x, const OpArgs& a) { return Tensors{with_default_seed(seed_of(a), [&] { return rand_like(x[0]); })}; },
      like_samples({})));
  r.add(random_op(
      "randn_like", 1,
      [](const Tensors& x, const OpArgs& a) { return Tensors{with_default_seed(seed_of(a), [&] { return randn_like(x[0]); })}; },
      like_samples({})));
  r.add(random_op(
      "randint_like", 1,
      [](const Tensors& x, const OpArgs& a) {
        return Tensors{with_default_seed(seed_of(a), [&] { return randint_like(x[0], a.get_int("low"), a.get_int("high")); })};
      },
      [] {
        return std::vector<OpSample>{
            {{make({3, 4}, DType::i64, 41)}, {{"low", -3}, {"high", 9}, {"seed", 41}}, "int64"},
            {{make({5}, DType::f32, 42)}, {{"low", 0}, {"high", 100}, {"seed", 42}}, "float32"},
            {{noncontiguous(make({2, 3}, DType::i16, 43))}, {{"low", -50}, {"high", 50}, {"seed", 43}}, "non-contiguous int16"},
            {{make({}, DType::u8, 44)}, {{"low", 0}, {"high", 255}, {"seed", 44}}, "0-d uint8"},
        };
      }));
  r.add(random_op(
      "uniform_", 1,
      [](const Tensors& x, const OpArgs& a) {
        Generator g(seed_of(a));
        return Tensors{uniform_(same_layout_copy(x[0]), a.get_double("from", 0), a.get_double("to", 1), &g)};
      },
      like_samples({{"from", -2.0}, {"to", 3.0}}),
      [] {
        return std::vector<OpErrorCase>{
            {{make({2}, DType::i32, 1)}, {}, ErrorKind::dtype, {"int32"}, "integer tensor"}};
      }));
  r.add(random_op(
      "normal_", 1,
      [](const Tensors& x, const OpArgs& a) {
        Generator g(seed_of(a));
        return Tensors{normal_(same_layout_copy(x[0]), a.get_double("mean", 0), a.get_double("std", 1), &g)};
      },
      like_samples({{"mean", 1.5}, {"std", 0.5}})));
}


}  // namespace

void register_creation_ops(OpRegistry& r) {
  // linspace: PyTorch's 16-bit kernels step in Half/BFloat16 arithmetic (and vector lanes), we in float.
  add_exact(r, add_constant_creation, {"linspace"});
  add_exact(r, add_random_ops, {"randn", "randn_like", "normal_"});  // log/cos may differ from NumPy's in the last bit
}

}  // namespace hangu::ops

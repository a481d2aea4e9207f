// Registry entries of the nn_conv group: linear, conv1d/conv2d, conv_transpose2d and the pools.
#include <algorithm>
#include <numeric>

#include "hangu/ops/creation.h"
#include "hangu/ops/nn_conv.h"
#include "hangu/ops/registry.h"
#include "hangu/ops/samples.h"

namespace hangu::ops {
namespace {

using samples::make;
using samples::noncontiguous;

const char* kGroup = "nn_conv";

Tensor opt(const std::vector<Tensor>& x, size_t i) { return x.size() > i ? x[i] : Tensor(); }

// Distinct values 1/64 apart in [-2, 2), exact in every float dtype: max pooling then has no
// ties, so its finite-difference gradient is well defined.
Tensor distinct(IntList shape, DType dtype, int64_t seed) {
  const int64_t n = shape_numel(shape);
  int64_t mult = 37;
  for (int64_t m : {37, 41, 43, 47, 53})
    if (std::gcd(m, std::max<int64_t>(n, 1)) == 1) {
      mult = m;
      break;
    }
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    v[static_cast<size_t>(i)] = static_cast<double>((i * mult + seed) % n - n / 2) / 64.0;
  return to(tensor(v, shape), dtype);
}
Tensor distinct(std::initializer_list<int64_t> s, DType d, int64_t seed) {
  return distinct(IntList(s.begin(), s.size()), d, seed);
}

std::string dn(DType d) { return std::string(dtype_name(d)); }

OpErrorCase error(std::vector<Tensor> in, OpArgs args, ErrorKind k, std::vector<std::string> mentions,
                  std::string desc) {
  return {std::move(in), std::move(args), k, std::move(mentions), std::move(desc)};
}

// ---- linear ----
std::vector<OpSample> linear_samples() {
  std::vector<OpSample> out;
  uint64_t s = 4000;
  for (DType d : {DType::f32, DType::f64}) {
    out.push_back({{make({3, 4}, d, s++), make({5, 4}, d, s++), make({5}, d, s++)}, {}, "2-d with bias " + dn(d)});
    out.push_back({{make({2, 3, 4}, d, s++), make({5, 4}, d, s++)}, {}, "3-d, no bias " + dn(d)});
  }
  out.push_back({{make({4}, DType::f32, s++), make({3, 4}, DType::f32, s++), make({3}, DType::f32, s++)}, {}, "1-d input"});
  out.push_back({{noncontiguous(make({3, 4}, DType::f32, s++)), samples::transposed_layout(make({5, 4}, DType::f32, s++)),
                  make({5}, DType::f32, s++)},
                 {},
                 "non-contiguous"});
  out.push_back({{make({0, 4}, DType::f32, s++), make({5, 4}, DType::f32, s++), make({5}, DType::f32, s++)}, {}, "0-size batch"});
  out.push_back({{make({2, 4}, DType::f32, s++), make({3, 4}, DType::f32, s++), make({}, DType::f32, s++)}, {}, "0-d bias"});
  return out;
}

std::vector<OpErrorCase> linear_errors() {
  return {error({make({2, 3}, DType::f32, 1), make({4, 5}, DType::f32, 2)}, {}, ErrorKind::shape, {"[2, 3]", "[4, 5]"},
                "in_features mismatch"),
          error({make({2, 5}, DType::f32, 1), make({4, 5}, DType::f64, 2)}, {}, ErrorKind::dtype, {"float32", "float64"},
                "dtype mismatch"),
          error({make({2, 5}, DType::i64, 1), make({4, 5}, DType::i64, 2)}, {}, ErrorKind::dtype, {"int64"}, "int64")};
}

// ---- conv ----
OpArgs conv_args(std::vector<int64_t> stride, std::vector<int64_t> padding, std::vector<int64_t> dilation,
                 int64_t groups) {
  return {{"stride", stride}, {"padding", padding}, {"dilation", dilation}, {"groups", groups}};
}

std::vector<OpSample> conv2d_samples() {
  std::vector<OpSample> out;
  uint64_t s = 4100;
  for (DType d : {DType::f32, DType::f64}) {
    out.push_back({{make({2, 3, 6, 6}, d, s++), make({4, 3, 3, 3}, d, s++), make({4}, d, s++)},
                   conv_args({1, 1}, {0, 0}, {1, 1}, 1),
                   "batched " + dn(d)});
    out.push_back({{make({2, 4, 7, 6}, d, s++), make({6, 2, 3, 2}, d, s++), make({6}, d, s++)},
                   conv_args({2, 1}, {1, 2}, {2, 1}, 2),
                   "stride, padding, dilation, groups " + dn(d)});
  }
  out.push_back({{make({3, 5, 5}, DType::f32, s++), make({2, 3, 3, 3}, DType::f32, s++)},
                 conv_args({1, 1}, {1, 1}, {1, 1}, 1),
                 "unbatched, no bias"});
  out.push_back({{make({1, 4, 5, 5}, DType::f32, s++), make({4, 1, 3, 3}, DType::f32, s++), make({4}, DType::f32, s++)},
                 conv_args({1, 1}, {1, 1}, {1, 1}, 4),
                 "depthwise"});
  out.push_back({{make({1, 2, 5, 6}, DType::f32, s++), make({3, 2, 4, 3}, DType::f32, s++), make({3}, DType::f32, s++)},
                 {{"stride", std::vector<int64_t>{1, 1}}, {"padding", "same"}, {"dilation", std::vector<int64_t>{1, 2}}, {"groups", 1}},
                 "padding same (asymmetric)"});
  out.push_back({{make({1, 2, 5, 6}, DType::f64, s++), make({3, 2, 2, 3}, DType::f64, s++)},
                 {{"stride", std::vector<int64_t>{2, 2}}, {"padding", "valid"}, {"dilation", std::vector<int64_t>{1, 1}}, {"groups", 1}},
                 "padding valid"});
  out.push_back({{noncontiguous(make({2, 3, 5, 5}, DType::f32, s++)), noncontiguous(make({2, 3, 3, 3}, DType::f32, s++)),
                  make({2}, DType::f32, s++)},
                 conv_args({1, 1}, {1, 1}, {1, 1}, 1),
                 "non-contiguous"});
  out.push_back({{make({0, 3, 5, 5}, DType::f32, s++), make({2, 3, 3, 3}, DType::f32, s++)},
                 conv_args({1, 1}, {0, 0}, {1, 1}, 1),
                 "0-size batch"});
  out.push_back({{make({1, 2, 4, 4}, DType::f16, s++), make({2, 2, 3, 3}, DType::f16, s++), make({2}, DType::f16, s++)},
                 conv_args({1, 1}, {1, 1}, {1, 1}, 1),
                 "float16"});
  return out;
}

std::vector<OpErrorCase> conv2d_errors() {
  const OpArgs a = conv_args({1, 1}, {0, 0}, {1, 1}, 1);
  return {error({make({2, 3, 8, 8}, DType::f32, 1), make({6, 1, 5, 5}, DType::f32, 2)}, a, ErrorKind::shape,
                {"[6, 1, 5, 5]", "[2, 3, 8, 8]"}, "input channels"),
          error({make({2, 1, 3, 3}, DType::f32, 1), make({6, 1, 5, 5}, DType::f32, 2)}, a, ErrorKind::shape,
                {"[3, 3]", "[5, 5]"}, "input smaller than kernel"),
          error({make({8, 8}, DType::f32, 1), make({6, 1, 5, 5}, DType::f32, 2)}, a, ErrorKind::shape, {"[8, 8]"},
                "2-d input"),
          error({make({1, 4, 8, 8}, DType::f32, 1), make({6, 2, 3, 3}, DType::f32, 2)}, conv_args({1, 1}, {0, 0}, {1, 1}, 4),
                ErrorKind::shape, {"[6, 2, 3, 3]"}, "groups do not divide"),
          error({make({1, 1, 8, 8}, DType::f32, 1), make({2, 1, 3, 3}, DType::f32, 2), make({3}, DType::f32, 3)}, a,
                ErrorKind::shape, {"[3]", "[2, 1, 3, 3]"}, "bias size"),
          error({make({1, 1, 8, 8}, DType::i64, 1), make({2, 1, 3, 3}, DType::i64, 2)}, a, ErrorKind::dtype, {"int64"},
                "int64"),
          error({make({1, 1, 8, 8}, DType::f32, 1), make({2, 1, 3, 3}, DType::f32, 2)}, conv_args({0, 1}, {0, 0}, {1, 1}, 1),
                ErrorKind::value, {"stride"}, "stride 0")};
}

std::vector<OpSample> conv1d_samples() {
  std::vector<OpSample> out;
  uint64_t s = 4200;
  for (DType d : {DType::f32, DType::f64})
    out.push_back({{make({2, 4, 9}, d, s++), make({6, 2, 3}, d, s++), make({6}, d, s++)},
                   {{"stride", 2}, {"padding", 1}, {"dilation", 2}, {"groups", 2}},
                   "stride, padding, dilation, groups " + dn(d)});
  out.push_back({{make({3, 7}, DType::f32, s++), make({2, 3, 3}, DType::f32, s++)},
                 {{"stride", 1}, {"padding", 0}, {"dilation", 1}, {"groups", 1}},
                 "unbatched"});
  out.push_back({{noncontiguous(make({2, 3, 6}, DType::f32, s++)), make({2, 3, 2}, DType::f32, s++), make({2}, DType::f32, s++)},
                 {{"stride", 1}, {"padding", 1}, {"dilation", 1}, {"groups", 1}},
                 "non-contiguous"});
  return out;
}

std::vector<OpErrorCase> conv1d_errors() {
  return {error({make({2, 3, 8}, DType::f32, 1), make({4, 2, 3}, DType::f32, 2)}, {}, ErrorKind::shape,
                {"[4, 2, 3]", "[2, 3, 8]"}, "input channels")};
}

std::vector<OpSample> conv_transpose2d_samples() {
  std::vector<OpSample> out;
  uint64_t s = 4300;
  auto args = [](std::vector<int64_t> st, std::vector<int64_t> pad, std::vector<int64_t> opad, int64_t groups,
                 std::vector<int64_t> dil) {
    return OpArgs{{"stride", st}, {"padding", pad}, {"output_padding", opad}, {"groups", groups}, {"dilation", dil}};
  };
  for (DType d : {DType::f32, DType::f64}) {
    out.push_back({{make({2, 3, 4, 4}, d, s++), make({3, 2, 3, 3}, d, s++), make({2}, d, s++)},
                   args({1, 1}, {0, 0}, {0, 0}, 1, {1, 1}),
                   "batched " + dn(d)});
    out.push_back({{make({2, 4, 3, 3}, d, s++), make({4, 3, 3, 2}, d, s++), make({6}, d, s++)},
                   args({2, 2}, {1, 0}, {1, 0}, 2, {1, 2}),
                   "stride, padding, output_padding, groups, dilation " + dn(d)});
  }
  out.push_back({{make({2, 3, 3}, DType::f32, s++), make({2, 3, 2, 2}, DType::f32, s++)},
                 args({2, 2}, {0, 0}, {0, 0}, 1, {1, 1}),
                 "unbatched, no bias"});
  out.push_back({{noncontiguous(make({1, 2, 3, 4}, DType::f32, s++)), make({2, 2, 3, 3}, DType::f32, s++)},
                 args({1, 2}, {1, 1}, {0, 1}, 1, {1, 1}),
                 "non-contiguous"});
  return out;
}

std::vector<OpErrorCase> conv_transpose2d_errors() {
  return {error({make({2, 3, 4, 4}, DType::f32, 1), make({2, 2, 3, 3}, DType::f32, 2)}, {}, ErrorKind::shape,
                {"[2, 2, 3, 3]", "[2, 3, 4, 4]"}, "input channels"),
          error({make({1, 2, 4, 4}, DType::f32, 1), make({2, 2, 3, 3}, DType::f32, 2)},
                {{"stride", std::vector<int64_t>{1, 1}}, {"output_padding", std::vector<int64_t>{1, 1}}},
                ErrorKind::value, {"output_padding"}, "output_padding too big")};
}

// ---- pools ----
std::vector<OpSample> max_pool2d_samples() {
  std::vector<OpSample> out;
  int64_t s = 1;
  for (DType d : {DType::f32, DType::f64}) {
    out.push_back({{distinct({2, 3, 6, 6}, d, s++)}, {{"kernel_size", std::vector<int64_t>{2, 2}}}, "2x2 " + dn(d)});
    out.push_back({{distinct({1, 2, 7, 6}, d, s++)},
                   {{"kernel_size", std::vector<int64_t>{3, 2}},
                    {"stride", std::vector<int64_t>{2, 1}},
                    {"padding", std::vector<int64_t>{1, 1}},
                    {"dilation", std::vector<int64_t>{1, 2}},
                    {"ceil_mode", true}},
                   "stride, padding, dilation, ceil_mode " + dn(d)});
  }
  out.push_back({{distinct({2, 5, 5}, DType::f32, s++)},
                 {{"kernel_size", std::vector<int64_t>{3}}, {"stride", std::vector<int64_t>{2}}, {"ceil_mode", true}},
                 "unbatched, ceil_mode"});
  out.push_back({{noncontiguous(distinct({1, 2, 4, 6}, DType::f32, s++))}, {{"kernel_size", std::vector<int64_t>{2, 3}}},
                 "non-contiguous"});
  out.push_back({{make({0, 2, 4, 4}, DType::f32, 5)}, {{"kernel_size", std::vector<int64_t>{2, 2}}}, "0-size batch"});
  out.push_back({{distinct({1, 2, 4, 4}, DType::f16, s++)}, {{"kernel_size", std::vector<int64_t>{2, 2}}}, "float16"});
  return out;
}

std::vector<OpErrorCase> pool_errors(const std::string& op) {
  std::vector<OpErrorCase> e;
  e.push_back(error({make({1, 1, 4, 4}, DType::f32, 1)},
                    {{"kernel_size", std::vector<int64_t>{2, 2}}, {"padding", std::vector<int64_t>{2, 2}}}, ErrorKind::value,
                    {"[2, 2]"}, "padding over half the kernel"));
  e.push_back(error({make({4, 4}, DType::f32, 1)}, {{"kernel_size", std::vector<int64_t>{2, 2}}}, ErrorKind::shape,
                    {"[4, 4]"}, "2-d input"));
  e.push_back(error({make({1, 1, 2, 2}, DType::f32, 1)}, {{"kernel_size", std::vector<int64_t>{3, 3}}}, ErrorKind::shape,
                    {"[3, 3]"}, "kernel larger than input"));
  if (op == "max_pool2d")
    e.push_back(error({make({1, 1, 4, 4}, DType::i64, 1)}, {{"kernel_size", std::vector<int64_t>{2, 2}}},
                      ErrorKind::dtype, {"int64"}, "int64"));
  return e;
}

std::vector<OpSample> max_pool1d_samples() {
  std::vector<OpSample> out;
  for (DType d : {DType::f32, DType::f64})
    out.push_back({{distinct({2, 3, 9}, d, 3)},
                   {{"kernel_size", 3}, {"stride", 2}, {"padding", 1}, {"dilation", 1}, {"ceil_mode", false}},
                   "stride, padding " + dn(d)});
  out.push_back({{distinct({2, 10}, DType::f32, 4)},
                 {{"kernel_size", 2}, {"stride", -1}, {"padding", 0}, {"dilation", 2}, {"ceil_mode", true}},
                 "unbatched, dilation, ceil_mode"});
  return out;
}

std::vector<OpSample> avg_pool2d_samples() {
  std::vector<OpSample> out;
  uint64_t s = 4400;
  for (DType d : {DType::f32, DType::f64}) {
    out.push_back({{make({2, 3, 6, 6}, d, s++)}, {{"kernel_size", std::vector<int64_t>{2, 2}}}, "2x2 " + dn(d)});
    out.push_back({{make({1, 2, 7, 6}, d, s++)},
                   {{"kernel_size", std::vector<int64_t>{3, 3}},
                    {"stride", std::vector<int64_t>{2, 2}},
                    {"padding", std::vector<int64_t>{1, 1}},
                    {"ceil_mode", true},
                    {"count_include_pad", false}},
                   "padding, ceil_mode, exclude pad " + dn(d)});
  }
  out.push_back({{make({2, 5, 5}, DType::f32, s++)},
                 {{"kernel_size", std::vector<int64_t>{3}}, {"stride", std::vector<int64_t>{2}}, {"padding", std::vector<int64_t>{1}},
                  {"ceil_mode", true}},
                 "unbatched, include pad"});
  out.push_back({{noncontiguous(make({1, 2, 4, 6}, DType::f32, s++))}, {{"kernel_size", std::vector<int64_t>{2, 3}}},
                 "non-contiguous"});
  out.push_back({{make({0, 2, 4, 4}, DType::f32, s++)}, {{"kernel_size", std::vector<int64_t>{2, 2}}}, "0-size batch"});
  return out;
}

std::vector<OpSample> adaptive_samples() {
  std::vector<OpSample> out;
  uint64_t s = 4500;
  for (DType d : {DType::f32, DType::f64}) {
    out.push_back({{make({2, 3, 6, 6}, d, s++)}, {{"output_size", std::vector<int64_t>{1, 1}}}, "global " + dn(d)});
    out.push_back({{make({1, 2, 7, 5}, d, s++)}, {{"output_size", std::vector<int64_t>{3, 4}}}, "uneven windows " + dn(d)});
  }
  out.push_back({{make({2, 5, 5}, DType::f32, s++)}, {{"output_size", std::vector<int64_t>{2}}}, "unbatched"});
  out.push_back({{noncontiguous(make({1, 2, 4, 6}, DType::f32, s++))}, {{"output_size", std::vector<int64_t>{2, 2}}},
                 "non-contiguous"});
  out.push_back({{make({1, 2, 3, 3}, DType::f32, s++)}, {{"output_size", std::vector<int64_t>{5, 5}}}, "upsampling windows"});
  return out;
}

std::vector<OpErrorCase> adaptive_errors() {
  return {error({make({4, 4}, DType::f32, 1)}, {{"output_size", std::vector<int64_t>{1, 1}}}, ErrorKind::shape, {"[4, 4]"},
                "2-d input"),
          error({make({1, 1, 4, 4}, DType::f32, 1)}, {{"output_size", std::vector<int64_t>{1, 1, 1}}}, ErrorKind::value,
                {"output_size"}, "three sizes")};
}

// conv2d's padding arg is a list of ints or "same"/"valid".
Tensor conv2d_from_args(const std::vector<Tensor>& x, const OpArgs& a) {
  const auto& items = a.items();
  auto it = items.find("padding");
  IntVec st = a.get_ints("stride", {1, 1}), dil = a.get_ints("dilation", {1, 1});
  int64_t groups = a.get_int("groups", 1);
  if (it != items.end() && std::holds_alternative<std::string>(it->second.value())) {
    std::string mode = a.get_str("padding");
    return conv2d(x[0], x[1], opt(x, 2), st, mode.c_str(), dil, groups);
  }
  return conv2d(x[0], x[1], opt(x, 2), st, a.get_ints("padding", {0, 0}), dil, groups);
}

}  // namespace

void register_nn_conv_ops(OpRegistry& r) {
  auto add = [&](OpInfo op, double tol) {
    op.rtol = tol;
    op.atol = tol;
    r.add(std::move(op));
  };
  // Sums of products: PyTorch accumulates in float32 in another order than our double accumulators.
  add(make_op("linear", kGroup, 3, true, "Gemm",
              [](const std::vector<Tensor>& x, const OpArgs&) { return std::vector<Tensor>{linear(x[0], x[1], opt(x, 2))}; },
              linear_samples, linear_errors),
      1e-5);
  add(make_op("conv2d", kGroup, 3, true, "Conv",
              [](const std::vector<Tensor>& x, const OpArgs& a) { return std::vector<Tensor>{conv2d_from_args(x, a)}; },
              conv2d_samples, conv2d_errors),
      1e-5);
  add(make_op("conv1d", kGroup, 3, true, "Conv",
              [](const std::vector<Tensor>& x, const OpArgs& a) {
                return std::vector<Tensor>{conv1d(x[0], x[1], opt(x, 2), a.get_int("stride", 1), a.get_int("padding", 0),
                                                  a.get_int("dilation", 1), a.get_int("groups", 1))};
              },
              conv1d_samples, conv1d_errors),
      1e-5);
  add(make_op("conv_transpose2d", kGroup, 3, true, "ConvTranspose",
              [](const std::vector<Tensor>& x, const OpArgs& a) {
                return std::vector<Tensor>{conv_transpose2d(x[0], x[1], opt(x, 2), a.get_ints("stride", {1, 1}),
                                                            a.get_ints("padding", {0, 0}),
                                                            a.get_ints("output_padding", {0, 0}), a.get_int("groups", 1),
                                                            a.get_ints("dilation", {1, 1}))};
              },
              conv_transpose2d_samples, conv_transpose2d_errors),
      1e-5);
  add(make_op("max_pool2d", kGroup, 1, true, "MaxPool",
              [](const std::vector<Tensor>& x, const OpArgs& a) {
                return std::vector<Tensor>{max_pool2d(x[0], a.get_ints("kernel_size"), a.get_ints("stride", {}),
                                                      a.get_ints("padding", {0, 0}), a.get_ints("dilation", {1, 1}),
                                                      a.get_bool("ceil_mode", false))};
              },
              max_pool2d_samples, [] { return pool_errors("max_pool2d"); }),
      1e-6);
  add(make_op("max_pool1d", kGroup, 1, true, "MaxPool",
              [](const std::vector<Tensor>& x, const OpArgs& a) {
                return std::vector<Tensor>{max_pool1d(x[0], a.get_int("kernel_size"), a.get_int("stride", -1),
                                                      a.get_int("padding", 0), a.get_int("dilation", 1),
                                                      a.get_bool("ceil_mode", false))};
              },
              max_pool1d_samples),
      1e-6);
  add(make_op("avg_pool2d", kGroup, 1, true, "AveragePool",
              [](const std::vector<Tensor>& x, const OpArgs& a) {
                return std::vector<Tensor>{avg_pool2d(x[0], a.get_ints("kernel_size"), a.get_ints("stride", {}),
                                                      a.get_ints("padding", {0, 0}), a.get_bool("ceil_mode", false),
                                                      a.get_bool("count_include_pad", true))};
              },
              avg_pool2d_samples, [] { return pool_errors("avg_pool2d"); }),
      1e-6);
  add(make_op("adaptive_avg_pool2d", kGroup, 1, true, "GlobalAveragePool",
              [](const std::vector<Tensor>& x, const OpArgs& a) {
                return std::vector<Tensor>{adaptive_avg_pool2d(x[0], a.get_ints("output_size"))};
              },
              adaptive_samples, adaptive_errors),
      1e-6);
}

}  // namespace hangu::ops

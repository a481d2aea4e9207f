#include "hangu/ops/reduction_samples.h"

#include <string>

#include "hangu/ops/samples.h"

namespace hangu::ops::reduction_samples {

namespace {

OpArgs with(const OpArgs& extra, std::initializer_list<std::pair<const std::string, Arg>> kv) {
  OpArgs a = extra;
  for (const auto& [k, v] : kv) a.set(k, v);
  return a;
}

}  // namespace

std::vector<OpSample> dims(const std::vector<DType>& dtypes, const OpArgs& extra, bool empty_dim, bool multi_dim,
                           double lo, double hi) {
  using samples::make;
  using V = std::vector<int64_t>;
  std::vector<OpSample> out;
  uint64_t seed = 700;
  for (DType d : dtypes) {
    const std::string n(dtype_name(d));
    out.push_back({{make({}, d, seed++, lo, hi)}, extra, "0-d all " + n});
    out.push_back({{make({}, d, seed++, lo, hi)}, with(extra, {{"dim", V{0}}}), "0-d dim 0 " + n});
    out.push_back({{make({7}, d, seed++, lo, hi)}, extra, "1-d all " + n});
    out.push_back({{make({3, 5}, d, seed++, lo, hi)}, with(extra, {{"dim", V{1}}}), "2-d dim 1 " + n});
    out.push_back(
        {{make({3, 5}, d, seed++, lo, hi)}, with(extra, {{"dim", V{0}}, {"keepdim", true}}), "2-d dim 0 keepdim " + n});
    out.push_back({{make({2, 3, 4}, d, seed++, lo, hi)}, with(extra, {{"dim", V{-1}}}), "3-d dim -1 " + n});
    out.push_back({{samples::noncontiguous(make({2, 3, 4}, d, seed++, lo, hi))},
                   with(extra, {{"dim", V{1}}}),
                   "non-contiguous dim 1 " + n});
    out.push_back({{samples::transposed_layout(make({4, 3}, d, seed++, lo, hi))},
                   with(extra, {{"dim", V{0}}}),
                   "transposed dim 0 " + n});
    out.push_back({{make({0, 3}, d, seed++, lo, hi)}, with(extra, {{"dim", V{1}}}), "0-size dim 1 " + n});
    if (empty_dim) {
      out.push_back({{make({0, 3}, d, seed++, lo, hi)}, with(extra, {{"dim", V{0}}}), "0-size dim 0 " + n});
      out.push_back({{make({0}, d, seed++, lo, hi)}, extra, "0-size all " + n});
    }
    if (multi_dim) {
      out.push_back({{make({2, 3, 4}, d, seed++, lo, hi)},
                     with(extra, {{"dim", V{0, 2}}, {"keepdim", true}}),
                     "3-d dims [0, 2] keepdim " + n});
      out.push_back(
          {{make({2, 3, 2, 2}, d, seed++, lo, hi)}, with(extra, {{"dim", V{-1, 1}}}), "4-d dims [-1, 1] " + n});
      out.push_back({{make({2, 3, 2}, d, seed++, lo, hi)}, with(extra, {{"keepdim", true}}), "3-d all keepdim " + n});
    }
  }
  return out;
}

std::vector<OpSample> one_dim(const std::vector<DType>& dtypes, const OpArgs& extra, bool keepdim, bool empty_dim,
                              double lo, double hi) {
  using samples::make;
  std::vector<OpSample> out;
  uint64_t seed = 800;
  for (DType d : dtypes) {
    const std::string n(dtype_name(d));
    out.push_back({{make({}, d, seed++, lo, hi)}, with(extra, {{"dim", 0}}), "0-d dim 0 " + n});
    out.push_back({{make({7}, d, seed++, lo, hi)}, with(extra, {{"dim", 0}}), "1-d " + n});
    out.push_back({{make({3, 5}, d, seed++, lo, hi)}, with(extra, {{"dim", 1}}), "2-d dim 1 " + n});
    out.push_back({{make({2, 3, 4}, d, seed++, lo, hi)}, with(extra, {{"dim", -2}}), "3-d dim -2 " + n});
    out.push_back({{samples::noncontiguous(make({2, 3, 4}, d, seed++, lo, hi))},
                   with(extra, {{"dim", 2}}),
                   "non-contiguous dim 2 " + n});
    out.push_back({{samples::transposed_layout(make({4, 3}, d, seed++, lo, hi))},
                   with(extra, {{"dim", 0}}),
                   "transposed dim 0 " + n});
    out.push_back({{make({0, 3}, d, seed++, lo, hi)}, with(extra, {{"dim", 1}}), "0-size dim 1 " + n});
    if (empty_dim) out.push_back({{make({3, 0}, d, seed++, lo, hi)}, with(extra, {{"dim", 1}}), "0-size dim " + n});
    if (keepdim) {
      out.push_back(
          {{make({3, 4}, d, seed++, lo, hi)}, with(extra, {{"dim", 0}, {"keepdim", true}}), "2-d dim 0 keepdim " + n});
      out.push_back({{make({2, 3, 4}, d, seed++, lo, hi)},
                     with(extra, {{"dim", -1}, {"keepdim", false}}),
                     "3-d dim -1 no keepdim " + n});
    }
  }
  return out;
}

std::vector<int64_t> dims_arg(const OpArgs& a) { return a.get_ints("dim", {}); }

std::optional<DType> dtype_arg(const OpArgs& a) {
  if (!a.has("dtype")) return std::nullopt;
  return a.get_dtype("dtype");
}

}  // namespace hangu::ops::reduction_samples

// Views share storage with their base: for every view op, writing through the view changes the
// base (exactly the elements the view addresses), and writing the base shows through the view.
// reshape/flatten copy when the strides do not allow a view; contiguous() copies only when needed.
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "hangu/core/error.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/views.h"

namespace hangu {
namespace {

// A [2, 3, 4] float32 base holding 0..23.
Tensor base() { return reshape(arange(0, 24, 1, DType::f32), {2, 3, 4}); }

// Storage offsets (in elements) addressed by v.
std::set<int64_t> addressed(const Tensor& v) {
  std::set<int64_t> out;
  if (v.numel() == 0) return out;
  Shape idx(static_cast<size_t>(v.dim()), 0);
  for (int64_t n = 0; n < v.numel(); ++n) {
    int64_t off = v.offset();
    for (size_t d = 0; d < idx.size(); ++d) off += idx[d] * v.strides()[d];
    out.insert(off);
    for (int64_t d = v.dim() - 1; d >= 0; --d) {
      if (++idx[static_cast<size_t>(d)] < v.shape()[static_cast<size_t>(d)]) break;
      idx[static_cast<size_t>(d)] = 0;
    }
  }
  return out;
}

// Checks that `v` (made from `b`, a contiguous tensor with offset 0 and distinct non-negative
// values) is a view: same storage, writes go both ways, and exactly the addressed elements change.
void expect_view(const Tensor& b, const Tensor& v, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_TRUE(v.shares_storage(b)) << "not a view";
  ASSERT_GT(v.numel(), 0);
  std::set<int64_t> offs = addressed(v);
  // The view reads the base's values.
  Tensor vc = contiguous(v);
  std::set<float> seen(vc.data_ptr<float>(), vc.data_ptr<float>() + vc.numel());
  for (int64_t o : offs) EXPECT_TRUE(seen.count(b.data_ptr<float>()[o])) << "offset " << o;
  // Writing through the view changes exactly those base elements.
  fill_(v, -1.0f);
  const float* p = b.data_ptr<float>();
  for (int64_t i = 0; i < b.numel(); ++i) EXPECT_EQ(p[i] == -1.0f, offs.count(i) == 1) << "element " << i;
  // Writing the base shows through the view.
  fill_(b, 7.0f);
  Tensor again = contiguous(v);
  for (int64_t i = 0; i < again.numel(); ++i) EXPECT_EQ(again.data_ptr<float>()[i], 7.0f);
}

struct ViewCase {
  const char* name;
  std::function<Tensor(const Tensor&)> make;
};

TEST(Views, EveryViewOpSharesStorage) {
  const std::vector<ViewCase> cases = {
      {"view", [](const Tensor& b) { return view(b, {6, 4}); }},
      {"view -1", [](const Tensor& b) { return view(b, {-1}); }},
      {"view of a narrowed tensor", [](const Tensor& b) { return view(narrow(b, 2, 1, 2), {6, 2}); }},
      {"reshape (viewable)", [](const Tensor& b) { return reshape(b, {4, 6}); }},
      {"permute", [](const Tensor& b) { return permute(b, {2, 0, 1}); }},
      {"transpose", [](const Tensor& b) { return transpose(b, 0, 2); }},
      {"t", [](const Tensor& b) { return t(select(b, 0, 1)); }},
      {"movedim", [](const Tensor& b) { return movedim(b, 0, -1); }},
      {"narrow", [](const Tensor& b) { return narrow(b, 1, 1, 2); }},
      {"slice with step", [](const Tensor& b) { return slice(b, 2, 0, 4, 3); }},
      {"slice negative start", [](const Tensor& b) { return slice(b, 1, -2, 3, 1); }},
      {"select", [](const Tensor& b) { return select(b, 1, 2); }},
      {"select negative", [](const Tensor& b) { return select(b, -1, -1); }},
      {"expand", [](const Tensor& b) { return expand(narrow(b, 2, 0, 1), {2, 3, 5}); }},
      {"expand_as", [](const Tensor& b) { return expand_as(narrow(b, 0, 1, 1), b); }},
      {"broadcast_to", [](const Tensor& b) { return broadcast_to(select(select(b, 0, 0), 0, 1), Shape{3, 4}); }},
      {"squeeze", [](const Tensor& b) { return squeeze(narrow(b, 1, 2, 1)); }},
      {"squeeze dim", [](const Tensor& b) { return squeeze(narrow(b, 0, 1, 1), 0); }},
      {"unsqueeze", [](const Tensor& b) { return unsqueeze(b, 1); }},
      {"flatten", [](const Tensor& b) { return flatten(b, 1, 2); }},
      {"unflatten", [](const Tensor& b) { return unflatten(b, 2, Shape{2, 2}); }},
      {"as_strided", [](const Tensor& b) { return as_strided(b, Shape{3, 3}, Shape{5, 1}, 2); }},
      {"as_strided overlapping", [](const Tensor& b) { return as_strided(b, Shape{4, 3}, Shape{1, 1}); }},
      {"diagonal", [](const Tensor& b) { return diagonal(b, 1, 1, 2); }},
      {"diagonal below", [](const Tensor& b) { return diagonal(select(b, 0, 1), -1); }},
      {"unfold", [](const Tensor& b) { return unfold(b, 2, 2, 1); }},
      {"alias", [](const Tensor& b) { return alias(b); }},
      {"view of a view", [](const Tensor& b) { return select(transpose(narrow(b, 2, 1, 3), 0, 1), 2, 1); }},
      {"split", [](const Tensor& b) { return split(b, 2, 2).at(1); }},
      {"split sizes", [](const Tensor& b) { return split(b, Shape{1, 2}, 1).at(1); }},
      {"chunk", [](const Tensor& b) { return chunk(b, 3, 1).at(2); }},
  };
  for (const ViewCase& c : cases) {
    Tensor b = base();
    expect_view(b, c.make(b), c.name);
  }
}

TEST(Views, ZeroDAndZeroSizeViewsShareStorage) {
  Tensor b = base();
  Tensor s = select(select(select(b, 0, 1), 0, 2), 0, 3);  // 0-d
  EXPECT_EQ(s.dim(), 0);
  expect_view(b, s, "0-d select");
  Tensor e = narrow(b, 1, 3, 0);
  EXPECT_EQ(e.numel(), 0);
  EXPECT_TRUE(e.shares_storage(b));
  EXPECT_TRUE(slice(e, 2, 1, 3).shares_storage(b));  // slicing inside a 0-size view
  EXPECT_TRUE(unsqueeze(s, 0).shares_storage(b));
}

TEST(Views, ReshapeCopiesWhenNoViewIsPossible) {
  Tensor b = base();
  Tensor tr = transpose(b, 1, 2);
  EXPECT_THROW(view(tr, {-1}), ShapeError);
  Tensor r = reshape(tr, {-1});
  EXPECT_FALSE(r.shares_storage(b));
  EXPECT_TRUE(r.is_contiguous());
  EXPECT_EQ(to_vector<float>(r), to_vector<float>(tr));
  Tensor f = flatten(tr);
  EXPECT_FALSE(f.shares_storage(b));
  EXPECT_EQ(to_vector<float>(f), to_vector<float>(tr));
  // Writing the copy leaves the base alone.
  fill_(r, -1.0f);
  EXPECT_EQ(to_vector<float>(b)[1], 1.0f);
}

TEST(Views, ContiguousCopiesOnlyWhenNeeded) {
  Tensor b = base();
  Tensor c = contiguous(b);
  EXPECT_TRUE(c.is_same(b));
  EXPECT_TRUE(contiguous(narrow(b, 0, 1, 1)).shares_storage(b));  // a contiguous view stays a view
  Tensor tr = transpose(b, 0, 2);
  Tensor ct = contiguous(tr);
  EXPECT_FALSE(ct.shares_storage(b));
  EXPECT_TRUE(ct.is_contiguous());
  EXPECT_EQ(to_vector<float>(ct), to_vector<float>(tr));
  Tensor cl = clone(b);
  EXPECT_FALSE(cl.shares_storage(b));
}

TEST(Views, InPlaceCopyIntoAView) {
  Tensor b = base();
  copy_(select(b, 2, 0), full(Shape{2, 3}, 100.0f, DType::f32));  // a strided destination
  std::vector<float> v = to_vector<float>(b);
  for (int64_t i = 0; i < 24; ++i) EXPECT_EQ(v[static_cast<size_t>(i)], i % 4 == 0 ? 100.0f : static_cast<float>(i));
  // Overlapping source and destination of the same storage.
  Tensor x = arange(0, 6, 1, DType::f32);
  copy_(narrow(x, 0, 1, 5), narrow(x, 0, 0, 5));
  EXPECT_EQ(to_vector<float>(x), (std::vector<float>{0, 0, 1, 2, 3, 4}));
}

}  // namespace
}  // namespace hangu

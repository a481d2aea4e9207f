#include "hangu/data/random_shift.h"

#include <algorithm>

#include "hangu/core/error.h"
#include "hangu/core/rng.h"
#include "hangu/data/image/transforms.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"

namespace hangu::data {
namespace {

// dst = src moved by (dy, dx) in its last two dims (h x w planes), `fill` where nothing lands.
template <typename T>
void shift_planes(const T* src, T* dst, int64_t planes, int64_t h, int64_t w, int64_t dy, int64_t dx, T fill) {
  const int64_t x0 = std::clamp<int64_t>(dx, 0, w), x1 = std::clamp<int64_t>(w + dx, 0, w);  // dst columns with a source
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t y = 0; y < h; ++y) {
      T* row = dst + (p * h + y) * w;
      const int64_t sy = y - dy;
      if (sy < 0 || sy >= h || x1 <= x0) {
        std::fill(row, row + w, fill);
        continue;
      }
      const T* srow = src + (p * h + sy) * w;
      std::fill(row, row + x0, fill);
      std::copy(srow + (x0 - dx), srow + (x1 - dx), row + x0);
      std::fill(row + x1, row + w, fill);
    }
}

}  // namespace

RandomShift::RandomShift(std::shared_ptr<const Dataset> base, int64_t max_shift, double fill, uint64_t seed)
    : base_(std::move(base)), max_shift_(max_shift), fill_(fill), seed_(seed) {
  if (max_shift < 0)
    throw ValueError(MsgId::train_bad_option, "RandomShift", "max_shift", std::to_string(max_shift), ">= 0");
}

RandomShift::Offset RandomShift::offset(int64_t epoch, int64_t index) const {
  Generator gen(splitmix64(seed_ ^ splitmix64(static_cast<uint64_t>(epoch) * 0x100000001B3ull + static_cast<uint64_t>(index))));
  RandomDraw draw(gen);
  Offset o;
  o.dy = draw.integer(-max_shift_, max_shift_ + 1);
  o.dx = draw.integer(-max_shift_, max_shift_ + 1);
  return o;
}

Example RandomShift::get(int64_t index) const {
  Example e = base_->get(index);
  const Tensor& x = e.data;
  if (!x.defined() || x.dim() < 2 || (x.dtype() != DType::f32 && x.dtype() != DType::f64))
    throw ValueError(MsgId::data_not_image, "RandomShift", index, x.defined() ? x.shape() : Shape{},
                     x.defined() ? x.dtype() : DType::f32);
  if (max_shift_ == 0) return e;
  const Offset o = offset(epoch_.load(), index);
  const Tensor src = contiguous(x);
  Tensor out = empty(x.shape(), x.dtype());
  const int64_t h = x.size(-2), w = x.size(-1), planes = h * w == 0 ? 0 : x.numel() / (h * w);
  if (x.dtype() == DType::f32)
    shift_planes(src.data_ptr<float>(), out.data_ptr<float>(), planes, h, w, o.dy, o.dx, static_cast<float>(fill_));
  else
    shift_planes(src.data_ptr<double>(), out.data_ptr<double>(), planes, h, w, o.dy, o.dx, fill_);
  e.data = out;
  return e;
}

}  // namespace hangu::data

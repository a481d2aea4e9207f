// Convolution as GEMM. A 1x1 stride-1 convolution is y_i = W @ x_i per image, one batched GEMM
// with no copy. Every other shape unfolds its input tile by tile (im2col) into a per-thread
// buffer sized to stay in L2, and multiplies each tile at once. Work is split into tasks fixed by
// the shape alone (tiles of output positions, blocks of input channels), each writing its own
// part of the result in a fixed order, so the bits never depend on the thread count:
//   forward     task = (group, tile):                 y[tile] = W_g @ cols(tile) (+ bias)
//   input grad  task = (group, channel block, image): cols = W_g^T @ gy[tile], col2im, tile by tile
//   weight grad task = (group, channel block):        gw^T += cols(tile) @ gy[tile]^T over all tiles
#include <algorithm>
#include <type_traits>

#include "hangu/core/thread_pool.h"
#include "hangu/kernels/cpu/conv/conv_paths.h"
#include "hangu/kernels/cpu/conv/im2col.h"
#include "hangu/kernels/cpu/conv/scratch.h"
#include "hangu/kernels/cpu/gemm.h"

namespace hangu::kernels {
namespace {

// Column tiles stay in L2 for the forward and the input gradient; the weight gradient streams its
// tile through the GEMM's K loop, where longer tiles mean fewer passes over gw.
inline constexpr int64_t kColBudgetBytes = int64_t{320} << 10, kWeightColBudgetBytes = int64_t{1} << 20;
inline constexpr int64_t kMinTileCols = 64, kMaxTileCols = 4096, kColAlign = 16;
// Channel blocks are split until there are this many tasks: many for the input gradient (each
// task is one image's block), few for the weight gradient, whose GEMM wants wide blocks.
inline constexpr int64_t kMinTasks = 8, kMinWeightTasks = 2;

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// C (m x n) = A (m x k) @ B (k x n), or C += when accumulate; strides in elements.
template <typename T>
void gemm_tile(int64_t m, int64_t n, int64_t k, const T* a, int64_t a_rs, int64_t a_cs, const T* b, int64_t b_rs,
               int64_t b_cs, bool accumulate, T* c, int64_t c_rs) {
  GemmDesc d;
  d.m = m, d.n = n, d.k = k;
  d.a_rs = a_rs, d.a_cs = a_cs, d.b_rs = b_rs, d.b_cs = b_cs, d.c_rs = c_rs, d.c_cs = 1;
  gemm(dtype_of<T>, d, 1, a, b, accumulate ? 1 : 0, c);
}

// How the output positions of the whole batch are cut into tiles of about `target` columns:
// large images into `per_image` runs of positions, small ones into groups of whole images.
struct TilePlan {
  int64_t ohw = 0, n = 0;
  int64_t per_image = 1;  // tiles per image (split mode) ...
  int64_t images = 1;     // ... or images per tile (when per_image == 1)
  int64_t nq = 0;         // positions per tile in split mode
  int64_t count = 0;

  TilePlan(int64_t ohw_, int64_t n_, int64_t rows, int64_t elem_bytes, int64_t budget = kColBudgetBytes)
      : ohw(ohw_), n(n_) {
    const int64_t target = std::clamp(budget / std::max<int64_t>(1, rows * elem_bytes), kMinTileCols, kMaxTileCols);
    if (ohw > target) {
      nq = std::min(ohw, ceil_div(ceil_div(ohw, ceil_div(ohw, target)), kColAlign) * kColAlign);
      per_image = ceil_div(ohw, nq);
      count = n * per_image;
    } else {
      nq = ohw;
      images = std::clamp<int64_t>(target / std::max<int64_t>(ohw, 1), 1, std::max<int64_t>(n, 1));
      count = ceil_div(n, images);
    }
  }
  ConvTile tile(int64_t t) const {
    ConvTile c;
    if (per_image > 1) {
      c.i0 = t / per_image, c.ni = 1, c.q0 = (t % per_image) * nq, c.nq = std::min(nq, ohw - c.q0);
    } else {
      c.i0 = t * images, c.ni = std::min(images, n - c.i0), c.q0 = 0, c.nq = ohw;
    }
    return c;
  }
  // Tiles touching disjoint images: all tiles of one image, or one multi-image tile.
  int64_t units() const { return count / per_image; }
};

// The rows [g * og, g * og + og) of gy over a tile, as a matrix with row stride *rs: a view into
// gy when the tile is inside one image, else gathered into a per-thread buffer.
template <typename T>
const T* gy_tile(const Conv2dShape& s, const T* gy, int64_t g, int64_t og, const ConvTile& t, int64_t* rs) {
  const int64_t ohw = s.oh * s.ow;
  if (t.ni == 1) {
    *rs = ohw;
    return gy + (t.i0 * s.c_out + g * og) * ohw + t.q0;
  }
  const int64_t ncol = t.cols();
  T* buf = scratch<T>(ScratchSlot::gather, og * ncol);
  for (int64_t o = 0; o < og; ++o)
    for (int64_t ii = 0; ii < t.ni; ++ii) {
      const T* src = gy + ((t.i0 + ii) * s.c_out + g * og + o) * ohw;
      std::copy(src, src + ohw, buf + o * ncol + ii * ohw);
    }
  *rs = ncol;
  return buf;
}

// Channel blocks of a group: `count` blocks of `size` channels (the last may be smaller).
struct ChannelSplit {
  int64_t size = 1, count = 1;
  ChannelSplit(int64_t cg, int64_t other_tasks, int64_t min_tasks) {
    const int64_t want =
        std::clamp<int64_t>(ceil_div(min_tasks, std::max<int64_t>(other_tasks, 1)), 1, std::max<int64_t>(cg, 1));
    size = ceil_div(std::max<int64_t>(cg, 1), want);
    count = ceil_div(std::max<int64_t>(cg, 1), size);
  }
};

// C = A @ B + bias[row] (bias may be null) for every batch entry of d: the f32 GEMM adds the bias
// in its store; f64 writes it into C first and accumulates.
template <typename T>
void gemm_bias_rows(const GemmDesc& d, const T* a, const T* b, const T* bias, T* c) {
  if constexpr (std::is_same_v<T, float>) {
    GemmEpilogue ep;
    ep.bias = bias;
    ep.bias_kind = bias ? GemmEpilogue::Bias::row : GemmEpilogue::Bias::none;
    f32_gemm(d, 1.0f, a, b, 0.0f, c, &ep);
  } else {
    if (bias)
      for (int64_t i = 0; i < d.batch; ++i)
        for (int64_t r = 0; r < d.m; ++r)
          for (int64_t j = 0; j < d.n; ++j) c[i * d.c_bs + r * d.c_rs + j * d.c_cs] = bias[r];
    gemm(dtype_of<T>, d, 1, a, b, bias ? 1 : 0, c);
  }
}

template <typename T>
void pointwise_forward(const Conv2dShape& s, const T* x, const T* w, const T* bias, T* y) {
  const int64_t hw = s.h * s.w, cg = s.c_in / s.groups, og = s.c_out / s.groups;
  for (int64_t g = 0; g < s.groups; ++g) {
    GemmDesc d;
    d.batch = s.n, d.m = og, d.n = hw, d.k = cg;
    d.a_bs = 0, d.a_rs = cg, d.a_cs = 1;
    d.b_bs = s.c_in * hw, d.b_rs = hw, d.b_cs = 1;
    d.c_bs = s.c_out * hw, d.c_rs = hw, d.c_cs = 1;
    gemm_bias_rows(d, w + g * og * cg, x + g * cg * hw, bias ? bias + g * og : nullptr, y + g * og * hw);
  }
}

template <typename T>
void pointwise_input_grad(const Conv2dShape& s, const T* gy, const T* w, T* gx) {
  const int64_t hw = s.h * s.w, cg = s.c_in / s.groups, og = s.c_out / s.groups;
  for (int64_t g = 0; g < s.groups; ++g) {
    GemmDesc d;
    d.batch = s.n, d.m = cg, d.n = hw, d.k = og;
    d.a_bs = 0, d.a_rs = 1, d.a_cs = cg;  // W_g^T
    d.b_bs = s.c_out * hw, d.b_rs = hw, d.b_cs = 1;
    d.c_bs = s.c_in * hw, d.c_rs = hw, d.c_cs = 1;
    gemm(dtype_of<T>, d, 1, w + g * og * cg, gy + g * og * hw, 0, gx + g * cg * hw);
  }
}

template <typename T>
void pointwise_weight_grad(const Conv2dShape& s, const T* gy, const T* x, T* gw) {
  const int64_t hw = s.h * s.w, cg = s.c_in / s.groups, og = s.c_out / s.groups;
  for (int64_t g = 0; g < s.groups; ++g)
    for (int64_t i = 0; i < s.n; ++i)  // images summed in order: gw_g += gy_i,g @ x_i,g^T
      gemm_tile<T>(og, cg, hw, gy + (i * s.c_out + g * og) * hw, hw, 1, x + (i * s.c_in + g * cg) * hw, 1, hw, i > 0,
                   gw + g * og * cg, cg);
}

}  // namespace

bool conv_is_pointwise(const Conv2dShape& s) {
  return s.kh == 1 && s.kw == 1 && s.sh == 1 && s.sw == 1 && s.ph == 0 && s.pw == 0 && s.oh == s.h && s.ow == s.w;
}

template <typename T>
void conv_gemm_forward(const Conv2dShape& s, const T* x, const T* w, const T* bias, T* y) {
  if (conv_is_pointwise(s)) return pointwise_forward(s, x, w, bias, y);
  const int64_t ohw = s.oh * s.ow, cg = s.c_in / s.groups, og = s.c_out / s.groups, kk = s.kh * s.kw;
  const int64_t rows = cg * kk;
  const TilePlan plan(ohw, s.n, rows, sizeof(T));
  parallel_for(0, s.groups * plan.count, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t task = lo; task < hi; ++task) {
      const int64_t g = task / plan.count;
      const ConvTile t = plan.tile(task % plan.count);
      const int64_t ncol = t.cols();
      T* cols = scratch<T>(ScratchSlot::cols, rows * ncol);
      im2col_tile(s, x, g * cg, cg, t, cols, ncol);
      const T* wg = w + g * og * rows;
      if (t.ni == 1) {  // straight into y
        GemmDesc d;
        d.m = og, d.n = ncol, d.k = rows;
        d.a_rs = rows, d.a_cs = 1, d.b_rs = ncol, d.b_cs = 1, d.c_rs = ohw, d.c_cs = 1;
        gemm_bias_rows(d, wg, cols, bias ? bias + g * og : nullptr, y + (t.i0 * s.c_out + g * og) * ohw + t.q0);
        continue;
      }
      T* out = scratch<T>(ScratchSlot::gather, og * ncol);  // [o][ii * ohw + q], then spread out
      gemm_tile<T>(og, ncol, rows, wg, rows, 1, cols, ncol, 1, false, out, ncol);
      for (int64_t ii = 0; ii < t.ni; ++ii)
        for (int64_t o = 0; o < og; ++o) {
          const T* src = out + o * ncol + ii * ohw;
          T* dst = y + ((t.i0 + ii) * s.c_out + g * og + o) * ohw;
          if (bias) {
            const T b = bias[g * og + o];
            for (int64_t q = 0; q < ohw; ++q) dst[q] = src[q] + b;
          } else {
            std::copy(src, src + ohw, dst);
          }
        }
    }
  });
}

template <typename T>
void conv_gemm_input_grad(const Conv2dShape& s, const T* gy, const T* w, T* gx) {
  if (conv_is_pointwise(s)) return pointwise_input_grad(s, gy, w, gx);
  const int64_t ohw = s.oh * s.ow, hw = s.h * s.w, cg = s.c_in / s.groups, og = s.c_out / s.groups;
  const int64_t kk = s.kh * s.kw, krows = cg * kk;
  const ChannelSplit split(cg, s.groups * TilePlan(ohw, s.n, krows, sizeof(T)).units(), kMinTasks);
  const TilePlan plan(ohw, s.n, split.size * kk, sizeof(T));
  const int64_t units = plan.units(), per_unit = plan.per_image;
  parallel_for(0, s.groups * split.count * units, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t task = lo; task < hi; ++task) {
      const int64_t u = task % units, cb = (task / units) % split.count, g = task / (units * split.count);
      const int64_t c0 = cb * split.size, nc = std::min(split.size, cg - c0), rows = nc * kk;
      const ConvTile first = plan.tile(u * per_unit);
      for (int64_t ii = 0; ii < first.ni; ++ii) {
        T* gp = gx + ((first.i0 + ii) * s.c_in + g * cg + c0) * hw;
        std::fill(gp, gp + nc * hw, T(0));
      }
      for (int64_t k = 0; k < per_unit; ++k) {  // the tiles of one image in order: col2im overlaps
        const ConvTile t = plan.tile(u * per_unit + k);
        const int64_t ncol = t.cols();
        int64_t gy_rs = 0;
        const T* gyt = gy_tile(s, gy, g, og, t, &gy_rs);
        T* cols = scratch<T>(ScratchSlot::cols, rows * ncol);
        // cols[j][col] = sum_o w[g * og + o][c0 * kk + j] * gy[o][col]
        gemm_tile<T>(rows, ncol, og, w + g * og * krows + c0 * kk, 1, krows, gyt, gy_rs, 1, false, cols, ncol);
        col2im_tile(s, cols, ncol, g * cg + c0, nc, t, gx);
      }
    }
  });
}

template <typename T>
void conv_gemm_weight_grad(const Conv2dShape& s, const T* gy, const T* x, T* gw) {
  if (conv_is_pointwise(s)) return pointwise_weight_grad(s, gy, x, gw);
  const int64_t ohw = s.oh * s.ow, cg = s.c_in / s.groups, og = s.c_out / s.groups;
  const int64_t kk = s.kh * s.kw, krows = cg * kk;
  const ChannelSplit split(cg, s.groups, kMinWeightTasks);
  const TilePlan plan(ohw, s.n, split.size * kk, sizeof(T), kWeightColBudgetBytes);
  parallel_for(0, s.groups * split.count, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t task = lo; task < hi; ++task) {
      const int64_t cb = task % split.count, g = task / split.count;
      const int64_t c0 = cb * split.size, nc = std::min(split.size, cg - c0), rows = nc * kk;
      T* gwt = scratch<T>(ScratchSlot::extra, rows * og);  // this block of gw, transposed: [j][o]
      for (int64_t k = 0; k < plan.count; ++k) {           // tiles summed in order
        const ConvTile t = plan.tile(k);
        const int64_t ncol = t.cols();
        T* cols = scratch<T>(ScratchSlot::cols, rows * ncol);
        im2col_tile(s, x, g * cg + c0, nc, t, cols, ncol);
        int64_t gy_rs = 0;
        const T* gyt = gy_tile(s, gy, g, og, t, &gy_rs);
        // gwt[j][o] (+)= sum_col cols[j][col] * gy[o][col]: the patch rows as M (the long side) and
        // the output channels as N suit the GEMM's tiles better than gw's own orientation.
        gemm_tile<T>(rows, og, ncol, cols, ncol, 1, gyt, 1, gy_rs, k > 0, gwt, og);
      }
      for (int64_t o = 0; o < og; ++o)
        for (int64_t j = 0; j < rows; ++j) gw[(g * og + o) * krows + c0 * kk + j] = gwt[j * og + o];
    }
  });
}

#define HANGU_CONV_GEMM_INSTANTIATE(T)                                                      \
  template void conv_gemm_forward<T>(const Conv2dShape&, const T*, const T*, const T*, T*); \
  template void conv_gemm_input_grad<T>(const Conv2dShape&, const T*, const T*, T*);        \
  template void conv_gemm_weight_grad<T>(const Conv2dShape&, const T*, const T*, T*);
HANGU_CONV_GEMM_INSTANTIATE(float)
HANGU_CONV_GEMM_INSTANTIATE(double)
#undef HANGU_CONV_GEMM_INSTANTIATE

}  // namespace hangu::kernels

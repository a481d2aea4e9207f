// Image ops: Resize (and the older Upsample) with nearest / linear / cubic modes and every
// coordinate transformation, GridSample (PyTorch's grid_sample), RoiAlign and
// NonMaxSuppression. Computed in double with plain loops.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "hangu/core/checked_math.h"
#include "hangu/ops/views.h"
#include "hangu/runtime/ops_common.h"

namespace hangu::runtime {
namespace {

struct ResizeSpec {
  std::string mode = "nearest", coord = "half_pixel", nearest = "round_prefer_floor";
  double cubic_a = -0.75, extrapolation = 0.0;
  bool exclude_outside = false;
};

// The source coordinate of output index o along one axis. `out` is the resized length before
// rounding (in * scale) when scales were given, as the ONNX reference uses it.
double source_coord(const ResizeSpec& s, int64_t o, double scale, int64_t in, double out, double roi_lo, double roi_hi) {
  const double x = static_cast<double>(o);
  if (s.coord == "half_pixel") return (x + 0.5) / scale - 0.5;
  if (s.coord == "pytorch_half_pixel") return out > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
  if (s.coord == "align_corners") return out == 1 ? 0.0 : x * static_cast<double>(in - 1) / (out - 1);
  if (s.coord == "asymmetric") return x / scale;
  if (s.coord == "tf_half_pixel_for_nn") return (x + 0.5) / scale;
  // tf_crop_and_resize
  return out > 1 ? roi_lo * static_cast<double>(in - 1) + x * (roi_hi - roi_lo) * static_cast<double>(in - 1) / (out - 1)
                 : 0.5 * (roi_lo + roi_hi) * static_cast<double>(in - 1);
}

// Resamples axis `axis` of a contiguous double buffer [outer, in, inner] to [outer, out, inner].
std::vector<double> resample_axis(const ResizeSpec& s, const std::vector<double>& src, int64_t outer, int64_t in, int64_t inner,
                                  int64_t out, double out_f, double scale, double roi_lo, double roi_hi) {
  std::vector<double> dst(static_cast<size_t>(outer * out * inner));
  std::vector<int64_t> idx;
  std::vector<double> w;
  for (int64_t o = 0; o < out; ++o) {
    const double x = source_coord(s, o, scale, in, out_f, roi_lo, roi_hi);
    idx.clear();
    w.clear();
    bool extrapolate = s.coord == "tf_crop_and_resize" && (x < 0 || x > static_cast<double>(in - 1));
    double xi = std::floor(x), r = x - xi;
    if (r == 0) {  // ONNX's convention: an exact sample is the upper point of the window below it
      xi -= 1;
      r = 1;
    }
    const int64_t base = static_cast<int64_t>(xi);
    if (s.mode == "nearest") {
      bool upper;
      if (s.nearest == "round_prefer_ceil") upper = r >= 0.5;
      else if (s.nearest == "floor") upper = r == 1;
      else if (s.nearest == "ceil") upper = true;
      else upper = r > 0.5;  // round_prefer_floor
      idx.push_back(base + (upper ? 1 : 0));
      w.push_back(1.0);
    } else if (s.mode == "linear") {
      idx = {base, base + 1};
      w = {1.0 - r, r};
    } else {
      const double A = s.cubic_a;
      auto k = [A](double t) {  // Keys' cubic kernel
        t = std::fabs(t);
        if (t <= 1) return ((A + 2) * t - (A + 3)) * t * t + 1;
        if (t < 2) return ((A * t - 5 * A) * t + 8 * A) * t - 4 * A;
        return 0.0;
      };
      idx = {base - 1, base, base + 1, base + 2};
      w = {k(r + 1), k(r), k(1 - r), k(2 - r)};
    }
    if (s.exclude_outside) {
      double total = 0;
      for (size_t j = 0; j < idx.size(); ++j) {
        if (idx[j] < 0 || idx[j] >= in) w[j] = 0;
        total += w[j];
      }
      if (total != 0)
        for (double& v : w) v /= total;
    }
    for (int64_t& i : idx) i = std::clamp<int64_t>(i, 0, in - 1);
    for (int64_t a = 0; a < outer; ++a)
      for (int64_t b = 0; b < inner; ++b) {
        double v = 0;
        if (extrapolate) {
          v = s.extrapolation;
        } else {
          for (size_t j = 0; j < idx.size(); ++j) v += w[j] * src[static_cast<size_t>((a * in + idx[j]) * inner + b)];
        }
        dst[static_cast<size_t>((a * out + o) * inner + b)] = v;
      }
  }
  return dst;
}

Tensor resize_tensor(const OpContext& c, const Tensor& x, const ResizeSpec& s, std::vector<double> scales, std::vector<int64_t> sizes,
                     const std::vector<double>& roi) {
  const int64_t r = x.dim();
  if (!sizes.empty() && static_cast<int64_t>(sizes.size()) != r) bad_input_shape(c, 3, {static_cast<int64_t>(sizes.size())}, std::to_string(r) + " sizes");
  if (!scales.empty() && static_cast<int64_t>(scales.size()) != r) bad_input_shape(c, 2, {static_cast<int64_t>(scales.size())}, std::to_string(r) + " scales");
  if (scales.empty() && sizes.empty()) bad_input_shape(c, 2, {0}, "scales or sizes");
  Shape out(static_cast<size_t>(r));
  for (int64_t d = 0; d < r; ++d) {
    const size_t ds = static_cast<size_t>(d);
    if (!sizes.empty()) {
      out[ds] = sizes[ds];
      if (scales.empty()) scales.resize(static_cast<size_t>(r));
      scales[ds] = x.size(d) ? static_cast<double>(sizes[ds]) / static_cast<double>(x.size(d)) : 1.0;
    } else {
      if (!(scales[ds] > 0)) bad_attr(c, "scales", std::to_string(scales[ds]), "positive scales");
      out[ds] = static_cast<int64_t>(std::floor(static_cast<double>(x.size(d)) * scales[ds]));
    }
    if (out[ds] < 0) bad_attr(c, "sizes", shape_str(out), "non-negative sizes");
  }
  checked_numel(out, "Resize");
  std::vector<double> buf = double_values(x);
  Shape cur = x.shape();
  for (int64_t d = 0; d < r; ++d) {
    const size_t ds = static_cast<size_t>(d);
    const double lo = roi.size() == static_cast<size_t>(2 * r) ? roi[ds] : 0.0;
    const double hi = roi.size() == static_cast<size_t>(2 * r) ? roi[ds + static_cast<size_t>(r)] : 1.0;
    if (out[ds] == cur[ds] && scales[ds] == 1.0 && s.coord != "tf_crop_and_resize") continue;
    int64_t outer = 1, inner = 1;
    for (int64_t e = 0; e < d; ++e) outer *= cur[static_cast<size_t>(e)];
    for (int64_t e = d + 1; e < r; ++e) inner *= cur[static_cast<size_t>(e)];
    const double out_f = sizes.empty() ? static_cast<double>(cur[ds]) * scales[ds] : static_cast<double>(out[ds]);
    buf = resample_axis(s, buf, outer, cur[ds], inner, out[ds], out_f, scales[ds], lo, hi);
    cur[ds] = out[ds];
  }
  return to(tensor(buf, IntList(cur)), x.dtype());
}

std::vector<double> optional_doubles(const OpContext& c, size_t i) {
  return c.has(i) && c.input(i).numel() > 0 ? double_values(c.input(i)) : std::vector<double>{};
}

void op_resize(OpContext& c) {
  ResizeSpec s;
  s.mode = c.attr_string("mode", "nearest");
  if (s.mode != "nearest" && s.mode != "linear" && s.mode != "cubic") bad_attr(c, "mode", s.mode, "nearest, linear or cubic");
  std::vector<double> roi, scales;
  std::vector<int64_t> sizes;
  if (c.opset() < 11) {
    s.coord = "asymmetric";
    s.nearest = "floor";
    scales = optional_doubles(c, 1);
  } else {
    s.coord = c.attr_string("coordinate_transformation_mode", "half_pixel");
    s.nearest = c.attr_string("nearest_mode", "round_prefer_floor");
    s.cubic_a = c.attr_float("cubic_coeff_a", -0.75f);
    s.exclude_outside = c.attr_int("exclude_outside", 0) != 0;
    s.extrapolation = c.attr_float("extrapolation_value", 0.0f);
    roi = optional_doubles(c, 1);
    scales = optional_doubles(c, 2);
    if (c.has(3) && c.input(3).numel() > 0) sizes = int_values(c.input(3));
  }
  static const char* coords[] = {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"};
  if (std::find_if(std::begin(coords), std::end(coords), [&](const char* m) { return s.coord == m; }) == std::end(coords))
    bad_attr(c, "coordinate_transformation_mode", s.coord, "a mode of ONNX Resize");
  c.set(0, resize_tensor(c, c.input(0), s, scales, sizes, roi));
}

void op_upsample(OpContext& c) {
  ResizeSpec s;
  const std::string mode = c.attr_string("mode", "nearest");
  s.mode = mode == "nearest" ? "nearest" : "linear";
  s.coord = "asymmetric";
  s.nearest = "floor";
  std::vector<double> scales;
  if (c.opset() < 9) {
    for (float f : c.attr_floats("scales")) scales.push_back(f);
  } else {
    scales = double_values(c.input(1));
  }
  c.set(0, resize_tensor(c, c.input(0), s, scales, {}, {}));
}

// ---- GridSample (PyTorch grid_sampler_2d semantics) ------------------------------------------

double reflect(double v, double twice_low, double twice_high) {
  if (twice_low == twice_high) return 0;
  const double mn = twice_low / 2, span = (twice_high - twice_low) / 2;
  v = std::fabs(v - mn);
  const double extra = std::fmod(v, span);
  const int64_t flips = static_cast<int64_t>(std::floor(v / span));
  return flips % 2 == 0 ? extra + mn : span - extra + mn;
}

double pad_coord(double v, int64_t size, const std::string& padding, bool align) {
  if (padding == "border") return std::clamp(v, 0.0, static_cast<double>(size - 1));
  if (padding == "reflection") {
    v = align ? reflect(v, 0, 2.0 * static_cast<double>(size - 1)) : reflect(v, -1, 2.0 * static_cast<double>(size) - 1);
    return std::clamp(v, 0.0, static_cast<double>(size - 1));
  }
  return v;
}

void op_grid_sample(OpContext& c) {
  const Tensor& x = c.input(0);
  const Tensor& grid = c.input(1);
  if (x.dim() != 4 || grid.dim() != 4 || grid.size(3) != 2 || grid.size(0) != x.size(0))
    bad_input_shape(c, 1, grid.shape(), "[N, H_out, W_out, 2] for a 4-d input");
  const std::string mode = c.attr_string("mode", "bilinear"), padding = c.attr_string("padding_mode", "zeros");
  const bool align = c.attr_int("align_corners", 0) != 0;
  const int64_t n = x.size(0), ch = x.size(1), h = x.size(2), w = x.size(3), ho = grid.size(1), wo = grid.size(2);
  const std::vector<double> xv = double_values(x), gv = double_values(grid);
  std::vector<double> y(static_cast<size_t>(n * ch * ho * wo));
  auto unnorm = [align](double v, int64_t size) {
    return align ? (v + 1) / 2 * static_cast<double>(size - 1) : ((v + 1) * static_cast<double>(size) - 1) / 2;
  };
  auto at = [&](int64_t b, int64_t k, int64_t iy, int64_t ix) -> double {
    if (padding != "zeros") {
      iy = std::clamp<int64_t>(iy, 0, h - 1);
      ix = std::clamp<int64_t>(ix, 0, w - 1);
    }
    if (iy < 0 || iy >= h || ix < 0 || ix >= w) return 0.0;
    return xv[static_cast<size_t>(((b * ch + k) * h + iy) * w + ix)];
  };
  const double A = -0.75;
  auto cubic1 = [A](double t) { return ((A + 2) * t - (A + 3)) * t * t + 1; };
  auto cubic2 = [A](double t) { return ((A * t - 5 * A) * t + 8 * A) * t - 4 * A; };
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oy = 0; oy < ho; ++oy)
      for (int64_t ox = 0; ox < wo; ++ox) {
        const size_t g = static_cast<size_t>(((b * ho + oy) * wo + ox) * 2);
        double ix = unnorm(gv[g], w), iy = unnorm(gv[g + 1], h);
        for (int64_t k = 0; k < ch; ++k) {
          double v = 0;
          if (mode == "bicubic") {
            const double fx = std::floor(ix), fy = std::floor(iy), tx = ix - fx, ty = iy - fy;
            const double wx[4] = {cubic2(tx + 1), cubic1(tx), cubic1(1 - tx), cubic2(2 - tx)};
            const double wy[4] = {cubic2(ty + 1), cubic1(ty), cubic1(1 - ty), cubic2(2 - ty)};
            for (int i = 0; i < 4; ++i) {
              double row = 0;
              for (int j = 0; j < 4; ++j) {
                double px = fx - 1 + j, py = fy - 1 + i;
                if (padding != "zeros") {
                  px = pad_coord(px, w, padding, align);
                  py = pad_coord(py, h, padding, align);
                }
                row += wx[j] * at(b, k, static_cast<int64_t>(py), static_cast<int64_t>(px));
              }
              v += wy[i] * row;
            }
          } else {
            const double px = pad_coord(ix, w, padding, align), py = pad_coord(iy, h, padding, align);
            if (mode == "nearest") {
              v = at(b, k, static_cast<int64_t>(std::nearbyint(py)), static_cast<int64_t>(std::nearbyint(px)));
            } else {
              const double x0 = std::floor(px), y0 = std::floor(py), dx = px - x0, dy = py - y0;
              const int64_t X0 = static_cast<int64_t>(x0), Y0 = static_cast<int64_t>(y0);
              auto tap = [&](int64_t yy, int64_t xx) {
                return yy < 0 || yy >= h || xx < 0 || xx >= w ? 0.0 : xv[static_cast<size_t>(((b * ch + k) * h + yy) * w + xx)];
              };
              v = tap(Y0, X0) * (1 - dx) * (1 - dy) + tap(Y0, X0 + 1) * dx * (1 - dy) + tap(Y0 + 1, X0) * (1 - dx) * dy +
                  tap(Y0 + 1, X0 + 1) * dx * dy;
            }
          }
          y[static_cast<size_t>(((b * ch + k) * ho + oy) * wo + ox)] = v;
        }
      }
  c.set(0, to(tensor(y, IntList(Shape{n, ch, ho, wo})), x.dtype()));
}

// ---- RoiAlign ---------------------------------------------------------------------------------

void op_roi_align(OpContext& c) {
  const Tensor& x = c.input(0);
  if (x.dim() != 4) bad_input_shape(c, 0, x.shape(), "[N, C, H, W]");
  const std::vector<double> xv = double_values(x), rois = double_values(c.input(1));
  const std::vector<int64_t> bidx = int_values(c.input(2));
  const int64_t ch = x.size(1), h = x.size(2), w = x.size(3);
  const int64_t ph = c.attr_int("output_height", 1), pw = c.attr_int("output_width", 1);
  const int64_t ratio = c.attr_int("sampling_ratio", 0);
  const double scale = c.attr_float("spatial_scale", 1.0f);
  const bool max_mode = c.attr_string("mode", "avg") == "max";
  const bool half = c.opset() >= 16 && c.attr_string("coordinate_transformation_mode", "half_pixel") == "half_pixel";
  const int64_t nroi = static_cast<int64_t>(bidx.size());
  if (static_cast<int64_t>(rois.size()) != nroi * 4) bad_input_shape(c, 1, c.input(1).shape(), "[num_rois, 4]");
  std::vector<double> y(static_cast<size_t>(nroi * ch * ph * pw));
  const double off = half ? 0.5 : 0.0;
  for (int64_t r = 0; r < nroi; ++r) {
    const int64_t b = bidx[static_cast<size_t>(r)];
    if (b < 0 || b >= x.size(0)) throw IndexError(MsgId::rt_index_out_of_range, c.label(), b, x.size(0));
    const double x1 = rois[static_cast<size_t>(r * 4)] * scale - off, y1 = rois[static_cast<size_t>(r * 4 + 1)] * scale - off;
    const double x2 = rois[static_cast<size_t>(r * 4 + 2)] * scale - off, y2 = rois[static_cast<size_t>(r * 4 + 3)] * scale - off;
    double rw = x2 - x1, rh = y2 - y1;
    if (!half) {
      rw = std::max(rw, 1.0);
      rh = std::max(rh, 1.0);
    }
    const double bh = rh / static_cast<double>(ph), bw = rw / static_cast<double>(pw);
    const int64_t gh = ratio > 0 ? ratio : static_cast<int64_t>(std::ceil(rh / static_cast<double>(ph)));
    const int64_t gw = ratio > 0 ? ratio : static_cast<int64_t>(std::ceil(rw / static_cast<double>(pw)));
    const double count = static_cast<double>(std::max<int64_t>(gh * gw, 1));
    for (int64_t k = 0; k < ch; ++k) {
      const double* plane = xv.data() + (b * ch + k) * h * w;
      for (int64_t i = 0; i < ph; ++i)
        for (int64_t j = 0; j < pw; ++j) {
          double acc = max_mode ? -INFINITY : 0.0;
          bool any = false;
          for (int64_t iy = 0; iy < gh; ++iy)
            for (int64_t ix = 0; ix < gw; ++ix) {
              double yy = y1 + static_cast<double>(i) * bh + (static_cast<double>(iy) + 0.5) * bh / static_cast<double>(gh);
              double xx = x1 + static_cast<double>(j) * bw + (static_cast<double>(ix) + 0.5) * bw / static_cast<double>(gw);
              if (yy < -1.0 || yy > static_cast<double>(h) || xx < -1.0 || xx > static_cast<double>(w)) {
                if (max_mode) acc = std::max(acc, 0.0);
                any = true;
                continue;
              }
              yy = std::max(yy, 0.0);
              xx = std::max(xx, 0.0);
              int64_t y0 = static_cast<int64_t>(yy), x0 = static_cast<int64_t>(xx), y1i, x1i;
              if (y0 >= h - 1) {
                y0 = y1i = h - 1;
                yy = static_cast<double>(y0);
              } else {
                y1i = y0 + 1;
              }
              if (x0 >= w - 1) {
                x0 = x1i = w - 1;
                xx = static_cast<double>(x0);
              } else {
                x1i = x0 + 1;
              }
              const double ly = yy - static_cast<double>(y0), lx = xx - static_cast<double>(x0), hy = 1 - ly, hx = 1 - lx;
              const double t[4] = {hy * hx * plane[y0 * w + x0], hy * lx * plane[y0 * w + x1i], ly * hx * plane[y1i * w + x0],
                                   ly * lx * plane[y1i * w + x1i]};
              if (max_mode) acc = std::max({acc, t[0], t[1], t[2], t[3]});
              else acc += t[0] + t[1] + t[2] + t[3];
              any = true;
            }
          y[static_cast<size_t>(((r * ch + k) * ph + i) * pw + j)] = max_mode ? (any ? acc : 0.0) : acc / count;
        }
    }
  }
  c.set(0, to(tensor(y, IntList(Shape{nroi, ch, ph, pw})), x.dtype()));
}

// ---- NonMaxSuppression ------------------------------------------------------------------------

void op_nms(OpContext& c) {
  const Tensor &boxes = c.input(0), &scores = c.input(1);
  if (boxes.dim() != 3 || boxes.size(2) != 4 || scores.dim() != 3 || scores.size(0) != boxes.size(0) || scores.size(2) != boxes.size(1))
    bad_input_shape(c, 1, scores.shape(), "[batch, classes, boxes] with boxes [batch, boxes, 4]");
  const int64_t max_out = c.has(2) ? c.input(2).item<int64_t>() : 0;
  const double iou_th = c.has(3) ? c.input(3).item<double>() : 0.0;
  const bool has_score_th = c.has(4);
  const double score_th = has_score_th ? c.input(4).item<double>() : 0.0;
  const bool center = c.attr_int("center_point_box", 0) != 0;
  const int64_t nb = boxes.size(0), nbox = boxes.size(1), ncls = scores.size(1);
  const std::vector<double> bv = double_values(boxes), sv = double_values(scores);
  std::vector<int64_t> out;
  auto corners = [&](int64_t b, int64_t i, double* r) {
    const double* p = bv.data() + (b * nbox + i) * 4;
    if (center) {
      r[0] = p[1] - p[3] / 2;
      r[1] = p[0] - p[2] / 2;
      r[2] = p[1] + p[3] / 2;
      r[3] = p[0] + p[2] / 2;
    } else {
      r[0] = std::min(p[0], p[2]);
      r[1] = std::min(p[1], p[3]);
      r[2] = std::max(p[0], p[2]);
      r[3] = std::max(p[1], p[3]);
    }
  };
  auto iou = [&](int64_t b, int64_t i, int64_t j) {
    double a[4], d[4];
    corners(b, i, a);
    corners(b, j, d);
    const double ih = std::max(0.0, std::min(a[2], d[2]) - std::max(a[0], d[0]));
    const double iw = std::max(0.0, std::min(a[3], d[3]) - std::max(a[1], d[1]));
    const double inter = ih * iw;
    const double uni = (a[2] - a[0]) * (a[3] - a[1]) + (d[2] - d[0]) * (d[3] - d[1]) - inter;
    return uni <= 0 ? 0.0 : inter / uni;
  };
  for (int64_t b = 0; b < nb; ++b)
    for (int64_t k = 0; k < ncls; ++k) {
      const double* s = sv.data() + (b * ncls + k) * nbox;
      std::vector<int64_t> order;
      for (int64_t i = 0; i < nbox; ++i)
        if (!has_score_th || s[i] > score_th) order.push_back(i);
      std::stable_sort(order.begin(), order.end(), [&](int64_t i, int64_t j) { return s[i] > s[j]; });
      std::vector<int64_t> kept;
      for (int64_t i : order) {
        if (static_cast<int64_t>(kept.size()) >= max_out) break;
        bool keep = true;
        for (int64_t j : kept) keep = keep && iou(b, i, j) <= iou_th;
        if (keep) kept.push_back(i);
      }
      for (int64_t i : kept) out.insert(out.end(), {b, k, i});
    }
  const int64_t rows = static_cast<int64_t>(out.size() / 3);
  c.set(0, tensor(out, IntList(Shape{rows, 3})));
}

}  // namespace

void register_image_ops(OpTable& t) {
  t.add("Resize", op_resize);
  t.add("Upsample", op_upsample);
  t.add("GridSample", op_grid_sample);
  t.add("RoiAlign", op_roi_align);
  t.add("NonMaxSuppression", op_nms);
}

}  // namespace hangu::runtime

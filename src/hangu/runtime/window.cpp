#include "hangu/runtime/window.h"

#include <algorithm>

#include "hangu/core/checked_math.h"
#include "hangu/runtime/ops_common.h"

namespace hangu::runtime {

namespace {

std::vector<int64_t> per_dim(const OpContext& c, const char* name, size_t n, int64_t def, int64_t min) {
  std::vector<int64_t> v = c.attr_ints(name);
  if (v.empty()) v.assign(n, def);
  if (v.size() != n) bad_attr(c, name, shape_str(v), std::to_string(n) + " values");
  for (int64_t x : v)
    if (x < min || x > (int64_t{1} << 32)) bad_attr(c, name, shape_str(v), "values >= " + std::to_string(min));
  return v;
}

}  // namespace

Window forward_window(const OpContext& c, const std::vector<int64_t>& in_spatial, const std::vector<int64_t>& kernel,
                      bool ceil_mode) {
  const size_t n = in_spatial.size();
  Window w;
  w.in = in_spatial;
  w.kernel = kernel;
  if (w.kernel.size() != n) bad_attr(c, "kernel_shape", shape_str(w.kernel), std::to_string(n) + " values");
  for (int64_t k : w.kernel)
    if (k < 1) bad_attr(c, "kernel_shape", shape_str(w.kernel), "positive sizes");
  w.stride = per_dim(c, "strides", n, 1, 1);
  w.dilation = per_dim(c, "dilations", n, 1, 1);
  std::vector<int64_t> pads = per_dim(c, "pads", 2 * n, 0, 0);
  const std::string auto_pad = c.attr_string("auto_pad", "NOTSET");
  w.pad_begin.assign(n, 0);
  w.pad_end.assign(n, 0);
  w.out.assign(n, 0);
  for (size_t d = 0; d < n; ++d) {
    const int64_t in = w.in[d], s = w.stride[d], span = w.span(d);
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const int64_t out = (in + s - 1) / s;
      const int64_t total = std::max<int64_t>(0, (out - 1) * s + span - in);
      w.pad_begin[d] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      w.pad_end[d] = total - w.pad_begin[d];
      w.out[d] = out;
      continue;
    }
    if (auto_pad == "VALID") {
      w.out[d] = in >= span ? (in - span) / s + 1 : 0;
      continue;
    }
    if (auto_pad != "NOTSET" && !auto_pad.empty()) bad_attr(c, "auto_pad", auto_pad, "NOTSET, SAME_UPPER, SAME_LOWER or VALID");
    w.pad_begin[d] = pads[d];
    w.pad_end[d] = pads[d + n];
    const int64_t avail = checked_add(checked_add(in, w.pad_begin[d]), w.pad_end[d]) - span;
    if (avail < 0) throw ValueError(MsgId::rt_window_too_large, c.label(), span, in + w.pad_begin[d] + w.pad_end[d]);
    int64_t out = ceil_mode ? (avail + s - 1) / s + 1 : avail / s + 1;
    // A last window that would start inside the end padding only is dropped (as PyTorch and ORT).
    if (ceil_mode && (out - 1) * s >= in + w.pad_begin[d]) --out;
    w.out[d] = out;
  }
  return w;
}

}  // namespace hangu::runtime

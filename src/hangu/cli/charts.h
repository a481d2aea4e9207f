#pragma once
// The plots of an image training run and of an evaluation, written by our own code: SVG with
// the user's language, and PNG (tiny rasteriser, English labels and numbers only).
#include <cstdint>
#include <string>
#include <vector>

#include "hangu/cli/image_metrics.h"
#include "hangu/cli/raster.h"
#include "hangu/data/image/image.h"

namespace hangu::cli {

struct ChartSeries {
  std::string label, ascii_label;  // label for SVG, ascii_label for PNG
  std::vector<double> values;      // one per epoch (epoch 1 first); NaN: no value
  Rgb color;
};

struct ChartPanel {
  std::string title, ascii_title;
  std::vector<ChartSeries> series;
};

// Panels side by side over epochs 1..n.
std::string line_chart_svg(const std::vector<ChartPanel>& panels, const std::string& title, const std::string& x_label);
data::Image line_chart_png(const std::vector<ChartPanel>& panels);

// Rows: true class, columns: predicted; cells shaded by the share of their row.
std::string confusion_svg(const ClassifierEval& e, const std::vector<std::string>& classes);
data::Image confusion_png(const ClassifierEval& e);

// Round axis bounds and a tick step (1, 2 or 5 times a power of ten) covering [lo, hi].
struct AxisTicks {
  double lo = 0, hi = 1, step = 0.2;
};
AxisTicks nice_ticks(double lo, double hi, int target_ticks = 5);
// "0.5", "12", "0.25": a tick label with as many decimals as the step needs.
std::string tick_label(double v, double step);

}  // namespace hangu::cli

#include "hangu/cli/charts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "hangu/core/i18n.h"

namespace hangu::cli {

namespace {

constexpr int64_t kPanelW = 480, kPanelH = 340;
constexpr int64_t kLeft = 64, kRight = 16, kTop = 44, kBottom = 52;

std::string escape_xml(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '"') {
      out += "&quot;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string hex(Rgb c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c.r, c.g, c.b);
  return buf;
}

size_t epochs_of(const std::vector<ChartPanel>& panels) {
  size_t n = 0;
  for (const ChartPanel& p : panels)
    for (const ChartSeries& s : p.series) n = std::max(n, s.values.size());
  return n;
}

// The y range of a panel's finite values.
AxisTicks panel_ticks(const ChartPanel& p) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const ChartSeries& s : p.series)
    for (double v : s.values)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  return nice_ticks(lo, hi);
}

// Plot-area geometry of one panel placed at x offset `ox`.
struct Frame {
  double x0, y0, x1, y1;  // plot area corners (pixels)
  size_t n;               // epochs
  AxisTicks t;
  double x(size_t epoch_index) const {
    return n <= 1 ? (x0 + x1) / 2 : x0 + (x1 - x0) * static_cast<double>(epoch_index) / static_cast<double>(n - 1);
  }
  double y(double v) const { return y1 - (y1 - y0) * (v - t.lo) / (t.hi - t.lo); }
};

Frame frame_at(int64_t ox, size_t n, const AxisTicks& t) {
  return Frame{static_cast<double>(ox + kLeft),
               static_cast<double>(kTop),
               static_cast<double>(ox + kPanelW - kRight),
               static_cast<double>(kPanelH - kBottom),
               n,
               t};
}

// The legend goes to the bottom of the plot when the curves end in its upper half (accuracy),
// else to the top (loss), so that it does not cover the last epochs.
bool legend_at_bottom(const ChartPanel& p, const Frame& f) {
  double sum = 0;
  int n = 0;
  for (const ChartSeries& c : p.series)
    if (!c.values.empty() && std::isfinite(c.values.back())) sum += c.values.back(), ++n;
  return n > 0 && f.y(sum / n) < (f.y0 + f.y1) / 2;
}

// Epoch ticks: at most about ten labels.
size_t epoch_tick_step(size_t n) { return std::max<size_t>(1, (n + 9) / 10); }

Rgb shade(double share) {  // white -> deep blue
  const double s = std::clamp(share, 0.0, 1.0);
  return Rgb{static_cast<uint8_t>(255 - 222 * s), static_cast<uint8_t>(255 - 155 * s),
             static_cast<uint8_t>(255 - 75 * s)};
}

}  // namespace

AxisTicks nice_ticks(double lo, double hi, int target_ticks) {
  if (!(hi > lo)) {
    const double pad = std::fabs(lo) > 0 ? std::fabs(lo) * 0.1 : 1.0;
    lo -= pad, hi += pad;
  }
  const double raw = (hi - lo) / std::max(1, target_ticks);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  return AxisTicks{std::floor(lo / step) * step, std::ceil(hi / step) * step, step};
}

std::string tick_label(double v, double step) {
  int decimals = 0;
  while (decimals < 6 &&
         std::fabs(step * std::pow(10.0, decimals) - std::round(step * std::pow(10.0, decimals))) > 1e-9)
    ++decimals;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(v) < step * 1e-9 ? 0.0 : v);
  return buf;
}

std::string line_chart_svg(const std::vector<ChartPanel>& panels, const std::string& title,
                           const std::string& x_label) {
  const size_t n = epochs_of(panels);
  const int64_t w = kPanelW * static_cast<int64_t>(panels.size());
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(w) + "\" height=\"" +
                  std::to_string(kPanelH + 30) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"" + std::to_string(w / 2) + "\" y=\"20\" text-anchor=\"middle\" font-size=\"16\">" +
       escape_xml(title) + "</text>\n";
  for (size_t pi = 0; pi < panels.size(); ++pi) {
    const ChartPanel& p = panels[pi];
    const int64_t ox = kPanelW * static_cast<int64_t>(pi);
    Frame f = frame_at(ox, n, panel_ticks(p));
    s += "<g transform=\"translate(0,20)\">\n";
    s += "<text x=\"" + num((f.x0 + f.x1) / 2) + "\" y=\"" + num(f.y0 - 14) +
         "\" text-anchor=\"middle\" font-size=\"14\">" + escape_xml(p.title) + "</text>\n";
    for (double v = f.t.lo; v <= f.t.hi + f.t.step * 1e-6; v += f.t.step) {
      s += "<line x1=\"" + num(f.x0) + "\" x2=\"" + num(f.x1) + "\" y1=\"" + num(f.y(v)) + "\" y2=\"" + num(f.y(v)) +
           "\" stroke=\"#dddddd\"/>\n";
      s += "<text x=\"" + num(f.x0 - 6) + "\" y=\"" + num(f.y(v) + 4) + "\" text-anchor=\"end\">" +
           tick_label(v, f.t.step) + "</text>\n";
    }
    for (size_t e = 0; e < n; e += epoch_tick_step(n))
      s += "<text x=\"" + num(f.x(e)) + "\" y=\"" + num(f.y1 + 16) + "\" text-anchor=\"middle\">" +
           std::to_string(e + 1) + "</text>\n";
    s += "<text x=\"" + num((f.x0 + f.x1) / 2) + "\" y=\"" + num(f.y1 + 36) + "\" text-anchor=\"middle\">" +
         escape_xml(x_label) + "</text>\n";
    s += "<rect x=\"" + num(f.x0) + "\" y=\"" + num(f.y0) + "\" width=\"" + num(f.x1 - f.x0) + "\" height=\"" +
         num(f.y1 - f.y0) + "\" fill=\"none\" stroke=\"#444444\"/>\n";
    for (size_t si = 0; si < p.series.size(); ++si) {
      const ChartSeries& c = p.series[si];
      std::string points;
      for (size_t e = 0; e < c.values.size(); ++e)
        if (std::isfinite(c.values[e])) points += num(f.x(e)) + "," + num(f.y(c.values[e])) + " ";
      s += "<polyline fill=\"none\" stroke=\"" + hex(c.color) + "\" stroke-width=\"2\" points=\"" + points + "\"/>\n";
      for (size_t e = 0; e < c.values.size(); ++e)
        if (std::isfinite(c.values[e]))
          s += "<circle cx=\"" + num(f.x(e)) + "\" cy=\"" + num(f.y(c.values[e])) + "\" r=\"3\" fill=\"" +
               hex(c.color) + "\"/>\n";
      const double ly = legend_at_bottom(p, f) ? f.y1 - 10 - 18 * static_cast<double>(p.series.size() - 1 - si)
                                               : f.y0 + 16 + 18 * static_cast<double>(si);
      s += "<line x1=\"" + num(f.x1 - 150) + "\" x2=\"" + num(f.x1 - 130) + "\" y1=\"" + num(ly - 4) + "\" y2=\"" +
           num(ly - 4) + "\" stroke=\"" + hex(c.color) + "\" stroke-width=\"2\"/>\n";
      s += "<text x=\"" + num(f.x1 - 125) + "\" y=\"" + num(ly) + "\">" + escape_xml(c.label) + "</text>\n";
    }
    s += "</g>\n";
  }
  return s + "</svg>\n";
}

data::Image line_chart_png(const std::vector<ChartPanel>& panels) {
  const size_t n = epochs_of(panels);
  Canvas cv(kPanelW * static_cast<int64_t>(std::max<size_t>(panels.size(), 1)), kPanelH, Rgb{255, 255, 255});
  const Rgb grid{221, 221, 221}, ink{40, 40, 40};
  for (size_t pi = 0; pi < panels.size(); ++pi) {
    const ChartPanel& p = panels[pi];
    Frame f = frame_at(kPanelW * static_cast<int64_t>(pi), n, panel_ticks(p));
    cv.text(static_cast<int64_t>((f.x0 + f.x1) / 2) - Canvas::text_width(p.ascii_title, 2) / 2, 12, p.ascii_title, ink,
            2);
    for (double v = f.t.lo; v <= f.t.hi + f.t.step * 1e-6; v += f.t.step) {
      cv.line(f.x0, f.y(v), f.x1, f.y(v), grid);
      const std::string label = tick_label(v, f.t.step);
      cv.text(static_cast<int64_t>(f.x0) - 6 - Canvas::text_width(label), static_cast<int64_t>(f.y(v)) - 3, label, ink);
    }
    for (size_t e = 0; e < n; e += epoch_tick_step(n)) {
      const std::string label = std::to_string(e + 1);
      cv.text(static_cast<int64_t>(f.x(e)) - Canvas::text_width(label) / 2, static_cast<int64_t>(f.y1) + 8, label, ink);
    }
    cv.text(static_cast<int64_t>((f.x0 + f.x1) / 2) - Canvas::text_width("epoch") / 2, static_cast<int64_t>(f.y1) + 26,
            "epoch", ink);
    cv.line(f.x0, f.y0, f.x1, f.y0, ink);
    cv.line(f.x0, f.y1, f.x1, f.y1, ink);
    cv.line(f.x0, f.y0, f.x0, f.y1, ink);
    cv.line(f.x1, f.y0, f.x1, f.y1, ink);
    for (size_t si = 0; si < p.series.size(); ++si) {
      const ChartSeries& c = p.series[si];
      bool have_prev = false;
      double px = 0, py = 0;
      for (size_t e = 0; e < c.values.size(); ++e) {
        if (!std::isfinite(c.values[e])) {
          have_prev = false;
          continue;
        }
        const double x = f.x(e), y = f.y(c.values[e]);
        if (have_prev) cv.line(px, py, x, y, c.color, 2);
        cv.rect(static_cast<int64_t>(x) - 2, static_cast<int64_t>(y) - 2, static_cast<int64_t>(x) + 3,
                static_cast<int64_t>(y) + 3, c.color);
        px = x, py = y, have_prev = true;
      }
      const auto ly = legend_at_bottom(p, f)
                          ? static_cast<int64_t>(f.y1) - 16 - 14 * static_cast<int64_t>(p.series.size() - 1 - si)
                          : static_cast<int64_t>(f.y0) + 10 + 14 * static_cast<int64_t>(si);
      const auto lx = static_cast<int64_t>(f.x1) - 150;
      cv.rect(lx, ly + 2, lx + 18, ly + 5, c.color);
      cv.text(lx + 24, ly, c.ascii_label, ink);
    }
  }
  return cv.image();
}

std::string confusion_svg(const ClassifierEval& e, const std::vector<std::string>& classes) {
  const int64_t k = e.num_classes;
  const int64_t cell = std::clamp<int64_t>(560 / std::max<int64_t>(k, 1), 16, 48);
  const int64_t left = 170, top = 150;
  const int64_t w = left + cell * k + 30, h = top + cell * k + 60;
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(w) + "\" height=\"" +
                  std::to_string(h) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"" + std::to_string(w / 2) + "\" y=\"22\" text-anchor=\"middle\" font-size=\"16\">" +
       escape_xml(tr(MsgId::img_chart_confusion)) + "</text>\n";
  s += "<text x=\"" + std::to_string(left + cell * k / 2) + "\" y=\"46\" text-anchor=\"middle\">" +
       escape_xml(tr(MsgId::img_chart_predicted_class)) + "</text>\n";
  s += "<text x=\"14\" y=\"" + std::to_string(top + cell * k / 2) + "\" transform=\"rotate(-90 14 " +
       std::to_string(top + cell * k / 2) + ")\" text-anchor=\"middle\">" +
       escape_xml(tr(MsgId::img_chart_true_class)) + "</text>\n";
  for (int64_t i = 0; i < k; ++i) {
    const std::string name = escape_xml(classes[static_cast<size_t>(i)]);
    const int64_t cx = left + cell * i + cell / 2, cy = top + cell * i + cell / 2;
    s += "<text x=\"" + std::to_string(left - 8) + "\" y=\"" + std::to_string(cy + 4) + "\" text-anchor=\"end\">" +
         name + "</text>\n";
    s += "<text x=\"" + std::to_string(cx) + "\" y=\"" + std::to_string(top - 8) + "\" transform=\"rotate(-45 " +
         std::to_string(cx) + " " + std::to_string(top - 8) + ")\">" + name + "</text>\n";
  }
  for (int64_t t = 0; t < k; ++t) {
    const int64_t support = e.support(t);
    for (int64_t p = 0; p < k; ++p) {
      const int64_t n = e.count(t, p);
      const double share = support ? static_cast<double>(n) / static_cast<double>(support) : 0.0;
      const int64_t x = left + cell * p, y = top + cell * t;
      s += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\" width=\"" + std::to_string(cell) +
           "\" height=\"" + std::to_string(cell) + "\" fill=\"" + hex(shade(share)) + "\" stroke=\"#cccccc\"/>\n";
      if (n)
        s += "<text x=\"" + std::to_string(x + cell / 2) + "\" y=\"" + std::to_string(y + cell / 2 + 4) +
             "\" text-anchor=\"middle\" fill=\"" + (share > 0.5 ? "white" : "black") + "\">" + std::to_string(n) +
             "</text>\n";
    }
  }
  return s + "</svg>\n";
}

data::Image confusion_png(const ClassifierEval& e) {
  const int64_t k = e.num_classes;
  const int64_t cell = std::clamp<int64_t>(560 / std::max<int64_t>(k, 1), 16, 48);
  const int64_t left = 60, top = 60;
  Canvas cv(left + cell * k + 20, top + cell * k + 20, Rgb{255, 255, 255});
  const Rgb ink{40, 40, 40};
  cv.text(left, 10, "true (rows) / predicted (columns)", ink);
  for (int64_t i = 0; i < k; ++i) {
    const std::string idx = std::to_string(i);
    cv.text(left + cell * i + cell / 2 - Canvas::text_width(idx) / 2, top - 14, idx, ink);
    cv.text(left - 8 - Canvas::text_width(idx), top + cell * i + cell / 2 - 3, idx, ink);
  }
  for (int64_t t = 0; t < k; ++t) {
    const int64_t support = e.support(t);
    for (int64_t p = 0; p < k; ++p) {
      const int64_t n = e.count(t, p);
      const double share = support ? static_cast<double>(n) / static_cast<double>(support) : 0.0;
      const int64_t x = left + cell * p, y = top + cell * t;
      cv.rect(x, y, x + cell, y + cell, Rgb{204, 204, 204});
      cv.rect(x + 1, y + 1, x + cell, y + cell, shade(share));
      const std::string label = std::to_string(n);
      if (n && Canvas::text_width(label) <= cell - 2)
        cv.text(x + cell / 2 - Canvas::text_width(label) / 2, y + cell / 2 - 3, label,
                share > 0.5 ? Rgb{255, 255, 255} : ink);
    }
  }
  return cv.image();
}

}  // namespace hangu::cli

#include "pipeline/plot/training_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "pipeline/logging/event_writer.h"
#include "runtime/error.h"

namespace tailor::pipeline {

namespace {

const Rgb kBackground{255, 255, 255};
const Rgb kAxis{40, 40, 40};
const Rgb kGrid{225, 225, 225};

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (step, value)
};

std::vector<Series> select(const MetricsTable& t, bool (*want)(const std::string&)) {
  std::vector<Series> out;
  for (const auto& col : t.columns) {
    if (!want(col)) continue;
    Series s{col, {}};
    for (const auto& r : t.rows) {
      auto it = r.values.find(col);
      if (it != r.values.end() && std::isfinite(it->second))
        s.points.emplace_back(double(r.step), it->second);
    }
    if (!s.points.empty()) out.push_back(std::move(s));
  }
  return out;
}

// A series' color mixed 70% toward the background, for its raw values under the smoothed line.
Rgb faded(Rgb c) {
  auto mix = [](uint8_t v, uint8_t bg) { return uint8_t((3 * v + 7 * bg + 5) / 10); };
  return {mix(c.r, kBackground.r), mix(c.g, kBackground.g), mix(c.b, kBackground.b)};
}

bool is_loss(const std::string& c) {
  return c.find("loss") != std::string::npos;
}
bool is_lr(const std::string& c) {
  return c.find("learning_rate") != std::string::npos || c == "lr";
}
bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
// The periodic evaluation's headline figures, per eval source and over all of them: how a
// recipe is judged.
bool is_validation(const std::string& c) {
  return c.rfind("eval/", 0) == 0 && (ends_with(c, "/mAP@0.5") || ends_with(c, "/top1"));
}

void draw_panel(Canvas& cv, int x0, int y0, int x1, int y1, const std::string& title,
                const std::vector<Series>& series, double step_lo, double step_hi,
                size_t color_offset, double smoothing) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : series)
    for (const auto& p : s.points) lo = std::min(lo, p.second), hi = std::max(hi, p.second);
  if (!(lo <= hi)) lo = 0, hi = 1;
  if (hi - lo < 1e-12 * std::max(1.0, std::fabs(hi))) {  // a flat line: give it room
    const double pad = std::max(std::fabs(hi) * 0.1, 1e-6);
    lo -= pad, hi += pad;
  }
  const auto yt = nice_ticks(lo, hi);
  lo = std::min(lo, yt.front());
  hi = std::max(hi, yt.back());
  const auto xt = nice_ticks(step_lo, step_hi);
  auto px = [&](double s) { return x0 + (s - step_lo) / (step_hi - step_lo) * (x1 - x0); };
  auto py = [&](double v) { return y1 - (v - lo) / (hi - lo) * (y1 - y0); };

  for (double t : yt) {
    const int y = int(std::lround(py(t)));
    cv.fill_rect(x0 + 1, y, x1 - 1, y, kGrid);
    cv.fill_rect(x0 - 5, y, x0 - 1, y, kAxis);
    const std::string l = tick_label(t);
    cv.text(x0 - 8 - Canvas::text_width(l), y - 3, l, kAxis);
  }
  for (double t : xt) {
    if (t < step_lo || t > step_hi) continue;
    const int x = int(std::lround(px(t)));
    cv.fill_rect(x, y0 + 1, x, y1 - 1, kGrid);
    cv.fill_rect(x, y1 + 1, x, y1 + 5, kAxis);
    const std::string l = tick_label(t);
    cv.text(x - Canvas::text_width(l) / 2, y1 + 9, l, kAxis);
  }
  cv.rect(x0, y0, x1, y1, kAxis);
  cv.text(x0, y0 - 12 - Canvas::text_height(), title, kAxis, 2);

  const auto& pal = plot_palette();
  auto polyline = [&](const std::vector<std::pair<double, double>>& pts, Rgb c, int thickness) {
    if (pts.size() == 1)
      cv.fill_rect(int(px(pts[0].first)) - 2, int(py(pts[0].second)) - 2, int(px(pts[0].first)) + 2,
                   int(py(pts[0].second)) + 2, c);
    for (size_t k = 1; k < pts.size(); ++k)
      cv.line(px(pts[k - 1].first), py(pts[k - 1].second), px(pts[k].first), py(pts[k].second), c,
              thickness);
  };
  // Smoothed curves go over every faded raw curve, so no series' noise hides another's trend.
  if (smoothing > 0)
    for (size_t i = 0; i < series.size(); ++i)
      polyline(series[i].points, faded(pal[(i + color_offset) % pal.size()]), 1);
  for (size_t i = 0; i < series.size(); ++i) {
    std::vector<std::pair<double, double>> pts = series[i].points;
    if (smoothing > 0) {
      std::vector<double> v;
      for (const auto& p : pts) v.push_back(p.second);
      v = smooth_curve(v, smoothing);
      for (size_t k = 0; k < pts.size(); ++k) pts[k].second = v[k];
    }
    polyline(pts, pal[(i + color_offset) % pal.size()], 2);
  }
  // Legend, top right inside the panel.
  size_t name_w = 0;
  for (const auto& s : series) name_w = std::max<size_t>(name_w, Canvas::text_width(s.name));
  const int lw = int(name_w) + 34, lh = int(series.size()) * 14 + 8;
  const int lx = x1 - lw - 8, ly = y0 + 8;
  cv.fill_rect(lx, ly, lx + lw, ly + lh, kBackground);
  cv.rect(lx, ly, lx + lw, ly + lh, kAxis);
  for (size_t i = 0; i < series.size(); ++i) {
    const int y = ly + 6 + int(i) * 14;
    cv.fill_rect(lx + 6, y + 2, lx + 22, y + 4, pal[(i + color_offset) % pal.size()]);
    cv.text(lx + 28, y, series[i].name, kAxis);
  }
}

}  // namespace

std::string tick_label(double v) {
  char buf[32];
  // Step ticks are whole numbers: "15000" reads better than %g's "1.5e+04".
  if (v == std::round(v) && std::fabs(v) < 1e9)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else if (v != 0 && (std::fabs(v) < 1e-3 || std::fabs(v) >= 1e6))
    std::snprintf(buf, sizeof buf, "%.2g", v);
  else
    std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::vector<double> smooth_curve(const std::vector<double>& values, double weight) {
  TAILOR_CHECK(weight >= 0 && weight < 1, UserError, "plot smoothing must be in [0, 1), got ",
               weight);
  std::vector<double> out;
  out.reserve(values.size());
  double last = 0, debias = 1;
  for (double v : values) {
    last = last * weight + (1 - weight) * v;
    debias *= weight;
    out.push_back(last / (1 - debias));
  }
  return out;
}

const std::vector<Rgb>& plot_palette() {
  static const std::vector<Rgb> p = {{31, 119, 180},  {255, 127, 14},  {44, 160, 44},
                                     {214, 39, 40},   {148, 103, 189}, {140, 86, 75},
                                     {227, 119, 194}, {23, 190, 207}};
  return p;
}

std::vector<double> nice_ticks(double lo, double hi, int target_count) {
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / std::max(1, target_count);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> t;
  for (double v = std::floor(lo / step) * step; v <= hi + step * 1e-9 && t.size() < 50; v += step)
    t.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  if (t.back() < hi) t.push_back(t.back() + step);
  return t;
}

Canvas plot_training_curves(const MetricsTable& table, const PlotOptions& opt) {
  const std::vector<Series> losses = select(table, is_loss);
  const std::vector<Series> lrs = select(table, is_lr);
  std::vector<Series> validation = select(table, is_validation);
  for (Series& v : validation) v.name = v.name.substr(5);  // "eval/" is the panel's title
  if (losses.empty() && lrs.empty())
    throw UserError("nothing to plot: no column named *loss* or *learning_rate* with values");
  double s_lo = INFINITY, s_hi = -INFINITY;
  for (const std::vector<Series>* group :
       {&losses, &lrs, static_cast<const std::vector<Series>*>(&validation)})
    for (const auto& s : *group)
      for (const auto& p : s.points) s_lo = std::min(s_lo, p.first), s_hi = std::max(s_hi, p.first);
  if (s_hi <= s_lo) s_hi = s_lo + 1;

  Canvas cv(opt.width, opt.height, kBackground);
  const int left = 90, right = opt.width - 20, top = 40, bottom = opt.height - 40;
  if (!validation.empty()) {
    // Loss, then the validation metrics against the step, then the learning rate.
    struct Panel {
      const char* title;
      const std::vector<Series>* series;
      double weight, smoothing;
    };
    std::vector<Panel> panels;
    if (!losses.empty()) panels.push_back({"LOSS", &losses, 3, opt.smoothing});
    panels.push_back({"VALIDATION", &validation, 3, 0});
    if (!lrs.empty()) panels.push_back({"LEARNING RATE", &lrs, 1.6, 0});
    double total = 0;
    for (const Panel& p : panels) total += p.weight;
    const int gap = 50;
    const double room = bottom - top - gap * double(panels.size() - 1);
    double y = top;
    size_t colors = 0;
    for (const Panel& p : panels) {
      const double h = room * p.weight / total;
      draw_panel(cv, left, int(y), right, int(y + h), p.title, *p.series, s_lo, s_hi, colors,
                 p.smoothing);
      colors += p.series->size();
      y += h + gap;
    }
  } else if (!losses.empty() && !lrs.empty()) {
    const int split = top + int((bottom - top) * 0.62);
    draw_panel(cv, left, top, right, split - 30, "LOSS", losses, s_lo, s_hi, 0, opt.smoothing);
    draw_panel(cv, left, split + 20, right, bottom, "LEARNING RATE", lrs, s_lo, s_hi, losses.size(),
               0);
  } else if (!losses.empty()) {
    draw_panel(cv, left, top, right, bottom, "LOSS", losses, s_lo, s_hi, 0, opt.smoothing);
  } else {
    draw_panel(cv, left, top, right, bottom, "LEARNING RATE", lrs, s_lo, s_hi, 0, 0);
  }
  cv.text(right - Canvas::text_width("STEP"), opt.height - 14, "STEP", kAxis);
  return cv;
}

MetricsTable load_run_metrics(const std::string& logdir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(logdir)) throw UserError(logdir + ": not a directory");
  const std::string csv = logdir + "/metrics.csv";
  if (fs::exists(csv)) return read_metrics_csv(csv);
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(logdir))
    if (e.path().filename().string().rfind("events.out.tfevents.", 0) == 0)
      files.push_back(e.path().string());
  if (files.empty())
    throw UserError(logdir + ": has neither metrics.csv nor TensorBoard event files");
  std::sort(files.begin(), files.end());
  std::map<int64_t, MetricsTable::Row> rows;
  MetricsTable t;
  for (const auto& f : files)
    for (const auto& s : read_event_file(f).scalars) {
      auto& r = rows[s.step];
      r.step = s.step;
      r.wall_time = s.wall_time;
      r.values[s.tag] = s.value;
      if (std::find(t.columns.begin(), t.columns.end(), s.tag) == t.columns.end())
        t.columns.push_back(s.tag);
    }
  for (auto& [step, r] : rows) t.rows.push_back(std::move(r));
  return t;
}

}  // namespace tailor::pipeline

#include <gtest/gtest.h>
#include <png.h>

#include <cmath>
#include <cstdio>

#include "pipeline/logging/event_writer.h"
#include "pipeline/logging/metrics_csv.h"
#include "pipeline/plot/training_plot.h"
#include "runtime/error.h"
#include "tests/pipeline/test_util.h"

namespace tailor::pipeline {
namespace {

struct Decoded {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
  Rgb at(int x, int y) const {
    const uint8_t* p = &rgb[(size_t(y) * width + x) * 3];
    return {p[0], p[1], p[2]};
  }
};

Decoded decode_png(const std::string& path) {
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  EXPECT_TRUE(png_image_begin_read_from_file(&img, path.c_str())) << img.message;
  img.format = PNG_FORMAT_RGB;
  Decoded d;
  d.width = int(img.width);
  d.height = int(img.height);
  d.rgb.resize(PNG_IMAGE_SIZE(img));
  EXPECT_TRUE(png_image_finish_read(&img, nullptr, d.rgb.data(), 0, nullptr)) << img.message;
  return d;
}

MetricsTable falling_loss() {
  MetricsTable t;
  t.columns = {"loss/total", "loss/localization", "learning_rate", "images_per_sec"};
  for (int s = 0; s <= 200; s += 10) {
    MetricsTable::Row r;
    r.step = s;
    r.values["loss/total"] = 5.0 * std::exp(-s / 80.0) + 1;
    r.values["loss/localization"] = 1.0 * std::exp(-s / 60.0) + 0.2;
    r.values["learning_rate"] = 0.004 * std::pow(0.95, s / 100);
    r.values["images_per_sec"] = 3.0;
    t.rows.push_back(r);
  }
  return t;
}

int count_color(const Decoded& d, Rgb c, int x0, int x1) {
  int n = 0;
  for (int y = 0; y < d.height; ++y)
    for (int x = x0; x < x1; ++x) n += d.at(x, y) == c;
  return n;
}

TEST(TrainingPlot, PngDecodesWithCurves) {
  const std::string dir = testing::scratch_dir("plot");
  const std::string path = dir + "/curves.png";
  plot_training_curves(falling_loss(), {800, 600}).save_png(path);
  const Decoded d = decode_png(path);
  ASSERT_EQ(d.width, 800);
  ASSERT_EQ(d.height, 600);
  EXPECT_EQ(d.at(0, 0), (Rgb{255, 255, 255}));
  const auto& pal = plot_palette();
  // Each curve spans the plot's width (~690 px) with a 2-px line: many pixels of its color,
  // and in every vertical strip of the plot area (the legend sits at the top right).
  for (int i = 0; i < 3; ++i) EXPECT_GT(count_color(d, pal[i], 0, 800), 600) << "series " << i;
  for (int x0 = 100; x0 < 760; x0 += 60) EXPECT_GT(count_color(d, pal[0], x0, x0 + 60), 20) << x0;
  // The total loss starts high: at the left edge of the top panel its pixels are near the top.
  int first_y = -1;
  for (int y = 0; y < 300 && first_y < 0; ++y)
    for (int x = 91; x < 96; ++x)
      if (d.at(x, y) == pal[0]) first_y = y;
  EXPECT_GE(first_y, 40);
  EXPECT_LT(first_y, 90);
  // No column of images_per_sec: it is neither a loss nor a learning rate.
  EXPECT_EQ(count_color(d, pal[3], 0, 800), 0);
}

TEST(TrainingPlot, DrawsTheValidationMetricsAgainstTheStep) {
  MetricsTable t = falling_loss();
  t.columns.insert(t.columns.end(), {"eval/all/mAP@0.5", "eval/catalog_val/top1",
                                     "eval/all/AP@0.5/Shoes", "eval/all/top1_confidence_min"});
  for (auto& r : t.rows)
    if (r.step % 50 == 0) {
      r.values["eval/all/mAP@0.5"] = 0.4 + r.step / 1000.0;
      r.values["eval/catalog_val/top1"] = 0.6 + r.step / 800.0;
      r.values["eval/all/AP@0.5/Shoes"] = 0.5;  // per class: not drawn
      r.values["eval/all/top1_confidence_min"] = 0.2;
    }
  const std::string path = testing::scratch_dir("plot_validation") + "/curves.png";
  plot_training_curves(t, {800, 900}).save_png(path);
  const Decoded d = decode_png(path);
  const auto& pal = plot_palette();
  // Colors 0, 1: the losses; 2, 3: the two validation series; 4: the learning rate.
  EXPECT_GT(count_color(d, pal[2], 0, 800), 300);
  EXPECT_GT(count_color(d, pal[3], 0, 800), 300);
  EXPECT_GT(count_color(d, pal[4], 0, 800), 300);
  EXPECT_EQ(count_color(d, pal[5], 0, 800), 0);  // nothing else became a series
  // The validation panel lies between the loss and the learning rate.
  auto rows_of = [&](Rgb c) {
    int lo = d.height, hi = -1;
    for (int y = 0; y < d.height; ++y)
      for (int x = 100; x < 700; ++x)
        if (d.at(x, y) == c) lo = std::min(lo, y), hi = std::max(hi, y);
    return std::make_pair(lo, hi);
  };
  EXPECT_LT(rows_of(pal[0]).second, rows_of(pal[2]).first);
  EXPECT_LT(rows_of(pal[2]).second, rows_of(pal[4]).first);
}

TEST(TrainingPlot, FromEventFilesAndErrors) {
  const std::string dir = testing::scratch_dir("plot_events");
  {
    EventWriter w(dir);
    w.add_scalars(1, {{"loss/total", 3.0}, {"learning_rate", 0.004}});
    w.add_scalars(2, {{"loss/total", 2.0}, {"learning_rate", 0.004}});
  }
  const MetricsTable t = load_run_metrics(dir);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[1].values.at("loss/total"), 2.0);
  plot_training_curves(t).save_png(dir + "/p.png");
  EXPECT_EQ(decode_png(dir + "/p.png").width, 1000);
  MetricsTable none;
  none.columns = {"accuracy"};
  EXPECT_THROW(plot_training_curves(none), UserError);
  EXPECT_THROW(load_run_metrics(testing::scratch_dir("plot_empty")), UserError);
  const auto ticks = nice_ticks(0.13, 0.92);
  EXPECT_EQ(ticks.front(), 0.0);
  EXPECT_NEAR(ticks[1], 0.2, 1e-12);
  EXPECT_NEAR(ticks.back(), 1.0, 1e-12);
}

TEST(TrainingPlot, SmoothingMatchesTensorBoard) {
  // TensorBoard's debiased EMA by hand, weight 0.5: 1/0.5, (0.25+1)/0.75, (0.625+1.5)/0.875.
  const std::vector<double> s = smooth_curve({1, 2, 3}, 0.5);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_DOUBLE_EQ(s[0], 1.0);
  EXPECT_NEAR(s[1], 1.25 / 0.75, 1e-12);
  EXPECT_NEAR(s[2], 2.125 / 0.875, 1e-12);
  EXPECT_EQ(smooth_curve({4, 5}, 0.0), (std::vector<double>{4, 5}));
  EXPECT_TRUE(smooth_curve({}, 0.9).empty());
  EXPECT_THROW(smooth_curve({1}, 1.0), UserError);
}

TEST(TrainingPlot, NoisyLossIsDrawnSmoothedOverItsRawValues) {
  // A loss alternating 2 and 4 every step: smoothed at 0.9 it settles near 3 and stays within
  // a few tenths of it, while the raw values keep spanning the whole panel.
  MetricsTable t;
  t.columns = {"loss/total"};
  for (int i = 1; i <= 400; ++i) {
    MetricsTable::Row r;
    r.step = i;
    r.values["loss/total"] = i % 2 ? 2.0 : 4.0;
    t.rows.push_back(r);
  }
  std::vector<double> v;
  for (const auto& r : t.rows) v.push_back(r.values.at("loss/total"));
  const std::vector<double> s = smooth_curve(v, 0.9);
  for (size_t k = 100; k < s.size(); ++k) EXPECT_NEAR(s[k], 3.0, 0.11) << k;

  const std::string dir = testing::scratch_dir("plot_smooth");
  plot_training_curves(t, {800, 600, 0.9}).save_png(dir + "/s.png");
  plot_training_curves(t, {800, 600, 0.0}).save_png(dir + "/r.png");
  const Decoded smoothed = decode_png(dir + "/s.png"), raw_only = decode_png(dir + "/r.png");
  const Rgb c = plot_palette()[0];
  const Rgb faded{uint8_t((3 * c.r + 7 * 255 + 5) / 10), uint8_t((3 * c.g + 7 * 255 + 5) / 10),
                  uint8_t((3 * c.b + 7 * 255 + 5) / 10)};
  EXPECT_GT(count_color(smoothed, faded, 0, 800), 1000);
  EXPECT_EQ(count_color(raw_only, faded, 0, 800), 0);
  // The smoothed line is a thin band in the middle; the raw zigzag fills the plot area.
  EXPECT_LT(count_color(smoothed, c, 100, 760), count_color(raw_only, c, 100, 760) / 4);
}

TEST(TrainingPlot, TickLabels) {
  EXPECT_EQ(tick_label(15000), "15000");  // not 1.5e+04
  EXPECT_EQ(tick_label(0), "0");
  EXPECT_EQ(tick_label(-5), "-5");
  EXPECT_EQ(tick_label(0.004), "0.004");
  EXPECT_EQ(tick_label(0.0042), "0.0042");
  EXPECT_EQ(tick_label(2.5), "2.5");
  EXPECT_EQ(tick_label(0.0001), "0.0001");
  EXPECT_EQ(tick_label(0.00015), "0.00015");
  EXPECT_EQ(tick_label(2.5e6), "2500000");
  EXPECT_EQ(tick_label(2.5e-5), "2.5e-05");
}

}  // namespace
}  // namespace tailor::pipeline

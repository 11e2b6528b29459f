#pragma once
// `tailor plot`: the loss curves (every column whose name holds "loss") in the top panel, the
// periodic validation metrics (eval/SOURCE/mAP@0.5 and eval/SOURCE/top1) against the step in
// the middle one when the run evaluated, and the learning rate (columns holding
// "learning_rate" or named "lr") in the bottom panel, with axes, ticks and a legend, from a run's
// metrics.csv or, without one, its TensorBoard event files. Loss curves are drawn smoothed over
// their faded raw values: a batch-10 loss is too noisy to show its trend otherwise.
#include <string>
#include <vector>

#include "pipeline/logging/metrics_csv.h"
#include "pipeline/plot/canvas.h"

namespace tailor::pipeline {

struct PlotOptions {
  int width = 1000;
  int height = 720;
  // TensorBoard's smoothing weight for the loss curves; 0 draws the raw values only.
  double smoothing = 0.9;
};

Canvas plot_training_curves(const MetricsTable& table, const PlotOptions& opt = {});

// metrics.csv in `logdir` if present, else every events.out.tfevents.* file merged by step.
MetricsTable load_run_metrics(const std::string& logdir);

// The series colors, in legend order (exposed for tests).
const std::vector<Rgb>& plot_palette();

// "Nice" tick values (1, 2 or 5 times a power of ten) covering [lo, hi].
std::vector<double> nice_ticks(double lo, double hi, int target_count = 5);

// TensorBoard's scalar smoothing: an exponential moving average with weight `weight` in
// [0, 1), debiased so that the first values are not pulled toward zero.
std::vector<double> smooth_curve(const std::vector<double>& values, double weight);

// A tick's text: whole numbers in full, tiny or huge values in exponent form.
std::string tick_label(double v);

}  // namespace tailor::pipeline

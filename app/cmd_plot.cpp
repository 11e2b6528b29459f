// `tailor plot --logdir D [--out F.png] [--smoothing W]`: loss and learning-rate curves of a
// training run as a PNG, for people who do not run TensorBoard.
#include <iostream>
#include <memory>

#include "app/command.h"
#include "pipeline/plot/training_plot.h"

namespace {

struct PlotArgs {
  std::string logdir;
  std::string out;
  int width = 1000;
  int height = 720;
  double smoothing = 0.9;
};

void run_plot(const PlotArgs& a) {
  using namespace tailor::pipeline;
  const MetricsTable t = load_run_metrics(a.logdir);
  const std::string out = a.out.empty() ? a.logdir + "/curves.png" : a.out;
  plot_training_curves(t, {a.width, a.height, a.smoothing}).save_png(out);
  std::cout << "wrote " << out << " (" << t.rows.size() << " logged steps)\n";
}

}  // namespace

TAILOR_COMMAND("plot", "Plot a run's loss and learning-rate curves to a PNG", [](CLI::App& cmd) {
  auto a = std::make_shared<PlotArgs>();
  cmd.add_option("--logdir", a->logdir, "Run directory (metrics.csv or TensorBoard event files)")
      ->required();
  cmd.add_option("--out", a->out, "PNG to write (default: LOGDIR/curves.png)");
  cmd.add_option("--width", a->width, "Image width in pixels")->check(CLI::Range(200, 8000));
  cmd.add_option("--height", a->height, "Image height in pixels")->check(CLI::Range(200, 8000));
  cmd.add_option("--smoothing", a->smoothing,
                 "Loss smoothing weight, as in TensorBoard (0: raw values only)")
      ->check(CLI::Range(0.0, 0.999))
      ->capture_default_str();
  cmd.callback([a] { run_plot(*a); });
});

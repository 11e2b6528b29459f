// `tailor config import pipeline.config [--out F]`: TF OD API text config -> Tailor YAML.
// `tailor config check C`: loads a Tailor config with every check train would apply.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/command.h"
#include "models/image_level.h"
#include "models/ssd_model.h"
#include "pipeline/build/builders.h"
#include "pipeline/config/pipeline_config.h"
#include "pipeline/config/tf_config_import.h"
#include "runtime/io/atomic_file.h"

namespace {

struct ImportOptions {
  std::string input;
  std::string out;
};

void run_import(const ImportOptions& o) {
  const auto r = tailor::pipeline::import_tf_pipeline_config(o.input);
  for (const auto& w : r.warnings) std::cerr << "warning: " << w << "\n";
  if (o.out.empty()) {
    std::cout << r.yaml;
  } else {
    tailor::io::write_file_atomic(o.out, r.yaml);
    // The result must load: catch a conversion bug here rather than at train time.
    tailor::pipeline::load_pipeline_config(o.out);
    std::cerr << "wrote " << o.out << " (" << r.warnings.size() << " warnings)\n";
  }
}

void run_check(const std::string& path) {
  using namespace tailor::pipeline;
  const PipelineConfig c = load_pipeline_config(path);
  std::cout << path << ": ok\n"
            << "  model: ssd, " << c.model.num_classes << " classes, " << c.model.image_height
            << "x" << c.model.image_width << ", depth_multiplier " << c.model.depth_multiplier
            << "\n"
            << "  train: batch " << c.train.batch_size << ", " << c.train.num_steps << " steps, lr "
            << c.train.rms_prop.learning_rate.initial_learning_rate;
  const auto& cd = c.train.rms_prop.cosine_decay;
  if (c.train.rms_prop.schedule == LearningRateSchedule::kCosineDecay)
    std::cout << " cosine decay to 0 at step " << cd.total_steps << " (warm-up " << cd.warmup_steps
              << " steps from " << cd.warmup_learning_rate << ")";
  std::cout << ", output " << c.train.output_dir << "\n";
  bool image_level = false;
  for (const auto& s : c.train_input.sources) {
    std::cout << "  train data: " << s.name << " (" << tailor::data::format_name(s.format) << ") "
              << s.path;
    if (s.weight != 1.0) std::cout << ", sampling weight " << s.weight;
    auto list = [](const char* what, const std::vector<std::string>& names) {
      if (names.empty()) return;
      std::cout << ", " << what;
      for (size_t k = 0; k < names.size(); ++k) std::cout << (k ? ", " : " ") << names[k];
    };
    list("stems", s.include_stems);
    list("without", s.exclude_classes);
    for (const auto& group : s.ambiguous_classes) {
      std::cout << ", ";
      for (size_t k = 0; k < group.size(); ++k) std::cout << (k ? "/" : "") << group[k];
      std::cout << " not told apart";
    }
    if (s.labels_exhaustive) std::cout << ", labels exhaustive (no other class in the photo)";
    std::cout << "\n";
    image_level |=
        tailor::data::format_info(s.format).supervision == tailor::data::Supervision::kImageLevel;
  }
  if (image_level) {
    const auto& il = c.model.loss.image_level;
    std::cout << "  image-level loss: " << tailor::models::image_level_method_name(il.method)
              << (il.class_aware ? " (class-aware)" : "") << ", min_score " << il.min_score
              << ", weight " << il.weight
              << (il.box_negatives ? ", other classes taught 0 at the chosen anchors" : "")
              << ", from step " << il.start_step << "\n";
  }
  if (!c.train.freeze_variables.empty()) {
    // Builds the model so that a pattern matching nothing fails here, not an hour into a run.
    tailor::models::SsdModel model(c.model);
    std::cout << "  " << freeze_variables(c, model.params());
  }
  if (c.train_input.repeat_factor_threshold > 0)
    std::cout << "  train sampling: repeat factors, threshold "
              << c.train_input.repeat_factor_threshold << ", class frequencies per source\n";
  if (c.has_eval_input)
    for (const auto& s : c.eval_input.sources)
      std::cout << "  eval data: " << s.name << " (" << tailor::data::format_name(s.format) << ") "
                << s.path << "\n";
}

}  // namespace

TAILOR_COMMAND("config", "Import a TF Object Detection API pipeline.config or check a config",
               [](CLI::App& cmd) {
                 cmd.require_subcommand(1);
                 auto opts = std::make_shared<ImportOptions>();
                 CLI::App* imp = cmd.add_subcommand(
                     "import", "Convert a TF OD API pipeline.config (text format) to Tailor YAML");
                 imp->add_option("pipeline_config", opts->input, "TF pipeline.config")
                     ->required()
                     ->check(CLI::ExistingFile);
                 imp->add_option("--out", opts->out, "Write the YAML here (default: stdout)");
                 imp->callback([opts] { run_import(*opts); });
                 auto path = std::make_shared<std::string>();
                 CLI::App* chk = cmd.add_subcommand("check", "Load and validate a Tailor config");
                 chk->add_option("config", *path, "Tailor YAML config")->required();
                 chk->callback([path] { run_check(*path); });
               });

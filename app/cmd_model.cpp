// `tailor model summary|anchors --config C`: the model's layer table, parameter list and
// anchors, computed from the config's `model:` section.
#include <iostream>
#include <memory>
#include <string>

#include "app/command.h"
#include "models/model_summary.h"
#include "pipeline/config/model_config_yaml.h"

namespace {

struct ModelOptions {
  std::string config;
  bool params = false;
};

}  // namespace

TAILOR_COMMAND("model", "Describe a model: layer table, parameters, anchors", [](CLI::App& cmd) {
  cmd.require_subcommand(1);
  auto opts = std::make_shared<ModelOptions>();
  CLI::App* summary = cmd.add_subcommand(
      "summary", "Layer table with output shapes, parameters, MACs and FLOPs (2 per MAC)");
  summary->add_option("--config", opts->config, "YAML config with a model: section")->required();
  summary->add_flag("--params", opts->params,
                    "Print NAME<TAB>DTYPE<TAB>[shape] per parameter instead of the table");
  summary->callback([opts] {
    const auto config = tailor::pipeline::load_model_config(opts->config);
    if (opts->params)
      tailor::models::print_parameters(config, std::cout);
    else
      tailor::models::print_summary(config, std::cout);
  });
  CLI::App* anchors =
      cmd.add_subcommand("anchors", "Anchors as CSV ycenter,xcenter,height,width in TF order");
  anchors->add_option("--config", opts->config, "YAML config with a model: section")->required();
  anchors->callback([opts] {
    tailor::models::print_anchors_csv(tailor::pipeline::load_model_config(opts->config), std::cout);
  });
});

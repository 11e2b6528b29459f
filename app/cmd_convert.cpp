// `tailor convert --from PATH --to OUT.safetensors [--weights-only]`: TF checkpoints keep their
// variable names; a .tflite SSD-MobileNet-v1 becomes Tailor's model variables (dequantized,
// transposed to HWIO, batch norm as identity; see models/import/tflite_ssd_import.h) with its
// model settings in the metadata; --weights-only makes a training checkpoint deployable.
#include <iostream>
#include <memory>
#include <string>

#include "app/command.h"
#include "engine/io/checkpoint.h"
#include "engine/io/tflite.h"
#include "engine/io/weights_file.h"
#include "models/import/tflite_ssd_import.h"
#include "pipeline/model_io/load_detector.h"
#include "pipeline/model_io/model_config_json.h"
#include "pipeline/model_io/weights_only.h"

namespace {

struct ConvertOptions {
  std::string from, to;
  bool weights_only = false;
};

void convert(const ConvertOptions& o) {
  using namespace tailor;
  if (o.to.size() < 12 || o.to.compare(o.to.size() - 12, 12, ".safetensors") != 0)
    throw UsageError("--to must name a .safetensors file, got '" + o.to + "'");
  io::Checkpoint out;
  if (o.weights_only) {
    // What a deployment needs: the (averaged) weights and the model's description.
    out = pipeline::weights_only_checkpoint(pipeline::load_detector(o.from), o.from);
  } else if (io::detect_weights_format(o.from) == io::WeightsFormat::Tflite) {
    const models::TfliteSsdImport imp = models::import_tflite_ssd(io::TfliteModel::open(o.from));
    out.tensors = imp.variables;
    // The whole config (post-processing and box coder included), so that `tailor detect` on
    // the converted file rebuilds the model exactly.
    out.metadata[io::kMetaModelConfig] = pipeline::ssd_config_to_json(imp.config);
    out.metadata["tailor.source"] = o.from;
  } else {
    out.tensors = io::read_tensors(o.from);
    out.metadata["tailor.source"] = o.from;
  }
  io::save_checkpoint(o.to, out);
  std::cout << "wrote " << out.tensors.size() << " tensors to " << o.to << '\n';
}

}  // namespace

TAILOR_COMMAND("convert", "Convert a TF checkpoint or .tflite model to a .safetensors checkpoint",
               [](CLI::App& cmd) {
                 auto opts = std::make_shared<ConvertOptions>();
                 cmd.add_option("--from", opts->from,
                                "TF checkpoint prefix or .index, .tflite, or .safetensors")
                     ->required();
                 cmd.add_option("--to", opts->to, "Output .safetensors path")->required();
                 cmd.add_flag("--weights-only", opts->weights_only,
                              "A deployable model: the variables with their moving average "
                              "applied, the config and label map; no optimizer state");
                 cmd.callback([opts] { convert(*opts); });
               });

#include "pipeline/model_io/fine_tune.h"

#include <functional>
#include <sstream>
#include <unordered_map>

#include "engine/io/checkpoint.h"
#include "engine/io/tf_checkpoint.h"
#include "engine/io/tflite.h"
#include "engine/io/weights_file.h"
#include "models/import/tflite_ssd_import.h"
#include "runtime/error.h"

namespace tailor::pipeline {

namespace {

constexpr const char* kBackbonePrefix = "FeatureExtractor/";

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

// A checkpoint seen through name lookups: the shape without reading data (TF checkpoints list
// shapes from the index), and the tensor on demand, so mismatched variables are never read.
struct WeightsSource {
  std::function<const Shape*(const std::string&)> shape_of;  // nullptr when absent
  std::function<Tensor(const std::string&)> read;
  std::unordered_map<std::string, Tensor> owned;  // formats read whole
};

void index_tensors(WeightsSource* src, std::vector<Tensor> tensors) {
  for (Tensor& t : tensors) {
    std::string name = t.name();
    src->owned.emplace(std::move(name), std::move(t));
  }
  src->shape_of = [src](const std::string& name) -> const Shape* {
    auto it = src->owned.find(name);
    return it == src->owned.end() ? nullptr : &it->second.shape();
  };
  src->read = [src](const std::string& name) { return src->owned.at(name); };
}

}  // namespace

FineTuneReport restore_fine_tune(models::SsdModel& model, const std::string& path,
                                 const std::string& type) {
  TAILOR_CHECK(type == "detection" || type == "classification", UserError,
               "fine_tune_checkpoint_type must be 'detection' or 'classification', got '", type,
               "'");
  WeightsSource src;
  std::shared_ptr<io::TfCheckpoint> tf_ckpt;
  switch (io::detect_weights_format(path)) {
    case io::WeightsFormat::Tflite:
      // The import maps the file's folded convolutions onto TF variable names (batch norm as
      // identity + bias), so the file restores like a TF detection checkpoint.
      index_tensors(&src, models::import_tflite_ssd(io::TfliteModel::open(path)).variables);
      break;
    case io::WeightsFormat::Safetensors:
      index_tensors(&src, io::load_checkpoint(path).tensors);
      break;
    case io::WeightsFormat::TfCheckpoint: {
      tf_ckpt = std::make_shared<io::TfCheckpoint>(io::TfCheckpoint::open(path));
      src.shape_of = [tf_ckpt](const std::string& name) -> const Shape* {
        const io::TfCheckpointEntry* e = tf_ckpt->find(name);
        // A dtype Tailor cannot read is as good as absent for a float variable.
        return e && e->supported && e->dtype == DType::Float32 ? &e->shape : nullptr;
      };
      src.read = [tf_ckpt](const std::string& name) { return tf_ckpt->read(name); };
      break;
    }
  }

  // Match everything first, so a wrong file fails before any tensor data is read.
  FineTuneReport report;
  report.path = path;
  std::vector<Parameter*> matched;
  for (Parameter& p : model.params().all()) {
    const bool backbone = starts_with(p.name, kBackbonePrefix);
    if (type == "classification" && !backbone) continue;
    const Shape* shape = src.shape_of(p.name);
    if (!shape) {
      report.missing.push_back(p.name);
    } else if (*shape != p.value.shape()) {
      report.mismatched.push_back(p.name + ": checkpoint " + shape_str(*shape) + " vs model " +
                                  shape_str(p.value.shape()));
    } else {
      matched.push_back(&p);
      report.restored.push_back(p.name);
      if (backbone) ++report.backbone_restored;
    }
  }

  if (report.backbone_restored == 0) {
    std::string hint;
    if (!report.mismatched.empty())
      hint = " (first mismatch: " + report.mismatched.front() +
             "; is the depth_multiplier the file's?)";
    else
      hint = " (no FeatureExtractor/ variable of this model is in it)";
    throw UserError(path + ": fine_tune_checkpoint restores none of the backbone" + hint);
  }
  for (Parameter* p : matched) p->value.copy_from(src.read(p->name));
  return report;
}

std::string format_fine_tune_report(const FineTuneReport& report) {
  std::ostringstream os;
  os << "fine-tune from " << report.path << ": restored " << report.restored.size()
     << " variables (" << report.backbone_restored << " of the backbone), "
     << report.mismatched.size() << " mismatched, " << report.missing.size()
     << " not in the checkpoint\n";
  for (const std::string& m : report.mismatched) os << "  kept initializer (shape): " << m << "\n";
  for (const std::string& m : report.missing) os << "  kept initializer (absent): " << m << "\n";
  return os.str();
}

}  // namespace tailor::pipeline

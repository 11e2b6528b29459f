#pragma once
// Fine-tune restore with the TF Object Detection API's from_detection_checkpoint semantics:
// every model variable whose name and shape match a checkpoint tensor is restored; the rest
// (e.g. a 10-class ClassPredictor against a 91-class one) keep their initializers and are
// listed. Reads TF V2 checkpoints, .tflite detection models and Tailor .safetensors.
#include <string>
#include <vector>

#include "models/ssd_model.h"

namespace tailor::pipeline {

struct FineTuneReport {
  std::string path;
  std::vector<std::string> restored;    // variable names
  std::vector<std::string> mismatched;  // "NAME: checkpoint [a,b] vs model [c,d]"
  std::vector<std::string> missing;     // model variables the checkpoint lacks
  int backbone_restored = 0;            // restored FeatureExtractor/ variables
};

// type: "detection" restores every matching variable; "classification" only the backbone
// (FeatureExtractor/). Throws UserError naming the file when nothing of the backbone is
// restored (a wrong file or model is an error, never a silent from-scratch run).
FineTuneReport restore_fine_tune(models::SsdModel& model, const std::string& path,
                                 const std::string& type = "detection");

// A few human lines: counts, then each mismatched variable.
std::string format_fine_tune_report(const FineTuneReport& report);

}  // namespace tailor::pipeline

#pragma once
// The per-class evaluation table printed by `tailor eval` and saved next to the checkpoint.
#include <optional>
#include <string>
#include <vector>

#include "pipeline/eval/coco_ap.h"
#include "pipeline/eval/pascal_voc_ap.h"
#include "pipeline/eval/top1_accuracy.h"

namespace tailor::pipeline {

struct EvalMetrics {
  std::optional<VocApResult> voc;
  std::optional<CocoApResult> coco;
  std::optional<Top1Result> top1;
};

// One row per class (class_names[c-1] names class c), then a summary row; metrics that were
// not computed are left out, absent values print as "-". Then the top-1 misses, the first
// `max_misses` of them (all of them are in metrics.json; 0 lists none).
// class_names[c-1], or "class C" for an id outside the names.
std::string class_display_name(const std::vector<std::string>& class_names, int c);

std::string format_class_table(const std::vector<std::string>& class_names, const EvalMetrics& m,
                               size_t max_misses = 20);

}  // namespace tailor::pipeline

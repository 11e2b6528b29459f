#pragma once
// The per-class evaluation table printed by `tailor eval` and saved next to the checkpoint.
#include <cstddef>
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

// class_names[c-1], or "class C" for an id outside the names.
std::string class_display_name(const std::vector<std::string>& class_names, int c);

// How many top-1 misses a table lists; metrics.json has all of them.
constexpr size_t kListedTop1Misses = 20;

// One row per class (class_names[c-1] names class c), then a summary row; metrics that were
// not computed are left out, absent values print as "-". Then the first `max_misses` top-1
// misses (0 lists none).
std::string format_class_table(const std::vector<std::string>& class_names, const EvalMetrics& m,
                               size_t max_misses = kListedTop1Misses);

// The top-1 confusion matrix as a text table: a row per labelled class, a column per top
// class (and "none" for images without a detection), each row's accuracy at its end.
std::string format_confusion_matrix(const std::vector<std::string>& class_names,
                                    const Top1Result& top1);

}  // namespace tailor::pipeline

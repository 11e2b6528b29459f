#pragma once
// The top-1 confusion matrix as a picture: a cell per (labelled class, top class), shaded by
// the share of its row, with the count written in it. `tailor eval` saves one per source.
#include <string>
#include <vector>

#include "pipeline/eval/top1_accuracy.h"
#include "pipeline/plot/canvas.h"

namespace tailor::pipeline {

// class_names[c-1] names class c; rows without images are left out.
Canvas plot_confusion_matrix(const std::vector<std::string>& class_names, const Top1Result& top1,
                             const std::string& title);

}  // namespace tailor::pipeline

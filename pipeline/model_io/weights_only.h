#pragma once
// A deployable checkpoint: a trained detector's variables alone (the moving average applied
// when the training kept one), with the model config, label map and step in the metadata, and
// no optimizer state. What the model zoo ships and what `tailor convert --weights-only` writes.
#include <string>

#include "engine/io/checkpoint.h"
#include "pipeline/model_io/load_detector.h"

namespace tailor::pipeline {

// `source` is recorded in the metadata (tailor.source).
io::Checkpoint weights_only_checkpoint(const LoadedDetector& detector, const std::string& source);

}  // namespace tailor::pipeline

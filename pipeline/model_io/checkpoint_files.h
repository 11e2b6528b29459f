#pragma once
// The checkpoints of a training run: OUTPUT_DIR/ckpt-STEP.safetensors, like TF's
// model.ckpt-STEP. Only names of exactly that form count, so the temp files of an atomic
// write that was killed half-way are never mistaken for a checkpoint.
#include <cstdint>
#include <string>
#include <vector>

namespace tailor::pipeline {

struct CheckpointFile {
  int64_t step = 0;
  std::string path;
};

std::string checkpoint_path(const std::string& dir, int64_t step);
// Sorted by step, oldest first; empty when `dir` does not exist.
std::vector<CheckpointFile> list_checkpoints(const std::string& dir);
// Deletes all but the newest `keep` checkpoints (keep <= 0 keeps everything), and stale temp
// files that a killed write left behind.
void prune_checkpoints(const std::string& dir, int keep);

}  // namespace tailor::pipeline

#pragma once
// A tiny training setup for tests: a VOC folder with a few real myntra product photos copied
// from ../shared, and a small config (64x64 input, depth 0.25) that trains in seconds.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/scratch_dir.h"

namespace tailor::testing {

inline std::string tiny_scratch(const std::string& name) {
  return scratch_dir("train", name);
}

// Copies the first `count` stems of myntra/train.txt into DIR/voc and lists them in train.txt.
inline std::string make_tiny_voc(const std::string& dir, int count) {
  namespace fs = std::filesystem;
  const fs::path src = fs::path(TAILOR_SHARED_DIR) / "data" / "myntra";
  const fs::path dst = fs::path(dir) / "voc";
  fs::create_directories(dst / "images");
  fs::create_directories(dst / "annotations");
  std::ifstream split(src / "train.txt");
  std::ofstream list(dst / "train.txt");
  std::string stem;
  for (int i = 0; i < count && std::getline(split, stem); ++i) {
    fs::copy_file(src / "images" / (stem + ".jpg"), dst / "images" / (stem + ".jpg"));
    fs::copy_file(src / "annotations" / (stem + ".xml"), dst / "annotations" / (stem + ".xml"));
    list << stem << "\n";
  }
  return dst.string();
}

// Copies the first `count` stems of catalog/train.txt into DIR/catalog (labels.csv, images/,
// train.txt): an image-level source.
inline std::string make_tiny_catalog(const std::string& dir, int count) {
  namespace fs = std::filesystem;
  const fs::path src = fs::path(TAILOR_SHARED_DIR) / "data" / "catalog";
  const fs::path dst = fs::path(dir) / "catalog";
  fs::create_directories(dst / "images");
  std::ifstream split(src / "train.txt"), labels(src / "labels.csv");
  std::ofstream list(dst / "train.txt"), out(dst / "labels.csv");
  std::string stem, line;
  std::getline(labels, line);
  out << line << "\n";
  std::vector<std::string> stems;
  for (int i = 0; i < count && std::getline(split, stem); ++i) {
    fs::copy_file(src / "images" / (stem + ".jpg"), dst / "images" / (stem + ".jpg"));
    list << stem << "\n";
    stems.push_back(stem);
  }
  while (std::getline(labels, line))
    for (const std::string& s : stems)
      if (line.rfind(s + ",", 0) == 0) out << line << "\n";
  return dst.string();
}

inline std::string tiny_config(const std::string& dir, int num_steps, int checkpoint_every,
                               const std::string& extra_train = "", float learning_rate = 0.004f) {
  const std::string shared = TAILOR_SHARED_DIR;
  std::string yaml =
      "model:\n"
      "  ssd:\n"
      "    num_classes: 9\n"
      "    image_height: 64\n"
      "    image_width: 64\n"
      "    depth_multiplier: 0.25\n"
      "train:\n"
      "  batch_size: 2\n"
      "  num_steps: " +
      std::to_string(num_steps) +
      "\n"
      "  optimizer:\n"
      "    rms_prop:\n"
      "      learning_rate:\n"
      "        exponential_decay: {initial_learning_rate: " +
      std::to_string(learning_rate) +
      ", decay_steps: 5, decay_factor: 0.9, staircase: true}\n"
      "      momentum: 0.9\n"
      "      decay: 0.9\n"
      "      epsilon: 1.0\n"
      "  augmentation: [random_horizontal_flip, ssd_random_crop]\n"
      "  checkpoint_every: " +
      std::to_string(checkpoint_every) +
      "\n"
      "  keep_checkpoints: 3\n"
      "  seed: 3\n"
      "  threads: 2\n"
      "  log_every: 5\n"
      "  output_dir: run\n" +
      extra_train +
      "train_input:\n"
      "  format: voc\n"
      "  paths: [voc:train]\n"
      "  label_map: " +
      shared +
      "/data/label_map.pbtxt\n"
      "eval_input:\n"
      "  format: voc\n"
      "  paths: [voc:train]\n"
      "  label_map: " +
      shared + "/data/label_map.pbtxt\n";
  const std::string path = dir + "/tiny.yaml";
  std::ofstream(path) << yaml;
  return path;
}

}  // namespace tailor::testing

#pragma once
// Reads a config's train_input / eval_input section into the data sets: each source as its own
// named dataset (eval reports per source, training weighs each) and the label map.
#include <string>
#include <vector>

#include "data/augment.h"
#include "data/dataset_io.h"
#include "data/example.h"
#include "data/label_map.h"
#include "models/target_assigner.h"
#include "pipeline/config/pipeline_config.h"

namespace tailor::pipeline {

struct NamedDataset {
  std::string name;  // InputSource::name, e.g. "ccp:test"
  data::Dataset examples;
  double weight = 1.0;      // InputSource::weight: training's sampling ratio
  size_t not_included = 0;  // images left out by InputSource::include_stems
  size_t excluded = 0;      // images left out by InputSource::exclude_classes
  // InputSource::ambiguous_classes by class id (models/target_assigner.h); empty: none.
  models::ClassAmbiguity ambiguous;
  bool labels_exhaustive = false;  // InputSource::labels_exhaustive
};

struct InputData {
  data::LabelMap labels;
  std::vector<NamedDataset> sources;
  // Every source's examples, in source order (what training iterates over).
  data::Dataset all() const;
  size_t num_examples() const;
};

// `section` ("train_input", "eval_input") prefixes errors. Throws UserError when the label
// map or a source cannot be read, or when a source holds no examples (an empty split file
// is a config mistake, not an empty epoch), when exclude_classes or ambiguous_classes names
// a class that is not in the label map, or when a labels_exhaustive source holds a
// box-labelled example.
InputData load_input(const InputConfig& input, const std::string& section);

// A source spec as the CLI takes it ("DIR", "DIR:SPLIT,SPLIT", a file), in `format`.
InputSource parse_source_spec(const std::string& spec, data::Format format);

}  // namespace tailor::pipeline

#include "pipeline/input/input_data.h"

#include <fnmatch.h>

#include <algorithm>
#include <set>

#include "runtime/error.h"

namespace tailor::pipeline {
namespace {

// Keeps the examples whose stem matches one of `src.include_stems` (all when it is empty);
// returns how many went.
size_t include_stems(const InputSource& src, data::Dataset* examples) {
  if (src.include_stems.empty()) return 0;
  auto left_out = [&src](const data::Example& ex) {
    const std::string stem = ex.stem();
    return std::none_of(
        src.include_stems.begin(), src.include_stems.end(),
        [&stem](const std::string& p) { return fnmatch(p.c_str(), stem.c_str(), 0) == 0; });
  };
  const size_t before = examples->size();
  examples->erase(std::remove_if(examples->begin(), examples->end(), left_out), examples->end());
  return before - examples->size();
}

// Leaves out the examples that hold one of `src.exclude_classes` (an image label or a box);
// returns how many went.
size_t exclude_classes(const InputSource& src, const data::LabelMap& labels,
                       const std::string& section, const std::string& label_map_path,
                       data::Dataset* examples) {
  if (src.exclude_classes.empty()) return 0;
  std::set<int> ids;
  for (const std::string& name : src.exclude_classes) {
    const int id = labels.id_of(name);
    if (id == 0)
      throw UserError(section + ".paths: '" + src.name + "': exclude_classes names '" + name +
                      "', which is not in the label map " + label_map_path);
    ids.insert(id);
  }
  auto excluded = [&ids](const data::Example& ex) {
    if (ex.has_image_label() && ids.count(ex.image_label_id)) return true;
    return std::any_of(ex.boxes.begin(), ex.boxes.end(),
                       [&ids](const data::Box& b) { return ids.count(b.label_id) > 0; });
  };
  const size_t before = examples->size();
  examples->erase(std::remove_if(examples->begin(), examples->end(), excluded), examples->end());
  return before - examples->size();
}

// `src.ambiguous_classes` by class id: each class of a group lists the others.
models::ClassAmbiguity class_ambiguity(const InputSource& src, const data::LabelMap& labels,
                                       const std::string& section,
                                       const std::string& label_map_path) {
  if (src.ambiguous_classes.empty()) return {};
  models::ClassAmbiguity out(labels.max_id() + 1);
  for (const std::vector<std::string>& group : src.ambiguous_classes) {
    std::vector<int> ids;
    for (const std::string& name : group) {
      const int id = labels.id_of(name);
      if (id == 0)
        throw UserError(section + ".paths: '" + src.name + "': ambiguous_classes names '" + name +
                        "', which is not in the label map " + label_map_path);
      ids.push_back(id);
    }
    for (int id : ids)
      for (int other : ids)
        if (other != id) out[id].push_back(other);
  }
  return out;
}

}  // namespace

data::Dataset InputData::all() const {
  data::Dataset out;
  out.reserve(num_examples());
  for (const NamedDataset& s : sources) out.insert(out.end(), s.examples.begin(), s.examples.end());
  return out;
}

size_t InputData::num_examples() const {
  size_t n = 0;
  for (const NamedDataset& s : sources) n += s.examples.size();
  return n;
}

InputData load_input(const InputConfig& input, const std::string& section) {
  InputData out;
  if (input.label_map.empty()) throw UserError(section + ".label_map: required");
  out.labels = data::LabelMap::load(input.label_map);
  if (input.sources.empty()) throw UserError(section + ".paths: no data sources");
  for (const InputSource& src : input.sources) {
    data::ReadOptions opts;
    opts.labels = &out.labels;
    opts.splits = src.splits;
    NamedDataset ds;
    ds.name = src.name;
    ds.examples = data::read_dataset(src.format, src.path, opts);
    ds.weight = src.weight;
    ds.not_included = include_stems(src, &ds.examples);
    ds.excluded = exclude_classes(src, out.labels, section, input.label_map, &ds.examples);
    ds.ambiguous = class_ambiguity(src, out.labels, section, input.label_map);
    ds.labels_exhaustive = src.labels_exhaustive;
    if (ds.examples.empty())
      throw UserError(section + ".paths: '" + src.name + "' (" + src.path + ") holds no examples" +
                      (ds.not_included ? " matching include_stems (" +
                                             std::to_string(ds.not_included) + " do not)"
                                       : std::string()) +
                      (ds.excluded ? " once exclude_classes left out " + std::to_string(ds.excluded)
                                   : std::string()) +
                      "; check the folder and its split files");
    if (src.labels_exhaustive)
      for (const data::Example& ex : ds.examples)
        if (!ex.has_image_label())
          throw UserError(section + ".paths: '" + src.name +
                          "' sets labels_exhaustive, which only image-labelled sources (catalog, "
                          "imagefolder, labels_csv) can: " +
                          ex.where() + " has boxes");
    for (const data::Example& ex : ds.examples)
      for (const data::Box& b : ex.boxes)
        if (b.label_id <= 0 || b.label_id > out.labels.max_id())
          throw UserError(ex.where() + ": object class '" + b.label + "' is not in the label map " +
                          input.label_map);
    for (const data::Example& ex : ds.examples)
      if (ex.has_image_label() &&
          (ex.image_label_id <= 0 || ex.image_label_id > out.labels.max_id()))
        throw UserError(ex.where() + ": class '" + ex.image_label + "' is not in the label map " +
                        input.label_map);
    out.sources.push_back(std::move(ds));
  }
  return out;
}

InputSource parse_source_spec(const std::string& spec, data::Format format) {
  InputSource src;
  src.format = format;
  data::split_path_spec(spec, &src.path, &src.splits);
  src.name = spec;
  return src;
}

}  // namespace tailor::pipeline

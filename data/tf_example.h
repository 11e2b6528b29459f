#pragma once
// tf.train.Example <-> bytes, and <-> data::Example using the TF Object Detection API keys
// (image/encoded, image/format, image/filename, image/source_id, image/height, image/width,
// image/object/bbox/{xmin,xmax,ymin,ymax} normalized, image/object/class/{text,label}).
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "data/example.h"
#include "data/label_map.h"

namespace tailor::data {

struct Feature {
  enum class Kind { kBytes, kFloat, kInt64 } kind = Kind::kBytes;
  std::vector<std::string> bytes;
  std::vector<float> floats;
  std::vector<int64_t> ints;
};

// Features in file order (a proto map has no order of its own; writers keep insertion order).
using FeatureMap = std::vector<std::pair<std::string, Feature>>;

const Feature* find_feature(const FeatureMap& f, const std::string& key);

// Parses the wire bytes; accepts packed and unpacked float/int64 lists. Throws UserError
// prefixed with `context` on malformed bytes.
FeatureMap parse_tf_example(std::string_view bytes, const std::string& context);
// Serializes like protobuf: packed numeric lists, map entries in the given order.
std::string serialize_tf_example(const FeatureMap& features);

// OD API keys -> Example with pixel boxes (normalized * width/height). Missing label ids are
// filled from `labels` by class text when a map is given. `context` names file and record.
Example example_from_features(const FeatureMap& features, const std::string& context,
                              const LabelMap* labels);
// Example -> OD API features in the order generate_tfrecord.py writes them. Reads the image
// file when `ex.encoded` is empty.
FeatureMap features_from_example(const Example& ex, const LabelMap* labels);

}  // namespace tailor::data

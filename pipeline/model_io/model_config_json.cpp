#include "pipeline/model_io/model_config_json.h"

#include <nlohmann/json.hpp>

#include "runtime/error.h"

namespace tailor::pipeline {

namespace {

using nlohmann::json;

// One field list serves both directions, so writer and reader cannot drift apart.
// `io(name, field)` is called per scalar; `nested(name, fn)` per sub-object.
template <typename Config, typename Io, typename Nested>
void visit_ssd_config(Config& c, Io&& io, Nested&& nested) {
  io("num_classes", c.num_classes);
  io("image_height", c.image_height);
  io("image_width", c.image_width);
  io("depth_multiplier", c.depth_multiplier);
  io("min_depth", c.min_depth);
  io("batch_norm_decay", c.batch_norm_decay);
  io("batch_norm_epsilon", c.batch_norm_epsilon);
  io("freeze_batchnorm", c.freeze_batchnorm);
  io("backbone_init_stddev", c.backbone_init_stddev);
  io("head_init_stddev", c.head_init_stddev);
  io("init_seed", c.init_seed);
  nested("anchors", [&](auto&& sub) {
    auto& a = c.anchors;
    sub("num_layers", a.num_layers);
    sub("min_scale", a.min_scale);
    sub("max_scale", a.max_scale);
    sub("aspect_ratios", a.aspect_ratios);
    sub("interpolated_scale_aspect_ratio", a.interpolated_scale_aspect_ratio);
    sub("reduce_boxes_in_lowest_layer", a.reduce_boxes_in_lowest_layer);
    sub("base_anchor_height", a.base_anchor_height);
    sub("base_anchor_width", a.base_anchor_width);
  });
  nested("box_coder", [&](auto&& sub) {
    auto& b = c.box_coder;
    sub("y_scale", b.y_scale);
    sub("x_scale", b.x_scale);
    sub("height_scale", b.height_scale);
    sub("width_scale", b.width_scale);
  });
  nested("matcher", [&](auto&& sub) {
    auto& m = c.matcher;
    sub("matched_threshold", m.matched_threshold);
    sub("unmatched_threshold", m.unmatched_threshold);
    sub("negatives_lower_than_unmatched", m.negatives_lower_than_unmatched);
    sub("force_match_for_each_row", m.force_match_for_each_row);
  });
  nested("loss", [&](auto&& sub) {
    auto& l = c.loss;
    sub("classification_weight", l.classification_weight);
    sub("localization_weight", l.localization_weight);
    sub("num_hard_examples", l.num_hard_examples);
    sub("hard_mining_iou", l.hard_mining_iou);
    sub("max_negatives_per_positive", l.max_negatives_per_positive);
    sub("min_negatives_per_image", l.min_negatives_per_image);
    sub("l2_weight", l.l2_weight);
  });
  nested("post_process", [&](auto&& sub) {
    auto& p = c.post_process;
    sub("score_threshold", p.score_threshold);
    sub("iou_threshold", p.iou_threshold);
    sub("max_detections_per_class", p.max_detections_per_class);
    sub("max_total_detections", p.max_total_detections);
  });
}

json parse_json(const std::string& text, const std::string& context, const char* what) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw UserError(context + ": " + what + " is not valid JSON: " + e.what());
  }
}

// Reads `j[name]` into `field` when present; a wrong type names the field path.
template <typename T>
void read_field(const json& j, const std::string& path, const char* name, T& field,
                const std::string& context) {
  auto it = j.find(name);
  if (it == j.end()) return;
  try {
    field = it->get<T>();
  } catch (const json::exception& e) {
    throw UserError(context + ": model config field '" + path + name + "' has the wrong type (" +
                    it->type_name() + ")");
  }
}

}  // namespace

std::string ssd_config_to_json(const models::SsdConfig& config) {
  json out = json::object();
  models::SsdConfig c = config;
  visit_ssd_config(
      c, [&](const char* name, const auto& field) { out[name] = field; },
      [&](const char* name, auto&& fill) {
        json sub = json::object();
        fill([&](const char* key, const auto& field) { sub[key] = field; });
        out[name] = std::move(sub);
      });
  return out.dump();
}

models::SsdConfig ssd_config_from_json(const std::string& text, const std::string& context) {
  json j = parse_json(text, context, "model config");
  if (!j.is_object()) throw UserError(context + ": model config must be a JSON object");
  models::SsdConfig c;
  visit_ssd_config(
      c, [&](const char* name, auto& field) { read_field(j, "", name, field, context); },
      [&](const char* name, auto&& fill) {
        auto it = j.find(name);
        if (it == j.end()) return;
        if (!it->is_object())
          throw UserError(context + ": model config field '" + name + "' must be an object");
        const std::string path = std::string(name) + ".";
        fill([&](const char* key, auto& field) { read_field(*it, path, key, field, context); });
      });
  if (c.num_classes < 1 || c.image_height < 1 || c.image_width < 1 || c.depth_multiplier <= 0.f)
    throw UserError(context +
                    ": model config has a non-positive num_classes, image size or "
                    "depth_multiplier");
  return c;
}

std::string label_map_to_json(const data::LabelMap& labels) {
  json out = json::object();
  for (const data::LabelItem& item : labels.items())
    out[std::to_string(item.id)] = {{"name", item.name}, {"display_name", item.display_name}};
  return out.dump();
}

data::LabelMap label_map_from_json(const std::string& text, const std::string& context) {
  json j = parse_json(text, context, "label map");
  if (!j.is_object()) throw UserError(context + ": label map must be a JSON object");
  std::vector<data::LabelItem> items;
  for (auto it = j.begin(); it != j.end(); ++it) {
    data::LabelItem item;
    size_t used = 0;
    try {
      item.id = std::stoi(it.key(), &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != it.key().size())
      throw UserError(context + ": label map key '" + it.key() + "' is not an integer id");
    // Both {"1": "Jackets"} and {"1": {"name": ..., "display_name": ...}} are accepted.
    if (it->is_string()) {
      item.name = it->get<std::string>();
    } else if (it->is_object() && it->contains("name") && (*it)["name"].is_string()) {
      item.name = (*it)["name"].get<std::string>();
      auto d = it->find("display_name");
      if (d != it->end() && d->is_string()) item.display_name = d->get<std::string>();
    } else {
      throw UserError(context + ": label map entry '" + it.key() +
                      "' must be a name or an object with a string 'name'");
    }
    items.push_back(std::move(item));
  }
  return data::LabelMap(std::move(items));
}

}  // namespace tailor::pipeline

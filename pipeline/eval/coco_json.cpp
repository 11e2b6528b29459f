#include "pipeline/eval/coco_json.h"

#include <nlohmann/json.hpp>

#include "runtime/io/atomic_file.h"

namespace tailor::pipeline {

namespace {

nlohmann::json xywh(const ImageDetections& img, const models::BoxCorners& b) {
  const double sx = img.width > 0 ? img.width : 1.0;
  const double sy = img.height > 0 ? img.height : 1.0;
  return {b.xmin * sx, b.ymin * sy, (double(b.xmax) - b.xmin) * sx, (double(b.ymax) - b.ymin) * sy};
}

}  // namespace

std::string coco_detections_json(const std::vector<ImageDetections>& images) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < images.size(); ++i)
    for (const auto& d : images[i].detections)
      out.push_back({{"image_id", i + 1},
                     {"category_id", d.label},
                     {"bbox", xywh(images[i], d.box)},
                     {"score", d.score}});
  return out.dump() + "\n";
}

std::string coco_groundtruth_json(const std::vector<ImageDetections>& images,
                                  const std::vector<std::string>& class_names) {
  nlohmann::json imgs = nlohmann::json::array(), anns = nlohmann::json::array(),
                 cats = nlohmann::json::array();
  size_t ann_id = 0;
  for (size_t i = 0; i < images.size(); ++i) {
    const auto& img = images[i];
    imgs.push_back(
        {{"id", i + 1}, {"file_name", img.image_id}, {"width", img.width}, {"height", img.height}});
    for (const auto& g : img.groundtruth) {
      nlohmann::json box = xywh(img, g.box);
      anns.push_back({{"id", ++ann_id},
                      {"image_id", i + 1},
                      {"category_id", g.label},
                      {"bbox", box},
                      {"area", box[2].get<double>() * box[3].get<double>()},
                      {"iscrowd", 0}});
    }
  }
  for (size_t c = 0; c < class_names.size(); ++c)
    cats.push_back({{"id", c + 1}, {"name", class_names[c]}});
  return nlohmann::json{{"images", imgs}, {"annotations", anns}, {"categories", cats}}.dump() +
         "\n";
}

void write_coco_json(const std::vector<ImageDetections>& images,
                     const std::vector<std::string>& class_names,
                     const std::string& detections_path, const std::string& groundtruth_path) {
  io::write_file_atomic(detections_path, coco_detections_json(images));
  io::write_file_atomic(groundtruth_path, coco_groundtruth_json(images, class_names));
}

}  // namespace tailor::pipeline

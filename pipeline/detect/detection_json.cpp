#include "pipeline/detect/detection_json.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace tailor::pipeline {

namespace {

// Shortest decimal of a rounded double: "123.46" rather than float noise "123.45999908".
// Dividing by the integer scale (not multiplying by its inverse) gives the double nearest the
// decimal, which prints short.
double rounded(float v, double per_unit) {
  return std::round(static_cast<double>(v) * per_unit) / per_unit;
}

}  // namespace

std::string detection_json(const DetectedImage& result) {
  nlohmann::ordered_json dets = nlohmann::ordered_json::array();
  std::vector<const PixelDetection*> sorted;
  for (const PixelDetection& d : result.detections) sorted.push_back(&d);
  std::stable_sort(
      sorted.begin(), sorted.end(),
      [](const PixelDetection* a, const PixelDetection* b) { return a->score > b->score; });
  for (const PixelDetection* d : sorted) {
    nlohmann::ordered_json j;
    j["class_id"] = d->class_id;
    j["class"] = d->class_name;
    j["score"] = rounded(d->score, 1e6);
    j["box"] = {rounded(d->xmin, 1e2), rounded(d->ymin, 1e2), rounded(d->xmax, 1e2),
                rounded(d->ymax, 1e2)};
    dets.push_back(std::move(j));
  }
  nlohmann::ordered_json out;
  out["image"] = result.path;
  out["width"] = result.width;
  out["height"] = result.height;
  out["detections"] = std::move(dets);
  return out.dump(2) + "\n";
}

}  // namespace tailor::pipeline

#include "data/repeat_factor.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "runtime/error.h"

namespace tailor::data {

namespace {

std::set<int> classes_of(const Example& ex, const LabelMap* labels) {
  std::set<int> ids;
  for (size_t i = 0; i < ex.boxes.size(); ++i) ids.insert(box_class_id(ex, i, labels));
  if (ex.has_image_label()) ids.insert(image_label_class_id(ex, labels));
  return ids;
}

}  // namespace

RepeatFactors repeat_factors(const Dataset& ds, double threshold, const LabelMap* labels) {
  RepeatFactors out;
  std::vector<std::set<int>> image_classes;
  image_classes.reserve(ds.size());
  for (const Example& ex : ds) {
    image_classes.push_back(classes_of(ex, labels));
    for (int id : image_classes.back()) ++out.images_of[id];
  }
  const double n = static_cast<double>(std::max<size_t>(ds.size(), 1));
  for (const auto& [id, count] : out.images_of)
    out.per_class[id] = threshold > 0 ? std::max(1.0, std::sqrt(threshold / (count / n))) : 1.0;
  out.per_image.reserve(ds.size());
  for (const std::set<int>& ids : image_classes) {
    double r = 1.0;
    for (int id : ids) r = std::max(r, out.per_class[id]);
    out.per_image.push_back(r);
  }
  return out;
}

int64_t sample_epoch_length(const std::vector<double>& w) {
  const double sum = std::accumulate(w.begin(), w.end(), 0.0);
  return std::max<int64_t>(1, std::llround(sum));
}

std::vector<int64_t> systematic_sample(const std::vector<double>& w,
                                       const std::vector<int64_t>& visit, double offset) {
  const int64_t n = static_cast<int64_t>(w.size());
  TAILOR_CHECK(n > 0, UserError, "sampling: no images to sample from");
  TAILOR_CHECK(visit.empty() || static_cast<int64_t>(visit.size()) == n, UserError,
               "sampling: the visit order has ", visit.size(), " entries for ", n, " images");
  for (double v : w) TAILOR_CHECK(v > 0 && std::isfinite(v), UserError, "sampling: weight ", v);
  const double sum = std::accumulate(w.begin(), w.end(), 0.0);
  const int64_t length = sample_epoch_length(w);
  // L points, evenly spaced by sum/L, are dropped on the images laid end to end with widths
  // w: exactly L samples, each image getting floor or ceil of its share.
  std::vector<int64_t> out;
  out.reserve(length);
  int64_t pos = 0;
  auto image_at = [&](int64_t p) { return visit.empty() ? p : visit[p]; };
  double end = w[image_at(0)];
  for (int64_t j = 0; j < length; ++j) {
    const double point = (j + offset) * sum / length;
    while (point >= end && pos + 1 < n) end += w[image_at(++pos)];
    out.push_back(image_at(pos));
  }
  return out;
}

}  // namespace tailor::data

#include "pipeline/input/sample_weights.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <utility>

#include "data/repeat_factor.h"

namespace tailor::pipeline {

namespace {

std::string factor_text(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "x%.2f", r);
  return buf;
}

}  // namespace

SampleWeights sample_weights(const InputData& input, double threshold) {
  SampleWeights out;
  bool weighted = false;
  for (const NamedDataset& s : input.sources) weighted |= s.weight != 1.0;
  if (threshold <= 0 && !weighted) return out;
  std::ostringstream sources;
  for (const NamedDataset& s : input.sources) {
    if (threshold > 0) {
      data::RepeatFactors rf = data::repeat_factors(s.examples, threshold, &input.labels);
      for (double r : rf.per_image) out.per_image.push_back(r * s.weight);
      std::vector<std::pair<double, int>> repeated;
      for (const auto& [id, r] : rf.per_class)
        if (std::round(r * 100) > 100) repeated.emplace_back(r, id);  // as printed: above x1.00
      std::stable_sort(repeated.begin(), repeated.end(),
                       [](const auto& a, const auto& b) { return a.first > b.first; });
      sources << "  " << s.name << ":";
      if (repeated.empty()) sources << " no class below the threshold";
      for (size_t i = 0; i < repeated.size(); ++i)
        sources << (i ? ", " : " ") << input.labels.name_of(repeated[i].second) << " "
                << factor_text(repeated[i].first) << " (" << rf.images_of[repeated[i].second]
                << " of " << s.examples.size() << " images)";
      if (s.weight != 1.0) sources << "; source weight " << factor_text(s.weight);
      sources << "\n";
    } else {
      out.per_image.insert(out.per_image.end(), s.examples.size(), s.weight);
      sources << "  " << s.name << ": " << s.examples.size() << " images " << factor_text(s.weight)
              << "\n";
    }
  }
  std::ostringstream report;
  report << "train: ";
  if (threshold > 0) report << "repeat-factor sampling (threshold " << threshold << ")";
  if (threshold > 0 && weighted) report << " and ";
  if (weighted) report << "source weights";
  report << ": " << data::sample_epoch_length(out.per_image) << " samples per epoch from "
         << out.per_image.size() << " images\n"
         << sources.str();
  out.report = report.str();
  return out;
}

}  // namespace tailor::pipeline

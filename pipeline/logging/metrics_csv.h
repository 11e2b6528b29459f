#pragma once
// metrics.csv: one row per logged step, columns `step,wall_time,<scalar tags...>` for people
// and scripts that do not run TensorBoard (`tailor plot` reads it). Tags may first appear late
// (eval metrics), so the writer keeps the rows and rewrites the whole file atomically on each
// flush with the union of the tags seen; cells without a value are empty.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pipeline/logging/event_writer.h"

namespace tailor::pipeline {

struct MetricsTable {
  std::vector<std::string> columns;  // scalar tags, in first-seen order (without step/wall_time)
  struct Row {
    int64_t step = 0;
    double wall_time = 0;
    std::map<std::string, double> values;
  };
  std::vector<Row> rows;
};

class MetricsCsv {
 public:
  // Starts empty, or, with `resume_after_step` >= 0, keeps an existing file's rows up to that
  // step (a resumed run then appends exactly where the checkpoint left off).
  explicit MetricsCsv(std::string path, int64_t resume_after_step = -1);
  void add(int64_t step, const Scalars& scalars, double wall_time = -1);
  void flush();  // atomic rewrite
  const MetricsTable& table() const { return table_; }

 private:
  std::string path_;
  MetricsTable table_;
};

std::string format_metrics_csv(const MetricsTable& t);
// Throws UserError naming the file and line on malformed content.
MetricsTable parse_metrics_csv(const std::string& text, const std::string& path);
MetricsTable read_metrics_csv(const std::string& path);

}  // namespace tailor::pipeline

#include "pipeline/logging/metrics_csv.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <system_error>

#include "runtime/error.h"
#include "runtime/io/atomic_file.h"

namespace tailor::pipeline {

namespace {

std::vector<std::string> split_commas(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t c = line.find(',', start);
    out.push_back(line.substr(start, c == std::string::npos ? std::string::npos : c - start));
    if (c == std::string::npos) return out;
    start = c + 1;
  }
}

std::string number(double v, int digits) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

bool parse_double(const std::string& s, double* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end && *end == '\0';
}

}  // namespace

MetricsCsv::MetricsCsv(std::string path, int64_t resume_after_step) : path_(std::move(path)) {
  if (resume_after_step >= 0 && std::filesystem::exists(path_)) {
    table_ = read_metrics_csv(path_);
    table_.rows.erase(
        std::remove_if(table_.rows.begin(), table_.rows.end(),
                       [&](const MetricsTable::Row& r) { return r.step > resume_after_step; }),
        table_.rows.end());
  }
}

void MetricsCsv::add(int64_t step, const Scalars& scalars, double wall_time) {
  MetricsTable::Row row{step, wall_time < 0 ? unix_time_now() : wall_time, {}};
  for (const auto& [tag, v] : scalars) {
    TAILOR_CHECK(tag.find(',') == std::string::npos && tag.find('\n') == std::string::npos,
                 UserError, path_, ": metric name '", tag, "' must not hold a comma or newline");
    if (std::find(table_.columns.begin(), table_.columns.end(), tag) == table_.columns.end())
      table_.columns.push_back(tag);
    row.values[tag] = v;
  }
  table_.rows.push_back(std::move(row));
}

void MetricsCsv::flush() {
  std::error_code ec;
  const auto parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  io::write_file_atomic(path_, format_metrics_csv(table_));
}

std::string format_metrics_csv(const MetricsTable& t) {
  std::ostringstream os;
  os << "step,wall_time";
  for (const auto& c : t.columns) os << "," << c;
  os << "\n";
  for (const auto& r : t.rows) {
    os << r.step << "," << number(r.wall_time, 17);
    for (const auto& c : t.columns) {
      os << ",";
      auto it = r.values.find(c);
      if (it != r.values.end()) os << number(it->second, 9);
    }
    os << "\n";
  }
  return os.str();
}

MetricsTable parse_metrics_csv(const std::string& text, const std::string& path) {
  MetricsTable t;
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line)) throw UserError(path + ": empty file, expected a header");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::vector<std::string> header = split_commas(line);
  if (header.size() < 2 || header[0] != "step" || header[1] != "wall_time")
    throw UserError(path + ":1: header must start with step,wall_time");
  t.columns.assign(header.begin() + 2, header.end());
  for (int lineno = 2; std::getline(in, line); ++lineno) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::vector<std::string> cells = split_commas(line);
    if (cells.size() != header.size())
      throw UserError(path + ":" + std::to_string(lineno) + ": " + std::to_string(cells.size()) +
                      " cells, the header has " + std::to_string(header.size()));
    MetricsTable::Row row;
    double step;
    if (!parse_double(cells[0], &step) || !parse_double(cells[1], &row.wall_time))
      throw UserError(path + ":" + std::to_string(lineno) + ": step and wall_time must be numbers");
    row.step = static_cast<int64_t>(step);
    for (size_t i = 2; i < cells.size(); ++i) {
      if (cells[i].empty()) continue;
      double v;
      if (!parse_double(cells[i], &v))
        throw UserError(path + ":" + std::to_string(lineno) + ": column " + header[i] + " holds '" +
                        cells[i] + "', not a number");
      row.values[header[i]] = v;
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

MetricsTable read_metrics_csv(const std::string& path) {
  return parse_metrics_csv(io::read_file(path, size_t(1) << 30), path);
}

}  // namespace tailor::pipeline

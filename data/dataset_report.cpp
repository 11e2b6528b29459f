#include "data/dataset_report.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <unordered_map>

#include "data/format_util.h"
#include "runtime/error.h"
#include "runtime/thread_pool.h"

namespace tailor::data {

namespace {
std::string class_name(const Box& b, const LabelMap* labels) {
  if (labels) {
    int id = b.label_id ? b.label_id : labels->id_of(b.label);
    std::string n = labels->name_of(id);
    if (!n.empty()) return n;
  }
  return b.label;
}
}  // namespace

DatasetStats compute_stats(const Dataset& ds, const LabelMap* labels) {
  DatasetStats s;
  s.images = static_cast<int64_t>(ds.size());
  for (const Example& ex : ds) {
    std::set<std::string> in_image;
    for (const Box& b : ex.boxes) {
      std::string n = class_name(b, labels);
      ClassStats& c = s.per_class[n];
      ++c.boxes;
      ++s.boxes;
      in_image.insert(n);
      double side =
          std::sqrt(std::max(0.f, b.xmax - b.xmin) * double(std::max(0.f, b.ymax - b.ymin)));
      c.size_hist[side < 32 ? 0 : side < 96 ? 1 : side < 256 ? 2 : 3]++;
    }
    // An image-level label counts the image for its class (it has no boxes to count).
    if (ex.has_image_label()) {
      std::string n = ex.image_label;
      if (labels) {
        const std::string mapped =
            labels->name_of(ex.image_label_id ? ex.image_label_id : labels->id_of(n));
        if (!mapped.empty()) n = mapped;
      }
      in_image.insert(n);
    }
    for (const std::string& n : in_image) ++s.per_class[n].images;
  }
  return s;
}

std::string stats_json(const DatasetStats& s) {
  nlohmann::ordered_json j;
  j["images"] = s.images;
  j["boxes"] = s.boxes;
  j["per_class"] = nlohmann::ordered_json::object();
  for (const auto& [name, c] : s.per_class)
    j["per_class"][name] = {{"images", c.images}, {"boxes", c.boxes}};
  return j.dump();
}

std::string stats_text(const DatasetStats& s) {
  std::ostringstream os;
  os << "images " << s.images << ", boxes " << s.boxes << "\n";
  char line[200];
  std::snprintf(line, sizeof(line), "%-16s %8s %8s   box size sqrt(w*h) px: %6s %6s %6s %6s\n",
                "class", "images", "boxes", "<32", "32-96", "96-256", ">=256");
  os << line;
  for (const auto& [name, c] : s.per_class) {
    std::snprintf(line, sizeof(line), "%-16s %8lld %8lld   %28lld %6lld %6lld %6lld\n",
                  name.c_str(), (long long)c.images, (long long)c.boxes, (long long)c.size_hist[0],
                  (long long)c.size_hist[1], (long long)c.size_hist[2], (long long)c.size_hist[3]);
    os << line;
  }
  return os.str();
}

std::vector<Issue> check_dataset(const Dataset& ds, const CheckOptions& opts) {
  std::vector<std::vector<Issue>> per(ds.size());
  std::vector<uint64_t> hashes(ds.size(), 0);
  std::vector<char> readable(ds.size(), 0);
  parallel_for(0, static_cast<int64_t>(ds.size()), 4, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const Example& ex = ds[i];
      std::vector<Issue>& out = per[i];
      for (size_t k = 0; k < ex.boxes.size(); ++k) {
        const Box& b = ex.boxes[k];
        std::string obj = "object " + std::to_string(k + 1);
        auto flag = [&](const std::string& f, const std::string& m) {
          out.push_back({ex.where(), obj + "/" + f, m});
        };
        // Every coordinate must lie inside the image (a scrambled box can put ymin past the
        // bottom while ymax is fine).
        auto range = [&](const char* f, float v, int limit, const char* dim) {
          if (v < 0)
            flag(std::string("bndbox/") + f, format_coord(v) + " < 0");
          else if (v > limit)
            flag(std::string("bndbox/") + f,
                 format_coord(v) + " > " + dim + " " + std::to_string(limit));
        };
        range("xmin", b.xmin, ex.width, "width");
        range("ymin", b.ymin, ex.height, "height");
        range("xmax", b.xmax, ex.width, "width");
        range("ymax", b.ymax, ex.height, "height");
        if (b.xmin > b.xmax)
          flag("bndbox",
               "inverted: xmin " + format_coord(b.xmin) + " > xmax " + format_coord(b.xmax));
        else if (b.xmin == b.xmax)
          flag("bndbox", "zero width (xmin == xmax == " + format_coord(b.xmin) + ")");
        if (b.ymin > b.ymax)
          flag("bndbox",
               "inverted: ymin " + format_coord(b.ymin) + " > ymax " + format_coord(b.ymax));
        else if (b.ymin == b.ymax)
          flag("bndbox", "zero height (ymin == ymax == " + format_coord(b.ymin) + ")");
        int id = b.label_id;
        if (opts.labels) {
          int by_name = b.label.empty() ? 0 : opts.labels->id_of(b.label);
          if (b.label.empty() ? !opts.labels->find_id(id) : by_name == 0)
            flag("name", "unknown label '" + b.label + "'" +
                             (b.label.empty() ? " (id " + std::to_string(id) + ")" : ""));
          else if (id != 0 && by_name != 0 && id != by_name)
            flag("name", "label '" + b.label + "' has id " + std::to_string(id) +
                             " but the label map says " + std::to_string(by_name));
        } else if (b.label.empty() && id == 0) {
          flag("name", "no class name or id");
        }
      }
      if (ex.has_image_label() && opts.labels && opts.labels->id_of(ex.image_label) == 0)
        out.push_back({ex.where(), "class", "unknown label '" + ex.image_label + "'"});
      std::string img_where = ex.image_path.empty() ? ex.where() : ex.image_path;
      try {
        std::string bytes = example_image_bytes(ex);
        hashes[i] = std::hash<std::string>()(bytes);
        int w = 0, h = 0;
        if (opts.decode_images) {
          Image img = decode_image(bytes, img_where, opts.decode);
          w = img.width, h = img.height;
        } else {
          probe_image_size(bytes, img_where, &w, &h, opts.decode.exif_orientation);
        }
        readable[i] = 1;
        // Image-level formats record no size (0x0): there is nothing to compare.
        if ((ex.width > 0 || ex.height > 0) && (w != ex.width || h != ex.height))
          out.push_back({ex.where(), "size",
                         "annotation says " + std::to_string(ex.width) + "x" +
                             std::to_string(ex.height) + " but the image is " + std::to_string(w) +
                             "x" + std::to_string(h)});
      } catch (const UserError& e) {
        out.push_back({ex.where(), "image", std::string("unreadable: ") + e.what()});
      }
    }
  });
  std::vector<Issue> all;
  std::unordered_map<uint64_t, size_t> first;
  for (size_t i = 0; i < ds.size(); ++i) {
    all.insert(all.end(), per[i].begin(), per[i].end());
    if (!readable[i]) continue;
    auto [it, fresh] = first.emplace(hashes[i], i);
    // A hash match is confirmed on the bytes before it is reported.
    if (!fresh && example_image_bytes(ds[it->second]) == example_image_bytes(ds[i]))
      all.push_back({ds[i].where(), "image",
                     "duplicate image: same bytes as " + (ds[it->second].image_path.empty()
                                                              ? ds[it->second].where()
                                                              : ds[it->second].image_path)});
  }
  return all;
}

}  // namespace tailor::data

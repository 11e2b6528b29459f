#include "data/image_labels.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include "data/format_util.h"
#include "data/voc.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"

namespace fs = std::filesystem;

namespace tailor::data {

namespace {

constexpr size_t kMaxTextBytes = size_t(256) << 20;

bool is_image_file(const fs::path& p) {
  const std::string ext = ascii_lower(p.extension().string());
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png";
}

// Sets the image label of `ex`, checking the class against the label map when there is one.
void set_label(Example* ex, const std::string& name, const LabelMap* labels,
               const std::string& where) {
  TAILOR_CHECK(!name.empty(), UserError, where, ": the class is empty");
  ex->image_label = name;
  if (!labels) return;
  ex->image_label_id = labels->id_of(name);
  TAILOR_CHECK(ex->image_label_id > 0, UserError, where, ": class '", name,
               "' is not in the label map");
}

// The lines of a CSV file as (line number, fields), header first; blank lines skipped.
std::vector<std::pair<int, std::vector<std::string>>> csv_rows(const std::string& path) {
  const std::string text = io::read_file(path, kMaxTextBytes);
  std::vector<std::pair<int, std::vector<std::string>>> rows;
  for_each_line(text, [&](int line_no, std::string line) {
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // Excel's BOM
    if (line.find_first_not_of(" \t") == std::string::npos) return;
    rows.emplace_back(line_no, split_csv_line(line, detail::concat(path, ": line ", line_no)));
  });
  TAILOR_CHECK(!rows.empty(), UserError, path, ": empty CSV (no header)");
  return rows;
}

// The index of the first header field among `names`; throws naming the file otherwise.
size_t find_column(const std::vector<std::string>& header, const std::vector<std::string>& names,
                   const std::string& where, const char* what) {
  for (const std::string& n : names)
    for (size_t i = 0; i < header.size(); ++i)
      if (ascii_lower(header[i]) == n) return i;
  std::string list;
  for (size_t i = 0; i < names.size(); ++i)
    list += (i ? (i + 1 == names.size() ? " or " : ", ") : "") + names[i];
  throw UserError(where + ": header lacks " + what + " column (" + list + ")");
}

const std::string& field(const std::vector<std::string>& row, size_t col, const std::string& where,
                         const std::string& name) {
  TAILOR_CHECK(col < row.size(), UserError, where, ": missing column '", name, "'");
  return row[col];
}

// Remembers where each stem was first seen, and rejects a second sighting.
class StemRegistry {
 public:
  void add(const std::string& stem, const std::string& where) {
    auto [it, fresh] = first_.emplace(stem, where);
    TAILOR_CHECK(fresh, UserError, where, ": stem '", stem, "' appears twice (first at ",
                 it->second, ")");
  }

 private:
  std::map<std::string, std::string> first_;
};

void require_image(const Example& ex) {
  std::error_code ec;
  TAILOR_CHECK(fs::is_regular_file(ex.image_path, ec), UserError, ex.where(), ": image ",
               ex.image_path, " not found");
}

Dataset read_tree(const fs::path& root, const LabelMap* labels, StemRegistry* stems) {
  std::error_code ec;
  TAILOR_CHECK(fs::is_directory(root, ec), UserError, root.string(),
               ": not an imagefolder directory (CLASS_NAME/*.jpg)");
  std::vector<fs::path> classes;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory() && e.path().filename().string()[0] != '.') classes.push_back(e.path());
  std::sort(classes.begin(), classes.end());
  TAILOR_CHECK(!classes.empty(), UserError, root.string(),
               ": no class folders (an imagefolder holds CLASS_NAME/*.jpg)");
  Dataset ds;
  for (const fs::path& dir : classes) {
    const std::string name = dir.filename().string();
    Example probe;
    set_label(&probe, name, labels, dir.string() + ": folder");
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (!e.is_regular_file() || e.path().filename().string()[0] == '.') continue;
      TAILOR_CHECK(is_image_file(e.path()), UserError, e.path().string(),
                   ": not an image (.jpg, .jpeg or .png); move it out of the class folder");
      files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      Example ex = probe;
      ex.image_path = f.string();
      ex.source = f.string();
      ex.index = static_cast<int64_t>(ds.size());
      stems->add(ex.stem(), ex.source);
      ds.push_back(std::move(ex));
    }
  }
  return ds;
}

void reindex(Dataset* ds) {
  for (size_t i = 0; i < ds->size(); ++i) (*ds)[i].index = static_cast<int64_t>(i);
}

}  // namespace

Dataset select_split_stems(const Dataset& ds, const std::string& dir,
                           const std::vector<std::string>& splits) {
  std::map<std::string, size_t> by_stem;
  for (size_t i = 0; i < ds.size(); ++i) by_stem.emplace(ds[i].stem(), i);
  Dataset out;
  std::map<std::string, std::string> taken;
  for (const std::string& split : splits) {
    const std::string path = (fs::path(dir) / (split + ".txt")).string();
    for_each_line(io::read_file(path, kMaxTextBytes), [&](int line_no, std::string stem) {
      while (!stem.empty() && std::isspace(static_cast<unsigned char>(stem.back())))
        stem.pop_back();
      while (!stem.empty() && std::isspace(static_cast<unsigned char>(stem.front())))
        stem.erase(0, 1);
      if (stem.empty()) return;
      const std::string where = detail::concat(path, ": line ", line_no);
      auto it = by_stem.find(stem);
      TAILOR_CHECK(it != by_stem.end(), UserError, where, ": stem '", stem,
                   "' is not in the data set");
      auto [prev, fresh] = taken.emplace(stem, where);
      TAILOR_CHECK(fresh, UserError, where, ": stem '", stem, "' is listed twice (first at ",
                   prev->second, ")");
      out.push_back(ds[it->second]);
    });
  }
  reindex(&out);
  return out;
}

Dataset read_catalog(const std::string& dir, const std::vector<std::string>& splits,
                     const LabelMap* labels) {
  const std::string csv = (fs::path(dir) / "labels.csv").string();
  std::error_code ec;
  TAILOR_CHECK(fs::is_regular_file(csv, ec), UserError, dir,
               ": not a catalog directory (no labels.csv with a stem,class header)");
  const auto rows = csv_rows(csv);
  const std::string header_where = detail::concat(csv, ": line ", rows[0].first);
  const size_t stem_col = find_column(rows[0].second, {"stem"}, header_where, "a stem");
  const size_t class_col = find_column(rows[0].second, {"class"}, header_where, "a class");
  const fs::path images = fs::path(dir) / "images";
  Dataset ds;
  StemRegistry stems;
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& [line_no, row] = rows[r];
    const std::string where = detail::concat(csv, ": line ", line_no);
    const std::string& stem = field(row, stem_col, where, "stem");
    TAILOR_CHECK(!stem.empty(), UserError, where, ": the stem is empty");
    Example ex;
    set_label(&ex, field(row, class_col, where, "class"), labels, where);
    ex.image_path =
        first_existing({(images / (stem + ".jpg")).string(), (images / (stem + ".jpeg")).string(),
                        (images / (stem + ".png")).string()});
    ex.source = where;
    stems.add(stem, where);
    ds.push_back(std::move(ex));
  }
  reindex(&ds);
  if (!splits.empty()) ds = select_split_stems(ds, dir, splits);
  for (const Example& ex : ds) require_image(ex);
  return ds;
}

Dataset read_imagefolder(const std::string& dir, const std::vector<std::string>& splits,
                         const LabelMap* labels) {
  if (splits.empty()) {
    StemRegistry stems;
    return read_tree(dir, labels, &stems);
  }
  Dataset out;
  StemRegistry stems;
  for (const std::string& split : splits) {
    const fs::path sub = fs::path(dir) / split;
    std::error_code ec;
    Dataset part;
    if (fs::is_directory(sub, ec)) {
      part = read_tree(sub, labels, &stems);
    } else {
      StemRegistry all;
      part = select_split_stems(read_tree(dir, labels, &all), dir, {split});
      for (const Example& ex : part) stems.add(ex.stem(), ex.source);
    }
    out.insert(out.end(), part.begin(), part.end());
  }
  reindex(&out);
  return out;
}

Dataset read_labels_csv(const std::string& path, const std::vector<std::string>& splits,
                        const LabelMap* labels, const std::string& image_dir) {
  const auto rows = csv_rows(path);
  const std::string header_where = detail::concat(path, ": line ", rows[0].first);
  const size_t path_col =
      find_column(rows[0].second, {"path", "filename", "file", "image"}, header_where, "a path");
  const size_t label_col =
      find_column(rows[0].second, {"label", "class", "category"}, header_where, "a label");
  const fs::path base = image_dir.empty() ? fs::path(path).parent_path() : fs::path(image_dir);
  Dataset ds;
  StemRegistry stems;
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& [line_no, row] = rows[r];
    const std::string where = detail::concat(path, ": line ", line_no);
    const std::string& file = field(row, path_col, where, rows[0].second[path_col]);
    TAILOR_CHECK(!file.empty(), UserError, where, ": the image path is empty");
    Example ex;
    set_label(&ex, field(row, label_col, where, rows[0].second[label_col]), labels, where);
    const fs::path p(file);
    ex.image_path = (p.is_absolute() ? p : base / p).lexically_normal().string();
    ex.source = where;
    stems.add(ex.stem(), where);
    ds.push_back(std::move(ex));
  }
  reindex(&ds);
  if (!splits.empty()) ds = select_split_stems(ds, fs::path(path).parent_path().string(), splits);
  for (const Example& ex : ds) require_image(ex);
  return ds;
}

std::string image_level_class(const Example& ex, const LabelMap* labels) {
  auto canonical = [&](const std::string& name, int id) {
    if (labels) {
      const std::string n = labels->name_of(id ? id : labels->id_of(name));
      if (!n.empty()) return n;
    }
    return name;
  };
  if (ex.has_image_label()) return canonical(ex.image_label, ex.image_label_id);
  std::set<std::string> classes;
  for (const Box& b : ex.boxes) classes.insert(canonical(b.label, b.label_id));
  TAILOR_CHECK(!classes.empty(), UserError, ex.where(),
               ": has no boxes and no image-level label; an image-level format needs one class "
               "per image");
  if (classes.size() > 1) {
    std::string list;
    for (const std::string& c : classes) list += (list.empty() ? "" : ", ") + c;
    throw UserError(ex.where() + ": has boxes of " + std::to_string(classes.size()) + " classes (" +
                    list + "); an image-level format holds one class per image");
  }
  return *classes.begin();
}

void write_catalog(const std::string& dir, const Dataset& ds, const LabelMap* labels) {
  fs::create_directories(dir);
  std::string csv = "stem,class\n";
  std::set<std::string> seen;
  for (const Example& ex : ds) {
    const std::string cls = image_level_class(ex, labels);
    const std::string name = copy_image_into(ex, dir);
    const std::string stem = path_stem(name);
    TAILOR_CHECK(seen.insert(stem).second, UserError, ex.where(), ": stem '", stem,
                 "' appears twice; a catalog names images by stem");
    csv += csv_quote(stem) + "," + csv_quote(cls) + "\n";
  }
  io::write_file_atomic((fs::path(dir) / "labels.csv").string(), csv);
}

void write_imagefolder(const std::string& dir, const Dataset& ds, const LabelMap* labels) {
  std::set<std::string> seen;
  for (const Example& ex : ds) {
    const std::string cls = image_level_class(ex, labels);
    TAILOR_CHECK(cls.find_first_of("/\\") == std::string::npos && cls != "." && cls != "..",
                 UserError, ex.where(), ": class '", cls, "' cannot be a folder name");
    const std::string bytes = example_image_bytes(ex);
    const std::string ext = sniff_image_ext(bytes);
    TAILOR_CHECK(!ext.empty(), UserError, ex.where(), ": image is not a JPEG or PNG");
    TAILOR_CHECK(seen.insert(ex.stem()).second, UserError, ex.where(), ": stem '", ex.stem(),
                 "' appears twice; an imagefolder names images by stem");
    const fs::path folder = fs::path(dir) / cls;
    fs::create_directories(folder);
    io::write_file_atomic((folder / (ex.stem() + "." + ext)).string(), bytes);
  }
}

void write_labels_csv(const std::string& path, const Dataset& ds, const LabelMap* labels,
                      bool copy_images) {
  const fs::path dir = fs::path(path).parent_path();
  if (!dir.empty()) fs::create_directories(dir);
  std::string csv = "path,label\n";
  for (const Example& ex : ds) {
    const std::string cls = image_level_class(ex, labels);
    std::string file;
    if (copy_images) {
      file = "images/" + copy_image_into(ex, dir.string());
    } else {
      TAILOR_CHECK(!ex.image_path.empty(), UserError, ex.where(),
                   ": the image is embedded in the source; copy images to write a labels CSV");
      file = fs::absolute(ex.image_path).lexically_normal().string();
    }
    csv += csv_quote(file) + "," + csv_quote(cls) + "\n";
  }
  io::write_file_atomic(path, csv);
}

}  // namespace tailor::data

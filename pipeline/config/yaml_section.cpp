#include "pipeline/config/yaml_section.h"

#include <fstream>

namespace tailor::pipeline {

YamlSection::YamlSection(const YAML::Node& node, std::string path, const std::string& file,
                         const YAML::Node& anchor)
    : node_(node),
      anchor_(anchor.IsDefined() ? anchor : node),
      path_(std::move(path)),
      file_(file) {
  if (node_.IsDefined() && !node_.IsNull() && !node_.IsMap())
    fail_at(node_, path_ + " must be a mapping of keys");
}

YAML::Node YamlSection::get(const char* key) const {
  if (!node_.IsDefined() || node_.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
  // Look keys up without operator[], which on a non-const node may insert them.
  for (const auto& kv : node_)
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
  return YAML::Node(YAML::NodeType::Undefined);
}

bool YamlSection::has(const char* key) const {
  return get(key).IsDefined();
}

YAML::Node YamlSection::raw(const char* key) {
  seen_.insert(key);
  return get(key);
}

YamlSection YamlSection::child(const char* key) {
  seen_.insert(key);
  YAML::Node v = get(key);
  return YamlSection(v, key_path(key), file_, v.IsDefined() ? v : anchor_);
}

YamlSection YamlSection::required_child(const char* key) {
  if (!has(key)) fail_missing(key);
  return child(key);
}

std::string YamlSection::where(const YAML::Node& n) const {
  if (n.IsDefined()) {
    const YAML::Mark m = n.Mark();
    if (m.line >= 0) return file_ + ":" + std::to_string(m.line + 1) + ": ";
  }
  return file_ + ": ";
}

void YamlSection::fail(const char* key, const std::string& what) const {
  const YAML::Node v = get(key);
  fail_at(v.IsDefined() ? v : anchor_, key_path(key) + " " + what);
}

void YamlSection::fail_missing(const char* key) const {
  fail_at(anchor_, "missing required key " + key_path(key));
}

void YamlSection::fail_at(const YAML::Node& n, const std::string& what) const {
  throw UserError(where(n) + what);
}

void YamlSection::finish() const {
  if (!node_.IsDefined() || node_.IsNull()) return;
  for (const auto& kv : node_) {
    const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
    if (!seen_.count(k)) fail_at(kv.first, "unknown key " + key_path(k));
  }
}

YAML::Node load_yaml_file(const std::string& path) {
  std::ifstream probe(path);
  if (!probe) throw UserError(path + ": cannot read the file");
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw UserError(path + ": cannot read the file");
  } catch (const YAML::Exception& e) {
    throw UserError(path + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
}

}  // namespace tailor::pipeline

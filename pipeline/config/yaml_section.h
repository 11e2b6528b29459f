#pragma once
// Strict reading of one YAML mapping of a Tailor config. Every key must be read by the
// section's parser: finish() rejects the ones nobody asked for, so a typo ("bach_size") is an
// error instead of a silently ignored setting. Every error is a UserError that starts with
// "FILE:LINE: " and names the full key path (e.g. train.optimizer.rms_prop.decay).
#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "runtime/error.h"

namespace tailor::pipeline {

class YamlSection {
 public:
  // `node` may be undefined (the section was left out): it then reads as an empty mapping,
  // so every key takes its default. `anchor` locates errors about the section as a whole.
  YamlSection(const YAML::Node& node, std::string path, const std::string& file,
              const YAML::Node& anchor = YAML::Node());

  const std::string& path() const { return path_; }
  const std::string& file() const { return file_; }
  bool present() const { return node_.IsDefined() && !node_.IsNull(); }
  bool has(const char* key) const;

  // Optional scalar: leaves *out untouched when the key is absent. Returns whether present.
  template <typename T>
  bool read(const char* key, T* out) {
    seen_.insert(key);
    const YAML::Node v = get(key);
    if (!v.IsDefined()) return false;
    *out = convert<T>(v, key_path(key));
    return true;
  }
  template <typename T>
  void read_required(const char* key, T* out) {
    if (!read(key, out)) fail_missing(key);
  }
  // A list of scalars; a single scalar is accepted as a one-element list.
  template <typename T>
  bool read_list(const char* key, std::vector<T>* out) {
    seen_.insert(key);
    const YAML::Node v = get(key);
    if (!v.IsDefined()) return false;
    out->clear();
    if (v.IsScalar()) {
      out->push_back(convert<T>(v, key_path(key)));
      return true;
    }
    if (!v.IsSequence()) fail_at(v, key_path(key) + " must be a list");
    for (size_t i = 0; i < v.size(); ++i)
      out->push_back(convert<T>(v[i], key_path(key) + "[" + std::to_string(i) + "]"));
    return true;
  }

  // The raw node of `key` (marked as read); undefined when absent.
  YAML::Node raw(const char* key);
  // A nested mapping; absent -> an empty section (all defaults).
  YamlSection child(const char* key);
  YamlSection required_child(const char* key);

  // Errors located at `key` (or at this section when the key is absent).
  [[noreturn]] void fail(const char* key, const std::string& what) const;
  void require(bool ok, const char* key, const std::string& what) const {
    if (!ok) fail(key, what);
  }
  [[noreturn]] void fail_missing(const char* key) const;
  [[noreturn]] void fail_at(const YAML::Node& n, const std::string& what) const;

  // Rejects keys that were never read.
  void finish() const;

  std::string key_path(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }
  std::string where(const YAML::Node& n) const;

 private:
  YAML::Node get(const char* key) const;

  template <typename T>
  T convert(const YAML::Node& v, const std::string& what) const {
    if (v.IsScalar()) {
      try {
        return v.as<T>();
      } catch (const YAML::Exception&) {
      }
    }
    fail_at(v, what + " must be " + type_name<T>() + ", got " +
                   (v.IsScalar() ? "'" + v.Scalar() + "'"
                                 : std::string(v.IsNull() ? "nothing" : "a list or mapping")));
  }
  template <typename T>
  static const char* type_name() {
    if constexpr (std::is_same_v<T, bool>) return "true or false";
    if constexpr (std::is_same_v<T, std::string>) return "a string";
    if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) return "a non-negative integer";
    if constexpr (std::is_integral_v<T>) return "an integer";
    return "a number";
  }

  YAML::Node node_;
  YAML::Node anchor_;
  std::string path_;
  std::string file_;
  std::set<std::string> seen_;
};

// Loads a YAML file; unreadable or malformed files are UserErrors with the line.
YAML::Node load_yaml_file(const std::string& path);

}  // namespace tailor::pipeline

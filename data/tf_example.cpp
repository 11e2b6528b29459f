#include "data/tf_example.h"

#include <cstring>

#include "runtime/error.h"
#include "runtime/io/atomic_file.h"
#include "runtime/io/byte_reader.h"
#include "runtime/io/protobuf_wire.h"

namespace tailor::data {

const Feature* find_feature(const FeatureMap& f, const std::string& key) {
  for (const auto& kv : f)
    if (kv.first == key) return &kv.second;
  return nullptr;
}

namespace {

using io::WireField;
using io::WireType;

void parse_list(std::string_view msg, const std::string& ctx, Feature* out) {
  io::for_each_field(msg, ctx, [&](const WireField& f) {
    if (f.number != 1) return;
    switch (out->kind) {
      case Feature::Kind::kBytes:
        if (f.type != WireType::LengthDelimited)
          throw UserError(ctx + ": bytes_list value is not bytes");
        out->bytes.emplace_back(f.bytes);
        break;
      case Feature::Kind::kFloat:
        if (f.type == WireType::Fixed32) {
          float v;
          uint32_t u = static_cast<uint32_t>(f.value);
          std::memcpy(&v, &u, 4);
          out->floats.push_back(v);
        } else if (f.type == WireType::LengthDelimited) {
          if (f.bytes.size() % 4 != 0)
            throw UserError(detail::concat(ctx, ": packed float_list of ", f.bytes.size(),
                                           " bytes is not a multiple of 4"));
          size_t n = f.bytes.size() / 4;
          size_t old = out->floats.size();
          out->floats.resize(old + n);
          // An empty packed list is valid; memcpy must not see its null data pointer.
          if (n > 0) std::memcpy(out->floats.data() + old, f.bytes.data(), n * 4);
        } else {
          throw UserError(ctx + ": float_list value has wire type " +
                          std::to_string(static_cast<int>(f.type)));
        }
        break;
      case Feature::Kind::kInt64:
        if (f.type == WireType::Varint) {
          out->ints.push_back(static_cast<int64_t>(f.value));
        } else if (f.type == WireType::LengthDelimited) {
          io::ByteReader r(f.bytes, ctx + ": packed int64_list");
          while (!r.done()) out->ints.push_back(static_cast<int64_t>(r.varint64("value")));
        } else {
          throw UserError(ctx + ": int64_list value has wire type " +
                          std::to_string(static_cast<int>(f.type)));
        }
        break;
    }
  });
}

std::string serialize_feature(const Feature& f) {
  io::ProtoWriter list;
  uint32_t which = 1;
  switch (f.kind) {
    case Feature::Kind::kBytes:
      which = 1;
      for (const std::string& b : f.bytes) list.bytes_field(1, b);
      break;
    case Feature::Kind::kFloat:
      which = 2;
      if (!f.floats.empty())
        list.bytes_field(1, std::string_view(reinterpret_cast<const char*>(f.floats.data()),
                                             f.floats.size() * 4));
      break;
    case Feature::Kind::kInt64: {
      which = 3;
      io::ProtoWriter packed;
      for (int64_t v : f.ints) packed.varint(static_cast<uint64_t>(v));
      if (!f.ints.empty()) list.bytes_field(1, packed.bytes());
      break;
    }
  }
  io::ProtoWriter out;
  out.bytes_field(which, list.bytes());
  return out.bytes();
}

}  // namespace

FeatureMap parse_tf_example(std::string_view bytes, const std::string& context) {
  FeatureMap out;
  io::for_each_field(bytes, context, [&](const WireField& ex) {
    if (ex.number != 1 || ex.type != WireType::LengthDelimited) return;  // Example.features
    io::for_each_field(ex.bytes, context + ": features", [&](const WireField& entry) {
      if (entry.number != 1 || entry.type != WireType::LengthDelimited) return;  // feature map
      std::string key;
      Feature feature;
      bool has_value = false;
      io::for_each_field(entry.bytes, context + ": feature entry", [&](const WireField& kv) {
        if (kv.type != WireType::LengthDelimited) return;
        if (kv.number == 1) {
          key = std::string(kv.bytes);
        } else if (kv.number == 2) {
          has_value = true;
          io::for_each_field(
              kv.bytes, context + ": feature '" + key + "'", [&](const WireField& fv) {
                if (fv.type != WireType::LengthDelimited || fv.number < 1 || fv.number > 3) return;
                feature = Feature();
                feature.kind = static_cast<Feature::Kind>(fv.number - 1);
                parse_list(fv.bytes, context + ": feature '" + key + "'", &feature);
              });
        }
      });
      if (!has_value) feature = Feature();
      for (auto& kv : out)
        if (kv.first == key) {  // a later map entry wins, as in protobuf
          kv.second = std::move(feature);
          return;
        }
      out.emplace_back(std::move(key), std::move(feature));
    });
  });
  return out;
}

std::string serialize_tf_example(const FeatureMap& features) {
  io::ProtoWriter feats;
  for (const auto& kv : features) {
    io::ProtoWriter entry;
    entry.bytes_field(1, kv.first);
    entry.bytes_field(2, serialize_feature(kv.second));
    feats.bytes_field(1, entry.bytes());
  }
  io::ProtoWriter out;
  out.bytes_field(1, feats.bytes());
  return out.bytes();
}

namespace {

const Feature* need(const FeatureMap& f, const std::string& key, Feature::Kind kind,
                    const std::string& ctx, bool required) {
  const Feature* v = find_feature(f, key);
  if (!v) {
    if (required) throw UserError(ctx + ": missing feature '" + key + "'");
    return nullptr;
  }
  if (v->kind != kind) throw UserError(ctx + ": feature '" + key + "' has the wrong list type");
  return v;
}

int64_t single_int(const FeatureMap& f, const std::string& key, const std::string& ctx) {
  const Feature* v = need(f, key, Feature::Kind::kInt64, ctx, true);
  if (v->ints.size() != 1) throw UserError(ctx + ": feature '" + key + "' must hold one value");
  return v->ints[0];
}

std::string single_bytes(const FeatureMap& f, const std::string& key, const std::string& ctx) {
  const Feature* v = need(f, key, Feature::Kind::kBytes, ctx, false);
  return v && !v->bytes.empty() ? v->bytes[0] : std::string();
}

}  // namespace

Example example_from_features(const FeatureMap& f, const std::string& ctx, const LabelMap* labels) {
  Example ex;
  ex.source = ctx;
  int64_t h = single_int(f, "image/height", ctx), w = single_int(f, "image/width", ctx);
  if (w <= 0 || h <= 0 || w > (1 << 24) || h > (1 << 24))
    throw UserError(detail::concat(ctx, ": image/width x image/height ", w, "x", h, " is invalid"));
  ex.width = static_cast<int>(w);
  ex.height = static_cast<int>(h);
  ex.encoded = single_bytes(f, "image/encoded", ctx);
  ex.format = single_bytes(f, "image/format", ctx);
  ex.filename = single_bytes(f, "image/filename", ctx);
  ex.source_id = single_bytes(f, "image/source_id", ctx);
  const char* coords[4] = {"image/object/bbox/xmin", "image/object/bbox/ymin",
                           "image/object/bbox/xmax", "image/object/bbox/ymax"};
  const Feature* c[4];
  for (int i = 0; i < 4; ++i) c[i] = need(f, coords[i], Feature::Kind::kFloat, ctx, false);
  size_t n = c[0] ? c[0]->floats.size() : 0;
  for (int i = 0; i < 4; ++i) {
    size_t ni = c[i] ? c[i]->floats.size() : 0;
    if (ni != n)
      throw UserError(detail::concat(ctx, ": feature '", coords[i], "' has ", ni,
                                     " values but image/object/bbox/xmin has ", n));
  }
  const Feature* text = need(f, "image/object/class/text", Feature::Kind::kBytes, ctx, false);
  const Feature* label = need(f, "image/object/class/label", Feature::Kind::kInt64, ctx, false);
  if (text && text->bytes.size() != n)
    throw UserError(detail::concat(ctx, ": image/object/class/text has ", text->bytes.size(),
                                   " values for ", n, " boxes"));
  if (label && label->ints.size() != n)
    throw UserError(detail::concat(ctx, ": image/object/class/label has ", label->ints.size(),
                                   " values for ", n, " boxes"));
  if (n > 0 && !text && !label)
    throw UserError(ctx + ": boxes without image/object/class/text or image/object/class/label");
  for (size_t i = 0; i < n; ++i) {
    Box b;
    b.xmin = c[0]->floats[i] * ex.width;
    b.ymin = c[1]->floats[i] * ex.height;
    b.xmax = c[2]->floats[i] * ex.width;
    b.ymax = c[3]->floats[i] * ex.height;
    if (text) b.label = text->bytes[i];
    if (label) b.label_id = static_cast<int>(label->ints[i]);
    if (labels) {
      if (b.label_id == 0 && !b.label.empty()) b.label_id = labels->id_of(b.label);
      if (b.label.empty()) b.label = labels->name_of(b.label_id);
    }
    ex.boxes.push_back(std::move(b));
  }
  return ex;
}

FeatureMap features_from_example(const Example& ex, const LabelMap* labels) {
  auto bytes = [](std::string v) {
    Feature f;
    f.kind = Feature::Kind::kBytes;
    f.bytes.push_back(std::move(v));
    return f;
  };
  auto int1 = [](int64_t v) {
    Feature f;
    f.kind = Feature::Kind::kInt64;
    f.ints.push_back(v);
    return f;
  };
  Feature xmin, xmax, ymin, ymax, text, label;
  xmin.kind = xmax.kind = ymin.kind = ymax.kind = Feature::Kind::kFloat;
  text.kind = Feature::Kind::kBytes;
  label.kind = Feature::Kind::kInt64;
  for (const Box& b : ex.boxes) {
    xmin.floats.push_back(b.xmin / ex.width);
    xmax.floats.push_back(b.xmax / ex.width);
    ymin.floats.push_back(b.ymin / ex.height);
    ymax.floats.push_back(b.ymax / ex.height);
    int id = b.label_id;
    if (id == 0 && labels) id = labels->id_of(b.label);
    if (id == 0)
      throw UserError(ex.where() + ": class '" + b.label +
                      "' has no id (give a label map that names it)");
    text.bytes.push_back(!b.label.empty() || !labels ? b.label : labels->name_of(id));
    label.ints.push_back(id);
  }
  std::string encoded = ex.encoded;
  if (encoded.empty() && !ex.image_path.empty())
    encoded = io::read_file(ex.image_path, size_t(1) << 30);
  // The image file name is the one a converted data set keeps (Dataturks annotations record
  // long Windows names for images stored under their stem).
  std::string filename = ex.image_path.empty() ? ex.filename : path_basename(ex.image_path);
  std::string format = ex.format;
  if (format.empty()) {
    std::string lower = ascii_lower(filename);
    format = lower.size() >= 4 && lower.substr(lower.size() - 4) == ".png" ? "png" : "jpg";
  }
  FeatureMap f;
  f.emplace_back("image/height", int1(ex.height));
  f.emplace_back("image/width", int1(ex.width));
  f.emplace_back("image/filename", bytes(filename));
  f.emplace_back("image/source_id", bytes(ex.source_id.empty() ? filename : ex.source_id));
  f.emplace_back("image/encoded", bytes(std::move(encoded)));
  f.emplace_back("image/format", bytes(format));
  f.emplace_back("image/object/bbox/xmin", std::move(xmin));
  f.emplace_back("image/object/bbox/xmax", std::move(xmax));
  f.emplace_back("image/object/bbox/ymin", std::move(ymin));
  f.emplace_back("image/object/bbox/ymax", std::move(ymax));
  f.emplace_back("image/object/class/text", std::move(text));
  f.emplace_back("image/object/class/label", std::move(label));
  return f;
}

}  // namespace tailor::data

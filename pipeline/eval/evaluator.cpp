#include "pipeline/eval/evaluator.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <system_error>

#include "data/dataset_io.h"
#include "data/format_util.h"
#include "data/loader.h"
#include "engine/autograd.h"
#include "models/ssd_inference.h"
#include "pipeline/eval/coco_json.h"
#include "pipeline/plot/confusion_plot.h"
#include "pipeline/progress.h"
#include "runtime/dist/communicator.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"
#include "runtime/thread_pool.h"

namespace fs = std::filesystem;

namespace tailor::pipeline {
namespace {

bool wants(const std::vector<Metric>& metrics, Metric m) {
  return std::find(metrics.begin(), metrics.end(), m) != metrics.end();
}

EvalMetrics compute_metrics(const std::vector<ImageDetections>& images, int num_classes,
                            const std::vector<Metric>& metrics) {
  EvalMetrics m;
  // AP needs boxes: an image-level image's detections would all count as false positives.
  std::vector<ImageDetections> boxed;
  for (const ImageDetections& img : images)
    if (img.image_label == 0) boxed.push_back(img);
  const bool any_boxed = !boxed.empty();
  if (wants(metrics, Metric::kVocAp) && any_boxed) m.voc = pascal_voc_ap(boxed, num_classes);
  if (wants(metrics, Metric::kCocoAp) && any_boxed) m.coco = coco_ap(boxed, num_classes);
  if (wants(metrics, Metric::kTop1)) m.top1 = top1_accuracy(images, num_classes);
  return m;
}

// NaN (no ground truth) and pycocotools' -1 ("absent") are not figures to plot.
void add_scalar(Scalars* out, const std::string& tag, double v, bool coco = false) {
  if (std::isnan(v) || (coco && v < 0)) return;
  out->emplace_back(tag, v);
}

void add_scalars(Scalars* out, const SourceEval& s, const std::vector<std::string>& class_names,
                 bool per_class) {
  const std::string p = "eval/" + s.slug + "/";
  if (s.metrics.voc) {
    add_scalar(out, p + "mAP@0.5", s.metrics.voc->mean_ap);
    if (per_class)
      for (size_t c = 0; c < class_names.size(); ++c)
        add_scalar(out, p + "AP@0.5/" + source_slug(class_names[c]),
                   s.metrics.voc->ap_per_class[c]);
  }
  if (s.metrics.coco) {
    add_scalar(out, p + "coco_AP", s.metrics.coco->ap, true);
    add_scalar(out, p + "coco_AP50", s.metrics.coco->ap50, true);
    add_scalar(out, p + "coco_AP75", s.metrics.coco->ap75, true);
  }
  if (s.metrics.top1) {
    add_scalar(out, p + "top1", s.metrics.top1->accuracy);
    add_scalar(out, p + "top1_confidence_min", s.metrics.top1->min_confidence);
    add_scalar(out, p + "top1_confidence_median", s.metrics.top1->median_confidence);
    add_scalar(out, p + "top1_confidence_max", s.metrics.top1->max_confidence);
  }
}

nlohmann::json number(double v, bool coco = false) {
  if (std::isnan(v) || std::isinf(v) || (coco && v < 0)) return nullptr;
  return v;
}

nlohmann::json source_json(const SourceEval& s, const std::vector<std::string>& names) {
  nlohmann::json j;
  j["name"] = s.name;
  j["slug"] = s.slug;
  j["num_images"] = s.images.size();
  size_t num_dets = 0;
  for (const ImageDetections& img : s.images) num_dets += img.detections.size();
  j["num_detections"] = num_dets;
  if (const auto& v = s.metrics.voc) {
    nlohmann::json per = nlohmann::json::object(), gt = nlohmann::json::object();
    for (size_t c = 0; c < names.size(); ++c) {
      per[names[c]] = number(v->ap_per_class[c]);
      gt[names[c]] = v->num_groundtruth[c];
    }
    j["voc"] = {{"mAP@0.5", number(v->mean_ap)}, {"AP@0.5", per}, {"num_groundtruth", gt}};
  }
  if (const auto& v = s.metrics.coco) {
    nlohmann::json per = nlohmann::json::object();
    for (size_t c = 0; c < names.size() && c < v->ap_per_class.size(); ++c)
      per[names[c]] = number(v->ap_per_class[c], true);
    j["coco"] = {{"AP", number(v->ap, true)},
                 {"AP50", number(v->ap50, true)},
                 {"AP75", number(v->ap75, true)},
                 {"AP_per_class", per}};
  }
  if (const auto& v = s.metrics.top1) {
    nlohmann::json per = nlohmann::json::object();
    for (size_t c = 0; c < names.size(); ++c)
      per[names[c]] = {{"images", v->images_per_class[c]}, {"correct", v->correct_per_class[c]}};
    j["top1"] = {{"accuracy", number(v->accuracy)},
                 {"num_images", v->num_images},
                 {"num_correct", v->num_correct},
                 {"num_without_detection", v->num_without_detection},
                 {"confidence_min", number(v->min_confidence)},
                 {"confidence_median", number(v->median_confidence)},
                 {"confidence_max", number(v->max_confidence)},
                 {"per_class", per}};
    nlohmann::json wrong = nlohmann::json::array();
    auto name = [&](int c) { return class_display_name(names, c); };
    for (const Top1Miss& x : v->misses)
      wrong.push_back({{"image_id", x.image_id},
                       {"label", name(x.label)},
                       {"predicted", x.predicted ? name(x.predicted) : "none"},
                       {"score", x.score},
                       {"label_score", x.label_score}});
    j["top1"]["wrong"] = wrong;
  }
  return j;
}

bool has_image_labels(const SourceEval& s) {
  for (const ImageDetections& img : s.images)
    if (img.image_label > 0) return true;
  return false;
}

nlohmann::json box_json(const models::BoxCorners& b) {
  return {b.ymin, b.xmin, b.ymax, b.xmax};
}
models::BoxCorners json_box(const nlohmann::json& j) {
  return {j[0].get<float>(), j[1].get<float>(), j[2].get<float>(), j[3].get<float>()};
}

// Every rank's evaluated images to rank 0, each source's back in its order. Returns whether
// this is rank 0 (which then holds them all).
bool gather_sharded(dist::Communicator& comm, const std::vector<std::vector<int64_t>>& positions,
                    EvalResult* result) {
  nlohmann::json mine = nlohmann::json::array();
  for (size_t si = 0; si < result->sources.size(); ++si) {
    nlohmann::json images = nlohmann::json::array();
    const auto& imgs = result->sources[si].images;
    for (size_t k = 0; k < imgs.size(); ++k) {
      const ImageDetections& img = imgs[k];
      nlohmann::json gt = nlohmann::json::array(), det = nlohmann::json::array();
      for (const GroundTruthBox& g : img.groundtruth) gt.push_back({box_json(g.box), g.label});
      for (const DetectionBox& d : img.detections)
        det.push_back({box_json(d.box), d.label, d.score});
      images.push_back(
          {positions[si][k], img.image_id, img.width, img.height, img.image_label, gt, det});
    }
    mine.push_back(images);
  }
  const std::vector<std::string> all = comm.gather(mine.dump(), 0);
  if (!comm.is_root()) return false;
  for (size_t si = 0; si < result->sources.size(); ++si) {
    std::vector<std::pair<int64_t, ImageDetections>> merged;
    for (const std::string& bytes : all) {
      const nlohmann::json rank_images = nlohmann::json::parse(bytes);  // kept alive: the loop
      for (const nlohmann::json& j : rank_images[si]) {
        ImageDetections img;
        img.image_id = j[1].get<std::string>();
        img.width = j[2].get<int>(), img.height = j[3].get<int>(),
        img.image_label = j[4].get<int>();
        for (const auto& g : j[5]) img.groundtruth.push_back({json_box(g[0]), g[1].get<int>()});
        for (const auto& d : j[6])
          img.detections.push_back({json_box(d[0]), d[1].get<int>(), d[2].get<float>()});
        merged.emplace_back(j[0].get<int64_t>(), std::move(img));
      }
    }
    std::sort(merged.begin(), merged.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    result->sources[si].images.clear();
    for (auto& [pos, img] : merged) result->sources[si].images.push_back(std::move(img));
  }
  return true;
}

// A copy of the images to evaluate, each with its true size, so that the loader normalizes
// boxes by it and the JSON boxes come out in pixels.
data::Dataset eval_subset(const data::Dataset& examples, int max_images,
                          const data::DecodeOptions& decode) {
  const size_t n = max_images > 0 ? std::min<size_t>(examples.size(), max_images) : examples.size();
  data::Dataset out(examples.begin(), examples.begin() + n);
  for (data::Example& ex : out) example_size(ex, decode, &ex.width, &ex.height);
  return out;
}

}  // namespace

std::vector<std::string> eval_class_names(const data::LabelMap& labels, int num_classes) {
  std::vector<std::string> names;
  for (int c = 1; c <= num_classes; ++c) {
    const data::LabelItem* item = labels.find_id(c);
    if (item && !item->display_name.empty())
      names.push_back(item->display_name);
    else if (item && !item->name.empty())
      names.push_back(item->name);
    else
      names.push_back("class " + std::to_string(c));
  }
  return names;
}

void example_size(const data::Example& ex, const data::DecodeOptions& decode, int* width,
                  int* height) {
  if (ex.width > 0 && ex.height > 0) {
    *width = ex.width, *height = ex.height;
    return;
  }
  int w = 0, h = 0;
  const std::string where = ex.image_path.empty() ? ex.where() : ex.image_path;
  data::probe_image_size(data::example_image_bytes(ex), where, &w, &h, decode.exif_orientation);
  TAILOR_CHECK(w > 0 && h > 0, UserError, ex.where(), ": the image has no size");
  *width = w, *height = h;
}

ImageDetections image_detections(const data::Example& ex, int width, int height,
                                 const data::LabelMap& labels,
                                 const std::vector<models::Detection>& detections) {
  TAILOR_CHECK(width > 0 && height > 0, UserError, ex.where(), ": image size ", width, "x", height,
               " is invalid");
  ImageDetections img;
  img.image_id = ex.stem();
  img.width = width;
  img.height = height;
  for (size_t i = 0; i < ex.boxes.size(); ++i) {
    const data::Box& b = ex.boxes[i];
    const int id = b.label_id > 0 ? b.label_id : labels.id_of(b.label);
    TAILOR_CHECK(id > 0, UserError, ex.where(), ": object ", i + 1, ": class '", b.label,
                 "' is not in the label map");
    img.groundtruth.push_back(
        {{b.ymin / height, b.xmin / width, b.ymax / height, b.xmax / width}, id});
  }
  if (ex.has_image_label()) img.image_label = data::image_label_class_id(ex, &labels);
  for (const models::Detection& d : detections)
    img.detections.push_back({{d.ymin, d.xmin, d.ymax, d.xmax}, d.class_id, d.score});
  return img;
}

std::string source_slug(const std::string& name) {
  std::string base = name;
  while (!base.empty() && (base.back() == '/' || base.back() == '\\')) base.pop_back();
  const size_t slash = base.find_last_of("/\\");
  if (slash != std::string::npos) base = base.substr(slash + 1);
  for (char& ch : base)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-'))
      ch = '_';
  // "." and ".." would name directories, not files.
  if (base.empty() || base.find_first_not_of('.') == std::string::npos) base = "source";
  return base;
}

void summarize(EvalResult* r, int num_classes, const std::vector<Metric>& asked) {
  // An image-level source can only be measured by tagging: it gets top-1 whatever was asked.
  std::vector<Metric> metrics = asked;
  for (const SourceEval& s : r->sources)
    if (has_image_labels(s) && !wants(metrics, Metric::kTop1)) metrics.push_back(Metric::kTop1);
  if (r->class_names.empty())
    for (int c = 1; c <= num_classes; ++c) r->class_names.push_back("class " + std::to_string(c));
  std::set<std::string> used{"all"};  // the union's slug
  r->overall = SourceEval{"all", "all", {}, {}};
  for (SourceEval& s : r->sources) {
    std::string slug = source_slug(s.name);
    for (int k = 2; used.count(slug); ++k) slug = source_slug(s.name) + "_" + std::to_string(k);
    used.insert(slug);
    s.slug = slug;
    s.metrics = compute_metrics(s.images, num_classes, metrics);
    r->overall.images.insert(r->overall.images.end(), s.images.begin(), s.images.end());
  }
  r->overall.metrics = compute_metrics(r->overall.images, num_classes, metrics);
  r->scalars.clear();
  add_scalars(&r->scalars, r->overall, r->class_names, /*per_class=*/true);
  for (const SourceEval& s : r->sources) add_scalars(&r->scalars, s, r->class_names, false);
}

std::string eval_metrics_json(const EvalResult& r, const EvalOptions& opts) {
  nlohmann::json j;
  if (opts.step >= 0) j["step"] = opts.step;
  if (!opts.checkpoint.empty()) j["checkpoint"] = opts.checkpoint;
  j["classes"] = r.class_names;
  j["seconds"] = r.seconds;
  j["all"] = source_json(r.overall, r.class_names);
  j["sources"] = nlohmann::json::array();
  for (const SourceEval& s : r.sources) j["sources"].push_back(source_json(s, r.class_names));
  j["scalars"] = nlohmann::json::object();
  for (const auto& [tag, v] : r.scalars) j["scalars"][tag] = v;
  return j.dump(2) + "\n";
}

std::string format_eval_report(const EvalResult& r) {
  std::ostringstream os;
  auto section = [&](const SourceEval& s, size_t max_misses) {
    os << "== " << s.name << ": " << s.images.size() << " images ==\n"
       << format_class_table(r.class_names, s.metrics, max_misses);
    // Image-level sets are judged by tagging alone, so their confusions are worth a table.
    if (s.metrics.top1 && has_image_labels(s) && max_misses > 0)
      os << "top-1 confusion matrix:\n" << format_confusion_matrix(r.class_names, *s.metrics.top1);
    os << "\n";
  };
  for (const SourceEval& s : r.sources) section(s, kListedTop1Misses);
  // The union's wrong images were each listed under their source.
  if (r.sources.size() != 1) section(r.overall, 0);
  return os.str();
}

EvalResult evaluate(models::SsdModel& model, const data::LabelMap& labels,
                    const std::vector<NamedDataset>& sources, const EvalOptions& opts) {
  const auto t0 = std::chrono::steady_clock::now();
  const models::SsdConfig& cfg = model.config();
  TAILOR_CHECK(labels.max_id() <= cfg.num_classes, UserError, "eval: label id ", labels.max_id(),
               " exceeds the model's ", cfg.num_classes, " classes");
  TAILOR_CHECK(opts.batch_size > 0, UserError, "eval: batch size must be positive");
  TAILOR_CHECK(!sources.empty(), UserError, "eval: no data sources");
  EvalResult result;
  result.class_names = eval_class_names(labels, cfg.num_classes);

  // Data-parallel: each rank evaluates every ranks-th image; rank 0 gathers them back in order.
  const int ranks = opts.comm ? opts.comm->size() : 1, rank = opts.comm ? opts.comm->rank() : 0;
  std::vector<data::Dataset> subsets;
  std::vector<std::vector<int64_t>> positions;  // per source: each kept image's place in it
  int64_t total = 0;
  for (const NamedDataset& src : sources) {
    data::Dataset all = eval_subset(src.examples, opts.max_images, opts.decode);
    data::Dataset mine;
    std::vector<int64_t> where;
    for (size_t i = 0; i < all.size(); ++i)
      if (int64_t(i) % ranks == rank)
        mine.push_back(std::move(all[i])), where.push_back(int64_t(i));
    subsets.push_back(std::move(mine));
    positions.push_back(std::move(where));
    total += static_cast<int64_t>(subsets.back().size());
  }
  std::unique_ptr<Progress> progress;
  if (opts.progress) {
    ProgressOptions po;
    po.label = "image";
    po.total = total;
    po.log_every = std::max(1, opts.batch_size * 10);
    po.out = opts.log;
    po.tty = opts.progress_tty;
    progress = std::make_unique<Progress>(po);
  }
  const tailor::Device device = model.params().all().empty()
                                    ? tailor::Device::cpu()
                                    : model.params().all().front().value.device();

  // On the CPU, the inference path (models/ssd_inference.h), built once for the whole run.
  std::unique_ptr<models::SsdInference> inference;
  if (device.is_cpu()) inference = std::make_unique<models::SsdInference>(model);

  int64_t done = 0;
  for (size_t si = 0; si < sources.size(); ++si) {
    const data::Dataset& ds = subsets[si];
    SourceEval s;
    s.name = sources[si].name;
    if (!ds.empty()) {
      data::LoaderOptions lo;
      lo.batch_size = opts.batch_size;
      lo.height = cfg.image_height;
      lo.width = cfg.image_width;
      lo.threads = opts.threads > 0 ? opts.threads : std::max(1, num_threads());
      lo.shuffle = false;
      lo.repeat = false;
      lo.labels = &labels;
      lo.decode = opts.decode;
      size_t max_boxes = 1;
      for (const data::Example& ex : ds) max_boxes = std::max(max_boxes, ex.boxes.size());
      lo.max_boxes = static_cast<int>(max_boxes);
      data::Loader loader(ds, lo);
      data::Batch batch;
      while (loader.next(&batch)) {
        if (opts.stop && opts.stop->load()) {
          if (progress) progress->finish();
          EvalResult stopped;
          stopped.interrupted = true;
          return stopped;
        }
        std::vector<std::vector<models::Detection>> dets;
        {
          NoGradGuard no_grad;
          Tensor images = batch.images;
          if (batch.size < images.size(0)) images = images.slice(0, 0, batch.size).contiguous();
          models::SsdOutput out;
          if (inference) {
            out = inference->run(images);
          } else {
            if (images.device() != device) images = images.to(device);
            out = model.forward(images, /*training=*/false);
          }
          dets = models::detect(out, model.anchor_boxes(), cfg.box_coder, cfg.post_process);
        }
        for (int i = 0; i < batch.size; ++i) {
          const data::Example& ex = ds[batch.example_indices[i]];
          s.images.push_back(image_detections(ex, ex.width, ex.height, labels, dets[i]));
        }
        done += batch.size;
        if (progress) progress->update(done);
      }
    }
    result.sources.push_back(std::move(s));
  }
  if (progress) progress->finish();
  if (ranks > 1) {
    const bool root = gather_sharded(*opts.comm, positions, &result);
    if (!root) return EvalResult{};  // rank 0 reports and writes the files
  }

  summarize(&result, cfg.num_classes, opts.metrics);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (!opts.output_dir.empty()) {
    std::error_code ec;
    fs::create_directories(opts.output_dir, ec);
    TAILOR_CHECK(!ec, UserError, opts.output_dir,
                 ": cannot create the eval output directory: ", ec.message());
    const fs::path dir(opts.output_dir);
    for (const SourceEval& s : result.sources) {
      const std::string det = (dir / ("detections_" + s.slug + ".json")).string();
      const std::string gt = (dir / ("groundtruth_" + s.slug + ".json")).string();
      write_coco_json(s.images, result.class_names, det, gt);
      result.files.push_back(det);
      result.files.push_back(gt);
    }
    for (const SourceEval& s : result.sources) {
      if (!s.metrics.top1 || s.metrics.top1->num_images == 0) continue;
      const std::string png = (dir / ("confusion_" + s.slug + ".png")).string();
      plot_confusion_matrix(result.class_names, *s.metrics.top1, "TOP-1 CONFUSION: " + s.name)
          .save_png(png);
      result.files.push_back(png);
    }
    const std::string table = (dir / "class_table.txt").string();
    io::write_file_atomic(table, format_eval_report(result));
    result.files.push_back(table);
    const std::string metrics = (dir / "metrics.json").string();
    io::write_file_atomic(metrics, eval_metrics_json(result, opts));
    result.files.push_back(metrics);
  }
  return result;
}

}  // namespace tailor::pipeline

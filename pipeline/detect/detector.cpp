#include "pipeline/detect/detector.h"

#include <chrono>
#include <cmath>

#include "data/augment.h"
#include "engine/autograd.h"
#include "models/box_coder.h"
#include "models/fast_nms.h"
#include "models/preprocess.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"

namespace tailor::pipeline {

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// models::detect's decoding and sigmoid, then TF Lite's fast NMS instead of the per-class one.
std::vector<std::vector<models::Detection>> tflite_post_process(
    const models::SsdOutput& output, const std::vector<models::BoxCorners>& anchors,
    const models::SsdConfig& config, int max_classes_per_detection) {
  const int64_t n = output.class_logits.size(0), a = output.class_logits.size(1);
  const int k = static_cast<int>(output.class_logits.size(2)) - 1;
  TAILOR_CHECK(a == static_cast<int64_t>(anchors.size()), ShapeError, "detect: ", a,
               " predictions for ", anchors.size(), " anchors");
  const std::vector<float> lv = output.class_logits.to_vector();
  const std::vector<float> cv = output.box_encodings.to_vector();
  std::vector<std::vector<models::Detection>> out(n);
  std::vector<float> scores(a * k);
  for (int64_t i = 0; i < n; ++i) {
    const auto boxes = models::decode_boxes(&cv[i * a * 4], anchors, config.box_coder);
    for (int64_t j = 0; j < a; ++j)
      for (int c = 0; c < k; ++c)
        scores[j * k + c] = 1.f / (1.f + std::exp(-lv[(i * a + j) * (k + 1) + c + 1]));
    out[i] = models::fast_nms(boxes, scores, k, max_classes_per_detection, config.post_process);
  }
  return out;
}

}  // namespace

data::Image read_image_file(const std::string& path, const data::DecodeOptions& options) {
  return data::decode_image(io::read_file(path), path, options);
}

Detector::Detector(LoadedDetector loaded, DetectorOptions options)
    : loaded_(std::move(loaded)), options_(std::move(options)) {
  TAILOR_CHECK(loaded_.model != nullptr, UserError, "detector: no model loaded");
  TAILOR_CHECK(options_.batch_size >= 1, UsageError, "--batch-size must be >= 1, got ",
               options_.batch_size);
  TAILOR_CHECK(options_.score_threshold >= 0.f && options_.score_threshold <= 1.f, UsageError,
               "--threshold must be in [0, 1], got ", options_.score_threshold);
  if (options_.device.is_cuda()) {
    require_cuda();
    loaded_.model->to(options_.device);
  }
}

std::string Detector::class_name(int class_id) const {
  if (const data::LabelItem* item = loaded_.labels.find_id(class_id))
    return item->display_name.empty() ? item->name : item->display_name;
  return "class " + std::to_string(class_id);
}

std::vector<std::vector<models::Detection>> Detector::detect_normalized(
    const std::vector<const data::Image*>& images, DetectStageTimes* times) {
  DetectStageTimes local;
  DetectStageTimes& t = times ? *times : local;
  if (images.empty()) return {};
  models::SsdModel& model = *loaded_.model;
  const int h = model.config().image_height, w = model.config().image_width;
  const int64_t n = static_cast<int64_t>(images.size());

  double t0 = now_s();
  Tensor batch = Tensor::empty({n, h, w, 3});
  for (int64_t i = 0; i < n; ++i) {
    const data::Image& img = *images[i];
    data::Window whole;
    whole.w = img.width;
    whole.h = img.height;
    whole.source_width = img.width;
    data::resize_window_bilinear(img, whole, h, w, batch.data<float>() + i * h * w * 3);
  }
  Tensor input = models::preprocess_images(batch);
  if (options_.device.is_cuda()) input = input.to(options_.device);
  double t1 = now_s();
  t.preprocess_s += t1 - t0;

  models::SsdOutput out;
  if (options_.device.is_cpu()) {
    // The inference path: folded batch norm, fused epilogues, planned buffers.
    if (!inference_) inference_ = std::make_unique<models::SsdInference>(model);
    out = inference_->run(input);
  } else {
    NoGradGuard no_grad;
    out = model.forward(input, /*training=*/false);
    out.class_logits = out.class_logits.to(Device::cpu());
    out.box_encodings = out.box_encodings.to(Device::cpu());
  }
  double t2 = now_s();
  t.model_s += t2 - t1;

  const auto& anchors = loaded_.anchors.empty() ? model.anchor_boxes() : loaded_.anchors;
  std::vector<std::vector<models::Detection>> dets;
  if (loaded_.fast_nms)
    dets = tflite_post_process(out, anchors, model.config(), loaded_.max_classes_per_detection);
  else
    dets = models::detect(out, anchors, model.config().box_coder, model.config().post_process);
  t.nms_s += now_s() - t2;
  t.images += n;
  return dets;
}

std::vector<DetectedImage> Detector::detect_files(const std::vector<std::string>& paths,
                                                  DetectStageTimes* times,
                                                  const ImageCallback& on_image) {
  DetectStageTimes local;
  DetectStageTimes& t = times ? *times : local;
  std::vector<DetectedImage> results;
  results.reserve(paths.size());
  const size_t bs = static_cast<size_t>(options_.batch_size);
  for (size_t start = 0; start < paths.size(); start += bs) {
    const size_t end = std::min(paths.size(), start + bs);
    const double t0 = now_s();
    std::vector<data::Image> images;
    images.reserve(end - start);
    for (size_t k = start; k < end; ++k)
      images.push_back(read_image_file(paths[k], options_.decode));
    t.decode_s += now_s() - t0;

    std::vector<const data::Image*> ptrs;
    for (const data::Image& img : images) ptrs.push_back(&img);
    const auto dets = detect_normalized(ptrs, &t);
    for (size_t k = 0; k < images.size(); ++k) {
      DetectedImage r;
      r.path = paths[start + k];
      r.width = images[k].width;
      r.height = images[k].height;
      const float W = static_cast<float>(r.width), H = static_cast<float>(r.height);
      for (const models::Detection& d : dets[k]) {
        if (d.score < options_.score_threshold) continue;  // sorted, but keep it obvious
        r.detections.push_back({d.class_id, class_name(d.class_id), d.score, d.xmin * W, d.ymin * H,
                                d.xmax * W, d.ymax * H});
      }
      if (on_image) on_image(r, images[k]);
      results.push_back(std::move(r));
    }
  }
  return results;
}

}  // namespace tailor::pipeline

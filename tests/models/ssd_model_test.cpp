#include "models/ssd_model.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "engine/autograd.h"
#include "engine/io/tf_checkpoint.h"
#include "engine/optim/rmsprop.h"
#include "models/post_process.h"
#include "models/preprocess.h"
#include "models/ssd_loss.h"

namespace tailor::models {
namespace {

TEST(SsdModel, ParametersMatchTfCheckpointExactly) {
  SsdModel model{SsdConfig{}};
  std::vector<std::string> ours;
  for (const Parameter& p : model.params().all()) {
    ours.push_back(p.name + "\t" + dtype_name(p.value.dtype()) + "\t" + shape_str(p.value.shape()));
    EXPECT_EQ(p.value.name(), p.name);
  }
  // The real TF model zoo checkpoint's index (its data file is not needed for names).
  const io::TfCheckpoint ckpt = io::TfCheckpoint::open(
      std::string(TAILOR_SHARED_DIR) +
      "/fixtures/tf_checkpoints/ssd_mobilenet_v1_coco_2018_01_28_index_only/model.ckpt");
  std::vector<std::string> tf;
  for (const auto& e : ckpt.entries())
    if (e.name != "global_step")
      tf.push_back(e.name + "\t" + dtype_name(e.dtype) + "\t" + shape_str(e.shape));
  ASSERT_EQ(tf.size(), 199u);
  std::sort(ours.begin(), ours.end());
  std::sort(tf.begin(), tf.end());
  EXPECT_EQ(ours, tf);
  EXPECT_EQ(model.num_anchors(), 1917);
  EXPECT_EQ(model.anchors().shape(), (Shape{1917, 4}));
}

TEST(SsdModel, InitializationIsTfLike) {
  SsdConfig c;
  c.depth_multiplier = 0.25f;
  SsdModel model(c);
  const Parameter& w =
      model.params().at("FeatureExtractor/MobilenetV1/Conv2d_13_pointwise/weights");
  double sum = 0, sq = 0, maxabs = 0;
  for (float v : w.value.to_vector())
    sum += v, sq += double(v) * v, maxabs = std::max(maxabs, double(std::fabs(v)));
  const double n = double(w.value.numel());
  EXPECT_NEAR(sum / n, 0.0, 0.002);
  // A normal truncated at 2 sigma has stddev 0.8796 sigma.
  EXPECT_NEAR(std::sqrt(sq / n), 0.09 * 0.8796, 0.002);
  EXPECT_LE(maxabs, 0.18 + 1e-6);
  const Parameter& head = model.params().at("BoxPredictor_0/ClassPredictor/weights");
  double hsq = 0;
  for (float v : head.value.to_vector()) hsq += double(v) * v;
  EXPECT_NEAR(std::sqrt(hsq / head.value.numel()), 0.03 * 0.8796, 0.002);
  for (float v : model.params().at("BoxPredictor_0/ClassPredictor/biases").value.to_vector())
    EXPECT_EQ(v, 0.f);
  for (float v : model.params()
                     .at("FeatureExtractor/MobilenetV1/Conv2d_0/BatchNorm/moving_variance")
                     .value.to_vector())
    EXPECT_EQ(v, 1.f);
  // Same seed, same weights.
  SsdModel again(c);
  EXPECT_EQ(again.params().at("BoxPredictor_0/ClassPredictor/weights").value.to_vector(),
            head.value.to_vector());
}

TEST(SsdModel, ForwardShapesOnSmallInput) {
  SsdConfig c;
  c.depth_multiplier = 0.25f;
  c.image_height = 96;
  c.image_width = 96;
  SsdModel model(c);
  // Feature maps 6, 3, 2, 1, 1, 1: 6*6*3 + 3*3*6 + 2*2*6 + 3*6 anchors.
  EXPECT_EQ(model.num_anchors(), 204);
  Tensor images = Tensor::full({2, 96, 96, 3}, 0.25f);
  NoGradGuard no_grad;
  SsdOutput out = model.forward(images, false);
  EXPECT_EQ(out.class_logits.shape(), (Shape{2, 204, 91}));
  EXPECT_EQ(out.box_encodings.shape(), (Shape{2, 204, 4}));
  for (float v : out.class_logits.to_vector()) ASSERT_TRUE(std::isfinite(v));
  EXPECT_THROW(model.forward(Tensor::zeros({1, 64, 96, 3}), false), ShapeError);
}

TEST(SsdModel, PreprocessingMapsPixelsToMinusOneOne) {
  Tensor t = preprocess_images(Tensor::from_vector({0.f, 127.5f, 255.f}, {1, 1, 1, 3}));
  std::vector<float> v = t.to_vector();
  EXPECT_FLOAT_EQ(v[0], -1.f);
  EXPECT_NEAR(v[1], 0.f, 1e-6);
  EXPECT_FLOAT_EQ(v[2], 1.f);
}

// 8 synthetic 64x64 images, each with 1-2 solid rectangles: red = class 1, green = class 2.
struct SyntheticSet {
  Tensor images;
  std::vector<GroundTruth> gt;
};

SyntheticSet make_synthetic(int n, int size) {
  SyntheticSet s;
  std::vector<float> px(size_t(n) * size * size * 3);
  const BoxCorners layouts[8][2] = {{{0.1f, 0.1f, 0.6f, 0.5f}, {0.f, 0.f, 0.f, 0.f}},
                                    {{0.3f, 0.4f, 0.9f, 0.9f}, {0.f, 0.f, 0.f, 0.f}},
                                    {{0.05f, 0.05f, 0.45f, 0.45f}, {0.55f, 0.55f, 0.95f, 0.95f}},
                                    {{0.2f, 0.5f, 0.8f, 0.95f}, {0.f, 0.f, 0.f, 0.f}},
                                    {{0.f, 0.f, 0.9f, 0.9f}, {0.f, 0.f, 0.f, 0.f}},
                                    {{0.5f, 0.05f, 0.95f, 0.5f}, {0.05f, 0.5f, 0.45f, 0.95f}},
                                    {{0.25f, 0.25f, 0.75f, 0.75f}, {0.f, 0.f, 0.f, 0.f}},
                                    {{0.1f, 0.6f, 0.4f, 0.9f}, {0.6f, 0.1f, 0.9f, 0.4f}}};
  for (int i = 0; i < n; ++i) {
    GroundTruth g;
    float* img = &px[size_t(i) * size * size * 3];
    for (size_t p = 0; p < size_t(size) * size * 3; ++p)
      img[p] = 0.3f * float((p * 7 + i) % 5) / 5.f - 0.6f;
    for (int b = 0; b < 2; ++b) {
      const BoxCorners& box = layouts[i % 8][b];
      if (box.ymax <= box.ymin) continue;
      const int cls = 1 + (i + b) % 2;
      g.boxes.push_back(box);
      g.classes.push_back(cls);
      for (int y = int(box.ymin * size); y < int(box.ymax * size); ++y)
        for (int x = int(box.xmin * size); x < int(box.xmax * size); ++x) {
          float* q = &img[(size_t(y) * size + x) * 3];
          q[0] = cls == 1 ? 0.9f : -0.9f;
          q[1] = cls == 2 ? 0.9f : -0.9f;
          q[2] = -0.9f;
        }
    }
    s.gt.push_back(g);
  }
  s.images = Tensor::from_vector(px, {n, size, size, 3});
  return s;
}

TEST(SsdModel, LearnsSyntheticBoxes) {
  const auto start = std::chrono::steady_clock::now();
  SsdConfig c;
  c.num_classes = 2;
  c.depth_multiplier = 0.25f;
  c.image_height = 64;
  c.image_width = 64;
  c.init_seed = 7;
  SsdModel model(c);
  SyntheticSet data = make_synthetic(8, 64);
  // The pipeline's optimizer: TF's RMSProp (decay 0.9, momentum 0.9, epsilon 1.0).
  optim::RMSPropOptions options;
  options.momentum = 0.9f;
  options.epsilon = 1.0f;
  optim::RMSProp optimizer(options);
  const float lr = 0.01f;
  float first = 0, last = 0;
  for (int step = 0; step < 200; ++step) {
    model.params().zero_grad();
    SsdOutput out = model.forward(data.images, true);
    SsdLosses loss = ssd_loss(out, model.anchor_boxes(), data.gt, model.params(), c);
    loss.total.backward();
    const float value = loss.total.item();
    ASSERT_TRUE(std::isfinite(value)) << "step " << step;
    if (step == 0) first = value;
    last = value;
    optimizer.apply(model.params(), lr);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("synthetic SSD: loss %.4f -> %.4f in 200 steps, %.1f s\n", first, last, seconds);
  EXPECT_LT(last, 0.2f * first);
}

}  // namespace
}  // namespace tailor::models

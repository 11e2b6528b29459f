#include "pipeline/model_io/model_config_json.h"

#include <gtest/gtest.h>

#include "runtime/error.h"

namespace tailor::pipeline {
namespace {

TEST(ModelConfigJson, EveryFieldRoundTrips) {
  models::SsdConfig c;
  c.num_classes = 9;
  c.image_height = 320;
  c.image_width = 256;
  c.depth_multiplier = 0.75f;
  c.min_depth = 8;
  c.batch_norm_decay = 0.997f;
  c.batch_norm_epsilon = 0.01f;
  c.freeze_batchnorm = true;
  c.backbone_init_stddev = 0.05f;
  c.head_init_stddev = 0.02f;
  c.init_seed = 0xFFFFFFFFFFFFull;
  c.anchors.min_scale = 0.1f;
  c.anchors.max_scale = 0.9f;
  c.anchors.aspect_ratios = {1.f, 0.3333f};
  c.anchors.interpolated_scale_aspect_ratio = 0.f;
  c.anchors.reduce_boxes_in_lowest_layer = false;
  c.anchors.base_anchor_height = 0.5f;
  c.box_coder.y_scale = 8.f;
  c.box_coder.width_scale = 4.f;
  c.matcher.matched_threshold = 0.6f;
  c.matcher.unmatched_threshold = 0.4f;
  c.matcher.force_match_for_each_row = false;
  c.loss.classification_weight = 2.f;
  c.loss.num_hard_examples = 100;
  c.loss.hard_mining_iou = 0.9f;
  c.loss.min_negatives_per_image = 3;
  c.loss.l2_weight = 1e-3f;
  c.post_process.score_threshold = 0.3f;
  c.post_process.iou_threshold = 0.5f;
  c.post_process.max_detections_per_class = 7;
  c.post_process.max_total_detections = 11;

  const std::string json = ssd_config_to_json(c);
  const models::SsdConfig r = ssd_config_from_json(json, "ckpt.safetensors");
  EXPECT_EQ(r.num_classes, 9);
  EXPECT_EQ(r.image_height, 320);
  EXPECT_EQ(r.image_width, 256);
  EXPECT_EQ(r.depth_multiplier, 0.75f);
  EXPECT_EQ(r.min_depth, 8);
  EXPECT_EQ(r.batch_norm_decay, 0.997f);
  EXPECT_EQ(r.batch_norm_epsilon, 0.01f);
  EXPECT_TRUE(r.freeze_batchnorm);
  EXPECT_EQ(r.backbone_init_stddev, 0.05f);
  EXPECT_EQ(r.head_init_stddev, 0.02f);
  EXPECT_EQ(r.init_seed, 0xFFFFFFFFFFFFull);
  EXPECT_EQ(r.anchors.num_layers, 6);
  EXPECT_EQ(r.anchors.min_scale, 0.1f);
  EXPECT_EQ(r.anchors.max_scale, 0.9f);
  EXPECT_EQ(r.anchors.aspect_ratios, (std::vector<float>{1.f, 0.3333f}));
  EXPECT_EQ(r.anchors.interpolated_scale_aspect_ratio, 0.f);
  EXPECT_FALSE(r.anchors.reduce_boxes_in_lowest_layer);
  EXPECT_EQ(r.anchors.base_anchor_height, 0.5f);
  EXPECT_EQ(r.anchors.base_anchor_width, 1.f);
  EXPECT_EQ(r.box_coder.y_scale, 8.f);
  EXPECT_EQ(r.box_coder.x_scale, 10.f);
  EXPECT_EQ(r.box_coder.width_scale, 4.f);
  EXPECT_EQ(r.matcher.matched_threshold, 0.6f);
  EXPECT_EQ(r.matcher.unmatched_threshold, 0.4f);
  EXPECT_FALSE(r.matcher.force_match_for_each_row);
  EXPECT_TRUE(r.matcher.negatives_lower_than_unmatched);
  EXPECT_EQ(r.loss.classification_weight, 2.f);
  EXPECT_EQ(r.loss.num_hard_examples, 100);
  EXPECT_EQ(r.loss.hard_mining_iou, 0.9f);
  EXPECT_EQ(r.loss.min_negatives_per_image, 3);
  EXPECT_EQ(r.loss.l2_weight, 1e-3f);
  EXPECT_EQ(r.post_process.score_threshold, 0.3f);
  EXPECT_EQ(r.post_process.iou_threshold, 0.5f);
  EXPECT_EQ(r.post_process.max_detections_per_class, 7);
  EXPECT_EQ(r.post_process.max_total_detections, 11);
  // Serializing again gives the same text: nothing was lost or reinterpreted.
  EXPECT_EQ(ssd_config_to_json(r), json);
}

TEST(ModelConfigJson, NestedLikeTheYaml) {
  const std::string json = ssd_config_to_json(models::SsdConfig{});
  EXPECT_NE(json.find("\"anchors\":{"), std::string::npos) << json;
  EXPECT_NE(json.find("\"post_process\":{"), std::string::npos) << json;
  EXPECT_NE(json.find("\"num_classes\":90"), std::string::npos) << json;
}

TEST(ModelConfigJson, AbsentFieldsKeepDefaults) {
  const models::SsdConfig r =
      ssd_config_from_json(R"({"num_classes": 9, "anchors": {"min_scale": 0.3}})", "c");
  EXPECT_EQ(r.num_classes, 9);
  EXPECT_EQ(r.anchors.min_scale, 0.3f);
  EXPECT_EQ(r.anchors.max_scale, 0.95f);
  EXPECT_EQ(r.depth_multiplier, 1.f);
}

TEST(ModelConfigJson, ErrorsNameTheSourceAndField) {
  try {
    ssd_config_from_json(R"({"loss": {"l2_weight": "big"}})", "run/ckpt-5.safetensors");
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("run/ckpt-5.safetensors"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("loss.l2_weight"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ssd_config_from_json("{not json", "c"), UserError);
  EXPECT_THROW(ssd_config_from_json("[1]", "c"), UserError);
  EXPECT_THROW(ssd_config_from_json(R"({"anchors": 3})", "c"), UserError);
  EXPECT_THROW(ssd_config_from_json(R"({"num_classes": 0})", "c"), UserError);
}

TEST(LabelMapJson, RoundTrip) {
  data::LabelMap labels({{1, "Jackets", "Jackets"}, {2, "Jeans", ""}, {9, "Tshirts", "T-shirts"}});
  const data::LabelMap r = label_map_from_json(label_map_to_json(labels), "c");
  ASSERT_EQ(r.items().size(), 3u);
  EXPECT_EQ(r.name_of(1), "Jackets");
  EXPECT_EQ(r.name_of(2), "Jeans");
  EXPECT_EQ(r.name_of(9), "Tshirts");
  EXPECT_EQ(r.find_id(9)->display_name, "T-shirts");
  EXPECT_EQ(r.find_id(2)->display_name, "");
}

TEST(LabelMapJson, AcceptsPlainNamesAndRejectsBadIds) {
  const data::LabelMap r = label_map_from_json(R"({"1": "Jackets", "3": "Shirts"})", "c");
  EXPECT_EQ(r.name_of(3), "Shirts");
  EXPECT_THROW(label_map_from_json(R"({"one": "Jackets"})", "c"), UserError);
  EXPECT_THROW(label_map_from_json(R"({"1": 5})", "c"), UserError);
  EXPECT_TRUE(label_map_from_json("{}", "c").empty());
}

}  // namespace
}  // namespace tailor::pipeline

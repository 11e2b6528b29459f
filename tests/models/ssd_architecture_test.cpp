#include "models/ssd_architecture.h"

#include <gtest/gtest.h>

#include <sstream>

#include "runtime/error.h"

namespace tailor::models {
namespace {

TEST(SsdArchitecture, RegularizesConvWeightsButNotDepthwise) {
  for (const ParamSpec& p : parameter_specs(build_ssd_architecture(SsdConfig{}))) {
    const bool conv_weight = p.name.size() > 8 && p.name.substr(p.name.size() - 8) == "/weights";
    EXPECT_EQ(p.regularize, conv_weight) << p.name;
    EXPECT_EQ(p.trainable, p.name.find("moving_") == std::string::npos) << p.name;
  }
}

TEST(SsdArchitecture, DepthMultiplier075MatchesTheTfLiteModel) {
  SsdConfig c;
  c.depth_multiplier = 0.75f;
  SsdArchitecture a = build_ssd_architecture(c);
  EXPECT_EQ(a.layers[0].out_channels, 24);
  EXPECT_EQ(a.layers[a.feature_layers[1]].out_channels, 768);
  std::vector<int> extras;
  for (const LayerSpec& l : a.layers)
    if (l.scope.find("Conv2d_13_pointwise_") != std::string::npos) extras.push_back(l.out_channels);
  EXPECT_EQ(extras, (std::vector<int>{192, 384, 96, 192, 96, 192, 48, 96}));
  EXPECT_EQ(a.layers[a.feature_layers[2]].scope,
            "FeatureExtractor/MobilenetV1/Conv2d_13_pointwise_2_Conv2d_2_3x3_s2_384");
}

TEST(SsdArchitecture, MinDepthAppliesToSmallMultipliers) {
  SsdConfig c;
  c.depth_multiplier = 0.25f;
  SsdArchitecture a = build_ssd_architecture(c);
  EXPECT_EQ(a.layers[0].out_channels, 16);  // max(int(32 * 0.25), 16)
  // The last extra 1x1: max(int(64 * 0.25), 16) = 16.
  EXPECT_EQ(a.layers[a.feature_layers[5] - 1].out_channels, 16);
}

TEST(SsdArchitecture, CostAt300) {
  SsdArchitecture a = build_ssd_architecture(SsdConfig{});
  int64_t from_specs = 0;
  for (const ParamSpec& p : parameter_specs(a)) from_specs += shape_numel(p.shape);
  EXPECT_EQ(a.param_count(), from_specs);
  // The fixture's 199 tensors hold 27,380,732 bytes of float32: 6,845,183 values.
  EXPECT_EQ(a.param_count(), 6845183);
  // Conv2d_0: 150 * 150 outputs * 3x3x3x32; Conv2d_1_depthwise: 150 * 150 * 3x3x32.
  EXPECT_EQ(a.layers[0].macs(), 150 * 150 * 27 * 32);
  EXPECT_EQ(a.layers[1].macs(), 150 * 150 * 9 * 32);
  EXPECT_EQ(a.macs(), 1237129408);
}

TEST(SsdArchitecture, RejectsTinyImages) {
  SsdConfig c;
  c.image_height = 32;
  EXPECT_THROW(build_ssd_architecture(c), UserError);
}

}  // namespace
}  // namespace tailor::models

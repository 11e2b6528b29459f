#include "models/box_coder.h"

#include <cmath>

namespace tailor::models {

namespace {
constexpr float kEpsilon = 1e-8f;  // TF faster_rcnn_box_coder.EPSILON: avoids log(0)
}

BoxCode encode_box(const BoxCorners& box, const BoxCorners& anchor, const BoxCoderConfig& s) {
  BoxCenter a = to_center(anchor), b = to_center(box);
  a.height += kEpsilon;
  a.width += kEpsilon;
  b.height += kEpsilon;
  b.width += kEpsilon;
  BoxCode c;
  c.tx = (b.xcenter - a.xcenter) / a.width * s.x_scale;
  c.ty = (b.ycenter - a.ycenter) / a.height * s.y_scale;
  c.tw = std::log(b.width / a.width) * s.width_scale;
  c.th = std::log(b.height / a.height) * s.height_scale;
  return c;
}

BoxCorners decode_box(const BoxCode& code, const BoxCorners& anchor, const BoxCoderConfig& s) {
  const BoxCenter a = to_center(anchor);
  const float ty = code.ty / s.y_scale, tx = code.tx / s.x_scale;
  const float th = code.th / s.height_scale, tw = code.tw / s.width_scale;
  BoxCenter b;
  b.width = std::exp(tw) * a.width;
  b.height = std::exp(th) * a.height;
  b.ycenter = ty * a.height + a.ycenter;
  b.xcenter = tx * a.width + a.xcenter;
  return to_corners(b);
}

std::vector<BoxCorners> decode_boxes(const float* codes, const std::vector<BoxCorners>& anchors,
                                     const BoxCoderConfig& scales) {
  std::vector<BoxCorners> out(anchors.size());
  for (size_t i = 0; i < anchors.size(); ++i) {
    const float* c = codes + 4 * i;
    out[i] = decode_box({c[0], c[1], c[2], c[3]}, anchors[i], scales);
  }
  return out;
}

}  // namespace tailor::models

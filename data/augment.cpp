#include "data/augment.h"

#include <algorithm>
#include <cmath>

#include "engine/pixel_scale.h"
#include "kernels/cpu/color.h"
#include "runtime/error.h"

namespace tailor::data {

namespace {
uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
}  // namespace

Rng example_rng(uint64_t seed, int64_t epoch, int64_t index) {
  uint64_t h = splitmix64(seed);
  h = splitmix64(h ^ static_cast<uint64_t>(epoch));
  h = splitmix64(h ^ static_cast<uint64_t>(index));
  return Rng(h);
}

float uniform01(Rng& rng) {
  return static_cast<float>(rng() >> 40) * (1.0f / 16777216.0f);
}
float uniform(Rng& rng, float lo, float hi) {
  return lo + (hi - lo) * uniform01(rng);
}
uint32_t uniform_int(Rng& rng, uint32_t n) {
  return static_cast<uint32_t>(rng() % n);
}

void random_horizontal_flip(Rng& rng, Window* win, std::vector<NormBox>* boxes, float probability) {
  if (uniform01(rng) >= probability) return;
  win->flip = !win->flip;
  win->x = win->source_width - win->x - win->w;
  for (NormBox& b : *boxes) {
    float xmin = 1.0f - b.xmax, xmax = 1.0f - b.xmin;
    b.xmin = xmin;
    b.xmax = xmax;
  }
}

void random_vertical_flip(Rng& rng, Window* win, std::vector<NormBox>* boxes, float probability) {
  if (uniform01(rng) >= probability) return;
  win->vflip = !win->vflip;
  win->y = win->source_height - win->y - win->h;
  for (NormBox& b : *boxes) {
    float ymin = 1.0f - b.ymax, ymax = 1.0f - b.ymin;
    b.ymin = ymin;
    b.ymax = ymax;
  }
}

namespace {

// TF's Rectangle from sample_distorted_bounding_box_op.cc.
struct Rect {
  int min_x, min_y, max_x, max_y;
  float area() const { return static_cast<float>((max_x - min_x) * (max_y - min_y)); }
  Rect intersect(const Rect& r) const {
    int px = std::max(min_x, r.min_x), py = std::max(min_y, r.min_y);
    int qx = std::min(max_x, r.max_x), qy = std::min(max_y, r.max_y);
    if (px > qx || py > qy) return {0, 0, 0, 0};
    return {px, py, qx, qy};
  }
};

bool generate_random_crop(Rng& rng, int original_width, int original_height,
                          float min_relative_crop_area, float max_relative_crop_area,
                          float aspect_ratio, Rect* crop) {
  const float min_area = min_relative_crop_area * original_width * original_height;
  const float max_area = max_relative_crop_area * original_width * original_height;
  int height = static_cast<int>(lrintf(std::sqrt(min_area / aspect_ratio)));
  int max_height = static_cast<int>(lrintf(std::sqrt(max_area / aspect_ratio)));
  if (lrintf(max_height * aspect_ratio) > original_width) {
    // The largest max_height with round(max_height * aspect_ratio) <= original_width.
    const float kEps = 0.0000001f;
    max_height = static_cast<int>((original_width + 0.5f - kEps) / aspect_ratio);
    if (lrintf(max_height * aspect_ratio) > original_width) max_height -= 1;
  }
  if (max_height > original_height) max_height = original_height;
  if (height >= max_height) height = max_height;
  if (height < max_height) height += static_cast<int>(uniform_int(rng, max_height - height + 1));
  int width = static_cast<int>(lrintf(height * aspect_ratio));
  float area = static_cast<float>(width * height);
  if (area < min_area) {
    height += 1;
    width = static_cast<int>(lrintf(height * aspect_ratio));
    area = static_cast<float>(width * height);
  }
  if (area > max_area) {
    height -= 1;
    width = static_cast<int>(lrintf(height * aspect_ratio));
    area = static_cast<float>(width * height);
  }
  if (area < min_area || area > max_area || width > original_width || height > original_height ||
      width <= 0 || height <= 0)
    return false;
  int y = 0, x = 0;
  if (height < original_height) y = static_cast<int>(uniform_int(rng, original_height - height));
  if (width < original_width) x = static_cast<int>(uniform_int(rng, original_width - width));
  *crop = {x, y, x + width, y + height};
  return true;
}

bool satisfies_overlap(const Rect& crop, float min_object_covered, const std::vector<Rect>& boxes) {
  const float kMinArea = 1.0f;
  if (crop.area() < kMinArea) return false;
  for (const Rect& b : boxes) {
    const float object_area = b.area();
    if (object_area < kMinArea) continue;
    if (crop.intersect(b).area() / object_area >= min_object_covered) return true;
  }
  return false;
}

}  // namespace

bool sample_distorted_bounding_box(Rng& rng, int width, int height,
                                   const std::vector<NormBox>& boxes, float min_object_covered,
                                   float ar_min, float ar_max, float area_min, float area_max,
                                   int max_attempts, int* x, int* y, int* w, int* h) {
  std::vector<Rect> rects;
  for (const NormBox& b : boxes)
    rects.push_back({static_cast<int>(b.xmin * width), static_cast<int>(b.ymin * height),
                     static_cast<int>(b.xmax * width), static_cast<int>(b.ymax * height)});
  if (rects.empty()) rects.push_back({0, 0, width, height});  // use_image_if_no_bounding_boxes
  Rect crop{0, 0, width, height};
  bool found = false;
  for (int i = 0; i < max_attempts; ++i) {
    const float ar = uniform01(rng) * (ar_max - ar_min) + ar_min;
    Rect c;
    if (generate_random_crop(rng, width, height, area_min, area_max, ar, &c) &&
        satisfies_overlap(c, min_object_covered, rects)) {
      crop = c;
      found = true;
      break;
    }
  }
  *x = crop.min_x;
  *y = crop.min_y;
  *w = crop.max_x - crop.min_x;
  *h = crop.max_y - crop.min_y;
  return found;
}

SsdCropResult ssd_random_crop(Rng& rng, Window* win, std::vector<NormBox>* boxes,
                              const SsdCropParams& p) {
  SsdCropResult r;
  r.input_boxes = *boxes;
  size_t n = p.min_object_covered.size();
  TAILOR_CHECK(
      n > 0 && n == p.overlap_thresh.size(), UserError,
      "ssd_random_crop: min_object_covered and overlap_thresh need the same nonzero length");
  r.choice = static_cast<int>(uniform_int(rng, static_cast<uint32_t>(n)));
  if (p.random_coef > 0 && !(uniform01(rng) > p.random_coef)) {
    r.kept_original = true;
    return r;
  }
  std::vector<NormBox> clipped = *boxes;
  for (NormBox& b : clipped) {
    b.ymin = std::clamp(b.ymin, 0.f, 1.f), b.xmin = std::clamp(b.xmin, 0.f, 1.f);
    b.ymax = std::clamp(b.ymax, 0.f, 1.f), b.xmax = std::clamp(b.xmax, 0.f, 1.f);
  }
  int cx, cy, cw, ch;
  r.sampled = sample_distorted_bounding_box(
      rng, win->w, win->h, clipped, p.min_object_covered[r.choice], p.aspect_ratio_min,
      p.aspect_ratio_max, p.area_min, p.area_max, p.max_attempts, &cx, &cy, &cw, &ch);
  const float wy0 = static_cast<float>(cy) / win->h, wx0 = static_cast<float>(cx) / win->w;
  const float wy1 = static_cast<float>(cy + ch) / win->h,
              wx1 = static_cast<float>(cx + cw) / win->w;
  r.crop[0] = wy0, r.crop[1] = wx0, r.crop[2] = wy1, r.crop[3] = wx1;
  const float thresh = p.overlap_thresh[r.choice];
  std::vector<NormBox> kept;
  for (const NormBox& b : *boxes) {
    // prune_completely_outside_window
    if (b.ymin >= wy1 || b.xmin >= wx1 || b.ymax <= wy0 || b.xmax <= wx0) continue;
    // prune_non_overlapping_boxes: intersection / box area (NaN for empty boxes: dropped)
    float ih = std::max(0.f, std::min(b.ymax, wy1) - std::max(b.ymin, wy0));
    float iw = std::max(0.f, std::min(b.xmax, wx1) - std::max(b.xmin, wx0));
    float area = (b.ymax - b.ymin) * (b.xmax - b.xmin);
    float ioa = (ih * iw) / area;
    if (!(ioa >= thresh)) continue;
    // change_coordinate_frame
    NormBox nb = b;
    const float sy = 1.0f / (wy1 - wy0), sx = 1.0f / (wx1 - wx0);
    nb.ymin = (b.ymin - wy0) * sy, nb.xmin = (b.xmin - wx0) * sx;
    nb.ymax = (b.ymax - wy0) * sy, nb.xmax = (b.xmax - wx0) * sx;
    if (p.clip_boxes) {
      nb.ymin = std::clamp(nb.ymin, 0.f, 1.f), nb.xmin = std::clamp(nb.xmin, 0.f, 1.f);
      nb.ymax = std::clamp(nb.ymax, 0.f, 1.f), nb.xmax = std::clamp(nb.xmax, 0.f, 1.f);
    }
    kept.push_back(nb);
  }
  *boxes = std::move(kept);
  // Compose with the current window (crop coordinates are within it).
  win->x += cx;
  win->y += cy;
  win->w = cw;
  win->h = ch;
  return r;
}

void resize_window_bilinear(const Image& src, const Window& win, int out_h, int out_w, float* out) {
  const float sy = static_cast<float>(win.h) / out_h, sx = static_cast<float>(win.w) / out_w;
  // Per output column: the two source columns (in source-image pixels) and the weight.
  std::vector<int> x0(out_w), x1(out_w);
  std::vector<float> xl(out_w);
  for (int ox = 0; ox < out_w; ++ox) {
    const float in = ox * sx;
    const int lo = std::max(static_cast<int>(std::floor(in)), 0);
    const int hi = std::min(static_cast<int>(std::ceil(in)), win.w - 1);
    xl[ox] = in - std::floor(in);
    // Window columns count in the mirrored image when flipped.
    int c0 = win.x + lo, c1 = win.x + hi;
    if (win.flip) c0 = src.width - 1 - c0, c1 = src.width - 1 - c1;
    x0[ox] = c0 * 3;
    x1[ox] = c1 * 3;
  }
  for (int oy = 0; oy < out_h; ++oy) {
    const float in = oy * sy;
    const int lo = std::max(static_cast<int>(std::floor(in)), 0);
    const int hi = std::min(static_cast<int>(std::ceil(in)), win.h - 1);
    const float yl = in - std::floor(in);
    // Window rows count in the mirrored image when flipped top to bottom.
    const int r0 = win.vflip ? src.height - 1 - (win.y + lo) : win.y + lo;
    const int r1 = win.vflip ? src.height - 1 - (win.y + hi) : win.y + hi;
    const uint8_t* top = src.row(r0);
    const uint8_t* bot = src.row(r1);
    float* o = out + size_t(oy) * out_w * 3;
    for (int ox = 0; ox < out_w; ++ox) {
      const float l = xl[ox];
      for (int c = 0; c < 3; ++c) {
        const float tl = top[x0[ox] + c], tr = top[x1[ox] + c];
        const float bl = bot[x0[ox] + c], br = bot[x1[ox] + c];
        const float t = tl + (tr - tl) * l;
        const float b = bl + (br - bl) * l;
        o[ox * 3 + c] = t + (b - t) * yl;
      }
    }
  }
}

const std::vector<AugmentationInfo>& augmentation_table() {
  // Defaults from object_detection/protos/preprocessor.proto.
  static const std::vector<AugmentationInfo> table = {
      {"random_horizontal_flip", {{"probability", 0.5f}}, true, false},
      {"random_vertical_flip", {{"probability", 0.5f}}, true, false},
      // The fixed 7-operation table of ssd_random_crop (min_object_covered 0..1) is not
      // configurable in TF's default form either.
      {"ssd_random_crop", {}, true, true},
      {"random_adjust_brightness", {{"max_delta", 0.2f}}, false, false},
      {"random_adjust_contrast", {{"min_delta", 0.8f}, {"max_delta", 1.25f}}, false, false},
      {"random_adjust_hue", {{"max_delta", 0.02f}}, false, false},
      {"random_adjust_saturation", {{"min_delta", 0.8f}, {"max_delta", 1.25f}}, false, false},
      {"random_distort_color", {{"color_ordering", 0.f}}, false, false},
      {"random_rgb_to_gray", {{"probability", 0.1f}}, false, false},
      {"random_pixel_value_scale", {{"minval", 0.9f}, {"maxval", 1.1f}}, false, false},
  };
  return table;
}

const AugmentationInfo* find_augmentation(const std::string& name) {
  for (const AugmentationInfo& a : augmentation_table())
    if (name == a.name) return &a;
  return nullptr;
}

namespace {
// A step's parameter: as given, else the table's default.
float param(const AugmentStep& s, const char* key) {
  auto it = s.params.find(key);
  if (it != s.params.end()) return it->second;
  for (const auto& [k, v] : find_augmentation(s.name)->defaults)
    if (k == key) return v;
  throw std::logic_error("augmentation " + s.name + " has no parameter " + key);
}
}  // namespace

bool augmentation_needs_boxes(const std::string& name) {
  const AugmentationInfo* a = find_augmentation(name);
  return a && a->needs_boxes;
}

void validate_augmentation(const std::vector<AugmentStep>& steps) {
  for (const AugmentStep& s : steps)
    if (!find_augmentation(s.name)) {
      std::string known;
      for (const AugmentationInfo& a : augmentation_table())
        known += std::string(known.empty() ? "" : ", ") + a.name;
      throw UserError("augmentation '" + s.name + "' is not supported by the data loader (" +
                      known + ")");
    }
}

void augment_and_resize(const Image& img, std::vector<NormBox>* boxes,
                        const std::vector<AugmentStep>& steps, Rng& rng, int out_h, int out_w,
                        float* out) {
  validate_augmentation(steps);
  Window win{0, 0, img.width, img.height, false, img.width, false, img.height};
  // Photometric parameters are drawn in config order, interleaved with geometric draws, so
  // the random stream is that of the configured sequence; they are applied after the resize.
  enum Kind { kBrightness, kContrast, kHue, kSaturation, kGray, kPixelScale };
  struct Photo {
    Kind kind;
    float value;
    uint64_t seed = 0;  // kPixelScale: the per-pixel factors' own stream
  };
  std::vector<Photo> photo;
  for (const AugmentStep& s : steps) {
    const std::string& n = s.name;
    if (n == "random_horizontal_flip") {
      random_horizontal_flip(rng, &win, boxes, param(s, "probability"));
    } else if (n == "random_vertical_flip") {
      random_vertical_flip(rng, &win, boxes, param(s, "probability"));
    } else if (n == "ssd_random_crop") {
      ssd_random_crop(rng, &win, boxes);
    } else if (n == "random_adjust_brightness") {
      const float d = param(s, "max_delta");
      photo.push_back({kBrightness, uniform(rng, -d, d)});
    } else if (n == "random_adjust_contrast") {
      photo.push_back({kContrast, uniform(rng, param(s, "min_delta"), param(s, "max_delta"))});
    } else if (n == "random_adjust_hue") {
      const float d = param(s, "max_delta");
      photo.push_back({kHue, uniform(rng, -d, d)});
    } else if (n == "random_adjust_saturation") {
      photo.push_back({kSaturation, uniform(rng, param(s, "min_delta"), param(s, "max_delta"))});
    } else if (n == "random_distort_color") {
      // preprocessor.random_distort_color: brightness 32/255, saturation and contrast
      // 0.5-1.5, hue 0.2, in one of TF's two orders.
      const float b = uniform(rng, -32.f / 255.f, 32.f / 255.f);
      const float a = uniform(rng, 0.5f, 1.5f), h = uniform(rng, -0.2f, 0.2f);
      const float c = uniform(rng, 0.5f, 1.5f);
      if (param(s, "color_ordering") == 0.f)
        photo.insert(photo.end(), {{kBrightness, b}, {kSaturation, a}, {kHue, h}, {kContrast, c}});
      else
        photo.insert(photo.end(), {{kBrightness, b}, {kContrast, c}, {kSaturation, a}, {kHue, h}});
    } else if (n == "random_rgb_to_gray") {
      if (uniform01(rng) < param(s, "probability")) photo.push_back({kGray, 0.f});
    } else if (n == "random_pixel_value_scale") {
      // The per-pixel factors come from their own stream seeded here, so the main stream
      // advances by one draw whatever the image size.
      photo.push_back({kPixelScale, 0.f, rng()});
    }
  }
  resize_window_bilinear(img, win, out_h, out_w, out);
  const int64_t n = int64_t(out_h) * out_w;
  for (const Photo& p : photo) {
    switch (p.kind) {
      case kBrightness:
        kernels::cpu::adjust_brightness(out, n, p.value);
        break;
      case kContrast:
        kernels::cpu::adjust_contrast(out, n, p.value);
        break;
      case kHue:
        kernels::cpu::adjust_hue(out, n, p.value);
        break;
      case kSaturation:
        kernels::cpu::adjust_saturation(out, n, p.value);
        break;
      case kGray:
        kernels::cpu::to_gray(out, n);
        break;
      case kPixelScale: {
        const AugmentStep* step = nullptr;
        for (const AugmentStep& s : steps)
          if (s.name == "random_pixel_value_scale") step = &s;
        Rng local(p.seed);
        const float lo = param(*step, "minval"), hi = param(*step, "maxval");
        for (int64_t i = 0; i < n * 3; ++i)
          out[i] = std::min(255.f, std::max(0.f, out[i] * uniform(local, lo, hi)));
        break;
      }
    }
  }
  pixels_to_model_input(out, n * 3);
}

}  // namespace tailor::data

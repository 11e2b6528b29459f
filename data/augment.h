#pragma once
// Training augmentation with the TF Object Detection API's semantics
// (research/object_detection/core/preprocessor.py), on normalized [ymin, xmin, ymax, xmax]
// boxes. Geometry (flip, crop) is tracked as a window into the decoded image and applied in
// one pass by resize_window_bilinear, which samples exactly what TF's slice + resize_bilinear
// would: no intermediate cropped or flipped copy is made.
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "data/image.h"

namespace tailor::data {

using Rng = std::mt19937_64;

// One generator per example, derived from (seed, epoch, example index) only, so results do
// not depend on which thread handles the example.
Rng example_rng(uint64_t seed, int64_t epoch, int64_t index);
float uniform01(Rng& rng);                    // [0, 1), 24 random bits like TF's RandFloat
float uniform(Rng& rng, float lo, float hi);  // [lo, hi)
uint32_t uniform_int(Rng& rng, uint32_t n);   // [0, n), n > 0

struct NormBox {
  float ymin = 0, xmin = 0, ymax = 0, xmax = 0;
  int label = 0;
};

// The part of the source image the output shows: a crop of the (possibly mirrored) image, in
// pixels of the mirrored image when `flip` is set.
struct Window {
  int x = 0, y = 0, w = 0, h = 0;
  bool flip = false;
  int source_width = 0;  // to re-express x when a later flip mirrors the view
  bool vflip = false;    // mirrored top to bottom: y counts in the mirrored image
  int source_height = 0;
};

// preprocessor.random_horizontal_flip: probability 0.5 of mirroring image and boxes.
void random_horizontal_flip(Rng& rng, Window* win, std::vector<NormBox>* boxes,
                            float probability = 0.5f);

// preprocessor.random_vertical_flip: probability 0.5 of mirroring image and boxes top to bottom.
void random_vertical_flip(Rng& rng, Window* win, std::vector<NormBox>* boxes,
                          float probability = 0.5f);

struct SsdCropParams {
  std::vector<float> min_object_covered{0.0f, 0.1f, 0.3f, 0.5f, 0.7f, 0.9f, 1.0f};
  std::vector<float> overlap_thresh{0.0f, 0.1f, 0.3f, 0.5f, 0.7f, 0.9f, 1.0f};
  float aspect_ratio_min = 0.5f, aspect_ratio_max = 2.0f;
  float area_min = 0.1f, area_max = 1.0f;
  float random_coef = 0.15f;  // probability of keeping the original image
  bool clip_boxes = true;
  int max_attempts = 100;
};

struct SsdCropResult {
  int choice = 0;                // which (min_object_covered, overlap_thresh) pair was drawn
  bool kept_original = false;    // the random_coef draw kept the image uncropped
  bool sampled = false;          // sample_distorted_bounding_box found a crop (else whole image)
  float crop[4] = {0, 0, 1, 1};  // the crop, normalized [ymin, xmin, ymax, xmax] of the input
  std::vector<NormBox> input_boxes;  // the boxes before cropping (for invariant checks)
};

// preprocessor.ssd_random_crop: random_select over the parameter tuples, then
// random_crop_image with its random_coef and _strict_random_crop_image:
// sample_distorted_bounding_box (TF's kernel, ported), prune_completely_outside_window,
// prune_non_overlapping_boxes (intersection over box area >= overlap_thresh),
// change_coordinate_frame and clipping. `win` must be the whole current image.
SsdCropResult ssd_random_crop(Rng& rng, Window* win, std::vector<NormBox>* boxes,
                              const SsdCropParams& p = SsdCropParams());

// tf.image.sample_distorted_bounding_box on pixel sizes; boxes normalized. Returns the crop as
// x, y, w, h and whether a sample satisfied the constraints (else the whole image).
bool sample_distorted_bounding_box(Rng& rng, int width, int height,
                                   const std::vector<NormBox>& boxes, float min_object_covered,
                                   float ar_min, float ar_max, float area_min, float area_max,
                                   int max_attempts, int* x, int* y, int* w, int* h);

// TF1 resize_bilinear (align_corners=false, half_pixel_centers=false) of the window of `src`
// to out_h x out_w, writing float RGB HWC values in [0, 255].
void resize_window_bilinear(const Image& src, const Window& win, int out_h, int out_w, float* out);

// The augmentations, defined once: the names configs use (the TF OD API's
// data_augmentation_options), TF's default parameters (preprocessor.proto), and how each
// acts. The config layer validates against this table; augment_and_resize applies it.
struct AugmentationInfo {
  const char* name;
  std::vector<std::pair<std::string, float>> defaults;  // every parameter, in TF's order
  bool geometric;    // moves pixels: tracked on the window and the boxes
  bool needs_boxes;  // only boxes can follow it (a crop): image-level examples skip it
};
const std::vector<AugmentationInfo>& augmentation_table();
// nullptr for an unknown name.
const AugmentationInfo* find_augmentation(const std::string& name);

// One step of train.augmentation, as the pipeline config names it, with TF's parameter names;
// missing parameters take the table's defaults.
struct AugmentStep {
  std::string name;
  std::map<std::string, float> params;
};
// Whether a step moves the frame in a way that only boxes can follow (ssd_random_crop):
// image-level examples skip such steps.
bool augmentation_needs_boxes(const std::string& name);
// Throws UserError for a step name the table does not hold.
void validate_augmentation(const std::vector<AugmentStep>& steps);

// The whole per-example transform: geometric steps in order on (win, boxes), then resize to
// out_h x out_w, then photometric steps in order, then (2/255)x - 1. Photometric steps run
// after the resize (on the model-size image) for speed: per-pixel adjustments match TF except
// where bilinear interpolation mixes clipped values; contrast uses the resized image's mean.
void augment_and_resize(const Image& img, std::vector<NormBox>* boxes,
                        const std::vector<AugmentStep>& steps, Rng& rng, int out_h, int out_w,
                        float* out);

}  // namespace tailor::data

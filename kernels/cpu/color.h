#pragma once
// TF's photometric adjustments (tf.image.adjust_brightness, adjust_contrast, adjust_hue,
// adjust_saturation, rgb_to_grayscale) on interleaved RGB floats in [0, 255], `pixels` pixels,
// in place: the input pipeline's random_adjust_* augmentations (data/augment.h). Each pixel's
// channels go to [0, 1], are adjusted as TF does (the hue and saturation through TF's
// rgb_to_hsv / hsv_to_rgb), clipped to [0, 1] and scaled back.
//
// The fast versions vectorize across pixels (AVX-512 or AVX2, chosen at run time, with the same
// operations per pixel and no contraction) on the calling thread, since the loader's workers
// already run an image each. They give the same bits as the *_ref loops, the scalar code they
// replaced, so a training run's images do not depend on the machine.
#include <cstdint>

namespace tailor::kernels::cpu {

void adjust_brightness(float* rgb, int64_t pixels, float delta);
void adjust_contrast(float* rgb, int64_t pixels, float factor);
void adjust_hue(float* rgb, int64_t pixels, float delta);
void adjust_saturation(float* rgb, int64_t pixels, float factor);
// tf.image.rgb_to_grayscale then grayscale_to_rgb.
void to_gray(float* rgb, int64_t pixels);

void adjust_brightness_ref(float* rgb, int64_t pixels, float delta);
void adjust_contrast_ref(float* rgb, int64_t pixels, float factor);
void adjust_hue_ref(float* rgb, int64_t pixels, float delta);
void adjust_saturation_ref(float* rgb, int64_t pixels, float factor);
void to_gray_ref(float* rgb, int64_t pixels);

}  // namespace tailor::kernels::cpu

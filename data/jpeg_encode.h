#pragma once
// JPEG encoding of a decoded RGB image through libjpeg-turbo, for annotated detect outputs.
#include <string>

#include "data/image.h"

namespace tailor::data {

// Baseline JPEG bytes. Throws UserError with libjpeg's message on failure (never exits).
std::string encode_jpeg(const Image& image, int quality = 90);

}  // namespace tailor::data

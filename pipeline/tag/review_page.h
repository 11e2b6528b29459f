#pragma once
// review.html of `tailor tag`: one self-contained page (inline CSS, no scripts, no network;
// the pictures are the thumbs/ beside it). A per-class summary on top, then one card per
// image, those needing review first (lowest top score first), each with its drawn box, its
// top-3 classes as bars and why it needs review.
#include <string>
#include <vector>

#include "pipeline/tag/tagger.h"

namespace tailor::pipeline {

// class_names[c-1] names class c.
std::string review_page_html(const TagResult& result, const std::vector<std::string>& class_names,
                             const TagOptions& options);

// Text safe inside HTML elements and attribute values.
std::string html_escape(const std::string& s);

}  // namespace tailor::pipeline

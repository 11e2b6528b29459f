#pragma once
// Bit-for-bit comparison of two Tailor checkpoints (resume and crash-safety tests).
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "engine/io/checkpoint.h"

namespace tailor::testing {

inline void expect_same_checkpoints(const std::string& a_path, const std::string& b_path) {
  const io::Checkpoint a = io::load_checkpoint(a_path), b = io::load_checkpoint(b_path);
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (const Tensor& x : a.tensors) {
    const Tensor* y = b.find(x.name());
    ASSERT_NE(y, nullptr) << x.name();
    ASSERT_EQ(x.shape(), y->shape()) << x.name();
    ASSERT_EQ(0, std::memcmp(x.data<float>(), y->data<float>(), x.nbytes())) << x.name();
  }
  EXPECT_EQ(a.metadata.at(io::kMetaGlobalStep), b.metadata.at(io::kMetaGlobalStep));
}

}  // namespace tailor::testing

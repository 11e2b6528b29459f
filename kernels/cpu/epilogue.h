#pragma once
// What a convolution or GEMM applies to each output value before storing it, fused into the
// kernel so the output is written once: a per-output-channel bias and ReLU6. The inference
// path uses it for batch norm folded into the weights (bias) and the activation.
namespace tailor::kernels::cpu {

struct Epilogue {
  const float* bias = nullptr;  // [out channels]; nullptr: none
  bool relu6 = false;           // min(max(v, 0), 6) after the bias
};

}  // namespace tailor::kernels::cpu

#pragma once
// `tailor export`: the detector as a standard ONNX model, for ONNX Runtime, OpenVINO and
// TensorRT. Batch norm is folded (models/ssd_inference.h's FoldedSsd), the network runs in
// NCHW after one transpose of the NHWC input, ReLU6 is Clip(0, 6).
//
// Inputs:  `images` [N, H, W, 3] float32 in [-1, 1] (TF's preprocessing already applied), or
//          uint8 0..255 with the (2/255) x - 1 scaling inside the graph.
// Outputs: `box_encodings` [N, A, 4] (ty, tx, th, tw) and `class_predictions_with_background`
//          [N, A, C + 1] (logits), the TF OD API's raw predictions in its anchor order; with
//          post-processing instead the TF OD API's exported detections:
//          `detection_boxes` [N, K, 4] (normalized ymin, xmin, ymax, xmax), `detection_scores`
//          [N, K], `detection_classes` [N, K] (the label map's 1-based ids, as floats) and
//          `num_detections` [N]: box decoding against the anchors, sigmoid scores, ONNX
//          NonMaxSuppression per class, then the K best over all classes, zero-padded.
// Metadata: the label map, the anchor and box coder settings, the model config and the
// Tailor version (metadata_props tailor.*).
#include <string>

#include "pipeline/model_io/load_detector.h"

namespace tailor::pipeline {

struct OnnxExportOptions {
  int opset = 17;
  int batch = 0;  // 0: a symbolic (dynamic) batch dimension
  bool with_postprocess = false;
  bool uint8_input = false;
  std::string source;  // recorded in the metadata
};

// The ONNX ModelProto bytes. Throws UserError when the detector cannot be exported (it has
// no anchors, or its post-processing has no ONNX form).
std::string export_onnx(const LoadedDetector& detector, const OnnxExportOptions& options);

}  // namespace tailor::pipeline

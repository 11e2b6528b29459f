#!/usr/bin/env python3
"""Checks Tailor's ONNX export in ONNX Runtime against Tailor's own CPU results, which the C++
test (tests/export/onnx_export_test.cpp) wrote beside the models:

  raw model (float input):   every raw output within 1e-4 of Tailor's forward (relative to
                             max(1, |value|));
  post-processed (uint8):    the detections scoring >= 0.3 match Tailor's: same class, IoU
                             >= 0.95, score within 0.01 (one-to-one, both directions).

Both files must pass onnx.checker. Exit status 0: all good; 1: a mismatch (printed); 77: the
onnx / onnxruntime packages are missing (the C++ test then skips, saying so).
"""
import json
import os
import sys

try:
    import numpy as np
    import onnx
    import onnxruntime as ort
except Exception as e:  # ImportError or a broken install
    print(f"skip: cannot import numpy/onnx/onnxruntime ({e.__class__.__name__}: {e}); "
          "scripts/setup.sh installs them into .venv")
    sys.exit(77)


def iou(a, b):
    ih = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iw = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ih * iw
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def unmatched(ours, theirs, threshold=0.3, slack=0.01):
    """Detections of `ours` scoring >= threshold + slack without a partner in `theirs` (same
    class, IoU >= 0.95, score within 0.01, each partner used once)."""
    used = set()
    missing = []
    for d in ours:
        if d["score"] < threshold + slack:
            continue
        found = None
        for j, e in enumerate(theirs):
            if j in used or e["class"] != d["class"] or abs(e["score"] - d["score"]) > 0.01:
                continue
            if iou(d["box"], e["box"]) >= 0.95:
                found = j
                break
        if found is None:
            missing.append(d)
        else:
            used.add(found)
    return missing


def main():
    d = sys.argv[1]
    meta = json.load(open(os.path.join(d, "tailor.json")))
    n, h, w = meta["n"], meta["height"], meta["width"]
    a, c1 = meta["anchors"], meta["columns"]
    failures = 0
    for name in ("raw.onnx", "post.onnx"):
        onnx.checker.check_model(onnx.load(os.path.join(d, name)), full_check=True)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    raw = ort.InferenceSession(os.path.join(d, "raw.onnx"), so, providers=["CPUExecutionProvider"])
    x = np.fromfile(os.path.join(d, "input_f32.bin"), dtype=np.float32).reshape(n, h, w, 3)
    boxes, logits = raw.run(["box_encodings", "class_predictions_with_background"], {"images": x})
    want_boxes = np.fromfile(os.path.join(d, "boxes.bin"), dtype=np.float32).reshape(n, a, 4)
    want_logits = np.fromfile(os.path.join(d, "logits.bin"), dtype=np.float32).reshape(n, a, c1)
    for label, got, want in (("box_encodings", boxes, want_boxes),
                             ("class_predictions_with_background", logits, want_logits)):
        err = float(np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want))))
        print(f"{meta['model']}: {label}: max relative error {err:.2e}")
        if err > 1e-4:
            failures += 1
    post = ort.InferenceSession(os.path.join(d, "post.onnx"), so, providers=["CPUExecutionProvider"])
    u8 = np.fromfile(os.path.join(d, "input_u8.bin"), dtype=np.uint8).reshape(n, h, w, 3)
    db, ds, dc, nd = post.run(["detection_boxes", "detection_scores", "detection_classes",
                               "num_detections"], {"images": u8})
    compared = 0
    for i in range(n):
        ours = [{"class": int(dc[i, k]), "score": float(ds[i, k]), "box": [float(v) for v in db[i, k]]}
                for k in range(int(nd[i]))]
        tailor = meta["detections"][i]
        compared += sum(1 for t in tailor if t["score"] >= 0.3)
        for who, a_, b_ in (("Tailor", tailor, ours), ("ONNX Runtime", ours, tailor)):
            for m in unmatched(a_, b_):
                failures += 1
                print(f"{meta['model']}: image {meta['images'][i]}: {who}'s detection {m} has no "
                      "match in the other")
    print(f"{meta['model']}: {compared} detections >= 0.3 over {n} images compared")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

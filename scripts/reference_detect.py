#!/usr/bin/env python3
"""Cross-checks `tailor detect` against a TF Lite runtime on the same input.

Dev-only acceptance check (not part of the test suite): needs ai-edge-litert (or
tflite-runtime), numpy and pillow, e.g. in a venv:
    python3 -m venv /tmp/refenv && /tmp/refenv/bin/pip install ai-edge-litert numpy pillow

Usage:
    tailor detect --model M.tflite --labels L.pbtxt --threshold 0.2 --out OUT IMG...
    reference_detect.py --model M.tflite --labels L.pbtxt --tailor-out OUT IMG...

The reference gets the 300x300 uint8 input Tailor computes: TF1 resize_bilinear with
align_corners=False and no half-pixel centres (no antialiasing, unlike PIL's resize), rounded
to uint8 because the quantized model takes uint8. Every reference detection scoring >= --min-score
must have a Tailor detection of the same class with IoU >= 0.75 and |score diff| <= 0.1.
Prints a markdown table; exits 1 when a detection fails the limits.
"""
import argparse
import json
import os
import re
import sys

import numpy as np
from PIL import Image, ImageOps

try:
    from ai_edge_litert.interpreter import Interpreter
except ImportError:  # older runtime package
    from tflite_runtime.interpreter import Interpreter


def tf1_resize_bilinear(img, out_h, out_w):
    """tf.compat.v1.image.resize_bilinear(align_corners=False, half_pixel_centers=False)."""
    in_h, in_w = img.shape[:2]
    src = img.astype(np.float32)

    def axis(out_size, in_size):
        scale = np.float32(in_size) / np.float32(out_size)
        pos = np.arange(out_size, dtype=np.float32) * scale
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(np.ceil(pos).astype(np.int64), in_size - 1)
        return lo, hi, (pos - np.floor(pos)).astype(np.float32)

    y0, y1, yl = axis(out_h, in_h)
    x0, x1, xl = axis(out_w, in_w)
    top = src[y0][:, x0] + (src[y0][:, x1] - src[y0][:, x0]) * xl[None, :, None]
    bot = src[y1][:, x0] + (src[y1][:, x1] - src[y1][:, x0]) * xl[None, :, None]
    return top + (bot - top) * yl[:, None, None]


def load_labels(path):
    text = open(path).read()
    if path.endswith(".pbtxt") or text.lstrip().startswith("item"):
        labels = {}
        for item in re.findall(r"item\s*\{(.*?)\}", text, re.S):
            ident = int(re.search(r"\bid:\s*(\d+)", item).group(1))
            disp = re.search(r"display_name:\s*[\"'](.*?)[\"']", item)
            name = re.search(r"\bname:\s*[\"'](.*?)[\"']", item)
            labels[ident] = (disp or name).group(1)
        return labels
    return {i: line.strip() for i, line in enumerate(text.splitlines())}


def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def reference_detections(interp, path):
    img = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    pixels = np.asarray(img)
    h, w = pixels.shape[:2]
    inp = interp.get_input_details()[0]
    _, in_h, in_w, _ = inp["shape"]
    resized = tf1_resize_bilinear(pixels, in_h, in_w)
    x = np.clip(np.floor(resized + 0.5), 0, 255).astype(np.uint8)[None]
    interp.set_tensor(inp["index"], x)
    interp.invoke()
    outs = [interp.get_tensor(o["index"]) for o in interp.get_output_details()]
    boxes, classes, scores, count = outs[0][0], outs[1][0], outs[2][0], int(outs[3][0])
    dets = []
    for k in range(count):
        ymin, xmin, ymax, xmax = boxes[k]
        # The file's class index c is COCO id c + 1 (label_offset 1 skips the background).
        dets.append((int(classes[k]) + 1, float(scores[k]),
                     [xmin * w, ymin * h, xmax * w, ymax * h]))
    return dets


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--tailor-out", required=True, help="the --out folder of tailor detect")
    ap.add_argument("--min-score", type=float, default=0.4)
    ap.add_argument("--min-iou", type=float, default=0.75)
    ap.add_argument("--max-score-diff", type=float, default=0.1)
    ap.add_argument("images", nargs="+")
    a = ap.parse_args()

    labels = load_labels(a.labels)
    interp = Interpreter(model_path=a.model, num_threads=1)
    interp.allocate_tensors()
    rows, failures = [], 0
    for path in a.images:
        stem = os.path.splitext(os.path.basename(path))[0]
        tailor = json.load(open(os.path.join(a.tailor_out, stem + ".json")))["detections"]
        for cls, score, box in reference_detections(interp, path):
            if score < a.min_score:
                continue
            best, best_iou = None, 0.0
            for t in tailor:
                if t["class_id"] == cls and iou(box, t["box"]) > best_iou:
                    best, best_iou = t, iou(box, t["box"])
            ok = best is not None and best_iou >= a.min_iou and \
                abs(best["score"] - score) <= a.max_score_diff
            failures += not ok
            rows.append((os.path.basename(path), labels.get(cls, str(cls)), score,
                         best["score"] if best else float("nan"), best_iou, ok))
    print("| image | class | reference score | Tailor score | Δscore | IoU | ok |")
    print("|---|---|---|---|---|---|---|")
    for img, name, rs, ts, i, ok in rows:
        print(f"| {img} | {name} | {rs:.3f} | {ts:.3f} | {ts - rs:+.3f} | {i:.3f} | "
              f"{'yes' if ok else 'NO'} |")
    print(f"\n{len(rows) - failures}/{len(rows)} reference detections >= {a.min_score} matched "
          f"(IoU >= {a.min_iou}, |Δscore| <= {a.max_score_diff})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

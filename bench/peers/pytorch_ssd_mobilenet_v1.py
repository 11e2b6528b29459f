#!/usr/bin/env python3
"""Peers of `tailor bench`: SSD-MobileNet-v1 (300x300, float32) built in PyTorch to the TF Object
Detection API's layer shapes, timed the way Tailor times itself, in PyTorch eager
(channels_last) and, exported to ONNX from the same module, in ONNX Runtime and OpenVINO.

  kernels: depthwise 3x3 and pointwise 1x1 convolutions, forward / backward-data /
           backward-filter (aten.convolution_backward with one output masked in), on the
           shapes Tailor sends in --cases (a JSON list), or every distinct shape of the net.
  model:   inference (forward + box decoding + sigmoid + per-class NMS) and a training step
           (forward + matching + sigmoid cross-entropy / smooth L1 with 3:1 hard negatives +
           L2 on conv weights + backward + RMSProp, decay 0.9 momentum 0.9 epsilon 1.0).
           --runtimes pytorch,onnxruntime,openvino: forward (and forward + the same
           post-processing) in each; a runtime that cannot be imported reports an "error"
           without stopping the others.

Prints one JSON object on stdout; {"error": "..."} when torch cannot be imported.
TF pads SAME asymmetrically for stride 2 (0 top, 1 bottom); PyTorch pads 1 on both sides. The
output shapes and the work are the same, which is what a timing comparison needs.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import warnings

# The TorchScript ONNX exporter is the one that handles this plain module quietly and fast.
warnings.filterwarnings("ignore", category=DeprecationWarning)

# OpenMP's default active spin-wait makes torch's 2 threads 10x slower whenever another process
# holds a core (a training run, a build): a waiting thread spins while the one it waits for is
# descheduled. Passive waiting is the peer's better case on a shared machine; set
# OMP_WAIT_POLICY yourself to override. Must be set before torch loads libgomp.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def fail(msg):
    print(json.dumps({"error": msg}))
    sys.exit(0)


try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except Exception as e:  # ImportError, or a broken install
    fail(f"cannot import torch: {e.__class__.__name__}: {e}")

try:
    from torchvision.ops import nms  # only for NMS
except Exception:
    nms = None

BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
          (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
EXTRA = [512, 256, 256, 128]  # layer_depth of the 4 extra feature maps (1x1 has half)
ANCHORS = [3, 6, 6, 6, 6, 6]


def depth_fn(d, mult, min_depth=16):
    return max(int(d * mult), min_depth)


class BatchNorm(nn.BatchNorm2d):
    """BatchNorm2d without F.batch_norm's one-value-per-channel check: at batch 1 the last extra
    layer is 1x1, where TF (and Tailor) normalize anyway (variance 0)."""

    def forward(self, x):
        return torch.batch_norm(x, self.weight, self.bias, self.running_mean, self.running_var,
                                self.training, self.momentum, self.eps, True)


def conv_bn(cin, cout, k, s, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False),
                         BatchNorm(cout, eps=1e-3, momentum=0.0003), nn.ReLU6(inplace=True))


class SsdMobilenetV1(nn.Module):
    def __init__(self, depth=1.0, num_classes=90):
        super().__init__()
        c0 = depth_fn(32, depth)
        self.conv0 = conv_bn(3, c0, 3, 2)
        layers, cin = [], c0
        for cout, s in BLOCKS:
            cout = depth_fn(cout, depth)
            layers.append(nn.Sequential(conv_bn(cin, cin, 3, s, groups=cin), conv_bn(cin, cout, 1, 1)))
            cin = cout
        self.blocks = nn.ModuleList(layers)
        feat = [depth_fn(512, depth), cin]
        extras = []
        for d in EXTRA:
            mid, out = depth_fn(d // 2, depth), depth_fn(d, depth)
            extras.append(nn.Sequential(conv_bn(cin, mid, 1, 1), conv_bn(mid, out, 3, 2)))
            feat.append(out)
            cin = out
        self.extras = nn.ModuleList(extras)
        self.num_classes = num_classes
        self.box = nn.ModuleList(nn.Conv2d(c, a * 4, 1) for c, a in zip(feat, ANCHORS))
        self.cls = nn.ModuleList(nn.Conv2d(c, a * (num_classes + 1), 1) for c, a in zip(feat, ANCHORS))

    def forward(self, x):
        x = self.conv0(x)
        feats = []
        for i, b in enumerate(self.blocks):
            x = b(x)
            if i == 10:  # Conv2d_11_pointwise
                feats.append(x)
        feats.append(x)
        for e in self.extras:
            x = e(x)
            feats.append(x)
        n = x.shape[0]
        # NHWC order of the predictions, as TF (and Tailor) concatenate them.
        boxes = torch.cat([h(f).permute(0, 2, 3, 1).reshape(n, -1, 4) for h, f in zip(self.box, feats)], 1)
        logits = torch.cat([h(f).permute(0, 2, 3, 1).reshape(n, -1, self.num_classes + 1)
                            for h, f in zip(self.cls, feats)], 1)
        return boxes, logits


def grid_anchors(sizes=(19, 10, 5, 3, 2, 1)):
    out = []
    for k, (s, a) in enumerate(zip(sizes, ANCHORS)):
        scale = 0.2 + (0.95 - 0.2) * k / 5
        ys, xs = torch.meshgrid(torch.arange(s), torch.arange(s), indexing="ij")
        cy, cx = (ys.flatten() + 0.5) / s, (xs.flatten() + 0.5) / s
        per_loc = []
        for j in range(a):
            h = w = scale * (1 + 0.1 * j)
            per_loc.append(torch.stack([cy - h / 2, cx - w / 2, cy + h / 2, cx + w / 2], 1))
        out.append(torch.stack(per_loc, 1).reshape(-1, 4))  # location-major, as the predictions
    return torch.cat(out, 0)


def iou(a, b):
    tl = torch.max(a[:, None, :2], b[None, :, :2])
    br = torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (br - tl).clamp(min=0).prod(2)
    area = lambda x: (x[:, 2:] - x[:, :2]).prod(1)
    return inter / (area(a)[:, None] + area(b)[None, :] - inter)


def encode(gt, anchors):
    ah, aw = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    ay, ax = anchors[:, 0] + ah / 2, anchors[:, 1] + aw / 2
    gh, gw = gt[:, 2] - gt[:, 0], gt[:, 3] - gt[:, 1]
    gy, gx = gt[:, 0] + gh / 2, gt[:, 1] + gw / 2
    return torch.stack([10 * (gy - ay) / ah, 10 * (gx - ax) / aw, 5 * torch.log(gh / ah), 5 * torch.log(gw / aw)], 1)


def decode(codes, anchors):
    ah, aw = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    ay, ax = anchors[:, 0] + ah / 2, anchors[:, 1] + aw / 2
    y, x = codes[..., 0] / 10 * ah + ay, codes[..., 1] / 10 * aw + ax
    h, w = torch.exp(codes[..., 2] / 5) * ah, torch.exp(codes[..., 3] / 5) * aw
    return torch.stack([y - h / 2, x - w / 2, y + h / 2, x + w / 2], -1)


def ssd_loss(model, boxes, logits, anchors, gt_boxes, gt_classes):
    n, a, k1 = logits.shape
    dev = logits.device  # the targets are built where the predictions are (CPU or GPU)
    cls_t = torch.zeros(n, a, k1, device=dev)
    reg_t = torch.zeros(n, a, 4, device=dev)
    pos = torch.zeros(n, a, dtype=torch.bool, device=dev)
    for i in range(n):
        m = iou(anchors, gt_boxes[i])
        best, idx = m.max(1)
        idx[m.argmax(0)] = torch.arange(m.shape[1], device=dev)  # force_match_for_each_row
        p = best >= 0.5
        p[m.argmax(0)] = True
        pos[i] = p
        cls_t[i, torch.arange(a, device=dev), torch.where(p, gt_classes[i][idx], 0)] = 1
        reg_t[i] = encode(gt_boxes[i][idx], anchors)
    cls_l = F.binary_cross_entropy_with_logits(logits, cls_t, reduction="none").sum(2)
    loc_l = F.smooth_l1_loss(boxes, reg_t, reduction="none").sum(2) * pos
    neg_l = cls_l.detach().masked_fill(pos, -1)
    num_pos = pos.sum(1)
    keep = torch.zeros_like(pos)
    for i in range(n):
        k = int(min(3 * max(int(num_pos[i]), 1), a))
        keep[i, neg_l[i].topk(k).indices] = True
    keep |= pos
    norm = max(int(num_pos.sum()), 1)
    l2 = sum((p * p).sum() for name, p in model.named_parameters() if p.dim() == 4 and p.shape[1] > 1)
    return ((cls_l * keep).sum() + loc_l.sum()) / norm + 4e-5 * l2 / 2


def post_process(boxes, logits, anchors, num_classes, per_class=100):
    """TF's multiclass NMS: per class, scores above 1e-8, NMS at IoU 0.6 keeping 100, then the
    100 best overall. TF's greedy NMS stops after 100 picks, so it looks at few candidates;
    torchvision's has no such stop, so each class first keeps its 4 x 100 best scores."""
    dec = decode(boxes, anchors).clamp(0, 1)
    scores = torch.sigmoid(logits[..., 1:])
    out = []
    for i in range(boxes.shape[0]):
        top_s, top_a = scores[i].topk(min(4 * per_class, scores.shape[1]), dim=0)  # [k, classes]
        picked_s, picked_b = [], []
        for c in range(num_classes):
            s, a = top_s[:, c], top_a[:, c]
            keep = s > 1e-8
            s, b = s[keep], dec[i][a[keep]]
            if nms is not None:
                k = nms(b, s, 0.6)[:per_class]
            else:  # no torchvision: top scores only (reported in the JSON)
                k = torch.arange(min(per_class, s.numel()), device=s.device)
            picked_s.append(s[k])
            picked_b.append(b[k])
        all_s = torch.cat(picked_s)
        out.append(all_s.topk(min(100, all_s.numel())).indices)
    return out


def median_ms(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(1e3 * (time.perf_counter() - t0))
    return statistics.median(ts)


def sync(device):
    if device == "cuda":
        torch.cuda.synchronize()


def bench_kernels(args):
    cases = json.load(open(args.cases)) if args.cases else []
    out = []
    dev = args.device
    for c in cases:
        n, h, w, ci = c["shape"]["input"]
        co, s = c["shape"]["out_channels"], c["shape"]["stride"]
        dw = c["op"] == "depthwise"
        k = 3 if dw else 1
        groups = ci if dw else 1
        x = torch.randn(n, ci, h, w, device=dev).contiguous(memory_format=torch.channels_last)
        wt = torch.randn(co, ci // groups, k, k, device=dev).contiguous(memory_format=torch.channels_last)
        y = F.conv2d(x, wt, None, s, k // 2, 1, groups)
        dy = torch.randn_like(y).contiguous(memory_format=torch.channels_last)
        p = c["pass"]
        if p == "forward":
            fn = lambda: F.conv2d(x, wt, None, s, k // 2, 1, groups)
        else:
            mask = [p == "backward-data", p == "backward-filter", False]
            fn = lambda: torch.ops.aten.convolution_backward(dy, x, wt, None, [s, s], [k // 2] * 2, [1, 1],
                                                             False, [0, 0], groups, mask)

        def run():
            fn()
            sync(dev)
        if args.quick:
            reps = 3
        else:  # as Tailor: at least ~0.3 s of timed runs, 5 to 30 of them
            t0 = time.perf_counter()
            run()
            reps = max(5, min(30, int(0.3 / max(time.perf_counter() - t0, 1e-4))))
        ms = median_ms(run, 1 if args.quick else 2, reps)
        out.append({"op": c["op"], "pass": p, "shape": c["shape"], "batch": n, "time_ms": ms})
    return out


def bench_model(args):
    dev = args.device
    res = []
    anchors = grid_anchors().to(dev)
    for batch in [int(b) for b in args.batches.split(",")]:
        torch.manual_seed(batch)
        model = SsdMobilenetV1(args.depth, args.num_classes).to(dev).to(memory_format=torch.channels_last)
        assert anchors.shape[0] == 1917
        images = (torch.rand(batch, 3, 300, 300, device=dev) * 2 - 1).contiguous(memory_format=torch.channels_last)
        gt_boxes = [torch.tensor([[0.1, 0.15, 0.7, 0.6], [0.55, 0.5, 0.8, 0.9]], device=dev) for _ in range(batch)]
        gt_classes = [torch.tensor([1 + (2 * i) % args.num_classes, 1 + (2 * i + 1) % args.num_classes], device=dev)
                      for i in range(batch)]
        opt = torch.optim.RMSprop(model.parameters(), lr=1e-4, alpha=0.9, eps=1.0, momentum=0.9)
        model.train()
        if args.freeze_batchnorm:
            # Batch norm normalizes with its running statistics (its affine terms still train),
            # as the TF OD API's freeze_batchnorm and Tailor's --freeze-batchnorm do.
            for m in model.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.eval()

        def train_step():
            opt.zero_grad(set_to_none=True)
            boxes, logits = model(images)
            loss = ssd_loss(model, boxes, logits, anchors, gt_boxes, gt_classes)
            loss.backward()
            opt.step()
            sync(dev)
        train_ms = median_ms(train_step, 1, args.train_iters)
        model.eval()

        def infer():
            with torch.no_grad():
                boxes, logits = model(images)
                post_process(boxes, logits, anchors, args.num_classes)
            sync(dev)
        infer_ms = median_ms(infer, 1, args.infer_iters)

        def forward_only():
            with torch.no_grad():
                model(images)
            sync(dev)
        forward_ms = median_ms(forward_only, 1, args.infer_iters)
        res.append({"batch": batch, "train_step_ms": train_ms, "infer_ms": infer_ms,
                    "infer_forward_ms": forward_ms,
                    "infer_images_per_s": 1e3 * batch / infer_ms, "train_images_per_s": 1e3 * batch / train_ms})
    params = sum(p.numel() for p in SsdMobilenetV1(args.depth, args.num_classes).parameters())
    return res, params


def export_onnx(model, batch, dev, folder):
    path = os.path.join(folder, f"ssd_b{batch}.onnx")
    x = torch.rand(batch, 3, 300, 300) * 2 - 1
    cpu_model = model.to("cpu").eval()
    with torch.no_grad():
        torch.onnx.export(cpu_model, (x,), path, input_names=["images"],
                          output_names=["box_encodings", "class_predictions"], opset_version=17,
                          dynamo=False)
    model.to(dev)
    return path


def time_runtime(name, path, batch, args, anchors):
    """Forward and forward + post-processing in ONNX Runtime or OpenVINO, on CPU."""
    import numpy as np
    x = (np.random.rand(batch, 3, 300, 300).astype(np.float32) * 2 - 1)
    threads = args.threads if args.threads > 0 else os.cpu_count()
    if name == "onnxruntime":
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        run = lambda: sess.run(None, {"images": x})
        version = f"onnxruntime {ort.__version__}, {threads} threads, ORT_ENABLE_ALL"
    else:
        import openvino as ov
        core = ov.Core()
        compiled = core.compile_model(path, "CPU", {"INFERENCE_NUM_THREADS": threads,
                                                    "PERFORMANCE_HINT": "LATENCY",
                                                    "INFERENCE_PRECISION_HINT": "f32"})
        req = compiled.create_infer_request()

        def run():
            req.infer({0: x})
            return [req.get_output_tensor(i).data for i in range(2)]
        version = f"openvino {ov.__version__}, {threads} threads, LATENCY, f32"

    def with_post():
        boxes, logits = run()
        with torch.no_grad():
            post_process(torch.from_numpy(np.asarray(boxes)), torch.from_numpy(np.asarray(logits)),
                         anchors, args.num_classes)
    forward_ms = median_ms(run, 2, args.infer_iters)
    infer_ms = median_ms(with_post, 1, args.infer_iters)
    return {"batch": batch, "infer_forward_ms": forward_ms, "infer_ms": infer_ms,
            "infer_images_per_s": 1e3 * batch / infer_ms}, version


def bench_runtimes(args, runtimes):
    out = {}
    anchors = grid_anchors()
    for name in runtimes:
        try:
            if name == "onnxruntime":
                import onnxruntime  # noqa: F401
            else:
                import openvino  # noqa: F401
        except Exception as e:
            out[name] = {"error": f"cannot import {name}: {e.__class__.__name__}: {e}"}
            continue
        rows, version = [], ""
        for batch in [int(b) for b in args.batches.split(",")]:
            torch.manual_seed(batch)
            model = SsdMobilenetV1(args.depth, args.num_classes)
            # The exported model lives only as long as its timing: a bench leaves no files.
            with tempfile.TemporaryDirectory(prefix="tailor_peer_") as folder:
                path = export_onnx(model, batch, "cpu", folder)
                row, version = time_runtime(name, path, batch, args, anchors)
            rows.append(row)
        out[name] = {"peer": version, "model": rows}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["kernels", "model"])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--cases", default="")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--depth", type=float, default=1.0)
    ap.add_argument("--num-classes", type=int, default=90)
    ap.add_argument("--batches", default="1,10")
    ap.add_argument("--train-iters", type=int, default=3)
    ap.add_argument("--infer-iters", type=int, default=5)
    ap.add_argument("--runtimes", default="pytorch")
    ap.add_argument("--freeze-batchnorm", action="store_true")
    args = ap.parse_args()
    runtimes = [r for r in args.runtimes.split(",") if r]
    if args.device == "cuda" and not torch.cuda.is_available():
        fail("torch has no CUDA device")
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    info = {"peer": f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}, "
                    f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}"
                    + ("" if nms else ", no torchvision: NMS replaced by a score sort")}
    if args.mode == "kernels":
        info["kernels"] = bench_kernels(args)
    else:
        if "pytorch" in runtimes:
            info["model"], info["params"] = bench_model(args)
        others = [r for r in runtimes if r != "pytorch"]
        if others:
            info["runtimes"] = bench_runtimes(args, others)
    print(json.dumps(info))


if __name__ == "__main__":
    main()

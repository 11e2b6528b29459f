#!/usr/bin/env python3
"""Seeds every fuzz corpus from the real files in ../shared (small ones only).

usage: make_seeds.py SHARED_DIR SOURCE_DIR CORPUS_DIR

Formats the shared data does not hold (CSV, COCO, Dataturks JSON, PNG, safetensors, single
tf.Example payloads) are derived here from the real VOC annotations, TFRecord and JPEGs, so
every seed carries real field values.
"""
import glob
import json
import os
import shutil
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

shared, source, corpus = sys.argv[1:4]


def out(target, name, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(d, name), mode) as f:
        f.write(data)


def copy(target, paths, max_bytes):
    for p in paths:
        if os.path.isfile(p) and os.path.getsize(p) <= max_bytes:
            d = os.path.join(corpus, target)
            os.makedirs(d, exist_ok=True)
            shutil.copyfile(p, os.path.join(d, os.path.basename(p)))


def first(pattern, n):
    return sorted(glob.glob(os.path.join(shared, pattern)))[:n]


# VOC XML: three sources with different writers (ccp, Dataturks export, myntra).
voc = (first("data/ccp/annotations/*.xml", 12) + first("data/dataturks_val/annotations/*.xml", 6)
       + first("data/myntra/annotations/*.xml", 6)
       + first("data/seed_tfrecord_fixture/annotations/*.xml", 3))
copy("voc", voc, 16 << 10)

# The same annotations as CSV, COCO and Dataturks lines.
anns = []
for p in voc[:8]:
    root = ET.parse(p).getroot()
    size = root.find("size")
    w, h = int(float(size.findtext("width"))), int(float(size.findtext("height")))
    boxes = []
    for o in root.findall("object"):
        bb = o.find("bndbox")
        boxes.append((o.findtext("name"), *[float(bb.findtext(k)) for k in ("xmin", "ymin", "xmax", "ymax")]))
    anns.append((os.path.basename(p)[:-4] + ".jpg", w, h, boxes))
for i, (fn, w, h, boxes) in enumerate(anns):
    rows = ["filename,width,height,class,xmin,ymin,xmax,ymax"]
    rows += ["%s,%d,%d,%s,%g,%g,%g,%g" % (fn, w, h, *b) for b in boxes]
    out("csv", "seed%d.csv" % i, "\n".join(rows) + "\n")
    coco = {"images": [{"id": i + 1, "file_name": fn, "width": w, "height": h}],
            "annotations": [{"id": k + 1, "image_id": i + 1, "category_id": 1 + k % 9,
                             "bbox": [b[1], b[2], b[3] - b[1], b[4] - b[2]],
                             "area": (b[3] - b[1]) * (b[4] - b[2]), "iscrowd": 0}
                            for k, b in enumerate(boxes)],
            "categories": [{"id": 1 + k, "name": n} for k, n in enumerate(
                ["Jackets", "Jeans", "Shirts", "Shoes", "Skirts", "Sunglasses", "Tops", "Trousers", "Tshirts"])]}
    out("coco", "seed%d.json" % i, json.dumps(coco))
    line = {"content": "http://example.com/" + fn,
            "annotation": [{"label": [b[0]], "points": [{"x": b[1] / w, "y": b[2] / h}, {"x": b[3] / w, "y": b[4] / h}],
                            "imageWidth": w, "imageHeight": h} for b in boxes]}
    pixel = dict(line, annotation=[{"label": b[0], "points": [{"x": b[1], "y": b[2]}, {"x": b[3], "y": b[4]}],
                                    "imageWidth": w, "imageHeight": h} for b in boxes])
    out("dataturks", "seed%d.json" % i, json.dumps(line) + "\n" + json.dumps(pixel) + "\n"
        + json.dumps({"content": fn, "annotation": None}) + "\n")

# TFRecord: the real three-record file, and each payload alone as a tf.Example seed.
record = os.path.join(shared, "data/seed_tfrecord_fixture/three.record")
copy("tfrecord", [record], 1 << 20)
with open(record, "rb") as f:
    buf = f.read()
pos = k = 0
while pos + 12 <= len(buf):
    (n,) = struct.unpack_from("<Q", buf, pos)
    out("tf_example", "record%d.pb" % k, buf[pos + 12:pos + 12 + n])
    pos += 16 + n
    k += 1

# Label maps: pbtxt and line forms.
copy("label_map", [os.path.join(shared, "data/label_map.pbtxt"),
                   os.path.join(shared, "weights/ssd_mobilenet_v1_0.75_quant_coco/labelmap.txt"),
                   os.path.join(shared, "weights/ssd_mobilenet_v1_0.75_quant_coco/mscoco_label_map.pbtxt")], 64 << 10)

# Pipeline configs: the repository's own.
copy("pipeline_config", sorted(glob.glob(os.path.join(source, "configs/*.yaml"))), 64 << 10)

# Tensor-bundle indexes of the three real checkpoints.
copy("tf_checkpoint_index", sorted(glob.glob(os.path.join(shared, "fixtures/tf_checkpoints/*/*.index"))), 64 << 10)

# The real quantized SSD .tflite.
copy("tflite", [os.path.join(shared, "weights/ssd_mobilenet_v1_0.75_quant_coco/detect.tflite")], 8 << 20)

# JPEG: the smallest real photos.
jpgs = sorted(glob.glob(os.path.join(shared, "data/*/images/*.jpg")), key=os.path.getsize)[:8]
copy("jpeg", jpgs + first("data/seed_tfrecord_fixture/images/*.jpg", 3), 32 << 10)


# PNG: small images of every color type libpng expands (gray, RGB, palette, gray+alpha, RGBA,
# 16-bit), pixel values from a real JPEG's bytes.
def png(w, h, color_type, depth, pixels_per_row, plte=None):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    raw = b"".join(b"\0" + pixels_per_row(y) for y in range(h))
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 0))
    if plte:
        data += chunk(b"PLTE", plte)
    return data + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


with open(jpgs[0], "rb") as f:
    noise = f.read()[200:]
for name, ct, depth, ch in [("gray", 0, 8, 1), ("rgb", 2, 8, 3), ("palette", 3, 8, 1),
                            ("gray_alpha", 4, 8, 2), ("rgba", 6, 8, 4), ("rgb16", 2, 16, 6)]:
    w, h = 7, 5
    row = lambda y: bytes((noise[(y * w * ch + i) % len(noise)] % 16 if ct == 3 else noise[(y * w * ch + i) % len(noise)])
                          for i in range(w * ch))
    out("png", name + ".png", png(w, h, ct, depth, row, bytes(range(48)) if ct == 3 else None))


# safetensors: float32, int32, int64 and uint8 tensors with metadata, as Tailor writes them.
def safetensors(tensors, meta):
    header, blob = {"__metadata__": meta}, b""
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(data)]}
        blob += data
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + blob


out("safetensors", "mixed.safetensors", safetensors(
    [("BoxPredictor_0/weights", "F32", [1, 1, 2, 3], struct.pack("<6f", *[0.5 * i for i in range(6)])),
     ("global_step", "I64", [], struct.pack("<q", 1234)),
     ("ids", "I32", [3], struct.pack("<3i", 1, -2, 3)),
     ("mask", "U8", [2, 2], bytes([0, 1, 2, 255]))],
    {"tailor.format": "tailor-checkpoint-1", "tailor.global_step": "1234"}))
out("safetensors", "empty.safetensors", safetensors([], {}))

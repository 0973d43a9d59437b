#!/usr/bin/env python3
"""batch_peer.py — batch scaling peers of tools/bench/bench_batch.c (issue 16, lever 8): a whole
forward pass (input in, output read back as numpy) at each batch size, one JSON line per batch.

  --engine tf   TensorFlow / Keras (/work/venv-tf): VGG16 = keras.applications.VGG16(weights=None)
                (seeded, timing only), MobileNetV2 = the bundled Keras file
                (models/mobilenet_v2.h5), or where Keras 3 refuses it (its Keras 2
                DepthwiseConv2D config) keras.applications.MobileNetV2(weights=None), the same
                architecture; a tf.function in graph mode, NHWC.
  --engine ort  ONNX Runtime CPU (/work/venv-torch): the ONNX file given (--onnx), NCHW.
  --export-vgg16 PATH  (torch venv) writes torchvision's VGG16 (weights=None, seed 0) as ONNX
                with a dynamic batch: the file ORT and clvis both run.
Threads: intra-op = --threads, inter-op = 1. Input: uniform [-1, 1), seed 0 (timing only).
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np


def timed(fn, x, runs):
    fn(x)  # warm-up: graph build / session planning for this batch
    t = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn(x)
        t.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(t), min(t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engine", choices=("tf", "ort"))
    ap.add_argument("--model", choices=("vgg16", "mobilenet_v2"), default="vgg16")
    ap.add_argument("--onnx", help="ONNX file (ort)")
    ap.add_argument("--h5", default="models/mobilenet_v2.h5", help="Keras file (tf, mobilenet_v2)")
    ap.add_argument("--batches", default="1,8,32")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--export-vgg16", metavar="PATH")
    a = ap.parse_args()
    if a.export_vgg16:
        import torch
        import torchvision
        torch.manual_seed(0)
        m = torchvision.models.vgg16(weights=None).eval()
        torch.onnx.export(m, torch.zeros(1, 3, 224, 224), a.export_vgg16, opset_version=13,
                          input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                          dynamo=False)
        return 0
    batches = [int(b) for b in a.batches.split(",")]
    rs = np.random.RandomState(0)
    if a.engine == "tf":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(a.threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        import keras
        if a.model == "vgg16":
            keras.utils.set_random_seed(1)
            model = keras.applications.VGG16(weights=None)
        else:
            try:
                model = keras.models.load_model(a.h5, compile=False)
                how = "the bundled Keras file"
            except Exception:  # Keras 3 refuses the Keras 2 file's DepthwiseConv2D(groups=1)
                keras.utils.set_random_seed(1)
                model = keras.applications.MobileNetV2(weights=None)
                how = "keras.applications.MobileNetV2(weights=None): the same architecture"
        f = tf.function(lambda x: model(x, training=False))
        fn = lambda x: f(x).numpy()  # noqa: E731
        shape = (224, 224, 3)
        version = f"tensorflow {tf.__version__}, keras {keras.__version__}"
        if a.model == "mobilenet_v2":
            version += "; " + how
    else:
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = a.threads
        so.inter_op_num_threads = 1
        sess = ort.InferenceSession(a.onnx, so, providers=["CPUExecutionProvider"])
        inp = sess.get_inputs()[0]
        fn = lambda x: sess.run(None, {inp.name: x})[0]  # noqa: E731
        shape = tuple(int(d) for d in inp.shape[1:])
        version = f"onnxruntime {ort.__version__}"
    for n in batches:
        x = (rs.random_sample((n,) + shape) * 2 - 1).astype(np.float32)
        ms, mn = timed(fn, x, a.runs)
        print(json.dumps({"engine": a.engine, "model": a.model, "batch": n, "runs": a.runs,
                          "ms": ms, "ms_min": mn, "images_per_s": n * 1000.0 / ms,
                          "version": version, "threads": a.threads}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

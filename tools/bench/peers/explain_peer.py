#!/usr/bin/env python3
"""The explanation peers of `clvis bench`'s scorecam, smoothgrad and ig workloads (issue 14):
pytorch-grad-cam's ScoreCAM and Captum's NoiseTunnel(Saliency) / IntegratedGradients on
torchvision's MobileNetV2, printed as one JSON object.

  explain_peer.py --export FILE.onnx          torchvision.models.mobilenet_v2(weights=None)
                                              after torch.manual_seed(0), eval, as ONNX (opset
                                              13, batch dynamic): the SAME model and weights for
                                              clvis (no download; weights do not change speed)
  explain_peer.py [--workload LIST] [--runs N] [--threads N] [--batch N] [--samples N]
                  [--ig-steps N] [--layer features.14.conv.1]

Workloads: scorecam (ScoreCAM(model, [layer]) with cam.batch_size = --batch, every channel of
the layer, the top-1 class), smoothgrad (NoiseTunnel(Saliency(model)).attribute(nt_type=
"smoothgrad", nt_samples=--samples, nt_samples_batch_size=--batch, stdevs = 0.15 * (max - min),
abs=False), ig (IntegratedGradients(model).attribute(baselines=0, n_steps=--ig-steps,
method="gausslegendre", internal_batch_size=--batch)). One input [1, 3, 224, 224], uniform
[-1, 1), seeded. Each time is the median of --runs runs after one warm-up; float32, CPU.
"""
import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("TQDM_DISABLE", "1")

import torch  # noqa: E402
import torchvision  # noqa: E402


def build():
    torch.manual_seed(0)
    return torchvision.models.mobilenet_v2(weights=None).eval()


def module(model, path):
    m = model
    for part in path.split("."):
        m = m[int(part)] if part.isdigit() else getattr(m, part)
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--export")
    ap.add_argument("--workload", default="scorecam,smoothgrad,ig")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--samples", type=int, default=32)
    ap.add_argument("--ig-steps", type=int, default=32)
    ap.add_argument("--layer", default="features.14.conv.1")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model = build()
    if a.export:
        x = torch.rand(1, 3, 224, 224)
        torch.onnx.export(model, x, a.export, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                          opset_version=13, dynamo=False)
        print(json.dumps({"exported": a.export}))
        return
    from captum.attr import IntegratedGradients, NoiseTunnel, Saliency
    from pytorch_grad_cam import ScoreCAM

    g = torch.Generator().manual_seed(11)
    x = torch.rand(1, 3, 224, 224, generator=g) * 2 - 1
    with torch.no_grad():
        cls = int(model(x).argmax(1))
    layer = module(model, a.layer)

    def scorecam():
        cam = ScoreCAM(model, [layer])
        cam.batch_size = a.batch
        return cam(input_tensor=x, targets=None)

    def smoothgrad():
        std = 0.15 * float(x.max() - x.min())
        return NoiseTunnel(Saliency(model)).attribute(
            x, nt_type="smoothgrad", nt_samples=a.samples, nt_samples_batch_size=a.batch,
            stdevs=std, target=cls, abs=False)

    def ig():
        return IntegratedGradients(model).attribute(
            x, baselines=torch.zeros_like(x), target=cls, n_steps=a.ig_steps,
            method="gausslegendre", internal_batch_size=a.batch)

    fns = {"scorecam": scorecam, "smoothgrad": smoothgrad, "ig": ig}
    out = {"engine": "torch", "torch": torch.__version__, "torchvision": torchvision.__version__,
           "grad_cam": __import__("importlib.metadata").metadata.version("grad-cam"),
           "captum": __import__("captum").__version__, "threads": torch.get_num_threads(),
           "batch": a.batch, "samples": a.samples, "ig_steps": a.ig_steps, "layer": a.layer,
           "channels": int(getattr(layer, "num_features", 0) or getattr(layer, "out_channels", 0)
                           or layer[0].out_channels),
           "workloads": {}}
    for w in a.workload.split(","):
        f = fns[w]
        t0 = time.perf_counter()
        f()
        warm = (time.perf_counter() - t0) * 1e3
        ts = []
        for _ in range(a.runs):
            t0 = time.perf_counter()
            f()
            ts.append((time.perf_counter() - t0) * 1e3)
        out["workloads"][w] = {"ms": statistics.median(ts), "ms_min": min(ts),
                               "warmup_ms": warm, "runs": a.runs}
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""lucent_peer.py — Lucent (torch-lucent 0.1.8) drawing a Lucid-style filter grid, timed: the
peer of `clvis filters --style lucid` in tools/bench/lucent_speed.sh.

    lucent_peer.py --size 128 --filters 64 --steps N [--threads 2] [--truncate]

torchvision's MobileNetV2 architecture (weights=None: random weights, which cost the same
time as trained ones; nothing is downloaded), layer features.2.conv.0.0 (the expand
convolution of the second inverted residual block, Keras's block_1_expand), units
0..filters-1 one per batch item, lucent.optvis.param.image(size, batch=filters) (fft +
decorrelate), Lucent's standard transforms, ImageNet normalisation, Adam lr 0.05,
render_vis(..., fixed_image_size=size). --truncate runs Lucent on model.features[:3], the
part of the network the layer needs (Lucent as it is runs the whole model each step; clvis
stops at the layer). Prints one JSON line: wall ms of render_vis, steps, threads.

Lucent 0.1.8 wants kornia <= 0.4.1; newer kornia keeps get_rotation_matrix2d and warp_affine
in kornia.geometry.transform, aliased back here (the same functions).
"""
import argparse
import json
import time
import warnings

import numpy as np
import torch

warnings.filterwarnings("ignore")

import kornia  # noqa: E402
import kornia.geometry.transform as _kgt  # noqa: E402

for _name in ("get_rotation_matrix2d", "warp_affine"):
    if not hasattr(kornia, _name):
        setattr(kornia, _name, getattr(_kgt, _name))

import torchvision  # noqa: E402
from lucent.optvis import objectives, param, render  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--filters", type=int, default=64)
    ap.add_argument("--steps", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--truncate", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    np.random.seed(0)
    model = torchvision.models.mobilenet_v2(weights=None).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    net, layer = model, "features_2_conv_0_0"
    if a.truncate:
        net, layer = model.features[:3], "2_conv_0_0"
    obj = objectives.Objective.sum(
        [objectives.channel(layer, u, batch=u) for u in range(a.filters)])

    def param_f():
        return param.image(a.size, batch=a.filters)

    t0 = time.perf_counter()
    render.render_vis(net, obj, param_f, thresholds=(a.steps,), progress=False,
                      show_image=False, fixed_image_size=a.size)
    ms = (time.perf_counter() - t0) * 1e3
    print(json.dumps({"engine": "lucent" + ("-truncated" if a.truncate else ""),
                      "size": a.size, "filters": a.filters, "steps": a.steps,
                      "threads": a.threads, "ms": ms, "torch": torch.__version__}))


if __name__ == "__main__":
    main()

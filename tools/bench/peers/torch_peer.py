#!/usr/bin/env python3
"""PyTorch CPU peer of `clvis bench`: the same workloads, printed as one JSON object.

  torch_peer.py [--workload LIST] [--runs N] [--steps N] [--threads N] [--filter-runs N]
                [--device cpu|cuda]     (cuda: PyTorch-CUDA on the same card as clvis's GPU run)

Workloads (names as in `clvis bench`): vgg16_b1, vgg16_b8, gradcam,
filters_block{1,2,3,4}_conv1 (64 filters in one batch of 64x64 images, --steps steps),
filters_seq_block{1,2,3,4}_conv1 (the book's method: one filter, batch 1; the JSON gives
the measured ms for ONE filter and ms_x64, that time x 64 = the grid one filter at a time),
small_convnet (forward, every layer's output kept and converted to numpy).
Each time is the median of --runs runs after one warm-up (filter grids: a 1-step warm-up,
then --filter-runs runs). Random He-uniform weights, random inputs; float32, NCHW.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

VGG_CFG = [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]
DEV = torch.device("cpu")


def sync():
    if DEV.type == "cuda":
        torch.cuda.synchronize()


class VGG16(nn.Module):
    def __init__(self):
        super().__init__()
        layers, names, c = [], [], 3
        for b, (n, oc) in enumerate(VGG_CFG):
            for k in range(n):
                layers += [nn.Conv2d(c, oc, 3, padding=1), nn.ReLU(inplace=False)]
                names += [f"block{b + 1}_conv{k + 1}", f"block{b + 1}_conv{k + 1}_relu"]
                c = oc
            layers.append(nn.MaxPool2d(2, 2))
            names.append(f"block{b + 1}_pool")
        self.features = nn.Sequential(*layers)
        self.names = names
        self.fc1 = nn.Linear(512 * 7 * 7, 4096)
        self.fc2 = nn.Linear(4096, 4096)
        self.pred = nn.Linear(4096, 1000)

    def index(self, name):  # output of the conv *with* its ReLU, as Keras's Conv2D(activation=relu)
        return self.names.index(name + "_relu")

    def head(self, x):
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return F.softmax(self.pred(x), dim=1)

    def forward(self, x):
        return self.head(self.features(x))


class SmallConvnet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList()
        c = 3
        for oc in (32, 64, 128, 128):
            self.layers.append(nn.Sequential(nn.Conv2d(c, oc, 3), nn.ReLU()))
            self.layers.append(nn.MaxPool2d(2, 2))
            c = oc
        self.fc1 = nn.Linear(128 * 7 * 7, 512)
        self.fc2 = nn.Linear(512, 1)

    def forward(self, x):
        outs = []
        for m in self.layers:
            x = m(x)
            outs.append(x)
        x = torch.flatten(x, 1)
        outs.append(x)
        x = F.relu(self.fc1(x))
        outs.append(x)
        x = torch.sigmoid(self.fc2(x))
        outs.append(x)
        return outs


def init_he(model, last):
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            fan_in = m.weight[0].numel()
            a = (6.0 / fan_in) ** 0.5 * (0.01 if m is last else 1.0)
            with torch.no_grad():
                m.weight.uniform_(-a, a, generator=g)
                m.bias.zero_()
    for p in model.parameters():
        p.requires_grad_(False)  # input gradients only, as clvis computes
    model.eval()


def timed(fn, runs, warm=None):
    (warm or fn)()
    sync()
    t = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        sync()
        t.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(t), min(t)


def gradcam(vgg, x):
    L = vgg.index("block5_conv3")
    a = vgg.features[: L + 1](x)
    a.requires_grad_(True)
    y = vgg.head(vgg.features[L + 1:](a))
    cls = int(y[0].argmax())
    (g,) = torch.autograd.grad(y[0, cls], a)
    alpha = g.mean(dim=(0, 2, 3))
    cam = (alpha[:, None, None] * a[0].detach()).mean(0)
    cam = torch.relu(cam)
    return (cam / cam.max().clamp_min(1e-12)).cpu().numpy()


def filter_ascent(sub, nf, steps, seed=0):
    rs = np.random.RandomState(seed)
    x = torch.from_numpy((rs.random_sample((nf, 3, 64, 64)) * 20 + 128).astype(np.float32)).to(DEV)
    idx = torch.arange(nf, device=DEV)
    for _ in range(steps):
        x.requires_grad_(True)
        out = sub(x)
        loss = out[idx, idx].mean(dim=(1, 2)).sum()
        (g,) = torch.autograd.grad(loss, x)
        norm = g.pow(2).mean(dim=(1, 2, 3), keepdim=True).sqrt() + 1e-5
        x = (x.detach() + g / norm)
    return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workload", default="vgg16_b1,vgg16_b8,gradcam,filters,small_convnet")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--filter-runs", type=int, default=1)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    global DEV
    DEV = torch.device(a.device)
    torch.set_num_threads(a.threads)
    sel = [s for s in a.workload.split(",") if s]

    def want(name):
        return any(name == s or name.startswith(s + "_") for s in sel)

    res = {"engine": "pytorch", "device": str(DEV), "version": torch.__version__, "threads": torch.get_num_threads(),
           "mkldnn": torch.backends.mkldnn.is_available(), "filter_steps": a.steps,
           "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", ""), "workloads": {}}
    W = res["workloads"]
    vgg = None
    rng = np.random.RandomState(7)
    x8 = torch.from_numpy(rng.uniform(-110, 110, (8, 3, 224, 224)).astype(np.float32)).to(DEV)

    def get_vgg():
        nonlocal vgg
        if vgg is None:
            vgg = VGG16()
            init_he(vgg, vgg.pred)
            vgg = vgg.to(DEV)
        return vgg

    with torch.no_grad():
        for b, name in ((1, "vgg16_b1"), (8, "vgg16_b8")):
            if want(name):
                m, xb = get_vgg(), x8[:b].contiguous()
                ms, mn = timed(lambda: m(xb).cpu().numpy(), a.runs)
                W[name] = {"ms": ms, "ms_min": mn, "runs": a.runs}
    if want("gradcam"):
        m, x1 = get_vgg(), x8[:1].contiguous()
        ms, mn = timed(lambda: gradcam(m, x1), a.runs)
        W["gradcam"] = {"ms": ms, "ms_min": mn, "runs": a.runs}
    for layer in ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1"):
        for seq in (False, True):
            name = ("filters_seq_" if seq else "filters_") + layer
            if not want(name):
                continue
            m = get_vgg()
            sub = m.features[: m.index(layer) + 1]
            nf = 1 if seq else 64
            runs = a.runs if seq else a.filter_runs
            ms, mn = timed(lambda: filter_ascent(sub, nf, a.steps), runs,
                           warm=lambda: filter_ascent(sub, nf, 1))
            W[name] = {"ms": ms, "ms_min": mn, "runs": runs, "filters": nf, "steps": a.steps}
            if seq:
                W[name]["ms_x64"] = ms * 64
    if want("small_convnet"):
        sm = SmallConvnet()
        init_he(sm, sm.fc2)
        sm = sm.to(DEV)
        x = torch.from_numpy(rng.uniform(0, 1, (1, 3, 150, 150)).astype(np.float32)).to(DEV)
        with torch.no_grad():
            ms, mn = timed(lambda: [o.cpu().numpy() for o in sm(x)], a.runs)
        W["small_convnet"] = {"ms": ms, "ms_min": mn, "runs": a.runs}
    print(json.dumps(res))


if __name__ == "__main__":
    sys.exit(main())

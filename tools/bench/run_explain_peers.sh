#!/bin/sh
# run_explain_peers.sh — clvis's batched explanations against pytorch-grad-cam and Captum on the
# same model (issue 14): Score-CAM, SmoothGrad, integrated gradients on torchvision's
# MobileNetV2 (seeded weights; clvis runs its ONNX export), engines alternating per round so
# background load hits both, then a ratio table.
#
#   tools/bench/run_explain_peers.sh            (from the repository root)
#
# Environment (defaults in brackets):
#   CLVIS [build/clvis]   TORCH_PY [/work/venv-torch/bin/python: torch, torchvision, grad-cam,
#   captum, onnx; tools/fixtures/setup_torch_venv.sh]   ROUNDS [3]   RUNS [1] (timed runs per
#   workload and round after one warm-up, median)   THREADS [2]   BATCH [32] (masks / samples /
#   steps per batch, both engines)   SAMPLES [32]   STEPS [32] (IG)
#   LAYER_TORCH [features.14.conv.1]   LAYER_ONNX [/features/features.14/conv/conv.1/conv.1.2/Clip]
#   (the 7x7, 576-channel depthwise ReLU6 of block 14: 576 Score-CAM masks)
#   OUT [$TMPDIR/clvis-bench-explain]  (the ONNX export is kept there: 14 MB)
set -u
CLVIS=${CLVIS:-build/clvis}
TORCH_PY=${TORCH_PY:-/work/venv-torch/bin/python}
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-1}
THREADS=${THREADS:-2}
BATCH=${BATCH:-32}
SAMPLES=${SAMPLES:-32}
STEPS=${STEPS:-32}
LAYER_TORCH=${LAYER_TORCH:-features.14.conv.1}
LAYER_ONNX=${LAYER_ONNX:-/features/features.14/conv/conv.1/conv.1.2/Clip}
OUT=${OUT:-${TMPDIR:-/tmp}/clvis-bench-explain}
HERE=$(dirname "$0")
mkdir -p "$OUT"
rm -f "$OUT"/*.json
ONNX="$OUT/mobilenet_v2_torchvision.onnx"
[ -f "$ONNX" ] || "$TORCH_PY" "$HERE/peers/explain_peer.py" --export "$ONNX" >/dev/null 2>&1 ||
    { echo "cannot export torchvision's MobileNetV2 with $TORCH_PY" >&2; exit 1; }
cut -d' ' -f1-3 /proc/loadavg | sed 's/^/load average at the start: /' | tee "$OUT/load.txt" >&2
for r in $(seq 1 "$ROUNDS"); do
    echo "round $r: clvis" >&2
    "$CLVIS" bench --quiet --json --workload scorecam,smoothgrad,ig \
        --explain-model "$ONNX" --layer "$LAYER_ONNX" --batch "$BATCH" --samples "$SAMPLES" \
        --ig-steps "$STEPS" --filter-runs "$RUNS" --runs "$RUNS" >"$OUT/clvis_$r.json" ||
        echo "clvis failed" >&2
    echo "round $r: torch" >&2
    "$TORCH_PY" "$HERE/peers/explain_peer.py" --runs "$RUNS" --threads "$THREADS" \
        --batch "$BATCH" --samples "$SAMPLES" --ig-steps "$STEPS" --layer "$LAYER_TORCH" \
        2>/dev/null >"$OUT/torch_$r.json" || echo "torch failed" >&2
    cut -d' ' -f1-3 /proc/loadavg | sed "s/^/load average after round $r: /" | tee -a "$OUT/load.txt" >&2
done

python3 - "$OUT" <<'PY'
import glob, json, os, statistics, sys
out = sys.argv[1]
cl, pt, meta = {}, {}, {}
for f in sorted(glob.glob(os.path.join(out, "clvis_*.json"))):
    try:
        o = json.load(open(f))
    except Exception:
        continue
    meta["clvis"] = o["device"]
    for r in o["workloads"]:
        cl.setdefault(r["name"], []).append(r["ms"])
        meta[r["name"]] = r["detail"]
for f in sorted(glob.glob(os.path.join(out, "torch_*.json"))):
    try:
        o = json.load(open(f))
    except Exception:
        continue
    meta["torch"] = {k: v for k, v in o.items() if k != "workloads"}
    for k, r in o["workloads"].items():
        pt.setdefault(k, []).append(r["ms"])
med = lambda xs: statistics.median(xs) if xs else float("nan")
print("clvis device:", meta.get("clvis"))
print("peer:", json.dumps(meta.get("torch")))
print(open(os.path.join(out, "load.txt")).read().strip())
print()
print("| workload | what (clvis) | clvis ms | peer ms | clvis/peer |")
print("|---|---|---:|---:|---:|")
peer = {"scorecam": "pytorch-grad-cam ScoreCAM", "smoothgrad": "Captum NoiseTunnel(Saliency)",
        "ig": "Captum IntegratedGradients"}
for w in ["scorecam", "smoothgrad", "ig"]:
    c, p = med(cl.get(w, [])), med(pt.get(w, []))
    print(f"| {w} ({peer[w]}) | {meta.get(w, '')} | {c:.0f} | {p:.0f} | {c / p:.2f} |")
print()
print("rounds (ms):")
for w in ["scorecam", "smoothgrad", "ig"]:
    print(f"  {w}: clvis {[round(x) for x in cl.get(w, [])]} peer {[round(x) for x in pt.get(w, [])]}")
PY

#!/bin/sh
# batch_scaling.sh — images per second at batch 1, 8, 32 (issue 16, lever 8): clvis, TensorFlow
# and ONNX Runtime on VGG16 and MobileNetV2, one whole forward each (input in, output read
# back), engines alternating per model and round so background load hits all of them.
#
#   tools/bench/batch_scaling.sh            (from the repository root, after the build)
#
# Models: VGG16 = torchvision's architecture with seeded random weights (weights=None), exported
# once to ONNX (OUT/vgg16_tv.onnx, 553 MB, not kept in the repository): clvis and ORT run that
# file, TensorFlow keras.applications.VGG16(weights=None) (the same architecture; timing only).
# MobileNetV2 = the bundled model: clvis and TensorFlow run models/mobilenet_v2.h5, ORT
# models/mobilenet_v2.onnx (its conversion by tools/keras_to_onnx.py).
# Environment [defaults]: BENCH [build/tools/bench/bench_batch] TF_PY [/work/venv-tf/bin/python]
#   ORT_PY [/work/venv-torch/bin/python] ROUNDS [2] RUNS [3] BATCHES [1,8,32] THREADS [2]
#   MODELS [vgg16 mobilenet_v2] OUT [$TMPDIR/clvis-batch]
set -u
BENCH=${BENCH:-build/tools/bench/bench_batch}
TF_PY=${TF_PY:-/work/venv-tf/bin/python}
ORT_PY=${ORT_PY:-/work/venv-torch/bin/python}
ROUNDS=${ROUNDS:-2}
RUNS=${RUNS:-3}
BATCHES=${BATCHES:-1,8,32}
THREADS=${THREADS:-2}
MODELS=${MODELS:-"vgg16 mobilenet_v2"}
OUT=${OUT:-${TMPDIR:-/tmp}/clvis-batch}
HERE=$(dirname "$0")
export TF_CPP_MIN_LOG_LEVEL=2
mkdir -p "$OUT"
rm -f "$OUT"/*.jsonl
case " $MODELS " in *" vgg16 "*)
    [ -f "$OUT/vgg16_tv.onnx" ] || "$ORT_PY" "$HERE/peers/batch_peer.py" \
        --export-vgg16 "$OUT/vgg16_tv.onnx" 2>/dev/null || { echo "VGG16 export failed" >&2; exit 1; } ;;
esac
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for r in $(seq 1 "$ROUNDS"); do
    for m in $MODELS; do
        if [ "$m" = vgg16 ]; then onnx=$OUT/vgg16_tv.onnx cl=$onnx; else
            onnx=models/mobilenet_v2.onnx cl=models/mobilenet_v2.h5; fi
        echo "round $r: $m clvis" >&2
        "$BENCH" "$cl" "$RUNS" $(echo "$BATCHES" | tr , ' ') >"$OUT/clvis_${m}_$r.jsonl" ||
            echo "clvis failed on $m" >&2
        echo "round $r: $m tf" >&2
        "$TF_PY" "$HERE/peers/batch_peer.py" --engine tf --model "$m" --batches "$BATCHES" \
            --runs "$RUNS" --threads "$THREADS" 2>/dev/null >"$OUT/tf_${m}_$r.jsonl" ||
            echo "tf failed on $m" >&2
        echo "round $r: $m ort" >&2
        "$ORT_PY" "$HERE/peers/batch_peer.py" --engine ort --model "$m" --onnx "$onnx" \
            --batches "$BATCHES" --runs "$RUNS" --threads "$THREADS" 2>/dev/null \
            >"$OUT/ort_${m}_$r.jsonl" || echo "ort failed on $m" >&2
    done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 - "$OUT" <<'PY'
import glob, json, os, statistics, sys
out = sys.argv[1]
rows = {}
for f in glob.glob(os.path.join(out, "*.jsonl")):
    for line in open(f):
        try:
            j = json.loads(line)
        except Exception:
            continue
        rows.setdefault((j["model"].split("/")[-1].split(".")[0], j["batch"], j["engine"]), []).append(j["images_per_s"])
def norm(m):
    return "vgg16" if "vgg16" in m else "mobilenet_v2"
agg = {}
for (m, b, e), v in rows.items():
    agg.setdefault((norm(m), b), {})[e] = (statistics.median(v), len(v))
print("images/s (median of the rounds; each round the median of its runs); ratio = clvis / peer")
print("| model | batch | clvis | TensorFlow | ONNX Runtime | clvis/TF | clvis/ORT |")
print("|---|---:|---:|---:|---:|---:|---:|")
for (m, b) in sorted(agg):
    d = agg[(m, b)]
    g = lambda e: d[e][0] if e in d else float("nan")  # noqa: E731
    print(f"| {m} | {b} | {g('clvis'):.2f} | {g('tf'):.2f} | {g('ort'):.2f} | "
          f"{g('clvis') / g('tf'):.2f} | {g('clvis') / g('ort'):.2f} |")
PY

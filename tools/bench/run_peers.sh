#!/bin/sh
# run_peers.sh — clvis against PyTorch CPU and TensorFlow CPU on the same workloads, alternating
# engines per workload and round so background noise hits all of them, then a ratio table.
#
#   tools/bench/run_peers.sh            (from the repository root)
#
# Environment (defaults in brackets):
#   CLVIS [build/clvis]   TORCH_PY [/usr/bin/python3: Debian python3-torch]
#   TF_PY [.venv/bin/python: a venv with tensorflow-cpu, e.g. from tools/fixtures/setup_venv.sh]
#   ROUNDS [3]  FILTER_ROUNDS [ROUNDS] (rounds that include the filter grids)  RUNS [5] (timed runs per workload and round, median; filter grids: 1 run)
#   STEPS [40] (filter-grid steps)   THREADS [2]   OUT [$TMPDIR/clvis-bench-peers]
#   WORKLOADS [vgg16_b1 vgg16_b8 gradcam filters_block1_conv1 ... filters_block4_conv1
#              small_convnet]
#   OPENBLAS_CORETYPE [SkylakeX]: Debian's python3-torch sends Linear layers to the system
#   OpenBLAS, which misdetects this CPU without it.
# The peers also time the book's sequential method (one filter, batch 1, same steps; x64 gives
# the grid one filter at a time) next to each filter grid.
set -u
CLVIS=${CLVIS:-build/clvis}
TORCH_PY=${TORCH_PY:-/usr/bin/python3}
TF_PY=${TF_PY:-.venv/bin/python}
ROUNDS=${ROUNDS:-3}
FILTER_ROUNDS=${FILTER_ROUNDS:-$ROUNDS}
RUNS=${RUNS:-5}
STEPS=${STEPS:-40}
THREADS=${THREADS:-2}
OUT=${OUT:-${TMPDIR:-/tmp}/clvis-bench-peers}
WORKLOADS=${WORKLOADS:-"vgg16_b1 vgg16_b8 gradcam filters_block1_conv1 filters_block2_conv1 filters_block3_conv1 filters_block4_conv1 small_convnet"}
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX}
export TF_CPP_MIN_LOG_LEVEL=2
HERE=$(dirname "$0")
mkdir -p "$OUT"
rm -f "$OUT"/*.json

ms_now() { date +%s%N; }

# start-up to first result with a warm kernel cache: `clvis predict` on the bundled MobileNetV2
if [ -f models/mobilenet_v2.h5 ]; then
    "$CLVIS" predict --quiet samples/parrot.jpg >/dev/null 2>&1 # fills the caches
    for i in 1 2 3; do
        s=$(ms_now)
        "$CLVIS" predict --quiet samples/parrot.jpg >/dev/null 2>&1
        e=$(ms_now)
        echo "{\"startup_predict_ms\": $(( (e - s) / 1000000 ))}" >"$OUT/startup_$i.json"
    done
fi

for r in $(seq 1 "$ROUNDS"); do
    for w in $WORKLOADS; do
        peer_w=$w
        case $w in filters_*)
            [ "$r" -le "$FILTER_ROUNDS" ] || continue
            peer_w="$w,filters_seq_${w#filters_}" ;;
        esac
        echo "round $r: $w" >&2
        "$CLVIS" bench --quiet --json --workload "$w" --runs "$RUNS" --steps "$STEPS" \
            >"$OUT/clvis_${w}_$r.json" || echo "clvis failed on $w" >&2
        "$TORCH_PY" "$HERE/peers/torch_peer.py" --workload "$peer_w" --runs "$RUNS" \
            --steps "$STEPS" --threads "$THREADS" >"$OUT/torch_${w}_$r.json" ||
            echo "torch failed on $w" >&2
        "$TF_PY" "$HERE/peers/tf_peer.py" --workload "$peer_w" --runs "$RUNS" \
            --steps "$STEPS" --threads "$THREADS" 2>/dev/null >"$OUT/tf_${w}_$r.json" ||
            echo "tf failed on $w" >&2
    done
done

python3 - "$OUT" "$WORKLOADS" <<'PY'
import glob, json, os, statistics, sys
out, wl = sys.argv[1], sys.argv[2].split()
def load(pat):
    v = []
    for f in sorted(glob.glob(os.path.join(out, pat))):
        try:
            v.append(json.load(open(f)))
        except Exception:
            pass
    return v
def med(xs):
    return statistics.median(xs) if xs else float("nan")
cl, pt, tf = {}, {}, {}
meta = {}
for w in wl:
    for o in load(f"clvis_{w}_*.json"):
        meta["clvis"] = o["device"]
        for r in o["workloads"]:
            cl.setdefault(r["name"], []).append(r["ms"])
    for o, d, eng in [(x, pt, "torch") for x in load(f"torch_{w}_*.json")] + \
                     [(x, tf, "tf") for x in load(f"tf_{w}_*.json")]:
        meta[eng] = {k: v for k, v in o.items() if k != "workloads"}
        for k, r in o["workloads"].items():
            d.setdefault(k, []).append(r.get("ms_x64", r["ms"]))
st = [json.load(open(f))["startup_predict_ms"] for f in sorted(glob.glob(os.path.join(out, "startup_*.json")))]
print("clvis device:", meta.get("clvis"))
print("torch:", json.dumps(meta.get("torch")))
print("tf:", json.dumps(meta.get("tf")))
if st:
    print("clvis predict (MobileNetV2, warm caches), process start to result: ms", st)
print()
print("| workload | clvis ms | PyTorch ms | TF ms | clvis/PyTorch | clvis/TF |")
print("|---|---:|---:|---:|---:|---:|")
for w in wl:
    c, p, t = med(cl.get(w, [])), med(pt.get(w, [])), med(tf.get(w, []))
    print(f"| {w} | {c:.0f} | {p:.0f} | {t:.0f} | {c / p:.2f} | {c / t:.2f} |")
print()
print("Filter grids against the book's sequential method (one filter at a time, x64):")
print("| layer | clvis grid ms | PyTorch seq x64 ms | TF seq x64 ms | PyTorch seq / clvis | TF seq / clvis |")
print("|---|---:|---:|---:|---:|---:|")
for w in wl:
    if not w.startswith("filters_"):
        continue
    s = "filters_seq_" + w[len("filters_"):]
    c, p, t = med(cl.get(w, [])), med(pt.get(s, [])), med(tf.get(s, []))
    print(f"| {w[8:]} | {c:.0f} | {p:.0f} | {t:.0f} | {p / c:.2f}x | {t / c:.2f}x |")
print()
print("rounds per engine and workload (ms):")
for w in wl:
    print(f"  {w}: clvis {[round(x) for x in cl.get(w, [])]} torch {[round(x) for x in pt.get(w, [])]} tf {[round(x) for x in tf.get(w, [])]}")
PY

#!/bin/sh
# lucent_speed.sh — `clvis filters --style lucid` against Lucent on PyTorch CPU (issue 15's
# speed item): a 64-filter grid of MobileNetV2's block_1_expand at 128x128, Lucid's defaults
# (fft + decorrelate, standard transforms, Adam lr 0.05). Each engine runs N1 and N2 steps;
# (t(N2) - t(N1)) / (N2 - N1) is its cost per step, with start-up, model load and the last
# picture cancelled out. Engines alternate within each round (clvis, Lucent, Lucent on the
# truncated network, then N2 in the reverse order), rounds repeat; medians; a ratio per step
# and the 256-step totals that follow from it.
#
#   tools/bench/lucent_speed.sh          (from the repository root, after the release build)
#
# Environment [defaults]: CLVIS [build/clvis]  PY [/work/venv-torch/bin/python: torch +
#   torch-lucent, tools/fixtures/setup_torch_venv.sh]  SIZE [128]  FILTERS [64] (clvis: the
#   layer's first 64, its grid)  N1 [2]  N2 [4]  ROUNDS [2]  THREADS [2] (PyTorch's; PoCL uses
#   every core)  OUT [$TMPDIR/clvis-lucent-speed]
# clvis's model is the bundled Keras MobileNetV2; Lucent's torchvision's MobileNetV2 with
# random weights (the same layers, sizes and time; nothing downloaded).
set -u
CLVIS=${CLVIS:-build/clvis}
PY=${PY:-/work/venv-torch/bin/python}
SIZE=${SIZE:-128}
FILTERS=${FILTERS:-64}
N1=${N1:-2}
N2=${N2:-4}
ROUNDS=${ROUNDS:-2}
THREADS=${THREADS:-2}
OUT=${OUT:-${TMPDIR:-/tmp}/clvis-lucent-speed}
HERE=$(dirname "$0")
mkdir -p "$OUT"
: > "$OUT/times.txt"

ms_now() { echo $(($(date +%s%N) / 1000000)); }

run_clvis() { # steps
    t0=$(ms_now)
    "$CLVIS" filters --quiet --style lucid --layers block_1_expand --size "$SIZE" \
        --steps "$1" --out "$OUT/clvis" > /dev/null 2> "$OUT/clvis.err" ||
        { echo "clvis failed: $(cat "$OUT/clvis.err")" >&2; exit 1; }
    echo "clvis $1 $(($(ms_now) - t0))" >> "$OUT/times.txt"
}

run_lucent() { # steps [--truncate]
    "$PY" "$HERE/peers/lucent_peer.py" --size "$SIZE" --filters "$FILTERS" --steps "$1" \
        --threads "$THREADS" ${2:-} > "$OUT/lucent.json" 2> "$OUT/lucent.err" ||
        { echo "lucent failed: $(tail -3 "$OUT/lucent.err")" >&2; exit 1; }
    "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["engine"], r["steps"], round(r["ms"]))' \
        "$OUT/lucent.json" >> "$OUT/times.txt"
}

echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
"$CLVIS" filters --quiet --style lucid --layers block_1_expand --size 32 --steps 1 \
    --out "$OUT/warm" > /dev/null 2>&1 # the kernel cache
for r in $(seq "$ROUNDS"); do
    run_clvis "$N1"; run_lucent "$N1"; run_lucent "$N1" --truncate
    run_lucent "$N2" --truncate; run_lucent "$N2"; run_clvis "$N2"
    echo "round $r done, load average $(cut -d' ' -f1-3 /proc/loadavg)"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" - "$OUT/times.txt" "$N1" "$N2" << 'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
n1, n2 = int(sys.argv[2]), int(sys.argv[3])
per = {}
for eng in ("clvis", "lucent", "lucent-truncated"):
    a = [int(t) for e, s, t in rows if e == eng and int(s) == n1]
    b = [int(t) for e, s, t in rows if e == eng and int(s) == n2]
    per[eng] = [(y - x) / (n2 - n1) for x, y in zip(a, b)]
c = statistics.median(per["clvis"])
print("| engine | ms per step (median; rounds) | 256 steps (s, from it) | engine / clvis |")
print("|---|---:|---:|---:|")
for eng, v in per.items():
    m = statistics.median(v)
    print(f"| {eng} | {m:.0f} ({', '.join(f'{x:.0f}' for x in v)}) | {256 * m / 1e3:.0f} | {m / c:.2f} |")
EOF

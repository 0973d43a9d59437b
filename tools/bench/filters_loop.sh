#!/bin/sh
# filters_loop.sh — the filter-grid loop (issue 16, lever 5) before and after, in one run:
# for each round and layer the modes run in turn, so background load hits all of them.
#
#   tools/bench/filters_loop.sh            (from the repository root)
#
# Modes: base (BASE, another build's clvis, e.g. main's before the change; skipped when unset),
# host (CLVIS_ASCENT=host: the host loop), full (CLVIS_ASCENT=full: the device loop through the
# whole layer), one (the default: the device loop, one channel of a convolution layer per item),
# seq (the default at 1 filter, batch 1, x 64: the book's one-filter-at-a-time method).
# Environment [defaults]: CLVIS [build/clvis] BASE [] ROUNDS [2] STEPS [40]
#   LAYERS [block1_conv1 block3_conv1] MODES [base host full one seq] OUT [$TMPDIR/clvis-filters-loop]
# Each run is one process: `clvis bench --workload filters_<layer> --runs 1` (VGG16, seeded
# weights, 64 filters at 64x64); the table gives medians over rounds and speed-ups over host and
# base (their ms / this mode's ms: above 1 is faster).
set -u
CLVIS=${CLVIS:-build/clvis}
BASE=${BASE:-}
ROUNDS=${ROUNDS:-2}
STEPS=${STEPS:-40}
LAYERS=${LAYERS:-"block1_conv1 block3_conv1"}
MODES=${MODES:-"base host full one seq"}
OUT=${OUT:-${TMPDIR:-/tmp}/clvis-filters-loop}
mkdir -p "$OUT"
rm -f "$OUT"/*.json
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for r in $(seq 1 "$ROUNDS"); do
    for l in $LAYERS; do
        for m in $MODES; do
            bin=$CLVIS env=CLVIS_ASCENT= w=filters_$l
            case $m in
                base) [ -n "$BASE" ] || continue; bin=$BASE ;;
                host) env=CLVIS_ASCENT=host ;;
                full) env=CLVIS_ASCENT=full ;;
                seq) w=filters_seq_$l ;;
            esac
            echo "round $r: $l $m" >&2
            env "$env" "$bin" bench --quiet --json --workload "$w" --runs 1 --steps "$STEPS" \
                >"$OUT/${l}_${m}_$r.json" || echo "failed: $l $m" >&2
        done
    done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 - "$OUT" "$LAYERS" "$MODES" "$STEPS" <<'PY'
import glob, json, os, statistics, sys
out, layers, modes, steps = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4]
print(f"filter grid, 64 filters x {steps} steps at 64x64, VGG16 (seeded weights); median ms of "
      "the rounds [min..max]; seq is 64 x (1 filter, batch 1)")
print("| layer | mode | ms | rounds | host ms / ms | base ms / ms |")
print("|---|---|---:|---:|---:|---:|")
for l in layers:
    med = {}
    rows = []
    for m in modes:
        v = []
        for f in sorted(glob.glob(os.path.join(out, f"{l}_{m}_*.json"))):
            try:
                w = json.load(open(f))["workloads"][0]
                v.append(w["ms"] * (64 if m == "seq" else 1))
            except Exception:
                pass
        if v:
            med[m] = statistics.median(v)
            rows.append((m, med[m], min(v), max(v), len(v)))
    for m, md, lo, hi, n in rows:
        def ratio(ref):
            return f"{med[ref] / md:.2f}" if ref in med and ref != m else ""
        print(f"| {l} | {m} | {md:.0f} [{lo:.0f}..{hi:.0f}] | {n} | {ratio('host')} | {ratio('base')} |")
PY

#!/usr/bin/env bash
# test_profile.sh BUILD_DIR — CLVIS_PROFILE=1 and `clvis bench --profile` (issue 16, lever 1):
# the per-layer kernel-time table appears on stderr with the model's node names, forward and
# backward rows, non-negative times whose sum is the profiled span and no more than the
# command's wall time; nothing appears when the mode is off. The book's small convnet: a second.
# Prints PASS/FAIL lines and "N passed, M failed"; exit 77 (skip) without an OpenCL device
# unless CLVIS_REQUIRE_DEVICE=1.
set -u
. "$(dirname "$0")/lib.sh"
need_clvis "${1:-build}"
T=$(mktemp -d /tmp/clvis_profile.XXXXXX)
trap 'rm -rf "$T"' EXIT
M=tests/data/keras/small_convnet.h5
IMG=samples/cat_chelsea.png

# Grad-CAM: a forward pass and a backward pass down to the last conv layer
t0=$(date +%s%N)
CLVIS_PROFILE=1 "$CLVIS" gradcam --quiet --model "$M" --out "$T/on" "$IMG" >"$T/on.out" 2>"$T/on.err"
rc=$?
t1=$(date +%s%N)
wall_ms=$(( (t1 - t0) / 1000000 ))
check "CLVIS_PROFILE=1 gradcam: exit 0 and a table on stderr" \
    "[ $rc = 0 ] && grep -q '^clvis profile: [0-9]* kernels' '$T/on.err'" "$(head -3 "$T/on.err")"
# gradcam of one image: the image goes up once (plus the weights), the map's layer comes back
check "a transfers line: writes and reads counted, with bytes" \
    "grep -Eq '^clvis profile: transfers: [1-9][0-9]* host->device \([1-9][0-9]* bytes\), [1-9][0-9]* device->host \([1-9][0-9]* bytes\)$' '$T/on.err'" \
    "$(grep transfers "$T/on.err")"
check "the table names the model's layers, forward and backward" \
    "grep -Eq '^conv2d +forward' '$T/on.err' && grep -Eq '^conv2d_3 +forward' '$T/on.err' &&
     grep -Eq '^dense +backward' '$T/on.err' && grep -Eq '^max_pooling2d_3 +backward' '$T/on.err'"
check "stdout unchanged by the table (nothing of it on stdout)" "! grep -q 'clvis profile' '$T/on.out'"
# layer rows and the between-kernels row: non-negative, shares sorted, sum == span <= wall
awk -v wall="$wall_ms" '
    /^clvis profile:/ { for (i = 1; i <= NF; i++) if ($i == "ms") span = $(i - 1) + 0 }
    /^layer / { inside = 1; next }
    /^kernel / { inside = 0; kern = 1; next }
    kern && NF >= 4 { ksum += $(NF - 1) + 0; kn++ }
    inside && /^\(all kernels\)/ { all = $(NF - 1) + 0; next }
    inside && NF >= 4 { ms = $(NF - 1) + 0; if (ms < 0 || $(NF - 1) ~ /^-/) bad = 1
                        if (!/^\(between/) { if (n && ms > prev + 1e-9) unsorted = 1; prev = ms; n++ }
                        sum += ms }
    END { printf "span=%.3f sum=%.3f all=%.3f wall=%d rows=%d bad=%d unsorted=%d kernel rows=%d sum=%.3f\n", span, sum, all, wall, n, bad, unsorted, kn, ksum
          ok = n >= 8 && !bad && !unsorted && span > 0 && sum <= span * 1.001 + 0.01 &&
               sum >= span * 0.999 - 0.01 && all <= span + 0.01 && span <= wall &&
               kn >= 3 && ksum <= all * 1.001 + 0.01 && ksum >= all * 0.999 - 0.01
          exit ok ? 0 : 1 }' "$T/on.err" >"$T/check.txt"
rc=$?
check "times non-negative, rows sorted, kernels + gaps = span <= wall; the per-kernel table sums to all kernels ($(cat "$T/check.txt"))" "[ $rc = 0 ]"

# off: unset, empty and 0 print nothing
"$CLVIS" gradcam --quiet --model "$M" --out "$T/off" "$IMG" >"$T/off.out" 2>"$T/off.err"
rc=$?
check "CLVIS_PROFILE unset: no table" "[ $rc = 0 ] && ! grep -q 'clvis profile' '$T/off.err'"
CLVIS_PROFILE=0 "$CLVIS" gradcam --quiet --model "$M" --out "$T/off0" "$IMG" >/dev/null 2>"$T/off0.err"
check "CLVIS_PROFILE=0: no table" "[ $? = 0 ] && ! grep -q 'clvis profile' '$T/off0.err'"
check "the same map with and without profiling" \
    "cmp -s '$T/on/gradcam_cat_chelsea_map.png' '$T/off/gradcam_cat_chelsea_map.png'"

# clvis bench --profile: the small convnet's layers in the table; without it, no table
"$CLVIS" bench --quiet --profile --runs 1 --workload small_convnet >"$T/b.out" 2>"$T/b.err"
check "bench --profile: a table with the workload's layers" \
    "[ $? = 0 ] && grep -q '^clvis profile:' '$T/b.err' && grep -Eq '^conv2d_1 +forward' '$T/b.err'" \
    "$(head -5 "$T/b.err")"
"$CLVIS" bench --quiet --runs 1 --workload small_convnet >/dev/null 2>"$T/b0.err"
check "bench without --profile: no table" "[ $? = 0 ] && ! grep -q 'clvis profile' '$T/b0.err'"

finish

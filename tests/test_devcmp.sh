#!/usr/bin/env bash
# test_devcmp.sh BUILD_DIR — `clvis gradcam|saliency|evaluate --device all` on two real OpenCL platforms:
# this host's ICDs (PoCL) plus Oclgrind, registered for this script's processes only (a private
# OCL_ICD_VENDORS folder; nothing changes system-wide). The tiny functional fixture (32x32) on
# samples/coffee.png; the two devices' maps (and saliency's attributions) must agree to
# max abs <= 1e-4 and max rel <= 1e-2 (floor 1e-3 * max |a|), with the same class, every
# device's files and each |a - b| picture written (evaluate: the metric scores within max abs
# 1e-4, no file); any Oclgrind diagnostic fails.
# Oclgrind reports a GPU, so it gets the tiled GPU kernels (src/cl/select.c): gradcam runs
# with them (the GPU path end to end on a second device); saliency and evaluate, whose
# backward passes to the input take minutes in the simulator with them, run CLVIS_KERNELS=cpu
# (the tiled kernels' own checks are test_ops's, under Oclgrind too).
# Run by tools/test.sh (CI installs Oclgrind in tools/oclgrind.sh first); exit 77 (skip) without the Debian
# package oclgrind or without a system ICD. Prints PASS/FAIL lines and "N passed, M failed".
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLVIS=$(cd "$BUILD" 2>/dev/null && pwd)/clvis
cd "$ROOT" || exit 1
. "$(dirname "$0")/lib.sh"

icd_lib=$(dpkg -L oclgrind 2>/dev/null | grep '/liboclgrind-rt-icd\.so$' | head -n 1)
[ -n "$icd_lib" ] && [ -f "$icd_lib" ] || skip "no Oclgrind (Debian package oclgrind)"
T=$(mktemp -d /tmp/clvis_devcmp.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir "$T/vendors"
for f in /etc/OpenCL/vendors/*.icd; do
    [ -f "$f" ] && ! grep -q oclgrind "$f" && cp "$f" "$T/vendors/"
done
[ -n "$(ls "$T/vendors")" ] || skip "no system OpenCL ICD in /etc/OpenCL/vendors"
printf '%s\n' "$icd_lib" >"$T/vendors/oclgrind.icd"
export OCL_ICD_VENDORS="$T/vendors" CLVIS_CACHE_DIR="$T/cache" OCLGRIND_LOG="$T/oclgrind.log"
export OCLGRIND_CHECK_API=1 OCLGRIND_DATA_RACES=1
unset CLVIS_DEVICE CLVIS_TEST_COMPARE_DEVICES

"$CLVIS" devices >"$T/devices.txt" 2>&1
n=$(grep -c -E '^[0-9]+ ' "$T/devices.txt")
if [ "$n" -ge 2 ] && grep -q Oclgrind "$T/devices.txt"; then
    pass "two platforms: $n devices, Oclgrind among them"
else
    fail "two platforms" "$(cat "$T/devices.txt")"
fi
K=tests/data/keras
for cmd in gradcam saliency; do
    attr=""
    [ $cmd = saliency ] && attr=attr
    kern=auto
    [ $cmd = saliency ] && kern=cpu
    start=$(date +%s)
    CLVIS_KERNELS=$kern "$CLVIS" $cmd --quiet --json --model "$K/functional.h5" --out "$T/$cmd" --device all \
        samples/coffee.png >"$T/$cmd.out" 2>"$T/$cmd.err"
    rc=$?
    secs=$(($(date +%s) - start))
    if [ $rc = 0 ] && python3 tests/devcmp_check.py "$T/$cmd.out" "$T/$cmd" "$n" 1 1e-4 1e-2 $attr \
        2>"$T/$cmd.check"; then
        pass "$cmd --device all on $n devices ($kern kernels): same class, map${attr:+ and attribution} within max abs 1e-4, max rel 1e-2; files and |a-b| pictures (${secs}s)"
    else
        fail "$cmd --device all (exit $rc)" "$(cat "$T/$cmd.err" "$T/$cmd.check"; tail -c 600 "$T/$cmd.out")"
    fi
done
# evaluate --device all: each device's JSON lines, then the comparison of every image and
# method's map and metric scores; no files at all (evaluate writes none)
start=$(date +%s)
CLVIS_KERNELS=cpu "$CLVIS" evaluate --quiet --json --model "$K/functional.h5" --method gradcam \
    --metric drop,deletion --steps 2 --device all samples/coffee.png \
    >"$T/evaluate.out" 2>"$T/evaluate.err"
rc=$?
secs=$(($(date +%s) - start))
if [ $rc = 0 ] && [ ! -e "$T/evaluate" ] && python3 - "$T/evaluate.out" "$n" 2>"$T/evaluate.check" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
nd, cmp = int(sys.argv[2]), lines[-1]
assert cmp["compare"] == "devices" and len(cmp["devices"]) == nd, cmp
assert len(lines) - 1 == nd, len(lines)  # one object per device (and method)
for k, d in enumerate(cmp["devices"]):
    assert d["exit"] == 0 and "out" not in d and len(d["images"]) == 1, d
    for o in lines[k:k + 1]:
        assert set(o["metrics"]) == {"drop", "deletion"} and "files" not in o, o
diffs = cmp["differences"]
assert len(diffs) == nd - 1, diffs
for e in diffs:
    assert e["same_class"] and "file" not in e, e
    assert e["map"]["nan_one"] == 0 and e["map"]["max_abs"] <= 1e-4, e["map"]
    sc = e["scores"]
    assert sc["compared"] == 2 and set(sc["metrics"]) == {"drop", "deletion"}, sc
    assert sc["max_abs"] <= 1e-4 and sc["max_rel"] <= 1e-2, sc
    for m, v in sc["metrics"].items():  # what each device printed, and their difference
        want = [o["metrics"][m] for o in lines[:-1] if o["method"] == e["name"].split(":")[0]]
        assert v["d0"] == want[0] and abs(v["abs"] - abs(v["value"] - v["d0"])) < 1e-12, (m, v)
PY
then
    pass "evaluate --device all on $n devices: same class, maps and metric scores within max abs 1e-4, no files (${secs}s)"
else
    fail "evaluate --device all (exit $rc)" "$(cat "$T/evaluate.err" "$T/evaluate.check"; tail -c 600 "$T/evaluate.out")"
fi
tail -n 1 "$T/gradcam.out" | python3 -c 'import json,sys; o=json.load(sys.stdin); [print("      %s %s: map max abs %.3g, max rel %.3g" % (e["run"], e["name"], e["map"]["max_abs"], e["map"]["max_rel"])) for e in o["differences"]]'
tail -n 1 "$T/saliency.out" | python3 -c 'import json,sys; o=json.load(sys.stdin); [print("      %s %s: map max abs %.3g, max rel %.3g; attr max abs %.3g, max rel %.3g" % (e["run"], e["name"], e["map"]["max_abs"], e["map"]["max_rel"], e["attr"]["max_abs"], e["attr"]["max_rel"])) for e in o["differences"]]'
if [ -s "$T/oclgrind.log" ] || grep -q -E 'Invalid (read|write)|data race|OpenCL runtime error' "$T"/*.err; then
    fail "no Oclgrind diagnostic" "$(head -n 20 "$T/oclgrind.log" 2>/dev/null; grep -h -E 'Invalid|race|runtime error' "$T"/*.err | head)"
else
    pass "no Oclgrind diagnostic"
fi
finish

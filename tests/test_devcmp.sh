#!/usr/bin/env bash
# test_devcmp.sh BUILD_DIR — `clvis gradcam|saliency --device all` on two real OpenCL platforms:
# this host's ICDs (PoCL) plus Oclgrind, registered for this script's processes only (a private
# OCL_ICD_VENDORS folder; nothing changes system-wide). The tiny functional fixture (32x32) on
# samples/coffee.png; the two devices' maps (and saliency's attributions) must agree to
# max abs <= 1e-4 and max rel <= 1e-2 (floor 1e-3 * max |a|), with the same class, every
# device's files and each |a - b| picture written; any Oclgrind diagnostic fails.
# Run by tools/test.sh (CI installs Oclgrind in tools/oclgrind.sh first); exit 77 (skip) without the Debian
# package oclgrind or without a system ICD. Prints PASS/FAIL lines and "N passed, M failed".
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLVIS=$(cd "$BUILD" 2>/dev/null && pwd)/clvis
cd "$ROOT" || exit 1
passed=0
failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
skip() { echo "SKIP $1"; echo "0 passed, 0 failed, 1 skipped"; exit 77; }

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
    start=$(date +%s)
    "$CLVIS" $cmd --quiet --json --model "$K/functional.h5" --out "$T/$cmd" --device all \
        samples/coffee.png >"$T/$cmd.out" 2>"$T/$cmd.err"
    rc=$?
    secs=$(($(date +%s) - start))
    if [ $rc = 0 ] && python3 tests/devcmp_check.py "$T/$cmd.out" "$T/$cmd" "$n" 1 1e-4 1e-2 $attr \
        2>"$T/$cmd.check"; then
        pass "$cmd --device all on $n devices: same class, map${attr:+ and attribution} within max abs 1e-4, max rel 1e-2; files and |a-b| pictures (${secs}s)"
    else
        fail "$cmd --device all (exit $rc)" "$(cat "$T/$cmd.err" "$T/$cmd.check"; tail -c 600 "$T/$cmd.out")"
    fi
done
tail -n 1 "$T/gradcam.out" | python3 -c 'import json,sys; o=json.load(sys.stdin); [print("      %s %s: map max abs %.3g, max rel %.3g" % (e["run"], e["name"], e["map"]["max_abs"], e["map"]["max_rel"])) for e in o["differences"]]'
tail -n 1 "$T/saliency.out" | python3 -c 'import json,sys; o=json.load(sys.stdin); [print("      %s %s: map max abs %.3g, max rel %.3g; attr max abs %.3g, max rel %.3g" % (e["run"], e["name"], e["map"]["max_abs"], e["map"]["max_rel"], e["attr"]["max_abs"], e["attr"]["max_rel"])) for e in o["differences"]]'
if [ -s "$T/oclgrind.log" ] || grep -q -E 'Invalid (read|write)|data race|OpenCL runtime error' "$T"/*.err; then
    fail "no Oclgrind diagnostic" "$(head -n 20 "$T/oclgrind.log" 2>/dev/null; grep -h -E 'Invalid|race|runtime error' "$T"/*.err | head)"
else
    pass "no Oclgrind diagnostic"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

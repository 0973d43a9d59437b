#!/usr/bin/env bash
# oclgrind.sh — the kernel tests on Oclgrind, an OpenCL 1.2 simulator; any diagnostic fails.
# Oclgrind checks every memory access of every work-item and reports data races.
# Oclgrind (Debian package oclgrind, installed when missing) is registered for this script's
# processes only: a private OCL_ICD_VENDORS folder holding an oclgrind.icd, so PoCL and every
# other platform are hidden from them and nothing changes system-wide. Each test runs with
# OCLGRIND_CHECK_API=1 (OpenCL API misuse), OCLGRIND_DATA_RACES=1 and its own OCLGRIND_LOG;
# oclgrind exits 0 even when it reports an invalid read or write, so any line in that log (or
# an oclgrind message in the test's output) is a failure here. CLVIS_TEST_QUICK=1 shrinks the
# long cases (the simulator is 100-1000x slower than PoCL), each saying so on a QUICK line.
# Usage: tools/oclgrind.sh [TEST...]   (default test_ops test_graph test_runtime test_pipelines
#        test_onnx test_onnx_conformance test_api_methods test_tfkv test_lucent test_diversity
#        test_dream: every kernel file's users;
#        CLVIS_BUILD picks the build, CLVIS_OCLGRIND_TIMEOUT the seconds per test, default 1800;
#        CLVIS_OCLGRIND_JOBS the tests run at once, default 1 (each with its own logs; a test's
#        lines are printed when it ends; Oclgrind spreads a kernel's work-groups over the cores
#        itself, so two at a time gained little and pushed test_pipelines past its limit in CI);
#        CLVIS_OCLGRIND_KERNELS the CLVIS_KERNELS of every test, default auto for test_ops
#        (both kernel families checked) and cpu for the others: see the loop)
# The last line is the total: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."

die() {
    echo "oclgrind: $*" >&2
    echo "0 passed, 1 failed"
    exit 1
}

if ! dpkg-query -W -f='${Status}' oclgrind 2>/dev/null | grep -q "install ok installed"; then
    echo "oclgrind: installing the Debian package oclgrind" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    { $SUDO apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq oclgrind > /dev/null; } ||
        die "cannot install the Debian package oclgrind"
fi
icd_lib=$(dpkg -L oclgrind | grep '/liboclgrind-rt-icd\.so$' | head -n 1)
[ -n "$icd_lib" ] && [ -f "$icd_lib" ] || die "liboclgrind-rt-icd.so is not in the oclgrind package"

B=${CLVIS_BUILD:-build}
tools/setup.sh || die "build failed"

work=$(mktemp -d)
log_dir=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/vendors"
printf '%s\n' "$icd_lib" > "$work/vendors/oclgrind.icd"
export OCL_ICD_VENDORS="$work/vendors"
export OCLGRIND_CHECK_API=1 OCLGRIND_DATA_RACES=1
export CLVIS_DEVICE=oclgrind CLVIS_REQUIRE_DEVICE=1 CLVIS_TEST_QUICK=1
export CLVIS_CACHE_DIR="$work/cache"
unset OCLGRIND_LOG

# What counts as an oclgrind diagnostic in a test's own output (the log file catches the rest);
# API errors (OCLGRIND_CHECK_API, printed to stderr) are counted by api_errors below.
DIAG='Invalid (read|write)|data race|Uninitiali[sz]ed|divergence|Unaligned address'
# API errors a test provokes on purpose, "TEST FUNCTION ERROR" each: test_runtime corrupts a
# cached kernel binary and checks the fall back to a source build.
EXPECTED_API_ERRORS=("test_runtime clCreateProgramWithBinary CL_INVALID_BINARY")

# "FUNCTION ERROR" of every "OpenCL runtime error detected" block in file $1.
api_errors() {
    awk '/OpenCL runtime error detected/ { if (blk) print f, "?"; blk = 1; f = "?"; next }
         blk && /Function:/ { f = $2 }
         blk && /Error:/ { print f, $2; blk = 0 }
         END { if (blk) print f, "?" }' "$1"
}

# The checker itself: a kernel writing one float past its buffer must be reported.
cat > "$work/self.cl" << 'EOF'
__kernel void past_end(__global float *y) { y[get_global_id(0) + 1] = 1.0f; }
EOF
printf 'self.cl\npast_end\n4 1 1\n1 1 1\n<size=16 fill=0>\n' > "$work/self.sim"
(cd "$work" && OCLGRIND_LOG="$work/self.log" oclgrind-kernel self.sim > /dev/null 2>&1)
grep -q 'Invalid write' "$work/self.log" 2> /dev/null ||
    die "self-check: oclgrind did not report a write past the end of a buffer"

"$B/clvis" devices > "$work/devices.txt" 2>&1 || die "clvis devices failed: $(cat "$work/devices.txt")"
grep -q 'Oclgrind' "$work/devices.txt" || die "no Oclgrind device: $(cat "$work/devices.txt")"

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(test_onnx test_pipelines test_ops test_graph test_runtime test_onnx_conformance
    test_api_methods test_tfkv test_lucent test_diversity test_dream)
# one_test T: runs test T under Oclgrind, writes T.result ("passed failed") and prints its
# block in one write (tests run CLVIS_OCLGRIND_JOBS at a time, default 1).
one_test() {
    local t=$1
    local out diag start kern rc secs line p f why ndiag expected unexpected fn err ok e u block
    out="$log_dir/$t.log" diag="$log_dir/$t.oclgrind"
    start=$(date +%s)
    # Oclgrind is a GPU-type device, so the kernel table gives it the work-group tiled kernels;
    # simulated (local memory, barriers, race tracking) they ran test_graph 11-15x slower than
    # the CPU-tuned ones (65-72 s vs 4.4-6.6 s), which would push test_pipelines past the limit. test_ops
    # checks both families here (its tiled section under Oclgrind's own table row); the others
    # run the CPU-tuned kernels unless CLVIS_OCLGRIND_KERNELS says otherwise.
    kern=${CLVIS_OCLGRIND_KERNELS:-cpu}
    [ "$t" = test_ops ] && kern=${CLVIS_OCLGRIND_KERNELS:-auto}
    CLVIS_KERNELS=$kern OCLGRIND_LOG="$diag" timeout "${CLVIS_OCLGRIND_TIMEOUT:-1800}" "$B/tests/$t" > "$out" 2>&1
    rc=$?
    secs=$(($(date +%s) - start))
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
    p=$(echo "$line" | sed -nE 's/^([0-9]+) passed.*/\1/p')
    f=$(echo "$line" | sed -nE 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/p')
    p=${p:-0} f=${f:-0}
    why=""
    [ $rc -eq 124 ] && why="timed out after ${CLVIS_OCLGRIND_TIMEOUT:-1800} s"
    [ $rc -ne 0 ] && [ "$f" -eq 0 ] && { f=1; why=${why:-"exit $rc without a FAIL line"}; }
    ndiag=0
    [ -s "$diag" ] && ndiag=$(grep -c -E '^[^[:space:]]' "$diag")
    ndiag=$((ndiag + $(grep -c -E "$DIAG" "$out")))
    expected=() unexpected=()
    while read -r fn err; do
        ok=0
        for e in "${EXPECTED_API_ERRORS[@]}"; do
            [ "$e" = "$t $fn $err" ] && ok=1
        done
        if [ $ok -eq 1 ]; then expected+=("$fn $err"); else unexpected+=("$fn $err"); fi
    done < <(api_errors "$out")
    ndiag=$((ndiag + ${#unexpected[@]}))
    if [ "$ndiag" -gt 0 ]; then
        f=$((f + 1))
        why="${why:+$why; }$ndiag oclgrind diagnostic line(s)"
    fi
    echo "$p $f" > "$log_dir/$t.result"
    block=$(
        printf '%-5s %-16s %4d passed, %d failed  (%ds)%s\n' "$([ "$f" -eq 0 ] && echo ok || echo FAIL)" \
            "$t" "$p" "$f" "$secs" "${why:+  $why}"
        grep -E '^(QUICK|SECTION)' "$out" | sed 's/^/      /'
        for e in "${expected[@]}"; do
            echo "      expected OpenCL API error (provoked by the test): $e"
        done
        if [ "$f" -ne 0 ]; then
            grep -E '^FAIL' "$out" | head -n 20 | sed 's/^/      /'
            [ -s "$diag" ] && head -n 40 "$diag" | sed 's/^/      | /'
            grep -E "$DIAG" "$out" | head -n 10 | sed 's/^/      | /'
            for u in "${unexpected[@]}"; do
                echo "      | OpenCL API error: $u"
            done
        fi
    )
    printf '%s\n' "$block"
}

jobs=${CLVIS_OCLGRIND_JOBS:-1}
case $jobs in '' | *[!0-9]* | 0) die "CLVIS_OCLGRIND_JOBS wants a positive integer" ;; esac
t_all=$(date +%s) running=0
for t in "${tests[@]}"; do
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
    one_test "$t" &
    running=$((running + 1))
done
wait
passed=0 failed=0
for t in "${tests[@]}"; do
    read -r p f < "$log_dir/$t.result" || { p=0 f=1; }
    passed=$((passed + p)) failed=$((failed + f))
done
echo "oclgrind: $(($(date +%s) - t_all)) s in all; logs: $log_dir"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

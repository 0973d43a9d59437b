#!/usr/bin/env bash
# test.sh — builds clvis (tools/setup.sh) and runs every test: the programs build/tests/test_*
# and the scripts tests/test_*.sh. Each prints PASS/FAIL lines and "N passed, M failed"; exit
# code 77 means skipped (no OpenCL device). With CLVIS_REQUIRE_DEVICE=1 a missing device fails.
# The last line is the total: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

# A private kernel cache per run, so a test of "second start loads from cache" means something.
export CLVIS_CACHE_DIR="${CLVIS_CACHE_DIR:-$(mktemp -d)/clvis-cache}"
passed=0 failed=0 skipped=0
log_dir=$(mktemp -d)

run_one() {
    local name=$1; shift
    local log="$log_dir/$name.log" start end rc
    start=$(date +%s)
    "$@" > "$log" 2>&1
    rc=$?
    end=$(date +%s)
    local line p f
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
    p=${p:-0}; f=${f:-0}
    if [ $rc -eq 77 ] && [ "${CLVIS_REQUIRE_DEVICE:-0}" != "0" ]; then
        rc=1; f=$((f > 0 ? f : 1))   # CI: a missing device is a failure, not a skip
    elif [ $rc -eq 77 ]; then
        skipped=$((skipped + 1))
        echo "SKIP $name ($(grep -m1 SKIP "$log"))"
        return
    fi
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1   # crashed or failed without saying so
    fi
    passed=$((passed + p)); failed=$((failed + f))
    printf '%-5s %-16s %4d passed, %d failed  (%ds)\n' "$([ $rc -eq 0 ] && echo ok || echo FAIL)" \
        "$name" "$p" "$f" $((end - start))
    if [ $rc -ne 0 ]; then
        grep -E '^FAIL' "$log" | head -n 20 | sed 's/^/      /'
        [ "$f" -eq 1 ] && [ "$p" -eq 0 ] && tail -n 5 "$log" | sed 's/^/      /'
    fi
}

B=${CLVIS_BUILD:-build}
for t in "$B"/tests/test_*; do
    [ -x "$t" ] && [ -f "$t" ] || continue
    run_one "$(basename "$t")" "$t"
done
for t in tests/test_*.sh; do
    [ -f "$t" ] || continue
    run_one "$(basename "$t" .sh)" bash "$t" "$B"
done
echo "logs: $log_dir"
if [ $skipped -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ]

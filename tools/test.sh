#!/usr/bin/env bash
# test.sh — builds clvis (tools/setup.sh) and runs every test: the programs build/tests/test_*
# and the scripts tests/test_*.sh. Each prints PASS/FAIL lines and "N passed, M failed"; exit
# code 77 means skipped (no OpenCL device). With CLVIS_REQUIRE_DEVICE=1 a missing device fails.
# The last line is the total: "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

# A private kernel cache per run, so a test of "second start loads from cache" means something.
# (Concurrent tests share it: its entries are written atomically, as two clvis processes of a
# user's would.)
export CLVIS_CACHE_DIR="${CLVIS_CACHE_DIR:-$(mktemp -d)/clvis-cache}"
# CLVIS_TEST_JOBS: tests run at once (default 2; 1 runs them one after another). Each test's
# output goes to its own log, its result line is printed when it ends (completion order), the
# total last. PoCL spreads every test's kernels over all cores, but much of a test is host
# work, process start-up and small kernels, so two at a time keep both cores of a CI machine
# busy.
jobs=${CLVIS_TEST_JOBS:-2}
case $jobs in '' | *[!0-9]* | 0) echo "test.sh: CLVIS_TEST_JOBS wants a positive integer" >&2; exit 2 ;; esac
log_dir=$(mktemp -d)

# run_one NAME CMD...: runs the test, writes NAME.result ("passed failed skipped") and prints
# its line (and its FAIL lines) in one write, so concurrent tests' lines do not interleave.
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
        echo "0 0 1" > "$log_dir/$name.result"
        printf '%s\n' "SKIP $name ($(grep -m1 SKIP "$log"))"
        return
    fi
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1   # crashed or failed without saying so
    fi
    echo "$p $f 0" > "$log_dir/$name.result"
    local out
    out=$(printf '%-5s %-16s %4d passed, %d failed  (%ds)' "$([ $rc -eq 0 ] && echo ok || echo FAIL)" \
        "$name" "$p" "$f" $((end - start)))
    if [ $rc -ne 0 ]; then
        out+=$'\n'$(grep -E '^FAIL' "$log" | head -n 20 | sed 's/^/      /')
        [ "$f" -eq 1 ] && [ "$p" -eq 0 ] && out+=$'\n'$(tail -n 5 "$log" | sed 's/^/      /')
    fi
    printf '%s\n' "$out"
}

B=${CLVIS_BUILD:-build}
names=() paths=()
for t in "$B"/tests/test_*; do
    [ -x "$t" ] && [ -f "$t" ] || continue
    names+=("$(basename "$t")") paths+=("$t")
done
for t in tests/test_*.sh; do
    [ -f "$t" ] || continue
    names+=("$(basename "$t" .sh)") paths+=("$t")
done
# The longest tests start first (scheduling only: with two at a time the suite ends sooner).
order=()
for long in test_devcmp test_cli test_report_browser test_cache test_ops test_api_methods; do
    for i in "${!names[@]}"; do [ "${names[$i]}" = "$long" ] && order+=("$i"); done
done
for i in "${!names[@]}"; do
    case " test_devcmp test_cli test_report_browser test_cache test_ops test_api_methods " in
    *" ${names[$i]} "*) ;;
    *) order+=("$i") ;;
    esac
done
running=0
for i in "${order[@]}"; do
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
    case ${paths[$i]} in
    *.sh) run_one "${names[$i]}" bash "${paths[$i]}" "$B" & ;;
    *) run_one "${names[$i]}" "${paths[$i]}" & ;;
    esac
    running=$((running + 1))
done
wait
passed=0 failed=0 skipped=0
for i in "${order[@]}"; do
    read -r p f s < "$log_dir/${names[$i]}.result" || { p=0 f=1 s=0; }
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done
echo "logs: $log_dir"
if [ $skipped -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ]

#!/usr/bin/env bash
# sanitize.sh — the whole test suite (tools/test.sh) built with AddressSanitizer +
# UndefinedBehaviorSanitizer into build-asan, with LeakSanitizer where the machine allows it
# (it needs ptrace; some containers refuse, and then leaks are left to tools/valgrind.sh).
# Any sanitizer report fails the test that triggered it: UBSan halts on its first error, and
# every log is searched for reports a test might have survived. CI runs this before the suite.
# Usage: tools/sanitize.sh          (prints "sanitizers: N passed, M failed" last)
set -uo pipefail
cd "$(dirname "$0")/.."
export CLVIS_BUILD=build-asan
export CLVIS_MESON_ARGS="-Db_sanitize=address,undefined -Db_lundef=false"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# The long cases at their quick sizes (CLVIS_TEST_QUICK, each test says what it shrinks on a
# QUICK line): the sanitizers check the host code, which the quick sizes run through the same
# paths, while the kernel work they would repeat at full size is the same as the plain run's,
# which CI makes right after (tools/test.sh at full size).
export CLVIS_TEST_QUICK=1
export LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp

# Does LeakSanitizer work here? A program that leaks must report exactly that.
probe=$(mktemp -d)
printf '#include <stdlib.h>\nint main(void){ void *p = malloc(7); p = 0; return p != 0; }\n' > "$probe/l.c"
leaks=0
if cc -fsanitize=address -g "$probe/l.c" -o "$probe/l" 2>/dev/null; then
    report=$("$probe/l" 2>&1 || true)   # exits 1: the leak it must report
    case $report in *"SUMMARY: AddressSanitizer: 7 byte(s) leaked"*) leaks=1 ;; esac
fi
rm -rf "$probe"
export ASAN_OPTIONS=detect_leaks=$leaks:abort_on_error=0
[ $leaks = 1 ] || echo "sanitize: LeakSanitizer unavailable here (no ptrace); ASan + UBSan only" >&2

log=$(mktemp)
tools/test.sh 2>&1 | tee "$log"
logs=$(sed -n 's/^logs: //p' "$log")
reports=0
if [ -n "$logs" ] && [ -d "$logs" ]; then
    reports=$(grep -lE "runtime error:|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer" "$logs"/*.log 2>/dev/null | wc -l)
    [ "$reports" -eq 0 ] || grep -lE "runtime error:|Sanitizer" "$logs"/*.log | sed 's/^/sanitize: report in /' >&2
fi
last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
p=$(echo "$last" | sed -E 's/^([0-9]+) passed.*/\1/'); p=${p:-0}
f=$(echo "$last" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/'); f=${f:-1}
rm -f "$log"
echo "sanitizers: $p passed, $((f + reports)) failed (leak checks: $([ $leaks = 1 ] && echo on || echo off))"
[ "$f" -eq 0 ] && [ "$reports" -eq 0 ]

# lib.sh — sourced by the shell tests (tests/test_*.sh): the PASS/FAIL counters and the
# summary line that tools/test.sh reads ("N passed, M failed"), and the clvis-binary and
# device checks most of them start with. Not a test itself (no test_ prefix).
#   . "$(dirname "$0")/lib.sh"
#   pass NAME | fail NAME [WHY] | check NAME 'SHELL CONDITION' [WHY] | skip WHY
#   need_clvis BUILD   sets CLVIS (absolute) and ROOT, cd's to ROOT; fails without the binary,
#                      skips (exit 77) without an OpenCL device unless CLVIS_REQUIRE_DEVICE
#   finish             prints the summary; the exit status is 0 when nothing failed
passed=0
failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1" "${3:-}"; fi; }
skip() { echo "SKIP $1"; echo "0 passed, 0 failed, 1 skipped"; exit 77; }
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
need_clvis() {
    ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    local dir
    dir=$(cd "${1:-build}" 2> /dev/null && pwd) || dir=${1:-build}
    CLVIS=$dir/clvis
    cd "$ROOT" || exit 1
    if [ ! -x "$CLVIS" ]; then
        echo "FAIL clvis not built at $CLVIS"
        echo "0 passed, 1 failed"
        exit 1
    fi
    if ! "$CLVIS" devices > /dev/null 2>&1; then
        if [ "${CLVIS_REQUIRE_DEVICE:-0}" != "0" ]; then
            echo "FAIL no device (CLVIS_REQUIRE_DEVICE set)"
            echo "0 passed, 1 failed"
            exit 1
        fi
        skip "no OpenCL device"
    fi
}

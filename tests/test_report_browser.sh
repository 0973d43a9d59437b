#!/usr/bin/env bash
# test_report_browser.sh BUILD_DIR — the report page in a real browser: a small run (the
# bundled MobileNetV2 on two photos: predict --group catdog, both Grad-CAM variants; the small
# fixture convnet's activations and a filter grid) writes index.html, which headless Chromium
# opens (tests/report_browser.py, Selenium + chromedriver): every picture loaded, no console
# error, a screenshot saved (its path printed). A copy of the page with one picture removed
# must fail the same checks. Prints PASS/FAIL lines and "N passed, M failed".
# Skipped (exit 77) without Chromium, chromedriver or Selenium, or without an OpenCL device;
# in CI (CLVIS_REQUIRE_DEVICE=1 or CI=true) a missing one is a failure.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLVIS=$(cd "$BUILD" 2>/dev/null && pwd)/clvis
cd "$ROOT" || exit 1
passed=0 failed=0
ci=0
{ [ "${CLVIS_REQUIRE_DEVICE:-0}" != "0" ] || [ "${CI:-}" = "true" ]; } && ci=1

missing() {
    if [ $ci = 1 ]; then
        echo "FAIL $1 (required in CI: Debian's chromium chromium-driver python3-selenium)"
        echo "0 passed, 1 failed"
        exit 1
    fi
    echo "SKIP $1"
    echo "0 passed, 0 failed, 1 skipped"
    exit 77
}

if [ ! -x "$CLVIS" ]; then
    echo "FAIL clvis not built at $CLVIS"
    echo "0 passed, 1 failed"
    exit 1
fi
CHROMIUM=${CLVIS_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
DRIVER=${CLVIS_CHROMEDRIVER:-$(command -v chromedriver || true)}
[ -n "$CHROMIUM" ] && [ -x "$CHROMIUM" ] || missing "no chromium"
[ -n "$DRIVER" ] && [ -x "$DRIVER" ] || missing "no chromedriver"
PY=""
for p in python3 /usr/bin/python3; do   # Debian's python3-selenium is in the system python
    if command -v "$p" >/dev/null && "$p" -c 'import selenium' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || missing "no python3 with selenium"
"$CLVIS" devices >/dev/null 2>&1 || missing "no OpenCL device"
export CLVIS_CHROMIUM=$CHROMIUM CLVIS_CHROMEDRIVER=$DRIVER

T=$(mktemp -d /tmp/clvis_browser.XXXXXX)
trap 'rm -rf "$T"' EXIT
K=tests/data/keras
O="$T/page"
run() {
    if "$CLVIS" "$@" --quiet >>"$T/run.log" 2>&1; then return 0; fi
    echo "FAIL clvis $*: $(tail -n 3 "$T/run.log")"
    failed=$((failed + 1))
    return 1
}
run predict --group catdog --out "$O" samples/cat_chelsea.png samples/parrot.jpg &&
    run gradcam --score logit --out "$O" samples/cat_chelsea.png samples/parrot.jpg &&
    run activations --model "$K/small_convnet.h5" --out "$O" --layers conv2d,max_pooling2d samples/coffee.png &&
    run filters --model "$K/small_convnet.h5" --out "$O" --layers conv2d --steps 2
SHOT_DIR=${CLVIS_SCREENSHOT_DIR:-$(cd "$BUILD" && pwd)/tests}
mkdir -p "$SHOT_DIR"
SHOT="$SHOT_DIR/report_screenshot.png"
count() {
    passed=$((passed + $(grep -c '^PASS' "$1")))
    failed=$((failed + $(grep -c '^FAIL' "$1")))
    cat "$1"
}
if [ -f "$O/index.html" ]; then
    timeout 180 "$PY" tests/report_browser.py "$O/index.html" "$SHOT" >"$T/ok.txt" 2>"$T/ok.err" ||
        [ -s "$T/ok.txt" ] || echo "FAIL the browser did not run: $(tail -n 3 "$T/ok.err")" >"$T/ok.txt"
    count "$T/ok.txt"
    echo "screenshot: $SHOT"
    # the same checks on a copy with one picture gone must fail
    cp -r "$O" "$T/broken"
    rm -f "$T/broken"/gradcam-paper_parrot_overlay.jpg
    timeout 180 "$PY" tests/report_browser.py "$T/broken/index.html" "$T/broken.png" --expect-broken \
        >"$T/broken.txt" 2>"$T/broken.err" ||
        [ -s "$T/broken.txt" ] || echo "FAIL the browser did not run: $(tail -n 3 "$T/broken.err")" >"$T/broken.txt"
    count "$T/broken.txt"
else
    echo "FAIL no index.html written"
    failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

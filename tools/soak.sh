#!/usr/bin/env bash
# soak.sh — long runs in one process: predict and gradcam over N copies of a photo (default
# 1000 for both) against a 10-image run; prints the peak RSS of each, which
# must not grow with N (buffers are planned once per model and batch size, then reused).
# Usage: tools/soak.sh [N_PREDICT] [N_GRADCAM]
set -euo pipefail
cd "$(dirname "$0")/.."
np=${1:-1000}; ng=${2:-1000}
CLVIS=build/clvis
out=$(mktemp -d)
list() { for _ in $(seq "$1"); do echo samples/coffee.png; done; }
rss() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -n 1; }
for n in 10 "$np"; do
    echo "predict  MobileNetV2 $n images: peak RSS $(rss $CLVIS predict --quiet $(list "$n")) KB"
done
for n in 10 "$ng"; do
    echo "gradcam  MobileNetV2 $n images: peak RSS $(rss $CLVIS gradcam --quiet --out "$out" $(list "$n")) KB"
done
rm -rf "$out"

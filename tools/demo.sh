#!/usr/bin/env bash
# demo.sh — sets up and builds clvis if needed, then shows what a real ImageNet convnet
# (MobileNetV2, models/mobilenet_v2.h5) has learned, offline, on the default OpenCL device:
# predictions for every sample photo, activation grids of its first layers on the cat,
# filter-pattern grids for four layers, and Grad-CAM on the elephants, the cat and the parrot.
# Everything lands in out/ (or $1), with out/index.html as the page to open.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-out}
tools/setup.sh
CLVIS=build/clvis
step() { printf '\n== %s\n' "$*" >&2; }
t0=$(date +%s)

step "device"
$CLVIS devices
step "predict: every sample photo"
$CLVIS predict --out "$OUT" samples/*.jpg samples/*.png
step "activations: the first 8 layers on the cat (listing 5.31)"
$CLVIS activations --out "$OUT" samples/cat_chelsea.png
step "filters: 8x8 grids of 64x64 patterns, 40 steps each, 64 filters per device batch (listing 5.39);
      MobileNet was trained on x/127.5 - 1, so that preprocessing sits in front of it (--preprocess tf)"
$CLVIS filters --out "$OUT" --preprocess tf --layers Conv1,block_1_expand,block_3_expand,block_6_expand
step "Grad-CAM (listings 5.40-5.44)"
for img in samples/elephants_small.jpg samples/cat_chelsea.png samples/parrot.jpg; do
    $CLVIS gradcam --out "$OUT" "$img"
done
printf '\ndemo finished in %ss; open %s/index.html\n' $(( $(date +%s) - t0 )) "$OUT"

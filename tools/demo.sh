#!/usr/bin/env bash
# demo.sh — sets up and builds clvis if needed, then shows what a real ImageNet convnet
# (MobileNetV2, models/mobilenet_v2.h5) has learned, offline, on the default OpenCL device:
# predictions for every sample photo, activation grids of its first layers on the cat,
# filter-pattern grids for four layers, Grad-CAM on the elephants, the cat and the parrot in both
# variants (the book's and the paper's, side by side on the page), and the book's exercise (cat
# or dog? on every sample photo). Everything lands in out/ (or $1), with out/index.html as the
# page to open.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-out}
tools/setup.sh
CLVIS=build/clvis
step() { printf '\n== %s\n' "$*" >&2; }
t0=$(date +%s)

step "device"
$CLVIS devices
step "predict: every sample photo, and the book's exercise: cat or dog? (a verdict per photo from
      its top-1 ImageNet class: dogs 151-268, domestic cats 281-285), the counts, and the Grad-CAM
      of each photo's top class"
$CLVIS predict --out "$OUT" --group catdog samples/*.jpg samples/*.png
step "activations: the first 8 layers on the cat (listing 5.31)"
$CLVIS activations --out "$OUT" samples/cat_chelsea.png
step "filters: 8x8 grids of 64x64 patterns, 40 steps each, 64 filters per device batch (listing 5.39);
      MobileNet was trained on x/127.5 - 1, so that preprocessing sits in front of it (--preprocess tf)"
$CLVIS filters --out "$OUT" --preprocess tf --layers Conv1,block_1_expand,block_3_expand,block_6_expand
step "Grad-CAM (listings 5.40-5.44) in both variants, side by side on the page: the book's and the
      paper's (--score logit)"
imgs=(samples/elephants_small.jpg samples/cat_chelsea.png samples/parrot.jpg)
$CLVIS gradcam --out "$OUT" "${imgs[@]}"
$CLVIS gradcam --out "$OUT" --score logit "${imgs[@]}"
echo "why they differ: the book differentiates the post-softmax probability, the paper the pre-softmax logit; the softmax saturates, so the probability's gradient is mostly the difference from the other classes and can light up the background" >&2
printf '\ndemo finished in %ss; open %s/index.html\n' $(( $(date +%s) - t0 )) "$OUT"

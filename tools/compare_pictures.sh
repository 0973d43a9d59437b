#!/usr/bin/env bash
# compare_pictures.sh — runs a fixed set of clvis commands (the demo's pictures at reduced step
# counts, Grad-CAM in both score modes, predictions, a dump) and records a SHA-256 of every output
# file, so a refactor can prove that every picture is byte-identical before and after.
# Usage: tools/compare_pictures.sh CLVIS_BINARY DIR            writes DIR/SHA256SUMS
#        tools/compare_pictures.sh CLVIS_BINARY DIR REF_SUMS   also compares with REF_SUMS
# HDF5 dumps are compared as h5dump text (the files carry object timestamps); index.html and
# manifest.tsv carry timings and are left out, and so are the page's thumbnails (thumb_*.jpg).
# Grad-CAM overlays are compared as the lossless PNGs of --format png (the default JPEG depends
# on the libjpeg-turbo build); the paper's variant writes gradcam-paper_* (the reference's gl/
# names were gradcam_* before the two variants could share a folder; same bytes).
set -euo pipefail
cd "$(dirname "$0")/.."
C=$1 OUT=$2 REF=${3:-}
M=models/mobilenet_v2.h5
K=tests/data/keras
rm -rf "$OUT"
mkdir -p "$OUT"
run() { "$C" "$@" --quiet > /dev/null; }
run predict --model $M --out "$OUT/p" --json samples/*.jpg samples/*.png
"$C" predict --model $M --json samples/*.jpg samples/*.png > "$OUT/p/predict.json" 2> /dev/null
run activations --model $M --out "$OUT/a" samples/cat_chelsea.png
run activations --model $K/functional.h5 --out "$OUT/af" samples/coffee.png
run filters --model $M --out "$OUT/f" --preprocess tf --steps 4 --layers Conv1,block_3_expand
run filters --model $M --out "$OUT/f1" --layer block_1_expand --filter 3 --steps 6
run filters --model $K/small_convnet.h5 --out "$OUT/fs" --steps 5 --layers conv2d,conv2d_2
for img in samples/elephants_small.jpg samples/cat_chelsea.png samples/parrot.jpg; do
    run gradcam --model $M --out "$OUT/g" --format png "$img"
    run gradcam --model $M --out "$OUT/gl" --format png --score logit "$img"
done
run gradcam --model $K/small_convnet.h5 --out "$OUT/gs" --format png samples/cat_chelsea.png
run gradcam --model $K/small_convnet.h5 --out "$OUT/gsl" --format png --score logit samples/cat_chelsea.png
run dump --model $M --out "$OUT/d" --grad Conv1:3 samples/coffee.png
# the dump's "layer" attributes (the exact layer name, added with ONNX support) are left out,
# so the data is compared with the reference as it was
for h in "$OUT"/d/*.h5; do
    h5dump "$h" | sed 1d | awk '
        skip { depth += gsub(/\{/, "{") - gsub(/\}/, "}"); if (depth <= 0) skip = 0; next }
        /^ *ATTRIBUTE "layer" \{/ { depth = gsub(/\{/, "{") - gsub(/\}/, "}"); skip = depth > 0; next }
        { print }' > "$h.txt"
    rm "$h"
done
sums=$( (cd "$OUT" && find . -type f ! -name index.html ! -name manifest.tsv ! -name 'thumb_*.jpg' ! -name '.*' | LC_ALL=C sort |
    xargs sha256sum) )
echo "$sums" > "$OUT/SHA256SUMS"
echo "compare_pictures: $(wc -l < "$OUT/SHA256SUMS") files in $OUT/SHA256SUMS"
if [ -n "$REF" ]; then
    if diff <(cut -c67- "$REF") <(cut -c67- "$OUT/SHA256SUMS") > /dev/null &&
       diff "$REF" "$OUT/SHA256SUMS"; then
        echo "compare_pictures: every file byte-identical to $REF"
    else
        echo "compare_pictures: DIFFERENT from $REF" >&2
        exit 1
    fi
fi

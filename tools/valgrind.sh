#!/usr/bin/env bash
# valgrind.sh — memcheck on every clvis command over the small Keras fixtures: no invalid read
# or write, no leak of clvis's own memory (PoCL/LLVM internals suppressed: tests/valgrind.supp).
# Slow (PoCL's compiler under valgrind): about 2-4 minutes a command on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/.."
B=${CLVIS_BUILD:-build}
K=tests/data/keras
out=$(mktemp -d)
export CLVIS_CACHE_DIR=$out/cache
"$B/clvis" predict --quiet --model $K/small_convnet.h5 samples/coffee.png >/dev/null # warm caches
fails=0 total=0
vg() {
    local name=$1; shift
    total=$((total + 1))
    valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
        --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
        --suppressions=tests/valgrind.supp "$B/clvis" "$@" >"$out/$name.out" 2>"$out/$name.vg"
    local rc=$?
    if [ $rc -eq 99 ]; then
        fails=$((fails + 1)); echo "FAIL $name"; head -40 "$out/$name.vg"
    else
        echo "PASS $name (exit $rc, no memcheck error)"
    fi
}
vg devices     devices
vg info        info $K/functional.h5
vg predict     predict --quiet --model $K/small_convnet.h5 samples/coffee.png samples/parrot.jpg
vg activations activations --quiet --model $K/small_convnet.h5 --out "$out/o" samples/cat_chelsea.png
vg filters     filters --quiet --model $K/small_convnet.h5 --out "$out/o" --layers conv2d --steps 2
vg gradcam     gradcam --quiet --model $K/functional.h5 --out "$out/o" samples/coffee.png
vg dump        dump --quiet --model $K/functional.h5 --out "$out/o" --grad conv2d_5:3 samples/coffee.png
vg bench       bench --quiet --quick --runs 1 --workload op_relu,small
vg bad_layer   gradcam --quiet --model $K/functional.h5 --out "$out/o" --layer nope samples/coffee.png
vg bad_image   predict --quiet --model $K/small_convnet.h5 "$K/functional.h5"
vg bad_flag    gradcam --quiet --frobnicate samples/coffee.png
vg bad_usage   filters --filter 3
rm -rf "$out"
echo "$((total - fails)) passed, $fails failed"
[ $fails -eq 0 ]

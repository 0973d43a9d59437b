#!/usr/bin/env bash
# fuzz.sh — builds the libFuzzer harnesses (clang, ASan + UBSan) and runs each for SECONDS
# (default 60) with seed corpora from the test fixtures. Crashes land in fuzz-out/<harness>/.
# Usage: tools/fuzz.sh [SECONDS] [HARNESS...]
#        (harnesses: fuzz_image fuzz_bmp fuzz_tiff fuzz_webp fuzz_keras fuzz_json fuzz_zip fuzz_cli fuzz_cache fuzz_onnx; default all)
# Fork mode (FUZZ_JOBS workers, default 1): a crash, timeout or leak is saved as an artifact
# and fuzzing goes on.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}; shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(fuzz_image fuzz_bmp fuzz_tiff fuzz_webp fuzz_keras fuzz_json fuzz_zip fuzz_cli fuzz_cache fuzz_onnx)
if [ ! -f build-fuzz/build.ninja ]; then
    CC=clang meson setup build-fuzz -Dfuzz=true -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C build-fuzz $(printf "tests/fuzz/%s " "${harnesses[@]}") >/dev/null
export CLVIS_CACHE_DIR=${CLVIS_CACHE_DIR:-$PWD/fuzz-out/cache}
# PoCL's LLVM keeps compiler allocations until exit: not ours, not leaks of clvis.
export LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp
for h in "${harnesses[@]}"; do
    corpus=fuzz-out/$h/corpus; mkdir -p "$corpus" "fuzz-out/$h/crashes"
    case $h in
        fuzz_image) cp -n tests/data/viz/*.png tests/data/viz/*.jpg samples/elephants_small.jpg \
                        tests/data/formats/*.jpg "$corpus"/ 2>/dev/null || true ;;
        fuzz_bmp)   cp -n tests/data/formats/*.bmp "$corpus"/ 2>/dev/null || true ;;
        fuzz_tiff)  cp -n tests/data/formats/*.tif "$corpus"/ 2>/dev/null || true ;;
        fuzz_webp)  cp -n tests/data/formats/*.webp "$corpus"/ 2>/dev/null || true ;;
        fuzz_keras) cp -n tests/data/keras/*.h5 tests/data/keras/*.keras "$corpus"/ 2>/dev/null || true ;;
        fuzz_json)  cp -n tests/data/keras/*.json "$corpus"/ 2>/dev/null || true ;;
        fuzz_zip)   cp -n tests/data/keras/*.keras "$corpus"/ 2>/dev/null || true ;;
        fuzz_onnx)  # the committed fixtures and the small models of ONNX's own test suite
                    for f in tests/data/onnx/*/model.onnx; do
                        [ -f "$f" ] && cp -n "$f" "$corpus/$(basename "$(dirname "$f")").onnx"
                    done
                    for f in /usr/share/libonnx-testdata/data/{node,pytorch-converted}/*/model.onnx; do
                        [ -f "$f" ] && [ "$(stat -c %s "$f")" -lt 100000 ] &&
                            cp -n "$f" "$corpus/$(basename "$(dirname "$f")").onnx"
                    done 2>/dev/null || true ;;
        fuzz_cache) # valid entries for the harness's key (tests/fuzz/fuzz_cache.c), small payloads
                    python3 - "$corpus" <<'PY'
import hashlib, struct, sys
key = hashlib.sha256(b''.join(struct.pack('<Q', len(f)) + f
                              for f in (b'fuzz', b'source', b'options', b'device'))).digest()
for i, payload in enumerate([b'x', bytes(range(256)), b'\x7fELF' + bytes(200)]):
    head = b'clvisKC\n' + struct.pack('<IIQ', 1, 88, len(payload)) + key
    with open('%s/seed_%d' % (sys.argv[1], i), 'wb') as f:
        f.write(head + hashlib.sha256(payload).digest() + payload)
PY
                    ;;
        fuzz_cli)   i=0; grep -v '^#' tests/fuzz/cli_seeds.txt | while IFS= read -r line; do
                        i=$((i + 1)); printf '%s' "$line" | tr ' ' '\0' > "$corpus/seed_$i"; done ;;
    esac
    extra=()
    [ -f "tests/fuzz/${h#fuzz_}.dict" ] && extra=(-dict="tests/fuzz/${h#fuzz_}.dict")
    echo "== $h for ${secs}s" >&2
    ./build-fuzz/tests/fuzz/$h "$corpus" "${extra[@]}" -max_total_time="$secs" -max_len=2000000 \
        -timeout=30 -fork="${FUZZ_JOBS:-1}" -ignore_timeouts=1 -ignore_ooms=1 -ignore_crashes=1 \
        -artifact_prefix="fuzz-out/$h/crashes/" -print_final_stats=1 2>&1 |
        grep -E "stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|Done|INFO: fuzzed for|crash|timeout" || true
    # Triage: replay every artifact. The HDF5 readers run libhdf5 first in a forked child
    # (preflight in src/import/keras_h5.c); when libhdf5 crashes there, the child inherits
    # libFuzzer's crash handler and saves the input although the harness itself went on with a
    # clean error. Such inputs are moved to contained/; what still fails on replay stays.
    mkdir -p "fuzz-out/$h/contained"
    for a in "fuzz-out/$h/crashes"/*; do
        [ -f "$a" ] || continue
        if timeout 120 "./build-fuzz/tests/fuzz/$h" "$a" >/dev/null 2>&1; then
            mv "$a" "fuzz-out/$h/contained/"
        fi
    done
    echo "artifacts: $(ls "fuzz-out/$h/crashes" | wc -l) open in fuzz-out/$h/crashes/," \
         "$(ls "fuzz-out/$h/contained" | wc -l) contained (crash in the libhdf5 sandbox child, clean error on replay)" >&2
done

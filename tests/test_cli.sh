#!/usr/bin/env bash
# test_cli.sh BUILD_DIR — the clvis command line end to end: fixtures, the real MobileNetV2 on
# samples/, and bad inputs (one-line errors, exit 1 / 2, no partial files).
# Prints PASS/FAIL lines and "N passed, M failed"; exit 77 (skip) without an OpenCL device
# unless CLVIS_REQUIRE_DEVICE=1.
set -u
. "$(dirname "$0")/lib.sh"
BUILD=${1:-build}
need_clvis "$BUILD"

T=$(mktemp -d /tmp/clvis_cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
K=tests/data/keras
MOBILE=models/mobilenet_v2.h5

# run NAME EXPECTED_RC -- args...: captures stdout/stderr into $T/NAME.{out,err}
run() {
    local name=$1 want=$2
    shift 3
    "$CLVIS" "$@" >"$T/$name.out" 2>"$T/$name.err"
    local rc=$?
    if [ "$rc" != "$want" ]; then
        fail "$name: exit $rc, want $want" "$(head -c 300 "$T/$name.err")"
        return 1
    fi
    return 0
}

# bad NAME EXPECTED_RC PATTERN -- args...: exits with the code, stderr one line "clvis: ..."
# matching PATTERN (first line for usage errors), no files left in $T/bad_NAME
bad() {
    local name=$1 want=$2 pat=$3
    shift 4
    local out="$T/bad_$name"
    run "$name" "$want" -- "$@" || return
    local lines
    lines=$(wc -l <"$T/$name.err")
    local first
    first=$(head -n 1 "$T/$name.err")
    if [ "$want" = 1 ] && [ "$lines" != 1 ]; then
        fail "$name: $lines lines on stderr, want 1" "$(head -c 300 "$T/$name.err")"
    elif [[ "$first" != clvis:* ]] || ! grep -q -E -- "$pat" <<<"$first"; then
        fail "$name: message" "$first"
    elif [ -d "$out" ] && [ -n "$(ls -A "$out")" ]; then
        fail "$name: files left behind" "$(ls "$out")"
    else
        pass "$name (exit $want): ${first:0:150}"
    fi
}

# jpeg_size FILE: "WxH" of a JPEG (its first SOF marker), "" when none
jpeg_size() {
    python3 - "$1" <<'PY' 2>/dev/null
import struct, sys
d = open(sys.argv[1], "rb").read()
i = 2
while i + 9 < len(d) and d[0:2] == b"\xff\xd8":
    m, n = d[i + 1], struct.unpack(">H", d[i + 2:i + 4])[0]
    if 0xC0 <= m <= 0xCF and m not in (0xC4, 0xC8, 0xCC):
        h, w = struct.unpack(">HH", d[i + 5:i + 9])
        print("%dx%d" % (w, h))
        break
    i += 2 + n
PY
}

# jpeg_quality_is FILE Q: the JPEG's luminance quantisation table is libjpeg's standard table at
# quality Q (as cv2.imwrite and TurboJPEG scale it)
# the number of colour components of a JPEG's frame (3: RGB / YCbCr, 1: gray)
jpeg_components() {
    python3 - "$1" <<'PY' 2>/dev/null
import struct, sys
d = open(sys.argv[1], "rb").read()
i = 2
while i + 10 < len(d) and d[0:2] == b"\xff\xd8":
    m, n = d[i + 1], struct.unpack(">H", d[i + 2:i + 4])[0]
    if 0xC0 <= m <= 0xCF and m not in (0xC4, 0xC8, 0xCC):
        print(d[i + 9])
        break
    i += 2 + n
PY
}
jpeg_quality_is() {
    python3 - "$1" "$2" <<'PY' 2>/dev/null
import sys
std = [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69,
       56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81,
       104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99]
q = int(sys.argv[2])
scale = 5000 // q if q < 50 else 200 - 2 * q
want = sorted(min(255, max(1, (v * scale + 50) // 100)) for v in std)
d = open(sys.argv[1], "rb").read()
i = d.index(b"\xff\xdb")
got = sorted(d[i + 5:i + 69])  # table 0, 8-bit, in zigzag order (sorted: order-free)
sys.exit(0 if d[i + 4] == 0 and got == want else 1)
PY
}

# ---- devices, info -------------------------------------------------------------------------
run devices 0 -- devices && check "devices: table" "grep -q 'OpenCL' '$T/devices.out' && [ \$(wc -l <'$T/devices.out') -ge 2 ]"
check "devices: each device's kernel choice (the table's row)" "grep -Eq '^kernels 0: table row .*: conv (cpu|gpu), dense (cpu|gpu)' '$T/devices.out'" "$(cat "$T/devices.out")"
run devices_k 0 -- devices --kernels conv=gpu,tile=16x16x8/4x4 --json &&
    check "devices --kernels conv=gpu,tile=...: the override in the JSON" "grep -q '\"kernels\":\"table row [^\"]* + override: conv gpu, dense [a-z]* (tiled: conv 16x16x8/4x4' '$T/devices_k.out'" "$(cat "$T/devices_k.out")"
run devices_bad 1 -- devices --kernels conv=fast &&
    check "devices --kernels conv=fast: one line, names the item" "[ \$(wc -l <'$T/devices_bad.err') = 1 ] && grep -q \"^clvis: --kernels: kernel choice 'conv=fast'\" '$T/devices_bad.err'" "$(cat "$T/devices_bad.err")"
run info_k 0 -- info --kernels gpu &&
    check "info --kernels gpu: the choice printed" "grep -q '^Kernels: table row .* + override: conv gpu, dense gpu' '$T/info_k.out'" "$(cat "$T/info_k.out")"
run pred_kbad 1 -- predict --kernels tile=64x64x16/3x4 samples/coffee.png &&
    check "predict --kernels with a tile WM does not divide: exit 1, one line naming the tile" "[ \$(wc -l <'$T/pred_kbad.err') = 1 ] && grep -q 'does not fit' '$T/pred_kbad.err'" "$(cat "$T/pred_kbad.err")"
run info 0 -- info "$K/small_convnet.h5" &&
    check "info: summary table" "grep -q 'conv2d_3 *Conv2D *(None, 4, 4, 64) *36928' '$T/info.out' && grep -q 'Total params: 77025' '$T/info.out'" "$(head -c 400 "$T/info.out")"

# ---- #13 item 3: a model that states no preprocessing is told so (info, the first result) ----
run info_pp 0 -- info "$K/small_convnet.h5" &&
    check "info on a Keras model without a stated preprocessing: 'not stated', the note on stderr names --preprocess scale" "grep -q 'Preprocessing: raw (pixels 0..255), not stated by the model' '$T/info_pp.out' && grep -q '^clvis: note: .*small_convnet.h5 states no preprocessing; used: raw .*--preprocess raw|scale|tf|caffe|torch (scale for x/255' '$T/info_pp.err' && [ \$(wc -l <'$T/info_pp.err') = 1 ]" "$(cat "$T/info_pp.err")"
run pred_pp 0 -- predict --model "$K/small_convnet.h5" samples/coffee.png samples/owl.jpg &&
    check "predict on it: the note once on stderr (two images; besides it only their progress line and the summary)" "[ \$(grep -c 'states no preprocessing' '$T/pred_pp.err') = 1 ] && [ \$(grep -v '^predict: images: 2/2' '$T/pred_pp.err' | grep -vc '^clvis: done 2 of 2, 0 failed') = 1 ]" "$(cat "$T/pred_pp.err")"
run pred_pp_given 0 -- predict --model "$K/small_convnet.h5" --preprocess scale samples/coffee.png &&
    check "predict --preprocess scale: no note" "[ ! -s '$T/pred_pp_given.err' ]" "$(cat "$T/pred_pp_given.err")"
run pred_pp_quiet 0 -- predict --quiet --model "$K/small_convnet.h5" samples/coffee.png &&
    check "predict --quiet: no note" "[ ! -s '$T/pred_pp_quiet.err' ]" "$(cat "$T/pred_pp_quiet.err")"
run filt_pp 0 -- filters --model "$K/small_convnet.h5" --out "$T/fpp" --layer conv2d --filter 0 --steps 1 --size 32 &&
    check "filters on it: the note says the pixels are fed raw" "grep -q '^clvis: note: filter patterns are optimised on raw pixels.*states no preprocessing' '$T/filt_pp.err'" "$(cat "$T/filt_pp.err")"
if [ -f "$MOBILE" ]; then
    run pred_pp_known 0 -- predict --model "$MOBILE" samples/coffee.png &&
        check "predict on a known architecture (MobileNetV2): no note" "[ -z \"\$(grep note '$T/pred_pp_known.err')\" ]" "$(cat "$T/pred_pp_known.err")"
    run info_pp_known 0 -- info "$MOBILE" &&
        check "info on MobileNetV2: tf, stated by the architecture" "grep -q 'Preprocessing: tf (x/127.5 - 1), stated by the MobileNet architecture' '$T/info_pp_known.out'"
fi

# ---- #13 item 3: a 1-channel (grayscale) model: every command, pictures in RGB ---------------
GRAY=tests/data/onnx/gray/model.onnx
pngtype() { od -An -tu1 -j25 -N1 "$1" | tr -d ' '; }   # PNG colour type: 2 = RGB
run gray_pred 0 -- predict --quiet --model "$GRAY" samples/parrot.jpg &&
    check "gray model: predict" "[ \$(grep -c '^  [123]. class ' '$T/gray_pred.out') = 3 ]" "$(cat "$T/gray_pred.out")"
run gray_gc 0 -- gradcam --quiet --model "$GRAY" --out "$T/gray" samples/coffee.png &&
    check "gray model: gradcam map and overlay are RGB, the overlay at the photo's size" "[ \"\$(pngtype '$T/gray/gradcam_coffee_map.png')\" = 2 ] && [ \"\$(jpeg_components '$T/gray/gradcam_coffee_overlay.jpg')\" = 3 ] && [ \"\$(jpeg_size '$T/gray/gradcam_coffee_overlay.jpg')\" = \"\$(od -An -tu4 --endian=big -j16 -N8 samples/coffee.png | awk '{print \$1 \"x\" \$2}')\" ]" "$(ls "$T/gray")"
run gray_act 0 -- activations --quiet --model "$GRAY" --out "$T/gray" --layers /relu2/Relu samples/parrot.jpg &&
    check "gray model: activations grid RGB" "[ \"\$(pngtype '$T/gray/act__relu2_Relu.png')\" = 2 ]"
run gray_filt 0 -- filters --quiet --model "$GRAY" --out "$T/gray" --layers /conv2/Conv --steps 2 &&
    check "gray model: filters grid RGB" "[ \"\$(pngtype '$T/gray/filters__conv2_Conv.png')\" = 2 ]"
run gray_one 0 -- filters --quiet --model "$GRAY" --out "$T/gray" --layer /conv1/Conv --filter 1 --steps 2 &&
    check "gray model: one pattern RGB" "[ \"\$(pngtype '$T/gray/pattern__conv1_Conv_1.png')\" = 2 ]"
bad gray_torch 1 'torch normalises three colour channels; a 1-channel model takes raw, scale or tf' -- predict --model "$GRAY" --preprocess torch samples/parrot.jpg

# ---- #13 item 2: progress on stderr: one line per task; plain lines off a terminal ----------
run prog_filters 0 -- filters --model "$K/small_convnet.h5" --out "$T/prog" --layers conv2d,conv2d_1 --steps 3 &&
    check "filters off a terminal: one final progress line per grid (16 x 3, 32 x 3 steps), no carriage returns" "[ \$(grep -c '^filters conv2d (16 patterns x 3 steps): 48/48 (100%), ' '$T/prog_filters.err') = 1 ] && [ \$(grep -c '^filters conv2d_1 (32 patterns x 3 steps): 96/96 (100%), ' '$T/prog_filters.err') = 1 ] && [ \$(grep -c 'patterns x' '$T/prog_filters.err') = 2 ] && ! grep -q \$'\\r' '$T/prog_filters.err'" "$(cat "$T/prog_filters.err")"
run prog_quiet 0 -- filters --quiet --model "$K/small_convnet.h5" --out "$T/prog" --layers conv2d --steps 3 &&
    check "filters --quiet: nothing on stderr" "[ ! -s '$T/prog_quiet.err' ]" "$(cat "$T/prog_quiet.err")"
run prog_images 0 -- predict --model "$K/functional.h5" samples/coffee.png samples/owl.jpg samples/parrot.jpg &&
    check "predict over 3 images, stdout not a terminal: the images' progress line" "grep -q '^predict: images: 3/3 (100%), ' '$T/prog_images.err'" "$(cat "$T/prog_images.err")"
CLVIS_CACHE_DIR="$T/kcache" run prog_compile 0 -- predict --model "$K/functional.h5" samples/coffee.png &&
    CLVIS_CACHE_DIR="$T/kcache" run prog_compile2 0 -- predict --model "$K/functional.h5" samples/coffee.png &&
    check "first run on an empty kernel cache: 'compiling kernels for DEVICE, once; cached in DIR'; the second run: no such line" "grep -q '^compiling kernels for .*, once; cached in $T/kcache: done in ' '$T/prog_compile.err' && ! grep -q 'compiling kernels' '$T/prog_compile2.err'" "$(cat "$T/prog_compile.err" "$T/prog_compile2.err")"
if command -v script >/dev/null && script -qec true /dev/null >/dev/null 2>&1; then
    script -qec "'$CLVIS' filters --model '$K/small_convnet.h5' --out '$T/progt' --layers conv2d --steps 3 >/dev/null" /dev/null >"$T/prog_tty.out" 2>&1
    script -qec "'$CLVIS' filters --quiet --model '$K/small_convnet.h5' --out '$T/progt' --layers conv2d --steps 3 >/dev/null" /dev/null >"$T/prog_ttyq.out" 2>&1
    check "filters on a terminal (script): the line rewrites itself (\\r, erase to the end), ends at 48/48; --quiet: nothing" "grep -q \$'\\rfilters conv2d (16 patterns x 3 steps): [0-9]*/48 .*\\033\\[K' '$T/prog_tty.out' && grep -q '48/48 (100%)' '$T/prog_tty.out' && ! grep -q 'patterns x' '$T/prog_ttyq.out'" "$(cat -A "$T/prog_tty.out" | head -c 400)"
else
    echo "SKIP progress on a terminal: no working script(1)"
fi

# ---- fixtures: activations, filters, gradcam ---------------------------------------------------
run act_fix 0 -- activations --quiet --model "$K/small_convnet.h5" --out "$T/fx" samples/coffee.png &&
    check "activations small_convnet: 8 PNGs + index" "[ \$(ls '$T/fx'/act_*.png | wc -l) = 8 ] && grep -q act_conv2d_3.png '$T/fx/index.html'"
run act_layers 0 -- activations --quiet --model "$K/small_convnet.h5" --out "$T/fx" --layers conv2d_1,max_pooling2d_1 samples/owl.jpg &&
    check "activations --layers: stats printed" "grep -q 'conv2d_1 *29x29x32' '$T/act_layers.out'" "$(cat "$T/act_layers.out")"
run filt_one 0 -- filters --quiet --model "$K/small_convnet.h5" --out "$T/fx" --layer conv2d --filter 3 --steps 5 &&
    check "filters single pattern written" "[ -s '$T/fx/pattern_conv2d_3.png' ]"
run filt_150 0 -- filters --quiet --model "$K/small_convnet.h5" --out "$T/fx150" --layer conv2d_1 --filter 1 --steps 2 &&
    check "single pattern at the book's default 150x150 on a 64x64 model" "[ \"\$(od -An -tu1 -j16 -N8 '$T/fx150/pattern_conv2d_1_1.png' | tr -s ' ')\" = ' 0 0 0 150 0 0 0 150' ]"
run filt_dense 1 -- filters --quiet --model "$K/small_convnet.h5" --out "$T/fxd" --layer dense --filter 1 &&
    check "filters on a Dense layer refused" "grep -q 'dense' '$T/filt_dense.err'"
run filt_init 0 -- filters --quiet --model "$K/small_convnet.h5" --out "$T/fx" --layer conv2d --filter 0 --size 64 --init "$K/book_expected.h5:filters/start" &&
    check "filters --init HDF5 start" "[ -s '$T/fx/pattern_conv2d_0.png' ]"
# #13 item 4: a grid of a layer's own size (16 filters: 8 rows x 2 columns, 133x547, not half
# of an 8x8 left black); --filters picks them; the caption says which
run filt_grid 0 -- filters --quiet --model "$K/small_convnet.h5" --out "$T/fx" --layers conv2d --steps 3 &&
    check "filters grid of a 16-filter layer: 8 rows x 2 columns (133x547), the caption says filters 0..15" "[ -s '$T/fx/filters_conv2d.png' ] && [ \"\$(od -An -tu1 -j16 -N8 '$T/fx/filters_conv2d.png' | tr -s ' ')\" = ' 0 0 0 133 0 0 2 35' ] && grep -q 'filters_conv2d.png.*8 rows x 2 columns' '$T/filt_grid.out' && grep -q 'filters 0..15 (all) of 16, 8 rows x 2 columns' '$T/fx/index.html'" "$(cat "$T/filt_grid.out")"
run filt_list 0 -- filters --quiet --model "$K/small_convnet.h5" --out "$T/fl" --layers conv2d_2 --filters 0,5,9-12 --steps 1 &&
    check "filters --filters 0,5,9-12: 6 patterns, one column of 6 (64x409), the caption names the list" "[ \"\$(od -An -tu1 -j16 -N8 '$T/fl/filters_conv2d_2.png' | tr -s ' ')\" = ' 0 0 0 64 0 0 1 153' ] && grep -q 'filters 0,5,9-12 of 64, 6 rows x 1 column' '$T/fl/index.html'" "$(cat "$T/filt_list.out")"
run filt_range 0 -- filters --quiet --model "$K/small_convnet.h5" --out "$T/fl" --layers conv2d_3 --filters 32-63 --steps 1 &&
    check "filters --filters 32-63: 8 rows x 4 columns (271x547)" "[ \"\$(od -An -tu1 -j16 -N8 '$T/fl/filters_conv2d_3.png' | tr -s ' ')\" = ' 0 0 1 15 0 0 2 35' ] && grep -q 'filters 32-63 of 64' '$T/fl/index.html'"
bad filters_bad_range 2 "filters: bad range '9-3'" -- filters --model "$K/small_convnet.h5" --out "$T/bad_filters_bad_range" --layers conv2d --filters 0,9-3
bad filters_bad_item 2 "filters: bad filter index 'x'" -- filters --model "$K/small_convnet.h5" --out "$T/bad_filters_bad_item" --layers conv2d --filters 1,x
bad filters_out_of_layer 2 "filter 70 out of range: layer 'conv2d_2' has 64 filters \(0..63\)" -- filters --model "$K/small_convnet.h5" --out "$T/bad_filters_out_of_layer" --layers conv2d_2 --filters 60-70
bad filters_both 2 "give --filter F \(one pattern\) or --filters LIST" -- filters --model "$K/small_convnet.h5" --layer conv2d --filter 1 --filters 1-3
# class visualisation: --filter on the output layer is gradient ascent on the class's logit
run filt_class 0 -- filters --quiet --model "$K/functional.h5" --out "$T/cv" --layer dense --filter 3 --steps 3 &&
    check "filters --layer dense --filter 3 on a softmax output: class visualisation at the model's 32x32, the caption says so" "[ \"\$(od -An -tu1 -j16 -N8 '$T/cv/pattern_dense_3.png' | tr -s ' ')\" = ' 0 0 0 32 0 0 0 32' ] && grep -q 'class visualisation of class 3 of dense: gradient ascent on its pre-softmax score' '$T/cv/index.html'"
bad filters_class_range 2 "class 10 out of range: layer 'dense' has 10 classes \(0..9\)" -- filters --model "$K/functional.h5" --out "$T/bad_filters_class_range" --layer dense --filter 10
bad filters_hidden_dense 1 "no spatial feature maps .*the output layer 'dense_1' takes --filter K" -- filters --model "$K/small_convnet.h5" --out "$T/bad_filters_hidden_dense" --layer dense --filter 1
run gc_fix 0 -- gradcam --quiet --model "$K/functional.h5" --out "$T/fx" --json samples/coffee.png &&
    check "gradcam functional: json, the map PNG, the overlay JPEG (quality 95) and a thumbnail" "grep -q '\"layer\":\"conv2d_5\"' '$T/gc_fix.out' && [ -s '$T/fx/gradcam_coffee_map.png' ] && [ \"\$(head -c 3 '$T/fx/gradcam_coffee_overlay.jpg' | od -An -tx1 | tr -d ' ')\" = ffd8ff ] && [ \"\$(jpeg_size '$T/fx/gradcam_coffee_overlay.jpg')\" = \"\$(od -An -tu4 --endian=big -j16 -N8 samples/coffee.png | awk '{print \$1 \"x\" \$2}')\" ] && jpeg_quality_is '$T/fx/gradcam_coffee_overlay.jpg' 95 && ! jpeg_quality_is '$T/fx/gradcam_coffee_overlay.jpg' 90 && [ -s '$T/fx/thumb_coffee.jpg' ]" "$(head -c 300 "$T/gc_fix.out")"
if command -v h5ls >/dev/null; then
    run dump 0 -- dump --quiet --model "$K/functional.h5" --out "$T/dump" --grad conv2d_5:3 samples/coffee.png &&
        check "dump: every layer NHWC + gradient of conv2d_5 channel 3 to the input" "h5ls -r '$T/dump/dump_coffee.h5' > '$T/dump.ls' && grep -q '/act/conv2d_5 *Dataset {1, 8, 7, 32}' '$T/dump.ls' && grep -q '/act/dense *Dataset {1, 10}' '$T/dump.ls' && grep -q '/grad/input_1 *Dataset {1, 32, 32, 3}' '$T/dump.ls' && [ \$(grep -c '^/act/' '$T/dump.ls') = 23 ]"
else
    echo "SKIP dump check: h5ls (hdf5-tools) not installed"
fi
run gc_many 0 -- gradcam --quiet --model "$K/functional.h5" --out "$T/many" --json samples/coffee.png samples/parrot.jpg samples/owl.jpg &&
    check "gradcam over several images in one process: 3 JSON lines, 3 maps, 3 overlays" "[ \$(grep -c '\"path\"' '$T/gc_many.out') = 3 ] && [ \$(ls '$T/many' | grep -c 'gradcam_.*_map.png') = 3 ] && [ \$(ls '$T/many' | grep -c 'gradcam_.*_overlay.jpg') = 3 ]"
# a folder of photos: its .png/.jpg/.jpeg files in name order; an unreadable one is named and
# skipped, the run goes on, and the exit status says something failed
mkdir -p "$T/folder/sub"
cp samples/coffee.png "$T/folder/b.png"; cp samples/parrot.jpg "$T/folder/a.JPG"
echo 'not a photo' >"$T/folder/c.jpeg"; echo notes >"$T/folder/readme.txt"; cp samples/owl.jpg "$T/folder/sub/"
run pred_dir 1 -- predict --quiet --model "$K/functional.h5" --top 1 "$T/folder/" &&
    check "predict over a folder: a.JPG then b.png, c.jpeg named and skipped, a summary line, exit 1" "[ \"\$(grep -v '^ ' '$T/pred_dir.out' | tr '\n' ' ')\" = '$T/folder/a.JPG $T/folder/b.png ' ] && grep -q '^clvis: $T/folder/c.jpeg: ' '$T/pred_dir.err' && grep -q '^clvis: done 2 of 3, 1 failed' '$T/pred_dir.err' && [ \$(wc -l <'$T/pred_dir.err') = 2 ]" "$(cat "$T/pred_dir.out" "$T/pred_dir.err" | head -c 400)"
run gc_dir 1 -- gradcam --quiet --model "$K/functional.h5" --out "$T/gcdir" "$T/folder" samples/owl.jpg &&
    check "gradcam over a folder and a file: 3 pairs of pictures, nothing for the bad one" "[ \$(ls '$T/gcdir' | grep -c 'gradcam_.*\(_map.png\|_overlay.jpg\)\$') = 6 ] && [ -z \"\$(ls '$T/gcdir' | grep gradcam_c_)\" ]" "$(ls "$T/gcdir")"
# ---- #17: output names are safe and unique: never outside --out, never a silent overwrite ----
# photos whose stems collide (pic.png / pic.jpg; "p c" and p_c sanitise alike): four pairs of
# pictures, a warning for each renamed one
mkdir -p "$T/collide"
cp samples/coffee.png "$T/collide/pic.png"; cp samples/parrot.jpg "$T/collide/pic.jpg"
cp samples/coffee.png "$T/collide/p c.png"; cp samples/parrot.jpg "$T/collide/p_c.png"
run gc_collide 0 -- gradcam --quiet --model "$K/functional.h5" --out "$T/gcc" "$T/collide" &&
    check "gradcam: colliding image stems give distinct results (pic, pic_2, p_c, p_c_2) and a warning each" "[ \$(ls '$T/gcc' | grep -c '^gradcam_.*\(_map.png\|_overlay.jpg\)\$') = 8 ] && [ -s '$T/gcc/gradcam_pic_2_overlay.jpg' ] && [ -s '$T/gcc/gradcam_p_c_2_map.png' ] && [ -s '$T/gcc/thumb_pic_2.jpg' ] && [ \$(grep -c 'warning: .* is written as gradcam_' '$T/gc_collide.err') = 2 ] && [ \$(grep -c -P '^gradcam\tgradcam_' '$T/gcc/manifest.tsv') = 8 ]" "$(ls "$T/gcc"; cat "$T/gc_collide.err")"
# a layer named like a path (the Keras 3 config of the functional fixture with its ReLU renamed):
# its picture stays inside --out
sed 's|"re_lu"|"sub/../../../../../../../../tmp/clvis_escape_'$$'"|g' "$K/functional_k3_config.json" >"$T/trav.json"
mkdir -p "$T/deep/a/b/c/d"
run act_trav 0 -- activations --quiet --model "$K/functional.weights.h5" --config "$T/trav.json" --out "$T/deep/a/b/c/d/o" --layers "sub/../../../../../../../../tmp/clvis_escape_$$,conv2d,conv2d" samples/coffee.png &&
    check "activations: a layer named sub/../../tmp/x writes inside --out; a layer asked twice gets act_conv2d_2.png" "[ ! -e /tmp/clvis_escape_$$.png ] && [ -z \"\$(ls -A '$T/deep/a/b/c' | grep -v '^d\$')\" ] && [ \$(ls '$T/deep/a/b/c/d/o' | grep -c '^act_.*png\$') = 3 ] && [ -s '$T/deep/a/b/c/d/o/act_conv2d_2.png' ] && ls '$T/deep/a/b/c/d/o' | grep -q '^act_sub_.*clvis_escape_$$.png\$' && grep -q 'warning: act_conv2d.png is already a result' '$T/act_trav.err'" "$(ls -R "$T/deep"; cat "$T/act_trav.err")"
rm -f "/tmp/clvis_escape_$$.png"
# filters --style lucid (feature visualisation as Lucid does it): a grid, one pattern, the class
# objective on the sigmoid output, refusals
run lucid_grid 0 -- filters --quiet --style lucid --model "$K/small_convnet.h5" --out "$T/lucid" --layers conv2d --size 64 --steps 4 &&
    check "filters --style lucid grid of a 16-filter layer: 8 rows x 2 columns (133x547), the caption says so" "[ -s '$T/lucid/lucid_conv2d.png' ] && [ \"\$(od -An -tu1 -j16 -N8 '$T/lucid/lucid_conv2d.png' | tr -s ' ')\" = ' 0 0 0 133 0 0 2 35' ] && grep -q 'filters 0..15 of 16, 8 rows x 2 columns' '$T/lucid/index.html'"
run lucid_one 0 -- filters --quiet --style lucid --model "$K/small_convnet.h5" --out "$T/lucid" --layer conv2d_1 --filter 2 --size 64 --steps 4 --param pixel --no-decorrelate --no-transforms --tv 0.01 --l1 0.01 --blur 0.1 --optimizer rms --lr 0.5 &&
    check "filters --style lucid one pattern, every switch" "[ -s '$T/lucid/lucid_conv2d_1_2.png' ]" "$(ls "$T/lucid")"
run lucid_class 0 -- filters --quiet --style lucid --objective class --model "$K/small_convnet.h5" --out "$T/lucid" --filter 0 --size 64 --steps 4 &&
    check "filters --style lucid --objective class: the output layer" "[ -s '$T/lucid/lucid_dense_1_0.png' ]" "$(ls "$T/lucid")"
run lucid_dir 0 -- filters --quiet --style lucid --objective direction --direction 1,0,-1,0,0,0,0,0,0,0,0,0,0,0,0,0.5 --model "$K/small_convnet.h5" --out "$T/lucid" --layer conv2d --size 64 --steps 3 &&
    check "filters --style lucid --objective direction: one pattern" "[ -s '$T/lucid/lucid_conv2d_direction.png' ]" "$(ls "$T/lucid")"
bad lucid_dir_len 1 'direction: 2 weights, layer .conv2d. has 16 channels' -- filters --style lucid --objective direction --direction 1,2 --model "$K/small_convnet.h5" --out "$T/bad_lucid_dir" --layer conv2d --size 64 --steps 1
bad lucid_class_conv 1 'not a dense output' -- filters --style lucid --objective class --model "$K/small_convnet.h5" --out "$T/bad_lucid_class" --layer conv2d --filter 0 --size 64 --steps 1
bad lucid_dense 1 'no spatial feature maps' -- filters --style lucid --model "$K/small_convnet.h5" --out "$T/bad_lucid_dense" --layer dense --filter 0 --size 64 --steps 1
bad lucid_needs_style 2 'need --style lucid' -- filters --model "$K/small_convnet.h5" --out "$T/bad_lucid_style" --tv 1
run filt_twice 0 -- filters --quiet --model "$K/small_convnet.h5" --out "$T/ftw" --layers conv2d,conv2d --steps 1 &&
    check "filters --layers conv2d,conv2d: two grids, not one overwritten" "[ -s '$T/ftw/filters_conv2d.png' ] && [ -s '$T/ftw/filters_conv2d_2.png' ]" "$(ls "$T/ftw")"

# two processes on one --out at once: the manifest (under flock, merged) keeps both runs' entries
mkdir -p "$T/conc1" "$T/conc2"
for i in 1 2 3 4; do cp samples/coffee.png "$T/conc1/a$i.png"; cp samples/coffee.png "$T/conc2/b$i.png"; done
"$CLVIS" gradcam --quiet --model "$K/functional.h5" --out "$T/conc" "$T/conc1" >/dev/null 2>"$T/conc1.err" & p1=$!
"$CLVIS" gradcam --quiet --model "$K/functional.h5" --out "$T/conc" "$T/conc2" >/dev/null 2>"$T/conc2.err" & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
check "two concurrent gradcam runs on one --out: all 16 CAM and 8 thumbnail entries kept, index shows all 24" "[ $r1 = 0 ] && [ $r2 = 0 ] && [ \$(grep -c -P '^gradcam\tgradcam_' '$T/conc/manifest.tsv') = 16 ] && [ \$(grep -c -P '^gradcam\tthumb_' '$T/conc/manifest.tsv') = 8 ] && [ \$(grep -o '<img' '$T/conc/index.html' | wc -l) = 24 ] && [ -z \"\$(ls -A '$T/conc' | grep tmp)\" ]" "$(cat "$T/conc1.err" "$T/conc2.err"; grep -c '^gradcam' "$T/conc/manifest.tsv")"

# a failed run leaves no output folder it created (nor its new parents); an existing one stays
bad pred_missing_out 1 'nope.jpg' -- predict --model "$K/functional.h5" --out "$T/pmo/a/b" "$T/nope.jpg"
check "predict on a missing image with --out: no empty folder left (nor its new parents)" "[ ! -e '$T/pmo' ]"
mkdir -p "$T/pmo_kept"
bad pred_missing_kept 1 'nope.jpg' -- predict --model "$K/functional.h5" --out "$T/pmo_kept" "$T/nope.jpg"
check "an existing empty --out is kept" "[ -d '$T/pmo_kept' ]"
# stale temporaries of dead processes are swept at start; a live process's and other files kept
sh -c 'exit 0' & dead=$!; wait $dead
mkdir -p "$T/sweep"
echo partial >"$T/sweep/.gradcam_x_overlay.png.tmp.$dead.0123456789abcdef"
echo partial >"$T/sweep/manifest.tsv.tmp.$dead"
echo live >"$T/sweep/.index.html.tmp.$$.0123456789abcdef"
echo mine >"$T/sweep/notes.tmp.$dead.txt"
run sweep 0 -- gradcam --model "$K/functional.h5" --out "$T/sweep" samples/coffee.png &&
    check "stale temporaries (dead PID) swept, one notice; a live PID's temporary and other files kept" "[ ! -e '$T/sweep/.gradcam_x_overlay.png.tmp.$dead.0123456789abcdef' ] && [ ! -e '$T/sweep/manifest.tsv.tmp.$dead' ] && [ -e '$T/sweep/.index.html.tmp.$$.0123456789abcdef' ] && [ -e '$T/sweep/notes.tmp.$dead.txt' ] && grep -q 'removed 2 stale temporaries' '$T/sweep.err'" "$(ls -A "$T/sweep"; cat "$T/sweep.err")"
# SIGTERM / SIGINT while the overlay is being written (held there by the test hook
# CLVIS_TEST_STALL_WRITE): the signal ends the run, no temporary, no map without its overlay
for sig in TERM INT; do
    # (python3 puts back the default SIGINT action, which a background job starts without)
    CLVIS_TEST_STALL_WRITE=overlay.jpg python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' "$CLVIS" gradcam --quiet --model "$K/functional.h5" --out "$T/sig$sig" samples/coffee.png >/dev/null 2>&1 & gp=$!
    seen=0
    for _ in $(seq 1 600); do   # up to 30 s for the temporary to appear
        if ls -A "$T/sig$sig" 2>/dev/null | grep -q 'overlay.jpg.tmp'; then seen=1; break; fi
        sleep 0.05
    done
    kill -$sig $gp; wait $gp; grc=$?
    check "SIG$sig during gradcam's overlay write: killed by it (exit $grc), no temporary, no map without its overlay, no folder it created" "[ $seen = 1 ] && [ $grc = $((128 + $(kill -l $sig))) ] && [ ! -e '$T/sig$sig' ]" "$(ls -A "$T/sig$sig" 2>&1)"
done

# #17 limits: a FIFO named b.jpg in a folder is skipped (named, exit 1), never waited on;
# --labels that is not a regular file (/dev/zero) or is too big is refused before reading
mkdir -p "$T/fifo"; cp samples/coffee.png "$T/fifo/a.png"; mkfifo "$T/fifo/b.jpg"
timeout 60 "$CLVIS" predict --quiet --model "$K/functional.h5" --top 1 "$T/fifo" >"$T/fifo.out" 2>"$T/fifo.err"; frc=$?
check "predict over a folder with a FIFO b.jpg: a.png predicted, b.jpg named and skipped, exit 1 (no hang)" "[ $frc = 1 ] && grep -q 'a.png' '$T/fifo.out' && grep -q 'b.jpg: not a regular file (a FIFO)' '$T/fifo.err'" "rc $frc $(cat "$T/fifo.err")"
bad labels_dev 1 'labels.*not a regular file' -- predict --model "$K/functional.h5" --labels /dev/zero samples/coffee.png
head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$T/big_labels.txt"
bad labels_big 1 'labels file .* larger than' -- predict --model "$K/functional.h5" --labels "$T/big_labels.txt" samples/coffee.png
rm -f "$T/big_labels.txt"

# filter patterns whose memory estimate is over the device's memory: refused at once with the
# estimate (was: an OOM kill at 22 GB for --size 4096 on MobileNetV2); 64 items of 4096x4096 per
# batch are over any device's memory
bad filters_mem 1 'GiB of device memory .* over the device' -- filters --model "$K/small_convnet.h5" --out "$T/bad_filters_mem" --layers conv2d_3 --size 4096 --chunk 64 --steps 1
check "the refused filters run leaves no output folder" "[ ! -e '$T/bad_filters_mem' ]"

mkdir -p "$T/nophotos"
bad empty_folder 1 'no .png .jpg .jpeg .webp .tif .tiff .bmp files in the directory' -- predict --model "$K/functional.h5" "$T/nophotos"
bad empty_folder_gc 1 'no .png .jpg .jpeg .webp .tif .tiff .bmp files in the directory' -- gradcam --model "$K/functional.h5" --out "$T/bad_empty_folder_gc/out" "$T/nophotos"
check "gradcam on a folder without photos creates no output directory" "[ ! -e '$T/bad_empty_folder_gc/out' ]"
# #17 item 7: arguments refused without a model are usage errors (exit 2)
bad size_one 2 'size: expected an integer in 8..4096' -- filters --model "$K/small_convnet.h5" --out "$T/bad_size_one" --layer conv2d --filter 0 --size 1
bad group_unknown 2 "group: expected catdog, got 'birds'" -- predict --model "$K/functional.h5" --group birds samples/coffee.png
bad format_unknown 2 "format: expected jpeg or png, got 'gif'" -- gradcam --model "$K/functional.h5" --out "$T/bad_format_unknown" --format gif samples/coffee.png
bad format_no_group 2 "format applies to the Grad-CAM of --group" -- predict --model "$K/functional.h5" --format png samples/coffee.png
bad group_not_imagenet 1 'needs an ImageNet model \(1000 classes\)' -- predict --model "$K/functional.h5" --group catdog --out "$T/bad_group_not_imagenet" samples/coffee.png
bad empty_out 2 "out: expected a directory" -- gradcam --model "$K/functional.h5" --out "" samples/coffee.png
bad empty_layers 2 'layers: no layer names given' -- activations --model "$K/functional.h5" --out "$T/bad_empty_layers" --layers "" samples/coffee.png
run gc_logit 0 -- gradcam --quiet --model "$K/functional.h5" --out "$T/fx" --score logit --class 3 samples/coffee.png &&
    check "gradcam --score logit --class 3" "grep -q 'class 3 ' '$T/gc_logit.out' && grep -q logit '$T/gc_logit.out'"
# the CAM method table from the command line: each method's own files, its name in the JSON
for m in gradcam++ xgradcam layercam hirescam eigencam eigengradcam scorecam ablationcam fullgrad; do
    run "gc_$m" 0 -- gradcam --quiet --json --model "$K/functional.h5" --out "$T/gcm" --method "$m" samples/coffee.png &&
        check "gradcam --method $m: json names it, ${m}_coffee_map.png, _overlay.jpg" "grep -qF '\"method\":\"$m\"' '$T/gc_$m.out' && grep -q '\"score\":\"prob\"' '$T/gc_$m.out' && [ -s '$T/gcm/${m}_coffee_map.png' ] && [ -s '$T/gcm/${m}_coffee_overlay.jpg' ]" "$(head -c 300 "$T/gc_$m.out")"
done
check "nine methods, nine pairs of pictures, no gradcam_ files" "[ \$(ls '$T/gcm' | grep -c '_map.png\$') = 9 ] && [ \$(ls '$T/gcm' | grep -c '_overlay.jpg\$') = 9 ] && [ -z \"\$(ls '$T/gcm' | grep '^gradcam_')\" ]" "$(ls "$T/gcm")"
# the forward-pass methods in device batches of 3 (a padded last batch): the same map
for m in scorecam ablationcam; do
    run "gc_${m}_b3" 0 -- gradcam --quiet --json --model "$K/functional.h5" --out "$T/gcm_b3" --method "$m" --batch 3 samples/coffee.png &&
        check "gradcam --method $m --batch 3: the map of the default batch" "[ \"\$(grep -o '\"map\":\[.*\]\]' '$T/gc_${m}_b3.out')\" = \"\$(grep -o '\"map\":\[.*\]\]' '$T/gc_$m.out')\" ] && grep -q '\"map\":\[\[' '$T/gc_$m.out'"
done
run gc_progress 0 -- gradcam --model "$K/functional.h5" --out "$T/gcm_prog" --method ablationcam --batch 5 samples/coffee.png &&
    check "ablationcam: a progress line per device batch on stderr, the last one complete" "grep -qE '^ablationcam: 5/[0-9]+ channels \(batch 5\)' '$T/gc_progress.err' && tail -n 5 '$T/gc_progress.err' | grep -qE '^ablationcam: ([0-9]+)/\1 channels'" "$(head -c 300 "$T/gc_progress.err")"
bad batch_method 2 "batch applies to --method scorecam and ablationcam" -- gradcam --model "$K/functional.h5" --out "$T/bad_batch_method" --method layercam --batch 4 samples/coffee.png
check "--batch with another method writes nothing" "[ ! -e '$T/bad_batch_method' ]"
bad method_unknown 2 "unknown CAM method 'gradcam\+\+\+' \(known: gradcam, .*hirescam, eigencam, eigengradcam, scorecam, ablationcam, fullgrad\)" -- gradcam --model "$K/functional.h5" --out "$T/bad_method_unknown" --method 'gradcam+++' samples/coffee.png
# #13: a one-output sigmoid model's classes are class 1 = p and class 0 = 1 - p everywhere
run pred_sig 0 -- predict --quiet --model "$K/small_convnet.h5" samples/coffee.png &&
    check "predict sigmoid model: both classes, class 1 = p, class 0 = 1 - p" "grep -q '^  [12]. class 1 [0-9.]* (p, the sigmoid output)' '$T/pred_sig.out' && grep -q '^  [12]. class 0 [0-9.]* (1 - p)' '$T/pred_sig.out'" "$(cat "$T/pred_sig.out")"
run pred_sig_json 0 -- predict --quiet --json --preprocess scale --model "$K/small_convnet.h5" samples/coffee.png &&
    run gc_sig0 0 -- gradcam --quiet --json --preprocess scale --model "$K/small_convnet.h5" --out "$T/sig" --class 0 samples/coffee.png &&
    run gc_sig1 0 -- gradcam --quiet --json --preprocess scale --model "$K/small_convnet.h5" --out "$T/sig" --class 1 samples/coffee.png &&
    run gc_sigd 0 -- gradcam --quiet --json --preprocess scale --model "$K/small_convnet.h5" --out "$T/sig" samples/coffee.png &&
    check "sigmoid model: predict's two classes sum to 1; gradcam --class 0 has 1 - p and a map where class 1's is 0 (the gradient of -p), the default is the predicted class" "python3 -c '
import json, sys
pr, c0, c1, cd = (json.loads(open(f).readline()) for f in sys.argv[1:5])
t = {e[\"index\"]: e[\"probability\"] for e in pr[\"top\"]}
assert set(t) == {0, 1} and abs(t[0] + t[1] - 1) < 1e-6, t
assert c0[\"class\"] == 0 and c1[\"class\"] == 1, (c0[\"class\"], c1[\"class\"])
assert abs(c0[\"probability\"] - t[0]) < 1e-6 and abs(c1[\"probability\"] - t[1]) < 1e-6
m0 = sum(c0[\"map\"], []); m1 = sum(c1[\"map\"], [])
assert max(m0) > 0 and max(m1) > 0 and not any(a > 0 and b > 0 for a, b in zip(m0, m1)), (m0, m1)
assert cd[\"class\"] == pr[\"top\"][0][\"index\"], (cd[\"class\"], pr)
' '$T/pred_sig_json.out' '$T/gc_sig0.out' '$T/gc_sig1.out' '$T/gc_sigd.out'" "$(cat "$T/gc_sig0.out" "$T/gc_sig1.out" | head -c 600)"
bad gc_sig2 1 'class 2 out of range: .* 2 classes \(0..1; one sigmoid output: class 1 = p, class 0 = 1 - p\)' -- gradcam --model "$K/small_convnet.h5" --out "$T/bad_gc_sig2" --class 2 samples/coffee.png
# saliency and evaluate: the same two classes of a sigmoid model (class 0 = 1 - p, its gradient
# minus class 1's); evaluate judges one map for each class (deletion: P of class 0 = 1 - P of 1)
run sal_sig0 0 -- saliency --quiet --json --preprocess scale --model "$K/small_convnet.h5" --out "$T/salsig" --method vanilla-signed --class 0 samples/coffee.png &&
    run sal_sig1 0 -- saliency --quiet --json --preprocess scale --model "$K/small_convnet.h5" --out "$T/salsig" --method vanilla-signed --class 1 samples/coffee.png &&
    run ev_sig 0 -- evaluate --quiet --json --preprocess scale --model "$K/small_convnet.h5" --method layercam --class 1 --metric deletion --steps 4 samples/coffee.png &&
    run ev_sig0 0 -- evaluate --quiet --json --preprocess scale --model "$K/small_convnet.h5" --method vanilla --class 0 --metric deletion --steps 4 samples/coffee.png &&
    check "saliency / evaluate on a sigmoid model: class 0 = 1 - p, its signed gradient minus class 1's; names carry _c0 / _c1; evaluate of class 0 runs" "python3 -c '
import json, sys
s0, s1, e1, e0 = (json.loads(open(f).readlines()[-1]) for f in sys.argv[1:5])
assert s0[\"class\"] == 0 and s1[\"class\"] == 1 and abs(s0[\"probability\"] + s1[\"probability\"] - 1) < 1e-5, (s0[\"probability\"], s1[\"probability\"])
a0, a1 = sum(s0[\"map\"], []), sum(s1[\"map\"], [])
assert max(map(abs, a1)) > 0 and max(abs(x + y) for x, y in zip(a0, a1)) < 1e-6, \"class 0 = minus class 1\"
assert e1[\"class\"] == 1 and abs(e1[\"probability\"] - s1[\"probability\"]) < 1e-5 and e0[\"class\"] == 0 and abs(e0[\"probability\"] - s0[\"probability\"]) < 1e-5, (e1, e0)
assert len(e0[\"curves\"][\"deletion\"]) == 5 and 0 <= e0[\"metrics\"][\"deletion\"] <= 1
' '$T/sal_sig0.out' '$T/sal_sig1.out' '$T/ev_sig.out' '$T/ev_sig0.out' && [ -s '$T/salsig/saliency_vanilla-signed_coffee_c0_map.png' ] && [ -s '$T/salsig/saliency_vanilla-signed_coffee_c1_map.png' ]" "$(ls "$T/salsig"; head -c 300 "$T/sal_sig0.out"; head -c 300 "$T/ev_sig0.out")"
bad sal_sig2 1 'class 2 out of range: .* 2 classes \(0..1; one sigmoid output' -- saliency --model "$K/small_convnet.h5" --out "$T/bad_sal_sig2" --class 2 samples/coffee.png
bad ev_sig2 1 'class 2 out of range: .* 2 classes \(0..1; one sigmoid output' -- evaluate --model "$K/small_convnet.h5" --class 2 samples/coffee.png
# ---- gradcam --method all / a list: one grid per photo, the page's comparison, a record each ----
run gc_all 0 -- gradcam --quiet --json --model "$K/functional.h5" --out "$T/gcall" --method all samples/coffee.png &&
    check "gradcam --method all: every method's pictures and a $((11 * 224 + 12 * 4))x$((2 * 224 + 3 * 4)) grid (11 cells across, map and overlay rows)" "[ \$(ls '$T/gcall' | grep -c '_overlay.jpg\$') = 11 ] && [ \"\$(jpeg_size '$T/gcall/compare_coffee_grid.jpg')\" = $((11 * 224 + 12 * 4))x$((2 * 224 + 3 * 4)) ] && [ -s '$T/gcall/thumb_coffee.jpg' ]" "$(ls "$T/gcall")" &&
    check "gradcam --method all --json: one record per method of the table (scorecam, ablationcam included) with its raw map, shape, score, probability, class, layer and time, then the comparison" "python3 -c '
import json, sys
L = [json.loads(l) for l in open(sys.argv[1])]
want = [\"gradcam\", \"gradcam-paper\", \"gradcam++\", \"xgradcam\", \"layercam\", \"hirescam\", \"eigencam\", \"eigengradcam\", \"scorecam\", \"ablationcam\", \"fullgrad\"]
assert [l.get(\"method\") for l in L[:-1]] == want, L
for l in L[:-1]:
    h, w = l[\"shape\"]
    assert len(l[\"map\"]) == h and all(len(r) == w for r in l[\"map\"]), l[\"method\"]
    assert l[\"ms\"] > 0 and 0 < l[\"probability\"] <= 1 and l[\"class\"] == L[0][\"class\"] and l[\"layer\"] and \"score_value\" in l
    assert max(max(r) for r in l[\"map\"]) <= 1.0 + 1e-6
assert len(set(json.dumps(l[\"map\"]) for l in L[:-1])) >= 8, \"the methods give different maps\"
c = L[-1]
assert c[\"comparison\"].endswith(\"compare_coffee_grid.jpg\") and [m[\"variant\"] for m in c[\"methods\"]] == want, c
assert all(m[\"ms\"] > 0 and m[\"metric\"] is None for m in c[\"methods\"])
' '$T/gc_all.out'" "$(tail -c 400 "$T/gc_all.out")" &&
    check "gradcam --method all: the page's comparison section names the 11 columns in order with their times" "grep -q 'id=\"compare\"' '$T/gcall/index.html' && grep -q 'src=\"compare_coffee_grid.jpg\"' '$T/gcall/index.html' && [ \$(grep -c '^<tr><td class=\"num\">[0-9]*</td><td>[a-z+-]*</td><td class=\"num\">[0-9.]*</td>' '$T/gcall/index.html') = 11 ] && grep -q '<td class=\"num\">11</td><td>fullgrad</td>' '$T/gcall/index.html' && grep -q -P '^gradcam\tcompare_coffee_grid.jpg\t.*\tcompare\tgradcam,gradcam-paper,gradcam\+\+,' '$T/gcall/manifest.tsv'" "$(grep -A3 'id=\"compare\"' "$T/gcall/index.html" | head -c 600)"
run gc_list 0 -- gradcam --quiet --model "$K/functional.h5" --out "$T/gclist" --score logit --method layercam,gradcam,gradcam-paper samples/coffee.png samples/owl.jpg &&
    check "gradcam --method layercam,gradcam,gradcam-paper --score logit: gradcam is the paper's then, run once; a 2-column grid per photo, in the order given" "[ \"\$(jpeg_size '$T/gclist/compare_coffee_grid.jpg')\" = $((2 * 224 + 3 * 4))x$((2 * 224 + 3 * 4)) ] && [ -s '$T/gclist/compare_owl_grid.jpg' ] && [ -s '$T/gclist/layercam-logit_owl_overlay.jpg' ] && [ -z \"\$(ls '$T/gclist' | grep '_2_')\" ] && grep -q -P '\tcompare\tlayercam-logit,gradcam-paper\t' '$T/gclist/manifest.tsv' && [ \$(grep -c 'methods compared' '$T/gc_list.out') = 2 ]" "$(ls "$T/gclist"; cat "$T/gc_list.err")"
# --metric: each method's map judged (clvis_evaluate) in its record, the text and the page;
# --class in the names of every file, so a second class never overwrites the first
run gc_met 0 -- gradcam --quiet --json --model "$K/functional.h5" --out "$T/gcmet" --method gradcam,layercam --metric drop,deletion --class 3 samples/coffee.png &&
    run gc_met5 0 -- gradcam --quiet --model "$K/functional.h5" --out "$T/gcmet" --method gradcam,layercam --metric drop,deletion --class 5 samples/coffee.png &&
    run ev_met 0 -- evaluate --quiet --json --model "$K/functional.h5" --method gradcam,layercam --metric drop,deletion --class 3 samples/coffee.png &&
    check "gradcam --method A,B --class 3 --metric drop,deletion: names carry method and class (a run with --class 5 in the same folder overwrites nothing)" "[ -s '$T/gcmet/compare_coffee_c3_grid.jpg' ] && [ -s '$T/gcmet/compare_coffee_c5_grid.jpg' ] && [ -s '$T/gcmet/gradcam_coffee_c3_map.png' ] && [ -s '$T/gcmet/layercam_coffee_c3_overlay.jpg' ] && [ -s '$T/gcmet/layercam_coffee_c5_overlay.jpg' ] && [ ! -e '$T/gcmet/compare_coffee_grid.jpg' ] && [ -z \"\$(ls '$T/gcmet' | grep '_2[_.]')\" ] && ! grep -q warning '$T/gc_met5.err'" "$(ls "$T/gcmet"; cat "$T/gc_met5.err")" &&
    check "gradcam --metric: each method's scores in its comparison record equal clvis evaluate's of the same method and class" "python3 -c '
import json, sys
c = [json.loads(l) for l in open(sys.argv[1])][-1]
ev = {o[\"method\"]: o for o in map(json.loads, open(sys.argv[2]))}
assert [m[\"variant\"] for m in c[\"methods\"]] == [\"gradcam\", \"layercam\"] and c[\"class\"] == 3, c
for m in c[\"methods\"]:
    e = ev[m[\"variant\"]]
    assert e[\"class\"] == 3 and set(m[\"metric\"]) == {\"drop\", \"deletion\"} and m[\"metric_ms\"] > 0, (m, e)
    for k, v in m[\"metric\"].items():
        assert abs(v - e[\"metrics\"][k]) <= 1e-6 * max(1, abs(v)), (k, v, e[\"metrics\"][k])
' '$T/gc_met.out' '$T/ev_met.out'" "$(tail -c 500 "$T/gc_met.out"; head -c 300 "$T/ev_met.out")" &&
    check "gradcam --metric: the page shows both grids (class 3, class 5), each method's scores in its own grid's table, not again under Other; the text lists them per method" "[ \$(grep -c '<td>samples/coffee.png for class 3: drop [0-9.e-]*, deletion [0-9.e-]*</td></tr>' '$T/gcmet/index.html') = 2 ] && [ \$(grep -c '<td>samples/coffee.png for class 5: drop' '$T/gcmet/index.html') = 2 ] && [ \$(grep -c '<article id=\"compare-' '$T/gcmet/index.html') = 2 ] && ! grep -q 'id=\"other\"' '$T/gcmet/index.html' && [ \$(grep -c -P '\tmetric\t(gradcam|layercam)\t' '$T/gcmet/manifest.tsv') = 4 ] && grep -q -E '^  layercam +[0-9.]+ ms  drop [0-9.e-]+, deletion [0-9.e-]+\$' '$T/gc_met5.out'" "$(grep -A6 'class=\"compare\"' "$T/gcmet/index.html" | head -c 900; cat "$T/gc_met5.out")"
bad gc_metric_one 2 "--metric judges the methods of a comparison: give --method all or a list" -- gradcam --model "$K/functional.h5" --out "$T/bad_gc_metric_one" --metric drop samples/coffee.png
bad gc_metric_unknown 2 "--metric: unknown metric 'nope'" -- gradcam --model "$K/functional.h5" --out "$T/bad_gc_metric_unknown" --method all --metric drop,nope samples/coffee.png
bad method_list_unknown 2 "unknown CAM method 'nope' in the list \(known: gradcam, .*, or all\)" -- gradcam --model "$K/functional.h5" --out "$T/bad_method_list_unknown" --method layercam,nope samples/coffee.png
check "an unknown name in a --method list writes nothing" "[ ! -e '$T/bad_method_list_unknown' ]"
check "index.html lists every picture" "[ \$(grep -o '<img' '$T/fx/index.html' | wc -l) -ge 13 ] && [ ! -e '$T/fx/index.html.tmp'* ]"
check "no temporaries left" "[ -z \"\$(ls '$T/fx' | grep tmp)\" ]"

# ---- MobileNetV2 on photos ---------------------------------------------------------------------
if [ -f "$MOBILE" ]; then
    run pred_cat 0 -- predict samples/cat_chelsea.png &&
        check "predict cat_chelsea: a cat top-1" "sed -n 2p '$T/pred_cat.out' | grep -q -E 'Egyptian_cat|tabby|tiger_cat'" "$(cat "$T/pred_cat.out")"
    run pred_parrot 0 -- predict --json --top 5 samples/parrot.jpg &&
        check "predict parrot --json: macaw top-1" "grep -q '^{\"path\":\"samples/parrot.jpg\",\"top\":\\[{\"index\":88,\"wnid\":\"n01818515\",\"name\":\"macaw\"' '$T/pred_parrot.out'" "$(head -c 300 "$T/pred_parrot.out")"
    run gc_cat 0 -- gradcam --quiet --format png --out "$T/mb" samples/cat_chelsea.png &&
        check "gradcam --format png cat: map + PNG overlay at full size" "[ -s '$T/mb/gradcam_cat_chelsea_map.png' ] && [ -s '$T/mb/gradcam_cat_chelsea_overlay.png' ] && [ ! -e '$T/mb/gradcam_cat_chelsea_overlay.jpg' ] && grep -q out_relu '$T/gc_cat.out' && cmp -s <(od -An -tu1 -j16 -N8 '$T/mb/gradcam_cat_chelsea_overlay.png') <(od -An -tu1 -j16 -N8 samples/cat_chelsea.png)"
    # the book's and the paper's Grad-CAM of one photo side by side in one folder (item 7)
    run gc_paper 0 -- gradcam --quiet --out "$T/mb" --score logit samples/cat_chelsea.png &&
        check "gradcam --score logit writes gradcam-paper_*, beside the book's gradcam_* (kept); the page shows both" "[ -s '$T/mb/gradcam-paper_cat_chelsea_map.png' ] && [ -s '$T/mb/gradcam-paper_cat_chelsea_overlay.jpg' ] && [ -s '$T/mb/gradcam_cat_chelsea_overlay.png' ] && grep -q 'Grad-CAM, the paper' '$T/mb/index.html' && grep -q 'Grad-CAM, the book' '$T/mb/index.html'" "$(ls "$T/mb")"
    # the book's exercise: cat or dog per photo, the counts, the Grad-CAM of each top class
    run catdog 0 -- predict --group catdog --out "$T/cd" samples/cat_chelsea.png samples/parrot.jpg samples/owl.jpg &&
        check "predict --group catdog: top-3 and a verdict per photo (the cat a cat, the others other), the count table, a Grad-CAM each" "[ \$(grep -c '^  [123]\. n0' '$T/catdog.out') = 9 ] && grep -q '^  verdict: cat (top-1 class 28[1-5] ' '$T/catdog.out' && [ \$(grep -c '^  verdict: other ' '$T/catdog.out') = 2 ] && grep -q '^  cat  *1\$' '$T/catdog.out' && grep -q '^  dog  *0\$' '$T/catdog.out' && grep -q '^  other  *2\$' '$T/catdog.out' && [ \$(ls '$T/cd' | grep -c '^gradcam_.*_overlay.jpg\$') = 3 ] && [ \$(ls '$T/cd' | grep -c '^thumb_.*jpg\$') = 3 ] && grep -q 'id=\"catdog\"' '$T/cd/index.html' && grep -q '<th>total</th><td class=\"num\">3</td>' '$T/cd/index.html'" "$(cat "$T/catdog.out" "$T/catdog.err" | head -c 600)"
    run catdog_json 0 -- predict --quiet --json --group catdog --out "$T/cdj" samples/cat_chelsea.png samples/parrot.jpg &&
        check "predict --group catdog --json: a verdict and the Grad-CAM per photo, then the counts" "python3 -c 'import json,sys; L=[json.loads(l) for l in open(sys.argv[1])]; assert [l[\"verdict\"] for l in L[:2]]==[\"cat\",\"other\"], L; assert L[0][\"gradcam\"].endswith(\"gradcam_cat_chelsea_overlay.jpg\") and L[0][\"gradcam_class\"]==L[0][\"top\"][0][\"index\"]; assert L[2]==dict(group=\"catdog\",cat=1,dog=0,other=1,total=2), L[2]' '$T/catdog_json.out'" "$(head -c 600 "$T/catdog_json.out")"
    run cv_mb 0 -- filters --quiet --out "$T/mb" --preprocess tf --layer predictions --filter 386 --steps 2 &&
        check "MobileNetV2 filters --layer predictions --filter 386: class visualisation of African_elephant at 224x224" "[ \"\$(od -An -tu1 -j16 -N8 '$T/mb/pattern_predictions_386.png' | tr -s ' ')\" = ' 0 0 0 224 0 0 0 224' ] && grep -q 'class visualisation of class 386 African_elephant' '$T/mb/index.html'" "$(cat "$T/cv_mb.out")"
    run act_mb 0 -- activations --quiet --out "$T/mb" --layers Conv1_relu samples/parrot.jpg &&
        check "activations MobileNetV2 Conv1_relu" "[ -s '$T/mb/act_Conv1_relu.png' ]"

    # ---- bad inputs: one line, exit 1 (runtime) or 2 (usage), nothing written -----------------
    printf '\x89PNG\r\n\x1a\nthis is not a png' >"$T/corrupt.png"
    echo 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==' | base64 -d >"$T/one.png"
    touch "$T/afile"
    bad missing_image 1 'nope.jpg' -- gradcam --out "$T/bad_missing_image" "$T/nope.jpg"
    bad corrupt_image 1 'corrupt.png' -- gradcam --out "$T/bad_corrupt_image" "$T/corrupt.png"
    bad tiny_image 1 '1x1' -- predict --out "$T/bad_tiny_image" "$T/one.png"
    check "1x1 image: predict --out leaves no folder" "[ ! -e '$T/bad_tiny_image' ]"
    bad tiny_image_gc 1 '1x1' -- gradcam --out "$T/bad_tiny_image_gc" "$T/one.png"
    check "1x1 image: gradcam (which always writes to --out) leaves no folder" "[ ! -e '$T/bad_tiny_image_gc' ]"
    bad unknown_layer 1 "no layer named 'conv9'.*Conv1" -- gradcam --out "$T/bad_unknown_layer" --layer conv9 samples/parrot.jpg
    bad unknown_act_layer 1 "no layer named 'zz'" -- activations --out "$T/bad_unknown_act_layer" --layers Conv1,zz samples/parrot.jpg
    bad filter_range 2 'filter 99 out of range' -- filters --model "$K/small_convnet.h5" --out "$T/bad_filter_range" --layer conv2d --filter 99
    bad class_range 1 'class 1000 out of range' -- gradcam --out "$T/bad_class_range" --class 1000 samples/parrot.jpg
    bad nonconv_layer 1 'not a convolutional' -- gradcam --out "$T/bad_nonconv_layer" --layer global_average_pooling2d samples/parrot.jpg
    bad unwritable_out 1 'output directory' -- gradcam --out "$T/afile/sub" samples/parrot.jpg
    # a real directory this process cannot write: mode 0555, and as root (who writes through
    # modes) the immutable attribute; where neither holds, a /proc folder no one can create in
    mkdir -p "$T/ro"; chmod 0555 "$T/ro"
    ro="$T/ro"; immutable=0
    [ "$(id -u)" = 0 ] && chattr +i "$ro" 2>/dev/null && immutable=1
    if touch "$ro/probe" 2>/dev/null; then rm -f "$ro/probe"; ro=/proc/self/fdinfo; fi
    bad unwritable_dir 1 "output directory .* is not writable" -- gradcam --out "$ro" samples/parrot.jpg
    check "nothing written into the read-only directory ($ro)" "[ -z \"\$(ls -A '$ro' 2>/dev/null | grep -v '^[0-9]*\$')\" ]"
    [ $immutable = 1 ] && chattr -i "$T/ro"
    chmod 0755 "$T/ro"
    bad missing_model 1 'nomodel.h5' -- predict --model "$T/nomodel.h5" samples/parrot.jpg
    bad bad_size 2 'size: expected an integer in 8..4096' -- filters --out "$T/bad_bad_size" --model "$K/small_convnet.h5" --layer conv2d --filter 0 --size 2
    bad unknown_flag 2 "unknown option '--frobnicate'" -- gradcam --frobnicate samples/parrot.jpg
    bad bad_score 2 'prob or logit' -- gradcam --score maybe samples/parrot.jpg
    bad bad_number 2 'expected an integer' -- predict --top x samples/parrot.jpg
    bad unknown_cmd 2 "unknown command" -- frobnicate
    check "nothing created for the unwritable --out" "[ ! -e '$T/afile/sub' ]"

    # ---- injected device faults (CLVIS_FAULT=SITE:N): one line, exit 1, no picture ----------
    fault() { local name=$1 spec=$2; shift 2; CLVIS_FAULT=$spec bad "$name" 1 "$@"; }
    fault fault_enqueue enqueue:40 'CL_OUT_OF_RESOURCES' -- gradcam --out "$T/bad_fault_enqueue" samples/parrot.jpg
    fault fault_alloc alloc:3 'CL_MEM_OBJECT_ALLOCATION_FAILURE' -- gradcam --out "$T/bad_fault_alloc" samples/parrot.jpg
    fault fault_read read:2 'clEnqueueReadBuffer' -- gradcam --out "$T/bad_fault_read" samples/parrot.jpg
    fault fault_write write:1 'clEnqueueWriteBuffer' -- predict --out "$T/bad_fault_write" samples/parrot.jpg
    fault fault_filters enqueue:12 'CL_OUT_OF_RESOURCES' -- filters --model "$K/small_convnet.h5" --out "$T/bad_fault_filters" --layers conv2d --steps 5
    CLVIS_NO_CACHE=1 fault fault_build_named build 'building kernels .* failed: CL_BUILD_PROGRAM_FAILURE' -- predict --device 0 --out "$T/bad_fault_build_named" samples/parrot.jpg
    CLVIS_NO_CACHE=1 CLVIS_FAULT=build run fault_build_auto 1 -- predict --out "$T/bad_fault_build_auto" samples/parrot.jpg &&
        check "automatically chosen device failing to build: reported as skipped, then one error" "grep -q '^clvis: device .* skipped: building kernels' '$T/fault_build_auto.err' && tail -n 1 '$T/fault_build_auto.err' | grep -q '^clvis: no device could run the clvis kernels' && [ \$(wc -l < '$T/fault_build_auto.err') = 2 ]"
else
    echo "SKIP $MOBILE not present: MobileNetV2 tests"
fi

# ---- ONNX: the bundled MobileNetV2 converted (tools/keras_to_onnx.py) and a PyTorch export -----
ONNX=models/mobilenet_v2.onnx
PT=tests/data/onnx/resblock/model.onnx
if [ -f "$ONNX" ] && [ -f "$MOBILE" ]; then
    photos=(samples/*.jpg samples/*.png)
    run onnx_pred 0 -- predict --json --top 3 --model "$ONNX" "${photos[@]}" &&
        run keras_pred 0 -- predict --json --top 3 --model "$MOBILE" "${photos[@]}" &&
        check "ONNX MobileNetV2: the Keras file's top-3 on every sample photo (${#photos[@]})" "python3 -c '
import json, sys
a = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
b = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
assert len(a) == len(b) == int(sys.argv[3]), (len(a), len(b))
for x, y in zip(a, b):
    assert [t[\"index\"] for t in x[\"top\"]] == [t[\"index\"] for t in y[\"top\"]], (x, y)
    assert all(abs(t[\"probability\"] - u[\"probability\"]) < 1e-4 for t, u in zip(x[\"top\"], y[\"top\"]))
' '$T/onnx_pred.out' '$T/keras_pred.out' ${#photos[@]}" "$(head -c 300 "$T/onnx_pred.out")"
    run onnx_info 0 -- info "$ONNX" &&
        check "ONNX MobileNetV2 info: tf preprocessing from its metadata, Grad-CAM layer out_relu" "grep -q 'Preprocessing: tf' '$T/onnx_info.out' && grep -q 'Grad-CAM layer (default): out_relu' '$T/onnx_info.out'"
    run onnx_gc 0 -- gradcam --quiet --model "$ONNX" --out "$T/onnx" samples/parrot.jpg &&
        check "ONNX MobileNetV2 gradcam: macaw on out_relu" "grep -q 'macaw\|class 88' '$T/onnx_gc.out' && grep -q out_relu '$T/onnx_gc.out' && [ -s '$T/onnx/gradcam_parrot_overlay.jpg' ]" "$(cat "$T/onnx_gc.out")"
fi
if [ -f "$PT" ]; then
    run pt_info 0 -- info "$PT" &&
        check "PyTorch ONNX info: torch preprocessing, ONNX op types, default Grad-CAM layer the last block's ReLU" "grep -q 'Preprocessing: torch' '$T/pt_info.out' && grep -q ' Gemm ' '$T/pt_info.out' && grep -q 'Grad-CAM layer (default): /layer2/layer2.0/relu2/Relu' '$T/pt_info.out'"
    run pt_act 0 -- activations --quiet --model "$PT" --out "$T/pt" --layers /layer2/layer2.0/conv1/Conv_output_0,/layer2/layer2.0/relu2/Relu samples/owl.jpg &&
        check "PyTorch ONNX activations: layers by tensor or node name, written inside --out" "[ \$(find '$T/pt' -name 'act_*.png' | wc -l) = 2 ] && [ -z \"\$(find '$T/pt' -mindepth 2)\" ]" "$(ls "$T/pt")"
    run pt_filt 0 -- filters --quiet --model "$PT" --out "$T/pt" --layer /conv1/Conv --filter 2 --steps 3 &&
        check "PyTorch ONNX filters: one pattern, its name made safe" "[ -s '$T/pt/pattern__conv1_Conv_2.png' ]" "$(ls "$T/pt")"
    run pt_gc 0 -- gradcam --quiet --json --model "$PT" --out "$T/pt" samples/owl.jpg &&
        check "PyTorch ONNX gradcam --json" "grep -q '/layer2/layer2.0/relu2/Relu' '$T/pt_gc.out'" "$(head -c 300 "$T/pt_gc.out")"
    if command -v h5ls >/dev/null; then
        run pt_dump 0 -- dump --model "$PT" --out "$T/ptd" samples/owl.jpg &&
            check "PyTorch ONNX dump: module paths as HDF5 groups" "h5ls -r '$T/ptd/dump_owl.h5' | grep -q '^/act/layer1/layer1.0/conv1/Conv *Dataset {1, 8, 8, 8}'"
    fi
    head -c 3000 "$PT" >"$T/cut.onnx"
    bad onnx_truncated 1 'cut.onnx' -- predict --model "$T/cut.onnx" --out "$T/bad_onnx_truncated" samples/owl.jpg
    printf '\x08\x07\x12\x04junk\x3a\x02\x0a' >"$T/junk.onnx"
    bad onnx_junk 1 'junk.onnx' -- gradcam --model "$T/junk.onnx" --out "$T/bad_onnx_junk" samples/owl.jpg
    bad onnx_layer 1 "no layer named '/nope'" -- gradcam --model "$PT" --out "$T/bad_onnx_layer" --layer /nope samples/owl.jpg
fi

# ---- a 100-megapixel photo (10000x10000, the decoder's limit): Grad-CAM overlay at full size ----
if [ -f "$MOBILE" ] && "$BUILD/tests/test_image" --write-gradient-jpeg "$T/big100mp.jpg" 10000 10000; then
    run big_gc 0 -- gradcam --quiet --out "$T/big" "$T/big100mp.jpg" &&
        check "100-megapixel photo: Grad-CAM overlay written at 10000x10000 (JPEG), thumbnail 160x160" "[ \"\$(jpeg_size '$T/big/gradcam_big100mp_overlay.jpg')\" = 10000x10000 ] && [ \"\$(jpeg_size '$T/big/thumb_big100mp.jpg')\" = 160x160 ]" "$(ls -l "$T/big")"
    rm -f "$T/big100mp.jpg" "$T/big/gradcam_big100mp_overlay.jpg"
fi

# ---- VGG16 at full size (224x224, random weights in the Keras release layout) -----------------
# The book's model: --model vgg16 finds ~/.keras/models (here $KERAS_HOME/models), the
# architecture is bundled, caffe preprocessing. Random weights: checks that everything runs at
# full size, not what it predicts.
mkdir -p "$T/keras/models"
if "$BUILD/tests/test_keras" --write-vgg16 "$T/keras/models/vgg16_weights_tf_dim_ordering_tf_kernels.h5"; then
    export KERAS_HOME="$T/keras"
    run vgg_pred 0 -- predict --model vgg16 --top 3 samples/elephants_small.jpg &&
        check "VGG16 predict: 3 ImageNet classes" "[ \$(grep -c ' n0' '$T/vgg_pred.out') = 3 ]"
    run vgg_gc 0 -- gradcam --quiet --model vgg16 --out "$T/vgg" samples/elephants_small.jpg &&
        check "VGG16 gradcam on block5_conv3 (14x14), overlay at the photo's 115x86" "grep -q 'block5_conv3' '$T/vgg/index.html' && [ \"\$(jpeg_size '$T/vgg/gradcam_elephants_small_overlay.jpg')\" = 115x86 ]"
    run vgg_act 0 -- activations --quiet --model vgg16 --out "$T/vgg" samples/cat_chelsea.png &&
        check "VGG16 activations: the first 8 layers" "[ \$(ls '$T/vgg' | grep -c '^act_') = 8 ]"
    run vgg_filt 0 -- filters --quiet --model vgg16 --out "$T/vgg" --layers block1_conv1 --steps 3 &&
        check "VGG16 filters block1_conv1: 547x547 grid of 64x64 patterns" "[ \"\$(od -An -tu1 -j16 -N8 '$T/vgg/filters_block1_conv1.png' | tr -s ' ')\" = ' 0 0 2 35 0 0 2 35' ]"
    unset KERAS_HOME
else
    fail "could not write the VGG16 file" ""
fi

# ---- saliency: the gradient methods on the functional fixture (32x32) -------------------------
for m in vanilla vanilla-signed inputxgrad guided guided-gradcam smoothgrad ig; do
    run "sal_$m" 0 -- saliency --quiet --json --model "$K/functional.h5" --out "$T/sal" --method "$m" --steps 8 --samples 4 samples/coffee.png &&
        check "saliency --method $m: json (map 32x32, attr 32x32x3), saliency_${m}_coffee_{map,overlay}.png" "python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o[\"method\"]==sys.argv[2] and o[\"map_shape\"]==[32,32] and o[\"attr_shape\"]==[32,32,3] and len(o[\"map\"])==32 and len(o[\"attr\"][0][0])==3' '$T/sal_$m.out' '$m' && [ -s '$T/sal/saliency_${m}_coffee_map.png' ] && [ -s '$T/sal/saliency_${m}_coffee_overlay.png' ]" "$(head -c 300 "$T/sal_$m.out")"
done
check "seven methods, seven pairs of pictures" "[ \$(ls '$T/sal' | grep -c '^saliency_.*png\$') = 14 ]" "$(ls "$T/sal")"
run sal_ig_text 0 -- saliency --quiet --model "$K/functional.h5" --out "$T/sal" --method ig --baseline blur samples/coffee.png &&
    check "saliency ig prints the completeness check (50 steps, blur baseline)" "grep -q 'completeness (50 steps, blur baseline): sum(attr) .* S(x) - S(baseline)' '$T/sal_ig_text.out'" "$(cat "$T/sal_ig_text.out")"
run sal_sg_seed 0 -- saliency --quiet --json --model "$K/functional.h5" --out "$T/sal2" --method smoothgrad --samples 3 --noise 0.2 --seed 5 samples/coffee.png &&
    run sal_sg_seed2 0 -- saliency --quiet --json --model "$K/functional.h5" --out "$T/sal3" --method smoothgrad --samples 3 --noise 0.2 --seed 5 samples/coffee.png &&
    check "saliency smoothgrad: the same seed gives the same numbers" "cmp -s <(sed 's/\"files\".*//' '$T/sal_sg_seed.out') <(sed 's/\"files\".*//' '$T/sal_sg_seed2.out')"
bad sal_method 2 "unknown saliency method 'sobel' \(known: vanilla, .*ig\)" -- saliency --model "$K/functional.h5" --out "$T/bad_sal_method" --method sobel samples/coffee.png
bad sal_cam_method 2 "unknown saliency method 'gradcam'" -- saliency --model "$K/functional.h5" --out "$T/bad_sal_cam_method" --method gradcam samples/coffee.png
bad sal_steps0 2 "steps: expected an integer in 1\.\." -- saliency --model "$K/functional.h5" --out "$T/bad_sal_steps0" --method ig --steps 0 samples/coffee.png
bad sal_samples0 2 "samples: expected an integer in 1\.\." -- saliency --model "$K/functional.h5" --out "$T/bad_sal_samples0" --method smoothgrad --samples 0 samples/coffee.png
bad sal_noise_neg 2 "noise: expected a number >= 0, got '-0.1'" -- saliency --model "$K/functional.h5" --out "$T/bad_sal_noise_neg" --method smoothgrad --noise -0.1 samples/coffee.png
bad sal_baseline 2 "baseline: expected black, blur, uniform or zero" -- saliency --model "$K/functional.h5" --out "$T/bad_sal_baseline" --method ig --baseline gray samples/coffee.png
bad sal_class 1 'class 10 out of range' -- saliency --model "$K/functional.h5" --out "$T/bad_sal_class" --class 10 samples/coffee.png
bad sal_layer 1 'not a convolutional feature map' -- saliency --model "$K/functional.h5" --out "$T/bad_sal_layer" --method guided-gradcam --layer flatten samples/coffee.png
check "bad saliency runs leave no output folders" "[ -z \"\$(ls -d '$T'/bad_sal_* 2>/dev/null)\" ]" "$(ls -d "$T"/bad_sal_* 2>&1)"

# ---- evaluate: map metrics of CAM and saliency maps on the functional fixture (32x32) ------------
run eval_json 0 -- evaluate --quiet --json --model "$K/functional.h5" --method gradcam,vanilla --metric drop,increase,confidence-change,road,insertion,deletion --steps 8 --noise 0 samples/coffee.png &&
    check "evaluate --json: one object per method, six metrics, curves (road 18, insertion / deletion 9 points), the 8x7 / 32x32 maps" "python3 -c '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
assert [o[\"method\"] for o in objs] == [\"gradcam\", \"vanilla\"], objs
for o in objs:
    m = o[\"metrics\"]
    assert set(m) == {\"drop\", \"increase\", \"confidence-change\", \"road\", \"insertion\", \"deletion\"}
    assert m[\"drop\"] == max(0.0, -m[\"confidence-change\"]) and m[\"increase\"] in (0, 1)
    assert len(o[\"curves\"][\"road\"]) == 18 and len(o[\"curves\"][\"deletion\"]) == 9
    assert 0 <= m[\"insertion\"] <= 1 and 0 <= m[\"deletion\"] <= 1 and o[\"step_pixels\"] == 128
assert objs[0][\"map_shape\"] == [8, 7] and objs[1][\"map_shape\"] == [32, 32]
' '$T/eval_json.out'" "$(head -c 300 "$T/eval_json.out")"
run eval_text 0 -- evaluate --quiet --model "$K/functional.h5" --method hirescam samples/coffee.png &&
    check "evaluate prints one line: method, class, the default metrics" "grep -q '^samples/coffee.png: hirescam, class [0-9]* .*drop .* increase .* road .* insertion .* deletion .*perturbed images' '$T/eval_text.out' && [ \$(wc -l <'$T/eval_text.out') = 1 ]" "$(cat "$T/eval_text.out")"
run eval_det 0 -- evaluate --quiet --json --model "$K/functional.h5" --metric road --noise 0.05 --seed 3 samples/coffee.png &&
    run eval_det2 0 -- evaluate --quiet --json --model "$K/functional.h5" --metric road --noise 0.05 --seed 3 samples/coffee.png &&
    check "evaluate road: the same seed gives the same scores" "cmp -s <(sed 's/\"ms\".*//' '$T/eval_det.out') <(sed 's/\"ms\".*//' '$T/eval_det2.out')"
run eval_det3 0 -- evaluate --quiet --json --model "$K/functional.h5" --metric road --noise 0.05 --seed 4 samples/coffee.png &&
    check "evaluate road: another seed gives other scores (the noise is drawn)" "! cmp -s <(sed 's/\"ms\".*//' '$T/eval_det.out') <(sed 's/\"ms\".*//' '$T/eval_det3.out')"
run eval_missing 1 -- evaluate --quiet --model "$K/functional.h5" --metric drop "$T/no_such.png" samples/coffee.png &&
    check "evaluate: an unreadable image is named and skipped, the others are judged (exit 1)" "grep -q 'no_such.png: cannot open' '$T/eval_missing.err' && grep -q '^samples/coffee.png: gradcam, .* drop ' '$T/eval_missing.out'" "$(cat "$T/eval_missing.err")"
bad eval_metric 2 "unknown metric 'auc' \(known: confidence-change, .*deletion\)" -- evaluate --model "$K/functional.h5" --metric auc samples/coffee.png
bad eval_method 2 "unknown method 'sobel'" -- evaluate --model "$K/functional.h5" --method gradcam,sobel samples/coffee.png
bad eval_steps0 2 "steps: expected an integer in 1\.\." -- evaluate --model "$K/functional.h5" --steps 0 samples/coffee.png
bad eval_class 1 'class 10 out of range' -- evaluate --model "$K/functional.h5" --class 10 samples/coffee.png
bad eval_layer 1 'not a convolutional feature map' -- evaluate --model "$K/functional.h5" --layer flatten samples/coffee.png
# ---- #14 "done means": each bad input on each of gradcam, saliency and evaluate: a one-line
# error, exit 2 (usage) or 1, nothing written (evaluate writes no files; the others get --out)
for cmd in gradcam saliency evaluate; do
    o=()
    [ $cmd != evaluate ] && o=(--out "$T/bad_dm_${cmd}_OUT")
    case $cmd in
        gradcam) mpat="unknown CAM method 'nope'"; lm=(); spat="steps: expected an integer in 1\.\." ;;
        saliency) mpat="unknown saliency method 'nope'"; lm=(--method guided-gradcam); spat="steps: expected an integer in 1\.\." ;;
        evaluate) mpat="unknown method 'nope'"; lm=(--method gradcam); spat="steps: expected an integer in 1\.\." ;;
    esac
    # bad() looks for files in $T/bad_NAME: the --out of each case is that folder
    for k in method top0 layer steps0; do
        case $k in
            method) args=(--method nope); pat=$mpat; rc=2 ;;
            top0) args=(--top 0); pat="top: expected an integer in 1\.\."; rc=2
                [ $cmd = evaluate ] && pat="unknown option '--top' for 'evaluate'" ;;
            layer) args=("${lm[@]}" --layer flatten); pat="layer 'flatten' .*is not a convolutional feature map"; rc=1 ;;
            steps0) args=(--steps 0); pat=$spat; rc=2 ;;
        esac
        oo=("${o[@]/bad_dm_${cmd}_OUT/bad_dm_${cmd}_$k}")
        bad dm_${cmd}_$k $rc "$pat" -- $cmd --model "$K/functional.h5" "${oo[@]}" "${args[@]}" samples/coffee.png
    done
    if [ -f "$MOBILE" ]; then
        oo=("${o[@]/bad_dm_${cmd}_OUT/bad_dm_${cmd}_classname}")
        bad dm_${cmd}_classname 1 "--class: class 'tabbyy cat' is not in the label index" -- $cmd "${oo[@]}" --class 'tabbyy cat' samples/cat_chelsea.png
    fi
done
if [ -f "$MOBILE" ]; then
    run ev_name 0 -- evaluate --quiet --json --metric drop --class tabby samples/cat_chelsea.png &&
        check "evaluate --class tabby: a class by name (281, tabby)" "python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o[\"class\"] == 281 and o[\"name\"] == \"tabby\", o' '$T/ev_name.out'" "$(head -c 300 "$T/ev_name.out"; cat "$T/ev_name.err")"
fi
# ---- targets: --class by index / wnid / name, --top K, --classes FILE, names that keep runs apart
run tg_top 0 -- gradcam --quiet --json --model "$K/functional.h5" --out "$T/tg" --top 2 samples/coffee.png &&
    check "gradcam --top 2: the two top classes, one map + overlay each (_c<class>), one thumbnail" "python3 -c 'import json,sys; L=[json.loads(l) for l in open(sys.argv[1])]; assert len(L)==2 and L[0][\"class\"]!=L[1][\"class\"] and L[0][\"probability\"]>=L[1][\"probability\"], L' '$T/tg_top.out' && c1=\$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())[\"class\"])' '$T/tg_top.out') && [ -s \"$T/tg/gradcam_coffee_c\${c1}_map.png\" ] && [ \$(ls '$T/tg' | grep -c '^gradcam_coffee_c[0-9]*_\(map.png\|overlay.jpg\)\$') = 4 ] && [ \$(ls '$T/tg' | grep -c '^thumb_') = 1 ] && [ ! -e '$T/tg/gradcam_coffee_map.png' ]" "$(ls "$T/tg"; head -c 300 "$T/tg_top.out")"
run tg_layer 0 -- gradcam --quiet --model "$K/functional.h5" --out "$T/tg" --class 3 --layer conv2d_5 samples/coffee.png &&
    run tg_default 0 -- gradcam --quiet --model "$K/functional.h5" --out "$T/tg" samples/coffee.png &&
    check "--class 3 --layer L names gradcam_coffee_c3_L_*; the default run keeps gradcam_coffee_*" "[ -s '$T/tg/gradcam_coffee_c3_conv2d_5_map.png' ] && [ -s '$T/tg/gradcam_coffee_c3_conv2d_5_overlay.jpg' ] && [ -s '$T/tg/gradcam_coffee_map.png' ]" "$(ls "$T/tg")"
run tg_sal_top 0 -- saliency --quiet --json --model "$K/functional.h5" --out "$T/tgs" --top 3 samples/coffee.png &&
    check "saliency --top 3: three classes, saliency_vanilla_coffee_c<class>_* each" "[ \$(grep -c '\"class\"' '$T/tg_sal_top.out') = 3 ] && [ \$(ls '$T/tgs' | grep -c '^saliency_vanilla_coffee_c[0-9]*_\(map\|overlay\).png\$') = 6 ]" "$(ls "$T/tgs")"
printf 'image\tclass\nsamples/coffee.png\t3\n# a comment\nsamples/owl.jpg\t7\nsamples/owl.jpg\t1\n' >"$T/tg.tsv"
run tg_tsv 0 -- saliency --quiet --json --model "$K/functional.h5" --out "$T/tgt" --classes "$T/tg.tsv" samples/coffee.png samples/owl.jpg &&
    check "saliency --classes FILE: each image's lines (coffee 3; owl 7 and 1), in file order" "python3 -c 'import json,sys; L=[json.loads(l) for l in open(sys.argv[1])]; assert [(l[\"path\"],l[\"class\"]) for l in L]==[(\"samples/coffee.png\",3),(\"samples/owl.jpg\",7),(\"samples/owl.jpg\",1)], L' '$T/tg_tsv.out' && [ -s '$T/tgt/saliency_vanilla_owl_c7_map.png' ] && [ -s '$T/tgt/saliency_vanilla_owl_c1_overlay.png' ]" "$(ls "$T/tgt")"
run tg_twice 0 -- gradcam --model "$K/functional.h5" --out "$T/tgw" --class 2 samples/coffee.png samples/coffee.png &&
    check "the same image and class twice: the second is _2, with a warning, not an overwrite" "[ -s '$T/tgw/gradcam_coffee_c2_map.png' ] && [ -s '$T/tgw/gradcam_coffee_2_c2_map.png' ] && grep -q 'warning: gradcam_coffee_c2 is already a result of this run' '$T/tg_twice.err'" "$(ls "$T/tgw"; cat "$T/tg_twice.err")"
bad tg_top0 2 "top: expected an integer in 1\.\." -- gradcam --model "$K/functional.h5" --out "$T/bad_tg_top0" --top 0 samples/coffee.png
bad tg_sal_top0 2 "top: expected an integer in 1\.\." -- saliency --model "$K/functional.h5" --out "$T/bad_tg_sal_top0" --top 0 samples/coffee.png
bad tg_both 2 "give one of --class, --top and --classes" -- gradcam --model "$K/functional.h5" --out "$T/bad_tg_both" --class 1 --top 2 samples/coffee.png
bad tg_nolabels 1 "class 'tabby' is a name, and .*functional.h5 has no label index \(10 outputs\)" -- gradcam --model "$K/functional.h5" --out "$T/bad_tg_nolabels" --class tabby samples/coffee.png
bad tg_tsv_missing 1 "samples/parrot.jpg has no line in --classes" -- saliency --model "$K/functional.h5" --out "$T/bad_tg_tsv_missing" --classes "$T/tg.tsv" samples/coffee.png samples/parrot.jpg
printf 'samples/coffee.png\t12\n' >"$T/tg_range.tsv"
bad tg_tsv_range 1 "tg_range.tsv:1: class 12 out of range" -- gradcam --model "$K/functional.h5" --out "$T/bad_tg_tsv_range" --classes "$T/tg_range.tsv" samples/coffee.png
printf 'samples/coffee.png 3\n' >"$T/tg_notab.tsv"
bad tg_tsv_notab 1 "tg_notab.tsv:1: expected image<TAB>class" -- gradcam --model "$K/functional.h5" --out "$T/bad_tg_tsv_notab" --classes "$T/tg_notab.tsv" samples/coffee.png
bad tg_tsv_nofile 1 "classes .*nope.tsv: No such file" -- gradcam --model "$K/functional.h5" --out "$T/bad_tg_tsv_nofile" --classes "$T/nope.tsv" samples/coffee.png
if [ -f "$MOBILE" ]; then # class names need an ImageNet label index: the bundled MobileNetV2
    run tg_name 0 -- gradcam --quiet --json --model "$MOBILE" --out "$T/tgn" --class tabby samples/cat_chelsea.png &&
        check "gradcam --class tabby: class 281, gradcam_cat_chelsea_c281_*" "grep -q '\"class\":281,\"wnid\":\"n02123045\",\"name\":\"tabby\"' '$T/tg_name.out' && [ -s '$T/tgn/gradcam_cat_chelsea_c281_map.png' ] && [ -s '$T/tgn/gradcam_cat_chelsea_c281_overlay.jpg' ]" "$(ls "$T/tgn"; head -c 200 "$T/tg_name.out")"
    printf 'samples/cat_chelsea.png\tn02123045\nsamples/cat_chelsea.png\tPersian Cat\n' >"$T/tg_names.tsv"
    run tg_wnid 0 -- saliency --quiet --json --model "$MOBILE" --out "$T/tgn" --classes "$T/tg_names.tsv" samples/cat_chelsea.png &&
        check "saliency --classes with a wnid and a case-insensitive name ('Persian Cat' is Persian_cat, 283)" "python3 -c 'import json,sys; L=[json.loads(l) for l in open(sys.argv[1])]; assert [l[\"class\"] for l in L]==[281,283], L' '$T/tg_wnid.out'" "$(head -c 300 "$T/tg_wnid.out")"
    bad tg_ambiguous 1 "class 'crane' is ambiguous: 2 classes match \(crane \(134 n02012849\), crane \(517 n03126707\)\)" -- gradcam --model "$MOBILE" --out "$T/bad_tg_ambiguous" --class crane samples/cat_chelsea.png
    bad tg_unknown 1 "class 'tabbby' is not in the label index; close: tabby \(281 n02123045\)" -- saliency --model "$MOBILE" --out "$T/bad_tg_unknown" --class tabbby samples/cat_chelsea.png
fi
check "bad target runs leave no output folders" "[ -z \"\$(ls -d '$T'/bad_tg_* 2>/dev/null)\" ]" "$(ls -d "$T"/bad_tg_* 2>&1)"

# ---- bench (quick: the small convnet and two ops, one run) ------------------------------------
run bench_quick 0 -- bench --quiet --quick --runs 1 --workload small,op_relu,op_maxpool &&
    check "bench prints a table with the small convnet and the ops" "grep -q '^  small_convnet ' '$T/bench_quick.out' && grep -q 'op_relu_64_224' '$T/bench_quick.out' && grep -q 'FMA peak' '$T/bench_quick.out'"
run bench_json 0 -- bench --quiet --json --runs 1 --workload op_relu &&
    check "bench --json: one object with the workload" "python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o[\"workloads\"][0][\"name\"]==\"op_relu_64_224\"' '$T/bench_json.out'"
run bench_prog 0 -- bench --quick --runs 1 --workload small,op_relu,op_maxpool &&
    check "bench without --quiet: each workload's line with its count and, after the first, an ETA" "grep -q '^\\[1/3\\] bench small_convnet: ' '$T/bench_prog.err' && grep -q '^\\[2/3, ETA [0-9]* s\\] bench op_maxpool_64_224' '$T/bench_prog.err' && grep -q '^\\[3/3, ETA [0-9]* s\\] bench op_relu_64_224' '$T/bench_prog.err'" "$(cat "$T/bench_prog.err")"
bad bench_unknown 2 'unknown workload' -- bench --workload nonesuch
# the batched explanations on a model file (the tiny tf-keras-vis convnet: 8 Score-CAM masks)
run bench_explain 0 -- bench --quiet --json --runs 1 --workload scorecam,smoothgrad,ig \
    --explain-model $K/tfkv/model.keras --batch 3 --samples 4 --ig-steps 5 &&
    check "bench scorecam / smoothgrad / ig: three timed workloads with their counts" "python3 -c 'import json,sys; w=json.load(open(sys.argv[1]))[\"workloads\"]; assert [x[\"name\"] for x in w]==[\"scorecam\",\"smoothgrad\",\"ig\"]; assert \"8 masks of c2\" in w[0][\"detail\"] and \"4 samples\" in w[1][\"detail\"] and \"5 steps\" in w[2][\"detail\"] and \"batch 3\" in w[2][\"detail\"]; assert all(x[\"ms\"] > 0 and x[\"gflop\"] > 0 for x in w)' '$T/bench_explain.out'"
bad bench_explain_layer 1 'nonesuch' -- bench --quiet --runs 1 --workload scorecam --explain-model $K/tfkv/model.keras --layer nonesuch

# ---- #13.1: batches that never lose work: every format, bad files named and counted ------------
# 10 photos, a CMYK JPEG and a WebP at the top; a BMP in sub/, a TIFF in sub/deeper/ (with a
# link back up: a loop); a garbage .jpg, a 1x1 PNG and a BMP declaring 120 MP: 17 images, 3 bad
B13="$T/batch"; mkdir -p "$B13/sub/deeper"
for i in 0 1; do for f in samples/*.jpg samples/*.png; do cp "$f" "$B13/p${i}_$(basename "$f")"; done; done
rm "$B13/p1_owl.jpg" "$B13/p1_parrot.jpg" # keep 10
cp tests/data/formats/cmyk.jpg "$B13/cmyk.jpg"; cp tests/data/formats/lossy.webp "$B13/w.webp"
cp tests/data/formats/rgb24.bmp "$B13/sub/b.bmp"; cp tests/data/formats/rgb.tif "$B13/sub/deeper/t.tiff"
ln -s .. "$B13/sub/deeper/up"
echo 'no picture here' >"$B13/garbage.jpg"; cp tests/data/formats/bad_huge.bmp "$B13/huge.bmp"
echo 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==' | base64 -d >"$B13/tiny.png"
# jq-free JSON checks: the records on stdout, by kind
jsonl_check() { python3 - "$@" <<'PY'
import json, sys
out, ok_n, bad_n = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
recs = [json.loads(l) for l in open(out)]
ok = [r["path"] for r in recs if "path" in r]
bad = sorted(r["image"].rsplit("/", 1)[1] for r in recs if "error" in r)
assert len(ok) == ok_n and len(set(ok)) == ok_n, (len(ok), ok_n)
assert bad == sorted(bad_n), bad
assert all(r["error"] and "/" not in r["error"].split(":")[0] for r in recs if "error" in r)
PY
}
run b13_pred 1 -- predict --quiet --json --recursive --model "$K/functional.h5" --top 1 "$B13" &&
    check "predict --recursive over 17 images of 5 formats: 14 results, 3 failure records, 'done 14 of 17, 3 failed', exit 1" "jsonl_check '$T/b13_pred.out' 14 garbage.jpg,huge.bmp,tiny.png && [ \"\$(tail -n 1 '$T/b13_pred.err')\" = 'clvis: done 14 of 17, 3 failed (each named above)' ] && [ \$(grep -c '^clvis: $B13/' '$T/b13_pred.err') = 3 ] && grep -q 'huge.bmp: BMP declares 12000x10000 pixels (120.0 MP), over the limit' '$T/b13_pred.err' && grep -q '\"path\":\"$B13/cmyk.jpg\"' '$T/b13_pred.out' && grep -q '\"path\":\"$B13/sub/deeper/t.tiff\"' '$T/b13_pred.out'" "$(cat "$T/b13_pred.err")"
run b13_flat 1 -- predict --model "$K/functional.h5" --top 1 "$B13" &&
    check "predict without --recursive: the top folder only (12 of 15), the subfolder named in a notice" "grep -q '^clvis: done 12 of 15, 3 failed' '$T/b13_flat.err' && grep -q 'entr.* not named as images .* or folders (--recursive enters folders) skipped' '$T/b13_flat.err'" "$(cat "$T/b13_flat.err")"
run b13_order 1 -- predict --quiet --recursive --model "$K/functional.h5" --top 1 "$B13" &&
    check "--recursive order: each folder by name, depth first, the link loop entered once" "[ \"\$(grep -v '^ ' '$T/b13_order.out' | sed 's|.*/batch/||' | tail -n 4 | tr '\n' ' ')\" = 'p1_hot_dog.jpg sub/b.bmp sub/deeper/t.tiff w.webp ' ]" "$(grep -v '^ ' "$T/b13_order.out")"
run b13_gc 1 -- gradcam --quiet --json --recursive --model "$K/functional.h5" --out "$T/b13gc" "$B13" &&
    check "gradcam --recursive: 14 maps, overlays and thumbnails, no file for the 3 bad ones, 3 failure records, summary" "jsonl_check '$T/b13_gc.out' 14 garbage.jpg,huge.bmp,tiny.png && [ \$(ls '$T/b13gc' | grep -c '^gradcam_.*_map.png\$') = 14 ] && [ \$(ls '$T/b13gc' | grep -c '^gradcam_.*_overlay.jpg\$') = 14 ] && [ \$(ls '$T/b13gc' | grep -c '^thumb_.*jpg\$') = 14 ] && [ -z \"\$(ls '$T/b13gc' | grep -E 'garbage|huge|tiny')\" ] && [ -s '$T/b13gc/gradcam_cmyk_overlay.jpg' ] && [ -s '$T/b13gc/gradcam_t_map.png' ] && [ \$(grep -c '^gradcam' '$T/b13gc/manifest.tsv') = 42 ] && grep -q '^clvis: done 14 of 17, 3 failed' '$T/b13_gc.err'" "$(ls "$T/b13gc"; cat "$T/b13_gc.err")"
run b13_maxpx 1 -- predict --quiet --recursive --max-pixels 1000 --model "$K/functional.h5" --top 1 "$B13" &&
    check "--max-pixels 1000: the four 37x23 images read, the photos refused from their headers with their size" "grep -q '^clvis: done 4 of 17, 13 failed' '$T/b13_maxpx.err' && grep -q 'p0_owl.jpg: JPEG declares 512x384 pixels (0.2 MP), over the limit of 1000 pixels' '$T/b13_maxpx.err'" "$(cat "$T/b13_maxpx.err")"
bad b13_maxpx0 2 'max-pixels' -- predict --max-pixels 0 "$B13"
bad b13_maxpxbig 2 'max-pixels' -- predict --max-pixels 268435457 "$B13"

# ---- --device all: the same explanation on every device, compared (tools/cli/devcmp.c) -------
# CLVIS_TEST_COMPARE_DEVICES=0,0 runs device 0 twice (d0, d1): the plumbing on one device, where
# the maps must be identical; two real platforms (PoCL + Oclgrind) are tests/test_devcmp.sh.
CLVIS_TEST_COMPARE_DEVICES=0,0 run dc_gc 0 -- gradcam --quiet --json --model "$K/functional.h5" --out "$T/dcgc" --device all samples/coffee.png samples/owl.jpg &&
    check "gradcam --device all: d0/ and d1/ each with 2 maps and overlays, 2 differences of 0, 2 |a-b| PNGs" "python3 tests/devcmp_check.py '$T/dc_gc.out' '$T/dcgc' 2 2 0 0 && [ -s '$T/dcgc/d1/gradcam_owl_overlay.jpg' ] && [ -s '$T/dcgc/gradcam_owl_devdiff_d1.png' ] && [ -s '$T/dcgc/d0/manifest.tsv' ]" "$(tail -c 400 "$T/dc_gc.out"; cat "$T/dc_gc.err")"
CLVIS_TEST_COMPARE_DEVICES=0,0 run dc_gc_text 0 -- gradcam --quiet --model "$K/functional.h5" --out "$T/dcgct" --device all samples/coffee.png &&
    check "gradcam --device all: the text line of the comparison and its picture" "grep -q '^samples/coffee.png: d1 against d0: map 8x7 max abs 0, max rel 0\$' '$T/dc_gc_text.out' && grep -qx '$T/dcgct/gradcam_coffee_devdiff_d1.png' '$T/dc_gc_text.out'" "$(cat "$T/dc_gc_text.out")"
CLVIS_TEST_COMPARE_DEVICES=0,0 run dc_sal 0 -- saliency --quiet --json --model "$K/functional.h5" --out "$T/dcsal" --device all --method smoothgrad --samples 3 samples/coffee.png &&
    check "saliency --device all: maps and attributions compared (32x32x3), identical on one device" "python3 tests/devcmp_check.py '$T/dc_sal.out' '$T/dcsal' 2 1 0 0 attr && grep -q '\"attr\":{\"shape\":\\[32,32,3\\]' '$T/dc_sal.out'" "$(tail -c 400 "$T/dc_sal.out"; cat "$T/dc_sal.err")"
run dc_one 0 -- gradcam --quiet --model "$K/functional.h5" --out "$T/dcone" --device all samples/coffee.png &&
    check "gradcam --device all on this host's devices: a d0/ per device, 'one device' or a comparison line" "[ -s '$T/dcone/d0/gradcam_coffee_map.png' ] && { grep -q '^one device: nothing to compare\$' '$T/dc_one.out' || grep -q 'd1 against d0' '$T/dc_one.out'; }" "$(cat "$T/dc_one.out")"
bad dc_bad 1 'no_such.png: cannot open' -- gradcam --model "$K/functional.h5" --out "$T/bad_dc_bad/out" --device all "$T/no_such.png"

finish

#!/usr/bin/env bash
# test_dream_cli.sh BUILD_DIR — `clvis dream` end to end on the small fixture model: the
# picture at the photo's size (JPEG and PNG), the --json object (the objective rising in each
# octave), and bad inputs (missing photo, unknown layer, --octaves 0, no --layer, an octave
# too small): one line "clvis: ..." on stderr, exit 1 / 2, no file and no output folder left.
# Prints PASS/FAIL lines and "N passed, M failed"; exit 77 (skip) without an OpenCL device
# unless CLVIS_REQUIRE_DEVICE=1.
set -u
. "$(dirname "$0")/lib.sh"
need_clvis "${1:-build}"

T=$(mktemp -d /tmp/clvis_dream.XXXXXX)
trap 'rm -rf "$T"' EXIT
M=tests/data/keras/small_convnet.h5
PHOTO=samples/elephants_small.jpg # 115 x 86

# bad NAME WANT_RC PATTERN -- args...: exit WANT_RC, stderr's first line "clvis: ..." matching
# PATTERN (exactly one line for runtime errors), no $T/bad_NAME folder
bad() {
    local name=$1 want=$2 pat=$3
    shift 4
    local out="$T/bad_$name"
    "$CLVIS" "$@" --out "$out" >"$T/$name.out" 2>"$T/$name.err"
    local rc=$? first lines
    first=$(head -n 1 "$T/$name.err")
    lines=$(wc -l <"$T/$name.err")
    if [ "$rc" != "$want" ]; then
        fail "$name: exit $rc, want $want" "$(head -c 300 "$T/$name.err")"
    elif [ "$want" = 1 ] && [ "$lines" != 1 ]; then
        fail "$name: $lines lines on stderr, want 1" "$(head -c 300 "$T/$name.err")"
    elif [[ "$first" != clvis:* ]] || ! grep -q -E -- "$pat" <<<"$first"; then
        fail "$name: message" "$first"
    elif [ -e "$out" ]; then
        fail "$name: output left behind" "$(ls -A "$out")"
    else
        pass "$name (exit $want): ${first:0:150}"
    fi
}

bad missing_photo 1 "nothing.jpg" -- dream "$T/nothing.jpg" --model "$M" --layer conv2d_1 --quiet
bad unknown_layer 1 "no_such_layer" -- dream "$PHOTO" --model "$M" --layer no_such_layer --quiet
bad octaves_0 2 "--octaves" -- dream "$PHOTO" --model "$M" --layer conv2d_1 --octaves 0
bad no_layer 2 "--layer" -- dream "$PHOTO" --model "$M"
bad bad_weight 2 "weight" -- dream "$PHOTO" --model "$M" --layer conv2d_1:0
bad too_small 2 "under 16 pixels" -- dream "$PHOTO" --model "$M" --layer conv2d_1 --octaves 6 \
    --octave-scale 2
bad octave_scale 2 "--octave-scale" -- dream "$PHOTO" --model "$M" --layer conv2d_1 \
    --octave-scale 0.5
bad two_photos 2 "one PHOTO" -- dream "$PHOTO" "$PHOTO" --model "$M" --layer conv2d_1

# a dream: two layers with weights, 2 octaves, --json
O="$T/ok"
if "$CLVIS" dream "$PHOTO" --model "$M" --layer conv2d_1,conv2d:0.5 --octaves 2 --steps 6 \
    --json --quiet --out "$O" >"$T/ok.out" 2>"$T/ok.err"; then
    pass "dream runs: $(head -c 150 "$T/ok.out")"
else
    fail "dream runs" "$(head -c 300 "$T/ok.err")"
fi
if python3 - "$T/ok.out" "$O/dream_elephants_small.jpg" <<'PY'
import json, struct, sys
j = json.loads(open(sys.argv[1]).read())
data = open(sys.argv[2], "rb").read()
i = 2
while i < len(data):  # the first SOF marker's size
    marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
    if marker in (0xC0, 0xC1, 0xC2):
        h, w = struct.unpack(">HH", data[i + 5:i + 9])
        break
    i += 2 + length
assert (w, h) == (115, 86) == (j["width"], j["height"]), (w, h, j)
assert [l["layer"] for l in j["layers"]] == ["conv2d_1", "conv2d"], j
assert [l["weight"] for l in j["layers"]] == [1, 0.5], j
assert j["octaves"] == 2 and j["steps"] == 6 and j["octave_scale"] == 1.4, j
assert all(b > a for a, b in j["objective"]), j["objective"]
PY
then
    pass "the JPEG is the photo's 115x86; --json names the layers, weights, options and a rising objective"
else
    fail "the JPEG's size / the --json object"
fi
if "$CLVIS" dream "$PHOTO" --model "$M" --layer conv2d_1 --octaves 1 --steps 2 --format png \
    --quiet --out "$O" >"$T/png.out" 2>"$T/png.err" &&
    [ -s "$O/dream_elephants_small.png" ] && grep -q "dream_elephants_small.png" "$O/index.html"; then
    pass "--format png writes dream_<photo>.png, listed in index.html"
else
    fail "--format png" "$(head -c 300 "$T/png.err")"
fi

finish

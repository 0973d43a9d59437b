#!/usr/bin/env bash
# test_shard.sh BUILD_DIR — `--shard K/N` and `clvis report DIR...` (issue 13, item 6): three
# shards of one folder, merged, give the manifest of one unsharded run: nothing missing,
# nothing twice; the merged page's pictures all resolve. The small functional fixture model,
# ten images: a few seconds. Prints PASS/FAIL lines and "N passed, M failed"; exit 77 (skip)
# without an OpenCL device unless CLVIS_REQUIRE_DEVICE=1.
set -u
. "$(dirname "$0")/lib.sh"
need_clvis "${1:-build}"
T=$(mktemp -d /tmp/clvis_shard.XXXXXX)
trap 'rm -rf "$T"' EXIT
M=tests/data/keras/functional.h5

# ten images (six photos, a CMYK JPEG, a WebP, a BMP in a subfolder) and one that is not
F="$T/photos"; mkdir -p "$F/sub"
cp samples/*.jpg samples/*.png "$F/"
cp tests/data/formats/cmyk.jpg "$F/cmyk.jpg"; cp tests/data/formats/lossy.webp "$F/w.webp"
cp tests/data/formats/rgb24.bmp "$F/sub/b.bmp"; cp tests/data/formats/rgb.tif "$F/sub/t.tif"
echo 'not a picture' >"$F/sub/broken.jpg"

# both commands into one folder: gradcam (two pictures per image) and predict (text entries)
both() { # OUT [--shard K/N]: exit statuses "gradcam predict"
    local out=$1; shift
    "$CLVIS" gradcam --quiet --recursive --model "$M" --out "$out" "$@" "$F" >"$out.gc.out" 2>"$out.gc.err"
    local a=$?
    "$CLVIS" predict --recursive --model "$M" --out "$out" "$@" "$F" >"$out.pr.out" 2>"$out.pr.err"
    echo "$a $?"
}
codes=$(both "$T/all")
check "unsharded run: 10 of 11 images, exit 1 for the broken one" "[ '$codes' = '1 1' ] && grep -q '^clvis: done 10 of 11, 1 failed' '$T/all.pr.err'" "$(cat "$T/all.pr.err")"
codes=""
for k in 0 1 2; do codes="$codes $(both "$T/s$k" --shard "$k/3")"; done
# 11 images sorted by path: the broken one (sub/broken.jpg) is at index 8, shard 8 mod 3 = 2
check "three shards: exit 1 only for the shard holding the broken image" "[ '$codes' = ' 0 0 0 0 1 1' ]" "$codes"
check "shard sizes 4 + 4 + 3 of 11, said on stderr" "grep -q '^clvis: shard 0/3: 4 of 11 images' '$T/s0.pr.err' && grep -q '^clvis: shard 1/3: 4 of 11 images' '$T/s1.pr.err' && grep -q '^clvis: shard 2/3: 3 of 11 images' '$T/s2.pr.err'" "$(cat "$T"/s*.pr.err)"
check "each shard writes its own pictures and a JSON-lines manifest" "for k in 0 1 2; do [ -s '$T/s'\$k/manifest.jsonl ] && [ -s '$T/s'\$k/index.html ] || exit 1; done; [ \$(cat '$T'/s?/manifest.jsonl | wc -l) = 40 ] && [ \$(ls '$T'/s? | grep -c '^gradcam_.*_map.png\$') = 10 ] && [ \$(ls '$T'/s? | grep -c '^gradcam_.*_overlay.jpg\$') = 10 ] && [ \$(ls '$T'/s? | grep -c '^thumb_.*jpg\$') = 10 ]"

"$CLVIS" report --out "$T/merged" "$T/s0" "$T/s1" "$T/s2" >"$T/report.out" 2>"$T/report.err"
rc=$?
check "clvis report merges the three shards (exit 0)" "[ $rc = 0 ] && grep -q 'merged 40 entries of 3 folders' '$T/report.err'" "$(cat "$T/report.err")"
# the manifests as sets of (command, picture name, caption, model, device): timings and the
# time of day differ, the merged pictures are named by their path from the merged folder
python3 - "$T/all/manifest.jsonl" "$T/merged/manifest.jsonl" "$T/merged" >"$T/cmp.txt" 2>&1 <<'PY'
import json, os, sys
def rows(p):
    out = []
    for line in open(p):
        r = json.loads(line)
        out.append((r["command"], os.path.basename(r["file"]), r["caption"], r["model"], r["device"]))
    return out
a, b = rows(sys.argv[1]), rows(sys.argv[2])
print("unsharded", len(a), "merged", len(b), "distinct", len(set(b)))
assert len(set(b)) == len(b), "an entry twice"
assert sorted(a) == sorted(b), "differ: missing %s extra %s" % (set(a) - set(b), set(b) - set(a))
for line in open(sys.argv[2]):
    f = json.loads(line)["file"]
    assert not f or os.path.isfile(os.path.join(sys.argv[3], f)), f
PY
check "the merged manifest equals the unsharded run's: 40 entries (map, overlay, thumbnail, prediction per image), nothing missing, nothing twice, every picture found" "grep -q '^unsharded 40 merged 40 distinct 40' '$T/cmp.txt' && [ \$(wc -l <'$T/cmp.txt') = 1 ]" "$(cat "$T/cmp.txt")"
check "the merged page shows every picture of the shards, by relative path" "[ \$(grep -o '<img src=\"\\.\\./s[012]/gradcam_[^\"]*\"' '$T/merged/index.html' | sort -u | wc -l) = 20 ] && (cd '$T/merged' && for p in \$(grep -o 'src=\"[^\"]*\"' index.html | sed 's/src=\"//; s/\"\$//'); do [ -f \"\$p\" ] || exit 1; done)"
# merging again changes nothing (entries replaced by their file names), a TSV-only folder works
"$CLVIS" report --quiet --out "$T/merged" "$T/s0" "$T/s1" "$T/s2" 2>"$T/report2.err"
check "the merged manifest keeps the page's columns (image, role, variant, size): 10 overlays, 10 thumbnails" "[ \$(grep -c '\"role\":\"overlay\",\"variant\":\"gradcam\",\"size\":\"[0-9]*x[0-9]*\"' '$T/merged/manifest.jsonl') = 10 ] && [ \$(grep -c '\"role\":\"thumb\"' '$T/merged/manifest.jsonl') = 10 ]" "$(head -c 600 "$T/merged/manifest.jsonl")"
check "report twice: still 40 entries" "[ \$(wc -l <'$T/merged/manifest.jsonl') = 40 ]" "$(wc -l <"$T/merged/manifest.jsonl")"
rm "$T/s2/manifest.jsonl"
"$CLVIS" report --quiet --out "$T/m2" "$T/s0" "$T/s1" "$T/s2" 2>"$T/report3.err"
check "a shard folder with only manifest.tsv (an older clvis) is read from it" "[ \$(wc -l <'$T/m2/manifest.jsonl') = 40 ]" "$(cat "$T/report3.err")"
echo '{"command": 3}' >"$T/s1/manifest.jsonl"
"$CLVIS" report --out "$T/m3" "$T/s0" "$T/s1" >/dev/null 2>"$T/report4.err"
rc=$?
check "a damaged manifest.jsonl: exit 1, one line naming it and the line, no merged folder left" "[ $rc = 1 ] && [ \$(wc -l <'$T/report4.err') = 1 ] && grep -q 's1/manifest.jsonl: line 1 is not a manifest entry' '$T/report4.err' && [ ! -e '$T/m3' ]" "$(cat "$T/report4.err")"

for v in 3/3 -1/3 1/0 1 a/b 1/3/3 ""; do
    "$CLVIS" predict --shard "$v" --model "$M" "$F" >/dev/null 2>"$T/bad.err"
    rc=$?
    check "--shard '$v' refused: exit 2, one message" "[ $rc = 2 ] && grep -q '^clvis: --shard' '$T/bad.err'" "$rc $(cat "$T/bad.err")"
done
"$CLVIS" report >/dev/null 2>"$T/bad.err"
check "report without folders: exit 2" "[ $? = 2 ] && grep -q 'expected at least one SHARD_DIR' '$T/bad.err'"
# more shards than images: the empty ones succeed with nothing to do
"$CLVIS" predict --model "$M" --shard 11/12 "$F/sub" >"$T/empty.out" 2>"$T/empty.err"
check "an empty shard (11/12 of 3 images): exit 0, says so, no output" "[ $? = 0 ] && grep -q 'shard 11/12: 0 of 3 images' '$T/empty.err' && [ ! -s '$T/empty.out' ]" "$(cat "$T/empty.err")"

# ---- --device all --split: the images dealt across this host's devices, one process each. The
# test hook CLVIS_TEST_SPLIT_DEVICES=0,0,0 runs three parts side by side on one device. Two
# photos whose names meet (pic.png, pic.jpg) must get the names an unsplit run gives them.
G="$T/split_in"; cp -r "$F" "$G"; cp samples/coffee.png "$G/pic.png"; cp samples/parrot.jpg "$G/pic.jpg"
"$CLVIS" gradcam --quiet --recursive --model "$M" --out "$T/u2" "$G" >/dev/null 2>&1
"$CLVIS" predict --quiet --recursive --model "$M" --out "$T/u2" "$G" >/dev/null 2>&1
CLVIS_TEST_SPLIT_DEVICES=0,0,0 "$CLVIS" gradcam --quiet --json --recursive --device all --split --model "$M" --out "$T/sp" "$G" >"$T/sp.gc.out" 2>"$T/sp.gc.err"
rc1=$?
CLVIS_TEST_SPLIT_DEVICES=0,0,0 "$CLVIS" predict --recursive --device all --split --model "$M" --out "$T/sp" "$G" >"$T/sp.pr.out" 2>"$T/sp.pr.err"
rc2=$?
check "--split over 3 parts: exit 1 for the broken image, one summary 'done 12 of 13, 1 failed (3 devices)'" "[ $rc1 = 1 ] && [ $rc2 = 1 ] && [ \$(grep -c '^clvis: done' '$T/sp.pr.err') = 1 ] && grep -q '^clvis: done 12 of 13, 1 failed (3 devices)' '$T/sp.pr.err' && grep -q '^clvis: done 12 of 13, 1 failed (3 devices)' '$T/sp.gc.err'" "$(cat "$T/sp.pr.err")"
python3 - "$T/u2/manifest.jsonl" "$T/sp/manifest.jsonl" "$T/sp.gc.out" >"$T/cmp2.txt" 2>&1 <<'PY'
import json, sys
def rows(p):
    return [(r["command"], r["file"], r["caption"]) for r in map(json.loads, open(p))]
a, b = rows(sys.argv[1]), rows(sys.argv[2])
print("unsplit", len(a), "split", len(b), "distinct", len(set(b)))
assert len(set(b)) == len(b), "an entry twice"
assert sorted(a) == sorted(b), "differ: missing %s extra %s" % (set(a) - set(b), set(b) - set(a))
recs = [json.loads(l) for l in open(sys.argv[3])]  # every line whole: parts never mix lines
assert sum("path" in r for r in recs) == 12 and sum("error" in r for r in recs) == 1, recs
PY
check "--split writes what one unsplit run writes: 48 entries, the same names (pic, pic_2) for the same images, JSON lines whole" "grep -q '^unsplit 48 split 48 distinct 48' '$T/cmp2.txt' && [ \$(wc -l <'$T/cmp2.txt') = 1 ] && [ -s '$T/sp/gradcam_pic_2_overlay.jpg' ]" "$(cat "$T/cmp2.txt")"
"$CLVIS" predict --device all --split --model "$M" "$F/cmyk.jpg" >"$T/sp1.out" 2>"$T/sp1.err"
check "--device all --split with one device (or one image): runs in-process, exit 0" "[ $? = 0 ] && grep -q 'cmyk.jpg' '$T/sp1.out'" "$(cat "$T/sp1.err")"

finish

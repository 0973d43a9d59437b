#!/usr/bin/env bash
# test_install.sh BUILD_DIR — `meson install` into a temporary DESTDIR, then the installed tree
# on its own: moved elsewhere and run from a directory outside the source and build trees, the
# installed `clvis` finds its data under <prefix>/share/clvis (never the source tree) and
# predicts as BUILD_DIR/clvis does; --version; the man page renders; libclvis.so exports only
# clvis_* symbols; examples/gradcam.c builds from the installed header and clvis.pc, shared and
# --static, and writes a PNG. Device-free checks run everywhere; those that need an OpenCL device
# are skipped without one (a failure with CLVIS_REQUIRE_DEVICE=1).
# Prints PASS/FAIL lines and "N passed, M failed".
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || { echo "FAIL no build dir"; echo "0 passed, 1 failed"; exit 1; }
cd "$ROOT" || exit 1
. "$(dirname "$0")/lib.sh"

T=$(mktemp -d /tmp/clvis_install.XXXXXX)
trap 'rm -rf "$T"' EXIT
X=$T/destdir
if ! meson install -C "$BUILD" --no-rebuild --destdir "$X" --quiet >"$T/install.log" 2>&1; then
    fail "meson install --destdir" "$(tail -n 5 "$T/install.log")"
    echo "$passed passed, $failed failed"
    exit 1
fi
pass "meson install --destdir"
# the prefix inside DESTDIR (the one holding bin/clvis), and the libdir holding clvis.pc
P=$(dirname "$(dirname "$(find "$X" -path '*/bin/clvis' | head -n 1)")")
PC=$(find "$X" -name clvis.pc | head -n 1)
L=$(dirname "$(dirname "$PC")")
for f in bin/clvis include/clvis.h share/man/man1/clvis.1 share/clvis/models/mobilenet_v2.h5 \
    share/clvis/models/NOTICE.md share/clvis/imagenet_classes.tsv share/clvis/NOTICE.md; do
    check "installed $f" "[ -f '$P/$f' ]"
done
check "installed libclvis.so, its soname links and libclvis.a" \
    "[ -f '$L/libclvis.a' ] && [ -L '$L/libclvis.so' ] && [ -e '$L/libclvis.so.0' ] && [ -f \"\$(readlink -f '$L/libclvis.so')\" ]"
check "clvis.pc: Requires.private / Libs.private for static linking" \
    "grep -q '^Requires.private:.*OpenCL' '$PC' && grep -q '^Libs.private:' '$PC'" "$(cat "$PC")"

# ---- the shared library's surface -------------------------------------------------------------
others=$(nm -D --defined-only "$L/libclvis.so" | awk '{print $3}' | grep -v '^clvis_')
check "libclvis.so exports only clvis_* ($(nm -D --defined-only "$L/libclvis.so" | wc -l) symbols)" \
    "[ -z \"\$others\" ]" "$(echo "$others" | head -n 10 | tr '\n' ' ')"

# ---- the man page ------------------------------------------------------------------------------
warn=$(groff -man -Tutf8 -ww -z "$P/share/man/man1/clvis.1" 2>&1)
check "clvis(1) renders without groff warnings" "[ -z \"\$warn\" ]" "$warn"
if command -v man >/dev/null; then
    check "man finds clvis(1) through MANPATH" \
        "[ \"\$(MANPATH='$P/share/man' man -w clvis)\" = '$P/share/man/man1/clvis.1' ] &&
         MANPATH='$P/share/man' MANWIDTH=100 man clvis 2>/dev/null | grep -q 'CLVIS_DATA_DIR'"
fi

# ---- the tree moved elsewhere, run from outside the source and build trees -----------------
M=$T/moved
cp -a "$P" "$M"
mkdir -p "$T/work/samples" "$T/lonely/bin"
cp samples/elephants_small.jpg "$T/work/samples/"
cp "$M/bin/clvis" "$T/lonely/bin/clvis"
check "installed clvis --version: 'clvis 0.2.0'" "[ \"\$('$M/bin/clvis' --version)\" = 'clvis 0.2.0' ]"

if ! "$BUILD/clvis" devices >/dev/null 2>&1; then
    if [ "${CLVIS_REQUIRE_DEVICE:-0}" != "0" ]; then
        fail "no OpenCL device (CLVIS_REQUIRE_DEVICE set)"
    else
        echo "SKIP no OpenCL device: installed predict and the example runs"
    fi
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
fi

(cd "$T/work" && env -u CLVIS_DATA_DIR "$M/bin/clvis" info >"$T/info.out" 2>"$T/info.err")
check "installed clvis: default model from <prefix>/share/clvis" \
    "grep -q '^Model: .*($M/share/clvis/models/mobilenet_v2.h5)' '$T/info.out'" \
    "$(head -c 300 "$T/info.out" "$T/info.err")"
"$BUILD/clvis" predict --quiet samples/elephants_small.jpg >"$T/pred_build.out" 2>&1
(cd "$T/work" && env -u CLVIS_DATA_DIR "$M/bin/clvis" predict --quiet samples/elephants_small.jpg) \
    >"$T/pred_inst.out" 2>&1
check "installed predict: the same top-3 as $BUILD/clvis" \
    "grep -q 'Indian_elephant' '$T/pred_inst.out' && cmp -s '$T/pred_build.out' '$T/pred_inst.out'" \
    "$(head -c 300 "$T/pred_inst.out")"
# a copy of the binary without share/clvis next to it: no fallback to the source tree
(cd "$T/work" && env -u CLVIS_DATA_DIR "$T/lonely/bin/clvis" predict samples/elephants_small.jpg) \
    >"$T/lonely.out" 2>"$T/lonely.err"
rc=$?
check "a lone copy of clvis: exit 1, one line, no source-tree fallback" \
    "[ $rc = 1 ] && [ \$(wc -l <'$T/lonely.err') = 1 ] && grep -q 'cannot find the default model' '$T/lonely.err' && ! grep -q '$ROOT' '$T/lonely.err'" \
    "rc $rc: $(head -c 300 "$T/lonely.err")"
(cd "$T/work" && CLVIS_DATA_DIR="$M/share/clvis" "$T/lonely/bin/clvis" predict --quiet \
    samples/elephants_small.jpg) >"$T/lonely_env.out" 2>&1
check "CLVIS_DATA_DIR: the lone copy finds the data" "cmp -s '$T/pred_build.out' '$T/lonely_env.out'" \
    "$(head -c 300 "$T/lonely_env.out")"

# ---- examples/gradcam.c against the installed tree ---------------------------------------------
# DESTDIR as a sysroot for pkg-config: clvis.pc's paths are under it, the system libraries'
# (/usr/lib, /usr/include) are linked in so their sysrooted paths still resolve.
ln -s /usr/lib "$X/usr/lib" && ln -s /usr/include "$X/usr/include"
pcenv=(env PKG_CONFIG_PATH="$(dirname "$PC")" PKG_CONFIG_SYSROOT_DIR="$X")
cflags=$("${pcenv[@]}" pkg-config --cflags clvis) libs=$("${pcenv[@]}" pkg-config --libs clvis)
slibs=$("${pcenv[@]}" pkg-config --static --libs clvis)
CC=${CC:-cc}
# a sanitizer build (tools/sanitize.sh) installs an instrumented library: link the example alike
san=$(meson introspect "$BUILD" --buildoptions 2>/dev/null | python3 -c \
    'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "b_sanitize"))' \
    2>/dev/null)
[ -n "$san" ] && [ "$san" != none ] && CC="$CC -fsanitize=$san"
$CC -o "$T/ex_shared" examples/gradcam.c $cflags $libs 2>"$T/cc_shared.err"
check "example builds: cc \$(pkg-config --cflags --libs clvis)" "[ -x '$T/ex_shared' ]" \
    "$(head -c 400 "$T/cc_shared.err")"
# --static: Libs.private and Requires.private must be enough to link the archive
$CC -o "$T/ex_static" examples/gradcam.c $cflags ${slibs//-lclvis /-l:libclvis.a } \
    2>"$T/cc_static.err"
check "example builds: pkg-config --static, libclvis.a" \
    "[ -x '$T/ex_static' ] && ! ldd '$T/ex_static' | grep -q libclvis" "$(head -c 400 "$T/cc_static.err")"
png_ok() { [ "$(head -c 8 "$1" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
(cd "$T/work" && LD_LIBRARY_PATH="$L" "$T/ex_shared" "$M/share/clvis/models/mobilenet_v2.h5" \
    samples/elephants_small.jpg "$T/ov_shared.png") >"$T/ex_shared.out" 2>&1
check "example (shared, LD_LIBRARY_PATH) writes the overlay PNG" \
    "png_ok '$T/ov_shared.png' && grep -q 'class 385' '$T/ex_shared.out'" "$(head -c 300 "$T/ex_shared.out")"
"$T/ex_static" tests/data/keras/small_convnet.h5 samples/cat_chelsea.png "$T/ov_static.png" \
    >"$T/ex_static.out" 2>&1
check "example (static) writes the overlay PNG" "png_ok '$T/ov_static.png'" "$(head -c 300 "$T/ex_static.out")"

finish

#!/usr/bin/env bash
# setup.sh — installs the Debian packages clvis needs (when missing) and builds it into build/.
# Usage: tools/setup.sh            (root, or sudo available, for the install step)
#        CLVIS_BUILD=build-asan CLVIS_MESON_ARGS=-Db_sanitize=address,undefined tools/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(ocl-icd-opencl-dev opencl-c-headers pocl-opencl-icd libpng-dev libturbojpeg0-dev
      libwebp-dev libtiff-dev
      libhdf5-dev libcjson-dev libzip-dev meson ninja-build pkg-config gcc python3 clinfo
      hdf5-tools groff-base man-db protobuf-c-compiler libprotobuf-c-dev libonnx-dev
      libonnx-testdata)

missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# CLVIS_BUILD (default build) and CLVIS_MESON_ARGS (e.g. -Db_sanitize=address,undefined) choose
# another build, such as the sanitizer one (RELIABILITY.md).
B=${CLVIS_BUILD:-build}
if [ ! -f "$B/build.ninja" ]; then
    # shellcheck disable=SC2086
    meson setup "$B" --buildtype=release ${CLVIS_MESON_ARGS:-} >/dev/null
fi
ninja -C "$B" >/dev/null
echo "setup: built $B/clvis" >&2

#!/usr/bin/env bash
# test_layout.sh — the layering rules of the tree, by grep (no build, no device needed):
# src/explain/ (the pipelines) includes no OpenCL or engine-internal header, and the CLI
# (tools/cli/) includes only clvis.h and its own headers, except the files named below.
# Prints each violation as a FAIL line (file:line: the include) and "N passed, M failed".
set -u
cd "$(dirname "$0")/.." || exit 1
passed=0 failed=0

# rule NAME PATTERN FILES...: PASS when no file includes a header matching PATTERN
rule() {
    local name=$1 pat=$2 hits
    shift 2
    hits=$(grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($pat)[>\"]" "$@" 2>/dev/null)
    if [ -z "$hits" ]; then
        echo "PASS $name"
        passed=$((passed + 1))
    else
        echo "FAIL $name:"
        echo "$hits" | sed 's/^/    /'
        failed=$((failed + 1))
    fi
}

explain=(src/explain/*.c src/explain/*.h)
rule "src/explain includes no OpenCL header (CL/cl.h)" 'CL/cl\.h|CL/opencl\.h' "${explain[@]}"
rule "src/explain includes no cl/runtime.h" 'cl/runtime\.h' "${explain[@]}"
rule "src/explain includes no graph/graph.h" 'graph/graph\.h' "${explain[@]}"
rule "src/explain includes no ops/ops.h" 'ops/ops\.h' "${explain[@]}"

# The CLI speaks the public API. report.c and manifest.c (the output folder's manifest files)
# share the library's atomic write and error text,
# util.c its clock, mkdir -p and safe names (io/fsutil.h) and live temporaries (io/atomic.h);
# the benchmark command drives tools/bench (which measures ops directly).
cli=()
for f in tools/cli/*.c tools/cli/*.h; do
    case $f in tools/cli/report.c | tools/cli/manifest.c | tools/cli/util.c) continue ;; esac
    cli+=("$f")
done
rule "tools/cli includes only clvis.h, its own headers and bench.h" \
    'api/[^">]*|cl/(runtime|context|device|program|fault)\.h|core/[^">]*|explain/[^">]*|graph/[^">]*|import/[^">]*|io/[^">]*|ops/[^">]*|viz/[^">]*' \
    "${cli[@]}"
rule "tools/cli/report.c, manifest.c and util.c include no engine header" \
    'api/[^">]*|cl/[^">]*|explain/[^">]*|graph/[^">]*|import/[^">]*|ops/[^">]*|viz/[^">]*' \
    tools/cli/report.c tools/cli/manifest.c tools/cli/util.c

# Nothing in tools/ re-declares a library function by hand.
decl=$(grep -nE '^[[:space:]]*(extern[[:space:]]+)?[a-z_][a-z0-9_ *]*[[:space:]*]clvis_[a-z0-9_]+[[:space:]]*\([^)]*\)[[:space:]]*;' \
    tools/cli/*.c tools/bench/*.c 2>/dev/null)
if [ -z "$decl" ]; then
    echo "PASS tools/ declares no clvis_* function by hand"
    passed=$((passed + 1))
else
    echo "FAIL tools/ declares clvis_* functions by hand:"
    echo "$decl" | sed 's/^/    /'
    failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# gpu_check.sh — the GPU path (issue 16, lever 7) tested and measured on an NVIDIA card through
# NVIDIA's OpenCL, beside PyTorch-CUDA, in ONE device call of at most ~8 minutes.
#
# The device machine (BENCHMARKS.md, "NVIDIA ...") has NVIDIA's driver, python3 with
# PyTorch-CUDA, but not clvis's build dependencies (libhdf5, libcjson, libzip, ...) and no network.
# So clvis is built HERE and carried there as one compressed bundle:
#
#   tools/gpu_check.sh bundle          # here: build, then .gpu/bundle.tar.xz (.gitignore'd,
#                                      # ~8 MB: build/ binaries + their non-glibc libraries)
#   tools/gpu_check.sh run             # there, from the repository root; figures under $OUT
#
# With the project's device tool: run(command="tools/gpu_check.sh run", carry=[".gpu"],
# timeout_s=560). What "run" does, each step with its own time limit so one hang cannot eat the
# call (STEP_S, default 150 s for the suite, 40-120 s for the rest), no step started after
# BUDGET_S (default 500 s) so the summary is always written:
#   1. the bundle unpacked into build/, NVIDIA's libnvidia-opencl.so.1 registered as the only
#      OpenCL platform (a private OCL_ICD_VENDORS folder), `clvis devices` (the kernel choice);
#   2. the C test suite (build/tests/test_*) on the GPU with the table's choice (the tiled
#      kernels; test_ops also checks today's kernels there), then test_ops again forced onto
#      today's kernels (CLVIS_KERNELS=cpu) and test_pipelines forced onto them too;
#   3. `clvis bench` (VGG16 forward b1/b8, Grad-CAM, the four filter grids, small convnet)
#      with the tiled kernels and with today's (--kernels cpu), and PyTorch-CUDA's same
#      workloads (tools/bench/peers/torch_peer.py --device cuda) in FP32: TF32 off
#      (NVIDIA_TF32_OVERRIDE=0 and torch's allow_tf32 flags), cuDNN on (benchmark mode off, as
#      torch's default). Interleaved: clvis tiled, torch, clvis cpu; after step 4 clvis tiled and
#      torch again.
#   4. bench_conv (VGG16's conv layers, batch 1) with the tiled kernels, with today's, and a
#      sweep of tile shapes (CLVIS_KERNELS=gpu,tile=...) in quick mode; the dense GEMV's
#      shapes on VGG16's fc1 (clvis bench --workload op_dense, gemv=...);
# $OUT gets summary.txt (every figure, one file) and log.txt (every command's full output).
# A dry run of the script's plumbing without a GPU (here, on PoCL; every step cut short):
#   GPU_CHECK_OPENCL_LIB=$(ls /usr/lib/x86_64-linux-gnu/libpocl.so.2*|head -1) GPU_CHECK_LIMIT=8 \
#       SUITE_S=1 CLVIS_DEVICE=cpu OUT=/tmp/gc tools/gpu_check.sh run
set -uo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}

if [ "$mode" = bundle ]; then
    B=${CLVIS_BUILD:-build}
    tools/setup.sh > /dev/null || { echo "gpu_check: build failed" >&2; exit 1; }
    stage=$(mktemp -d)
    mkdir -p "$stage/build/tests" "$stage/build/tools/bench" "$stage/lib"
    cp "$B/clvis" "$stage/build/"
    for t in "$B"/tests/test_*; do [ -f "$t" ] && [ -x "$t" ] && cp "$t" "$stage/build/tests/"; done
    cp "$B/tools/bench/bench_conv" "$stage/build/tools/bench/"
    # every library the binaries need, except glibc's own and the C++/GCC runtime (the device
    # machine's are newer, and NVIDIA's OpenCL library needs its own libstdc++)
    for f in "$stage"/build/clvis "$stage"/build/tests/* "$stage"/build/tools/bench/*; do
        ldd "$f" 2>/dev/null | awk '$3 ~ /^\// {print $3}'
    done | sort -u | while read -r lib; do
        case $(basename "$lib") in
        libc.so* | libm.so* | libpthread.so* | libdl.so* | librt.so* | ld-linux* | \
            libstdc++.so* | libgcc_s.so* | libresolv.so*) ;;
        *) cp -L "$lib" "$stage/lib/" ;;
        esac
    done
    mkdir -p .gpu
    tar -C "$stage" -cJf .gpu/bundle.tar.xz build lib
    rm -rf "$stage"
    echo "gpu_check: .gpu/bundle.tar.xz, $(du -h .gpu/bundle.tar.xz | cut -f1); carry .gpu"
    exit 0
fi
[ "$mode" = run ] || { echo "usage: tools/gpu_check.sh bundle|run" >&2; exit 2; }

OUT=${OUT:-/tmp/gpu-check}
mkdir -p "$OUT"
LOG=$OUT/log.txt SUM=$OUT/summary.txt T0=$(date +%s)
: > "$LOG"
: > "$SUM"
say() { echo "$*" | tee -a "$SUM"; }
# step LIMIT_S TITLE CMD...: runs CMD with a time limit, output to the log, the tail to stdout
step() {
    local lim=$1 title=$2 t0 rc
    shift 2
    if [ $(($(date +%s) - T0)) -gt "${BUDGET_S:-500}" ]; then # the call's limit comes first
        say "$title: not run (over BUDGET_S=${BUDGET_S:-500} s)"
        return 124
    fi
    local left=$((${CALL_S:-550} - ($(date +%s) - T0))) # and never past the call's end
    [ "$lim" -gt "$left" ] && lim=$left
    t0=$(date +%s)
    local cmd="$*"
    echo "==== $title: ${cmd//$'\n'/; }" >> "$LOG" # one line: section() pairs these markers
    timeout -k 5 "${GPU_CHECK_LIMIT:-$lim}" "$@" >> "$LOG" 2>&1
    rc=$?
    echo "==== $title: rc=$rc, $(($(date +%s) - t0)) s" >> "$LOG"
    say "$title: rc=$rc ($(($(date +%s) - t0)) s)"
    return $rc
}

[ -f .gpu/bundle.tar.xz ] || { say "gpu_check: no .gpu/bundle.tar.xz (run 'tools/gpu_check.sh bundle' first and carry .gpu)"; exit 1; }
rm -rf build
tar -xJf .gpu/bundle.tar.xz
nv=${GPU_CHECK_OPENCL_LIB:-$(ldconfig -p 2> /dev/null | awk '/libnvidia-opencl\.so\.1/ {print $NF; exit}')}
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64; do
    [ -z "$nv" ] && [ -e "$d/libnvidia-opencl.so.1" ] && nv=$d/libnvidia-opencl.so.1
done
[ -n "$nv" ] || { say "gpu_check: libnvidia-opencl.so.1 not found"; exit 1; }
icd=$(mktemp -d)
echo "$nv" > "$icd/nvidia.icd"
export OCL_ICD_VENDORS=$icd
export LD_LIBRARY_PATH=$PWD/lib:$(dirname "$nv")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export CLVIS_DEVICE=${CLVIS_DEVICE:-gpu} CLVIS_REQUIRE_DEVICE=1 CLVIS_CACHE_DIR=$(mktemp -d)/cache
export NVIDIA_TF32_OVERRIDE=0 PYTHONUNBUFFERED=1
PY=${TORCH_PY:-python3}
say "gpu_check $(date -u +%FT%TZ); $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)"
say "OpenCL library: $nv"
build/clvis devices 2>&1 | tee -a "$SUM"

# the output of one step, from the log
section() { awk -v t="==== $1:" 'index($0, t) == 1 {on = !on; next} on' "$LOG"; }

# 2. the suite (the table's choice: tiled on NVIDIA), then today's kernels forced; the suite
#    stops starting tests after SUITE_S (default 200 s) so the benchmarks still run
pass=0 fail=0
for t in build/tests/test_*; do
    n=$(basename "$t")
    case $n in test_onnx_conformance) continue ;; esac # needs Debian's libonnx-testdata
    if [ $(($(date +%s) - T0)) -gt "${SUITE_S:-200}" ]; then
        say "suite: $n not run (over SUITE_S)"
        continue
    fi
    step "${STEP_S:-150}" "suite $n" "$t"
    line=$(section "suite $n" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
    say "    ${line:-no summary line}"
    p=${line%% passed*}
    f=${line#*passed, }
    f=${f%% failed*}
    pass=$((pass + ${p:-0}))
    fail=$((fail + ${f:-1}))
done
say "suite on the GPU (the table's kernels): $pass passed, $fail failed"
for t in test_ops test_pipelines; do
    CLVIS_KERNELS=cpu step 150 "$t CLVIS_KERNELS=cpu" build/tests/$t
    say "    $(section "$t CLVIS_KERNELS=cpu" | grep -E '^[0-9]+ passed' | tail -n 1)"
done

# 3. clvis bench beside PyTorch-CUDA, FP32 (TF32 off), interleaved
W=vgg16_b1,vgg16_b8,gradcam,filters,small_convnet
TORCH="import torch, runpy, sys
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.enabled = True
print('torch', torch.__version__, 'cudnn', torch.backends.cudnn.version(), 'tf32 off', flush=True)
sys.argv = ['torch_peer.py', '--device', 'cuda', '--runs', '5', '--workload', '$W']
runpy.run_path('tools/bench/peers/torch_peer.py', run_name='__main__')"
bench_round() { # $1: round; $2: 1 to add clvis's CPU kernels on the GPU too
    step 120 "clvis bench --kernels gpu, round $1" build/clvis bench --device "$CLVIS_DEVICE" --runs 5 --kernels gpu
    section "clvis bench --kernels gpu, round $1" | tail -n 20 >> "$SUM"
    step 90 "torch cuda, round $1" "$PY" -c "$TORCH"
    section "torch cuda, round $1" | tail -n 20 >> "$SUM"
    if [ "$2" = 1 ]; then
        step 120 "clvis bench --kernels cpu, round $1" build/clvis bench --device "$CLVIS_DEVICE" --runs 5 --kernels cpu
        section "clvis bench --kernels cpu, round $1" | tail -n 20 >> "$SUM"
    fi
}
bench_round 1 1

# 4. bench_conv: tiled vs today's, then a sweep of tiles (quick: two layers)
for k in gpu cpu; do
    CLVIS_KERNELS=$k step 90 "bench_conv CLVIS_KERNELS=$k" build/tools/bench/bench_conv --runs 10
    section "bench_conv CLVIS_KERNELS=$k" | grep -E 'fwd|bwd|peak|kernels' | sed 's/^/    /' | tee -a "$SUM"
done
for tile in 128x64x16/8x4 64x128x16/4x8 128x128x8/8x8 32x32x16/4x4; do
    CLVIS_KERNELS=gpu,tile=$tile step 45 "bench_conv tile=$tile" build/tools/bench/bench_conv --quick --runs 5
    section "bench_conv tile=$tile" | grep -E 'fwd|bwd' | sed 's/^/    /' | tee -a "$SUM"
done

# the dense GEMV's shape (rows per work-group x lanes / batch block) on VGG16's fc1 at batch 1
for gv in 32x8/4 8x32/4 4x64/4; do
    step 40 "dense gemv=$gv" build/clvis bench --device "$CLVIS_DEVICE" --runs 10 --workload op_dense --kernels "gpu,gemv=$gv"
    section "dense gemv=$gv" | grep -E 'op_dense' | sed 's/^/    /' | tee -a "$SUM"
done

# the second round of the headline comparison (interleaved with the first)
bench_round 2 0
say "done: $(date -u +%FT%TZ), $(($(date +%s) - T0)) s"

/* test_select.c — the kernel table (src/cl/select.c) on made-up devices: which row a device
 * class gets (NVIDIA / AMD / other GPUs, small GPUs, CPUs, odd devices), the override grammar
 * of $CLVIS_KERNELS (each item, each malformed one), tiles that cannot fit a device, and the
 * -D options the plan compiles into the kernels. No device needed. */
#include "testutil.h"

#include "cl/select.h"

static clvis_device_info dev(clvis_device_type type, const char *vendor, uint64_t local)
{
    clvis_device_info d;
    memset(&d, 0, sizeof d);
    d.type = type;
    snprintf(d.name, sizeof d.name, "test device");
    snprintf(d.vendor, sizeof d.vendor, "%s", vendor);
    snprintf(d.platform, sizeof d.platform, "test platform");
    d.local_mem = local;
    return d;
}

static void expect_row(const char *label, clvis_device_info d, size_t max_wg, const char *spec,
                       const char *row, int conv, int dense, int tm)
{
    kernel_plan ovr, p;
    clvis_status st = kernel_plan_parse(spec, &ovr);
    if (!st)
        st = kernel_plan_choose(&d, max_wg, &ovr, &p);
    char detail[400];
    if (st)
        snprintf(detail, sizeof detail, "%s", clvis_last_error());
    else
        kernel_plan_describe(&p, detail, sizeof detail);
    test_result(label, !st && !strcmp(p.row, row) && p.conv == conv && p.dense == dense &&
                           p.tm == tm, detail);
}

static void expect_refused(const char *label, clvis_device_info d, size_t max_wg,
                           const char *spec)
{
    kernel_plan ovr, p;
    clvis_status st = kernel_plan_parse(spec, &ovr);
    if (!st)
        st = kernel_plan_choose(&d, max_wg, &ovr, &p);
    char detail[400];
    snprintf(detail, sizeof detail, "%s: %s", clvis_status_name(st), st ? clvis_last_error() : "");
    test_result(label, st == CLVIS_ERR_INVALID_ARG, detail);
}

int main(void)
{
    const int T = KPATH_TILED, C = KPATH_CPU;
    clvis_device_info nv = dev(CLVIS_DEVICE_GPU, "NVIDIA Corporation", 49152);
    clvis_device_info amd = dev(CLVIS_DEVICE_GPU, "Advanced Micro Devices, Inc.", 65536);
    clvis_device_info intel = dev(CLVIS_DEVICE_IGPU, "Intel(R) Corporation", 65536);
    clvis_device_info small = dev(CLVIS_DEVICE_GPU, "Tiny GPU Co", 8192);
    clvis_device_info cpu = dev(CLVIS_DEVICE_CPU, "AuthenticAMD", 524288);
    clvis_device_info odd = dev(CLVIS_DEVICE_ACCELERATOR, "Odd", 1024);

    /* the table */
    expect_row("NVIDIA GPU: tiled kernels, 64x64 tile", nv, 1024, NULL, "nvidia-gpu", T, T, 64);
    expect_row("AMD GPU", amd, 256, NULL, "amd-gpu", T, T, 64);
    expect_row("other GPU (Intel iGPU)", intel, 512, NULL, "gpu", T, T, 64);
    expect_row("GPU with 8 KiB local memory, 128 work-items", small, 128, NULL, "gpu-small", T, T, 32);
    expect_row("NVIDIA GPU with 64 work-items only: the small row", nv, 64, NULL, "gpu-small", T, T, 32);
    expect_row("CPU (PoCL): today's kernels", cpu, 4096, NULL, "cpu", C, C, 32);
    expect_row("accelerator with 1 KiB local memory: today's kernels", odd, 16, NULL, "other", C, C, 16);
    expect_row("a CPU whose vendor string holds AMD: still the CPU row", cpu, 4096, "auto", "cpu", C, C, 32);

    /* the overrides */
    expect_row("CLVIS_KERNELS=gpu on a CPU", cpu, 4096, "gpu", "cpu", T, T, 32);
    expect_row("CLVIS_KERNELS=cpu on a GPU", nv, 1024, "cpu", "nvidia-gpu", C, C, 64);
    expect_row("conv=gpu only", cpu, 4096, "conv=gpu", "cpu", T, C, 32);
    expect_row("dense=cpu only on a GPU", nv, 1024, "dense=cpu", "nvidia-gpu", T, C, 64);
    expect_row("tile=128x64x8/8x4", nv, 1024, "gpu,tile=128x64x8/8x4", "nvidia-gpu", T, T, 128);
    expect_row("empty items and auto", cpu, 4096, ",auto,,", "cpu", C, C, 32);
    {
        kernel_plan ovr, p;
        char defs[256];
        int ok = !kernel_plan_parse("tile=12x8x5/4x2,gemv=3x4/2,gemm-batch=7", &ovr) &&
                 !kernel_plan_choose(&cpu, 4096, &ovr, &p);
        kernel_plan_defines(&p, defs, sizeof defs);
        test_result("tile, gemv and gemm-batch overrides become the -D options",
                    ok && p.gemm_batch == 7 && p.conv == C &&
                        !strcmp(defs, "-DCT_TM=12 -DCT_TN=8 -DCT_TK=5 -DCT_WM=4 -DCT_WN=2 "
                                      "-DGV_M=3 -DGV_KS=4 -DGV_NB=2"),
                    defs);
    }

    /* malformed overrides and tiles a device cannot run */
    const char *bad[] = {"fast", "conv=fast", "conv", "tile=64x64/4x4", "tile=64x64x16/4",
                         "tile=64x64x16/4x4x", "tile=0x64x16/4x4", "gemv=8x8", "gemm-batch=",
                         "gemm-batch=-3", "gemm-batch=4x", "gpu;cpu", "dense=GPU"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char label[96];
        snprintf(label, sizeof label, "override '%s' refused", bad[i]);
        expect_refused(label, cpu, 4096, bad[i]);
    }
    expect_refused("tile of 1024 work-items on a 256-item GPU", amd, 256, "tile=128x128x8/4x4");
    expect_refused("WM not dividing TM", nv, 1024, "tile=30x32x8/4x4");
    expect_refused("more than 8 rows per work-item", nv, 1024, "tile=64x64x8/16x4");
    expect_refused("tile over the device's local memory", small, 128, "tile=64x64x32/8x8");
    expect_refused("gemv lanes not a power of two", nv, 1024, "gemv=8x6/4");
    expect_refused("gemv batch block over 8", nv, 1024, "gemv=8x8/9");
    return test_summary();
}

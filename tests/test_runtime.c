/* test_runtime.c — devices and the kernel binary cache: enumeration, selection errors, a second
 * start loading from the cache instead of compiling, a corrupt cache falling back to source. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cl/runtime.h"
#include "ops/ops.h"
#include "testutil.h"

static int notes;
static void count_notes(void *user, const char *line)
{
    (void)user;
    notes++;
    fprintf(stderr, "  log: %s\n", line);
}

static clvis_status open_with(const char *dir, const char *device, clvis_ctx **ctx,
                              clvis_build_info *bi)
{
    clvis_ctx_options o = {0};
    o.cache_dir = dir;
    o.device = device;
    o.log = count_notes;
    clvis_status st = clvis_ctx_create(&o, ctx);
    if (!st)
        clvis_ctx_build_info(*ctx, bi);
    return st;
}

/* Device preference and selectors on a made-up machine (no device needed): two discrete GPUs,
 * an integrated GPU, a CPU and an accelerator, listed in the worst order. */
static void test_selection(void)
{
    static const struct {
        clvis_device_type type;
        unsigned long long mem;
        const char *name, *vendor;
    } fake[] = {
        {CLVIS_DEVICE_CPU, 64ULL << 30, "pthread-skylake", "GenuineIntel"},
        {CLVIS_DEVICE_ACCELERATOR, 8ULL << 30, "FPGA thing", "Altera"},
        {CLVIS_DEVICE_GPU, 8ULL << 30, "Radeon RX 6600", "AMD"},
        {CLVIS_DEVICE_IGPU, 16ULL << 30, "Intel(R) UHD Graphics", "Intel(R) Corporation"},
        {CLVIS_DEVICE_GPU, 24ULL << 30, "NVIDIA GeForce RTX 4090", "NVIDIA Corporation"},
    };
    enum { N = 5 };
    device_entry all[N];
    memset(all, 0, sizeof all);
    for (int i = 0; i < N; i++) {
        all[i].info.index = i;
        all[i].info.type = fake[i].type;
        all[i].info.global_mem = fake[i].mem;
        snprintf(all[i].info.name, sizeof all[i].info.name, "%s", fake[i].name);
        snprintf(all[i].info.vendor, sizeof all[i].info.vendor, "%s", fake[i].vendor);
        snprintf(all[i].info.platform, sizeof all[i].info.platform, "platform %d", i);
    }
    static const struct {
        const char *sel;
        const char *want; /* the order of candidates, as device indices */
    } cases[] = {
        {NULL, "42301"},    /* GPUs by memory, then iGPU, CPU, accelerator */
        {"gpu", "423"},     /* discrete first, then integrated */
        {"igpu", "3"},
        {"cpu", "0"},
        {"accel", "1"},
        {"1", "1"},         /* an index names exactly that device */
        {"nvidia", "4"},    /* name / vendor substring, any case */
        {"INTEL", "30"},
        {"platform 2", "2"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        int order[N], k = 0, named = 0;
        char got[N + 1] = "";
        clvis_status st = device_select(all, N, cases[c].sel, order, &k, &named);
        for (int i = 0; i < k && !st; i++)
            got[i] = (char)('0' + order[i]);
        got[st ? 0 : k] = 0;
        test_checkf(!st && !strcmp(got, cases[c].want) && named == (cases[c].sel != NULL),
                    "device selector %s%s%s: candidates %s (want %s)",
                    cases[c].sel ? "'" : "", cases[c].sel ? cases[c].sel : "(none)",
                    cases[c].sel ? "'" : "", st ? clvis_last_error() : got, cases[c].want);
    }
    int order[N], k, named;
    test_checkf(device_select(all, N, "5", order, &k, &named) == CLVIS_ERR_NO_DEVICE &&
                    strstr(clvis_last_error(), "0..4"),
                "device index 5 of 5: out of range, names 0..4");
    test_checkf(device_select(all, N, "mali", order, &k, &named) == CLVIS_ERR_NO_DEVICE,
                "a name that matches nothing: CLVIS_ERR_NO_DEVICE");
}

int main(void)
{
    test_selection();
    clvis_ctx *ctx;
    int rc = test_open_ctx(&ctx);
    if (rc)
        return rc;
    test_check("kernel choices default to automatic",
               ctx->conv_impl == CLVIS_CONV_AUTO && ctx->dense_impl == CLVIS_DENSE_AUTO &&
                   ctx->conv_order == CLVIS_ORDER_AUTO,
               "");
    clvis_ctx_destroy(ctx);
    {
        /* clvis_ctx_options' kernel choices reach the context the ops read them from */
        clvis_ctx_options o = {0};
        o.conv = CLVIS_CONV_REFERENCE;
        o.dense = CLVIS_DENSE_COLUMNS;
        o.conv_order = CLVIS_ORDER_PIXELS_INNER;
        clvis_status so = clvis_ctx_create(&o, &ctx);
        test_check("kernel choices from clvis_ctx_options",
                   so == CLVIS_OK && ctx->conv_impl == CLVIS_CONV_REFERENCE &&
                       ctx->dense_impl == CLVIS_DENSE_COLUMNS && !dense_wants_rows(ctx) &&
                       ctx->conv_order == CLVIS_ORDER_PIXELS_INNER,
                   clvis_status_name(so));
        if (!so)
            clvis_ctx_destroy(ctx);
    }

    clvis_device_info *devs;
    int n;
    clvis_status st = clvis_devices(&devs, &n);
    char d[512];
    snprintf(d, sizeof d, "%d device(s); first: %s (%s, %u CUs, %llu MiB)", n,
             st ? "-" : devs[0].name, st ? "-" : clvis_device_type_name(devs[0].type),
             st ? 0 : devs[0].compute_units,
             st ? 0ULL : (unsigned long long)(devs[0].global_mem >> 20));
    test_check("enumerate devices", st == CLVIS_OK && n > 0 && devs[0].name[0], d);

    char tmpl[] = "/tmp/clvis-cache-test-XXXXXX";
    char *dir = mkdtemp(tmpl);
    clvis_build_info b1 = {0}, b2 = {0}, b3 = {0};
    st = open_with(dir, NULL, &ctx, &b1);
    snprintf(d, sizeof d, "from_cache=%d %.1f ms", b1.from_cache, b1.build_ms);
    test_check("first start compiles the kernels", st == CLVIS_OK && !b1.from_cache, d);
    clvis_ctx_destroy(ctx);
    st = open_with(dir, NULL, &ctx, &b2);
    snprintf(d, sizeof d, "from_cache=%d %.1f ms (first: %.1f ms) %.300s", b2.from_cache, b2.build_ms,
             b1.build_ms, b2.cache_file);
    test_check("second start loads the cached binary, no recompilation",
               st == CLVIS_OK && b2.from_cache, d);
    clvis_ctx_destroy(ctx);

    /* corrupt the cached binary: must fall back to a source build, with a notice */
    FILE *f = fopen(b2.cache_file, "wb");
    if (f) {
        fputs("not a binary", f);
        fclose(f);
    }
    notes = 0;
    st = open_with(dir, NULL, &ctx, &b3);
    snprintf(d, sizeof d, "status %s, from_cache=%d, %d notice(s)", clvis_status_name(st),
             b3.from_cache, notes);
    test_check("corrupt cache falls back to a source build", st == CLVIS_OK && !b3.from_cache &&
                                                                  notes > 0, d);
    if (!st)
        clvis_ctx_destroy(ctx);

    /* no cache at all */
    setenv("CLVIS_NO_CACHE", "1", 1);
    st = open_with(dir, NULL, &ctx, &b3);
    test_check("CLVIS_NO_CACHE=1 builds from source", st == CLVIS_OK && !b3.from_cache,
               st ? clvis_last_error() : "from_cache=0");
    if (!st)
        clvis_ctx_destroy(ctx);
    unsetenv("CLVIS_NO_CACHE");

    /* selection errors */
    st = open_with(dir, "99", &ctx, &b3);
    test_expect_error("device index out of range", st, CLVIS_ERR_NO_DEVICE);
    st = open_with(dir, "no-such-device-name", &ctx, &b3);
    test_expect_error("device name that matches nothing", st, CLVIS_ERR_NO_DEVICE);
    st = open_with(dir, "0", &ctx, &b3);
    test_check("device by index 0", st == CLVIS_OK, st ? clvis_last_error() : devs[0].name);
    if (!st)
        clvis_ctx_destroy(ctx);
    if (n > 0) {
        st = open_with(dir, clvis_device_type_name(devs[0].type)[0] == 'C' ? "cpu" : "gpu", &ctx,
                       &b3);
        test_check("device by type", st == CLVIS_OK, st ? clvis_last_error() : "ok");
        if (!st)
            clvis_ctx_destroy(ctx);
    }
    /* injected device faults: every path returns a status with a message, nothing crashes */
    setenv("CLVIS_NO_CACHE", "1", 1);
    setenv("CLVIS_FAULT", "build", 1);
    st = open_with(dir, "0", &ctx, &b3);
    test_check("named device whose kernels fail to build: CLVIS_ERR_BUILD",
               st == CLVIS_ERR_BUILD && strstr(clvis_last_error(), "CL_BUILD_PROGRAM_FAILURE"),
               clvis_last_error());
    if (!st)
        clvis_ctx_destroy(ctx);
    notes = 0;
    unsetenv("CLVIS_FAULT"); /* unset and set again: counting starts anew */
    clvis_ctx_build_info(NULL, &b3);
    fault_check(FAULT_BUILD);
    setenv("CLVIS_FAULT", "build", 1);
    /* an automatic choice: a device named by $CLVIS_DEVICE (tools/oclgrind.sh) would fail */
    const char *env_dev = getenv("CLVIS_DEVICE");
    char *named_dev = env_dev ? strdup(env_dev) : NULL;
    unsetenv("CLVIS_DEVICE");
    st = open_with(dir, NULL, &ctx, &b3);
    test_check("automatically chosen device that fails to build is reported and skipped",
               st == CLVIS_ERR_NO_DEVICE && notes > 0, clvis_last_error());
    if (!st)
        clvis_ctx_destroy(ctx);
    if (named_dev)
        setenv("CLVIS_DEVICE", named_dev, 1);
    free(named_dev);
    unsetenv("CLVIS_FAULT");
    unsetenv("CLVIS_NO_CACHE");
    st = open_with(dir, NULL, &ctx, &b3);
    if (!st) {
        cl_mem m = NULL;
        float v[4] = {0};
        setenv("CLVIS_FAULT", "alloc", 1);
        clvis_status s1 = buffer_create(ctx, 1024, &m);
        test_expect_error("allocation failure", s1, CLVIS_ERR_NO_MEMORY);
        unsetenv("CLVIS_FAULT");
        if (!buffer_create(ctx, 1024, &m)) {
            tensor t = {m, 0, 1, 1, 1, 4};
            setenv("CLVIS_FAULT", "enqueue", 1);
            test_expect_error("kernel enqueue failure (CL_OUT_OF_RESOURCES)", fill(ctx, t, 1.0f),
                              CLVIS_ERR_NO_MEMORY);
            setenv("CLVIS_FAULT", "read", 1);
            test_expect_error("read failure", buffer_read(ctx, m, 0, 16, v), CLVIS_ERR_NO_MEMORY);
            setenv("CLVIS_FAULT", "write:2", 1);
            clvis_status w1 = buffer_write(ctx, m, 0, 16, v);
            clvis_status w2 = buffer_write(ctx, m, 0, 16, v);
            test_check("fault on the 2nd write only", w1 == CLVIS_OK && w2 == CLVIS_ERR_NO_MEMORY,
                       clvis_last_error());
            unsetenv("CLVIS_FAULT");
            clReleaseMemObject(m);
        }
        clvis_ctx_destroy(ctx);
    }
    test_check("status names and messages come from one list",
               !strcmp(clvis_status_name(CLVIS_ERR_SHAPE), "CLVIS_ERR_SHAPE") &&
                   !strcmp(clvis_status_message(CLVIS_ERR_BUILD), "OpenCL kernel build failed"),
               clvis_status_name(CLVIS_ERR_SHAPE));
    free(devs);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return test_summary();
}

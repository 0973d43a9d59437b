/* bench_conv.c — benchmark (not a test) of conv2d_forward / conv2d_backward on VGG16 layer
 * shapes, batch 1: the fast kernel (conv2d_fast, chosen automatically) against the reference
 * kernels (conv2d_fwd / conv2d_bwd), with an FMA-peak microkernel measured on the same device so
 * GFLOP/s can be read as a fraction of peak. Each fast result is checked once against the
 * reference (max abs / rel difference).
 *
 *   bench_conv [--runs N] [--ref-runs M] [--batch B] [--quick]
 *   CLVIS_DEVICE selects the device as everywhere else in clvis. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli/util.h"
#include "ops/ops.h"


#define DIE(st)                                                                      \
    do {                                                                             \
        fprintf(stderr, "bench_conv:%d: %s: %s\n", __LINE__, clvis_status_name(st), \
                clvis_last_error());                                                 \
        exit(1);                                                                     \
    } while (0)
#define TRY(call)                    \
    do {                             \
        clvis_status st_ = (call);   \
        if (st_)                     \
            DIE(st_);                \
    } while (0)

/* FMA peak: tools/bench's microkernel (the same figure `clvis bench` reports). */
static double fma_peak_gflops(clvis_ctx *ctx)
{
    double g = 0;
    if (bench_fma_peak(ctx, &g) != CLVIS_OK)
        fprintf(stderr, "fma_peak: %s\n", clvis_last_error());
    return g;
}

/* ---- conv shapes -------------------------------------------------------------------------- */
typedef struct {
    const char *name;
    int c, oc, hw;
} shape;

static const shape shapes[] = {
    {"block1_conv1 3->64 @224", 3, 64, 224},    {"block1_conv2 64->64 @224", 64, 64, 224},
    {"block2_conv2 128->128 @112", 128, 128, 112}, {"block3_conv2 256->256 @56", 256, 256, 56},
    {"block4_conv2 512->512 @28", 512, 512, 28}, {"block5_conv2 512->512 @14", 512, 512, 14},
};

static float *rand_buf(size_t n, unsigned *seed, float scale)
{
    float *p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++) {
        *seed = *seed * 1664525u + 1013904223u;
        p[i] = scale * ((float)(*seed >> 8) / (float)(1u << 24) * 2.0f - 1.0f);
    }
    return p;
}

static cl_mem upload(clvis_ctx *ctx, const float *h, size_t n)
{
    cl_mem m;
    TRY(buffer_create(ctx, n * sizeof(float), &m));
    if (h)
        TRY(buffer_write(ctx, m, 0, n * sizeof(float), h));
    return m;
}

static void diff(const float *a, const float *ref, size_t n, double *max_abs, double *rel)
{
    double m = 0, r = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - ref[i]);
        if (d > m)
            m = d;
        double s = fabs((double)ref[i]);
        if (s > r)
            r = s;
    }
    *max_abs = m;
    *rel = r > 0 ? m / r : m;
}

typedef struct {
    double ms, gflops;
} timing;

/* dir 0: forward, 1: backward. impl: 0 auto, 1 reference. */
static timing time_op(clvis_ctx *ctx, int dir, int impl, int runs, const conv2d_params *p,
                      tensor x, tensor y, cl_mem w, cl_mem b, double flops)
{
    ctx->conv_impl = impl;
    double *t = malloc(sizeof(double) * (size_t)runs);
    for (int r = -1; r < runs; r++) {
        double t0 = util_now_ms();
        TRY(dir ? conv2d_backward(ctx, p, x, y, w, 0) : conv2d_forward(ctx, p, y, x, w, b));
        TRY(ctx_finish(ctx));
        if (r >= 0)
            t[r] = util_now_ms() - t0;
    }
    timing out = {bench_median(t, runs), 0};
    out.gflops = flops / (out.ms * 1e6);
    free(t);
    return out;
}

int main(int argc, char **argv)
{
    int runs = 10, ref_runs = 3, batch = 1, quick = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--ref-runs") && i + 1 < argc)
            ref_runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            batch = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else {
            fprintf(stderr, "usage: %s [--runs N] [--ref-runs M] [--batch B] [--quick]\n",
                    argv[0]);
            return 2;
        }
    }
    if (runs < 1)
        runs = 1;
    if (ref_runs < 1)
        ref_runs = 1;
    clvis_ctx *ctx;
    TRY(clvis_ctx_create(NULL, &ctx));
    /* CLVIS_CONV_OC_INNER=1|0: conv2d_fast's tile order (BENCHMARKS.md); unset: by weight size */
    const char *oi = getenv("CLVIS_CONV_OC_INNER");
    if (oi && *oi)
        ctx->conv_order = strcmp(oi, "0") ? CLVIS_ORDER_CHANNELS_INNER : CLVIS_ORDER_PIXELS_INNER;
    const clvis_device_info *d = clvis_ctx_device(ctx);
    printf("device: %s (%s, %s), %u compute units\n", d->name, d->platform, d->driver,
           d->compute_units);
    printf("kernels: %s\n", clvis_ctx_kernels(ctx)); /* CLVIS_KERNELS: the "fast" columns */
    double peak = fma_peak_gflops(ctx);
    printf("FMA peak (float16 FMA microkernel): %.1f GFLOP/s\n", peak);
    printf("batch %d; median of %d runs (reference: %d) after one warm-up; time includes the "
           "fast path's padding copy\n\n",
           batch, runs, ref_runs);
    printf("%-28s %-4s %10s %8s %6s %10s %8s %6s %7s %10s %10s\n", "shape (3x3 same)", "dir",
           "ref ms", "GFLOP/s", "%peak", "fast ms", "GFLOP/s", "%peak", "speedup", "max abs",
           "max rel");
    unsigned seed = 12345;
    int nshapes = (int)(sizeof shapes / sizeof *shapes);
    for (int si = 0; si < nshapes; si++) {
        const shape *s = &shapes[si];
        if (quick && si != 1 && si != 4)
            continue;
        conv2d_params p = {{3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, s->oc, 1, ACT_LINEAR, 0.0f};
        size_t nx = (size_t)batch * s->c * s->hw * s->hw;
        size_t ny = (size_t)batch * s->oc * s->hw * s->hw;
        size_t nw = (size_t)s->oc * s->c * 9;
        float *hx = rand_buf(nx, &seed, 1.0f), *hw = rand_buf(nw, &seed, 0.1f);
        float *hb = rand_buf((size_t)s->oc, &seed, 0.1f), *hy = rand_buf(ny, &seed, 1.0f);
        cl_mem mx = upload(ctx, hx, nx), mw = upload(ctx, hw, nw), mb = upload(ctx, hb, s->oc);
        cl_mem my = upload(ctx, hy, ny);
        tensor x = {mx, 0, batch, s->c, s->hw, s->hw}, y = {my, 0, batch, s->oc, s->hw, s->hw};
        double flops = 2.0 * batch * s->oc * s->hw * s->hw * s->c * 9;
        for (int dir = 0; dir < 2; dir++) {
            size_t nout = dir ? nx : ny;
            float *fast = malloc(nout * sizeof(float)), *ref = malloc(nout * sizeof(float));
            cl_mem out = dir ? mx : my;
            if (dir) /* backward reads dy from y: restore random dy */
                TRY(buffer_write(ctx, my, 0, ny * sizeof(float), hy));
            timing tr = time_op(ctx, dir, 1, ref_runs, &p, x, y, mw, mb, flops);
            TRY(buffer_read(ctx, out, 0, nout * sizeof(float), ref));
            timing tf = time_op(ctx, dir, 0, runs, &p, x, y, mw, mb, flops);
            TRY(buffer_read(ctx, out, 0, nout * sizeof(float), fast));
            double ma, mr;
            diff(fast, ref, nout, &ma, &mr);
            printf("%-28s %-4s %10.2f %8.1f %5.1f%% %10.2f %8.1f %5.1f%% %6.1fx %10.2e %10.2e\n",
                   s->name, dir ? "bwd" : "fwd", tr.ms, tr.gflops, 100 * tr.gflops / peak, tf.ms,
                   tf.gflops, 100 * tf.gflops / peak, tr.ms / tf.ms, ma, mr);
            fflush(stdout);
            free(fast);
            free(ref);
        }
        clReleaseMemObject(mx), clReleaseMemObject(mw), clReleaseMemObject(mb),
            clReleaseMemObject(my);
        free(hx), free(hw), free(hb), free(hy);
    }
    clvis_ctx_destroy(ctx);
    return 0;
}

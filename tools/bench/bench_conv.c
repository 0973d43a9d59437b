/* bench_conv.c — benchmark (not a test) of conv2d_forward / conv2d_backward on VGG16 layer
 * shapes, batch 1: the fast kernel (conv2d_fast on a padded copy, CLVIS_CONV_FAST) and the
 * blocked kernel on packed weights (conv2d_blk, CLVIS_CONV_BLK) with each of its two tiles
 * (6 and 7 pixels) and Winograd F(2x2, 3x3) (conv2d_wino, CLVIS_CONV_WINO), timed in
 * interleaved rounds (fast, blk6, blk7, wino, fast, ...: all see the same machine load), with
 * an FMA-peak microkernel
 * (best of several probes) measured on the same device before and after, so GFLOP/s can be read
 * as a fraction of peak. Each result is checked once against the reference kernels
 * (conv2d_fwd / conv2d_bwd: max rel difference = max abs / max |ref|).
 *
 * A second table times the pixel-vector kernels (conv_dw.c: CLVIS_CONV_DW) against the
 * reference kernels (and, for the groups-1 rows, the blocked and fast ones) on MobileNetV2's
 * depthwise layers and on the input gradient of the first conv of VGG16 / MobileNetV2 (3 input
 * channels); --dw runs that table only.
 *
 *   bench_conv [--runs N] [--ref-runs M] [--batch B] [--quick] [--only LIST] [--dw]
 *   (--only 4,5: only those rows of the shape table, counted from 0)
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

/* FMA peak: tools/bench's microkernel (the same figure `clvis bench` reports; the best of its
 * probes). */
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

/* whether index i is in the comma-separated list s */
static int listed(const char *s, int i)
{
    while (*s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s)
            return 0;
        if (v == i)
            return 1;
        s = *end == ',' ? end + 1 : end;
    }
    return 0;
}

/* The pixel-vector kernels' rows: a depthwise layer (groups = c) or a groups-1 conv whose
 * input gradient has c <= 4 channels (bwd only); 3x3, stride s, pads (t, b, l, r) as Keras
 * MobileNetV2 has them (stride 2: ZeroPadding2D (0, 1) then VALID, here as explicit pads). */
typedef struct {
    const char *name;
    int c, oc, hw, s, groups, pt, pb, pl, pr;
} dw_shape;

static const dw_shape dw_shapes[] = {
    {"mnv2 expanded_conv_dw 32 @112", 32, 32, 112, 1, 32, 1, 1, 1, 1},
    {"mnv2 block_1_dw 96 @112 s2", 96, 96, 112, 2, 96, 0, 1, 0, 1},
    {"mnv2 block_2_dw 144 @56", 144, 144, 56, 1, 144, 1, 1, 1, 1},
    {"mnv2 block_3_dw 144 @56 s2", 144, 144, 56, 2, 144, 0, 1, 0, 1},
    {"mnv2 block_4_dw 192 @28", 192, 192, 28, 1, 192, 1, 1, 1, 1},
    {"mnv2 block_7_dw 384 @14", 384, 384, 14, 1, 384, 1, 1, 1, 1},
    {"mnv2 block_13_dw 576 @14 s2", 576, 576, 14, 2, 576, 0, 1, 0, 1},
    {"mnv2 block_14_dw 960 @7", 960, 960, 7, 1, 960, 1, 1, 1, 1},
    {"vgg16 block1_conv1 3->64 @224", 3, 64, 224, 1, 1, 1, 1, 1, 1},
    {"mnv2 Conv1 3->32 @224 s2", 3, 32, 224, 2, 1, 0, 1, 0, 1},
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


/* One timed call (ms) of direction dir (0 forward, 1 backward) with implementation impl. */
static double time_once(clvis_ctx *ctx, int dir, int impl, const conv2d_params *p, tensor x,
                        tensor y, cl_mem w, cl_mem b)
{
    /* impl CLVIS_CONV_BLK + 7: conv2d_blk with its 7-pixel tile, CLVIS_CONV_BLK: the 6-pixel */
    ctx->conv_blk_px = impl == CLVIS_CONV_BLK + 7 ? 7 : impl == CLVIS_CONV_BLK ? 6 : 0;
    ctx->conv_impl = impl == CLVIS_CONV_BLK + 7 ? CLVIS_CONV_BLK : impl;
    double t0 = util_now_ms();
    TRY(dir ? conv2d_backward(ctx, p, x, y, w, 0) : conv2d_forward(ctx, p, y, x, w, b));
    TRY(ctx_finish(ctx));
    return util_now_ms() - t0;
}

static void read_out(clvis_ctx *ctx, cl_mem m, size_t n, float *h)
{
    TRY(buffer_read(ctx, m, 0, n * sizeof(float), h));
}

/* The second table: per row and direction, the reference kernels and conv_dw (and blk, fast
 * where they apply: groups 1, stride 1) in interleaved rounds, medians in ms. */
static void dw_table(clvis_ctx *ctx, int runs, int batch, double peak)
{
    printf("\npixel-vector kernels (conv_dw.c, CLVIS_CONV_DW) vs the reference kernels, batch "
           "%d, median of %d interleaved rounds (ref, dw, blk, fast)\n\n", batch, runs);
    printf("%-31s %-4s %9s %9s %7s %6s %8s %9s %9s %9s\n", "shape (3x3)", "dir", "ref ms",
           "dw ms", "GFLOP/s", "%peak", "ref/dw", "blk ms", "fast ms", "dw rel");
    unsigned seed = 777;
    for (size_t si = 0; si < sizeof dw_shapes / sizeof *dw_shapes; si++) {
        const dw_shape *s = &dw_shapes[si];
        cl_mem pack[2] = {NULL, NULL};
        conv2d_params p = {{3, 3, s->s, s->s, 1, 1, s->pt, s->pb, s->pl, s->pr}, s->oc,
                           s->groups, ACT_LINEAR, 0.0f, pack};
        int oh = (s->hw + s->pt + s->pb - 3) / s->s + 1;
        size_t nx = (size_t)batch * s->c * s->hw * s->hw, ny = (size_t)batch * s->oc * oh * oh;
        size_t nw = (size_t)s->oc * (s->c / s->groups) * 9;
        float *hx = rand_buf(nx, &seed, 1.0f), *hw = rand_buf(nw, &seed, 0.1f);
        float *hb = rand_buf((size_t)s->oc, &seed, 0.1f), *hy = rand_buf(ny, &seed, 1.0f);
        cl_mem mx = upload(ctx, hx, nx), mw = upload(ctx, hw, nw), mb = upload(ctx, hb, s->oc);
        cl_mem my = upload(ctx, hy, ny);
        tensor x = {mx, 0, batch, s->c, s->hw, s->hw}, y = {my, 0, batch, s->oc, oh, oh};
        double flops = 2.0 * (double)ny * (s->c / s->groups) * 9;
        int others = s->groups == 1 && s->s == 1; /* blk / fast apply (groups 1, stride 1) */
        for (int dir = s->groups == 1; dir < 2; dir++) {
            size_t nout = dir ? nx : ny;
            float *got = malloc(nout * sizeof(float)), *ref = malloc(nout * sizeof(float));
            cl_mem out = dir ? mx : my;
            if (dir)
                TRY(buffer_write(ctx, my, 0, ny * sizeof(float), hy));
            time_once(ctx, dir, CLVIS_CONV_REFERENCE, &p, x, y, mw, mb);
            read_out(ctx, out, nout, ref);
            double ma, rel;
            time_once(ctx, dir, CLVIS_CONV_DW, &p, x, y, mw, mb);
            read_out(ctx, out, nout, got);
            diff(got, ref, nout, &ma, &rel);
            if (others) { /* warm-ups (blk packs its weights) */
                time_once(ctx, dir, CLVIS_CONV_BLK, &p, x, y, mw, mb);
                time_once(ctx, dir, CLVIS_CONV_FAST, &p, x, y, mw, mb);
            }
            double *t = malloc(sizeof(double) * 4 * (size_t)runs);
            for (int r = 0; r < runs; r++) {
                t[r] = time_once(ctx, dir, CLVIS_CONV_REFERENCE, &p, x, y, mw, mb);
                t[runs + r] = time_once(ctx, dir, CLVIS_CONV_DW, &p, x, y, mw, mb);
                if (others) {
                    t[2 * runs + r] = time_once(ctx, dir, CLVIS_CONV_BLK, &p, x, y, mw, mb);
                    t[3 * runs + r] = time_once(ctx, dir, CLVIS_CONV_FAST, &p, x, y, mw, mb);
                }
            }
            double mr = bench_median(t, runs), md = bench_median(t + runs, runs);
            double g = flops / (md * 1e6);
            char bk[16] = "-", fs[16] = "-";
            if (others) {
                snprintf(bk, sizeof bk, "%.2f", bench_median(t + 2 * runs, runs));
                snprintf(fs, sizeof fs, "%.2f", bench_median(t + 3 * runs, runs));
            }
            printf("%-31s %-4s %9.2f %9.2f %7.1f %5.1f%% %7.2fx %9s %9s %9.1e\n", s->name,
                   dir ? "bwd" : "fwd", mr, md, g, 100 * g / peak, mr / md, bk, fs, rel);
            fflush(stdout);
            free(t), free(got), free(ref);
        }
        for (int k = 0; k < 2; k++)
            if (pack[k])
                clReleaseMemObject(pack[k]);
        clReleaseMemObject(mx), clReleaseMemObject(mw), clReleaseMemObject(mb),
            clReleaseMemObject(my);
        free(hx), free(hw), free(hb), free(hy);
    }
}

int main(int argc, char **argv)
{
    int runs = 10, ref_runs = 1, batch = 1, quick = 0, dw_only = 0;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--ref-runs") && i + 1 < argc)
            ref_runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            batch = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--dw"))
            dw_only = 1;
        else {
            fprintf(stderr, "usage: %s [--runs N] [--ref-runs M] [--batch B] [--quick] [--only I,J] [--dw]\n",
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
    /* CLVIS_CONV_OC_INNER=1|0: the tile order of both kernels (BENCHMARKS.md); unset: by
     * weight size */
    const char *oi = getenv("CLVIS_CONV_OC_INNER");
    if (oi && *oi)
        ctx->conv_order = strcmp(oi, "0") ? CLVIS_ORDER_CHANNELS_INNER : CLVIS_ORDER_PIXELS_INNER;
    const clvis_device_info *d = clvis_ctx_device(ctx);
    printf("device: %s (%s, %s), %u compute units\n", d->name, d->platform, d->driver,
           d->compute_units);
    printf("kernels: %s\n", clvis_ctx_kernels(ctx)); /* CLVIS_KERNELS: the "fast" columns */
    double peak = fma_peak_gflops(ctx);
    printf("FMA peak (FMA microkernels, 16 float16 / 10 float8 chains, best of their probes): "
           "%.1f GFLOP/s\n",
           peak);
    printf("batch %d; median of %d interleaved rounds (fast, blk 6-px tile, blk 7-px tile, wino) "
           "after one warm-up each; fast includes its padding copy, blk's and wino's weights are "
           "packed / transformed once (in the warm-up); wino's %%peak counts the direct "
           "convolution's flops; auto: the tile conv2d_blk_px picks\n\n",
           batch, runs);
    printf("%-28s %-4s %8s %6s %8s %6s %8s %6s %8s %6s %8s %8s %8s %4s %8s %8s %8s\n",
           "shape (3x3 same)", "dir", "fast ms", "%peak", "blk6 ms", "%peak", "blk7 ms", "%peak",
           "wino ms", "%peak", "fast/b6", "fast/b7", "fast/wi", "auto", "fast rel", "blk rel",
           "wino rel");
    unsigned seed = 12345;
    int nshapes = (int)(sizeof shapes / sizeof *shapes);
    for (int si = 0; si < nshapes; si++) {
        const shape *s = &shapes[si];
        if (dw_only || (quick && si != 1 && si != 4))
            continue;
        if (only && !listed(only, si))
            continue;
        cl_mem pack[CONV_PACK_SLOTS] = {NULL};
        conv2d_params p = {{3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, s->oc, 1, ACT_LINEAR, 0.0f, pack};
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
            float *got = malloc(nout * sizeof(float)), *ref = malloc(nout * sizeof(float));
            cl_mem out = dir ? mx : my;
            if (dir) /* backward reads dy from y: restore random dy */
                TRY(buffer_write(ctx, my, 0, ny * sizeof(float), hy));
            for (int r = 0; r < ref_runs; r++)
                time_once(ctx, dir, CLVIS_CONV_REFERENCE, &p, x, y, mw, mb);
            read_out(ctx, out, nout, ref);
            double ma, rel_fast, rel_blk, rel_b7, rel_wino, ma_wino;
            time_once(ctx, dir, CLVIS_CONV_FAST, &p, x, y, mw, mb); /* warm-up + check */
            read_out(ctx, out, nout, got);
            diff(got, ref, nout, &ma, &rel_fast);
            time_once(ctx, dir, CLVIS_CONV_BLK, &p, x, y, mw, mb); /* packs the weights */
            read_out(ctx, out, nout, got);
            diff(got, ref, nout, &ma, &rel_blk);
            time_once(ctx, dir, CLVIS_CONV_BLK + 7, &p, x, y, mw, mb);
            read_out(ctx, out, nout, got);
            diff(got, ref, nout, &ma, &rel_b7);
            if (rel_b7 > rel_blk)
                rel_blk = rel_b7;
            time_once(ctx, dir, CLVIS_CONV_WINO, &p, x, y, mw, mb); /* transforms the weights */
            read_out(ctx, out, nout, got);
            diff(got, ref, nout, &ma_wino, &rel_wino);
            double *tf = malloc(sizeof(double) * (size_t)runs);
            double *tb = malloc(sizeof(double) * (size_t)runs);
            double *t7 = malloc(sizeof(double) * (size_t)runs);
            double *tw = malloc(sizeof(double) * (size_t)runs);
            for (int r = 0; r < runs; r++) {
                tf[r] = time_once(ctx, dir, CLVIS_CONV_FAST, &p, x, y, mw, mb);
                tb[r] = time_once(ctx, dir, CLVIS_CONV_BLK, &p, x, y, mw, mb);
                t7[r] = time_once(ctx, dir, CLVIS_CONV_BLK + 7, &p, x, y, mw, mb);
                tw[r] = time_once(ctx, dir, CLVIS_CONV_WINO, &p, x, y, mw, mb);
            }
            double mf = bench_median(tf, runs), mbk = bench_median(tb, runs);
            double m7 = bench_median(t7, runs), mwn = bench_median(tw, runs);
            double gf = flops / (mf * 1e6), gb = flops / (mbk * 1e6), g7 = flops / (m7 * 1e6);
            double gw = flops / (mwn * 1e6);
            ctx->conv_blk_px = 0;
            printf("%-28s %-4s %8.2f %5.1f%% %8.2f %5.1f%% %8.2f %5.1f%% %8.2f %5.1f%% %7.2fx "
                   "%7.2fx %7.2fx %4d %8.1e %8.1e %8.1e (wino max abs %.1e)\n",
                   s->name, dir ? "bwd" : "fwd", mf, 100 * gf / peak, mbk, 100 * gb / peak, m7,
                   100 * g7 / peak, mwn, 100 * gw / peak, mf / mbk, mf / m7, mf / mwn,
                   conv2d_blk_px(ctx, s->hw), rel_fast, rel_blk, rel_wino, ma_wino);
            fflush(stdout);
            free(t7), free(tw);
            free(tf), free(tb), free(got), free(ref);
        }
        for (int k = 0; k < CONV_PACK_SLOTS; k++)
            if (pack[k])
                clReleaseMemObject(pack[k]);
        clReleaseMemObject(mx), clReleaseMemObject(mw), clReleaseMemObject(mb),
            clReleaseMemObject(my);
        free(hx), free(hw), free(hb), free(hy);
    }
    dw_table(ctx, runs, batch, peak);
    double peak2 = fma_peak_gflops(ctx);
    printf("\nFMA peak again after the rows: %.1f GFLOP/s (the %% columns use the first, %.1f)\n",
           peak2, peak);
    clvis_ctx_destroy(ctx);
    return 0;
}

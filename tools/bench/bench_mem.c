/* bench_mem.c — the bandwidth-bound kernels against a plain copy (issue 16, lever 4): GB/s of
 * copy_accum (the STREAM-like bound of this device through clvis's own launch), act_bwd4 and
 * act_bwd (ReLU gradient, 3 streams; CLVIS_ACT_BWD=scalar set in-process for the second), max
 * pool 2x2 forward / backward (row kernels and, with CLVIS_POOL=generic set in-process, the
 * general ones; the backward's fused ReLU too) and the CPU dense path gemv_rows on VGG16's fc1
 * (25088 -> 4096, 411 MB of weights). Buffers are sized well past the last-level cache. Each
 * figure is the best of RUNS (wall clock around the enqueue and clFinish); bytes are the
 * minimum traffic (every stream read or written once).
 * usage: bench_mem [RUNS] (default 7) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cl/runtime.h"
#include "ops/ops.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

typedef enum { COPY, ACT_BWD, POOL_FWD, POOL_BWD, POOL_BWD_RELU, GEMV } which;

static clvis_status run_one(clvis_ctx *ctx, which k, tensor a, tensor b, tensor c, tensor p,
                            tensor dp, cl_mem w)
{
    pool2d_params pp = {{2, 2, 2, 2, 1, 1, 0, 0, 0, 0}, 0, 0};
    switch (k) {
    case COPY:
        return copy_accum(ctx, b, a, 0);
    case ACT_BWD:
        return act_backward(ctx, b, a, ACT_RELU, 0.0f);
    case POOL_FWD:
        return maxpool_forward(ctx, &pp, p, a);
    case POOL_BWD:
        return maxpool_backward(ctx, &pp, b, dp, a, 0);
    case POOL_BWD_RELU:
        return maxpool_backward_act(ctx, &pp, b, dp, a, ACT_RELU, 0.0f, 0);
    case GEMV:
        return dense_forward(ctx, c, p, w, w, NULL, ACT_RELU, 0.0f);
    }
    return CLVIS_ERR_INVALID_ARG;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 7;
    if (runs < 1) {
        fprintf(stderr, "usage: bench_mem [RUNS]\n");
        return 2;
    }
    clvis_ctx *ctx;
    clvis_ctx_options co = {0};
    if (clvis_ctx_create(&co, &ctx)) {
        fprintf(stderr, "bench_mem: %s\n", clvis_last_error());
        return 1;
    }
    /* 32 x 64 ch x 128 x 128 floats = 128 MiB per stream (the filter grid's block1 at 64x64
     * batch 64 is 64 MiB); fc1's weights 25088 x 4096 */
    const int N = 32, C = 64, H = 128;
    const size_t n = (size_t)N * C * H * H, fc_in = 25088, fc_out = 4096;
    cl_mem ma, mb, mp, mdp, mw, mc;
    clvis_status st = CLVIS_OK;
    if ((st = buffer_create(ctx, n * 4, &ma)) || (st = buffer_create(ctx, n * 4, &mb)) ||
        (st = buffer_create(ctx, n, &mp)) || (st = buffer_create(ctx, n, &mdp)) ||
        (st = buffer_create(ctx, fc_in * fc_out * 4, &mw)) ||
        (st = buffer_create(ctx, fc_out * 4, &mc))) {
        fprintf(stderr, "bench_mem: %s\n", clvis_last_error());
        return 1;
    }
    tensor a = {ma, 0, N, C, H, H}, b = {mb, 0, N, C, H, H};
    tensor p = {mp, 0, N, C, H / 2, H / 2}, dp = {mdp, 0, N, C, H / 2, H / 2};
    tensor fx = {mp, 0, 1, (int)fc_in, 1, 1}, fy = {mc, 0, 1, (int)fc_out, 1, 1};
    /* fill every buffer (pages touched, values finite) */
    tensor all[] = {a, b, p, dp, {mw, 0, 1, (int)fc_out, (int)fc_in, 1}, fy};
    for (int i = 0; i < 6 && !st; i++)
        st = fill(ctx, all[i], 0.5f);
    struct {
        const char *name;
        which k;
        const char *env; /* NAME=VALUE set for this row (the fallback it forces), or NULL */
        double bytes;
    } rows[] = {
        {"copy_accum (copy, 2 streams)", COPY, NULL, 2.0 * n * 4},
        {"act_bwd4 relu (dy *= y > 0, 3 streams)", ACT_BWD, NULL, 3.0 * n * 4},
        {"act_bwd relu (CLVIS_ACT_BWD=scalar)", ACT_BWD, "CLVIS_ACT_BWD=scalar", 3.0 * n * 4},
        {"maxpool2_fwd (x in, x/4 out)", POOL_FWD, NULL, 1.25 * n * 4},
        {"maxpool_fwd (general, CLVIS_POOL=generic)", POOL_FWD, "CLVIS_POOL=generic",
         1.25 * n * 4},
        {"maxpool2_bwd (x, dy/4 in, dx out)", POOL_BWD, NULL, 2.25 * n * 4},
        {"maxpool2_bwd + relu fused", POOL_BWD_RELU, NULL, 2.25 * n * 4},
        {"fill + maxpool_bwd_disjoint (generic)", POOL_BWD, "CLVIS_POOL=generic", 2.25 * n * 4},
        {"gemv_rows fc1 25088 x 4096, batch 1", GEMV, NULL, (double)fc_in * fc_out * 4},
    };
    printf("bench_mem: %s, best of %d runs, 128 MiB per full-size stream\n", ctx->info.name,
           runs);
    for (size_t r = 0; r < sizeof rows / sizeof *rows && !st; r++) {
        unsetenv("CLVIS_POOL");
        unsetenv("CLVIS_ACT_BWD");
        if (rows[r].env)
            putenv((char *)rows[r].env);
        double best = 1e30;
        for (int i = 0; i <= runs && !st; i++) { /* i == 0: warm-up */
            double t0 = now_ms();
            st = run_one(ctx, rows[r].k, rows[r].k == GEMV ? fx : a, b, fy,
                         rows[r].k == GEMV ? fx : p, dp, mw);
            if (!st && clFinish(ctx->queue) != CL_SUCCESS)
                st = err_set(CLVIS_ERR_OPENCL, "clFinish failed");
            double t = now_ms() - t0;
            if (i && t < best)
                best = t;
        }
        if (!st)
            printf("  %-44s %9.3f ms %7.1f GB/s\n", rows[r].name, best,
                   rows[r].bytes / best / 1e6);
    }
    unsetenv("CLVIS_POOL");
    unsetenv("CLVIS_ACT_BWD");
    if (st)
        fprintf(stderr, "bench_mem: %s\n", clvis_last_error());
    cl_mem ms[] = {ma, mb, mp, mdp, mw, mc};
    for (int i = 0; i < 6; i++)
        clReleaseMemObject(ms[i]);
    clvis_ctx_destroy(ctx);
    return st ? 1 : 0;
}

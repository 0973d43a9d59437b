/* dense_tiled.c — the GPU path's dense layer over Keras's (in, out) weights: gemv_tiled
 * (kernels/gemv_tiled.cl, split-k with a local-memory reduction) below ctx->plan.gemm_batch
 * items, conv_tiled's GEMM (a 1x1 "convolution" of 1x1 images) from there on. */
#include "ops.h"

int dense_tiled_wanted(const clvis_ctx *ctx)
{
    return ctx->plan.dense == KPATH_TILED;
}

static clvis_status gemv(clvis_ctx *ctx, tensor out, tensor in, cl_mem a, int s_m, int s_k,
                         int k_fast, cl_mem b, int M, int K, int act, float act_max, int accum)
{
    const kernel_plan *p = &ctx->plan;
    int out_off = (int)out.off, in_off = (int)in.off, has_bias = b != NULL;
    cl_mem bias = b ? b : a;
    karg args[] = {KMEM(out.mem), KARG(out_off), KMEM(in.mem), KARG(in_off), KMEM(a),
                   KARG(s_m),     KARG(s_k),     KMEM(bias),   KARG(has_bias), KARG(in.n),
                   KARG(M),       KARG(K),       KARG(k_fast), KARG(act),    KARG(act_max),
                   KARG(accum)};
    size_t wg = (size_t)p->gv_m * p->gv_ks;
    size_t g[2] = {((size_t)M + p->gv_m - 1) / p->gv_m * wg,
                   ((size_t)in.n + p->gv_nb - 1) / p->gv_nb};
    size_t local[2] = {wg, 1};
    return kernel_run2(ctx, K_gemv_tiled, g, local, args, (int)(sizeof args / sizeof *args));
}

/* out[n][m] = sum_k A(m, k) in[n][k] through conv_tiled: 1x1 images, a 1x1 window */
static clvis_status gemm(clvis_ctx *ctx, tensor out, tensor in, cl_mem a, int s_m, int s_k,
                         int k_fast, cl_mem b, int M, int K, int act, float act_max, int accum)
{
    conv_tiled_args t = {out.mem, (int)out.off, in.mem, (int)in.off, a, 0, s_m, s_k, 0, 0, b,
                         in.n, M, 1, 1, K, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, k_fast, act,
                         act_max, accum};
    return conv_tiled_run(ctx, &t);
}

clvis_status dense_tiled_forward(clvis_ctx *ctx, tensor y, tensor x, cl_mem w, cl_mem b,
                                 act_kind act, float act_max)
{
    int in = x.c * x.h * x.w, out = y.c * y.h * y.w;
    /* A(m = o, k) = w[k][o]: m-contiguous */
    if (x.n < ctx->plan.gemm_batch)
        return gemv(ctx, y, x, w, 1, out, 0, b, out, in, act, act_max, 0);
    return gemm(ctx, y, x, w, 1, out, 0, b, out, in, act, act_max, 0);
}

clvis_status dense_tiled_backward(clvis_ctx *ctx, tensor dx, tensor dy, cl_mem w, int accum)
{
    int in = dx.c * dx.h * dx.w, out = dy.c * dy.h * dy.w;
    /* dx[n][k] = sum_o dy[n][o] w[k][o]: A(m = k, o) = w[k][o], k-contiguous */
    if (dy.n < ctx->plan.gemm_batch)
        return gemv(ctx, dx, dy, w, out, 1, 1, NULL, in, out, ACT_LINEAR, 0.0f, accum);
    return gemm(ctx, dx, dy, w, out, 1, 1, NULL, in, out, ACT_LINEAR, 0.0f, accum);
}

/* dense.c — host side of kernels/dense.cl: fully connected forward and input gradient, by
 * columns of (in, out) weights on GPUs, by contiguous rows (gemv_rows) on CPUs. */
#include <stdlib.h>
#include <string.h>

#include "ops.h"

int dense_wants_rows(const clvis_ctx *ctx)
{
    /* clvis_ctx_options.dense overrides (tests run both paths on any device) */
    if (ctx->dense_impl == CLVIS_DENSE_COLUMNS)
        return 0;
    if (ctx->dense_impl == CLVIS_DENSE_ROWS)
        return 1;
    return ctx->info.type == CLVIS_DEVICE_CPU;
}

/* out[n][r] (+)= sum_c in[n][c] * m[r][c]: one work-item per (r, n), one per work-group; from
 * batch 2 one per (r, 8 items) (gemv_rows8, the same sums: VGG16's fc1 + fc2 + predictions at
 * batch 8 took 29.7 instead of 35.1 ms on the Zen 5 server, CLVIS_PROFILE) unless
 * $CLVIS_GEMV=1 (meson test test_ops_gemv1). */
static clvis_status gemv_rows(clvis_ctx *ctx, tensor out, tensor in, cl_mem m, cl_mem b, int C,
                              int R, int act, float act_max, int accum)
{
    int out_off = (int)out.off, in_off = (int)in.off, has_bias = b != NULL;
    cl_mem bias = b ? b : m;
    karg a[] = {KMEM(out.mem), KARG(out_off), KMEM(in.mem), KARG(in_off), KMEM(m),
                KMEM(bias),    KARG(has_bias), KARG(in.n),  KARG(C),      KARG(R),
                KARG(act),     KARG(act_max),  KARG(accum)};
    const char *e = getenv("CLVIS_GEMV");
    int by8 = in.n >= 2 && !(e && strcmp(e, "1") == 0);
    size_t g[2] = {by8 ? (size_t)((in.n + 7) / 8) * R : (size_t)in.n * R, 1}, one[2] = {1, 1};
    return kernel_run2(ctx, by8 ? K_gemv_rows8 : K_gemv_rows, g, one, a,
                       (int)(sizeof a / sizeof *a));
}

clvis_status dense_forward(clvis_ctx *ctx, tensor y, tensor x, cl_mem w, cl_mem wt, cl_mem b,
                           act_kind act, float act_max)
{
    int in = x.c * x.h * x.w, out = y.c * y.h * y.w;
    if (x.n != y.n)
        return err_set(CLVIS_ERR_SHAPE, "dense: batch %d in, %d out", x.n, y.n);
    if (dense_tiled_wanted(ctx)) /* the GPU path (src/cl/select.c) */
        return dense_tiled_forward(ctx, y, x, w, b, act, act_max);
    if (wt && dense_wants_rows(ctx))
        return gemv_rows(ctx, y, x, wt, b, in, out, act, act_max, 0);
    int y_off = (int)y.off, x_off = (int)x.off, has_bias = b != NULL, a_ = act;
    cl_mem bias = b ? b : w;
    karg a[] = {KMEM(y.mem), KARG(y_off), KMEM(x.mem), KARG(x_off), KMEM(w),   KMEM(bias),
                KARG(has_bias), KARG(x.n), KARG(in),   KARG(out),   KARG(a_), KARG(act_max)};
    return kernel_run(ctx, K_dense_fwd, tensor_count(y), a, (int)(sizeof a / sizeof *a));
}

clvis_status dense_backward(clvis_ctx *ctx, tensor dx, tensor dy, cl_mem w, int accum)
{
    int in = dx.c * dx.h * dx.w, out = dy.c * dy.h * dy.w;
    if (dx.n != dy.n)
        return err_set(CLVIS_ERR_SHAPE, "dense: batch %d in, %d out", dx.n, dy.n);
    if (dense_tiled_wanted(ctx)) /* the GPU path (src/cl/select.c) */
        return dense_tiled_backward(ctx, dx, dy, w, accum);
    /* dx[n][k] = sum_o dy[n][o] * w[k][o]: the rows of w as Keras stores it */
    if (dense_wants_rows(ctx))
        return gemv_rows(ctx, dx, dy, w, NULL, out, in, ACT_LINEAR, 0.0f, accum);
    int dx_off = (int)dx.off, dy_off = (int)dy.off;
    karg a[] = {KMEM(dx.mem), KARG(dx_off), KMEM(dy.mem), KARG(dy_off), KMEM(w),
                KARG(dx.n),   KARG(in),     KARG(out),    KARG(accum)};
    return kernel_run(ctx, K_dense_bwd, tensor_count(dx), a, (int)(sizeof a / sizeof *a));
}

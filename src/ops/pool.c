/* pool.c — host side of kernels/pool.cl: max / average pooling, windowed and global. */
#include "ops.h"

static clvis_status check(const char *what, const window2d *v, tensor y, tensor x)
{
    if (x.n != y.n || x.c != y.c || v->dh != 1 || v->dw != 1 ||
        y.h != (x.h + v->pad_t + v->pad_b - v->kh) / v->sh + 1 ||
        y.w != (x.w + v->pad_l + v->pad_r - v->kw) / v->sw + 1)
        return err_set(CLVIS_ERR_SHAPE, "%s: output %dx%dx%d does not match input %dx%dx%d", what,
                       y.c, y.h, y.w, x.c, x.h, x.w);
    return CLVIS_OK;
}

static clvis_status pool_fwd(clvis_ctx *ctx, kernel_id k, const window2d *v, tensor y, tensor x)
{
    clvis_status st = check(k == K_maxpool_fwd ? "max pool" : "average pool", v, y, x);
    if (st)
        return st;
    int y_off = (int)y.off, x_off = (int)x.off;
    karg a[] = {KMEM(y.mem), KARG(y_off), KMEM(x.mem), KARG(x_off), KARG(x.n),  KARG(x.c),
                KARG(x.h),   KARG(x.w),   KARG(y.h),   KARG(y.w),   KARG(v->kh), KARG(v->kw),
                KARG(v->sh), KARG(v->sw), KARG(v->pad_t), KARG(v->pad_l)};
    return kernel_run(ctx, k, tensor_count(y), a, (int)(sizeof a / sizeof *a));
}

clvis_status maxpool_forward(clvis_ctx *ctx, const window2d *win, tensor y, tensor x)
{
    return pool_fwd(ctx, K_maxpool_fwd, win, y, x);
}

clvis_status avgpool_forward(clvis_ctx *ctx, const window2d *win, tensor y, tensor x)
{
    return pool_fwd(ctx, K_avgpool_fwd, win, y, x);
}

clvis_status maxpool_backward(clvis_ctx *ctx, const window2d *v, tensor dx, tensor dy, tensor x,
                              int accum)
{
    clvis_status st = check("max pool gradient", v, dy, dx);
    if (st)
        return st;
    int dx_off = (int)dx.off, dy_off = (int)dy.off, x_off = (int)x.off;
    if (v->sh >= v->kh && v->sw >= v->kw) {
        /* disjoint windows (VGG's 2x2 / 2): scatter per window; measured on PoCL at batch 64,
         * 64 ch, 64x64: 278 ms with the gather kernel, a tenth of it this way */
        if (!accum && (st = fill(ctx, dx, 0.0f)))
            return st;
        int one = 1;
        karg a[] = {KMEM(dx.mem), KARG(dx_off), KMEM(dy.mem), KARG(dy_off), KMEM(x.mem),
                    KARG(x_off),  KARG(dx.n),   KARG(dx.c),   KARG(dx.h),   KARG(dx.w),
                    KARG(dy.h),   KARG(dy.w),   KARG(v->kh),  KARG(v->kw),  KARG(v->sh),
                    KARG(v->sw),  KARG(v->pad_t), KARG(v->pad_l), KARG(one)};
        return kernel_run(ctx, K_maxpool_bwd_disjoint, tensor_count(dy), a,
                          (int)(sizeof a / sizeof *a));
    }
    karg a[] = {KMEM(dx.mem), KARG(dx_off), KMEM(dy.mem), KARG(dy_off), KMEM(x.mem),
                KARG(x_off),  KARG(dx.n),   KARG(dx.c),   KARG(dx.h),   KARG(dx.w),
                KARG(dy.h),   KARG(dy.w),   KARG(v->kh),  KARG(v->kw),  KARG(v->sh),
                KARG(v->sw),  KARG(v->pad_t), KARG(v->pad_l), KARG(accum)};
    return kernel_run(ctx, K_maxpool_bwd, tensor_count(dx), a, (int)(sizeof a / sizeof *a));
}

clvis_status avgpool_backward(clvis_ctx *ctx, const window2d *v, tensor dx, tensor dy, int accum)
{
    clvis_status st = check("average pool gradient", v, dy, dx);
    if (st)
        return st;
    int dx_off = (int)dx.off, dy_off = (int)dy.off;
    karg a[] = {KMEM(dx.mem), KARG(dx_off), KMEM(dy.mem), KARG(dy_off), KARG(dx.n),
                KARG(dx.c),   KARG(dx.h),   KARG(dx.w),   KARG(dy.h),   KARG(dy.w),
                KARG(v->kh),  KARG(v->kw),  KARG(v->sh),  KARG(v->sw),  KARG(v->pad_t),
                KARG(v->pad_l), KARG(accum)};
    return kernel_run(ctx, K_avgpool_bwd, tensor_count(dx), a, (int)(sizeof a / sizeof *a));
}

clvis_status gpool_forward(clvis_ctx *ctx, int is_max, tensor y, tensor x)
{
    if (y.n != x.n || y.c != x.c || y.h * y.w != 1)
        return err_set(CLVIS_ERR_SHAPE, "global pool: output must be (n, c, 1, 1)");
    int y_off = (int)y.off, x_off = (int)x.off, nc = x.n * x.c, hw = x.h * x.w;
    karg a[] = {KMEM(y.mem), KARG(y_off), KMEM(x.mem), KARG(x_off), KARG(nc), KARG(hw),
                KARG(is_max)};
    return kernel_run(ctx, K_gpool_fwd, (size_t)nc, a, 7);
}

clvis_status gpool_backward(clvis_ctx *ctx, int is_max, tensor dx, tensor dy, tensor x,
                            int accum)
{
    if (dy.n != dx.n || dy.c != dx.c || dy.h * dy.w != 1)
        return err_set(CLVIS_ERR_SHAPE, "global pool gradient: shapes do not match");
    int dx_off = (int)dx.off, dy_off = (int)dy.off, x_off = (int)x.off, nc = dx.n * dx.c,
        hw = dx.h * dx.w;
    karg a[] = {KMEM(dx.mem), KARG(dx_off), KMEM(dy.mem), KARG(dy_off), KMEM(x.mem),
                KARG(x_off),  KARG(nc),     KARG(hw),     KARG(is_max), KARG(accum)};
    return kernel_run(ctx, K_gpool_bwd, (size_t)nc, a, 10);
}

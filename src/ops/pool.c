/* pool.c — host side of kernels/pool.cl: max / average pooling, windowed and global. */
#include "ops.h"

#include <stdlib.h>
#include <string.h>

/* The output size the window, its pads and ceil_mode give for x; y must have it. */
static clvis_status check(const char *what, const pool2d_params *p, tensor y, tensor x)
{
    const window2d *v = &p->win;
    int pt = v->pad_t, pb = v->pad_b, pl = v->pad_l, pr = v->pad_r;
    int oh = window_axis_ceil(PAD_EXPLICIT, x.h, v->kh, v->sh, v->dh, p->ceil_mode, &pt, &pb);
    int ow = window_axis_ceil(PAD_EXPLICIT, x.w, v->kw, v->sw, v->dw, p->ceil_mode, &pl, &pr);
    if (x.n != y.n || x.c != y.c || v->pad_t < 0 || v->pad_b < 0 || v->pad_l < 0 ||
        v->pad_r < 0 || oh <= 0 || ow <= 0 || y.h != oh || y.w != ow)
        return err_set(CLVIS_ERR_SHAPE, "%s: output %dx%dx%d does not match input %dx%dx%d", what,
                       y.c, y.h, y.w, x.c, x.h, x.w);
    return CLVIS_OK;
}

/* $CLVIS_POOL: "generic" forces the general kernels (maxpool_fwd, maxpool_bwd[_disjoint]) and
 * the activation gradient as its own pass; "nofuse" keeps the 2x2 kernels but not the fusion. */
static int pool_env(const char *what)
{
    const char *e = getenv("CLVIS_POOL");
    return e && strcmp(e, what) == 0;
}

/* 2x2 / 2, no pads or dilation, output half the input (rounded down). */
static int maxpool2_shape(const pool2d_params *p, tensor y, tensor x)
{
    const window2d *v = &p->win;
    return v->kh == 2 && v->kw == 2 && v->sh == 2 && v->sw == 2 &&
           v->dh == 1 && v->dw == 1 && v->pad_t == 0 && v->pad_b == 0 && v->pad_l == 0 &&
           v->pad_r == 0 && y.n == x.n && y.c == x.c && y.h == x.h / 2 && y.w == x.w / 2 &&
           y.h > 0 && y.w > 0;
}

static int act_fusable(act_kind act)
{
    return act == ACT_RELU || act == ACT_SIGMOID || act == ACT_TANH;
}

/* The row kernels: one work-item per output row (work-group size 1, 4 or 16 measured no
 * different from the default on PoCL). */
static clvis_status pool_rows(clvis_ctx *ctx, kernel_id k, size_t rows, const karg *a, int n)
{
    return kernel_run(ctx, k, rows, a, n);
}

int maxpool2_applies(const pool2d_params *p, tensor y, tensor x)
{
    return !pool_env("generic") && maxpool2_shape(p, y, x);
}

int maxpool_fuses_act(const pool2d_params *p, tensor y, tensor x, act_kind act)
{
    return !pool_env("nofuse") && maxpool2_applies(p, y, x) && act_fusable(act);
}

clvis_status maxpool_forward(clvis_ctx *ctx, const pool2d_params *p, tensor y, tensor x)
{
    clvis_status st = check("max pool", p, y, x);
    if (st)
        return st;
    if (maxpool2_applies(p, y, x)) {
        int y_off = (int)y.off, x_off = (int)x.off, nc = x.n * x.c;
        karg a[] = {KMEM(y.mem), KARG(y_off), KMEM(x.mem), KARG(x_off), KARG(nc),
                    KARG(x.h),   KARG(x.w),   KARG(y.h),   KARG(y.w)};
        return pool_rows(ctx, K_maxpool2_fwd, (size_t)nc * y.h, a, (int)(sizeof a / sizeof *a));
    }
    const window2d *v = &p->win;
    int y_off = (int)y.off, x_off = (int)x.off;
    karg a[] = {KMEM(y.mem), KARG(y_off), KMEM(x.mem),    KARG(x_off),    KARG(x.n),
                KARG(x.c),   KARG(x.h),   KARG(x.w),      KARG(y.h),      KARG(y.w),
                KARG(v->kh), KARG(v->kw), KARG(v->sh),    KARG(v->sw),    KARG(v->dh),
                KARG(v->dw), KARG(v->pad_t), KARG(v->pad_l)};
    return kernel_run(ctx, K_maxpool_fwd, tensor_count(y), a, (int)(sizeof a / sizeof *a));
}

clvis_status avgpool_forward(clvis_ctx *ctx, const pool2d_params *p, tensor y, tensor x)
{
    clvis_status st = check("average pool", p, y, x);
    if (st)
        return st;
    const window2d *v = &p->win;
    int y_off = (int)y.off, x_off = (int)x.off, inc = p->count_include_pad != 0;
    karg a[] = {KMEM(y.mem),    KARG(y_off),    KMEM(x.mem),    KARG(x_off),    KARG(x.n),
                KARG(x.c),      KARG(x.h),      KARG(x.w),      KARG(y.h),      KARG(y.w),
                KARG(v->kh),    KARG(v->kw),    KARG(v->sh),    KARG(v->sw),    KARG(v->dh),
                KARG(v->dw),    KARG(v->pad_t), KARG(v->pad_l), KARG(v->pad_b), KARG(v->pad_r),
                KARG(inc)};
    return kernel_run(ctx, K_avgpool_fwd, tensor_count(y), a, (int)(sizeof a / sizeof *a));
}

static clvis_status maxpool2_backward(clvis_ctx *ctx, tensor dx, tensor dy, tensor x,
                                      act_kind act, float act_max, int accum)
{
    int dx_off = (int)dx.off, dy_off = (int)dy.off, x_off = (int)x.off, nc = dx.n * dx.c,
        a_ = act;
    karg a[] = {KMEM(dx.mem), KARG(dx_off), KMEM(dy.mem), KARG(dy_off), KMEM(x.mem),
                KARG(x_off),  KARG(nc),     KARG(dx.h),   KARG(dx.w),   KARG(dy.h),
                KARG(dy.w),   KARG(a_),     KARG(act_max), KARG(accum)};
    return pool_rows(ctx, K_maxpool2_bwd, (size_t)nc * dy.h, a, (int)(sizeof a / sizeof *a));
}

clvis_status maxpool_backward_act(clvis_ctx *ctx, const pool2d_params *p, tensor dx, tensor dy,
                                  tensor x, act_kind act, float act_max, int accum)
{
    clvis_status st = check("max pool gradient", p, dy, dx);
    if (st)
        return st;
    if (tensor_count(x) != tensor_count(dx) || !maxpool2_shape(p, dy, dx) || !act_fusable(act))
        return err_set(CLVIS_ERR_INVALID_ARG,
                       "max pool gradient: activation %d not fusable into this pool", (int)act);
    return maxpool2_backward(ctx, dx, dy, x, act, act_max, accum);
}

clvis_status maxpool_backward(clvis_ctx *ctx, const pool2d_params *p, tensor dx, tensor dy,
                              tensor x, int accum)
{
    clvis_status st = check("max pool gradient", p, dy, dx);
    if (st)
        return st;
    if (maxpool2_applies(p, dy, dx))
        return maxpool2_backward(ctx, dx, dy, x, ACT_LINEAR, 0.0f, accum);
    const window2d *v = &p->win;
    int dx_off = (int)dx.off, dy_off = (int)dy.off, x_off = (int)x.off;
    if (v->sh >= (v->kh - 1) * v->dh + 1 && v->sw >= (v->kw - 1) * v->dw + 1) {
        /* disjoint windows (VGG's 2x2 / 2): scatter per window; measured on PoCL at batch 64,
         * 64 ch, 64x64: 278 ms with the gather kernel, a tenth of it this way */
        if (!accum && (st = fill(ctx, dx, 0.0f)))
            return st;
        int one = 1;
        karg a[] = {KMEM(dx.mem), KARG(dx_off), KMEM(dy.mem), KARG(dy_off), KMEM(x.mem),
                    KARG(x_off),  KARG(dx.n),   KARG(dx.c),   KARG(dx.h),   KARG(dx.w),
                    KARG(dy.h),   KARG(dy.w),   KARG(v->kh),  KARG(v->kw),  KARG(v->sh),
                    KARG(v->sw),  KARG(v->dh),  KARG(v->dw),  KARG(v->pad_t), KARG(v->pad_l),
                    KARG(one)};
        return kernel_run(ctx, K_maxpool_bwd_disjoint, tensor_count(dy), a,
                          (int)(sizeof a / sizeof *a));
    }
    karg a[] = {KMEM(dx.mem), KARG(dx_off), KMEM(dy.mem), KARG(dy_off), KMEM(x.mem),
                KARG(x_off),  KARG(dx.n),   KARG(dx.c),   KARG(dx.h),   KARG(dx.w),
                KARG(dy.h),   KARG(dy.w),   KARG(v->kh),  KARG(v->kw),  KARG(v->sh),
                KARG(v->sw),  KARG(v->dh),  KARG(v->dw),  KARG(v->pad_t), KARG(v->pad_l),
                KARG(accum)};
    return kernel_run(ctx, K_maxpool_bwd, tensor_count(dx), a, (int)(sizeof a / sizeof *a));
}

clvis_status avgpool_backward(clvis_ctx *ctx, const pool2d_params *p, tensor dx, tensor dy,
                              int accum)
{
    clvis_status st = check("average pool gradient", p, dy, dx);
    if (st)
        return st;
    const window2d *v = &p->win;
    int dx_off = (int)dx.off, dy_off = (int)dy.off, inc = p->count_include_pad != 0;
    karg a[] = {KMEM(dx.mem),   KARG(dx_off),   KMEM(dy.mem),   KARG(dy_off),   KARG(dx.n),
                KARG(dx.c),     KARG(dx.h),     KARG(dx.w),     KARG(dy.h),     KARG(dy.w),
                KARG(v->kh),    KARG(v->kw),    KARG(v->sh),    KARG(v->sw),    KARG(v->dh),
                KARG(v->dw),    KARG(v->pad_t), KARG(v->pad_l), KARG(v->pad_b), KARG(v->pad_r),
                KARG(inc),      KARG(accum)};
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

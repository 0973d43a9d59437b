/* conv_tiled.c — host side of kernels/conv_tiled.cl: the GPU path's implicit-GEMM convolution
 * (forward and input gradient, groups 1) and the GEMM that dense uses at larger batches. The
 * tile comes from ctx->plan (src/cl/select.c), compiled into the kernel as -D options. */
#include "ops.h"

int conv_tiled_wanted(const clvis_ctx *ctx, const conv2d_params *p)
{
    return ctx->plan.conv == KPATH_TILED && ctx->conv_impl != CLVIS_CONV_REFERENCE &&
           p->groups == 1;
}

clvis_status conv_tiled_run(clvis_ctx *ctx, const conv_tiled_args *t)
{
    const kernel_plan *p = &ctx->plan;
    int has_bias = t->bias != NULL;
    cl_mem bias = t->bias ? t->bias : t->w;
    int act = t->act;
    float act_max = t->act_max;
    karg a[] = {KMEM(t->y),    KARG(t->y_off), KMEM(t->x),     KARG(t->x_off),
                KMEM(t->w),    KARG(t->w_base), KARG(t->s_m),  KARG(t->s_c),
                KARG(t->s_kh), KARG(t->s_kw),  KMEM(bias),     KARG(has_bias),
                KARG(t->n),    KARG(t->m),     KARG(t->yh),    KARG(t->yw),
                KARG(t->c),    KARG(t->xh),    KARG(t->xw),    KARG(t->kh),
                KARG(t->kw),   KARG(t->sh),    KARG(t->sw),    KARG(t->dh),
                KARG(t->dw),   KARG(t->pt),    KARG(t->pl),    KARG(t->transposed),
                KARG(t->a_k_fast), KARG(act),  KARG(act_max),  KARG(t->accum)};
    size_t wg = (size_t)(p->tm / p->wm) * (size_t)(p->tn / p->wn);
    size_t cols = (size_t)t->n * t->yh * t->yw;
    size_t g[2] = {(cols + p->tn - 1) / p->tn * wg, ((size_t)t->m + p->tm - 1) / p->tm};
    size_t local[2] = {wg, 1};
    return kernel_run2(ctx, K_conv_tiled, g, local, a, (int)(sizeof a / sizeof *a));
}

clvis_status conv_tiled_forward(clvis_ctx *ctx, const conv2d_params *p, tensor y, tensor x,
                                cl_mem w, cl_mem b)
{
    const window2d *v = &p->win;
    int khw = v->kh * v->kw;
    conv_tiled_args t = {y.mem, (int)y.off, x.mem, (int)x.off, w, 0, x.c * khw, khw, v->kw, 1, b,
                         y.n, y.c, y.h, y.w, x.c, x.h, x.w, v->kh, v->kw, v->sh, v->sw, v->dh,
                         v->dw, v->pad_t, v->pad_l, 0, 1, p->act, p->act_max, 0};
    return conv_tiled_run(ctx, &t);
}

clvis_status conv_tiled_backward(clvis_ctx *ctx, const conv2d_params *p, tensor dx, tensor dy,
                                 cl_mem w, int accum)
{
    /* dx[n][c][ih][iw] = sum over (oc, kh, kw) of w[oc][c][kh][kw] * dy[n][oc][oh][ow], where
     * oh * sh = ih + pad_t - kh * dh: rows m = c, k = (oc, kh, kw), any stride */
    const window2d *v = &p->win;
    int khw = v->kh * v->kw;
    conv_tiled_args t = {dx.mem, (int)dx.off, dy.mem, (int)dy.off, w, 0, khw, dx.c * khw, v->kw,
                         1, NULL, dx.n, dx.c, dx.h, dx.w, dy.c, dy.h, dy.w, v->kh, v->kw, v->sh,
                         v->sw, v->dh, v->dw, v->pad_t, v->pad_l, 1, 1, ACT_LINEAR, 0.0f, accum};
    return conv_tiled_run(ctx, &t);
}

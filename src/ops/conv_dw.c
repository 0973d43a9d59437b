/* conv_dw.c — host side of kernels/conv_dw.cl: the depthwise convolution (forward and input
 * gradient, any depth multiplier, window, stride, dilation and pads) and the input gradient of
 * a groups-1 convolution with few input channels, vectorised along pixels. */
#include "ops.h"

/* Input channels the few-channel input gradient computes per work-item (conv2d_dxc in
 * kernels/conv_dw.cl: its 2 x 3 named accumulators). */
#define CONV_DXC_C 3

int conv_dw_wanted(const clvis_ctx *ctx, const conv2d_params *p, int in_c, int dir)
{
    int impl = ctx->conv_impl;
    if (impl == CLVIS_CONV_REFERENCE || impl == CLVIS_CONV_FAST || impl == CLVIS_CONV_BLK)
        return 0;
    int depthwise = p->groups > 1 && p->groups == in_c;
    int few = dir == 1 && p->groups == 1 && in_c <= CONV_DXC_C;
    if (impl == CLVIS_CONV_DW)
        return depthwise || few;
    /* Automatic choice: CPU devices (PoCL), where BENCHMARKS.md measured them (on GPUs the
     * reference kernels' one work-item per element is left as it was: not measured there);
     * the few-channel gradient only at strides other than 1, where neither conv2d_blk nor
     * conv2d_fast applies (MobileNetV2's Conv1: 9x the reference); at stride 1 (VGG16's
     * block1_conv1) conv2d_blk measured 1.1-1.7x faster than it. */
    const window2d *v = &p->win;
    return ctx->info.type == CLVIS_DEVICE_CPU &&
           (depthwise || (few && (v->sh != 1 || v->sw != 1)));
}

/* One work-item per row: on CPUs one per work-group, so the float8 code runs as written (as
 * conv2d_blk does); elsewhere the driver's choice. */
static const size_t *row_local(const clvis_ctx *ctx)
{
    static const size_t one[2] = {1, 1};
    return ctx->info.type == CLVIS_DEVICE_CPU ? one : NULL;
}

clvis_status conv_dw_forward(clvis_ctx *ctx, const conv2d_params *p, tensor y, tensor x,
                             cl_mem w, cl_mem b)
{
    const window2d *v = &p->win;
    int y_off = (int)y.off, x_off = (int)x.off, has_bias = b != NULL, act = p->act;
    float act_max = p->act_max;
    cl_mem bias = b ? b : w;
    karg a[] = {KMEM(y.mem), KARG(y_off), KMEM(x.mem), KARG(x_off), KMEM(w), KMEM(bias),
                KARG(has_bias), KARG(x.n), KARG(x.c), KARG(x.h), KARG(x.w), KARG(y.c),
                KARG(y.h), KARG(y.w), KARG(v->kh), KARG(v->kw), KARG(v->sh), KARG(v->sw),
                KARG(v->dh), KARG(v->dw), KARG(v->pad_t), KARG(v->pad_l), KARG(act),
                KARG(act_max)};
    size_t g[2] = {(size_t)y.n * y.c * y.h, 1};
    return kernel_run2(ctx, K_conv2d_dw_fwd, g, row_local(ctx), a, (int)(sizeof a / sizeof *a));
}

clvis_status conv_dw_backward(clvis_ctx *ctx, const conv2d_params *p, tensor dx, tensor dy,
                              cl_mem w, int accum)
{
    const window2d *v = &p->win;
    int dx_off = (int)dx.off, dy_off = (int)dy.off;
    karg a[] = {KMEM(dx.mem), KARG(dx_off), KMEM(dy.mem), KARG(dy_off), KMEM(w),
                KARG(dx.n), KARG(dx.c), KARG(dx.h), KARG(dx.w), KARG(dy.c), KARG(dy.h),
                KARG(dy.w), KARG(v->kh), KARG(v->kw), KARG(v->sh), KARG(v->sw), KARG(v->dh),
                KARG(v->dw), KARG(v->pad_t), KARG(v->pad_l), KARG(accum)};
    int few = p->groups == 1;
    if (few && dx.c > CONV_DXC_C)
        return err_set(CLVIS_ERR_SHAPE, "conv2d_dxc: %d input channels (at most %d)", dx.c,
                       CONV_DXC_C);
    size_t g[2] = {(size_t)dx.n * (few ? 1 : dx.c) * dx.h, 1};
    return kernel_run2(ctx, few ? K_conv2d_dxc : K_conv2d_dw_bwd, g, row_local(ctx), a,
                       (int)(sizeof a / sizeof *a));
}

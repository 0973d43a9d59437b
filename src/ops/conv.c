/* conv.c — host side of kernels/conv.cl: 2-D convolution forward and input gradient. */
#include "ops.h"

static clvis_status check(const conv2d_params *p, tensor out, tensor in)
{
    const window2d *w = &p->win;
    if (p->groups <= 0 || in.c % p->groups || p->out_c % p->groups || p->out_c != out.c ||
        in.n != out.n)
        return err_set(CLVIS_ERR_SHAPE,
                       "conv2d: %d input channels, %d output channels, %d groups do not fit "
                       "(output tensor has %d channels)",
                       in.c, p->out_c, p->groups, out.c);
    if (out.h != (in.h + w->pad_t + w->pad_b - ((w->kh - 1) * w->dh + 1)) / w->sh + 1 ||
        out.w != (in.w + w->pad_l + w->pad_r - ((w->kw - 1) * w->dw + 1)) / w->sw + 1)
        return err_set(CLVIS_ERR_SHAPE, "conv2d: output %dx%d does not match input %dx%d",
                       out.h, out.w, in.h, in.w);
    return CLVIS_OK;
}

clvis_status conv2d_forward(clvis_ctx *ctx, const conv2d_params *p, tensor y, tensor x, cl_mem w,
                            cl_mem b)
{
    clvis_status st = check(p, y, x);
    if (st)
        return st;
    const window2d *v = &p->win;
    int y_off = (int)y.off, x_off = (int)x.off, has_bias = b != NULL, act = p->act;
    cl_mem bias = b ? b : w;
    float act_max = p->act_max;
    karg a[] = {KMEM(y.mem), KARG(y_off), KMEM(x.mem), KARG(x_off), KMEM(w), KMEM(bias),
                KARG(has_bias), KARG(x.n), KARG(x.c), KARG(x.h), KARG(x.w), KARG(y.c),
                KARG(y.h), KARG(y.w), KARG(v->kh), KARG(v->kw), KARG(v->sh), KARG(v->sw),
                KARG(v->dh), KARG(v->dw), KARG(v->pad_t), KARG(v->pad_l), KARG(p->groups),
                KARG(act), KARG(act_max)};
    return kernel_run(ctx, K_conv2d_fwd, tensor_count(y), a, (int)(sizeof a / sizeof *a));
}

clvis_status conv2d_backward(clvis_ctx *ctx, const conv2d_params *p, tensor dx, tensor dy,
                             cl_mem w, int accum)
{
    clvis_status st = check(p, dy, dx);
    if (st)
        return st;
    const window2d *v = &p->win;
    int dx_off = (int)dx.off, dy_off = (int)dy.off;
    karg a[] = {KMEM(dx.mem), KARG(dx_off), KMEM(dy.mem), KARG(dy_off), KMEM(w),
                KARG(dx.n), KARG(dx.c), KARG(dx.h), KARG(dx.w), KARG(dy.c), KARG(dy.h),
                KARG(dy.w), KARG(v->kh), KARG(v->kw), KARG(v->sh), KARG(v->sw), KARG(v->dh),
                KARG(v->dw), KARG(v->pad_t), KARG(v->pad_l), KARG(p->groups), KARG(accum)};
    return kernel_run(ctx, K_conv2d_bwd, tensor_count(dx), a, (int)(sizeof a / sizeof *a));
}

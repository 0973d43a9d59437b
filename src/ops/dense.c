/* dense.c — host side of kernels/dense.cl: fully connected forward and input gradient. */
#include "ops.h"

clvis_status dense_forward(clvis_ctx *ctx, tensor y, tensor x, cl_mem w, cl_mem b, act_kind act,
                           float act_max)
{
    int in = x.c * x.h * x.w, out = y.c * y.h * y.w;
    if (x.n != y.n)
        return err_set(CLVIS_ERR_SHAPE, "dense: batch %d in, %d out", x.n, y.n);
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
    int dx_off = (int)dx.off, dy_off = (int)dy.off;
    karg a[] = {KMEM(dx.mem), KARG(dx_off), KMEM(dy.mem), KARG(dy_off), KMEM(w),
                KARG(dx.n),   KARG(in),     KARG(out),    KARG(accum)};
    return kernel_run(ctx, K_dense_bwd, tensor_count(dx), a, (int)(sizeof a / sizeof *a));
}

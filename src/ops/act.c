/* act.c — host side of kernels/act.cl: activations in place, and their gradients via y (the
 * ones fused into conv / dense) or via x (the standalone ones). */
#include "ops.h"

#include <stdlib.h>
#include <string.h>

/* The activations act_forward / act_backward know (also fused into conv / dense). */
static int act_basic(act_kind act)
{
    return act == ACT_LINEAR || act == ACT_RELU || act == ACT_SIGMOID || act == ACT_TANH ||
           act == ACT_SOFTMAX;
}

clvis_status act_forward(clvis_ctx *ctx, tensor y, act_kind act, float act_max)
{
    int off = (int)y.off, n = (int)tensor_count(y), a_ = act;
    if (!act_basic(act))
        return err_set(CLVIS_ERR_INVALID_ARG, "activation %d needs act_forward_p", a_);
    if (act == ACT_LINEAR)
        return CLVIS_OK;
    if (act == ACT_SOFTMAX) {
        int hw = y.h * y.w;
        karg a[] = {KMEM(y.mem), KARG(off), KARG(y.n), KARG(y.c), KARG(hw)};
        return kernel_run(ctx, K_softmax_fwd, (size_t)y.n * hw, a, 5);
    }
    karg a[] = {KMEM(y.mem), KARG(off), KARG(n), KARG(a_), KARG(act_max)};
    return kernel_run(ctx, K_act_fwd, (size_t)n, a, 5);
}

clvis_status act_backward(clvis_ctx *ctx, tensor dy, tensor y, act_kind act, float act_max)
{
    if (tensor_count(dy) != tensor_count(y))
        return err_set(CLVIS_ERR_SHAPE, "activation gradient: shapes differ");
    int dy_off = (int)dy.off, y_off = (int)y.off, n = (int)tensor_count(y), a_ = act;
    if (!act_basic(act))
        return err_set(CLVIS_ERR_INVALID_ARG, "activation %d needs act_backward_p", a_);
    if (act == ACT_LINEAR)
        return CLVIS_OK;
    if (act == ACT_SOFTMAX) {
        int hw = y.h * y.w;
        karg a[] = {KMEM(dy.mem), KARG(dy_off), KMEM(y.mem), KARG(y_off),
                    KARG(y.n),    KARG(y.c),    KARG(hw)};
        return kernel_run(ctx, K_softmax_bwd, (size_t)y.n * hw, a, 7);
    }
    karg a[] = {KMEM(dy.mem), KARG(dy_off), KMEM(y.mem), KARG(y_off),
                KARG(n),      KARG(a_),     KARG(act_max)};
    /* four elements a work-item; $CLVIS_ACT_BWD=scalar forces the one-element kernel */
    const char *e = getenv("CLVIS_ACT_BWD");
    if (!(e && strcmp(e, "scalar") == 0))
        return kernel_run(ctx, K_act_bwd4, ((size_t)n + 3) / 4, a, 7);
    return kernel_run(ctx, K_act_bwd, (size_t)n, a, 7);
}

static int act_known(act_kind act)
{
    return act_basic(act) || act == ACT_LEAKY || act == ACT_HARDSIGMOID ||
           act == ACT_HARDSWISH || act == ACT_CLIP || act == ACT_ELU || act == ACT_LOGSOFTMAX ||
           act == ACT_SOFTPLUS;
}

clvis_status act_forward_p(clvis_ctx *ctx, tensor y, act_kind act, float p0, float p1)
{
    if (act_basic(act))
        return act_forward(ctx, y, act, p0);
    int off = (int)y.off, n = (int)tensor_count(y), a_ = act;
    if (!act_known(act))
        return err_set(CLVIS_ERR_INVALID_ARG, "unknown activation %d", a_);
    if (act == ACT_LOGSOFTMAX) {
        int hw = y.h * y.w;
        karg a[] = {KMEM(y.mem), KARG(off), KARG(y.n), KARG(y.c), KARG(hw)};
        return kernel_run(ctx, K_logsoftmax_fwd, (size_t)y.n * hw, a, 5);
    }
    karg a[] = {KMEM(y.mem), KARG(off), KARG(n), KARG(a_), KARG(p0), KARG(p1)};
    return kernel_run(ctx, K_act_p_fwd, (size_t)n, a, 6);
}

clvis_status act_backward_p(clvis_ctx *ctx, tensor dy, tensor x, tensor y, act_kind act, float p0,
                            float p1)
{
    if (act_basic(act))
        return act_backward(ctx, dy, y, act, p0);
    int a_ = act;
    if (!act_known(act))
        return err_set(CLVIS_ERR_INVALID_ARG, "unknown activation %d", a_);
    if (tensor_count(dy) != tensor_count(x) || tensor_count(dy) != tensor_count(y))
        return err_set(CLVIS_ERR_SHAPE, "activation gradient: shapes differ");
    int dy_off = (int)dy.off, x_off = (int)x.off, y_off = (int)y.off, n = (int)tensor_count(dy);
    if (act == ACT_LOGSOFTMAX) {
        int hw = y.h * y.w;
        karg a[] = {KMEM(dy.mem), KARG(dy_off), KMEM(y.mem), KARG(y_off),
                    KARG(y.n),    KARG(y.c),    KARG(hw)};
        return kernel_run(ctx, K_logsoftmax_bwd, (size_t)y.n * hw, a, 7);
    }
    karg a[] = {KMEM(dy.mem), KARG(dy_off), KMEM(x.mem), KARG(x_off), KARG(n),
                KARG(a_),     KARG(p0),     KARG(p1)};
    return kernel_run(ctx, K_act_p_bwd, (size_t)n, a, 8);
}

clvis_status prelu_forward(clvis_ctx *ctx, tensor y, tensor x, cl_mem slope)
{
    if (tensor_count(y) != tensor_count(x) || y.c != x.c || !slope)
        return err_set(CLVIS_ERR_SHAPE, "prelu: shapes differ or no slope");
    int y_off = (int)y.off, x_off = (int)x.off, n = (int)tensor_count(x), hw = x.h * x.w;
    karg a[] = {KMEM(y.mem), KARG(y_off), KMEM(x.mem), KARG(x_off), KMEM(slope),
                KARG(n),     KARG(x.c),   KARG(hw)};
    return kernel_run(ctx, K_prelu_fwd, (size_t)n, a, 8);
}

clvis_status prelu_backward(clvis_ctx *ctx, tensor dx, tensor dy, tensor x, cl_mem slope,
                            int accum)
{
    if (tensor_count(dy) != tensor_count(dx) || tensor_count(x) != tensor_count(dx) ||
        dx.c != dy.c || !slope)
        return err_set(CLVIS_ERR_SHAPE, "prelu gradient: shapes differ or no slope");
    int dx_off = (int)dx.off, dy_off = (int)dy.off, x_off = (int)x.off, n = (int)tensor_count(dx),
        hw = dx.h * dx.w;
    karg a[] = {KMEM(dx.mem), KARG(dx_off), KMEM(dy.mem), KARG(dy_off), KMEM(x.mem),
                KARG(x_off),  KMEM(slope),  KARG(n),      KARG(dx.c),   KARG(hw),
                KARG(accum)};
    return kernel_run(ctx, K_prelu_bwd, (size_t)n, a, 11);
}

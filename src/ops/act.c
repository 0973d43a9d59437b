/* act.c — host side of kernels/act.cl: activations in place, and their gradients via y. */
#include "ops.h"

clvis_status act_forward(clvis_ctx *ctx, tensor y, act_kind act, float act_max)
{
    int off = (int)y.off, n = (int)tensor_count(y), a_ = act;
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
    return kernel_run(ctx, K_act_bwd, (size_t)n, a, 7);
}

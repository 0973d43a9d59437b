/* binary.c — host side of kernels/binary.cl: elementwise add, sub, mul, div with broadcasting of
 * a per-channel or scalar operand, and the gradient into each operand. */
#include "ops.h"

#define NARGS(a) ((int)(sizeof(a) / sizeof *(a)))

static const char *const bin_names[] = {"add", "sub", "mul", "div"};

/* The divisor that maps an output index to an index of operand t (1: same shape, H * W:
 * per-channel, C * H * W: per-item scalar); 0 when t does not broadcast to y. */
static int bin_div(tensor y, tensor t)
{
    if (t.n != y.n)
        return 0;
    if (t.c == y.c && t.h == y.h && t.w == y.w)
        return 1;
    if (t.c == y.c && t.h == 1 && t.w == 1)
        return y.h * y.w;
    if (t.c == 1 && t.h == 1 && t.w == 1)
        return y.c * y.h * y.w;
    return 0;
}

static clvis_status bin_check(const char *what, bin_op op, tensor y, tensor a, tensor b,
                              int *a_div, int *b_div)
{
    if ((int)op < BIN_ADD || (int)op > BIN_DIV)
        return err_set(CLVIS_ERR_INVALID_ARG, "%s: unknown op %d", what, (int)op);
    *a_div = bin_div(y, a);
    *b_div = bin_div(y, b);
    if (!*a_div || !*b_div)
        return err_set(CLVIS_ERR_SHAPE,
                       "%s %s: %dx%dx%d and %dx%dx%d do not broadcast to %dx%dx%d (equal, "
                       "per-channel or scalar operands only)",
                       what, bin_names[op], a.c, a.h, a.w, b.c, b.h, b.w, y.c, y.h, y.w);
    return CLVIS_OK;
}

clvis_status binary_forward(clvis_ctx *ctx, bin_op op, tensor y, tensor a, tensor b)
{
    int a_div, b_div;
    clvis_status st = bin_check("elementwise", op, y, a, b, &a_div, &b_div);
    if (st)
        return st;
    int y_off = (int)y.off, a_off = (int)a.off, b_off = (int)b.off, n = (int)tensor_count(y);
    int op_ = op;
    karg args[] = {KMEM(y.mem), KARG(y_off), KMEM(a.mem), KARG(a_off), KMEM(b.mem),
                   KARG(b_off), KARG(n),     KARG(a_div), KARG(b_div), KARG(op_)};
    return kernel_run(ctx, K_binary_fwd, (size_t)n, args, NARGS(args));
}

clvis_status binary_backward(clvis_ctx *ctx, bin_op op, int k, tensor dx, tensor dy, tensor a,
                             tensor b, int accum)
{
    int a_div, b_div;
    clvis_status st = bin_check("elementwise gradient", op, dy, a, b, &a_div, &b_div);
    if (st)
        return st;
    tensor operand = k ? b : a;
    if (k < 0 || k > 1 || dx.n != operand.n || dx.c != operand.c || dx.h != operand.h ||
        dx.w != operand.w)
        return err_set(CLVIS_ERR_SHAPE, "elementwise %s gradient: operand %d is %dx%dx%d, its "
                       "gradient %dx%dx%d", bin_names[op], k, operand.c, operand.h, operand.w,
                       dx.c, dx.h, dx.w);
    int dx_off = (int)dx.off, dy_off = (int)dy.off, a_off = (int)a.off, b_off = (int)b.off;
    int nx = (int)tensor_count(dx), R = k ? b_div : a_div, op_ = op;
    karg args[] = {KMEM(dx.mem), KARG(dx_off), KMEM(dy.mem), KARG(dy_off), KMEM(a.mem),
                   KARG(a_off),  KMEM(b.mem),  KARG(b_off),  KARG(nx),     KARG(R),
                   KARG(a_div),  KARG(b_div),  KARG(op_),    KARG(k),      KARG(accum)};
    return kernel_run(ctx, K_binary_bwd, (size_t)nx, args, NARGS(args));
}

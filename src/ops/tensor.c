/* tensor.c — host side of kernels/tensor.cl: padding, scale/shift, add, copy, concatenation,
 * Keras-order reshape, repeat, fill. */
#include "ops.h"

#define NARGS(a) ((int)(sizeof(a) / sizeof *(a)))

clvis_status zeropad_forward(clvis_ctx *ctx, int t, int b, int l, int r, tensor y, tensor x)
{
    if (t < 0 || b < 0 || l < 0 || r < 0 || y.n != x.n || y.c != x.c || y.h != x.h + t + b ||
        y.w != x.w + l + r)
        return err_set(CLVIS_ERR_SHAPE, "zero padding: output does not match input and pads");
    int y_off = (int)y.off, x_off = (int)x.off, nc = x.n * x.c;
    karg a[] = {KMEM(y.mem), KARG(y_off), KMEM(x.mem), KARG(x_off), KARG(nc), KARG(x.h),
                KARG(x.w),   KARG(y.h),   KARG(y.w),   KARG(t),     KARG(l)};
    return kernel_run(ctx, K_zeropad_fwd, tensor_count(y), a, NARGS(a));
}

clvis_status zeropad_backward(clvis_ctx *ctx, int t, int b, int l, int r, tensor dx, tensor dy,
                              int accum)
{
    if (t < 0 || b < 0 || l < 0 || r < 0 || dy.n != dx.n || dy.c != dx.c ||
        dy.h != dx.h + t + b || dy.w != dx.w + l + r)
        return err_set(CLVIS_ERR_SHAPE, "zero padding gradient: shapes do not match");
    int dx_off = (int)dx.off, dy_off = (int)dy.off, nc = dx.n * dx.c;
    karg a[] = {KMEM(dx.mem), KARG(dx_off), KMEM(dy.mem), KARG(dy_off), KARG(nc), KARG(dx.h),
                KARG(dx.w),   KARG(dy.h),   KARG(dy.w),   KARG(t),      KARG(l),  KARG(accum)};
    return kernel_run(ctx, K_zeropad_bwd, tensor_count(dx), a, NARGS(a));
}

clvis_status scale_shift_forward(clvis_ctx *ctx, tensor y, tensor x, cl_mem scale, cl_mem shift)
{
    if (tensor_count(y) != tensor_count(x) || y.c != x.c)
        return err_set(CLVIS_ERR_SHAPE, "scale/shift: shapes differ");
    int y_off = (int)y.off, x_off = (int)x.off, n = (int)tensor_count(x), hw = x.h * x.w;
    karg a[] = {KMEM(y.mem), KARG(y_off), KMEM(x.mem), KARG(x_off), KMEM(scale),
                KMEM(shift), KARG(n),     KARG(x.c),   KARG(hw)};
    return kernel_run(ctx, K_scale_shift_fwd, (size_t)n, a, NARGS(a));
}

clvis_status scale_shift_backward(clvis_ctx *ctx, tensor dx, tensor dy, cl_mem scale, int accum)
{
    if (tensor_count(dy) != tensor_count(dx) || dy.c != dx.c)
        return err_set(CLVIS_ERR_SHAPE, "scale/shift gradient: shapes differ");
    int dx_off = (int)dx.off, dy_off = (int)dy.off, n = (int)tensor_count(dx), hw = dx.h * dx.w;
    karg a[] = {KMEM(dx.mem), KARG(dx_off), KMEM(dy.mem), KARG(dy_off), KMEM(scale),
                KARG(n),      KARG(dx.c),   KARG(hw),     KARG(accum)};
    return kernel_run(ctx, K_scale_shift_bwd, (size_t)n, a, NARGS(a));
}

clvis_status add_forward(clvis_ctx *ctx, tensor y, tensor a_, tensor b)
{
    if (tensor_count(y) != tensor_count(a_) || tensor_count(y) != tensor_count(b))
        return err_set(CLVIS_ERR_SHAPE, "add: shapes differ");
    int y_off = (int)y.off, a_off = (int)a_.off, b_off = (int)b.off, n = (int)tensor_count(y);
    karg a[] = {KMEM(y.mem), KARG(y_off), KMEM(a_.mem), KARG(a_off),
                KMEM(b.mem), KARG(b_off), KARG(n)};
    return kernel_run(ctx, K_add_fwd, (size_t)n, a, NARGS(a));
}

clvis_status copy_accum(clvis_ctx *ctx, tensor dst, tensor src, int accum)
{
    if (tensor_count(dst) != tensor_count(src))
        return err_set(CLVIS_ERR_SHAPE, "copy: %zu elements into %zu", tensor_count(src),
                       tensor_count(dst));
    int d_off = (int)dst.off, s_off = (int)src.off, n = (int)tensor_count(dst);
    karg a[] = {KMEM(dst.mem), KARG(d_off), KMEM(src.mem), KARG(s_off), KARG(n), KARG(accum)};
    return kernel_run(ctx, K_copy_accum, (size_t)n, a, NARGS(a));
}

static clvis_status concat_check(tensor y, tensor x, int c0)
{
    if (y.n != x.n || y.h != x.h || y.w != x.w || c0 < 0 || c0 + x.c > y.c)
        return err_set(CLVIS_ERR_SHAPE, "concatenate: %dx%dx%d at channel %d into %dx%dx%d", x.c,
                       x.h, x.w, c0, y.c, y.h, y.w);
    return CLVIS_OK;
}

clvis_status concat_forward(clvis_ctx *ctx, tensor y, tensor x, int c0)
{
    clvis_status st = concat_check(y, x, c0);
    if (st)
        return st;
    int y_off = (int)y.off, x_off = (int)x.off, hw = x.h * x.w;
    karg a[] = {KMEM(y.mem), KARG(y_off), KMEM(x.mem), KARG(x_off), KARG(x.n),
                KARG(x.c),   KARG(hw),    KARG(y.c),   KARG(c0)};
    return kernel_run(ctx, K_concat_fwd, tensor_count(x), a, NARGS(a));
}

clvis_status concat_backward(clvis_ctx *ctx, tensor dx, tensor dy, int c0, int accum)
{
    clvis_status st = concat_check(dy, dx, c0);
    if (st)
        return st;
    int dx_off = (int)dx.off, dy_off = (int)dy.off, hw = dx.h * dx.w;
    karg a[] = {KMEM(dx.mem), KARG(dx_off), KMEM(dy.mem), KARG(dy_off), KARG(dx.n),
                KARG(dx.c),   KARG(hw),     KARG(dy.c),   KARG(c0),     KARG(accum)};
    return kernel_run(ctx, K_concat_bwd, tensor_count(dx), a, NARGS(a));
}

clvis_status reshape_forward(clvis_ctx *ctx, tensor y, tensor x)
{
    if (y.n != x.n || tensor_count(y) != tensor_count(x))
        return err_set(CLVIS_ERR_SHAPE, "reshape: %dx%dx%d into %dx%dx%d", x.h, x.w, x.c, y.h,
                       y.w, y.c);
    int y_off = (int)y.off, x_off = (int)x.off;
    karg a[] = {KMEM(y.mem), KARG(y_off), KMEM(x.mem), KARG(x_off), KARG(x.n), KARG(x.c),
                KARG(x.h),   KARG(x.w),   KARG(y.c),   KARG(y.h),   KARG(y.w)};
    return kernel_run(ctx, K_reshape_fwd, tensor_count(y), a, NARGS(a));
}

clvis_status reshape_backward(clvis_ctx *ctx, tensor dx, tensor dy, int accum)
{
    if (dy.n != dx.n || tensor_count(dy) != tensor_count(dx))
        return err_set(CLVIS_ERR_SHAPE, "reshape gradient: element counts differ");
    int dx_off = (int)dx.off, dy_off = (int)dy.off;
    karg a[] = {KMEM(dx.mem), KARG(dx_off), KMEM(dy.mem), KARG(dy_off), KARG(dx.n),
                KARG(dx.c),   KARG(dx.h),   KARG(dx.w),   KARG(dy.c),   KARG(dy.h),
                KARG(dy.w),   KARG(accum)};
    return kernel_run(ctx, K_reshape_bwd, tensor_count(dx), a, NARGS(a));
}

clvis_status repeat_items(clvis_ctx *ctx, tensor y, cl_mem src)
{
    int off = (int)y.off, n = (int)tensor_count(y), per = y.c * y.h * y.w;
    if (!src || per <= 0)
        return err_set(CLVIS_ERR_INVALID_ARG, "repeat: no source or an empty item");
    karg a[] = {KMEM(y.mem), KARG(off), KMEM(src), KARG(n), KARG(per)};
    return kernel_run(ctx, K_repeat_items, (size_t)n, a, NARGS(a));
}

clvis_status fill(clvis_ctx *ctx, tensor t, float value)
{
    int off = (int)t.off, n = (int)tensor_count(t);
    karg a[] = {KMEM(t.mem), KARG(off), KARG(n), KARG(value)};
    return kernel_run(ctx, K_fill, (size_t)n, a, NARGS(a));
}

/* binary.cl — elementwise a (op) b with broadcasting, forward and the gradient into either
 * operand (NCHW). An operand of the output's shape is read at i, a per-channel one (c, 1, 1) at
 * i / HW, a per-item scalar (1, 1, 1) at i / (C * HW): div is 1, HW or C * HW. The op codes are
 * bin_op's (src/ops/ops.h): 0 add, 1 sub, 2 mul, 3 div. */

inline float bin_apply(float a, float b, int op)
{
    if (op == 0)
        return a + b;
    if (op == 1)
        return a - b;
    if (op == 2)
        return a * b;
    return a / b;
}

/* d(a op b) / da (k = 0) or / db (k = 1). */
inline float bin_partial(float a, float b, int op, int k)
{
    if (op == 0)
        return 1.0f;
    if (op == 1)
        return k ? -1.0f : 1.0f;
    if (op == 2)
        return k ? a : b;
    return k ? -a / (b * b) : 1.0f / b;
}

__kernel void binary_fwd(__global float *y, int y_off, __global const float *a, int a_off,
                         __global const float *b, int b_off, int n, int a_div, int b_div, int op)
{
    FLAT_ITEM_OR_RETURN(i, n);
    y[y_off + i] = bin_apply(a[a_off + i / a_div], b[b_off + i / b_div], op);
}

/* One work-item per element j of operand k's gradient: the sum over the R output elements
 * j * R .. j * R + R - 1 it was broadcast to (R = 1 for an operand of the output's shape). */
__kernel void binary_bwd(__global float *dx, int dx_off, __global const float *dy, int dy_off,
                         __global const float *a, int a_off, __global const float *b, int b_off,
                         int nx, int R, int a_div, int b_div, int op, int k, int accum)
{
    FLAT_ITEM_OR_RETURN(j, nx);
    float acc = 0.0f;
    for (int r = 0; r < R; r++) {
        int i = j * R + r;
        acc += dy[dy_off + i] * bin_partial(a[a_off + i / a_div], b[b_off + i / b_div], op, k);
    }
    dx[dx_off + j] = accum ? dx[dx_off + j] + acc : acc;
}

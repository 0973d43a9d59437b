/* dense.cl — fully connected layer, w stored (in, out) as Keras does, forward and input
 * gradient. */

__kernel void dense_fwd(__global float *y, int y_off, __global const float *x, int x_off,
                        __global const float *w, __global const float *bias, int has_bias,
                        int N, int IN, int OUT, int act, float act_max)
{
    int i = get_global_id(0);
    if (i >= N * OUT)
        return;
    int o = i % OUT, n = i / OUT;
    __global const float *xr = x + x_off + (size_t)n * IN;
    float acc = 0.0f;
    for (int k = 0; k < IN; k++)
        acc += xr[k] * w[(size_t)k * OUT + o];
    if (has_bias)
        acc += bias[o];
    y[y_off + i] = act_apply(acc, act, act_max);
}

__kernel void dense_bwd(__global float *dx, int dx_off, __global const float *dy, int dy_off,
                        __global const float *w, int N, int IN, int OUT, int accum)
{
    int i = get_global_id(0);
    if (i >= N * IN)
        return;
    int k = i % IN, n = i / IN;
    __global const float *g = dy + dy_off + (size_t)n * OUT;
    __global const float *wr = w + (size_t)k * OUT;
    float acc = 0.0f;
    for (int o = 0; o < OUT; o++)
        acc += g[o] * wr[o];
    dx[dx_off + i] = accum ? dx[dx_off + i] + acc : acc;
}

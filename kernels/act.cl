/* act.cl — elementwise activations and softmax over channels, forward and backward (NCHW). */

__kernel void act_fwd(__global float *y, int y_off, int n, int act, float act_max)
{
    FLAT_ITEM_OR_RETURN(i, n);
    y[y_off + i] = act_apply(y[y_off + i], act, act_max);
}

__kernel void act_bwd(__global float *dy, int dy_off, __global const float *y, int y_off, int n,
                      int act, float act_max)
{
    FLAT_ITEM_OR_RETURN(i, n);
    dy[dy_off + i] *= act_grad(y[y_off + i], act, act_max);
}

/* One work-item per (n, h, w) position: softmax over the c channels, in place. */
__kernel void softmax_fwd(__global float *y, int y_off, int batch, int c, int hw)
{
    FLAT_ITEM_OR_RETURN(i, batch * hw);
    int b = i / hw, p = i % hw;
    __global float *v = y + y_off + (size_t)b * c * hw + p;
    float mx = v[0];
    for (int k = 1; k < c; k++)
        mx = fmax(mx, v[(size_t)k * hw]);
    float s = 0.0f;
    for (int k = 0; k < c; k++) {
        float e = exp(v[(size_t)k * hw] - mx);
        v[(size_t)k * hw] = e;
        s += e;
    }
    float inv = 1.0f / s;
    for (int k = 0; k < c; k++)
        v[(size_t)k * hw] *= inv;
}

/* In place: dy <- y * (dy - sum_k dy_k y_k). */
__kernel void softmax_bwd(__global float *dy, int dy_off, __global const float *y, int y_off,
                          int batch, int c, int hw)
{
    FLAT_ITEM_OR_RETURN(i, batch * hw);
    int b = i / hw, p = i % hw;
    size_t base = (size_t)b * c * hw + p;
    __global float *g = dy + dy_off + base;
    __global const float *v = y + y_off + base;
    float dot = 0.0f;
    for (int k = 0; k < c; k++)
        dot += g[(size_t)k * hw] * v[(size_t)k * hw];
    for (int k = 0; k < c; k++)
        g[(size_t)k * hw] = v[(size_t)k * hw] * (g[(size_t)k * hw] - dot);
}

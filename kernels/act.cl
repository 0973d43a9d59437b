/* act.cl — elementwise activations and (log-)softmax over channels, forward and backward
 * (NCHW). */

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

/* act_bwd four elements a work-item (float4 loads and stores; the last item takes the 1-3
 * left over one by one): the same products, at the copy kernel's bandwidth where act_bwd's
 * per-element items reach a third of it (tools/bench/bench_mem). */
__kernel void act_bwd4(__global float *dy, int dy_off, __global const float *y, int y_off, int n,
                       int act, float act_max)
{
    FLAT_ITEM_OR_RETURN(i, (n + 3) / 4);
    __global float *d = dy + dy_off + (size_t)i * 4;
    __global const float *v = y + y_off + (size_t)i * 4;
    if (i * 4 + 4 <= n) {
        float4 yv = vload4(0, v);
        float4 g;
        if (act == ACT_RELU)
            g = select((float4)(0.0f), (float4)(1.0f),
                       isgreater(yv, (float4)(0.0f)) &
                           (act_max <= 0.0f ? (int4)(-1) : isless(yv, (float4)(act_max))));
        else
            g = (float4)(act_grad(yv.s0, act, act_max), act_grad(yv.s1, act, act_max),
                         act_grad(yv.s2, act, act_max), act_grad(yv.s3, act, act_max));
        vstore4(vload4(0, d) * g, 0, d);
    } else {
        for (int k = 0; k < n - i * 4; k++)
            d[k] *= act_grad(v[k], act, act_max);
    }
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

/* ---- standalone activation layers with parameters p0, p1 (act_kind in src/ops/ops.h) ---- */

inline float act_p_apply(float v, int act, float p0, float p1)
{
    if (act == ACT_LEAKY)
        return v > 0.0f ? v : p0 * v;
    if (act == ACT_HARDSIGMOID)
        return fmax(0.0f, fmin(1.0f, p0 * v + p1));
    if (act == ACT_HARDSWISH)
        return v * fmax(0.0f, fmin(1.0f, v / 6.0f + 0.5f));
    if (act == ACT_CLIP)
        return fmin(fmax(v, p0), p1);
    if (act == ACT_ELU)
        return v > 0.0f ? v : p0 * (exp(v) - 1.0f);
    if (act == ACT_SOFTPLUS) /* log(1 + e^v) without overflow */
        return fmax(v, 0.0f) + log1p(exp(-fabs(v)));
    return v;
}

/* The derivative at the input x (at a kink: the right-hand side's, except clip / hard sigmoid,
 * which pass the gradient only strictly inside their linear part). */
inline float act_p_grad(float x, int act, float p0, float p1)
{
    if (act == ACT_LEAKY)
        return x > 0.0f ? 1.0f : p0;
    if (act == ACT_HARDSIGMOID) {
        float t = p0 * x + p1;
        return (t > 0.0f && t < 1.0f) ? p0 : 0.0f;
    }
    if (act == ACT_HARDSWISH)
        return x < -3.0f ? 0.0f : x > 3.0f ? 1.0f : x / 3.0f + 0.5f;
    if (act == ACT_CLIP)
        return (x > p0 && x < p1) ? 1.0f : 0.0f;
    if (act == ACT_ELU)
        return x > 0.0f ? 1.0f : p0 * exp(x);
    if (act == ACT_SOFTPLUS)
        return 1.0f / (1.0f + exp(-x));
    return 1.0f;
}

__kernel void act_p_fwd(__global float *y, int y_off, int n, int act, float p0, float p1)
{
    FLAT_ITEM_OR_RETURN(i, n);
    y[y_off + i] = act_p_apply(y[y_off + i], act, p0, p1);
}

/* In place: dy <- dy * f'(x). */
__kernel void act_p_bwd(__global float *dy, int dy_off, __global const float *x, int x_off, int n,
                        int act, float p0, float p1)
{
    FLAT_ITEM_OR_RETURN(i, n);
    dy[dy_off + i] *= act_p_grad(x[x_off + i], act, p0, p1);
}

/* One work-item per (n, h, w) position: log-softmax over the c channels, in place. */
__kernel void logsoftmax_fwd(__global float *y, int y_off, int batch, int c, int hw)
{
    FLAT_ITEM_OR_RETURN(i, batch * hw);
    int b = i / hw, p = i % hw;
    __global float *v = y + y_off + (size_t)b * c * hw + p;
    float mx = v[0];
    for (int k = 1; k < c; k++)
        mx = fmax(mx, v[(size_t)k * hw]);
    float s = 0.0f;
    for (int k = 0; k < c; k++)
        s += exp(v[(size_t)k * hw] - mx);
    float lse = mx + log(s);
    for (int k = 0; k < c; k++)
        v[(size_t)k * hw] -= lse;
}

/* In place: dy <- dy - exp(y) * sum_k dy_k (y the log-probabilities). */
__kernel void logsoftmax_bwd(__global float *dy, int dy_off, __global const float *y, int y_off,
                             int batch, int c, int hw)
{
    FLAT_ITEM_OR_RETURN(i, batch * hw);
    int b = i / hw, p = i % hw;
    size_t base = (size_t)b * c * hw + p;
    __global float *g = dy + dy_off + base;
    __global const float *v = y + y_off + base;
    float sum = 0.0f;
    for (int k = 0; k < c; k++)
        sum += g[(size_t)k * hw];
    for (int k = 0; k < c; k++)
        g[(size_t)k * hw] -= exp(v[(size_t)k * hw]) * sum;
}

/* PRelu: x > 0 ? x : slope[c] * x, one slope per channel. */
__kernel void prelu_fwd(__global float *y, int y_off, __global const float *x, int x_off,
                        __global const float *slope, int n, int C, int HW)
{
    FLAT_ITEM_OR_RETURN(i, n);
    float v = x[x_off + i];
    y[y_off + i] = v > 0.0f ? v : slope[(i / HW) % C] * v;
}

__kernel void prelu_bwd(__global float *dx, int dx_off, __global const float *dy, int dy_off,
                        __global const float *x, int x_off, __global const float *slope, int n,
                        int C, int HW, int accum)
{
    FLAT_ITEM_OR_RETURN(i, n);
    float g = dy[dy_off + i] * (x[x_off + i] > 0.0f ? 1.0f : slope[(i / HW) % C]);
    dx[dx_off + i] = accum ? dx[dx_off + i] + g : g;
}

/* dense.cl — fully connected layer, w stored (in, out) as Keras does, forward and input
 * gradient. */

__kernel void dense_fwd(__global float *y, int y_off, __global const float *x, int x_off,
                        __global const float *w, __global const float *bias, int has_bias,
                        int N, int IN, int OUT, int act, float act_max)
{
    FLAT_ITEM_OR_RETURN(i, N * OUT);
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
    FLAT_ITEM_OR_RETURN(i, N * IN);
    int k = i % IN, n = i / IN;
    __global const float *g = dy + dy_off + (size_t)n * OUT;
    __global const float *wr = w + (size_t)k * OUT;
    float acc = 0.0f;
    for (int o = 0; o < OUT; o++)
        acc += g[o] * wr[o];
    dx[dx_off + i] = accum ? dx[dx_off + i] + acc : acc;
}

/* Row-major GEMV for CPU devices: out[n][r] = sum_c in[n][c] * m[r][c] (+ bias, activation), or
 * added to out (accum). Each work-item streams one contiguous row of m with 16-wide loads; run
 * with one work-item per work-group so each keeps its row sequential (PoCL). Work-items of one
 * row are adjacent (i = r * N + n), so a batch re-uses the row from cache. Forward uses the
 * transposed weights (out, in); the input gradient uses the weights as Keras stores them. */
/* the 16 lanes' sum, halving (gemv_rows and gemv_rows8 sum in this one order) */
inline float gr_hsum16(float16 v)
{
    float8 h8 = v.lo + v.hi;
    float4 h4 = h8.lo + h8.hi;
    float2 h2 = h4.lo + h4.hi;
    return h2.x + h2.y;
}

__kernel void gemv_rows(__global float *out, int out_off, __global const float *in, int in_off,
                        __global const float *m, __global const float *bias, int has_bias, int N,
                        int C, int R, int act, float act_max, int accum)
{
    FLAT_ITEM_OR_RETURN(i, N * R);
    int n = i % N, r = i / N;
    __global const float *a = in + in_off + (size_t)n * C;
    __global const float *b = m + (size_t)r * C;
    float16 acc16 = (float16)(0.0f);
    int c = 0;
    for (; c + 16 <= C; c += 16)
        acc16 = fma(vload16(0, a + c), vload16(0, b + c), acc16);
    float s = gr_hsum16(acc16);
    for (; c < C; c++)
        s += a[c] * b[c];
    if (has_bias)
        s += bias[r];
    size_t o = (size_t)out_off + (size_t)n * R + r;
    out[o] = accum ? out[o] + s : act_apply(s, act, act_max);
}

/* gemv_rows for batches of 2 and more: one work-item per (row r, group of 8 batch items), the
 * row's 16-float vectors loaded once for the 8 (items past N repeat the last one, not stored):
 * 8 independent FMA chains where gemv_rows has one per work-item, and the row read once per
 * group instead of once per item. Each sum in gemv_rows' order (the same results). */
#define GR8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
__kernel void gemv_rows8(__global float *out, int out_off, __global const float *in, int in_off,
                         __global const float *m, __global const float *bias, int has_bias,
                         int N, int C, int R, int act, float act_max, int accum)
{
    int NG = (N + 7) / 8;
    FLAT_ITEM_OR_RETURN(i, NG * R);
    int n0 = (i % NG) * 8, r = i / NG;
    __global const float *b = m + (size_t)r * C;
#define GR8_DECL(k)                                                               \
    __global const float *a##k = in + in_off + (size_t)min(n0 + k, N - 1) * C; \
    float16 acc##k = (float16)(0.0f);
    GR8(GR8_DECL)
    int c = 0;
    for (; c + 16 <= C; c += 16) {
        float16 wv = vload16(0, b + c);
#define GR8_FMA(k) acc##k = fma(vload16(0, a##k + c), wv, acc##k);
        GR8(GR8_FMA)
    }
    float bv = has_bias ? bias[r] : 0.0f;
#define GR8_OUT(k)                                                        \
    if (n0 + k < N) {                                                     \
        float s = gr_hsum16(acc##k);                                      \
        for (int j = c; j < C; j++)                                       \
            s += a##k[j] * b[j];                                          \
        if (has_bias)                                                     \
            s += bv;                                                      \
        size_t o = (size_t)out_off + (size_t)(n0 + k) * R + r;            \
        out[o] = accum ? out[o] + s : act_apply(s, act, act_max);         \
    }
    GR8(GR8_OUT)
#undef GR8_DECL
#undef GR8_FMA
#undef GR8_OUT
}
#undef GR8

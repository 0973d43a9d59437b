/* ascent.cl — the book's gradient ascent in input space (listings 5.32-5.39) kept on the device:
 * the one-hot seed of every item, the preprocessing as a per-channel affine map, the per-item
 * RMS of the pixel-space gradient and the step x += step * g / (rms + 1e-5). Contraction is off
 * in every kernel: each product and sum rounds as the host loop it replaces (filters.c). The
 * sum of squares is kept as a float pair (hi + lo, error-free transforms), so it is as exact as
 * the double the host loop summed in, without cl_khr_fp64. */

/* seed[b][c][p] = value[b] where c == unit[b] (unit -1: a padding item, all zero), else 0. */
__kernel void ascent_seed(__global float *dy, int dy_off, __global const int *unit,
                          __global const float *value, int B, int C, int HW)
{
    FLAT_ITEM_OR_RETURN(i, B * C * HW);
    int bc = i / HW, b = bc / C, c = bc % C;
    dy[dy_off + i] = c == unit[b] ? value[b] : 0.0f;
}

/* The same on the unit channels only (the rest already 0): what a step's backward changed,
 * the activation's derivative having been applied in place there. */
__kernel void ascent_seed_unit(__global float *dy, int dy_off, __global const int *unit,
                               __global const float *value, int B, int C, int HW)
{
    FLAT_ITEM_OR_RETURN(i, B * HW);
    int b = i / HW, u = unit[b];
    if (u >= 0)
        dy[dy_off + ((size_t)b * C + u) * HW + i % HW] = value[b];
}

inline int ascent_pick_i(int c, int a0, int a1, int a2)
{
    return c == 0 ? a0 : c == 1 ? a1 : a2;
}

inline float ascent_pick_f(int c, float a0, float a1, float a2)
{
    return c == 0 ? a0 : c == 1 ? a1 : a2;
}

/* The model's input from pixel-space x (both B x NC x HW): y[b][c] = x[b][src_c] * k_c + o_c. */
__kernel void ascent_pre(__global float *y, int y_off, __global const float *x, int n, int NC,
                         int HW, int s0, int s1, int s2, float k0, float k1, float k2, float o0,
                         float o1, float o2)
{
#pragma OPENCL FP_CONTRACT OFF
    FLAT_ITEM_OR_RETURN(i, n);
    int p = i % HW, bc = i / HW, c = bc % NC, b = bc / NC;
    int s = ascent_pick_i(c, s0, s1, s2);
    float v = x[((size_t)b * NC + s) * HW + p] * ascent_pick_f(c, k0, k1, k2);
    y[y_off + i] = v + ascent_pick_f(c, o0, o1, o2);
}

/* hi + lo += v, error-free (Knuth's two-sum; the pair's low part collects every rounding). */
inline void ascent_acc(float *hi, float *lo, float v)
{
#pragma OPENCL FP_CONTRACT OFF
    float s = *hi + v;
    float bv = s - *hi;
    float e = (*hi - (s - bv)) + (v - bv);
    *hi = s;
    *lo += e;
}

/* part[b * K + k] = the sum over j = k, k + K, ... of (g[b][c][j] * k_c)^2, per model channel c
 * (the chain rule through the preprocessing's scale: the pixel-space gradient), as (hi, lo). */
__kernel void ascent_sumsq(__global float2 *part, __global const float *g, int g_off, int NB,
                           int NC, int HW, int K, float k0, float k1, float k2)
{
#pragma OPENCL FP_CONTRACT OFF
    FLAT_ITEM_OR_RETURN(i, NB * K);
    int b = i / K, k = i % K;
    float hi = 0.0f, lo = 0.0f;
    for (int c = 0; c < NC; c++) {
        __global const float *gc = g + g_off + ((size_t)b * NC + c) * HW;
        float kc = ascent_pick_f(c, k0, k1, k2);
        for (int j = k; j < HW; j += K) {
            float t = gc[j] * kc;
            float p = t * t;
            ascent_acc(&hi, &lo, p);
            lo += fma(t, t, -p); /* the square's own rounding error, exact */
        }
    }
    part[i] = (float2)(hi, lo);
}

/* norm[b] = sqrt(mean of the item's squares) + 1e-5, from its K partial sums. */
__kernel void ascent_norm(__global float *norm, __global const float2 *part, int NB, int K,
                          int per)
{
#pragma OPENCL FP_CONTRACT OFF
    FLAT_ITEM_OR_RETURN(b, NB);
    float hi = 0.0f, lo = 0.0f;
    for (int k = 0; k < K; k++) {
        float2 q = part[(size_t)b * K + k];
        ascent_acc(&hi, &lo, q.x);
        lo += q.y;
    }
    float fp = (float)per;
    float m = hi / fp;
    float r = fma(-m, fp, hi) + lo; /* what hi + lo - m * per leaves, to first order exact */
    m += r / fp;
    norm[b] = sqrt(m) + 1e-5f;
}

/* x[b][cp][p] += (g[b][c][p] * k_c / norm[b]) * step, with c the model channel fed from pixel
 * channel cp (m0..m2). */
__kernel void ascent_step(__global float *x, __global const float *g, int g_off,
                          __global const float *norm, int n, int NC, int HW, int m0, int m1,
                          int m2, float k0, float k1, float k2, float step)
{
#pragma OPENCL FP_CONTRACT OFF
    FLAT_ITEM_OR_RETURN(i, n);
    int p = i % HW, bc = i / HW, cp = bc % NC, b = bc / NC;
    int c = ascent_pick_i(cp, m0, m1, m2);
    float t = g[g_off + ((size_t)b * NC + c) * HW + p] * ascent_pick_f(c, k0, k1, k2);
    float q = t / norm[b];
    x[i] = x[i] + q * step;
}

/* ---- One channel of the layer per item ------------------------------------------------------
 * The seed of a filter is one-hot: only channel unit[b] of item b has a gradient, so the layer's
 * forward and input gradient are needed for that channel alone (the other channels' terms of the
 * full input gradient are exact zeros). Both kernels follow conv2d_fwd / conv2d_bwd's loops
 * (kernels/conv.cl) with the output channel fixed per item; any stride, dilation, pads, groups.
 */

/* y[b][p] = act(z), z the convolution's pre-activation of channel unit[b] of item b; dz[b][p] =
 * value[b] * act'(y) (the seed through the fused activation). Padding items (unit -1): 0. */
__kernel void ascent_unit_fwd(__global float *dz, __global float *y, __global const float *x,
                              int x_off, __global const float *w, __global const float *bias,
                              int has_bias, __global const int *unit,
                              __global const float *value, int B, int C, int H, int W, int OC,
                              int OH, int OW, int KH, int KW, int SH, int SW, int DH, int DW,
                              int PT, int PL, int G, int act, float act_max)
{
    FLAT_ITEM_OR_RETURN(i, B * OH * OW);
    int oh, ow;
    int b = unpack_hw(i, OH, OW, &oh, &ow), oc = unit[b];
    if (oc < 0) {
        dz[i] = y[i] = 0.0f;
        return;
    }
    int cpg = C / G, ocpg = OC / G;
    int c0 = (oc / ocpg) * cpg;
    float acc = has_bias ? bias[oc] : 0.0f;
    __global const float *wk = w + (size_t)oc * cpg * KH * KW;
    for (int ci = 0; ci < cpg; ci++) {
        __global const float *xc = x + x_off + ((size_t)b * C + c0 + ci) * H * W;
        for (int kh = 0; kh < KH; kh++) {
            int ih = oh * SH - PT + kh * DH;
            if (ih < 0 || ih >= H)
                continue;
            for (int kw = 0; kw < KW; kw++) {
                int iw = ow * SW - PL + kw * DW;
                if (iw < 0 || iw >= W)
                    continue;
                acc += xc[ih * W + iw] * wk[(ci * KH + kh) * KW + kw];
            }
        }
    }
    float v = act_apply(acc, act, act_max);
    y[i] = v;
    dz[i] = value[b] * act_grad(v, act, act_max);
}

/* dx[b][c] = the input gradient of channel unit[b] alone, from dz[b] (B x OH x OW): 0 outside
 * that channel's group, and for padding items. One work-item per input pixel (b, ih, iw): each
 * tap's dz is read once for all the group's channels, each channel's sum runs in conv2d_bwd's
 * tap order; no integer division at stride 1. */
__kernel void ascent_unit_bwd(__global float *dx, int dx_off, __global const float *dz,
                              __global const float *w, __global const int *unit, int B, int C,
                              int H, int W, int OC, int OH, int OW, int KH, int KW, int SH,
                              int SW, int DH, int DW, int PT, int PL, int G)
{
    FLAT_ITEM_OR_RETURN(i, B * H * W);
    int ih, iw;
    int b = unpack_hw(i, H, W, &ih, &iw);
    const int HW = H * W;
    __global float *dxb = dx + dx_off + (size_t)b * C * HW + ih * W + iw;
    for (int c = 0; c < C; c++)
        dxb[(size_t)c * HW] = 0.0f;
    int oc = unit[b];
    if (oc < 0)
        return;
    int cpg = C / G, ocpg = OC / G;
    __global float *dxg = dxb + (size_t)(oc / ocpg) * cpg * HW;
    __global const float *dzb = dz + (size_t)b * OH * OW;
    __global const float *wk = w + (size_t)oc * cpg * KH * KW;
    for (int kh = 0; kh < KH; kh++) {
        int oh = ih + PT - kh * DH;
        if (oh < 0)
            continue;
        if (SH > 1) {
            if (oh % SH)
                continue;
            oh /= SH;
        }
        if (oh >= OH)
            continue;
        for (int kw = 0; kw < KW; kw++) {
            int ow = iw + PL - kw * DW;
            if (ow < 0)
                continue;
            if (SW > 1) {
                if (ow % SW)
                    continue;
                ow /= SW;
            }
            if (ow >= OW)
                continue;
            float d = dzb[oh * OW + ow];
            for (int ci = 0; ci < cpg; ci++)
                dxg[(size_t)ci * HW] += d * wk[(ci * KH + kh) * KW + kw];
        }
    }
}

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

/* ---- The same for 3x3 windows at stride 1, 16 pixels of a row per work-item ------------------
 * (any dilation, pads and groups; VGG16's and the book's convs). The sums run in the order of
 * the kernels above, lane by lane. ascent_unit_fwd3: item (b, oh, 16-pixel tile of the row);
 * ascent_unit_bwd3: item (b, ih, tile), its nine tap vectors of dz loaded once and used for
 * every input channel (the scalar kernel read and wrote dx once per tap and channel). */

/* r[c0 .. c0 + 15] of a row of len values, 0 outside it */
inline float16 au_row16(__global const float *r, int len, int c0)
{
    if (c0 >= 0 && c0 + 16 <= len)
        return vload16(0, r + c0);
    float t[16];
    for (int j = 0; j < 16; j++) {
        int c = c0 + j;
        t[j] = c >= 0 && c < len ? r[c] : 0.0f;
    }
    return vload16(0, t);
}

/* the first n lanes of v to p */
inline void au_store16(__global float *p, float16 v, int n)
{
    if (n >= 16) {
        vstore16(v, 0, p);
        return;
    }
    float t[16];
    vstore16(v, 0, t);
    for (int j = 0; j < n; j++)
        p[j] = t[j];
}

__kernel void ascent_unit_fwd3(__global float *dz, __global float *y, __global const float *x,
                               int x_off, __global const float *w, __global const float *bias,
                               int has_bias, __global const int *unit,
                               __global const float *value, int B, int C, int H, int W, int OC,
                               int OH, int OW, int DH, int DW, int PT, int PL, int G, int act,
                               float act_max, int OWT)
{
    FLAT_ITEM_OR_RETURN(i, B * OH * OWT);
    int owt = i % OWT, t = i / OWT, oh = t % OH, b = t / OH;
    int ow0 = owt * 16, n = min(16, OW - ow0), oc = unit[b];
    size_t o = ((size_t)b * OH + oh) * OW + ow0;
    if (oc < 0) {
        au_store16(dz + o, (float16)(0.0f), n);
        au_store16(y + o, (float16)(0.0f), n);
        return;
    }
    int cpg = C / G, ocpg = OC / G;
    int c0 = (oc / ocpg) * cpg;
    float16 acc = (float16)(has_bias ? bias[oc] : 0.0f);
    ROT16_MASKS
    __global const float *wk = w + (size_t)oc * cpg * 9;
    for (int ci = 0; ci < cpg; ci++, wk += 9) {
        __global const float *xc = x + x_off + ((size_t)b * C + c0 + ci) * H * W;
        for (int kh = 0; kh < 3; kh++) {
            int ih = oh - PT + kh * DH;
            if (ih < 0 || ih >= H)
                continue;
            __global const float *xr = xc + (size_t)ih * W;
            int col0 = ow0 - PL; /* the left tap's first column */
            if (DW == 1 && col0 + 1 >= 0 && col0 + 17 <= W && (col0 < 0 || col0 + 18 > W)) {
                /* a border tile whose middle tap is inside the row: the outer taps are that
                 * vector rotated by a lane, the neighbour (0 past the border) in the lane that
                 * wrapped around */
                float16 v = vload16(0, xr + col0 + 1);
                float16 nl = (float16)(col0 >= 0 ? xr[col0] : 0.0f);
                float16 nr = (float16)(col0 + 17 < W ? xr[col0 + 17] : 0.0f);
                acc += select(shuffle(v, sl), nl, lane0) * wk[kh * 3];
                acc += v * wk[kh * 3 + 1];
                acc += select(shuffle(v, sr), nr, lane15) * wk[kh * 3 + 2];
            } else {
                for (int kw = 0; kw < 3; kw++)
                    acc += au_row16(xr, W, col0 + kw * DW) * wk[kh * 3 + kw];
            }
        }
    }
    float tv[16], td[16];
    vstore16(acc, 0, tv);
    float vb = value[b];
    for (int j = 0; j < 16; j++) {
        float v = act_apply(tv[j], act, act_max);
        tv[j] = v;
        td[j] = vb * act_grad(v, act, act_max);
    }
    au_store16(y + o, vload16(0, tv), n);
    au_store16(dz + o, vload16(0, td), n);
}

__kernel void ascent_unit_bwd3(__global float *dx, int dx_off, __global const float *dz,
                               __global const float *w, __global const int *unit, int B, int C,
                               int H, int W, int OC, int OH, int OW, int DH, int DW, int PT,
                               int PL, int G, int IWT)
{
    FLAT_ITEM_OR_RETURN(i, B * H * IWT);
    int iwt = i % IWT, t = i / IWT, ih = t % H, b = t / H;
    int iw0 = iwt * 16, n = min(16, W - iw0), oc = unit[b];
    const int HW = H * W;
    __global float *dxb = dx + dx_off + (size_t)b * C * HW + (size_t)ih * W + iw0;
    int cpg = C / G, ocpg = OC / G;
    int g0 = oc < 0 ? C : (oc / ocpg) * cpg, g1 = oc < 0 ? C : g0 + cpg;
    for (int c = 0; c < g0; c++)
        au_store16(dxb + (size_t)c * HW, (float16)(0.0f), n);
    for (int c = g1; c < C; c++)
        au_store16(dxb + (size_t)c * HW, (float16)(0.0f), n);
    if (oc < 0)
        return;
    /* v_k: dz at the output pixels tap k = kh * 3 + kw of input pixels iw0 .. iw0 + 15 reads */
    __global const float *dzb = dz + (size_t)b * OH * OW;
    float16 v[9];
    for (int kh = 0; kh < 3; kh++) {
        int oh = ih + PT - kh * DH;
        for (int kw = 0; kw < 3; kw++)
            v[kh * 3 + kw] = oh >= 0 && oh < OH
                                 ? au_row16(dzb + (size_t)oh * OW, OW, iw0 + PL - kw * DW)
                                 : (float16)(0.0f);
    }
    __global const float *wk = w + (size_t)oc * cpg * 9;
    for (int ci = 0; ci < cpg; ci++, wk += 9) {
        float16 acc = (float16)(0.0f);
        acc += v[0] * wk[0];
        acc += v[1] * wk[1];
        acc += v[2] * wk[2];
        acc += v[3] * wk[3];
        acc += v[4] * wk[4];
        acc += v[5] * wk[5];
        acc += v[6] * wk[6];
        acc += v[7] * wk[7];
        acc += v[8] * wk[8];
        au_store16(dxb + (size_t)(g0 + ci) * HW, acc, n);
    }
}

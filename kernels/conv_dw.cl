/* conv_dw.cl — convolutions with few channels per work-item, vectorised along the output row
 * instead of along channels: the depthwise convolution (groups = input channels, any depth
 * multiplier M = OC / C), forward and input gradient, and the input gradient of a groups-1
 * convolution with few (<= DXC_C) input channels (a model's first conv: d score / d image).
 * NCHW activations, OIHW weights. Host side: src/ops/conv_dw.c.
 *
 * Each work-item walks one output row (one channel, or the DXC_C channels of the few-channel
 * gradient) in runs of DW_PX (8) consecutive pixels held in float8 accumulators, one tap at a
 * time: the tap's 8 input values as one vector, the weight broadcast, one FMA. A tap whose
 * pixels lie inside the input is read as one vector load (stride 1: vload8; stride 2: the
 * even lanes of a vload16); a tap that touches the border (the pads, any sizes) or another
 * stride gathers its lanes through clamped addresses and selects, so the zero padding is never
 * materialised. Rows outside the input are skipped. 3-wide windows without dilation have their
 * three taps written out. Store: y = act(acc + bias), or y += acc (accum). */
#define DW_PX 8

/* Stores the first nv (1..8) lanes of v at yr: + bias then the activation, or added (accum). */
inline void dw_store(__global float *yr, float8 v, int nv, float b, int act, float act_max,
                     int accum)
{
    if (!accum)
        v = act_apply_float8(v + (float8)(b), act, act_max);
    if (nv == DW_PX) {
        vstore8(accum ? v + vload8(0, yr) : v, 0, yr);
        return;
    }
    float t[DW_PX];
    vstore8(v, 0, t);
    for (int j = 0; j < nv; j++)
        yr[j] = accum ? yr[j] + t[j] : t[j];
}

/* Lanes p of row r at columns col + p * step (0 <= p < 8), each clamped into [0, n): the
 * vector gather of the border taps (no private arrays: they kept PoCL's code from vectorising). */
#define DW_GATHER8(r, col, step, n)                                                          \
    (float8)((r)[clamp((col), 0, (n) - 1)], (r)[clamp((col) + (step), 0, (n) - 1)],          \
             (r)[clamp((col) + 2 * (step), 0, (n) - 1)], (r)[clamp((col) + 3 * (step), 0, (n) - 1)], \
             (r)[clamp((col) + 4 * (step), 0, (n) - 1)], (r)[clamp((col) + 5 * (step), 0, (n) - 1)], \
             (r)[clamp((col) + 6 * (step), 0, (n) - 1)], (r)[clamp((col) + 7 * (step), 0, (n) - 1)])
#define DW_LANES ((int8)(0, 1, 2, 3, 4, 5, 6, 7))

/* Forward tap: lanes p = xr[col + p * SW] of an input row of W values, zero outside [0, W). */
inline float8 dw_xv(__global const float *xr, int col, int W, int SW)
{
    if (SW == 1 && col >= 0 && col + DW_PX <= W)
        return vload8(0, xr + col);
    if (SW == 2 && col >= 0 && col + 2 * DW_PX <= W)
        return vload16(0, xr + col).even;
    int8 iw = (int8)(col) + DW_LANES * SW;
    return select((float8)(0.0f), DW_GATHER8(xr, col, SW, W), iw >= 0 && iw < W);
}

/* One lane of an input-gradient tap at strides other than 1 and 2 (scalar: the vector integer
 * division and remainder of an earlier version gave wrong lanes under Oclgrind). */
inline float dw_dy1(__global const float *dyr, int tw, int OW, int SW)
{
    if (tw < 0 || tw % SW)
        return 0.0f;
    int ow = tw / SW;
    return ow < OW ? dyr[ow] : 0.0f;
}

/* Input-gradient tap, gathered: lane p is dyr[(base + p) / SW] where base + p is a multiple of
 * SW and the quotient lies in [0, OW), else 0 (base = iw0 + PL - kw * DW: the dy column that
 * input column iw0 + p meets through tap kw, times SW). Stride 2 reads the four dy values the
 * lanes of one parity meet and spreads them onto those lanes. */
inline float8 dw_dyv(__global const float *dyr, int base, int OW, int SW)
{
    if (SW == 1) {
        if (base >= 0 && base + DW_PX <= OW)
            return vload8(0, dyr + base);
        int8 ow = (int8)(base) + DW_LANES;
        return select((float8)(0.0f), DW_GATHER8(dyr, base, 1, OW), ow >= 0 && ow < OW);
    }
    if (SW == 2) {
        int odd = base & 1, s = (base + odd) / 2; /* exact division, also below 0 */
        float4 d;
        if (s >= 0 && s + 4 <= OW) {
            d = vload4(0, dyr + s);
        } else {
            int4 ow = (int4)(s) + (int4)(0, 1, 2, 3);
            float4 g = (float4)(dyr[clamp(s, 0, OW - 1)], dyr[clamp(s + 1, 0, OW - 1)],
                                dyr[clamp(s + 2, 0, OW - 1)], dyr[clamp(s + 3, 0, OW - 1)]);
            d = select((float4)(0.0f), g, ow >= 0 && ow < OW);
        }
        int8 lane_odd = (DW_LANES & 1) == 1; /* -1 in the odd lanes */
        return select((float8)(0.0f), d.s00112233, odd ? lane_odd : ~lane_odd);
    }
    return (float8)(dw_dy1(dyr, base, OW, SW), dw_dy1(dyr, base + 1, OW, SW),
                    dw_dy1(dyr, base + 2, OW, SW), dw_dy1(dyr, base + 3, OW, SW),
                    dw_dy1(dyr, base + 4, OW, SW), dw_dy1(dyr, base + 5, OW, SW),
                    dw_dy1(dyr, base + 6, OW, SW), dw_dy1(dyr, base + 7, OW, SW));
}

/* The dy row that input row ih meets through tap th = ih + PT - kh * DH: th / SH when th is a
 * multiple of SH in [0, OH * SH), else -1. Strides 1 and 2 without a division (per run and
 * tap, an integer division cost more than the tap's vector work). */
inline int dw_row(int th, int SH, int OH)
{
    if (SH == 1)
        return th >= 0 && th < OH ? th : -1;
    if (SH == 2)
        return th >= 0 && !(th & 1) && (th >> 1) < OH ? th >> 1 : -1;
    return th >= 0 && th % SH == 0 && th / SH < OH ? th / SH : -1;
}

/* y[n][oc] = act(sum over the window of x[n][oc / M] * w[oc] + bias[oc]); one work-item per
 * output row (n, oc, oh). */
__kernel void conv2d_dw_fwd(__global float *y, int y_off, __global const float *x, int x_off,
                            __global const float *w, __global const float *bias, int has_bias,
                            int N, int C, int H, int W, int OC, int OH, int OW, int KH, int KW,
                            int SH, int SW, int DH, int DW, int PT, int PL, int act,
                            float act_max)
{
    FLAT_ITEM_OR_RETURN(i, N * OC * OH);
    int oh = i % OH, t = i / OH;
    int oc = t % OC, n = t / OC;
    int c = oc / (OC / C);
    __global const float *xc = x + x_off + ((size_t)n * C + c) * H * W;
    __global const float *wk = w + (size_t)oc * KH * KW;
    __global float *yr = y + y_off + (((size_t)n * OC + oc) * OH + oh) * OW;
    float b = has_bias ? bias[oc] : 0.0f;
    int ih0 = oh * SH - PT, k3 = KW == 3 && DW == 1;
    for (int ow0 = 0; ow0 < OW; ow0 += DW_PX) {
        float8 acc = 0.0f;
        int col = ow0 * SW - PL;
        for (int kh = 0; kh < KH; kh++) {
            int ih = ih0 + kh * DH;
            if (ih < 0 || ih >= H)
                continue;
            __global const float *xr = xc + (size_t)ih * W;
            __global const float *wr = wk + kh * KW;
            if (k3) {
                acc = fma(dw_xv(xr, col, W, SW), (float8)(wr[0]), acc);
                acc = fma(dw_xv(xr, col + 1, W, SW), (float8)(wr[1]), acc);
                acc = fma(dw_xv(xr, col + 2, W, SW), (float8)(wr[2]), acc);
            } else {
                for (int kw = 0; kw < KW; kw++)
                    acc = fma(dw_xv(xr, col + kw * DW, W, SW), (float8)(wr[kw]), acc);
            }
        }
        dw_store(yr + ow0, acc, min(DW_PX, OW - ow0), b, act, act_max, 0);
    }
}

/* dx[n][c] (+)= the gradient through the M output channels c * M .. c * M + M - 1 that read
 * input channel c; one work-item per input row (n, c, ih). */
__kernel void conv2d_dw_bwd(__global float *dx, int dx_off, __global const float *dy,
                            int dy_off, __global const float *w, int N, int C, int H, int W,
                            int OC, int OH, int OW, int KH, int KW, int SH, int SW, int DH,
                            int DW, int PT, int PL, int accum)
{
    FLAT_ITEM_OR_RETURN(i, N * C * H);
    int ih = i % H, t = i / H;
    int c = t % C, n = t / C;
    int M = OC / C, k3 = KW == 3 && DW == 1;
    __global float *dxr = dx + dx_off + (((size_t)n * C + c) * H + ih) * W;
    for (int iw0 = 0; iw0 < W; iw0 += DW_PX) {
        float8 acc = 0.0f;
        int base = iw0 + PL;
        for (int m = 0; m < M; m++) {
            int oc = c * M + m;
            __global const float *dyc = dy + dy_off + ((size_t)n * OC + oc) * OH * OW;
            __global const float *wk = w + (size_t)oc * KH * KW;
            for (int kh = 0; kh < KH; kh++) {
                int oh = dw_row(ih + PT - kh * DH, SH, OH);
                if (oh < 0)
                    continue;
                __global const float *dyr = dyc + (size_t)oh * OW;
                __global const float *wr = wk + kh * KW;
                if (k3) {
                    acc = fma(dw_dyv(dyr, base, OW, SW), (float8)(wr[0]), acc);
                    acc = fma(dw_dyv(dyr, base - 1, OW, SW), (float8)(wr[1]), acc);
                    acc = fma(dw_dyv(dyr, base - 2, OW, SW), (float8)(wr[2]), acc);
                } else {
                    for (int kw = 0; kw < KW; kw++)
                        acc = fma(dw_dyv(dyr, base - kw * DW, OW, SW), (float8)(wr[kw]), acc);
                }
            }
        }
        dw_store(dxr + iw0, acc, min(DW_PX, W - iw0), 0.0f, ACT_LINEAR, 0.0f, accum);
    }
}

/* The input gradient of a groups-1 convolution with C <= 3 input channels (an RGB or grey
 * image): one work-item per input row (n, ih) computes all C channels of it in runs of 16
 * pixels (2 x 3 float8 accumulators), each dy tap vector (gathered as in conv2d_dw_bwd) feeding
 * C FMAs, summed over the OC output channels. */
__kernel void conv2d_dxc(__global float *dx, int dx_off, __global const float *dy, int dy_off,
                         __global const float *w, int N, int C, int H, int W, int OC, int OH,
                         int OW, int KH, int KW, int SH, int SW, int DH, int DW, int PT, int PL,
                         int accum)
{
    FLAT_ITEM_OR_RETURN(i, N * H);
    int ih = i % H, n = i / H;
    int taps = KH * KW;
    /* the weights of channels past C repeat the last one; their sums are not stored */
    int s1 = min(1, C - 1) * taps, s2 = min(2, C - 1) * taps;
    __global float *dxr = dx + dx_off + ((size_t)n * C * H + ih) * W;
    size_t dxs = (size_t)H * W;
    for (int iw0 = 0; iw0 < W; iw0 += 2 * DW_PX) {
        float8 a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, b0 = 0.0f, b1 = 0.0f, b2 = 0.0f;
        int base = iw0 + PL;
        for (int oc = 0; oc < OC; oc++) {
            __global const float *dyc = dy + dy_off + ((size_t)n * OC + oc) * OH * OW;
            __global const float *wo = w + (size_t)oc * C * taps;
            for (int kh = 0; kh < KH; kh++) {
                int oh = dw_row(ih + PT - kh * DH, SH, OH);
                if (oh < 0)
                    continue;
                __global const float *dyr = dyc + (size_t)oh * OW;
                __global const float *wr = wo + kh * KW;
                for (int kw = 0; kw < KW; kw++, wr++) {
                    float8 u = dw_dyv(dyr, base - kw * DW, OW, SW);
                    float8 v = dw_dyv(dyr, base + DW_PX - kw * DW, OW, SW);
                    float8 w0 = (float8)(wr[0]), w1 = (float8)(wr[s1]), w2 = (float8)(wr[s2]);
                    a0 = fma(u, w0, a0);
                    b0 = fma(v, w0, b0);
                    a1 = fma(u, w1, a1);
                    b1 = fma(v, w1, b1);
                    a2 = fma(u, w2, a2);
                    b2 = fma(v, w2, b2);
                }
            }
        }
        int nu = min(DW_PX, W - iw0), nv = min(DW_PX, W - iw0 - DW_PX);
        dw_store(dxr + iw0, a0, nu, 0.0f, ACT_LINEAR, 0.0f, accum);
        if (C > 1)
            dw_store(dxr + dxs + iw0, a1, nu, 0.0f, ACT_LINEAR, 0.0f, accum);
        if (C > 2)
            dw_store(dxr + 2 * dxs + iw0, a2, nu, 0.0f, ACT_LINEAR, 0.0f, accum);
        if (nv > 0) {
            dw_store(dxr + iw0 + DW_PX, b0, nv, 0.0f, ACT_LINEAR, 0.0f, accum);
            if (C > 1)
                dw_store(dxr + dxs + iw0 + DW_PX, b1, nv, 0.0f, ACT_LINEAR, 0.0f, accum);
            if (C > 2)
                dw_store(dxr + 2 * dxs + iw0 + DW_PX, b2, nv, 0.0f, ACT_LINEAR, 0.0f, accum);
        }
    }
}

/* conv.cl — 2-D convolution (stride, dilation, explicit pads, groups), forward and input
 * gradient, NCHW activations, OIHW weights [oc][c / groups][kh][kw]. */

/* Reference path: one work-item per output element; any groups, dilation and padding. */
__kernel void conv2d_fwd(__global float *y, int y_off, __global const float *x, int x_off,
                         __global const float *w, __global const float *bias, int has_bias,
                         int N, int C, int H, int W, int OC, int OH, int OW, int KH, int KW,
                         int SH, int SW, int DH, int DW, int PT, int PL, int G, int act,
                         float act_max)
{
    int i = get_global_id(0);
    if (i >= N * OC * OH * OW)
        return;
    int ow = i % OW;
    int t = i / OW;
    int oh = t % OH;
    t /= OH;
    int oc = t % OC;
    int n = t / OC;
    int cpg = C / G, ocpg = OC / G;
    int c0 = (oc / ocpg) * cpg;
    float acc = has_bias ? bias[oc] : 0.0f;
    __global const float *wk = w + (size_t)oc * cpg * KH * KW;
    for (int ci = 0; ci < cpg; ci++) {
        __global const float *xc = x + x_off + ((size_t)n * C + c0 + ci) * H * W;
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
    y[y_off + i] = act_apply(acc, act, act_max);
}

/* Input gradient by gathering: one work-item per input element, no atomics. */
__kernel void conv2d_bwd(__global float *dx, int dx_off, __global const float *dy, int dy_off,
                         __global const float *w, int N, int C, int H, int W, int OC, int OH,
                         int OW, int KH, int KW, int SH, int SW, int DH, int DW, int PT, int PL,
                         int G, int accum)
{
    int i = get_global_id(0);
    if (i >= N * C * H * W)
        return;
    int iw = i % W;
    int t = i / W;
    int ih = t % H;
    t /= H;
    int c = t % C;
    int n = t / C;
    int cpg = C / G, ocpg = OC / G;
    int g = c / cpg, ci = c % cpg;
    float acc = 0.0f;
    for (int oc = g * ocpg; oc < (g + 1) * ocpg; oc++) {
        __global const float *dyc = dy + dy_off + ((size_t)n * OC + oc) * OH * OW;
        __global const float *wk = w + ((size_t)oc * cpg + ci) * KH * KW;
        for (int kh = 0; kh < KH; kh++) {
            int th = ih + PT - kh * DH;
            if (th < 0 || th % SH)
                continue;
            int oh = th / SH;
            if (oh >= OH)
                continue;
            for (int kw = 0; kw < KW; kw++) {
                int tw = iw + PL - kw * DW;
                if (tw < 0 || tw % SW)
                    continue;
                int ow = tw / SW;
                if (ow >= OW)
                    continue;
                acc += dyc[oh * OW + ow] * wk[kh * KW + kw];
            }
        }
    }
    dx[dx_off + i] = accum ? dx[dx_off + i] + acc : acc;
}

/* pool.cl — max / average pooling (windowed and global), forward and input gradient. Padding
 * pixels never take part: max ignores them, average divides by the in-bounds count. */

__kernel void maxpool_fwd(__global float *y, int y_off, __global const float *x, int x_off,
                          int N, int C, int H, int W, int OH, int OW, int KH, int KW, int SH,
                          int SW, int PT, int PL)
{
    FLAT_ITEM_OR_RETURN(i, N * C * OH * OW);
    int oh, ow;
    int nc = unpack_hw(i, OH, OW, &oh, &ow);
    __global const float *xc = x + x_off + (size_t)nc * H * W;
    float m = -INFINITY;
    for (int kh = 0; kh < KH; kh++) {
        int ih = oh * SH - PT + kh;
        if (ih < 0 || ih >= H)
            continue;
        for (int kw = 0; kw < KW; kw++) {
            int iw = ow * SW - PL + kw;
            if (iw >= 0 && iw < W)
                m = fmax(m, xc[ih * W + iw]);
        }
    }
    y[y_off + i] = m;
}

/* Index (h * W + w) of the first maximum of the in-bounds part of the window at (h0, w0), as
 * TensorFlow's MaxPoolGrad picks it; -1 for an empty window. */
inline int window_argmax(__global const float *xc, int H, int W, int h0, int w0, int KH, int KW)
{
    float m = -INFINITY;
    int arg = -1;
    for (int kh = 0; kh < KH; kh++) {
        int hh = h0 + kh;
        if (hh < 0 || hh >= H)
            continue;
        for (int kw = 0; kw < KW; kw++) {
            int ww = w0 + kw;
            if (ww < 0 || ww >= W)
                continue;
            float v = xc[hh * W + ww];
            if (v > m || arg < 0) {
                m = v;
                arg = hh * W + ww;
            }
        }
    }
    return arg;
}

/* The gradient of a window goes to its first maximum (row-major), as TensorFlow does. */
__kernel void maxpool_bwd(__global float *dx, int dx_off, __global const float *dy, int dy_off,
                          __global const float *x, int x_off, int N, int C, int H, int W, int OH,
                          int OW, int KH, int KW, int SH, int SW, int PT, int PL, int accum)
{
    FLAT_ITEM_OR_RETURN(i, N * C * H * W);
    int ih, iw;
    int nc = unpack_hw(i, H, W, &ih, &iw);
    __global const float *xc = x + x_off + (size_t)nc * H * W;
    __global const float *g = dy + dy_off + (size_t)nc * OH * OW;
    int oh0 = max(0, (ih + PT - KH + SH) / SH), oh1 = min(OH - 1, (ih + PT) / SH);
    int ow0 = max(0, (iw + PL - KW + SW) / SW), ow1 = min(OW - 1, (iw + PL) / SW);
    float acc = 0.0f;
    for (int oh = oh0; oh <= oh1; oh++) {
        for (int ow = ow0; ow <= ow1; ow++) {
            int h0 = oh * SH - PT, w0 = ow * SW - PL;
            if (ih < h0 || ih >= h0 + KH || iw < w0 || iw >= w0 + KW)
                continue;
            if (window_argmax(xc, H, W, h0, w0, KH, KW) == ih * W + iw)
                acc += g[oh * OW + ow];
        }
    }
    dx[dx_off + i] = accum ? dx[dx_off + i] + acc : acc;
}

__kernel void avgpool_fwd(__global float *y, int y_off, __global const float *x, int x_off,
                          int N, int C, int H, int W, int OH, int OW, int KH, int KW, int SH,
                          int SW, int PT, int PL)
{
    FLAT_ITEM_OR_RETURN(i, N * C * OH * OW);
    int oh, ow;
    int nc = unpack_hw(i, OH, OW, &oh, &ow);
    __global const float *xc = x + x_off + (size_t)nc * H * W;
    int h0 = max(oh * SH - PT, 0), h1 = min(oh * SH - PT + KH, H);
    int w0 = max(ow * SW - PL, 0), w1 = min(ow * SW - PL + KW, W);
    float s = 0.0f;
    for (int ih = h0; ih < h1; ih++)
        for (int iw = w0; iw < w1; iw++)
            s += xc[ih * W + iw];
    int cnt = (h1 - h0) * (w1 - w0);
    y[y_off + i] = cnt > 0 ? s / (float)cnt : 0.0f;
}

__kernel void avgpool_bwd(__global float *dx, int dx_off, __global const float *dy, int dy_off,
                          int N, int C, int H, int W, int OH, int OW, int KH, int KW, int SH,
                          int SW, int PT, int PL, int accum)
{
    FLAT_ITEM_OR_RETURN(i, N * C * H * W);
    int ih, iw;
    int nc = unpack_hw(i, H, W, &ih, &iw);
    __global const float *g = dy + dy_off + (size_t)nc * OH * OW;
    int oh0 = max(0, (ih + PT - KH + SH) / SH), oh1 = min(OH - 1, (ih + PT) / SH);
    int ow0 = max(0, (iw + PL - KW + SW) / SW), ow1 = min(OW - 1, (iw + PL) / SW);
    float acc = 0.0f;
    for (int oh = oh0; oh <= oh1; oh++) {
        int hs = oh * SH - PT;
        if (ih < hs || ih >= hs + KH)
            continue;
        int cnt_h = min(hs + KH, H) - max(hs, 0);
        for (int ow = ow0; ow <= ow1; ow++) {
            int ws = ow * SW - PL;
            if (iw < ws || iw >= ws + KW)
                continue;
            int cnt = cnt_h * (min(ws + KW, W) - max(ws, 0));
            acc += g[oh * OW + ow] / (float)cnt;
        }
    }
    dx[dx_off + i] = accum ? dx[dx_off + i] + acc : acc;
}

/* One work-item per (n, c). */
__kernel void gpool_fwd(__global float *y, int y_off, __global const float *x, int x_off, int NC,
                        int HW, int is_max)
{
    FLAT_ITEM_OR_RETURN(i, NC);
    __global const float *xc = x + x_off + (size_t)i * HW;
    float r = is_max ? -INFINITY : 0.0f;
    for (int p = 0; p < HW; p++)
        r = is_max ? fmax(r, xc[p]) : r + xc[p];
    y[y_off + i] = is_max ? r : r / (float)HW;
}

__kernel void gpool_bwd(__global float *dx, int dx_off, __global const float *dy, int dy_off,
                        __global const float *x, int x_off, int NC, int HW, int is_max,
                        int accum)
{
    FLAT_ITEM_OR_RETURN(i, NC);
    __global const float *xc = x + x_off + (size_t)i * HW;
    __global float *d = dx + dx_off + (size_t)i * HW;
    float g = dy[dy_off + i];
    /* max: split equally among tied maxima, as TensorFlow's reduce_max gradient does */
    float m = xc[0];
    int ties = 1;
    if (is_max)
        for (int p = 1; p < HW; p++) {
            if (xc[p] > m) {
                m = xc[p];
                ties = 1;
            } else if (xc[p] == m) {
                ties++;
            }
        }
    float share = is_max ? g / (float)ties : g / (float)HW;
    for (int p = 0; p < HW; p++) {
        float v = (!is_max || xc[p] == m) ? share : 0.0f;
        d[p] = accum ? d[p] + v : v;
    }
}

/* Max-pool gradient for windows that do not overlap (stride >= window): one work-item per
 * window finds its first maximum and writes the whole window (dy at the maximum, 0 elsewhere),
 * adding to dx when accum. Pixels no window covers are left alone: the caller zeroes dx first
 * when it does not accumulate. Much faster than the gather kernel, which re-finds the maximum
 * of every window a pixel belongs to. */
__kernel void maxpool_bwd_disjoint(__global float *dx, int dx_off, __global const float *dy,
                                   int dy_off, __global const float *x, int x_off, int N, int C,
                                   int H, int W, int OH, int OW, int KH, int KW, int SH, int SW,
                                   int PT, int PL, int accum)
{
    FLAT_ITEM_OR_RETURN(i, N * C * OH * OW);
    int oh, ow;
    int nc = unpack_hw(i, OH, OW, &oh, &ow);
    __global const float *xc = x + x_off + (size_t)nc * H * W;
    __global float *d = dx + dx_off + (size_t)nc * H * W;
    int h0 = oh * SH - PT, w0 = ow * SW - PL;
    int arg = window_argmax(xc, H, W, h0, w0, KH, KW);
    float g = dy[dy_off + i];
    for (int kh = 0; kh < KH; kh++) {
        int hh = h0 + kh;
        if (hh < 0 || hh >= H)
            continue;
        for (int kw = 0; kw < KW; kw++) {
            int ww = w0 + kw;
            if (ww < 0 || ww >= W)
                continue;
            int p = hh * W + ww;
            float v = p == arg ? g : 0.0f;
            d[p] = accum ? d[p] + v : v;
        }
    }
}

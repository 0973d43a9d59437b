/* pool.cl — max / average pooling (windowed and global), forward and input gradient. Windows
 * have strides, dilation (taps every D) and pads; the output size (ceil_mode included) comes from
 * the host. Padding and overhanging positions never take part in max; average divides by the
 * in-bounds taps, or with include_pad by the taps inside the padded extent. */

__kernel void maxpool_fwd(__global float *y, int y_off, __global const float *x, int x_off,
                          int N, int C, int H, int W, int OH, int OW, int KH, int KW, int SH,
                          int SW, int DH, int DW, int PT, int PL)
{
    FLAT_ITEM_OR_RETURN(i, N * C * OH * OW);
    int oh, ow;
    int nc = unpack_hw(i, OH, OW, &oh, &ow);
    __global const float *xc = x + x_off + (size_t)nc * H * W;
    float m = -INFINITY;
    for (int kh = 0; kh < KH; kh++) {
        int ih = oh * SH - PT + kh * DH;
        if (ih < 0 || ih >= H)
            continue;
        for (int kw = 0; kw < KW; kw++) {
            int iw = ow * SW - PL + kw * DW;
            if (iw >= 0 && iw < W)
                m = fmax(m, xc[ih * W + iw]);
        }
    }
    y[y_off + i] = m;
}

/* Index (h * W + w) of the first maximum of the in-bounds taps of the window at (h0, w0), as
 * TensorFlow's MaxPoolGrad picks it; -1 for an empty window. */
inline int window_argmax(__global const float *xc, int H, int W, int h0, int w0, int KH, int KW,
                         int DH, int DW)
{
    float m = -INFINITY;
    int arg = -1;
    for (int kh = 0; kh < KH; kh++) {
        int hh = h0 + kh * DH;
        if (hh < 0 || hh >= H)
            continue;
        for (int kw = 0; kw < KW; kw++) {
            int ww = w0 + kw * DW;
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

/* The first and last output index whose window (start o * S - P, taps every D over a span of
 * (K - 1) * D + 1) can hold input position p; the caller checks the tap. */
inline int first_window(int p, int P, int K, int S, int D)
{
    return max(0, (p + P - (K - 1) * D - 1 + S) / S);
}

inline int last_window(int p, int P, int S, int O)
{
    return min(O - 1, (p + P) / S);
}

/* 1 when position p is a tap of the window starting at s. */
inline int is_tap(int p, int s, int K, int D)
{
    int t = p - s;
    return t >= 0 && t <= (K - 1) * D && t % D == 0;
}

/* The gradient of a window goes to its first maximum (row-major), as TensorFlow does. */
__kernel void maxpool_bwd(__global float *dx, int dx_off, __global const float *dy, int dy_off,
                          __global const float *x, int x_off, int N, int C, int H, int W, int OH,
                          int OW, int KH, int KW, int SH, int SW, int DH, int DW, int PT, int PL,
                          int accum)
{
    FLAT_ITEM_OR_RETURN(i, N * C * H * W);
    int ih, iw;
    int nc = unpack_hw(i, H, W, &ih, &iw);
    __global const float *xc = x + x_off + (size_t)nc * H * W;
    __global const float *g = dy + dy_off + (size_t)nc * OH * OW;
    int oh0 = first_window(ih, PT, KH, SH, DH), oh1 = last_window(ih, PT, SH, OH);
    int ow0 = first_window(iw, PL, KW, SW, DW), ow1 = last_window(iw, PL, SW, OW);
    float acc = 0.0f;
    for (int oh = oh0; oh <= oh1; oh++) {
        for (int ow = ow0; ow <= ow1; ow++) {
            int h0 = oh * SH - PT, w0 = ow * SW - PL;
            if (!is_tap(ih, h0, KH, DH) || !is_tap(iw, w0, KW, DW))
                continue;
            if (window_argmax(xc, H, W, h0, w0, KH, KW, DH, DW) == ih * W + iw)
                acc += g[oh * OW + ow];
        }
    }
    dx[dx_off + i] = accum ? dx[dx_off + i] + acc : acc;
}

/* Taps of a window starting at s (every D, K of them) inside [lo, hi). */
inline int taps_inside(int s, int K, int D, int lo, int hi)
{
    int n = 0;
    for (int k = 0; k < K; k++) {
        int p = s + k * D;
        n += p >= lo && p < hi;
    }
    return n;
}

/* The divisor of the window at (hs, ws): its in-bounds taps, or with include_pad its taps
 * inside the padded extent [-PT, H + PB) x [-PL, W + PR) (ceil_mode windows overhang it). */
inline int avg_count(int hs, int ws, int H, int W, int KH, int KW, int DH, int DW, int PT,
                     int PL, int PB, int PR, int include_pad)
{
    if (include_pad)
        return taps_inside(hs, KH, DH, -PT, H + PB) * taps_inside(ws, KW, DW, -PL, W + PR);
    return taps_inside(hs, KH, DH, 0, H) * taps_inside(ws, KW, DW, 0, W);
}

__kernel void avgpool_fwd(__global float *y, int y_off, __global const float *x, int x_off,
                          int N, int C, int H, int W, int OH, int OW, int KH, int KW, int SH,
                          int SW, int DH, int DW, int PT, int PL, int PB, int PR, int include_pad)
{
    FLAT_ITEM_OR_RETURN(i, N * C * OH * OW);
    int oh, ow;
    int nc = unpack_hw(i, OH, OW, &oh, &ow);
    __global const float *xc = x + x_off + (size_t)nc * H * W;
    int hs = oh * SH - PT, ws = ow * SW - PL;
    float s = 0.0f;
    for (int kh = 0; kh < KH; kh++) {
        int ih = hs + kh * DH;
        if (ih < 0 || ih >= H)
            continue;
        for (int kw = 0; kw < KW; kw++) {
            int iw = ws + kw * DW;
            if (iw >= 0 && iw < W)
                s += xc[ih * W + iw];
        }
    }
    int cnt = avg_count(hs, ws, H, W, KH, KW, DH, DW, PT, PL, PB, PR, include_pad);
    y[y_off + i] = cnt > 0 ? s / (float)cnt : 0.0f;
}

__kernel void avgpool_bwd(__global float *dx, int dx_off, __global const float *dy, int dy_off,
                          int N, int C, int H, int W, int OH, int OW, int KH, int KW, int SH,
                          int SW, int DH, int DW, int PT, int PL, int PB, int PR, int include_pad,
                          int accum)
{
    FLAT_ITEM_OR_RETURN(i, N * C * H * W);
    int ih, iw;
    int nc = unpack_hw(i, H, W, &ih, &iw);
    __global const float *g = dy + dy_off + (size_t)nc * OH * OW;
    int oh0 = first_window(ih, PT, KH, SH, DH), oh1 = last_window(ih, PT, SH, OH);
    int ow0 = first_window(iw, PL, KW, SW, DW), ow1 = last_window(iw, PL, SW, OW);
    float acc = 0.0f;
    for (int oh = oh0; oh <= oh1; oh++) {
        int hs = oh * SH - PT;
        if (!is_tap(ih, hs, KH, DH))
            continue;
        for (int ow = ow0; ow <= ow1; ow++) {
            int ws = ow * SW - PL;
            if (!is_tap(iw, ws, KW, DW))
                continue;
            int cnt = avg_count(hs, ws, H, W, KH, KW, DH, DW, PT, PL, PB, PR, include_pad);
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

/* Max-pool gradient for windows that do not overlap (stride >= window span): one work-item per
 * window finds its first maximum and writes the whole window (dy at the maximum, 0 elsewhere),
 * adding to dx when accum. Pixels no window covers are left alone: the caller zeroes dx first
 * when it does not accumulate. Much faster than the gather kernel, which re-finds the maximum
 * of every window a pixel belongs to. */
__kernel void maxpool_bwd_disjoint(__global float *dx, int dx_off, __global const float *dy,
                                   int dy_off, __global const float *x, int x_off, int N, int C,
                                   int H, int W, int OH, int OW, int KH, int KW, int SH, int SW,
                                   int DH, int DW, int PT, int PL, int accum)
{
    FLAT_ITEM_OR_RETURN(i, N * C * OH * OW);
    int oh, ow;
    int nc = unpack_hw(i, OH, OW, &oh, &ow);
    __global const float *xc = x + x_off + (size_t)nc * H * W;
    __global float *d = dx + dx_off + (size_t)nc * H * W;
    int h0 = oh * SH - PT, w0 = ow * SW - PL;
    int arg = window_argmax(xc, H, W, h0, w0, KH, KW, DH, DW);
    float g = dy[dy_off + i];
    for (int kh = 0; kh < KH; kh++) {
        int hh = h0 + kh * DH;
        if (hh < 0 || hh >= H)
            continue;
        for (int kw = 0; kw < KW; kw++) {
            int ww = w0 + kw * DW;
            if (ww < 0 || ww >= W)
                continue;
            int p = hh * W + ww;
            float v = p == arg ? g : 0.0f;
            d[p] = accum ? d[p] + v : v;
        }
    }
}

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

/* ---- max pool 2x2, stride 2, no padding or dilation (VGG's, the book's convnet's): one
 * work-item per output row, four windows per step from two float8 row loads. The same results
 * as maxpool_fwd / maxpool_bwd_disjoint (same tap order, same first maximum), without their
 * per-pixel index arithmetic, and the backward writes every input pixel itself (no fill). ---- */

/* Max of the window in maxpool_fwd's order: fmax over (0,0), (0,1), (1,0), (1,1). */
__kernel void maxpool2_fwd(__global float *y, int y_off, __global const float *x, int x_off,
                           int NC, int H, int W, int OH, int OW)
{
    FLAT_ITEM_OR_RETURN(i, NC * OH);
    int oh = i % OH, nc = i / OH;
    __global const float *x0 = x + x_off + ((size_t)nc * H + 2 * oh) * W, *x1 = x0 + W;
    __global float *yr = y + y_off + (size_t)i * OW;
    int ow = 0;
    for (; ow + 4 <= OW; ow += 4) {
        float8 a = vload8(0, x0 + 2 * ow), b = vload8(0, x1 + 2 * ow);
        vstore4(fmax(fmax(fmax(a.even, a.odd), b.even), b.odd), 0, yr + ow);
    }
    for (; ow < OW; ow++)
        yr[ow] = fmax(fmax(fmax(x0[2 * ow], x0[2 * ow + 1]), x1[2 * ow]), x1[2 * ow + 1]);
}

/* dx (or dx +=, accum) gets each window's dy at its first maximum (row-major, as
 * window_argmax), times act_grad of that maximum when act is not linear: the gradient through
 * the activation whose output x is, fused (x = y of the conv / dense before the pool). Pixels
 * of an odd last row or column (no window) get 0. */
__kernel void maxpool2_bwd(__global float *dx, int dx_off, __global const float *dy, int dy_off,
                           __global const float *x, int x_off, int NC, int H, int W, int OH,
                           int OW, int act, float act_max, int accum)
{
    FLAT_ITEM_OR_RETURN(i, NC * OH);
    int oh = i % OH, nc = i / OH;
    size_t r = ((size_t)nc * H + 2 * oh) * W;
    __global const float *x0 = x + x_off + r, *x1 = x0 + W;
    __global float *d0 = dx + dx_off + r, *d1 = d0 + W;
    __global const float *g = dy + dy_off + (size_t)i * OW;
    int ow = 0;
    for (; ow + 4 <= OW; ow += 4) {
        float8 a = vload8(0, x0 + 2 * ow), b = vload8(0, x1 + 2 * ow);
        float4 gv = vload4(0, g + ow);
        float4 m = a.even;
        int4 k = (int4)(0), t = isgreater(a.odd, m);
        m = select(m, a.odd, t);
        k = select(k, (int4)(1), t);
        t = isgreater(b.even, m);
        m = select(m, b.even, t);
        k = select(k, (int4)(2), t);
        t = isgreater(b.odd, m);
        m = select(m, b.odd, t);
        k = select(k, (int4)(3), t);
        if (act != ACT_LINEAR)
            gv *= (float4)(act_grad(m.s0, act, act_max), act_grad(m.s1, act, act_max),
                           act_grad(m.s2, act, act_max), act_grad(m.s3, act, act_max));
        float4 z = (float4)(0.0f);
        float4 g0 = select(z, gv, k == 0), g1 = select(z, gv, k == 1);
        float4 g2 = select(z, gv, k == 2), g3 = select(z, gv, k == 3);
        float8 o0 = (float8)(g0.s0, g1.s0, g0.s1, g1.s1, g0.s2, g1.s2, g0.s3, g1.s3);
        float8 o1 = (float8)(g2.s0, g3.s0, g2.s1, g3.s1, g2.s2, g3.s2, g2.s3, g3.s3);
        if (accum) {
            o0 += vload8(0, d0 + 2 * ow);
            o1 += vload8(0, d1 + 2 * ow);
        }
        vstore8(o0, 0, d0 + 2 * ow);
        vstore8(o1, 0, d1 + 2 * ow);
    }
    for (; ow < OW; ow++) {
        int c = 2 * ow;
        float v[4] = {x0[c], x0[c + 1], x1[c], x1[c + 1]}, m = v[0];
        int k = 0;
        for (int j = 1; j < 4; j++)
            if (v[j] > m) {
                m = v[j];
                k = j;
            }
        float gk = g[ow];
        if (act != ACT_LINEAR)
            gk *= act_grad(m, act, act_max);
        float o[4];
        for (int j = 0; j < 4; j++)
            o[j] = j == k ? gk : 0.0f;
        if (accum) {
            o[0] += d0[c], o[1] += d0[c + 1], o[2] += d1[c], o[3] += d1[c + 1];
        }
        d0[c] = o[0], d0[c + 1] = o[1], d1[c] = o[2], d1[c + 1] = o[3];
    }
    if (!accum) {
        for (int c = 2 * OW; c < W; c++) /* odd width: the last column */
            d0[c] = d1[c] = 0.0f;
        if (oh == OH - 1) /* odd height: the last row */
            for (int c = 0; c < W && 2 * OH < H; c++)
                d1[W + c] = 0.0f;
    }
}

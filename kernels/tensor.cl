/* tensor.cl — data movement and per-channel ops: zero padding, scale/shift (batch norm), add,
 * copy, concatenation, Keras-order reshape, fill; forward and input gradient. */

__kernel void zeropad_fwd(__global float *y, int y_off, __global const float *x, int x_off,
                          int NC, int H, int W, int OH, int OW, int PT, int PL)
{
    int i = get_global_id(0);
    if (i >= NC * OH * OW)
        return;
    int ow = i % OW;
    int t = i / OW;
    int oh = t % OH;
    int nc = t / OH;
    int ih = oh - PT, iw = ow - PL;
    y[y_off + i] = (ih >= 0 && ih < H && iw >= 0 && iw < W)
                       ? x[x_off + ((size_t)nc * H + ih) * W + iw]
                       : 0.0f;
}

__kernel void zeropad_bwd(__global float *dx, int dx_off, __global const float *dy, int dy_off,
                          int NC, int H, int W, int OH, int OW, int PT, int PL, int accum)
{
    int i = get_global_id(0);
    if (i >= NC * H * W)
        return;
    int iw = i % W;
    int t = i / W;
    int ih = t % H;
    int nc = t / H;
    float g = dy[dy_off + ((size_t)nc * OH + ih + PT) * OW + iw + PL];
    dx[dx_off + i] = accum ? dx[dx_off + i] + g : g;
}

__kernel void scale_shift_fwd(__global float *y, int y_off, __global const float *x, int x_off,
                              __global const float *scale, __global const float *shift, int n,
                              int C, int HW)
{
    int i = get_global_id(0);
    if (i >= n)
        return;
    int c = (i / HW) % C;
    y[y_off + i] = x[x_off + i] * scale[c] + shift[c];
}

__kernel void scale_shift_bwd(__global float *dx, int dx_off, __global const float *dy,
                              int dy_off, __global const float *scale, int n, int C, int HW,
                              int accum)
{
    int i = get_global_id(0);
    if (i >= n)
        return;
    float g = dy[dy_off + i] * scale[(i / HW) % C];
    dx[dx_off + i] = accum ? dx[dx_off + i] + g : g;
}

__kernel void add_fwd(__global float *y, int y_off, __global const float *a, int a_off,
                      __global const float *b, int b_off, int n)
{
    int i = get_global_id(0);
    if (i >= n)
        return;
    y[y_off + i] = a[a_off + i] + b[b_off + i];
}

__kernel void copy_accum(__global float *dst, int dst_off, __global const float *src, int src_off,
                         int n, int accum)
{
    int i = get_global_id(0);
    if (i >= n)
        return;
    float v = src[src_off + i];
    dst[dst_off + i] = accum ? dst[dst_off + i] + v : v;
}

/* x (N, C, HW) goes to channels c0 .. c0 + C of y (N, YC, HW). */
__kernel void concat_fwd(__global float *y, int y_off, __global const float *x, int x_off, int N,
                         int C, int HW, int YC, int c0)
{
    int i = get_global_id(0);
    if (i >= N * C * HW)
        return;
    int p = i % HW;
    int t = i / HW;
    int c = t % C;
    int n = t / C;
    y[y_off + ((size_t)n * YC + c0 + c) * HW + p] = x[x_off + i];
}

__kernel void concat_bwd(__global float *dx, int dx_off, __global const float *dy, int dy_off,
                         int N, int C, int HW, int YC, int c0, int accum)
{
    int i = get_global_id(0);
    if (i >= N * C * HW)
        return;
    int p = i % HW;
    int t = i / HW;
    int c = t % C;
    int n = t / C;
    float g = dy[dy_off + ((size_t)n * YC + c0 + c) * HW + p];
    dx[dx_off + i] = accum ? dx[dx_off + i] + g : g;
}

/* Keras reshape on NCHW storage: element f of an item in NHWC order is (h, w, c) with
 * f = (h * W + w) * C + c, for the source and the target shape alike. */
__kernel void reshape_fwd(__global float *y, int y_off, __global const float *x, int x_off, int N,
                          int C1, int H1, int W1, int C2, int H2, int W2)
{
    int i = get_global_id(0);
    int per = C2 * H2 * W2;
    if (i >= N * per)
        return;
    int n = i / per, r = i % per;
    int w2 = r % W2, h2 = (r / W2) % H2, c2 = r / (W2 * H2);
    int f = (h2 * W2 + w2) * C2 + c2;
    int c1 = f % C1, w1 = (f / C1) % W1, h1 = f / (C1 * W1);
    y[y_off + i] = x[x_off + (size_t)n * per + (c1 * H1 + h1) * W1 + w1];
}

__kernel void reshape_bwd(__global float *dx, int dx_off, __global const float *dy, int dy_off,
                          int N, int C1, int H1, int W1, int C2, int H2, int W2, int accum)
{
    int i = get_global_id(0);
    int per = C1 * H1 * W1;
    if (i >= N * per)
        return;
    int n = i / per, r = i % per;
    int w1 = r % W1, h1 = (r / W1) % H1, c1 = r / (W1 * H1);
    int f = (h1 * W1 + w1) * C1 + c1;
    int c2 = f % C2, w2 = (f / C2) % W2, h2 = f / (C2 * W2);
    float g = dy[dy_off + (size_t)n * per + (c2 * H2 + h2) * W2 + w2];
    dx[dx_off + i] = accum ? dx[dx_off + i] + g : g;
}

__kernel void fill(__global float *y, int y_off, int n, float value)
{
    int i = get_global_id(0);
    if (i >= n)
        return;
    y[y_off + i] = value;
}

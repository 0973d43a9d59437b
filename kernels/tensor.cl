/* tensor.cl — data movement and per-channel ops: zero padding, scale/shift (batch norm), add,
 * copy, concatenation, Keras-order reshape, repeat, fill; forward and input gradient. */

__kernel void zeropad_fwd(__global float *y, int y_off, __global const float *x, int x_off,
                          int NC, int H, int W, int OH, int OW, int PT, int PL)
{
    FLAT_ITEM_OR_RETURN(i, NC * OH * OW);
    int oh, ow;
    int nc = unpack_hw(i, OH, OW, &oh, &ow);
    int ih = oh - PT, iw = ow - PL;
    y[y_off + i] = (ih >= 0 && ih < H && iw >= 0 && iw < W)
                       ? x[x_off + ((size_t)nc * H + ih) * W + iw]
                       : 0.0f;
}

__kernel void zeropad_bwd(__global float *dx, int dx_off, __global const float *dy, int dy_off,
                          int NC, int H, int W, int OH, int OW, int PT, int PL, int accum)
{
    FLAT_ITEM_OR_RETURN(i, NC * H * W);
    int ih, iw;
    int nc = unpack_hw(i, H, W, &ih, &iw);
    float g = dy[dy_off + ((size_t)nc * OH + ih + PT) * OW + iw + PL];
    dx[dx_off + i] = accum ? dx[dx_off + i] + g : g;
}

__kernel void scale_shift_fwd(__global float *y, int y_off, __global const float *x, int x_off,
                              __global const float *scale, __global const float *shift, int n,
                              int C, int HW)
{
    FLAT_ITEM_OR_RETURN(i, n);
    int c = (i / HW) % C;
    y[y_off + i] = x[x_off + i] * scale[c] + shift[c];
}

__kernel void scale_shift_bwd(__global float *dx, int dx_off, __global const float *dy,
                              int dy_off, __global const float *scale, int n, int C, int HW,
                              int accum)
{
    FLAT_ITEM_OR_RETURN(i, n);
    float g = dy[dy_off + i] * scale[(i / HW) % C];
    dx[dx_off + i] = accum ? dx[dx_off + i] + g : g;
}

__kernel void add_fwd(__global float *y, int y_off, __global const float *a, int a_off,
                      __global const float *b, int b_off, int n)
{
    FLAT_ITEM_OR_RETURN(i, n);
    y[y_off + i] = a[a_off + i] + b[b_off + i];
}

__kernel void copy_accum(__global float *dst, int dst_off, __global const float *src, int src_off,
                         int n, int accum)
{
    FLAT_ITEM_OR_RETURN(i, n);
    float v = src[src_off + i];
    dst[dst_off + i] = accum ? dst[dst_off + i] + v : v;
}

/* x (N, C, HW) goes to channels c0 .. c0 + C of y (N, YC, HW). */
__kernel void concat_fwd(__global float *y, int y_off, __global const float *x, int x_off, int N,
                         int C, int HW, int YC, int c0)
{
    FLAT_ITEM_OR_RETURN(i, N * C * HW);
    int c, p; /* [N][C][HW] read as [..][H = C][W = HW] */
    int n = unpack_hw(i, C, HW, &c, &p);
    y[y_off + ((size_t)n * YC + c0 + c) * HW + p] = x[x_off + i];
}

__kernel void concat_bwd(__global float *dx, int dx_off, __global const float *dy, int dy_off,
                         int N, int C, int HW, int YC, int c0, int accum)
{
    FLAT_ITEM_OR_RETURN(i, N * C * HW);
    int c, p; /* [N][C][HW] read as [..][H = C][W = HW] */
    int n = unpack_hw(i, C, HW, &c, &p);
    float g = dy[dy_off + ((size_t)n * YC + c0 + c) * HW + p];
    dx[dx_off + i] = accum ? dx[dx_off + i] + g : g;
}

/* Keras reshape on NCHW storage: element f of an item in NHWC order is (h, w, c) with
 * f = (h * W + w) * C + c, for the source and the target shape alike. */
__kernel void reshape_fwd(__global float *y, int y_off, __global const float *x, int x_off, int N,
                          int C1, int H1, int W1, int C2, int H2, int W2)
{
    int per = C2 * H2 * W2;
    FLAT_ITEM_OR_RETURN(i, N * per);
    int n, c2, h2, w2, c1, w1;
    unpack_nchw(i, C2, H2, W2, &n, &c2, &h2, &w2);
    int f = (h2 * W2 + w2) * C2 + c2;
    int h1 = unpack_hw(f, W1, C1, &w1, &c1); /* f indexes [H1][W1][C1] */
    y[y_off + i] = x[x_off + (size_t)n * per + (c1 * H1 + h1) * W1 + w1];
}

__kernel void reshape_bwd(__global float *dx, int dx_off, __global const float *dy, int dy_off,
                          int N, int C1, int H1, int W1, int C2, int H2, int W2, int accum)
{
    int per = C1 * H1 * W1;
    FLAT_ITEM_OR_RETURN(i, N * per);
    int n, c1, h1, w1, c2, w2;
    unpack_nchw(i, C1, H1, W1, &n, &c1, &h1, &w1);
    int f = (h1 * W1 + w1) * C1 + c1;
    int h2 = unpack_hw(f, W2, C2, &w2, &c2); /* f indexes [H2][W2][C2] */
    float g = dy[dy_off + (size_t)n * per + (c2 * H2 + h2) * W2 + w2];
    dx[dx_off + i] = accum ? dx[dx_off + i] + g : g;
}

/* Every item of y (per floats each) is a copy of src[0 .. per). */
__kernel void repeat_items(__global float *y, int y_off, __global const float *src, int n, int per)
{
    FLAT_ITEM_OR_RETURN(i, n);
    y[y_off + i] = src[i % per];
}

__kernel void fill(__global float *y, int y_off, int n, float value)
{
    FLAT_ITEM_OR_RETURN(i, n);
    y[y_off + i] = value;
}

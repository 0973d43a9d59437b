/* conv_wino.cl — Winograd F(2x2, 3x3) convolution (3x3, stride 1, dilation 1, groups 1), forward
 * and input gradient (the same convolution on the transposed, flipped weights), in four steps
 * (src/ops/conv_wino.c runs them):
 *   1. conv2d_wino_wt: U = G g G^T per (output, input channel), once per weight set;
 *   2. conv2d_wino_in: V = B^T d B per 4 x 4 input tile (tiles overlap by 2), zeros outside the
 *      input (any pads, negative ones too: no padded copy);
 *   3. conv2d_wino_gemm: 16 independent products M[xi] = U[xi] (OC x C) V[xi] (C x tiles);
 *   4. conv2d_wino_out: Y = A^T M A per 2 x 2 output tile, bias and activation, or accumulation.
 * 16 multiplies per output tile and channel pair instead of the direct kernel's 36.
 *
 * Packed layouts (floats), with OB = ceil(OC / WINO_OC) channel blocks and TB = tiles / WINO_TB
 * tile blocks (the host pads the tile count to a multiple of WINO_TB):
 *   U[16][OB][C][WINO_OC]   V[16][TB][C][WINO_TB]   M[16][TB * WINO_TB][OB * WINO_OC]
 * so that the GEMM streams both operands contiguously. xi = 4 * row + column of the 4 x 4
 * transformed tile. Tiles are numbered over (n, tile row, tile column) of the output; the host
 * runs the tiles in chunks (t0: the chunk's first tile) so that V and M stay small.
 *
 * The matrices (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016):
 *   G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
 *   A^T = [1 1 1 0; 0 1 -1 -1] */
#if WINO_OC != 16 || WINO_TB != 6
#error "conv2d_wino_gemm is written for a 16-channel x 6-tile block (src/ops/tunables.h)"
#endif

/* One packed U element per work-item: total = OB * WINO_OC * CI, for TO output and CI input
 * channels of the convolution run. flip 0: the forward, TO = OC, CI = C, g = w[o][ci];
 * flip 1: the input gradient, TO = C, CI = OC, g = w[ci][o] rotated by 180 degrees. Channels
 * o >= TO are zero. w is OIHW [OC][C][3][3]. */
__kernel void conv2d_wino_wt(__global float *u, __global const float *w, int OC, int C, int flip,
                             int total)
{
    FLAT_ITEM_OR_RETURN(i, total);
    int to = flip ? C : OC, ci_n = flip ? OC : C;
    int j = i % WINO_OC, t = i / WINO_OC;
    int ci = t % ci_n, ob = t / ci_n, o = ob * WINO_OC + j, ocb = total / (WINO_OC * ci_n);
    float g[9];
    for (int k = 0; k < 9; k++) {
        float v = 0.0f;
        if (o < to)
            v = flip ? w[((size_t)ci * C + o) * 9 + (8 - k)] : w[((size_t)o * C + ci) * 9 + k];
        g[k] = v;
    }
    /* tmp = G g (4 x 3), then U = tmp G^T (4 x 4) */
    float tm[12];
    for (int c = 0; c < 3; c++) {
        float a = g[c], b = g[3 + c], d = g[6 + c];
        tm[c] = a;
        tm[3 + c] = 0.5f * (a + b + d);
        tm[6 + c] = 0.5f * (a - b + d);
        tm[9 + c] = d;
    }
    size_t plane = (size_t)ocb * ci_n * WINO_OC, at = ((size_t)ob * ci_n + ci) * WINO_OC + j;
    for (int r = 0; r < 4; r++) {
        float a = tm[3 * r], b = tm[3 * r + 1], d = tm[3 * r + 2];
        u[(4 * r + 0) * plane + at] = a;
        u[(4 * r + 1) * plane + at] = 0.5f * (a + b + d);
        u[(4 * r + 2) * plane + at] = 0.5f * (a - b + d);
        u[(4 * r + 3) * plane + at] = d;
    }
}

/* One tile of one channel per work-item, i = (tb * C + c) * WINO_TB + j over the chunk's TB
 * tile blocks: tile t0 + tb * WINO_TB + j (zeros past the T tiles), whose 4 x 4 input window
 * starts at row 2 * th - PT, column 2 * tw - PL of x (NCHW, N x C x H x W from x_off). */
__kernel void conv2d_wino_in(__global float *v, int v_off, __global const float *x, int x_off,
                             int C, int H, int W, int PT, int PL, int TH, int TW, int T, int t0,
                             int TB)
{
    FLAT_ITEM_OR_RETURN(i, TB * C * WINO_TB);
    int j = i % WINO_TB, r = i / WINO_TB;
    int c = r % C, tb = r / C;
    int g = t0 + tb * WINO_TB + j;
    float d[16];
    for (int k = 0; k < 16; k++)
        d[k] = 0.0f;
    if (g < T) {
        int tpi = TH * TW, n = g / tpi, q = g % tpi;
        int ih0 = 2 * (q / TW) - PT, iw0 = 2 * (q % TW) - PL;
        __global const float *xc = x + x_off + ((size_t)n * C + c) * H * W;
        for (int a = 0; a < 4; a++) {
            int ih = ih0 + a;
            if (ih < 0 || ih >= H)
                continue;
            for (int b = 0; b < 4; b++) {
                int iw = iw0 + b;
                if (iw >= 0 && iw < W)
                    d[4 * a + b] = xc[(size_t)ih * W + iw];
            }
        }
    }
    /* tmp = B^T d (rows), then V = tmp B (columns) */
    float tm[16];
    for (int b = 0; b < 4; b++) {
        float d0 = d[b], d1 = d[4 + b], d2 = d[8 + b], d3 = d[12 + b];
        tm[b] = d0 - d2;
        tm[4 + b] = d1 + d2;
        tm[8 + b] = d2 - d1;
        tm[12 + b] = d1 - d3;
    }
    size_t plane = (size_t)TB * C * WINO_TB;
    __global float *vp = v + v_off + ((size_t)tb * C + c) * WINO_TB + j;
    for (int a = 0; a < 4; a++) {
        float e0 = tm[4 * a], e1 = tm[4 * a + 1], e2 = tm[4 * a + 2], e3 = tm[4 * a + 3];
        vp[(4 * a + 0) * plane] = e0 - e2;
        vp[(4 * a + 1) * plane] = e1 + e2;
        vp[(4 * a + 2) * plane] = e2 - e1;
        vp[(4 * a + 3) * plane] = e1 - e3;
    }
}

#define WG_PX(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define WG_DECL(p) float8 a##p = 0.0f, b##p = 0.0f;
#define WG_FMA(p)                    \
    {                                \
        float8 xv = (float8)(vc[p]); \
        a##p = fma(xv, w0, a##p);    \
        b##p = fma(xv, w1, b##p);    \
    }

/* One block of 16 output channels x WINO_TB tiles of one xi per work-item (one work-item per
 * work-group on CPUs: the float8 code runs as written), 2 x 6 float8 accumulators as in
 * conv2d_blk. oc_inner: the channel block varies fastest (the tile block's V stays in cache),
 * else the tile block does (the channel block's U does). */
__kernel void conv2d_wino_gemm(__global float *m, int m_off, __global const float *u,
                               __global const float *v, int v_off, int C, int OB, int TB,
                               int oc_inner)
{
    FLAT_ITEM_OR_RETURN(i, 16 * OB * TB);
    int ob, tb;
    if (oc_inner) {
        ob = i % OB;
        i /= OB;
        tb = i % TB;
    } else {
        tb = i % TB;
        i /= TB;
        ob = i % OB;
    }
    int xi = i / (oc_inner ? TB : OB);
    __global const float *uc = u + ((size_t)xi * OB + ob) * C * WINO_OC;
    __global const float *vc = v + v_off + ((size_t)xi * TB + tb) * C * WINO_TB;
    WG_PX(WG_DECL)
    for (int c = 0; c < C; c++, uc += WINO_OC, vc += WINO_TB) {
        float8 w0 = vload8(0, uc), w1 = vload8(1, uc);
        WG_PX(WG_FMA)
    }
    int ocp = OB * WINO_OC;
    __global float *mp =
        m + m_off + ((size_t)xi * TB * WINO_TB + (size_t)tb * WINO_TB) * ocp + ob * WINO_OC;
#define WG_ST(p)                              \
    vstore8(a##p, 0, mp + (size_t)(p) * ocp); \
    vstore8(b##p, 1, mp + (size_t)(p) * ocp);
    WG_PX(WG_ST)
#undef WG_ST
}

/* One output channel of one tile per work-item, i = t * OC + o over the chunk's NT tiles
 * (t0 + t < T): Y = A^T M A, stored where inside OH x OW: y = act(Y + bias) or y += Y. */
__kernel void conv2d_wino_out(__global float *y, int y_off, __global const float *m, int m_off,
                              __global const float *bias, int has_bias, int OC, int OH, int OW,
                              int TH, int TW, int t0, int NT, int TB, int OB, int act,
                              float act_max, int accum)
{
    FLAT_ITEM_OR_RETURN(i, NT * OC);
    int o = i % OC, t = i / OC, g = t0 + t;
    size_t ocp = (size_t)OB * WINO_OC, plane = (size_t)TB * WINO_TB * ocp;
    __global const float *mp = m + m_off + (size_t)t * ocp + o;
    float e[16];
    for (int k = 0; k < 16; k++)
        e[k] = mp[k * plane];
    /* tmp = A^T e (2 x 4), then Y = tmp A (2 x 2) */
    float r0[4], r1[4];
    for (int b = 0; b < 4; b++) {
        r0[b] = e[b] + e[4 + b] + e[8 + b];
        r1[b] = e[4 + b] - e[8 + b] - e[12 + b];
    }
    float yv[4] = {r0[0] + r0[1] + r0[2], r0[1] - r0[2] - r0[3], r1[0] + r1[1] + r1[2],
                   r1[1] - r1[2] - r1[3]};
    int tpi = TH * TW, n = g / tpi, q = g % tpi;
    int oh0 = 2 * (q / TW), ow0 = 2 * (q % TW);
    float bv = has_bias ? bias[o] : 0.0f;
    __global float *yp = y + y_off + (((size_t)n * OC + o) * OH + oh0) * OW + ow0;
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
            if (oh0 + a >= OH || ow0 + b >= OW)
                continue;
            __global float *d = yp + (size_t)a * OW + b;
            if (accum)
                *d += yv[2 * a + b];
            else
                *d = act_apply(yv[2 * a + b] + bv, act, act_max);
        }
}

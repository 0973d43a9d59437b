/* conv_wino.cl — Winograd F(2x2, 3x3) convolution (3x3, stride 1, dilation 1, groups 1), forward
 * and input gradient (the same convolution on the transposed, rotated weights), in four steps
 * (src/ops/conv_wino.c runs them):
 *   1. conv2d_wino_wt: U = G g G^T per (output, input channel), once per weight set;
 *   2. conv2d_wino_in: V = B^T d B per 4 x 4 input tile (tiles overlap by 2), zeros outside the
 *      input (any pads, negative ones too: no padded copy);
 *   3. conv2d_wino_gemm: 16 independent products M[xi] = U[xi] (OC x C) V[xi] (C x tiles);
 *   4. conv2d_wino_out: Y = A^T M A per 2 x 2 output tile, bias and activation, or accumulation.
 * 16 multiplies per output tile and channel pair instead of the direct kernel's 36.
 *
 * Tiles: 2 x 2 output tiles numbered t = (n * TH + th) * TWP + tw, each tile row padded to TWP
 * (a multiple of 8) tiles, so that every 8 consecutive tiles (an octet) lie in one row: the
 * transforms work on octets in float8 lanes (the input columns of an octet are 18 consecutive
 * floats, its output columns 16). Tiles past TW in a row read zeros and are not stored.
 *
 * Packed layouts (floats), with OCB the GEMM's channel block (WINO_OC for conv2d_wino_gemm,
 * WINO_OC16 for conv2d_wino_gemm16), OB = ceil(OC / OCB) channel blocks, TB tile blocks of
 * WINO_TB tiles in the chunk the host runs (tile t0 on), NT = TB * WINO_TB:
 *   U[16][OB][C][OCB]   V[16][TB][C][WINO_TB]   M[16][OB * OCB][NT]
 * so that the GEMM streams both operands contiguously and stores tile vectors. xi = 4 * row +
 * column of the 4 x 4 transformed tile.
 *
 * The matrices (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016):
 *   G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
 *   A^T = [1 1 1 0; 0 1 -1 -1] */
#if WINO_OC != 6 || WINO_TB != 16 || WINO_OC16 != 24
#error "conv2d_wino_gemm(16) is written for 6 (24) channels x 16 tiles (src/ops/tunables.h)"
#endif

/* One packed U element per work-item: total = OB * OCB * CI, for TO output and CI input
 * channels of the convolution run. flip 0: the forward, TO = OC, CI = C, g = w[o][ci];
 * flip 1: the input gradient, TO = C, CI = OC, g = w[ci][o] rotated by 180 degrees. Channels
 * o >= TO are zero. w is OIHW [OC][C][3][3]. */
__kernel void conv2d_wino_wt(__global float *u, __global const float *w, int OC, int C, int flip,
                             int OCB, int total)
{
    FLAT_ITEM_OR_RETURN(i, total);
    int to = flip ? C : OC, ci_n = flip ? OC : C;
    int j = i % OCB, t = i / OCB;
    int ci = t % ci_n, ob = t / ci_n, o = ob * OCB + j, ocb = total / (OCB * ci_n);
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
    size_t plane = (size_t)ocb * ci_n * OCB, at = ((size_t)ob * ci_n + ci) * OCB + j;
    for (int r = 0; r < 4; r++) {
        float a = tm[3 * r], b = tm[3 * r + 1], d = tm[3 * r + 2];
        u[(4 * r + 0) * plane + at] = a;
        u[(4 * r + 1) * plane + at] = 0.5f * (a + b + d);
        u[(4 * r + 2) * plane + at] = 0.5f * (a - b + d);
        u[(4 * r + 3) * plane + at] = d;
    }
}

/* One octet of one channel per work-item, i = q * C + c over the chunk's NT / 8 octets: tiles
 * t0 + 8 q .. + 7 (zeros past the T tiles), whose input window starts at row 2 * th - PT,
 * column 2 * tw - PL of x (NCHW, N x C x H x W from x_off); written as V[xi][tb][c][lanes]. */
__kernel void conv2d_wino_in(__global float *v, int v_off, __global const float *x, int x_off,
                             int C, int H, int W, int PT, int PL, int TH, int TWP, int T, int t0,
                             int TB)
{
    FLAT_ITEM_OR_RETURN(i, TB * (WINO_TB / 8) * C);
    int c = i % C, q = i / C;
    int g = t0 + 8 * q;
    float8 d[16];
    for (int k = 0; k < 16; k++)
        d[k] = 0.0f;
    if (g < T) {
        int tpi = TH * TWP, n = g / tpi, r = g % tpi;
        int ih0 = 2 * (r / TWP) - PT, iw0 = 2 * (r % TWP) - PL;
        __global const float *xc = x + x_off + ((size_t)n * C + c) * H * W;
        int cols_inside = iw0 >= 0 && iw0 + 17 < W;
        for (int a = 0; a < 4; a++) {
            int ih = ih0 + a;
            if (ih < 0 || ih >= H)
                continue;
            __global const float *row = xc + (size_t)ih * W;
            float16 lo, hi;
            if (cols_inside) {
                lo = vload16(0, row + iw0);
                hi = vload16(0, row + iw0 + 2);
            } else {
                float s[18];
                for (int k = 0; k < 18; k++) {
                    int iw = iw0 + k;
                    float e = row[clamp(iw, 0, W - 1)];
                    s[k] = iw >= 0 && iw < W ? e : 0.0f;
                }
                lo = vload16(0, s);
                hi = vload16(0, s + 2);
            }
            d[4 * a] = lo.even;
            d[4 * a + 1] = lo.odd;
            d[4 * a + 2] = hi.even;
            d[4 * a + 3] = hi.odd;
        }
    }
    /* tmp = B^T d (rows), then V = tmp B (columns) */
    float8 tm[16];
    for (int b = 0; b < 4; b++) {
        float8 d0 = d[b], d1 = d[4 + b], d2 = d[8 + b], d3 = d[12 + b];
        tm[b] = d0 - d2;
        tm[4 + b] = d1 + d2;
        tm[8 + b] = d2 - d1;
        tm[12 + b] = d1 - d3;
    }
    size_t plane = (size_t)TB * C * WINO_TB;
    int tb = q / (WINO_TB / 8), side = q % (WINO_TB / 8);
    __global float *vp = v + v_off + ((size_t)tb * C + c) * WINO_TB + 8 * side;
    for (int a = 0; a < 4; a++) {
        float8 e0 = tm[4 * a], e1 = tm[4 * a + 1], e2 = tm[4 * a + 2], e3 = tm[4 * a + 3];
        vstore8(e0 - e2, 0, vp + (4 * a + 0) * plane);
        vstore8(e1 + e2, 0, vp + (4 * a + 1) * plane);
        vstore8(e2 - e1, 0, vp + (4 * a + 2) * plane);
        vstore8(e1 - e3, 0, vp + (4 * a + 3) * plane);
    }
}

/* The GEMMs' work-item i -> its channel block *ob, tile block *tb; returns xi. oc_inner: the
 * channel block varies fastest. */
inline int wg_unpack(int i, int OB, int TB, int oc_inner, int *ob, int *tb)
{
    if (oc_inner) {
        *ob = i % OB;
        i /= OB;
        *tb = i % TB;
        return i / TB;
    }
    *tb = i % TB;
    i /= TB;
    *ob = i % OB;
    return i / OB;
}

#define WG_OC(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define WG_DECL(k) float8 a##k = 0.0f, b##k = 0.0f;
#define WG_FMA(k)                    \
    {                                \
        float8 uv = (float8)(uc[k]); \
        a##k = fma(uv, v0, a##k);    \
        b##k = fma(uv, v1, b##k);    \
    }

/* One block of WINO_OC output channels x WINO_TB tiles of one xi per work-item (one work-item
 * per work-group on CPUs: the float8 code runs as written): 6 x 2 float8 accumulators (12 of
 * AVX2's 16 ymm registers), per input channel two tile vectors, six weight broadcasts, twelve
 * FMAs. oc_inner: the channel block varies fastest (the tile block's V stays in cache), else
 * the tile block does (the channel block's U does). */
__kernel void conv2d_wino_gemm(__global float *m, int m_off, __global const float *u,
                               __global const float *v, int v_off, int C, int OB, int TB,
                               int oc_inner)
{
    FLAT_ITEM_OR_RETURN(i, 16 * OB * TB);
    int ob, tb, xi = wg_unpack(i, OB, TB, oc_inner, &ob, &tb);
    __global const float *uc = u + ((size_t)xi * OB + ob) * C * WINO_OC;
    __global const float *vc = v + v_off + ((size_t)xi * TB + tb) * C * WINO_TB;
    WG_OC(WG_DECL)
    for (int c = 0; c < C; c++, uc += WINO_OC, vc += WINO_TB) {
        float8 v0 = vload8(0, vc), v1 = vload8(1, vc);
        WG_OC(WG_FMA)
    }
    size_t nt = (size_t)TB * WINO_TB;
    __global float *mp = m + m_off + ((size_t)xi * OB * WINO_OC + ob * WINO_OC) * nt +
                         (size_t)tb * WINO_TB;
#define WG_ST(k)                             \
    vstore8(a##k, 0, mp + (size_t)(k) * nt); \
    vstore8(b##k, 1, mp + (size_t)(k) * nt);
    WG_OC(WG_ST)
#undef WG_ST
}

#define WG16_OC(X)                                                                       \
    X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)   \
    X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23)
#define WG16_DECL(k) float16 a##k = 0.0f;
#define WG16_FMA(k) a##k = fma((float16)(uc[k]), v0, a##k);

/* The same GEMM for devices with 16-wide native float vectors (AVX-512: 32 registers): a block
 * of WINO_OC16 output channels x WINO_TB tiles per work-item in 24 float16 accumulators, per
 * input channel one tile vector and 24 weight broadcasts: 2.2x fewer bytes per FMA than the
 * 6 x 2 float8 block above. */
__kernel void conv2d_wino_gemm16(__global float *m, int m_off, __global const float *u,
                                 __global const float *v, int v_off, int C, int OB, int TB,
                                 int oc_inner)
{
    FLAT_ITEM_OR_RETURN(i, 16 * OB * TB);
    int ob, tb, xi = wg_unpack(i, OB, TB, oc_inner, &ob, &tb);
    __global const float *uc = u + ((size_t)xi * OB + ob) * C * WINO_OC16;
    __global const float *vc = v + v_off + ((size_t)xi * TB + tb) * C * WINO_TB;
    WG16_OC(WG16_DECL)
    for (int c = 0; c < C; c++, uc += WINO_OC16, vc += WINO_TB) {
        float16 v0 = vload16(0, vc);
        WG16_OC(WG16_FMA)
    }
    size_t nt = (size_t)TB * WINO_TB;
    __global float *mp = m + m_off + ((size_t)xi * OB * WINO_OC16 + ob * WINO_OC16) * nt +
                         (size_t)tb * WINO_TB;
#define WG16_ST(k) vstore16(a##k, 0, mp + (size_t)(k) * nt);
    WG16_OC(WG16_ST)
#undef WG16_ST
}

/* y = act(v + bias) or y += v, at yp (n floats there, at most 16) */
inline void wo_store(__global float *yp, float16 v, int n, float bv, int act, float act_max,
                     int accum)
{
    if (n == 16) {
        if (accum)
            vstore16(vload16(0, yp) + v, 0, yp);
        else
            vstore16(act_apply_float16(v + bv, act, act_max), 0, yp);
        return;
    }
    float s[16];
    vstore16(v, 0, s);
    for (int k = 0; k < n; k++)
        yp[k] = accum ? yp[k] + s[k] : act_apply(s[k] + bv, act, act_max);
}

/* One output channel of one octet per work-item, i = q * OC + o over the chunk's NQ octets:
 * Y = A^T M A for its 8 tiles (float8 lanes), stored where inside OH x OW: y = act(Y + bias)
 * or y += Y, each output row of the octet's tiles as up to 16 consecutive floats. */
__kernel void conv2d_wino_out(__global float *y, int y_off, __global const float *m, int m_off,
                              __global const float *bias, int has_bias, int OC, int OH, int OW,
                              int TH, int TWP, int t0, int NQ, int TB, int OCP, int act,
                              float act_max, int accum)
{
    FLAT_ITEM_OR_RETURN(i, NQ * OC);
    int o = i % OC, q = i / OC, g = t0 + 8 * q;
    size_t nt = (size_t)TB * WINO_TB, plane = (size_t)OCP * nt; /* OCP = OB * OCB */
    __global const float *mp = m + m_off + (size_t)o * nt + 8 * q;
    float8 e[16];
    for (int k = 0; k < 16; k++)
        e[k] = vload8(0, mp + k * plane);
    /* tmp = A^T e (2 x 4), then Y = tmp A (2 x 2) */
    float8 r0[4], r1[4];
    for (int b = 0; b < 4; b++) {
        r0[b] = e[b] + e[4 + b] + e[8 + b];
        r1[b] = e[4 + b] - e[8 + b] - e[12 + b];
    }
    int tpi = TH * TWP, n = g / tpi, r = g % tpi;
    int oh0 = 2 * (r / TWP), ow0 = 2 * (r % TWP);
    int nw = clamp(OW - ow0, 0, 16);
    float bv = has_bias ? bias[o] : 0.0f;
    __global float *yp = y + y_off + (((size_t)n * OC + o) * OH + oh0) * OW + ow0;
    const uint16 mix = (uint16)(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
    if (nw > 0) {
        wo_store(yp, shuffle2(r0[0] + r0[1] + r0[2], r0[1] - r0[2] - r0[3], mix), nw, bv, act,
                 act_max, accum);
        if (oh0 + 1 < OH)
            wo_store(yp + OW, shuffle2(r1[0] + r1[1] + r1[2], r1[1] - r1[2] - r1[3], mix), nw,
                     bv, act, act_max, accum);
    }
}

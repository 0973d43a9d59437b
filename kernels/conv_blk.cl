/* conv_blk.cl — register-blocked direct convolution on packed weights (groups 1), forward and
 * stride-1 input gradient, no padded copy of the input (the oneDNN direct-conv pattern).
 *
 * Weights are packed once (conv2d_pack, src/ops/conv_blk.c) as wp[ocb][c][kh][kw][CONV_BLK_OC]:
 * for each block of CONV_BLK_OC (16) output channels, every tap's 16 weights are contiguous, so
 * a tap is two aligned 8-wide vector loads. One work-item computes 16 output channels x
 * CONV_BLK_PX (6) consecutive output pixels of one row in 2 x 6 float8 accumulators (named
 * variables: 12 of AVX2's 16 ymm registers, plus 2 weight vectors and 1 input broadcast; the
 * 7-pixel tile spilled and ran slower); per tap: two weight vectors, six scalar input
 * broadcasts, twelve FMAs. Vectorised along output channels, so any output width, stride and
 * dilation keep the vectors full.
 *
 * Borders: a tile whose window stays inside the input reads it directly (no bounds checks);
 * an edge tile skips the rows outside the input and stages each row it reads in private memory
 * with zeros outside [0, W) (stride 1), or reads each column through a select (other strides),
 * so the zero padding (any pads, also negative ones for the input gradient) is never
 * materialised. Store: y = act(acc + bias), or y += acc (accum), written as NCHW. */
#if CONV_BLK_OC != 16 || CONV_BLK_PX != 6 || CONV_BLK_PX7 != 7
#error "conv2d_blk / conv2d_blk7 are written for 6- / 7-pixel x 16-channel tiles (tunables.h)"
#endif

/* The pixels of each tile, as X-macro lists */
#define CB_PX6(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define CB_PX7(X) CB_PX6(X) X(6)
#define CB_DECL(p) float8 a##p = 0.0f, b##p = 0.0f;
/* One tap for pixel p: input value V (a scalar expression), weight vectors w0, w1. */
#define CB_FMA(p, V)                 \
    {                                \
        float8 xv = (float8)(V);     \
        a##p = fma(xv, w0, a##p);    \
        b##p = fma(xv, w1, b##p);    \
    }

/* interior, stride 1: element p of row pointer xr */
#define CB_I1(p) CB_FMA(p, xr[p])
/* interior, any window: element p of row xr at column offset kw * DW, stride SW */
#define CB_IG(p) CB_FMA(p, xr[(p) * SW])
/* edge: column iw0 + p * SW + kw * DW, zero outside [0, W) (clamped address, then select) */
#define CB_EG(p)                                                           \
    {                                                                      \
        int iw = col + (p) * SW;                                           \
        float v = xr[clamp(iw, 0, W - 1)];                                 \
        CB_FMA(p, (iw >= 0 && iw < W) ? v : 0.0f)                          \
    }

/* Stores 8 output channels (oc0 .. oc0 + 7, those < OC) of pixel column yp (NCHW, channel
 * stride ys): bias added, activation or accumulation. */
inline void cb_store(__global float *yp, size_t ys, float8 v, float8 bias, int nc, int act,
                     float act_max, int accum)
{
    float t[8];
    if (accum) {
        vstore8(v, 0, t);
        for (int j = 0; j < nc; j++)
            yp[j * ys] += t[j];
    } else {
        vstore8(act_apply_float8(v + bias, act, act_max), 0, t);
        for (int j = 0; j < nc; j++)
            yp[j * ys] = t[j];
    }
}

/* 8 bias values from b[o0] on, 0 past OC (or without a bias) */
inline float8 cb_bias(__global const float *b, int has_bias, int o0, int OC)
{
    float t[8];
    for (int j = 0; j < 8; j++)
        t[j] = has_bias && o0 + j < OC ? b[o0 + j] : 0.0f;
    return vload8(0, t);
}

/* Stores pixel p of the tile (the output pointer yr, nv pixels of it inside the row, n0 / n1
 * channels in the two halves). */
#define CB_OUT(p)                                                                    \
    if (p < nv) {                                                                       \
        cb_store(yr + p, ys, a##p, bias0, n0, act, act_max, accum);                     \
        if (n1)                                                                         \
            cb_store(yr + p + 8 * ys, ys, b##p, bias1, n1, act, act_max, accum);        \
    }

/* The kernel for an NPX-pixel tile whose pixels are listed by LIST (CB_PX6 / CB_PX7): the
 * same code for both, one work-item per tile of 16 output channels x NPX pixels of one row. */
#define CB_KERNEL(NAME, LIST, NPX)                                                                 \
__kernel void NAME(__global float *y, int y_off, __global const float *x, int x_off,               \
                   __global const float *wp, __global const float *bias, int has_bias,             \
                   int N, int C, int H, int W, int OC, int OH, int OW, int KH, int KW,             \
                   int SH, int SW, int DH, int DW, int PT, int PL, int act, float act_max,         \
                   int accum, int OWT, int OCB, int oc_inner)                                      \
{                                                                                                  \
    /* one work-item per tile (order: unpack_tile, common.cl) */                                   \
    FLAT_ITEM_OR_RETURN(i, N * OH * OWT * OCB);                                                    \
    int ocb, owt;                                                                                  \
    i = unpack_tile(i, OWT, OCB, oc_inner, &owt, &ocb);                                            \
    int oh = i % OH, n = i / OH;                                                                   \
    int ow0 = owt * NPX, oc0 = ocb * CONV_BLK_OC;                                                  \
    int ih0 = oh * SH - PT, iw0 = ow0 * SW - PL;                                                   \
    int taps = KH * KW;                                                                            \
    size_t plane = (size_t)H * W;                                                                  \
    __global const float *wc = wp + (size_t)ocb * C * taps * CONV_BLK_OC;                          \
    __global const float *xn = x + x_off + (size_t)n * C * plane;                                  \
    LIST(CB_DECL)                                                                                  \
    int rows_inside = ih0 >= 0 && ih0 + (KH - 1) * DH < H;                                         \
    int cols_inside = iw0 >= 0 && iw0 + (NPX - 1) * SW + (KW - 1) * DW < W;                        \
    int inside = rows_inside && cols_inside;                                                       \
    if (cols_inside && SW == 1) {                                                                  \
        /* Stride 1, the columns inside: each tap's pixels at constant offsets from one row        \
         * pointer; rows outside the input (top / bottom tiles) skipped. The loops over kh and     \
         * kw stay loops (their trip counts are arguments): unrolled, the compiler would share     \
         * the input broadcasts between taps and spill accumulators (16 ymm registers on AVX2:     \
         * 12 accumulators, 2 weight vectors, 1 broadcast). */                                     \
        for (int c = 0; c < C; c++) {                                                              \
            for (int kh = 0; kh < KH; kh++) {                                                      \
                int ih = ih0 + kh * DH;                                                            \
                if (!rows_inside && (ih < 0 || ih >= H)) {                                         \
                    wc += KW * CONV_BLK_OC;                                                        \
                    continue;                                                                      \
                }                                                                                  \
                __global const float *xr = xn + c * plane + (size_t)ih * W + iw0;                  \
                for (int kw = 0; kw < KW; kw++, wc += CONV_BLK_OC, xr += DW) {                     \
                    float8 w0 = vload8(0, wc), w1 = vload8(1, wc);                                 \
                    LIST(CB_I1)                                                                    \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    } else if (inside) {                                                                           \
        __global const float *xc = xn + (size_t)ih0 * W + iw0;                                     \
        for (int c = 0; c < C; c++, xc += plane) {                                                 \
            for (int kh = 0; kh < KH; kh++) {                                                      \
                for (int kw = 0; kw < KW; kw++, wc += CONV_BLK_OC) {                               \
                    float8 w0 = vload8(0, wc), w1 = vload8(1, wc);                                 \
                    __global const float *xr = xc + kh * DH * W + kw * DW;                         \
                    LIST(CB_IG)                                                                    \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    } else if (SW == 1 && NPX + (KW - 1) * DW <= 32) {                                             \
        /* Edge tile, stride 1: each input row the tile reads is staged once in private memory     \
         * with zeros outside [0, W), then the taps read it as the interior does. */               \
        int span = NPX + (KW - 1) * DW;                                                            \
        float st[32];                                                                              \
        for (int c = 0; c < C; c++) {                                                              \
            for (int kh = 0; kh < KH; kh++) {                                                      \
                int ih = ih0 + kh * DH;                                                            \
                if (ih < 0 || ih >= H) {                                                           \
                    wc += KW * CONV_BLK_OC;                                                        \
                    continue;                                                                      \
                }                                                                                  \
                __global const float *row = xn + c * plane + (size_t)ih * W;                       \
                for (int q = 0; q < span; q++) {                                                   \
                    int iw = iw0 + q;                                                              \
                    float v = row[clamp(iw, 0, W - 1)];                                            \
                    st[q] = iw >= 0 && iw < W ? v : 0.0f;                                          \
                }                                                                                  \
                const float *xr = st;                                                              \
                for (int kw = 0; kw < KW; kw++, wc += CONV_BLK_OC, xr += DW) {                     \
                    float8 w0 = vload8(0, wc), w1 = vload8(1, wc);                                 \
                    LIST(CB_I1)                                                                    \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    } else {                                                                                       \
        for (int c = 0; c < C; c++) {                                                              \
            for (int kh = 0; kh < KH; kh++) {                                                      \
                int ih = ih0 + kh * DH;                                                            \
                if (ih < 0 || ih >= H) {                                                           \
                    wc += KW * CONV_BLK_OC;                                                        \
                    continue;                                                                      \
                }                                                                                  \
                __global const float *xr = xn + c * plane + (size_t)ih * W;                        \
                for (int kw = 0; kw < KW; kw++, wc += CONV_BLK_OC) {                               \
                    float8 w0 = vload8(0, wc), w1 = vload8(1, wc);                                 \
                    int col = iw0 + kw * DW;                                                       \
                    LIST(CB_EG)                                                                    \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    float8 bias0 = cb_bias(bias, has_bias, oc0, OC), bias1 = cb_bias(bias, has_bias, oc0 + 8, OC); \
    size_t ys = (size_t)OH * OW;                                                                   \
    __global float *yr = y + y_off + (((size_t)n * OC + oc0) * OH + oh) * OW + ow0;                \
    int n0 = clamp(OC - oc0, 0, 8), n1 = clamp(OC - oc0 - 8, 0, 8);                                \
    int nv = min(NPX, OW - ow0);                                                                   \
    LIST(CB_OUT)                                                                                   \
}

/* 16 channels x 6 pixels: 12 accumulators, 2 weight vectors, 1 broadcast (15 of 16 ymm) */
CB_KERNEL(conv2d_blk, CB_PX6, 6)
/* 16 channels x 7 pixels (7 divides VGG16's 14 and 28 widths): 14 accumulators, so one of the
 * two weight vectors is read from memory by its FMAs (17 values for 16 ymm) */
CB_KERNEL(conv2d_blk7, CB_PX7, 7)

/* Packs OIHW weights w [OC][C][KH][KW] (forward, flip 0) into wp[ocb][c][kh][kw][16], zero for
 * channels past OC; the input gradient (flip 1) packs the transposed, flipped weights: its
 * "output channels" are the layer's C inputs and its "inputs" the OC outputs,
 * wp[cb][o][kh][kw][j] = w[o][cb * 16 + j][KH - 1 - kh][KW - 1 - kw]. One work-item per packed
 * element (total of them). */
__kernel void conv2d_blk_pack(__global float *wp, __global const float *w, int OC, int C, int KH,
                              int KW, int flip, int total)
{
    FLAT_ITEM_OR_RETURN(i, total);
    int taps = KH * KW;
    int to = flip ? C : OC, ti = flip ? OC : C; /* packed output / input channel counts */
    int j = i % CONV_BLK_OC, t = i / CONV_BLK_OC;
    int k = t % taps;
    t /= taps;
    int ci = t % ti, ob = t / ti;
    int oc = ob * CONV_BLK_OC + j;
    float v = 0.0f;
    if (oc < to) {
        if (flip)
            v = w[((size_t)ci * C + oc) * taps + (taps - 1 - k)];
        else
            v = w[((size_t)oc * C + ci) * taps + k];
    }
    wp[i] = v;
}

/* conv.cl — 2-D convolution (stride, dilation, explicit pads, groups), forward and input
 * gradient, NCHW activations, OIHW weights [oc][c / groups][kh][kw]. */

/* Reference path: one work-item per output element; any groups, dilation and padding. */
__kernel void conv2d_fwd(__global float *y, int y_off, __global const float *x, int x_off,
                         __global const float *w, __global const float *bias, int has_bias,
                         int N, int C, int H, int W, int OC, int OH, int OW, int KH, int KW,
                         int SH, int SW, int DH, int DW, int PT, int PL, int G, int act,
                         float act_max)
{
    FLAT_ITEM_OR_RETURN(i, N * OC * OH * OW);
    int n, oc, oh, ow;
    unpack_nchw(i, OC, OH, OW, &n, &oc, &oh, &ow);
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
    FLAT_ITEM_OR_RETURN(i, N * C * H * W);
    int n, c, ih, iw;
    unpack_nchw(i, C, H, W, &n, &c, &ih, &iw);
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

/* ---- Fast path (groups == 1): register-blocked direct convolution ------------------------------
 * Reads a zero-padded copy of the input (conv2d_pad), so the inner loop has no bounds checks:
 * xp is [N][C][Hp][Wp] with the top/left pads already applied, and Wp is wide enough for every
 * 16-pixel tile. Each work-item computes 8 output channels x 16 consecutive output pixels of one
 * row in eight float16 accumulators held in named variables (not an array: PoCL keeps those in
 * zmm registers). Per (c, kh, kw): one 16-wide input load, eight scalar weight broadcasts, eight
 * FMAs. Weights are addressed through strides, so the same kernel computes the stride-1 input
 * gradient (transposed, flipped weights: s_o <-> s_c swapped, negative s_kh / s_kw).
 * Output: y = act(acc + bias) (accum: y += acc). */
/* The tile comes from src/ops/tunables.h: pixels per work-item (CONV_FAST_PXB) are fixed by the
 * float16 accumulators, output channels per work-item (CONV_FAST_OCB) by the eight of them. */
#if CONV_FAST_PXB != 16 || CONV_FAST_OCB != 8
#error "conv2d_fast is written for a 16-pixel x 8-channel tile (src/ops/tunables.h)"
#endif

/* Copies x [N][C][H][W] (from x_off) into xp [N][C][Hp][Wp], shifted by (PT, PL), zero elsewhere. */
__kernel void conv2d_pad(__global float *xp, __global const float *x, int x_off, int NC, int H,
                         int W, int Hp, int Wp, int PT, int PL)
{
    int q = get_global_id(0);
    int r = get_global_id(1);
    if (q >= Wp || r >= NC * Hp)
        return;
    int nc = r / Hp, rh = r % Hp;
    int ih = rh - PT, iw = q - PL;
    float v = 0.0f;
    if (ih >= 0 && ih < H && iw >= 0 && iw < W)
        v = x[x_off + ((size_t)nc * H + ih) * W + iw];
    xp[(size_t)r * Wp + q] = v;
}

/* The 8-channel tile's weight pointers w0..w7 (channels past OC repeat the last one; their
 * results are not stored) from WB, and its accumulators a0..a7, zeroed. */
#define CF_TILE_START(WB, OC0, OC, S_O)                                                       \
    __global const float *w0 = (WB) + (size_t)min((OC0) + 0, (OC) - 1) * (S_O);              \
    __global const float *w1 = (WB) + (size_t)min((OC0) + 1, (OC) - 1) * (S_O);              \
    __global const float *w2 = (WB) + (size_t)min((OC0) + 2, (OC) - 1) * (S_O);              \
    __global const float *w3 = (WB) + (size_t)min((OC0) + 3, (OC) - 1) * (S_O);              \
    __global const float *w4 = (WB) + (size_t)min((OC0) + 4, (OC) - 1) * (S_O);              \
    __global const float *w5 = (WB) + (size_t)min((OC0) + 5, (OC) - 1) * (S_O);              \
    __global const float *w6 = (WB) + (size_t)min((OC0) + 6, (OC) - 1) * (S_O);              \
    __global const float *w7 = (WB) + (size_t)min((OC0) + 7, (OC) - 1) * (S_O);              \
    float16 a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f, a4 = 0.0f, a5 = 0.0f, a6 = 0.0f,     \
            a7 = 0.0f;

/* V times the tile's 8 weights at offset WI, into accumulators A0..A7 (A: a or b) */
#define CF_FMA8P(A, V, WI)                   \
    A##0 = fma((float16)(w0[WI]), V, A##0); \
    A##1 = fma((float16)(w1[WI]), V, A##1); \
    A##2 = fma((float16)(w2[WI]), V, A##2); \
    A##3 = fma((float16)(w3[WI]), V, A##3); \
    A##4 = fma((float16)(w4[WI]), V, A##4); \
    A##5 = fma((float16)(w5[WI]), V, A##5); \
    A##6 = fma((float16)(w6[WI]), V, A##6); \
    A##7 = fma((float16)(w7[WI]), V, A##7);
#define CF_FMA8(V, WI) CF_FMA8P(a, V, WI)

/* One tap of a 3x3 window: x row pointer P, weight offset (FL K) from each channel's pointer. */
#define CF_TAP(P, FL, K)                          \
    {                                             \
        float16 v = vload16(0, P);                \
        a0 = fma((float16)(w0[FL K]), v, a0);     \
        a1 = fma((float16)(w1[FL K]), v, a1);     \
        a2 = fma((float16)(w2[FL K]), v, a2);     \
        a3 = fma((float16)(w3[FL K]), v, a3);     \
        a4 = fma((float16)(w4[FL K]), v, a4);     \
        a5 = fma((float16)(w5[FL K]), v, a5);     \
        a6 = fma((float16)(w6[FL K]), v, a6);     \
        a7 = fma((float16)(w7[FL K]), v, a7);     \
    }
/* A whole 3x3 window for one input channel, weights at compile-time offsets (+: forward OIHW,
 * -: flipped for the input gradient). Keeps the integer registers to 8 weight pointers + x. */
#define CF_3X3(FL)                                                                          \
    CF_TAP(xc, FL, 0) CF_TAP(xc + 1, FL, 1) CF_TAP(xc + 2, FL, 2)                           \
    CF_TAP(xc + Wp, FL, 3) CF_TAP(xc + Wp + 1, FL, 4) CF_TAP(xc + Wp + 2, FL, 5)            \
    CF_TAP(xc + 2 * Wp, FL, 6) CF_TAP(xc + 2 * Wp + 1, FL, 7) CF_TAP(xc + 2 * Wp + 2, FL, 8)
#define CF_ADV(S) w0 += S; w1 += S; w2 += S; w3 += S; w4 += S; w5 += S; w6 += S; w7 += S;

inline void cf_store(__global float *yr, float16 v, float b, int n_valid, int act, float act_max,
                     int accum)
{
    v += (float16)(b);
    if (n_valid >= CONV_FAST_PXB) {
        if (accum)
            v += vload16(0, yr);
        else
            v = act_apply_float16(v, act, act_max);
        vstore16(v, 0, yr);
    } else {
        float t[CONV_FAST_PXB];
        vstore16(v, 0, t);
        for (int j = 0; j < n_valid; j++)
            yr[j] = accum ? yr[j] + t[j] : act_apply(t[j], act, act_max);
    }
}

__kernel void conv2d_fast(__global float *y, int y_off, __global const float *xp,
                          __global const float *w, int w_base, int s_o, int s_c, int s_kh,
                          int s_kw, __global const float *bias, int has_bias, int N, int C,
                          int Hp, int Wp, int OC, int OH, int OW, int KH, int KW, int SH, int SW,
                          int DH, int DW, int act, float act_max, int accum, int OWT, int OCT,
                          int oc_inner)
{
    /* One work-item per tile (order: unpack_tile, common.cl) */
    FLAT_ITEM_OR_RETURN(i, N * OH * OWT * OCT);
    int ocb, owt;
    i = unpack_tile(i, OWT, OCT, oc_inner, &owt, &ocb);
    int oh = i % OH, n = i / OH;
    int ow0 = owt * CONV_FAST_PXB, oc0 = ocb * CONV_FAST_OCB;
    CF_TILE_START(w + w_base, oc0, OC, s_o)
    size_t plane = (size_t)Hp * Wp;
    __global const float *xc = xp + (size_t)n * C * plane + (size_t)oh * SH * Wp + ow0 * SW;
    if (SW == 1 && KH == 3 && KW == 3 && DH == 1 && DW == 1 && s_kw == 1 && s_kh == 3) {
        for (int c = 0; c < C; c++, xc += plane) {
            CF_3X3(+)
            CF_ADV(s_c)
        }
    } else if (SW == 1 && KH == 3 && KW == 3 && DH == 1 && DW == 1 && s_kw == -1 && s_kh == -3) {
        for (int c = 0; c < C; c++, xc += plane) {
            CF_3X3(-)
            CF_ADV(s_c)
        }
    } else if (SW == 1) {
        for (int c = 0; c < C; c++, xc += plane) {
            int wc = c * s_c;
            for (int kh = 0; kh < KH; kh++) {
                __global const float *xr = xc + kh * DH * Wp;
                int wk = wc + kh * s_kh;
                for (int kw = 0; kw < KW; kw++) {
                    float16 v = vload16(0, xr + kw * DW);
                    CF_FMA8(v, wk + kw * s_kw)
                }
            }
        }
    } else { /* SW == 2 */
        for (int c = 0; c < C; c++, xc += plane) {
            int wc = c * s_c;
            for (int kh = 0; kh < KH; kh++) {
                __global const float *xr = xc + kh * DH * Wp;
                int wk = wc + kh * s_kh;
                for (int kw = 0; kw < KW; kw++) {
                    float16 v = (float16)(vload16(0, xr + kw * DW).even,
                                          vload16(1, xr + kw * DW).even);
                    CF_FMA8(v, wk + kw * s_kw)
                }
            }
        }
    }
    int nv = min(CONV_FAST_PXB, OW - ow0);
    __global float *yr = y + y_off + (((size_t)n * OC + oc0) * OH + oh) * OW + ow0;
    size_t ys = (size_t)OH * OW;
#define CF_OUT(k, A)                                                                          \
    if (oc0 + k < OC)                                                                         \
        cf_store(yr + k * ys, A, has_bias ? bias[oc0 + k] : 0.0f, nv, act, act_max, accum);
    CF_OUT(0, a0) CF_OUT(1, a1) CF_OUT(2, a2) CF_OUT(3, a3)
    CF_OUT(4, a4) CF_OUT(5, a5) CF_OUT(6, a6) CF_OUT(7, a7)
#undef CF_OUT
}

/* ---- conv2d_3x3: conv2d_fast's tile without the padded copy ------------------------------------
 * For 3x3 windows, stride 1, dilation 1, and either one pixel of zero padding on every side
 * (P = 1, "same": the output the input's size; VGG16's convs and their input gradients) or
 * none (P = 0, "valid": the output 2 smaller; the book's small convnet), outputs at least 16
 * pixels wide. Per input row of a tile the three taps' 16-wide vectors are unaligned loads at
 * ow0 - P + 0, 1, 2, as conv2d_fast's from the padded copy. With P = 1, in a tile at the left /
 * right border the lane that crossed it (the row before's last pixel, the next row's first) is
 * zeroed by a select, and rows above / below the image are skipped; those crossing loads stay
 * inside the tensor except in its very first and last rows: the work-items that read those
 * (first and last image, two output rows each) build the shifted vectors from the tile's own
 * in registers instead (slower: PoCL's compiler rebuilds such a shuffle of a load from
 * pieces). The ragged last tile of a row (OW not a multiple of 16) is moved left to end at the
 * row's end, so no load leaves the row, and stores only the pixels the tile before it did not.
 * flip: the input gradient (weights transposed and flipped: taps at w_base - k, see
 * conv2d_backward). */
inline void c3_store(__global float *yr, float16 v, float b, int skip, int act, float act_max,
                     int accum)
{
    if (skip == 0) {
        cf_store(yr, v, b, CONV_FAST_PXB, act, act_max, accum);
        return;
    }
    v += (float16)(b);
    float t[CONV_FAST_PXB];
    vstore16(v, 0, t);
    for (int j = skip; j < CONV_FAST_PXB; j++)
        yr[j] = accum ? yr[j] + t[j] : act_apply(t[j], act, act_max);
}

/* One input row R of the window (R points at the tile's first tap, column ow0 - P): taps
 * K .. K + 2. */
#define C3_ROWP(A, R, FL, K)                                                              \
    {                                                                                     \
        __global const float *r_ = (R);                                                   \
        float16 vl = select(vload16(0, r_), (float16)(0.0f), zl);                          \
        float16 v = vload16(0, r_ + 1);                                                   \
        float16 vr = select(vload16(0, r_ + 2), (float16)(0.0f), zr);                      \
        CF_FMA8P(A, vl, FL(K + 0)) CF_FMA8P(A, v, FL(K + 1)) CF_FMA8P(A, vr, FL(K + 2))   \
    }
#define C3_ROW(R, FL, K) C3_ROWP(a, R, FL, K)
/* The same (P = 1 only) with no load outside the row: the tile's own vector rotated by a
 * lane, the neighbour (zero past a border) put in the lane that wrapped around. */
#define C3_ROWP_SAFE(A, R, FL, K)                                                         \
    {                                                                                     \
        __global const float *r_ = (R) + 1;                                               \
        float16 v = vload16(0, r_);                                                       \
        float16 nl = (float16)(lb ? 0.0f : r_[-1]), nr = (float16)(rb ? 0.0f : r_[16]);    \
        float16 vl = select(shuffle(v, sl), nl, lane0);                                   \
        float16 vr = select(shuffle(v, sr), nr, lane15);                                  \
        CF_FMA8P(A, vl, FL(K + 0)) CF_FMA8P(A, v, FL(K + 1)) CF_FMA8P(A, vr, FL(K + 2))   \
    }
#define C3_ROW_SAFE(R, FL, K) C3_ROWP_SAFE(a, R, FL, K)
#define C3_FWD(K) K
#define C3_BWD(K) -(K)
/* xc: the window's top row (oh - P) at column ow0 - P, of input channel c */
#define C3_WINDOW(ROW, FL)                                        \
    for (int c = 0; c < C; c++, xc += plane) {                    \
        if (top)                                                  \
            ROW(xc, FL, 0)                                        \
        ROW(xc + W, FL, 3)                                        \
        if (bot)                                                  \
            ROW(xc + 2 * W, FL, 6)                                \
        CF_ADV(s_c)                                               \
    }

__kernel void conv2d_3x3(__global float *y, int y_off, __global const float *x, int x_off,
                         __global const float *w, int w_base, int s_o, int s_c, int flip,
                         __global const float *bias, int has_bias, int N, int C, int H, int W,
                         int P, int OC, int act, float act_max, int accum, int OWT, int OCT,
                         int oc_inner)
{
    int OH = H + 2 * P - 2, OW = W + 2 * P - 2;
    FLAT_ITEM_OR_RETURN(i, N * OH * OWT * OCT);
    int ocb, owt;
    i = unpack_tile(i, OWT, OCT, oc_inner, &owt, &ocb);
    int oh = i % OH, n = i / OH;
    int ow0 = min(owt * CONV_FAST_PXB, OW - CONV_FAST_PXB), oc0 = ocb * CONV_FAST_OCB;
    int skip = owt * CONV_FAST_PXB - ow0; /* pixels the tile before this one stored */
    int lb = P && ow0 == 0, rb = P && ow0 + CONV_FAST_PXB == OW;
    int top = !P || oh > 0, bot = !P || oh < OH - 1;
    ROT16_MASKS
    int16 zl = lb ? lane0 : (int16)(0), zr = rb ? lane15 : (int16)(0);
    /* rows whose crossing loads could leave the tensor: its first row (image 0, row 0, read by
     * output rows 0 and 1) and its last (last image, row H - 1) */
    int safe = (lb && n == 0 && oh <= 1) || (rb && n == N - 1 && oh >= OH - 2);
    CF_TILE_START(w + w_base, oc0, OC, s_o)
    size_t plane = (size_t)H * W;
    /* as an offset: with P = 1 the top row may be above the image (never read then) */
    __global const float *xc =
        x + (x_off + (long)n * C * plane + (long)(oh - P) * W + ow0 - P);
    if (safe && flip)
        C3_WINDOW(C3_ROW_SAFE, C3_BWD)
    else if (safe)
        C3_WINDOW(C3_ROW_SAFE, C3_FWD)
    else if (flip)
        C3_WINDOW(C3_ROW, C3_BWD)
    else
        C3_WINDOW(C3_ROW, C3_FWD)
    size_t oplane = (size_t)OH * OW;
    __global float *yr = y + y_off + (((size_t)n * OC + oc0) * OH + oh) * OW + ow0;
#define CF_OUT(k, A)                                                                          \
    if (oc0 + k < OC)                                                                         \
        c3_store(yr + k * oplane, A, has_bias ? bias[oc0 + k] : 0.0f, skip, act, act_max, accum);
    CF_OUT(0, a0) CF_OUT(1, a1) CF_OUT(2, a2) CF_OUT(3, a3)
    CF_OUT(4, a4) CF_OUT(5, a5) CF_OUT(6, a6) CF_OUT(7, a7)
#undef CF_OUT
}

/* ---- conv2d_3x3_r2: conv2d_3x3 for two output rows at a time ----------------------------------
 * The same tile, windows and borders as conv2d_3x3, for output rows oh0 and oh0 + 1 (16
 * accumulators: a for the first row, b for the second). Each kernel row's weights are loaded
 * once and used for both output rows (input rows oh0 - P + k and oh0 - P + k + 1), so a
 * work-item makes 0.62 loads per FMA where conv2d_3x3 makes 1.1: what a core with two
 * 512-bit FMA pipes and two vector loads a cycle (Zen 5) is bound by. With OH odd the last
 * pair is moved up one row and stores only its second (skiprow: the row the pair before
 * stored). OH >= 2. */
/* kernel row K of both output rows: input row RA for a, RB (the next) for b */
#define C3_ROW2(RA, RB, FL, K)                                                            \
    {                                                                                     \
        __global const float *ra_ = (RA), *rb_ = (RB);                                    \
        float16 al = select(vload16(0, ra_), (float16)(0.0f), zl);                         \
        float16 am = vload16(0, ra_ + 1);                                                 \
        float16 ar = select(vload16(0, ra_ + 2), (float16)(0.0f), zr);                     \
        float16 bl = select(vload16(0, rb_), (float16)(0.0f), zl);                         \
        float16 bm = vload16(0, rb_ + 1);                                                 \
        float16 br = select(vload16(0, rb_ + 2), (float16)(0.0f), zr);                     \
        C3_FMA2(al, bl, FL(K + 0)) C3_FMA2(am, bm, FL(K + 1)) C3_FMA2(ar, br, FL(K + 2))  \
    }
#define C3_FMA2_1(J, VA, VB, WI)          \
    {                                     \
        float16 t_ = (float16)(w##J[WI]); \
        a##J = fma(t_, VA, a##J);         \
        b##J = fma(t_, VB, b##J);         \
    }
#define C3_FMA2(VA, VB, WI)                                                               \
    C3_FMA2_1(0, VA, VB, WI) C3_FMA2_1(1, VA, VB, WI) C3_FMA2_1(2, VA, VB, WI)           \
    C3_FMA2_1(3, VA, VB, WI) C3_FMA2_1(4, VA, VB, WI) C3_FMA2_1(5, VA, VB, WI)           \
    C3_FMA2_1(6, VA, VB, WI) C3_FMA2_1(7, VA, VB, WI)
/* the guarded form (C3_ROWP_SAFE) for each output row in turn */
#define C3_ROW2_SAFE(RA, RB, FL, K) C3_ROWP_SAFE(a, RA, FL, K) C3_ROWP_SAFE(b, RB, FL, K)
/* xc: the top row of the first output row's window (oh0 - P) at column ow0 - P, channel c;
 * top: that row is inside the image, bot: the second output row's bottom one is */
#define C3_WINDOW2(ROW2, ROWP, FL)                                \
    for (int c = 0; c < C; c++, xc += plane) {                    \
        if (top) {                                                \
            ROW2(xc, xc + W, FL, 0)                               \
        } else {                                                  \
            ROWP(b, xc + W, FL, 0)                                \
        }                                                         \
        ROW2(xc + W, xc + 2 * W, FL, 3)                           \
        if (bot) {                                                \
            ROW2(xc + 2 * W, xc + 3 * W, FL, 6)                   \
        } else {                                                  \
            ROWP(a, xc + 2 * W, FL, 6)                            \
        }                                                         \
        CF_ADV(s_c)                                               \
    }

__kernel void conv2d_3x3_r2(__global float *y, int y_off, __global const float *x, int x_off,
                            __global const float *w, int w_base, int s_o, int s_c, int flip,
                            __global const float *bias, int has_bias, int N, int C, int H,
                            int W, int P, int OC, int act, float act_max, int accum, int OWT,
                            int OCT, int oc_inner)
{
    int OH = H + 2 * P - 2, OW = W + 2 * P - 2, OHT = (OH + 1) / 2;
    FLAT_ITEM_OR_RETURN(i, N * OHT * OWT * OCT);
    int ocb, owt;
    i = unpack_tile(i, OWT, OCT, oc_inner, &owt, &ocb);
    int oht = i % OHT, n = i / OHT;
    int oh0 = min(2 * oht, OH - 2), skiprow = 2 * oht - oh0;
    int ow0 = min(owt * CONV_FAST_PXB, OW - CONV_FAST_PXB), oc0 = ocb * CONV_FAST_OCB;
    int skip = owt * CONV_FAST_PXB - ow0;
    int lb = P && ow0 == 0, rb = P && ow0 + CONV_FAST_PXB == OW;
    int top = !P || oh0 > 0, bot = !P || oh0 + 1 < OH - 1;
    ROT16_MASKS
    int16 zl = lb ? lane0 : (int16)(0), zr = rb ? lane15 : (int16)(0);
    /* the pair reads the tensor's first row (image 0, row 0) from oh0 <= 1, its last (last
     * image, row H - 1) from oh0 >= OH - 3 */
    int safe = (lb && n == 0 && oh0 <= 1) || (rb && n == N - 1 && oh0 >= OH - 3);
    CF_TILE_START(w + w_base, oc0, OC, s_o)
    float16 b0 = 0.0f, b1 = 0.0f, b2 = 0.0f, b3 = 0.0f, b4 = 0.0f, b5 = 0.0f, b6 = 0.0f,
            b7 = 0.0f;
    size_t plane = (size_t)H * W;
    __global const float *xc =
        x + (x_off + (long)n * C * plane + (long)(oh0 - P) * W + ow0 - P);
    if (safe && flip)
        C3_WINDOW2(C3_ROW2_SAFE, C3_ROWP_SAFE, C3_BWD)
    else if (safe)
        C3_WINDOW2(C3_ROW2_SAFE, C3_ROWP_SAFE, C3_FWD)
    else if (flip)
        C3_WINDOW2(C3_ROW2, C3_ROWP, C3_BWD)
    else
        C3_WINDOW2(C3_ROW2, C3_ROWP, C3_FWD)
    size_t oplane = (size_t)OH * OW;
    __global float *yr = y + y_off + (((size_t)n * OC + oc0) * OH + oh0) * OW + ow0;
#define CF_OUT(k, A, B)                                                                       \
    if (oc0 + k < OC) {                                                                       \
        float bk = has_bias ? bias[oc0 + k] : 0.0f;                                           \
        if (!skiprow)                                                                         \
            c3_store(yr + k * oplane, A, bk, skip, act, act_max, accum);                      \
        c3_store(yr + k * oplane + OW, B, bk, skip, act, act_max, accum);                     \
    }
    CF_OUT(0, a0, b0) CF_OUT(1, a1, b1) CF_OUT(2, a2, b2) CF_OUT(3, a3, b3)
    CF_OUT(4, a4, b4) CF_OUT(5, a5, b5) CF_OUT(6, a6, b6) CF_OUT(7, a7, b7)
#undef CF_OUT
}

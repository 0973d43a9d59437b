/* lucid.cl — feature visualisation as Lucid does it (src/explain/lucid_*.c): the Fourier
 * parametrisation's inverse real 2-D DFT (a direct DFT per column, then per row, and their
 * adjoints), colour decorrelation + sigmoid, the transformation robustness resampler and its
 * adjoint, the regularisers' gradients and the optimisers. All NCHW, one work-item per output
 * value, no atomics: every adjoint is a gather.
 *
 * Spectrum layout per item (Lucid's (2, ch, h, w/2+1)): real plane [3][H][K], then imaginary
 * plane [3][H][K], K = W/2 + 1. Column pass output Z: [3][H][K][2] (re, im interleaved). */

/* tw: the tables of lucid_fft.c (lucid_fft_tables): exp(+i 2 pi e / H) for e < H as (cos, sin)
 * pairs, the same for W, then Lucid's 1/f scale per (j, k): 1 / max(|f|, 1 / max(H, W)) *
 * sqrt(H W), numpy's fftfreq frequencies, decay_power 1. */
#define TW_H(tw, e) ((float2)((tw)[2 * (e)], (tw)[2 * (e) + 1]))
#define TW_W(tw, H, e) ((float2)((tw)[2 * (H) + 2 * (e)], (tw)[2 * (H) + 2 * (e) + 1]))
#define TW_SCALE(tw, H, W, j, k) ((tw)[2 * (H) + 2 * (W) + (j) * ((W) / 2 + 1) + (k)])

/* Z[c][m][k] = (1/H) sum_j scale(j,k) * P[c][j][k] * exp(+i 2 pi j m / H). */
__kernel void lucid_ifft_cols(__global float *Z, __global const float *P,
                              __global const float *tw, int B, int H, int W)
{
    int K = W / 2 + 1;
    int total = B * 3 * H * K;
    FLAT_ITEM_OR_RETURN(i, total);
    int k = i % K, m = (i / K) % H, bc = i / (K * H), b = bc / 3, c = bc % 3;
    __global const float *pr = P + (size_t)b * 6 * H * K + (size_t)c * H * K + k;
    __global const float *pi = pr + (size_t)3 * H * K;
    float re = 0.0f, im = 0.0f;
    for (int j = 0; j < H; j++) {
        float s = TW_SCALE(tw, H, W, j, k);
        float a = pr[(size_t)j * K] * s, bb = pi[(size_t)j * K] * s;
        float2 t = TW_H(tw, (j * m) % H);
        re += a * t.x - bb * t.y;
        im += a * t.y + bb * t.x;
    }
    Z[(size_t)i * 2] = re / (float)H;
    Z[(size_t)i * 2 + 1] = im / (float)H;
}

/* numpy's irfft along the rows, then Lucid's / 4:
 * x[c][m][n] = (1/(4W)) sum_k w_k (Re Z cos - Im Z sin)(2 pi k n / W), w_0 = 1, w_{W/2} = 1
 * for even W, else 2 (the imaginary parts of DC and Nyquist drop out as in numpy). */
inline float lucid_wk(int k, int W)
{
    return (k == 0 || 2 * k == W) ? 1.0f : 2.0f;
}

__kernel void lucid_ifft_rows(__global float *X, __global const float *Z,
                              __global const float *tw, int B, int H, int W)
{
    int K = W / 2 + 1;
    int total = B * 3 * H * W;
    FLAT_ITEM_OR_RETURN(i, total);
    int n = i % W, row = i / W; /* row = (b*3 + c)*H + m */
    __global const float *z = Z + (size_t)row * K * 2;
    float acc = 0.0f;
    for (int k = 0; k < K; k++) {
        float2 t = TW_W(tw, H, (k * n) % W);
        acc += lucid_wk(k, W) * (z[2 * k] * t.x - z[2 * k + 1] * t.y);
    }
    X[i] = acc / (4.0f * (float)W);
}

/* Adjoint of lucid_ifft_rows: gZ[c][m][k] from gX. */
__kernel void lucid_ifft_rows_adj(__global float *gZ, __global const float *gX,
                                  __global const float *tw, int B, int H, int W)
{
    int K = W / 2 + 1;
    int total = B * 3 * H * K;
    FLAT_ITEM_OR_RETURN(i, total);
    int k = i % K, row = i / K;
    __global const float *g = gX + (size_t)row * W;
    float re = 0.0f, im = 0.0f;
    for (int n = 0; n < W; n++) {
        float2 t = TW_W(tw, H, (k * n) % W);
        re += g[n] * t.x;
        im -= g[n] * t.y;
    }
    float s = lucid_wk(k, W) / (4.0f * (float)W);
    gZ[(size_t)i * 2] = re * s;
    gZ[(size_t)i * 2 + 1] = im * s;
}

/* Adjoint of lucid_ifft_cols: gP from gZ. */
__kernel void lucid_ifft_cols_adj(__global float *gP, __global const float *gZ,
                                  __global const float *tw, int B, int H, int W)
{
    int K = W / 2 + 1;
    int total = B * 3 * H * K;
    FLAT_ITEM_OR_RETURN(i, total);
    int k = i % K, j = (i / K) % H, bc = i / (K * H), b = bc / 3, c = bc % 3;
    __global const float *z = gZ + ((size_t)bc * H * K + k) * 2;
    float re = 0.0f, im = 0.0f;
    for (int m = 0; m < H; m++) {
        float2 t = TW_H(tw, (j * m) % H);
        float gr = z[(size_t)m * K * 2], gi = z[(size_t)m * K * 2 + 1];
        re += gr * t.x + gi * t.y;
        im += -gr * t.y + gi * t.x;
    }
    float s = TW_SCALE(tw, H, W, j, k) / (float)H;
    __global float *pr = gP + (size_t)b * 6 * H * K + (size_t)c * H * K + (size_t)j * K + k;
    pr[0] = re * s;
    pr[(size_t)3 * H * K] = im * s;
}

/* img = sigmoid(M t) per pixel, M the 3x3 colour matrix (row-major; identity when not
 * decorrelating). */
__kernel void lucid_rgb_fwd(__global float *img, __global const float *t, int B, int HW,
                            float m00, float m01, float m02, float m10, float m11, float m12,
                            float m20, float m21, float m22)
{
    FLAT_ITEM_OR_RETURN(i, B * HW);
    int b = i / HW, p = i % HW;
    size_t o = (size_t)b * 3 * HW + p;
    float t0 = t[o], t1 = t[o + HW], t2 = t[o + 2 * HW];
    float y0 = m00 * t0 + m01 * t1 + m02 * t2;
    float y1 = m10 * t0 + m11 * t1 + m12 * t2;
    float y2 = m20 * t0 + m21 * t1 + m22 * t2;
    img[o] = 1.0f / (1.0f + exp(-y0));
    img[o + HW] = 1.0f / (1.0f + exp(-y1));
    img[o + 2 * HW] = 1.0f / (1.0f + exp(-y2));
}

/* gt = M^T (gimg * img * (1 - img)). */
__kernel void lucid_rgb_bwd(__global float *gt, __global const float *gimg,
                            __global const float *img, int B, int HW, float m00, float m01,
                            float m02, float m10, float m11, float m12, float m20, float m21,
                            float m22)
{
    FLAT_ITEM_OR_RETURN(i, B * HW);
    int b = i / HW, p = i % HW;
    size_t o = (size_t)b * 3 * HW + p;
    float s0 = img[o], s1 = img[o + HW], s2 = img[o + 2 * HW];
    float d0 = gimg[o] * s0 * (1.0f - s0);
    float d1 = gimg[o + HW] * s1 * (1.0f - s1);
    float d2 = gimg[o + 2 * HW] * s2 * (1.0f - s2);
    gt[o] = m00 * d0 + m10 * d1 + m20 * d2;
    gt[o + HW] = m01 * d0 + m11 * d1 + m21 * d2;
    gt[o + 2 * HW] = m02 * d0 + m12 * d1 + m22 * d2;
}

/* Bilinear tap weight of source pixel q for a sample at s. */
inline float lucid_tap(float s, int q)
{
    float d = fabs(s - (float)q);
    return d < 1.0f ? 1.0f - d : 0.0f;
}

/* The transforms as one affine resampling per item: output pixel (x, y) of Ho x Wo samples the
 * source (Hs x Ws) at (sx, sy) = A (x, y) + t, bilinear, the value `fill` outside the source
 * (Lucid's constant padding, 0.5). aff: per item a00 a01 a10 a11 tx ty. Model channel c reads
 * source channel src_c and is written as v * mul_c + add_c (the model's preprocessing). */
__kernel void lucid_sample_fwd(__global float *y, int y_off, __global const float *x,
                               __global const float *aff, int B, int Hs, int Ws, int Ho, int Wo,
                               float fill, int src0, int src1, int src2, float mul0, float mul1,
                               float mul2, float add0, float add1, float add2)
{
    FLAT_ITEM_OR_RETURN(i, B * 3 * Ho * Wo);
    int ox = i % Wo, oy = (i / Wo) % Ho, c = (i / (Wo * Ho)) % 3, b = i / (3 * Ho * Wo);
    __global const float *a = aff + (size_t)b * 6;
    float sx = a[0] * ox + a[1] * oy + a[4], sy = a[2] * ox + a[3] * oy + a[5];
    int sc = c == 0 ? src0 : c == 1 ? src1 : src2;
    __global const float *img = x + ((size_t)b * 3 + sc) * Hs * Ws;
    int x0 = (int)floor(sx), y0 = (int)floor(sy);
    float v = 0.0f;
    for (int qy = y0; qy <= y0 + 1; qy++)
        for (int qx = x0; qx <= x0 + 1; qx++) {
            float w = lucid_tap(sx, qx) * lucid_tap(sy, qy);
            float s = (qx >= 0 && qx < Ws && qy >= 0 && qy < Hs) ? img[qy * Ws + qx] : fill;
            v += w * s;
        }
    float mul = c == 0 ? mul0 : c == 1 ? mul1 : mul2;
    float add = c == 0 ? add0 : c == 1 ? add1 : add2;
    y[y_off + i] = v * mul + add;
}

/* Adjoint of lucid_sample_fwd (times gain): gx at source pixel q gathers every output pixel
 * whose sample lies within one pixel of q. aff holds B forward maps, then B inverse maps
 * (output = Ainv source + u), which bound the output pixels to visit. */
__kernel void lucid_sample_adj(__global float *gx, __global const float *gy, int gy_off,
                               __global const float *aff, int B,
                               int Hs, int Ws, int Ho, int Wo, float gain, int src0, int src1,
                               int src2, float mul0, float mul1, float mul2)
{
    FLAT_ITEM_OR_RETURN(i, B * 3 * Hs * Ws);
    int qx = i % Ws, qy = (i / Ws) % Hs, sc = (i / (Ws * Hs)) % 3, b = i / (3 * Hs * Ws);
    int c = src0 == sc ? 0 : src1 == sc ? 1 : 2;
    float mul = c == 0 ? mul0 : c == 1 ? mul1 : mul2;
    __global const float *a = aff + (size_t)b * 6, *v = aff + (size_t)(B + b) * 6;
    float lx = 1e30f, hx = -1e30f, ly = 1e30f, hy = -1e30f;
    for (int cy = -1; cy <= 1; cy += 2)
        for (int cx = -1; cx <= 1; cx += 2) {
            float px = qx + cx, py = qy + cy;
            float ox = v[0] * px + v[1] * py + v[4], oy = v[2] * px + v[3] * py + v[5];
            lx = fmin(lx, ox);
            hx = fmax(hx, ox);
            ly = fmin(ly, oy);
            hy = fmax(hy, oy);
        }
    int x0 = max((int)floor(lx), 0), x1 = min((int)ceil(hx), Wo - 1);
    int y0 = max((int)floor(ly), 0), y1 = min((int)ceil(hy), Ho - 1);
    __global const float *g = gy + gy_off + ((size_t)b * 3 + c) * Ho * Wo;
    float acc = 0.0f;
    for (int oy = y0; oy <= y1; oy++)
        for (int ox = x0; ox <= x1; ox++) {
            float sx = a[0] * ox + a[1] * oy + a[4], sy = a[2] * ox + a[3] * oy + a[5];
            float w = lucid_tap(sx, qx) * lucid_tap(sy, qy);
            if (w > 0.0f)
                acc += w * g[oy * Wo + ox];
        }
    gx[i] = acc * mul * gain;
}

inline float lucid_sign(float v)
{
    return v > 0.0f ? 1.0f : v < 0.0f ? -1.0f : 0.0f;
}

/* Lucid's blur (objectives.blur_input_each_step): a 3x3 box, 1 in the centre and 0.5 around,
 * zero-padded, divided by the same kernel applied to ones. */
inline float lucid_blur_at(__global const float *p, int x, int y, int H, int W)
{
    float s = 0.0f, n = 0.0f;
    for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
            int xx = x + dx, yy = y + dy;
            if (xx < 0 || xx >= W || yy < 0 || yy >= H)
                continue;
            float w = (dx == 0 && dy == 0) ? 1.0f : 0.5f;
            s += w * p[yy * W + xx];
            n += w;
        }
    return s / n;
}

/* g += l1 * sign(x - 0.5) + tv * d(sum |x_{i+1} - x_i|, both axes)/dx + blur * (x - blur(x))
 * (the blurred image held constant, Lucid's stop_gradient). */
__kernel void lucid_reg_grad(__global float *g, __global const float *x, int B, int H, int W,
                             float l1, float tv, float blur)
{
    FLAT_ITEM_OR_RETURN(i, B * 3 * H * W);
    int px = i % W, py = (i / W) % H;
    __global const float *p = x + (size_t)(i / (H * W)) * H * W;
    float v = p[py * W + px], d = 0.0f;
    if (l1 != 0.0f)
        d += l1 * lucid_sign(v - 0.5f);
    if (tv != 0.0f) {
        float t = 0.0f;
        if (px > 0)
            t += lucid_sign(v - p[py * W + px - 1]);
        if (px < W - 1)
            t -= lucid_sign(p[py * W + px + 1] - v);
        if (py > 0)
            t += lucid_sign(v - p[(py - 1) * W + px]);
        if (py < H - 1)
            t -= lucid_sign(p[(py + 1) * W + px] - v);
        d += tv * t;
    }
    if (blur != 0.0f)
        d += blur * (v - lucid_blur_at(p, px, py, H, W));
    g[i] += d;
}

/* Adam (TensorFlow's update, Lucid's optimiser): lr_t carries the bias correction. */
__kernel void lucid_adam(__global float *p, __global const float *g, __global float *m,
                         __global float *v, int n, float lr_t, float b1, float b2, float eps)
{
    FLAT_ITEM_OR_RETURN(i, n);
    float gi = g[i];
    float mi = b1 * m[i] + (1.0f - b1) * gi;
    float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= lr_t * mi / (sqrt(vi) + eps);
}

/* The book's step on the parameters: p -= lr * g / (rms(g of the item) + 1e-5), one work-item
 * per item for the sum (plain; per step once). */
__kernel void lucid_item_sumsq(__global float *ss, __global const float *g, int B, int per)
{
    FLAT_ITEM_OR_RETURN(b, B);
    __global const float *x = g + (size_t)b * per;
    float s = 0.0f;
    for (int i = 0; i < per; i++)
        s += x[i] * x[i];
    ss[b] = s;
}

__kernel void lucid_rms_step(__global float *p, __global const float *g,
                             __global const float *ss, int B, int per, float lr)
{
    FLAT_ITEM_OR_RETURN(i, B * per);
    float norm = sqrt(ss[i / per] / (float)per) + 1e-5f;
    p[i] -= lr * g[i] / norm;
}

/* resize.c — PIL-exact NEAREST resize, OpenCV-exact float bilinear resize, input preprocessing. */
#include "io/resize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* PIL's ImagingScaleAffine pretabulation: xo = 0.5 * a, COORD(xo), xo += a. */
static int *resize_pil_table(int dn, int sn)
{
    int *tab = malloc(sizeof(int) * (size_t)dn);
    if (!tab)
        return NULL;
    double a = (double)sn / dn, xo = a * 0.5;
    for (int i = 0; i < dn; i++) {
        int s = xo < 0.0 ? -1 : (int)xo;
        tab[i] = s < 0 ? 0 : s >= sn ? sn - 1 : s;
        xo += a;
    }
    return tab;
}

clvis_status keras_resize_nearest(image8 *dst, int dw, int dh, const image8 *src)
{
    if (!dst || !src || !src->px || src->w <= 0 || src->h <= 0)
        return err_set(CLVIS_ERR_INVALID_ARG, "keras_resize_nearest: empty source image");
    clvis_status st = image_alloc(dst, dw, dh, src->c);
    if (st != CLVIS_OK)
        return st;
    int *xt = resize_pil_table(dw, src->w), *yt = resize_pil_table(dh, src->h);
    if (!xt || !yt) {
        free(xt);
        free(yt);
        image_free(dst);
        return err_set(CLVIS_ERR_NO_MEMORY, "keras_resize_nearest: out of memory");
    }
    int c = src->c;
    for (int y = 0; y < dh; y++) {
        const unsigned char *srow = src->px + (size_t)yt[y] * src->w * c;
        unsigned char *drow = dst->px + (size_t)y * dw * c;
        if (dw == src->w)
            memcpy(drow, srow, (size_t)dw * c);
        else
            for (int x = 0; x < dw; x++)
                memcpy(drow + (size_t)x * c, srow + (size_t)xt[x] * c, (size_t)c);
    }
    free(xt);
    free(yt);
    return CLVIS_OK;
}

/* OpenCV resize.cpp (INTER_LINEAR, float): per destination index, the source index and the two
 * weights; indices outside [0, n-1] clamp with weight (1, 0). */
static void resize_cv_coeffs(int *idx, float *w0, float *w1, int dn, int sn)
{
    double scale = 1.0 / ((double)dn / sn);
    for (int d = 0; d < dn; d++) {
        float f = (float)((d + 0.5) * scale - 0.5);
        int s = (int)floorf(f);
        f -= (float)s;
        if (s < 0)
            f = 0.f, s = 0;
        if (s >= sn - 1)
            f = 0.f, s = sn - 1;
        idx[d] = s;
        w0[d] = 1.f - f;
        w1[d] = f;
    }
}

clvis_status cv_resize_bilinear_f32(float *dst, int dw, int dh, const float *src, int sw, int sh,
                                    int channels)
{
    if (!dst || !src || dw <= 0 || dh <= 0 || sw <= 0 || sh <= 0 || channels <= 0)
        return err_set(CLVIS_ERR_INVALID_ARG, "cv_resize_bilinear_f32: bad sizes %dx%d -> %dx%d",
                       sw, sh, dw, dh);
    size_t cn = (size_t)channels;
    if (dw == sw && dh == sh) {
        memcpy(dst, src, sizeof(float) * (size_t)sw * sh * cn);
        return CLVIS_OK;
    }
    int *xi = malloc(sizeof(int) * (size_t)dw), *yi = malloc(sizeof(int) * (size_t)dh);
    float *a = malloc(sizeof(float) * 2 * (size_t)dw), *b = malloc(sizeof(float) * 2 * (size_t)dh);
    float *h0 = malloc(sizeof(float) * (size_t)dw * cn), *h1 = malloc(sizeof(float) * dw * cn);
    if (!xi || !yi || !a || !b || !h0 || !h1) {
        free(xi), free(yi), free(a), free(b), free(h0), free(h1);
        return err_set(CLVIS_ERR_NO_MEMORY, "cv_resize_bilinear_f32: out of memory");
    }
    resize_cv_coeffs(xi, a, a + dw, dw, sw);
    resize_cv_coeffs(yi, b, b + dh, dh, sh);
    for (int y = 0; y < dh; y++) {
        int y0 = yi[y], y1 = y0 + 1 < sh ? y0 + 1 : sh - 1;
        /* horizontal pass of the two source rows, then the vertical blend, both in float */
        for (int r = 0; r < 2; r++) {
            const float *s = src + (size_t)(r ? y1 : y0) * sw * cn;
            float *h = r ? h1 : h0;
            for (int x = 0; x < dw; x++) {
                size_t sx = (size_t)xi[x] * cn;
                if (xi[x] + 1 < sw) {
                    for (size_t k = 0; k < cn; k++)
                        h[x * cn + k] = s[sx + k] * a[x] + s[sx + cn + k] * a[dw + x];
                } else {
                    for (size_t k = 0; k < cn; k++)
                        h[x * cn + k] = s[sx + k];
                }
            }
        }
        float b0 = b[y], b1 = b[dh + y];
        float *d = dst + (size_t)y * dw * cn;
        for (size_t i = 0; i < (size_t)dw * cn; i++)
            d[i] = h0[i] * b0 + h1[i] * b1;
    }
    free(xi), free(yi), free(a), free(b), free(h0), free(h1);
    return CLVIS_OK;
}

clvis_status image_to_gray(image8 *dst, const image8 *src)
{
    if (!dst || !src || !src->px || (src->c != 1 && src->c != 3))
        return err_set(CLVIS_ERR_INVALID_ARG, "image_to_gray: bad image");
    clvis_status st = image_alloc(dst, src->w, src->h, 1);
    if (st)
        return st;
    size_t n = (size_t)src->w * src->h;
    const unsigned char *p = src->px;
    if (src->c == 1)
        memcpy(dst->px, p, n);
    else
        for (size_t i = 0; i < n; i++, p += 3)
            dst->px[i] = (unsigned char)((p[0] * 19595u + p[1] * 38470u + p[2] * 7471u +
                                          0x8000u) >> 16);
    return CLVIS_OK;
}

void image_preprocess(float *out_nhwc, const image8 *img, clvis_preprocess mode)
{
    if (img->c == 1) {
        size_t n = (size_t)img->w * img->h;
        for (size_t i = 0; i < n; i++) {
            float v = img->px[i];
            out_nhwc[i] = mode == CLVIS_PREPROCESS_SCALE ? v / 255.f
                          : mode == CLVIS_PREPROCESS_TF  ? v / 127.5f - 1.f
                                                         : v;
        }
        return;
    }
    size_t n = (size_t)img->w * img->h;
    const unsigned char *p = img->px;
    float *o = out_nhwc;
    for (size_t i = 0; i < n; i++, p += 3, o += 3) {
        float r = p[0], g = p[1], bl = p[2];
        switch (mode) {
        case CLVIS_PREPROCESS_SCALE:
            o[0] = r / 255.f, o[1] = g / 255.f, o[2] = bl / 255.f;
            break;
        case CLVIS_PREPROCESS_TF:
            o[0] = r / 127.5f - 1.f, o[1] = g / 127.5f - 1.f, o[2] = bl / 127.5f - 1.f;
            break;
        case CLVIS_PREPROCESS_CAFFE:
            o[0] = bl - 103.939f, o[1] = g - 116.779f, o[2] = r - 123.68f;
            break;
        case CLVIS_PREPROCESS_TORCH:
            o[0] = (r / 255.f - image_torch_mean[0]) / image_torch_std[0];
            o[1] = (g / 255.f - image_torch_mean[1]) / image_torch_std[1];
            o[2] = (bl / 255.f - image_torch_mean[2]) / image_torch_std[2];
            break;
        case CLVIS_PREPROCESS_RAW:
        default:
            o[0] = r, o[1] = g, o[2] = bl;
            break;
        }
    }
}

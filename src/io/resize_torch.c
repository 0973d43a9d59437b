/* resize_torch.c — torchvision's ImageNet evaluation transform on a decoded photo, as PyTorch
 * users run it: Resize(256) (the shorter side to 256, PIL's BILINEAR, which filters over the
 * whole footprint when shrinking), CenterCrop(224), then ToTensor and Normalize (in
 * image_preprocess). The resampler follows Pillow's ImagingResample for 8-bit images:
 * triangle-filter coefficients normalised per output pixel, in 22-bit fixed point, one
 * horizontal pass then one vertical pass, each rounded to 8 bits. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/resize.h"

const float image_torch_mean[3] = {0.485f, 0.456f, 0.406f};
const float image_torch_std[3] = {0.229f, 0.224f, 0.225f};

#define PREC 22 /* Pillow's PRECISION_BITS for 8-bit data: 32 - 8 - 2 */

typedef struct {
    int *lo, *len; /* per output pixel: first source pixel and tap count */
    int *k;        /* per output pixel, ksize fixed-point weights */
    int ksize;
} taps;

static void taps_free(taps *t)
{
    free(t->lo), free(t->len), free(t->k);
}

static double triangle(double x)
{
    x = fabs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}

static int taps_make(taps *t, int in, int out)
{
    double scale = (double)in / out, fs = scale < 1.0 ? 1.0 : scale, support = fs;
    t->ksize = (int)ceil(support) * 2 + 1;
    t->lo = malloc(sizeof(int) * (size_t)out);
    t->len = malloc(sizeof(int) * (size_t)out);
    t->k = calloc((size_t)out * (size_t)t->ksize, sizeof(int));
    double *w = malloc(sizeof(double) * (size_t)t->ksize);
    if (!t->lo || !t->len || !t->k || !w) {
        free(w);
        taps_free(t);
        return 0;
    }
    for (int o = 0; o < out; o++) {
        double centre = (o + 0.5) * scale, sum = 0.0;
        int lo = (int)(centre - support + 0.5), hi = (int)(centre + support + 0.5);
        lo = lo < 0 ? 0 : lo;
        hi = hi > in ? in : hi;
        int n = hi - lo;
        for (int x = 0; x < n; x++) {
            w[x] = triangle((x + lo - centre + 0.5) / fs);
            sum += w[x];
        }
        for (int x = 0; x < n; x++) {
            double v = sum != 0.0 ? w[x] / sum : w[x];
            t->k[(size_t)o * t->ksize + x] =
                (int)(v < 0 ? -0.5 + v * (1 << PREC) : 0.5 + v * (1 << PREC));
        }
        t->lo[o] = lo;
        t->len[o] = n;
    }
    free(w);
    return 1;
}

static unsigned char clip8(long long v)
{
    v >>= PREC;
    return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* Pillow's Image.resize((dw, dh), BILINEAR) of an 8-bit image. */
static clvis_status pil_bilinear(image8 *dst, int dw, int dh, const image8 *src)
{
    taps tx = {0}, ty = {0};
    image8 mid = {0};
    int c = src->c;
    if (!taps_make(&tx, src->w, dw) || !taps_make(&ty, src->h, dh)) {
        taps_free(&tx);
        return err_set(CLVIS_ERR_NO_MEMORY, "resize: out of memory");
    }
    clvis_status st = image_alloc(&mid, dw, src->h, c);
    if (st == CLVIS_OK)
        st = image_alloc(dst, dw, dh, c);
    if (st != CLVIS_OK) {
        image_free(&mid);
        taps_free(&tx), taps_free(&ty);
        return st;
    }
    for (int y = 0; y < src->h; y++) {
        const unsigned char *row = src->px + (size_t)y * src->w * c;
        unsigned char *o = mid.px + (size_t)y * dw * c;
        for (int x = 0; x < dw; x++) {
            const int *k = tx.k + (size_t)x * tx.ksize;
            for (int ch = 0; ch < c; ch++) {
                long long s = 1LL << (PREC - 1);
                for (int i = 0; i < tx.len[x]; i++)
                    s += (long long)row[(size_t)(tx.lo[x] + i) * c + ch] * k[i];
                o[(size_t)x * c + ch] = clip8(s);
            }
        }
    }
    for (int y = 0; y < dh; y++) {
        const int *k = ty.k + (size_t)y * ty.ksize;
        unsigned char *o = dst->px + (size_t)y * dw * c;
        for (int x = 0; x < dw * c; x++) {
            long long s = 1LL << (PREC - 1);
            for (int i = 0; i < ty.len[y]; i++)
                s += (long long)mid.px[(size_t)(ty.lo[y] + i) * dw * c + x] * k[i];
            o[x] = clip8(s);
        }
    }
    image_free(&mid);
    taps_free(&tx), taps_free(&ty);
    return CLVIS_OK;
}

clvis_status torch_resize_crop(image8 *dst, int dw, int dh, const image8 *src)
{
    if (!dst || !src || !src->px || src->w <= 0 || src->h <= 0)
        return err_set(CLVIS_ERR_INVALID_ARG, "torch_resize_crop: empty source image");
    /* Resize(256) for a 224 crop: the shorter side to round(min(dw, dh) * 256 / 224); the
     * longer one as torchvision computes it, int(short * long / shorter) */
    int crop = dw < dh ? dw : dh;
    int side = (int)lrint(crop * 256.0 / 224.0);
    int rw, rh;
    if (src->w <= src->h) {
        rw = side;
        rh = (int)((long long)side * src->h / src->w);
    } else {
        rh = side;
        rw = (int)((long long)side * src->w / src->h);
    }
    if (rw < dw || rh < dh)
        return err_set(CLVIS_ERR_INVALID_ARG, "torch_resize_crop: %dx%d crop of %dx%d", dw, dh,
                       rw, rh);
    image8 mid = {0};
    clvis_status st = pil_bilinear(&mid, rw, rh, src);
    if (st != CLVIS_OK)
        return st;
    /* CenterCrop: int(round((size - crop) / 2.0)), Python's round (half to even) */
    int top = (int)nearbyint((rh - dh) / 2.0), left = (int)nearbyint((rw - dw) / 2.0);
    st = image_alloc(dst, dw, dh, mid.c);
    for (int y = 0; st == CLVIS_OK && y < dh; y++)
        memcpy(dst->px + (size_t)y * dw * mid.c,
               mid.px + ((size_t)(top + y) * rw + (size_t)left) * mid.c, (size_t)dw * mid.c);
    image_free(&mid);
    return st;
}

/* sal_baseline.c — the baselines of integrated gradients, in the model's input space: black (a
 * photo of pixels 0 through the preprocessing), the input blurred (Gaussian, sigma = max(h, w) /
 * 16 pixels, truncated at 3 sigma, border replicated, separable, in double: the preprocessing is
 * affine per channel, so blurring after it is blurring the photo), uniform noise (pixels
 * numpy.random.RandomState(seed).random_sample((c, h, w)) * 255, then the preprocessing), zeros
 * (Captum's default), or one the caller gives. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "explain/explain.h"
#include "explain/saliency.h"
#include "io/resize.h"

/* Per model channel k: the preprocessed value of pixel 0 (lo[k]) and of pixel 255 (hi[k]). A
 * model whose input has other than 3 channels: 0 and 1. */
static void pixel_range(const sal_run *r, float *lo, float *hi)
{
    int c = r->in.c;
    for (int k = 0; k < c; k++)
        lo[k] = 0.0f, hi[k] = 1.0f;
    if (c != 3)
        return;
    int mode = r->opt->preprocess >= 0 ? r->opt->preprocess : (int)clvis_model_preprocess(r->m);
    unsigned char px[2][3] = {{0, 0, 0}, {255, 255, 255}};
    for (int j = 0; j < 2; j++) {
        image8 one = {1, 1, 3, px[j]};
        image_preprocess(j ? hi : lo, &one, (clvis_preprocess)mode);
    }
}

/* One pass of the separable blur along rows (dir 0) or columns (dir 1). */
static void blur_pass(double *dst, const double *src, int h, int w, int c, const double *k,
                      int rad, int dir)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int ch = 0; ch < c; ch++) {
                double s = 0.0;
                for (int t = -rad; t <= rad; t++) {
                    int yy = dir ? y + t : y, xx = dir ? x : x + t;
                    yy = yy < 0 ? 0 : yy >= h ? h - 1 : yy;
                    xx = xx < 0 ? 0 : xx >= w ? w - 1 : xx;
                    s += k[t + rad] * src[((size_t)yy * w + xx) * c + ch];
                }
                dst[((size_t)y * w + x) * c + ch] = s;
            }
}

static clvis_status blur(const sal_run *r, const float *x, float *b)
{
    int h = r->in.h, w = r->in.w, c = r->in.c;
    double sigma = (h > w ? h : w) / 16.0;
    int rad = (int)ceil(3.0 * sigma);
    double *k = malloc((size_t)(2 * rad + 1) * sizeof *k);
    double *t0 = malloc(r->count * sizeof *t0), *t1 = malloc(r->count * sizeof *t1);
    if (!k || !t0 || !t1) {
        free(k), free(t0), free(t1);
        return err_set(CLVIS_ERR_NO_MEMORY, "blur baseline: out of memory");
    }
    double sum = 0.0;
    for (int t = -rad; t <= rad; t++)
        sum += k[t + rad] = exp(-0.5 * t * t / (sigma * sigma));
    for (int t = 0; t <= 2 * rad; t++)
        k[t] /= sum;
    for (size_t i = 0; i < r->count; i++)
        t0[i] = x[i];
    blur_pass(t1, t0, h, w, c, k, rad, 0);
    blur_pass(t0, t1, h, w, c, k, rad, 1);
    for (size_t i = 0; i < r->count; i++)
        b[i] = (float)t0[i];
    free(k), free(t0), free(t1);
    return CLVIS_OK;
}

clvis_status sal_baseline(const sal_run *r, const float *x, float *b)
{
    const clvis_saliency_options *o = r->opt;
    int c = r->in.c;
    size_t hw = (size_t)r->in.h * r->in.w;
    if (o->baseline_x) {
        memcpy(b, o->baseline_x, r->count * sizeof *b);
        return CLVIS_OK;
    }
    if (o->baseline == CLVIS_BASELINE_ZERO) {
        memset(b, 0, r->count * sizeof *b);
        return CLVIS_OK;
    }
    if (o->baseline == CLVIS_BASELINE_BLUR)
        return blur(r, x, b);
    float *lo = malloc((size_t)c * 2 * sizeof *lo);
    if (!lo)
        return err_set(CLVIS_ERR_NO_MEMORY, "baseline: out of memory");
    float *hi = lo + c;
    pixel_range(r, lo, hi);
    if (o->baseline == CLVIS_BASELINE_UNIFORM) {
        viz_mt19937 *mt = malloc(sizeof *mt);
        if (!mt) {
            free(lo);
            return err_set(CLVIS_ERR_NO_MEMORY, "baseline: out of memory");
        }
        viz_mt_seed(mt, o->seed);
        for (int k = 0; k < c; k++) /* drawn in (c, h, w) order, stored NHWC */
            for (size_t p = 0; p < hw; p++)
                b[p * c + k] = lo[k] + (float)viz_mt_random(mt) * (hi[k] - lo[k]);
        free(mt);
    } else
        for (size_t p = 0; p < hw; p++)
            for (int k = 0; k < c; k++)
                b[p * c + k] = lo[k];
    free(lo);
    return CLVIS_OK;
}

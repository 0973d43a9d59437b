/* sal_smoothgrad.c — SmoothGrad (Smilkov et al. 2017), a row of the saliency table: the mean of
 * dS/dx over `samples` noisy copies x + n of the input, n ~ N(0, sigma^2) with sigma = noise *
 * (max(x) - min(x)) (the paper's noise level), as Captum's NoiseTunnel(Saliency, abs=False)
 * with stdevs = sigma. The noise is numpy's legacy numpy.random.RandomState(seed).normal(0,
 * sigma, (samples, c, h, w)), exactly (MT19937, polar Box-Muller with its cached second value),
 * as float32; the samples run as device batches. */
#include <math.h>
#include <stdlib.h>

#include "core/error.h"
#include "explain/explain.h"
#include "explain/saliency.h"

/* numpy's legacy_gauss (explain.h). */
double viz_gauss(viz_gauss_state *s)
{
    if (s->has) {
        s->has = 0;
        return s->keep;
    }
    double x1, x2, r2;
    do {
        x1 = 2.0 * viz_mt_random(&s->mt) - 1.0;
        x2 = 2.0 * viz_mt_random(&s->mt) - 1.0;
        r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    double f = sqrt(-2.0 * log(r2) / r2);
    s->keep = f * x1;
    s->has = 1;
    return f * x2;
}

static clvis_status smoothgrad(sal_run *r, const float *x, float *attr,
                               clvis_saliency_result *res)
{
    int n = r->opt->samples, c = r->in.c, h = r->in.h, w = r->in.w;
    size_t count = r->count;
    float mn = x[0], mx = x[0];
    for (size_t i = 1; i < count; i++) {
        mn = x[i] < mn ? x[i] : mn;
        mx = x[i] > mx ? x[i] : mx;
    }
    double sigma = (double)r->opt->noise * ((double)mx - (double)mn);
    float *xs = malloc((size_t)n * count * sizeof *xs), *gs = malloc((size_t)n * count * sizeof *gs);
    viz_gauss_state *gst = malloc(sizeof *gst);
    if (!xs || !gs || !gst) {
        free(xs), free(gs), free(gst);
        return err_set(CLVIS_ERR_NO_MEMORY, "smoothgrad: %d samples: out of memory", n);
    }
    viz_mt_seed(&gst->mt, r->opt->seed);
    gst->has = 0;
    for (int s = 0; s < n; s++) {
        float *d = xs + (size_t)s * count;
        if (r->opt->noise_x) {
            const float *e = r->opt->noise_x + (size_t)s * count;
            for (size_t i = 0; i < count; i++)
                d[i] = x[i] + e[i];
            continue;
        }
        /* drawn in (c, h, w) order, stored NHWC */
        for (int k = 0; k < c; k++)
            for (int p = 0; p < h * w; p++) {
                size_t i = (size_t)p * c + k;
                d[i] = x[i] + (float)(sigma * viz_gauss(gst));
            }
    }
    clvis_status st = sal_gradients(r, xs, n, 0, gs);
    for (size_t i = 0; !st && i < count; i++) {
        double sum = 0.0;
        for (int s = 0; s < n; s++)
            sum += gs[(size_t)s * count + i];
        attr[i] = (float)(sum / n);
    }
    res->samples = n;
    free(xs), free(gs), free(gst);
    return st;
}

const sal_method sal_smoothgrad = {
    "smoothgrad", "Smilkov et al.: mean dS/dx over noisy copies, max |.| over channels",
    SAL_MAP_ABS_MAX, 0, smoothgrad};

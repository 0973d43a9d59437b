/* metric_insdel.c — insertion and deletion (Petsiuk et al. 2018, RISE's CausalMetric), two
 * rows of the metric table: pixels (all channels at once) move from a start image to a finish
 * image in order of decreasing map value (RISE's np.flip(np.argsort(map)) with a stable sort:
 * ties, the later pixel first), ceil(h*w / steps) pixels a step, and the class probability P of
 * each of the n_steps + 1 images gives a curve whose area is the metric (trapezoidal, x in
 * [0, 1]). Deletion: from x to zeros of the model input (RISE's substrate torch.zeros_like);
 * insertion: from RISE's blurred x (conv2d with gkern(11, 5): scipy's gaussian_filter of a
 * delta, sigma 5, truncate 4, mode reflect, zero padding 5) to x. The images run as device
 * batches, built one batch at a time. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "explain/metric.h"

enum { KLEN = 11 };

/* RISE's gkern(11, 5) as float32: the outer product of scipy's gaussian_filter1d of a delta. */
static void gkern(float *k)
{
    double wt[41], sum = 0.0, k1[KLEN];
    for (int j = -20; j <= 20; j++)
        sum += wt[j + 20] = exp(-0.5 / 25.0 * j * j);
    for (int j = 0; j < 41; j++)
        wt[j] /= sum;
    for (int i = 0; i < KLEN; i++) {
        k1[i] = 0.0;
        for (int j = -20; j <= 20; j++) {
            int s = ((i + j) % (2 * KLEN) + 2 * KLEN) % (2 * KLEN); /* mode 'reflect' */
            if (s >= KLEN)
                s = 2 * KLEN - 1 - s;
            if (s == KLEN / 2)
                k1[i] += wt[j + 20];
        }
    }
    for (int i = 0; i < KLEN; i++)
        for (int j = 0; j < KLEN; j++)
            k[i * KLEN + j] = (float)(k1[i] * k1[j]);
}

/* conv2d(x, gkern, padding 5) channel by channel, NHWC. */
static void blur(const float *x, int h, int w, int c, float *out)
{
    float k[KLEN * KLEN];
    gkern(k);
    for (int y = 0; y < h; y++)
        for (int xx = 0; xx < w; xx++)
            for (int ch = 0; ch < c; ch++) {
                float s = 0.0f;
                for (int i = 0; i < KLEN; i++) {
                    int sy = y + i - KLEN / 2;
                    if (sy < 0 || sy >= h)
                        continue;
                    for (int j = 0; j < KLEN; j++) {
                        int sx = xx + j - KLEN / 2;
                        if (sx >= 0 && sx < w)
                            s += k[i * KLEN + j] * x[((size_t)sy * w + sx) * c + ch];
                    }
                }
                out[((size_t)y * w + xx) * c + ch] = s;
            }
}

typedef struct {
    float v;
    size_t i;
} pixel;

static int by_value(const void *a, const void *b) /* ascending value, then index: stable */
{
    const pixel *p = a, *q = b;
    return p->v < q->v ? -1 : p->v > q->v ? 1 : (p->i > q->i) - (p->i < q->i);
}

static clvis_status causal(metric_run *r, clvis_evaluate_result *res, int insertion)
{
    int h = r->in.h, w = r->in.w, c = r->in.c;
    size_t hw = (size_t)h * w;
    int steps = r->opt->steps > 0 ? r->opt->steps : h;
    size_t step = (hw + (size_t)steps - 1) / (size_t)steps;
    int n_steps = (int)((hw + step - 1) / step), n = n_steps + 1;
    int nb = (n + r->chunk - 1) / r->chunk, b = (n + nb - 1) / nb;
    float *cur = malloc(r->count * sizeof *cur), *fin = malloc(r->count * sizeof *fin);
    float *xs = malloc((size_t)b * r->count * sizeof *xs);
    pixel *order = malloc(hw * sizeof *order);
    float *sv = malloc((size_t)b * sizeof *sv);
    res->curve = malloc((size_t)n * sizeof *res->curve);
    clvis_status st = CLVIS_OK;
    if (!cur || !fin || !xs || !order || !sv || !res->curve) {
        st = err_set(CLVIS_ERR_NO_MEMORY, "%s: %d images: out of memory",
                     insertion ? "insertion" : "deletion", n);
        goto done;
    }
    if (insertion) {
        blur(r->x, h, w, c, cur);
        memcpy(fin, r->x, r->count * sizeof *fin);
    } else {
        memcpy(cur, r->x, r->count * sizeof *cur);
        memset(fin, 0, r->count * sizeof *fin);
    }
    for (size_t p = 0; p < hw; p++)
        order[p] = (pixel){r->map[p], p};
    qsort(order, hw, sizeof *order, by_value);
    for (size_t p = 0; p < hw / 2; p++) { /* np.flip: descending, ties by descending index */
        pixel t = order[p];
        order[p] = order[hw - 1 - p];
        order[hw - 1 - p] = t;
    }
    for (int i0 = 0; i0 < n && !st; i0 += b) {
        int k = n - i0 < b ? n - i0 : b;
        for (int j = 0; j < b; j++) {
            int i = i0 + (j < k ? j : k - 1);
            if (j < k && i > 0) /* image i: the first i * step pixels moved */
                for (size_t q = (size_t)(i - 1) * step; q < (size_t)i * step && q < hw; q++)
                    memcpy(cur + order[q].i * c, fin + order[q].i * c, (size_t)c * sizeof *cur);
            memcpy(xs + (size_t)j * r->count, cur, r->count * sizeof *xs);
        }
        if (!(st = metric_scores(r, xs, b, 1, sv)))
            memcpy(res->curve + i0, sv, (size_t)k * sizeof *sv);
    }
    if (!st) {
        double sum = 0.0;
        for (int i = 0; i < n; i++)
            sum += res->curve[i];
        res->value = (sum - res->curve[0] / 2.0 - res->curve[n - 1] / 2.0) / (n - 1);
        res->n_curve = n;
        res->images = n;
        res->step_pixels = (int)step;
    }
done:
    free(cur), free(fin), free(xs), free(order), free(sv);
    return st;
}

static clvis_status insertion(metric_run *r, clvis_evaluate_result *res)
{
    return causal(r, res, 1);
}
static clvis_status deletion(metric_run *r, clvis_evaluate_result *res)
{
    return causal(r, res, 0);
}

const metric_def metric_insertion = {
    "insertion", "Petsiuk et al. (RISE): AUC of P as x's pixels replace a blurred copy, most "
    "relevant first", insertion};
const metric_def metric_deletion = {
    "deletion", "Petsiuk et al. (RISE): AUC of P as pixels become zeros, most relevant first",
    deletion};

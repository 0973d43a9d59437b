/* metric_road.c — ROAD, RemOve And Debias (Rong et al. 2022), three rows of the metric table as
 * pytorch-grad-cam 1.5.7 defines them: for each percentile p of 10, 20, ..., 90 the pixels whose
 * map value is >= numpy.percentile(map, p) (most relevant first, "road-morf"; of 1 - map for
 * least relevant first, "road-lerf") are removed and imputed (road_impute.c), and the score
 * change S(imputed) - S(x) is averaged over the percentiles; "road" is ROADCombined,
 * (lerf - morf) / 2. The 9 (18) imputed images run as device batches. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "explain/metric.h"

enum { N_PCT = 9 };

/* The mean score change over the percentiles, most relevant first (lerf = 0) or least; the
 * changes go to diff[0..9). */
static clvis_status road_mean(metric_run *r, int lerf, viz_mt19937 *mt, float *diff,
                              double *mean)
{
    int h = r->in.h, w = r->in.w, c = r->in.c;
    size_t hw = (size_t)h * w;
    float *xs = malloc((size_t)N_PCT * r->count * sizeof *xs), *m = malloc(hw * sizeof *m);
    unsigned char *keep = malloc(hw);
    float *s = malloc(N_PCT * sizeof *s);
    clvis_status st = CLVIS_OK;
    if (!xs || !m || !keep || !s) {
        st = err_set(CLVIS_ERR_NO_MEMORY, "road: out of memory");
        goto done;
    }
    for (size_t p = 0; p < hw; p++) /* RemoveLeastRelevantFirst: 1 - mask, in float32 */
        m[p] = lerf ? 1.0f - r->map[p] : r->map[p];
    for (int i = 0; i < N_PCT && !st; i++) {
        float thr = road_percentile(m, hw, 10.0 * (i + 1));
        for (size_t p = 0; p < hw; p++)
            keep[p] = m[p] < thr; /* binary_mask = mask < threshold: 1 kept, 0 imputed */
        st = road_impute(r->x, h, w, c, keep, r->opt->road_noise, mt,
                         xs + (size_t)i * r->count);
    }
    if (!st)
        st = metric_scores(r, xs, N_PCT, 0, s);
    double sum = 0.0;
    for (int i = 0; !st && i < N_PCT; i++) {
        diff[i] = s[i] - r->score; /* float32, as np.float32 scores */
        sum += diff[i];
    }
    *mean = sum / N_PCT;
done:
    free(xs), free(m), free(keep), free(s);
    return st;
}

/* which: 0 morf, 1 lerf, 2 combined */
static clvis_status road(metric_run *r, clvis_evaluate_result *res, int which)
{
    int n = which == 2 ? 2 * N_PCT : N_PCT;
    viz_mt19937 *mt = malloc(sizeof *mt);
    res->curve = malloc((size_t)n * sizeof *res->curve);
    if (!mt || !res->curve) {
        free(mt);
        return err_set(CLVIS_ERR_NO_MEMORY, "road: out of memory");
    }
    viz_mt_seed(mt, r->opt->seed);
    res->n_curve = n;
    res->images = n;
    double morf = 0.0, lerf = 0.0;
    clvis_status st = CLVIS_OK;
    if (which != 1)
        st = road_mean(r, 0, mt, res->curve, &morf);
    if (!st && which != 0)
        st = road_mean(r, 1, mt, res->curve + (which == 2 ? N_PCT : 0), &lerf);
    res->value = which == 0 ? morf : which == 1 ? lerf : (lerf - morf) / 2.0;
    free(mt);
    return st;
}

static clvis_status morf(metric_run *r, clvis_evaluate_result *res) { return road(r, res, 0); }
static clvis_status lerf(metric_run *r, clvis_evaluate_result *res) { return road(r, res, 1); }
static clvis_status combined(metric_run *r, clvis_evaluate_result *res)
{
    return road(r, res, 2);
}

const metric_def metric_road_morf = {
    "road-morf", "ROAD (Rong et al.), most relevant first: mean S change, 10..90th percentile",
    morf};
const metric_def metric_road_lerf = {
    "road-lerf", "ROAD, least relevant first: mean S change over the percentiles", lerf};
const metric_def metric_road = {
    "road", "ROAD combined (pytorch-grad-cam's ROADCombined): (lerf - morf) / 2", combined};

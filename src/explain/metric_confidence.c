/* metric_confidence.c — pytorch-grad-cam's cam_mult_image metrics, three rows of the metric
 * table: the input multiplied by the map (every channel of the preprocessed input, as
 * multiply_tensor_with_cam) and the change of the class score S, in float32 as there:
 * "confidence-change" S(x * map) - S(x), "drop" max(0, S(x) - S(x * map)) (DropInConfidence,
 * Chattopadhay et al.'s average drop before its normalisation), "increase" 1 when the score
 * rose (IncreaseInConfidence). */
#include <stdlib.h>

#include "core/error.h"
#include "explain/metric.h"

/* S(x * map) into res->curve[0]; the change S(x * map) - S(x) into *change. */
static clvis_status mult(metric_run *r, clvis_evaluate_result *res, float *change)
{
    int c = r->in.c;
    size_t hw = (size_t)r->in.h * r->in.w;
    float *xs = malloc(r->count * sizeof *xs);
    res->curve = malloc(sizeof *res->curve);
    if (!xs || !res->curve) {
        free(xs);
        return err_set(CLVIS_ERR_NO_MEMORY, "evaluate: out of memory");
    }
    for (size_t p = 0; p < hw; p++)
        for (int k = 0; k < c; k++)
            xs[p * c + k] = r->x[p * c + k] * r->map[p];
    clvis_status st = metric_scores(r, xs, 1, 0, res->curve);
    free(xs);
    res->n_curve = 1;
    res->images = 1;
    *change = res->curve[0] - r->score;
    return st;
}

static clvis_status change(metric_run *r, clvis_evaluate_result *res)
{
    float d;
    clvis_status st = mult(r, res, &d);
    res->value = d;
    return st;
}

static clvis_status drop(metric_run *r, clvis_evaluate_result *res)
{
    float d;
    clvis_status st = mult(r, res, &d);
    res->value = -d > 0.0f ? -d : 0.0f;
    return st;
}

static clvis_status increase(metric_run *r, clvis_evaluate_result *res)
{
    float d;
    clvis_status st = mult(r, res, &d);
    res->value = d > 0.0f ? 1.0 : 0.0;
    return st;
}

const metric_def metric_change = {
    "confidence-change", "pytorch-grad-cam: S(x * map) - S(x), the map times the input", change};
const metric_def metric_drop = {
    "drop", "Chattopadhay et al. (pytorch-grad-cam's): max(0, S(x) - S(x * map))", drop};
const metric_def metric_increase = {
    "increase", "Chattopadhay et al. (pytorch-grad-cam's): 1 if S(x * map) > S(x), else 0",
    increase};

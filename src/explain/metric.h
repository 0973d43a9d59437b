/* metric.h — the map-metric table of clvis_evaluate: each metric is one row (and one small file,
 * metric_*.c) that perturbs the input by the map and scores the perturbed images. metric.c
 * checks the arguments, resizes the map to the input and runs the images in device batches;
 * road_impute.c is ROAD's noisy linear imputer. */
#ifndef CLVIS_EXPLAIN_METRIC_H
#define CLVIS_EXPLAIN_METRIC_H

#include <stddef.h>
#include <stdint.h>

#include "clvis.h"
#include "explain/explain.h"
#include "graph/engine.h"

/* One evaluation: the model, the item, the map at the input's size, the class. */
typedef struct {
    graph *g;
    const clvis_evaluate_options *opt;
    const float *x;   /* one item, NHWC */
    const float *map; /* h*w, the input's size */
    int cls, out;     /* the class; the output node */
    int binary;       /* a one-unit (sigmoid) output: class 1 = p, class 0 = 1 - p */
    shape3 in;        /* the input node's (c, h, w) */
    size_t count;     /* floats of one item */
    int chunk;        /* most items per device batch */
    float score, prob; /* S(x), P(x) */
} metric_run;

/* S (prob = 0) or P (prob = 1) of the class for n items (NHWC, one after another), in device
 * batches of at most r->chunk. A one-unit output (r->binary): P = p or 1 - p (p: the unit, or
 * the sigmoid of a linear unit); S = P, or +-the unit when it is linear (a logit). */
clvis_status metric_scores(metric_run *r, const float *xs, int n, int prob, float *out);

typedef struct {
    const char *name;    /* the --metric name */
    const char *summary; /* one line */
    /* fills res->value, images, n_curve / curve (malloc'd), step_pixels */
    clvis_status (*run)(metric_run *r, clvis_evaluate_result *res);
} metric_def;

/* metric_confidence.c, metric_road.c, metric_insdel.c */
extern const metric_def metric_change, metric_drop, metric_increase, metric_road_morf,
    metric_road_lerf, metric_road, metric_insertion, metric_deletion;

/* ---- ROAD's imputer (road_impute.c) ---------------------------------------------------------- */
/* pytorch-grad-cam's NoisyLinearImputer (Rong et al.'s imputations.py): every pixel with
 * keep[p] == 0 of x (h*w*c, NHWC) is replaced, in each channel, by the solution of
 *   sum_n w_n * (v_p - v_n) = 0  over its in-image 8-neighbours n (w = 1/6 edge, 1/12 corner)
 * with the kept pixels fixed, plus noise * N(0, 1) when noise > 0 (drawn from mt, Box-Muller).
 * The system is symmetric positive definite when at least one pixel is kept; it is solved by
 * conjugate gradients (MIC(0)-preconditioned) in double until ||r|| <= 1e-12 ||b||. With no
 * pixel kept the removed pixels become 0 (the system is singular; scipy returns NaN).
 * out: h*w*c floats. */
clvis_status road_impute(const float *x, int h, int w, int c, const unsigned char *keep,
                         float noise, viz_mt19937 *mt, float *out);
/* The system of road_impute for the removed pixels in row-major order (n of them): dense
 * n*n matrix A and right-hand side b (n*c, channel inner) with A v = b. For the tests. */
clvis_status road_system(const float *x, int h, int w, int c, const unsigned char *keep,
                         double *a, double *b, int *n);
/* numpy.percentile(v[0..n), q) of a float32 array (method linear, q in [0, 100]) as numpy 2
 * computes it: the index in double, the interpolation in float32. */
float road_percentile(const float *v, size_t n, double q);

#endif

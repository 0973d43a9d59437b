/* saliency.h — the gradient-attribution method table: each method is one row (and one small
 * file, sal_*.c) turning the class score's input gradient into an attribution of the input's
 * shape. saliency.c picks the class and the score, runs the batched passes they share and
 * draws the 2-D map. */
#ifndef CLVIS_EXPLAIN_SALIENCY_H
#define CLVIS_EXPLAIN_SALIENCY_H

#include <stddef.h>

#include "clvis.h"
#include "graph/engine.h"

/* One run: the model, the class, where its score's backward pass starts, the input's size. */
typedef struct {
    clvis_model *m;
    graph *g;
    const clvis_saliency_options *opt;
    int cls, out, from; /* the output node; the seeded node (the output, or a softmax's input) */
    /* the seeded unit and its sign: the class, +1; a one-unit (sigmoid) output's class 0 = 1 - p:
     * unit 0, -1 (the gradient of -p, or of -logit: clvis_gradcam's rule). Set by sal_score. */
    int unit;
    float sign;
    unsigned flags;     /* GRAPH_LINEAR_FROM for a logit through a fused softmax / sigmoid */
    shape3 in;          /* the input node's (c, h, w) */
    size_t count;       /* floats of one input item */
    int chunk;          /* most items per device batch */
} sal_run;

/* dS/dx for n inputs (n items NHWC, one after another) in device batches of at most r->chunk:
 * grad receives n items NHWC. extra: GRAPH_GUIDED_RELU or 0. */
clvis_status sal_gradients(sal_run *r, const float *x, int n, unsigned extra, float *grad);
/* One item's activation at `layer` (NCHW) and dS/d(that activation) (NCHW). */
clvis_status sal_layer_gradient(sal_run *r, const float *x, int layer, float *act, float *grad);
/* The baseline of integrated gradients for x (one item NHWC), by r->opt (sal_baseline.c). */
clvis_status sal_baseline(const sal_run *r, const float *x, float *b);
/* S(x) and the model output of the class for one item (score may equal prob); with r->cls
 * < 0 the top-1 class becomes r->cls (a one-unit output: 1 when p > 0.5, else 0). A one-unit
 * output has two classes: 1 (prob p, score p or the logit) and 0 (prob 1 - p, score 1 - p or
 * minus the logit); r->unit and r->sign are set from the class. */
clvis_status sal_score(sal_run *r, const float *x, float *score, float *prob);

/* How a method's attribution becomes the 2-D map (h*w). */
typedef enum {
    SAL_MAP_ABS_MAX = 0, /* max over channels of |attr|, / max: [0, 1] */
    SAL_MAP_SIGNED_MAX,  /* attr at the channel of largest |attr|, / max |.|: [-1, 1] */
    SAL_MAP_SUM          /* sum over channels, / max |.|: [-1, 1] */
} sal_map_kind;

typedef struct {
    const char *name;    /* the --method name */
    const char *summary; /* one line: what it computes, after whom */
    sal_map_kind map;
    int rgb;             /* 1: drawn as an RGB image of attr (deprocess_image) */
    /* attr: r->count floats, NHWC. res: the fields the method fills (steps, samples, ig_sum,
     * score_baseline, layer). */
    clvis_status (*attribute)(sal_run *r, const float *x, float *attr,
                              clvis_saliency_result *res);
} sal_method;

/* sal_vanilla.c, sal_inputxgrad.c, sal_guided.c, sal_guided_gradcam.c, sal_smoothgrad.c,
 * sal_ig.c */
extern const sal_method sal_vanilla, sal_vanilla_signed, sal_inputxgrad, sal_guided,
    sal_guided_gradcam, sal_smoothgrad, sal_ig;

#endif

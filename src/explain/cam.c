/* cam.c — what every class-activation method shares (listings 5.40-5.44): the forward pass,
 * the class (top-1 unless asked), the score's gradient at a convolutional layer, then the
 * method's map. A logit score is the pre-softmax value of the output: the backward pass starts
 * at the output with its activation treated as linear, or at the input of a separate
 * softmax / sigmoid layer. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model.h"
#include "core/error.h"
#include "explain/cam.h"
#include "graph/engine.h"

static const cam_method *const methods[] = {&cam_gradcam_book, &cam_gradcam_paper,
                                            &cam_gradcampp,     &cam_xgradcam,
                                            &cam_layercam,      &cam_hirescam,
                                            &cam_eigencam,      &cam_eigengradcam,
                                            &cam_scorecam,      &cam_ablationcam,
                                            &cam_fullgrad};
enum { N_METHODS = sizeof methods / sizeof methods[0] };

void cam_finish(const double *acc, size_t hw, float *map, int *all_nonpositive)
{
    double mx = 0.0;
    for (size_t i = 0; i < hw; i++)
        if (acc[i] > mx)
            mx = acc[i];
    for (size_t i = 0; i < hw; i++)
        map[i] = mx > 0.0 && acc[i] > 0.0 ? (float)(acc[i] / mx) : 0.0f;
    if (all_nonpositive)
        *all_nonpositive = !(mx > 0.0);
}

int cam_batch(const graph *g, int n, int asked)
{
    if (asked > 0)
        return asked < n ? asked : n;
    size_t per = graph_item_floats(g) * sizeof(float);
    uint64_t mem = graph_device_memory(g) / 4;
    size_t fit = per ? (size_t)(mem / per) : 32;
    fit = fit < 1 ? 1 : fit > 32 ? 32 : fit;
    return fit < (size_t)n ? (int)fit : n;
}

clvis_status cam_scores(const cam_input *in, int n, float *y, double *s)
{
    if (in->score_node < 0)
        return err_set(CLVIS_ERR_UNSUPPORTED, "%s: the logit of the output layer '%s' (a fused "
                       "activation) cannot be read for a batch; use --score prob",
                       "forward-pass CAM", graph_node_name(in->g, graph_count(in->g) - 1));
    clvis_status st;
    if (in->score_preact) {
        st = graph_preact_batch(in->g, in->score_node, in->cls, y);
        for (int b = 0; !st && b < n; b++)
            s[b] = y[b];
    } else {
        shape3 os = graph_node_shape(in->g, in->score_node);
        size_t ncls = (size_t)os.c * os.h * os.w;
        st = graph_read(in->g, in->score_node, LAYOUT_NCHW, y);
        for (int b = 0; !st && b < n; b++)
            s[b] = y[(size_t)b * ncls + in->cls];
    }
    for (int b = 0; !st && b < n; b++)
        s[b] = in->neg == CAM_NEG_ONE_MINUS ? 1.0 - s[b] : in->neg == CAM_NEG_MINUS ? -s[b] : s[b];
    return st;
}

void cam_weighted_sum(const cam_input *in, const double *w, double *acc)
{
    size_t hw = (size_t)in->h * in->w;
    for (size_t i = 0; i < hw; i++)
        acc[i] = 0.0;
    for (int ch = 0; ch < in->k; ch++)
        for (size_t i = 0; i < hw; i++)
            acc[i] += w[ch] * in->act[(size_t)ch * hw + i];
}

int cam_bad_input(const cam_input *in)
{
    if (in && in->act && in->grad && in->n > 0 && in->k > 0 && in->h > 0 && in->w > 0)
        return 0;
    err_set(CLVIS_ERR_INVALID_ARG, "cam: bad input n %d k %d %dx%d", in ? in->n : 0,
            in ? in->k : 0, in ? in->h : 0, in ? in->w : 0);
    return 1;
}

const cam_method *cam_find(const char *name)
{
    for (int i = 0; name && i < N_METHODS; i++)
        if (!strcmp(methods[i]->name, name))
            return methods[i];
    return NULL;
}

const char *clvis_cam_method_name(int i)
{
    return i >= 0 && i < N_METHODS ? methods[i]->name : NULL;
}

const char *clvis_cam_method_summary(int i)
{
    return i >= 0 && i < N_METHODS ? methods[i]->summary : NULL;
}

/* 1 when a convolution computes node i or one of its ancestors. */
static int has_conv_below(const graph *g, int i)
{
    for (int j = i; j > 0; j--)
        if (graph_node_role(g, j) == ROLE_CONV && graph_depends(g, i, j))
            return 1;
    return 0;
}

int clvis_gradcam_default_layer(const clvis_model *m)
{
    /* The last feature map before the spatial collapse (global pooling or flatten): the last
     * node with a spatial output that is a convolution, a pointwise layer after one (batch norm,
     * activation) or a join of such maps (a residual add, a concatenation, squeeze-excitation's
     * product), on the way to the output. Pools are not feature maps of their own: VGG16's is
     * block5_conv3 (the book's), ResNet's the last block's ReLU, MobileNetV2's out_relu. */
    const graph *g = model_graph(m);
    int n = graph_count(g), out = n - 1;
    for (int i = n - 1; i > 0; i--) {
        shape3 s = graph_node_shape(g, i);
        node_role r = graph_node_role(g, i);
        if ((s.h > 1 || s.w > 1) && (r == ROLE_CONV || r == ROLE_POINTWISE || r == ROLE_JOIN) &&
            graph_depends(g, out, i) && has_conv_below(g, i))
            return i;
    }
    return -1;
}

void clvis_gradcam_free(clvis_gradcam_result *r)
{
    if (r) {
        free(r->map);
        r->map = NULL;
    }
}

/* Where the backward pass starts for a logit score, and the logit itself when it is cheap to
 * have (*from = the output and *flags = 0 for a model whose output is already linear). */
static clvis_status logit_start(graph *g, int out, int cls, int ncls, float *y, int *from,
                                unsigned *flags, float *score)
{
    node_role r = graph_node_role(g, out);
    node_ending e = graph_node_ending(g, out);
    if (r == ROLE_POINTWISE && (e == ENDS_PROBABILITY || e == ENDS_LOG_PROBABILITY) &&
        graph_node_inputs(g, out) == 1) {
        *from = graph_node_input(g, out, 0); /* a separate softmax layer: seed its input */
        shape3 z = graph_node_shape(g, *from);
        if (z.c * z.h * z.w != ncls)
            return err_set(CLVIS_ERR_UNSUPPORTED, "logit score: unexpected output layer shape");
        clvis_status st = graph_read(g, *from, LAYOUT_NCHW, y);
        if (!st)
            *score = y[cls];
        return st;
    }
    if ((r == ROLE_DENSE || r == ROLE_CONV) && e == ENDS_PROBABILITY) {
        *flags = GRAPH_LINEAR_FROM; /* through the output layer as if linear */
        return r == ROLE_DENSE ? graph_preact(g, out, cls, score) : CLVIS_OK;
    }
    if (e == ENDS_OTHER && r != ROLE_POINTWISE)
        return err_set(CLVIS_ERR_UNSUPPORTED,
                       "--score logit: the output layer '%s' has no softmax/sigmoid to skip",
                       graph_node_name(g, out));
    return CLVIS_OK;
}

clvis_status clvis_gradcam(clvis_model *m, const float *x, const clvis_gradcam_options *opt,
                           clvis_gradcam_result *res)
{
    if (!m || !x || !res)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_gradcam: NULL argument");
    memset(res, 0, sizeof *res);
    graph *g = model_graph(m);
    clvis_gradcam_options o = {-1, -1, 0, NULL, 0, NULL, NULL};
    if (opt)
        o = *opt;
    const cam_method *method = o.method  ? cam_find(o.method)
                               : o.logit ? &cam_gradcam_paper
                                         : &cam_gradcam_book;
    if (!method) {
        char known[256] = "";
        for (int i = 0; i < N_METHODS; i++)
            snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
                     methods[i]->name);
        return err_set(CLVIS_ERR_INVALID_ARG, "unknown CAM method '%.60s' (known: %s)", o.method,
                       known);
    }
    int out = graph_count(g) - 1;
    shape3 os = graph_node_shape(g, out);
    /* units: the output's values; a one-unit (sigmoid) output has two classes, 1 = p and
     * 0 = 1 - p, whose score is the unit's times -1 (pytorch-grad-cam's
     * BinaryClassifierOutputTarget): class 0's gradient is minus class 1's */
    int ncls = os.c * os.h * os.w, binary = ncls == 1, nclasses = binary ? 2 : ncls;
    if (o.layer < 0) {
        o.layer = clvis_gradcam_default_layer(m);
        if (o.layer < 0)
            return err_set(CLVIS_ERR_UNSUPPORTED, "%s has no convolutional layer for Grad-CAM",
                           graph_name(g));
    }
    if (o.layer >= graph_count(g))
        return err_set(CLVIS_ERR_INVALID_ARG, "layer index %d out of range", o.layer);
    shape3 as = graph_node_shape(g, o.layer);
    if (o.layer == 0 || o.layer == out || (as.h == 1 && as.w == 1) ||
        !graph_depends(g, out, o.layer))
        return err_set(CLVIS_ERR_UNSUPPORTED,
                       "layer '%s' (%s, output %dx%dx%d) is not a convolutional feature map "
                       "between the input and the output; Grad-CAM needs one (default: the last "
                       "conv layer)",
                       graph_node_name(g, o.layer), graph_node_type(g, o.layer), as.h, as.w, as.c);
    if (o.cls >= nclasses)
        return err_set(CLVIS_ERR_INVALID_ARG, "class %d out of range: the model has %d %s "
                       "(0..%d)", o.cls, nclasses, binary ? "classes (one sigmoid output)"
                       : "outputs", nclasses - 1);
    size_t acount = (size_t)as.c * as.h * as.w;
    /* FullGrad: every bias layer to the input, a map at the input's size */
    int full = method == &cam_fullgrad;
    shape3 ms = full ? graph_node_shape(g, 0) : as;
    float *y = malloc((size_t)ncls * sizeof *y), *seed = calloc((size_t)ncls, sizeof *seed);
    float *act = malloc(acount * sizeof *act), *grad = malloc(acount * sizeof *grad);
    res->map = malloc((size_t)ms.h * ms.w * sizeof *res->map);
    clvis_status st = CLVIS_OK;
    if (!y || !act || !grad || !seed || !res->map) {
        st = err_set(CLVIS_ERR_NO_MEMORY, "gradcam: out of memory");
        goto done;
    }
    if ((st = graph_plan(g, 1)) || (st = graph_set_input(g, LAYOUT_NHWC, x)) ||
        (st = graph_forward(g, -1)) || (st = graph_read(g, out, LAYOUT_NCHW, y)) ||
        (st = graph_read(g, o.layer, LAYOUT_NCHW, act)))
        goto done;
    int linear = graph_node_ending(g, out) == ENDS_LINEAR;
    float p1 = binary ? (linear ? 1.0f / (1.0f + expf(-y[0])) : y[0]) : 0.0f;
    if (o.cls < 0 && binary)
        o.cls = p1 > 0.5f; /* the predicted class */
    else if (o.cls < 0) {
        o.cls = 0;
        for (int i = 1; i < ncls; i++)
            if (y[i] > y[o.cls])
                o.cls = i;
    }
    int unit = binary ? 0 : o.cls;
    float sign = binary && o.cls == 0 ? -1.0f : 1.0f;
    res->layer = o.layer;
    res->cls = o.cls;
    res->prob = binary ? (o.cls ? p1 : 1.0f - p1) : y[o.cls];
    res->score = y[unit];
    res->h = ms.h;
    res->w = ms.w;
    int from = out;
    unsigned flags = 0;
    /* the method's score, or the logit when asked for (with method NULL, logit picked the row) */
    int logit = method->logit || (o.method && o.logit);
    if (logit && (st = logit_start(g, out, unit, ncls, y, &from, &flags, &res->score)))
        goto done;
    if (binary) /* class 0: -logit, or 1 - p (the gradient of -p) */
        res->score = logit || linear ? sign * res->score : res->prob;
    seed[unit] = sign; /* one-hot at the seeded node: flat outputs are (units, 1, 1) */
    if ((st = graph_seed(g, from, LAYOUT_NCHW, seed)) ||
        (st = graph_backward(g, from, full ? 0 : o.layer, flags)) ||
        (st = graph_read_grad(g, o.layer, LAYOUT_NCHW, grad)))
        goto done;
    cam_input in = {.n = 1,          .k = as.c,     .h = as.h,   .w = as.w,
                    .act = act,      .grad = grad,  .g = g,      .layer = o.layer,
                    .score_node = from, .cls = unit, .x = x,     .batch = o.batch,
                    .from = from, .progress = o.progress, .progress_user = o.progress_user};
    if (binary && o.cls == 0) /* a sigmoid's class 0: 1 - p, or -logit */
        in.neg = logit || linear ? CAM_NEG_MINUS : CAM_NEG_ONE_MINUS;
    if (flags) { /* the logit of a fused softmax: a dense layer's pre-activation can be read */
        in.score_preact = graph_node_role(g, out) == ROLE_DENSE;
        in.score_node = in.score_preact ? out : -1;
    }
    st = method->map(&in, res->map, &res->all_nonpositive);
done:
    free(y);
    free(act);
    free(grad);
    free(seed);
    if (st)
        clvis_gradcam_free(res);
    return st;
}

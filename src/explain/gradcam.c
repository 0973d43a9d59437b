/* gradcam.c — listings 5.40-5.44: the class score's gradient at a convolutional layer, pooled
 * per channel, weighting that layer's output. Book mode differentiates the post-softmax
 * probability; logit mode the pre-softmax value of the last layer, obtained exactly by running
 * the backward pass of the output layer with its activation treated as linear (its forward
 * output is not needed for a linear activation's gradient), or by seeding the input of a
 * separate Activation('softmax') layer. */
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "viz/book.h"
#include "explain/explain.h"

int clvis_gradcam_default_layer(const clvis_model *cm)
{
    graph *g = model_graph(cm);
    int cur = -1;
    for (int i = g->n_nodes - 1; i > 0; i--)
        if (g->nodes[i].op == OP_CONV2D && (g->nodes[i].out.h > 1 || g->nodes[i].out.w > 1)) {
            cur = i;
            break;
        }
    if (cur < 0)
        return -1;
    for (int j = cur + 1; j < g->n_nodes; j++) {
        const node *v = &g->nodes[j];
        if (v->n_inputs == 1 && v->inputs[0] == cur &&
            (v->op == OP_ACT || v->op == OP_BATCHNORM || v->op == OP_IDENTITY))
            cur = j;
    }
    return cur;
}

static const char *const cam_names[][2] = {
    {"gradcam", "the book: gradient of the post-softmax probability, channel-mean weights"},
    {"gradcam-paper", "Selvaraju et al.: gradient of the pre-softmax logit, channel sum"},
};

const char *clvis_cam_method_name(int i)
{
    return i >= 0 && i < (int)(sizeof cam_names / sizeof cam_names[0]) ? cam_names[i][0] : NULL;
}

const char *clvis_cam_method_summary(int i)
{
    return clvis_cam_method_name(i) ? cam_names[i][1] : NULL;
}

void clvis_gradcam_free(clvis_gradcam_result *r)
{
    if (r) {
        free(r->map);
        r->map = NULL;
    }
}

/* 1 when node `to` is an ancestor of (or is) `from`. */
static int depends(const graph *g, int from, int to)
{
    unsigned char *mark = calloc((size_t)g->n_nodes, 1);
    if (!mark)
        return 1;
    mark[from] = 1;
    for (int i = from; i >= 0; i--)
        if (mark[i])
            for (int k = 0; k < g->nodes[i].n_inputs; k++)
                mark[g->nodes[i].inputs[k]] = 1;
    int r = mark[to];
    free(mark);
    return r;
}

/* The pre-activation value of unit cls of a Dense layer (its fused kernel keeps only the
 * activated output): sum_i x_i * W[i][cls] + b[cls] in double, from the device buffers. */
static clvis_status dense_logit(graph *g, const node *D, int cls, float *out)
{
    const node *X = &g->nodes[D->inputs[0]];
    size_t nin = (size_t)X->out.c * X->out.h * X->out.w, nout = (size_t)D->out.c;
    float *xv = malloc(nin * sizeof *xv), *w = malloc(nin * nout * sizeof *w), b = 0;
    clvis_status st = CLVIS_OK;
    if (!xv || !w)
        st = err_set(CLVIS_ERR_NO_MEMORY, "gradcam: out of memory");
    if (!st)
        st = buffer_read(g->ctx, X->y.mem, X->y.off * sizeof(float), nin * sizeof(float), xv);
    if (!st)
        st = buffer_read(g->ctx, D->weight[0], 0, nin * nout * sizeof(float), w);
    if (!st && D->use_bias && D->weight[1])
        st = buffer_read(g->ctx, D->weight[1], (size_t)cls * sizeof(float), sizeof(float), &b);
    if (!st) {
        /* x in NCHW order; Keras flattens NHWC: for (c,1,1) inputs both agree. The loader
         * permutes Dense rows after a Flatten, so W rows follow the engine's order. */
        double s = b;
        for (size_t i = 0; i < nin; i++)
            s += (double)xv[i] * w[i * nout + (size_t)cls];
        *out = (float)s;
    }
    free(xv);
    free(w);
    return st;
}

clvis_status clvis_gradcam(clvis_model *m, const float *x, const clvis_gradcam_options *opt,
                         clvis_gradcam_result *res)
{
    if (!m || !x || !res)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_gradcam: NULL argument");
    memset(res, 0, sizeof *res);
    graph *g = model_graph(m);
    clvis_gradcam_options o = {-1, -1, 0, NULL};
    if (opt)
        o = *opt;
    if (o.method) {
        int k = 0;
        while (clvis_cam_method_name(k) && strcmp(clvis_cam_method_name(k), o.method))
            k++;
        if (!clvis_cam_method_name(k))
            return err_set(CLVIS_ERR_INVALID_ARG, "unknown CAM method '%s' (gradcam, gradcam-paper)",
                           o.method);
        o.logit = k == 1;
    }
    int out = g->n_nodes - 1;
    node *O = &g->nodes[out];
    int ncls = O->out.c * O->out.h * O->out.w;
    if (o.layer < 0) {
        o.layer = clvis_gradcam_default_layer(m);
        if (o.layer < 0)
            return err_set(CLVIS_ERR_UNSUPPORTED, "%s has no convolutional layer for Grad-CAM",
                           g->name);
    }
    if (o.layer >= g->n_nodes)
        return err_set(CLVIS_ERR_INVALID_ARG, "layer index %d out of range", o.layer);
    node *A = &g->nodes[o.layer];
    if (o.layer == 0 || o.layer == out || (A->out.h == 1 && A->out.w == 1) ||
        !depends(g, out, o.layer))
        return err_set(CLVIS_ERR_UNSUPPORTED,
                       "layer '%s' (%s, output %dx%dx%d) is not a convolutional feature map "
                       "between the input and the output; Grad-CAM needs one (default: the last "
                       "conv layer)",
                       A->name, A->type, A->out.h, A->out.w, A->out.c);
    if (o.cls >= ncls)
        return err_set(CLVIS_ERR_INVALID_ARG, "class %d out of range: the model has %d outputs "
                       "(0..%d)", o.cls, ncls, ncls - 1);
    shape3 in = g->nodes[0].out, as = A->out;
    size_t item = (size_t)in.c * in.h * in.w, acount = (size_t)as.c * as.h * as.w;
    float *xin = malloc(item * sizeof *xin), *y = malloc((size_t)ncls * sizeof *y);
    float *act = malloc(acount * sizeof *act), *grad = malloc(acount * sizeof *grad);
    float *seed = calloc((size_t)ncls, sizeof *seed);
    res->map = malloc((size_t)as.h * as.w * sizeof *res->map);
    clvis_status st = CLVIS_OK;
    if (!xin || !y || !act || !grad || !seed || !res->map) {
        st = err_set(CLVIS_ERR_NO_MEMORY, "gradcam: out of memory");
        goto done;
    }
    size_t hw = (size_t)in.h * in.w;
    for (size_t p = 0; p < hw; p++)
        for (int c = 0; c < in.c; c++)
            xin[(size_t)c * hw + p] = x[p * in.c + c];
    if ((st = graph_plan(g, 1)) || (st = graph_set_input(g, xin)) ||
        (st = graph_forward(g, -1)))
        goto done;
    if ((st = buffer_read(g->ctx, O->y.mem, O->y.off * sizeof(float), (size_t)ncls * sizeof(float),
                          y)) ||
        (st = buffer_read(g->ctx, A->y.mem, A->y.off * sizeof(float), acount * sizeof(float), act)))
        goto done;
    if (o.cls < 0) {
        o.cls = 0;
        for (int i = 1; i < ncls; i++)
            if (y[i] > y[o.cls])
                o.cls = i;
    }
    res->layer = o.layer;
    res->cls = o.cls;
    res->prob = y[o.cls];
    res->score = y[o.cls];
    res->h = as.h;
    res->w = as.w;
    int from = out;
    act_kind saved = O->act;
    int patched = 0;
    if (o.logit) {
        if (O->op == OP_ACT && (O->act == ACT_SOFTMAX || O->act == ACT_SIGMOID) &&
            O->n_inputs == 1) {
            from = O->inputs[0]; /* separate Activation layer: seed the logits directly */
            node *Z = &g->nodes[from];
            if (Z->out.c * Z->out.h * Z->out.w != ncls) {
                st = err_set(CLVIS_ERR_UNSUPPORTED, "logit score: unexpected output layer shape");
                goto done;
            }
            if ((st = buffer_read(g->ctx, Z->y.mem, Z->y.off * sizeof(float),
                                  (size_t)ncls * sizeof(float), y)))
                goto done;
            res->score = y[o.cls];
        } else if ((O->op == OP_DENSE || O->op == OP_CONV2D) &&
                   (O->act == ACT_SOFTMAX || O->act == ACT_SIGMOID)) {
            patched = 1; /* backward through the output layer as if linear */
            if (O->op == OP_DENSE && (st = dense_logit(g, O, o.cls, &res->score)))
                goto done;
        } else if (O->act != ACT_LINEAR && O->op != OP_ACT) {
            st = err_set(CLVIS_ERR_UNSUPPORTED,
                         "--score logit: the output layer '%s' has no softmax/sigmoid to skip",
                         O->name);
            goto done;
        }
    }
    seed[o.cls] = 1.0f;
    {
        /* one-hot in NCHW of the seeded node: flat outputs are (units, 1, 1) */
        if ((st = graph_seed(g, from, seed)))
            goto done;
        if (patched)
            O->act = ACT_LINEAR;
        st = graph_backward(g, from, o.layer);
        if (patched)
            O->act = saved;
        if (st)
            goto done;
    }
    if ((st = buffer_read(g->ctx, A->dy.mem, A->dy.off * sizeof(float), acount * sizeof(float),
                          grad)))
        goto done;
    st = viz_gradcam_map(res->map, act, grad, 1, as.c, as.h, as.w,
                         o.logit ? VIZ_CAM_SUM : VIZ_CAM_BOOK, &res->all_nonpositive);
done:
    free(xin);
    free(y);
    free(act);
    free(grad);
    free(seed);
    if (st)
        clvis_gradcam_free(res);
    return st;
}

/* model.c — the public clvis_model_* API: a loaded graph, with tensors crossing the boundary
 * in Keras's NHWC order (converted here to and from the engine's NCHW). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model.h"
#include "graph/graph.h"
#include "import/keras.h"

struct clvis_model {
    graph *g;
    float *scratch; /* NCHW staging, grown to the largest tensor moved so far */
    size_t scratch_cap;
};


clvis_model *model_wrap(graph *g)
{
    clvis_model *m = calloc(1, sizeof *m);
    if (m)
        m->g = g;
    return m;
}

graph *model_graph(const clvis_model *m)
{
    return m ? m->g : NULL;
}

clvis_status clvis_model_load(clvis_ctx *ctx, const char *path, const clvis_load_options *opt,
                              clvis_model **out)
{
    if (!ctx || !path || !out)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_model_load: NULL argument");
    *out = NULL;
    /* "vgg16", "vgg19", "..._notop": Keras's own download in ~/.keras/models, as in the book */
    char resolved[4096];
    clvis_status rs = keras_resolve_model(path, resolved, sizeof resolved);
    if (rs == CLVIS_OK)
        path = resolved;
    else if (!strncmp(path, "vgg1", 4) && !strchr(path, '/') && !strchr(path, '.'))
        return rs; /* a known name whose file is missing: that message says where it looked */
    graph *g;
    clvis_status st = keras_load(ctx, path, opt, &g);
    if (st)
        return st;
    clvis_model *m = model_wrap(g);
    if (!m) {
        graph_destroy(g);
        return err_set(CLVIS_ERR_NO_MEMORY, "%s: out of host memory", path);
    }
    *out = m;
    return CLVIS_OK;
}

void clvis_model_destroy(clvis_model *m)
{
    if (!m)
        return;
    graph_destroy(m->g);
    free(m->scratch);
    free(m);
}

int clvis_model_layer_count(const clvis_model *m)
{
    return m ? m->g->n_nodes : 0;
}

static const node *layer(const clvis_model *m, int i)
{
    return (m && i >= 0 && i < m->g->n_nodes) ? &m->g->nodes[i] : NULL;
}

const char *clvis_model_layer_name(const clvis_model *m, int i)
{
    const node *v = layer(m, i);
    return v ? v->name : NULL;
}

const char *clvis_model_layer_type(const clvis_model *m, int i)
{
    const node *v = layer(m, i);
    return v ? v->type : NULL;
}

clvis_shape clvis_model_layer_shape(const clvis_model *m, int i)
{
    const node *v = layer(m, i);
    clvis_shape s = {0, 0, 0, 0};
    if (v)
        s = (clvis_shape){1, v->out.h, v->out.w, v->out.c};
    return s;
}

size_t clvis_model_layer_params(const clvis_model *m, int i)
{
    const node *v = layer(m, i);
    return v ? v->params : 0;
}

clvis_status clvis_model_find_layer(const clvis_model *m, const char *name, int *out)
{
    if (!m || !name || !out)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_model_find_layer: NULL argument");
    int i = graph_find(m->g, name);
    if (i >= 0) {
        *out = i;
        return CLVIS_OK;
    }
    char list[4096];
    size_t len = 0;
    list[0] = 0;
    for (int k = 0; k < m->g->n_nodes && len + 4 < sizeof list; k++) {
        int n = snprintf(list + len, sizeof list - len, "%s%s", k ? ", " : "",
                         m->g->nodes[k].name);
        if (n < 0 || (size_t)n >= sizeof list - len) {
            snprintf(list + (len < sizeof list - 6 ? len : sizeof list - 6), 6, ", ...");
            break;
        }
        len += (size_t)n;
    }
    return err_set(CLVIS_ERR_NOT_FOUND, "no layer named '%s' in %s; layers: %s", name,
                   m->g->name, list);
}

clvis_shape clvis_model_input_shape(const clvis_model *m)
{
    return clvis_model_layer_shape(m, 0);
}

clvis_preprocess clvis_model_preprocess(const clvis_model *m)
{
    return m ? m->g->preprocess : CLVIS_PREPROCESS_RAW;
}

const char *clvis_model_name(const clvis_model *m)
{
    return m ? m->g->name : NULL;
}

static float *staging(clvis_model *m, size_t count)
{
    if (count > m->scratch_cap) {
        float *p = realloc(m->scratch, count * sizeof *p);
        if (!p)
            return NULL;
        m->scratch = p;
        m->scratch_cap = count;
    }
    return m->scratch;
}

/* NHWC <-> NCHW for n items of shape (c, h, w). */
static void nhwc_to_nchw(float *dst, const float *src, int n, shape3 s)
{
    size_t hw = (size_t)s.h * s.w;
    for (int b = 0; b < n; b++)
        for (size_t p = 0; p < hw; p++)
            for (int c = 0; c < s.c; c++)
                dst[((size_t)b * s.c + c) * hw + p] = src[((size_t)b * hw + p) * s.c + c];
}

static void nchw_to_nhwc(float *dst, const float *src, int n, shape3 s)
{
    size_t hw = (size_t)s.h * s.w;
    for (int b = 0; b < n; b++)
        for (int c = 0; c < s.c; c++)
            for (size_t p = 0; p < hw; p++)
                dst[((size_t)b * hw + p) * s.c + c] = src[((size_t)b * s.c + c) * hw + p];
}

clvis_status clvis_model_set_input_size(clvis_model *m, int h, int w)
{
    if (!m)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_model_set_input_size: NULL model");
    return graph_set_input_size(m->g, h, w);
}

clvis_status clvis_model_forward(clvis_model *m, const float *input, int n, int upto)
{
    if (!m || !input)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_model_forward: NULL argument");
    if (upto < -1 || upto >= m->g->n_nodes)
        return err_set(CLVIS_ERR_INVALID_ARG, "layer index %d out of range", upto);
    clvis_status st = graph_plan(m->g, n);
    if (st)
        return st;
    shape3 s = m->g->nodes[0].out;
    float *x = staging(m, (size_t)n * s.c * s.h * s.w);
    if (!x)
        return err_set(CLVIS_ERR_NO_MEMORY, "forward: out of host memory");
    nhwc_to_nchw(x, input, n, s);
    if ((st = graph_set_input(m->g, x)))
        return st;
    return graph_forward(m->g, upto);
}

clvis_status clvis_model_read(clvis_model *m, int i, float *out)
{
    if (!m || !out || i < 0 || i >= m->g->n_nodes)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_model_read: bad layer or NULL output");
    if (m->g->forward_done < 0)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_model_read: run forward first");
    node *v = &m->g->nodes[i];
    size_t count = tensor_count(v->y);
    float *x = staging(m, count);
    if (!x)
        return err_set(CLVIS_ERR_NO_MEMORY, "read: out of host memory");
    clvis_status st = buffer_read(m->g->ctx, v->y.mem, v->y.off * sizeof(float),
                                  count * sizeof(float), x);
    if (st)
        return st;
    nchw_to_nhwc(out, x, m->g->batch, v->out);
    return CLVIS_OK;
}

clvis_status clvis_model_backward(clvis_model *m, int from, const float *seed, int to,
                                  float *grad)
{
    if (!m || !seed || !grad)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_model_backward: NULL argument");
    if (to == -1)
        to = 0;
    if (from < 0 || from >= m->g->n_nodes || to < 0 || to >= m->g->n_nodes)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_model_backward: layer index out of range");
    graph *g = m->g;
    shape3 sf = g->nodes[from].out, st_ = g->nodes[to].out;
    size_t nf = (size_t)g->batch * sf.c * sf.h * sf.w, nt = (size_t)g->batch * st_.c * st_.h * st_.w;
    float *x = staging(m, nf > nt ? nf : nt);
    if (!x)
        return err_set(CLVIS_ERR_NO_MEMORY, "backward: out of host memory");
    nhwc_to_nchw(x, seed, g->batch, sf);
    clvis_status st = graph_seed(g, from, x);
    if (!st)
        st = graph_backward(g, from, to);
    if (!st)
        st = buffer_read(g->ctx, g->nodes[to].dy.mem, g->nodes[to].dy.off * sizeof(float),
                         nt * sizeof(float), x);
    if (st)
        return st;
    nchw_to_nhwc(grad, x, g->batch, st_);
    return CLVIS_OK;
}

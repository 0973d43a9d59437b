/* model.c — the public clvis_model_* API: a loaded graph, with tensors crossing the boundary
 * in NHWC order (the engine converts them, graph/layout.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model.h"
#include "graph/graph.h"
#include "import/import.h"

struct clvis_model {
    graph *g;
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
    graph *g;
    clvis_status st = import_load(ctx, path, opt, &g);
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
    free(m);
}

int clvis_model_layer_count(const clvis_model *m)
{
    return m ? graph_count(m->g) : 0;
}

const char *clvis_model_layer_name(const clvis_model *m, int i)
{
    return m ? graph_node_name(m->g, i) : NULL;
}

const char *clvis_model_layer_type(const clvis_model *m, int i)
{
    return m ? graph_node_type(m->g, i) : NULL;
}

clvis_shape clvis_model_layer_shape(const clvis_model *m, int i)
{
    if (!m || i < 0 || i >= graph_count(m->g))
        return (clvis_shape){0, 0, 0, 0};
    shape3 s = graph_node_shape(m->g, i);
    return (clvis_shape){1, s.h, s.w, s.c};
}

size_t clvis_model_layer_params(const clvis_model *m, int i)
{
    return (m && i >= 0 && i < m->g->n_nodes) ? m->g->nodes[i].params : 0;
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

const char *clvis_model_preprocess_source(const clvis_model *m)
{
    return m && m->g->preprocess_source[0] ? m->g->preprocess_source : NULL;
}

const char *clvis_preprocess_name(clvis_preprocess p)
{
    static const char *names[] = {"raw", "scale", "tf", "caffe", "torch"};
    return (int)p >= 0 && (int)p < 5 ? names[p] : NULL;
}

const char *clvis_model_name(const clvis_model *m)
{
    return m ? m->g->name : NULL;
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
    if (!st)
        st = graph_set_input(m->g, LAYOUT_NHWC, input);
    return st ? st : graph_forward(m->g, upto);
}

clvis_status clvis_model_read(clvis_model *m, int i, float *out)
{
    if (!m || !out || i < 0 || i >= m->g->n_nodes)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_model_read: bad layer or NULL output");
    if (m->g->forward_done < 0)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_model_read: run forward first");
    return graph_read(m->g, i, LAYOUT_NHWC, out);
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
    clvis_status st = graph_seed(m->g, from, LAYOUT_NHWC, seed);
    if (!st)
        st = graph_backward(m->g, from, to, 0);
    return st ? st : graph_read_grad(m->g, to, LAYOUT_NHWC, grad);
}

/* graph.c — building the node DAG with shape inference, planning its buffers once per batch
 * size, and running forward(upto) / backward(from, to) over it. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cl/profile.h"
#include "graph.h"

/* ---- building ------------------------------------------------------------------------------ */

clvis_status graph_create(clvis_ctx *ctx, const char *name, graph **out)
{
    graph *g = calloc(1, sizeof *g);
    if (!g)
        return err_set(CLVIS_ERR_NO_MEMORY, "graph: out of host memory");
    g->ctx = ctx;
    snprintf(g->name, sizeof g->name, "%s", name ? name : "model");
    g->forward_done = -1;
    *out = g;
    return CLVIS_OK;
}

static void release_plan(graph *g)
{
    for (int i = 0; i < g->n_arenas; i++)
        clReleaseMemObject(g->arenas[i]);
    for (int i = 0; i < g->n_grad_arenas; i++)
        clReleaseMemObject(g->grad_arenas[i]);
    free(g->arenas);
    free(g->grad_arenas);
    g->arenas = g->grad_arenas = NULL;
    g->n_arenas = g->n_grad_arenas = 0;
    g->batch = 0;
    g->forward_done = -1;
    for (int i = 0; i < g->n_nodes; i++) {
        memset(&g->nodes[i].y, 0, sizeof(tensor));
        memset(&g->nodes[i].dy, 0, sizeof(tensor));
    }
}

void graph_destroy(graph *g)
{
    if (!g)
        return;
    release_plan(g);
    for (int i = 0; i < g->n_nodes; i++) {
        for (int s = 0; s < 2; s++)
            if (g->nodes[i].weight[s])
                clReleaseMemObject(g->nodes[i].weight[s]);
        if (g->nodes[i].weight_t)
            clReleaseMemObject(g->nodes[i].weight_t);
        for (int s = 0; s < CONV_PACK_SLOTS; s++)
            if (g->nodes[i].conv_pack[s])
                clReleaseMemObject(g->nodes[i].conv_pack[s]);
    }
    for (int i = 0; i < g->n_alias; i++)
        free(g->alias[i]);
    free(g->alias);
    free(g->alias_id);
    free(g->nodes);
    free(g->grad_live);
    free(g->host);
    free(g);
}

int graph_find(const graph *g, const char *name)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (!strcmp(g->nodes[i].name, name))
            return i;
    for (int i = 0; i < g->n_alias; i++)
        if (!strcmp(g->alias[i], name))
            return g->alias_id[i];
    return -1;
}

void graph_set_type(graph *g, int id, const char *type)
{
    if (id >= 0 && id < g->n_nodes && type)
        snprintf(g->nodes[id].type, sizeof g->nodes[id].type, "%s", type);
}

clvis_status graph_add_alias(graph *g, const char *name, int id)
{
    if (!name || !*name || id < 0 || id >= g->n_nodes)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_add_alias: no name or no such node");
    if (graph_find(g, name) >= 0)
        return err_set(CLVIS_ERR_FORMAT, "the name '%s' is taken twice", name);
    char **a = realloc(g->alias, (size_t)(g->n_alias + 1) * sizeof *a);
    if (a)
        g->alias = a;
    int *ids = a ? realloc(g->alias_id, (size_t)(g->n_alias + 1) * sizeof *ids) : NULL;
    if (ids)
        g->alias_id = ids;
    char *copy = ids ? strdup(name) : NULL;
    if (!copy)
        return err_set(CLVIS_ERR_NO_MEMORY, "graph: out of host memory");
    g->alias[g->n_alias] = copy;
    g->alias_id[g->n_alias++] = id;
    return CLVIS_OK;
}

/* Appends a node with the given inputs (validated) and returns it, or NULL with the error set. */
static node *append(graph *g, const char *name, const char *type, op_kind op, const int *inputs,
                    int n_inputs, clvis_status *st)
{
    *st = CLVIS_OK;
    if (!name || !*name || strlen(name) >= GRAPH_NAME_MAX) {
        *st = err_set(CLVIS_ERR_INVALID_ARG, "layer name missing or longer than %d characters",
                      GRAPH_NAME_MAX - 1);
        return NULL;
    }
    if (graph_find(g, name) >= 0) {
        *st = err_set(CLVIS_ERR_FORMAT, "layer '%s' appears twice", name);
        return NULL;
    }
    if (n_inputs > GRAPH_MAX_INPUTS) {
        *st = err_set(CLVIS_ERR_UNSUPPORTED, "layer '%s': %d inputs (at most %d)", name, n_inputs,
                      GRAPH_MAX_INPUTS);
        return NULL;
    }
    for (int i = 0; i < n_inputs; i++)
        if (inputs[i] < 0 || inputs[i] >= g->n_nodes) {
            *st = err_set(CLVIS_ERR_FORMAT, "layer '%s': input %d is not an earlier layer", name, i);
            return NULL;
        }
    if (op == OP_CONSTANT && g->n_nodes == 0) {
        *st = err_set(CLVIS_ERR_FORMAT, "constant '%s' before the input layer", name);
        return NULL;
    }
    if (op != OP_INPUT && op != OP_CONSTANT && n_inputs == 0) {
        *st = err_set(CLVIS_ERR_FORMAT, "layer '%s' has no input", name);
        return NULL;
    }
    if (g->batch)
        release_plan(g);
    if (g->n_nodes == g->cap_nodes) {
        int cap = g->cap_nodes ? g->cap_nodes * 2 : 32;
        node *grown = realloc(g->nodes, (size_t)cap * sizeof *grown);
        if (!grown) {
            *st = err_set(CLVIS_ERR_NO_MEMORY, "graph: out of host memory");
            return NULL;
        }
        g->nodes = grown;
        g->cap_nodes = cap;
    }
    node *v = &g->nodes[g->n_nodes];
    memset(v, 0, sizeof *v);
    snprintf(v->name, sizeof v->name, "%s", name);
    snprintf(v->type, sizeof v->type, "%s", type);
    v->op = op;
    v->n_inputs = n_inputs;
    for (int i = 0; i < n_inputs; i++)
        v->inputs[i] = inputs[i];
    return v;
}

/* Infers v's output shape through its op's row, checks it and appends v for good. */
static clvis_status commit(graph *g, node *v, int *id)
{
    clvis_status st = op_table[v->op].infer(g, v);
    if (st)
        return err_wrap(st, "layer '%s'", v->name);
    const shape3 s = v->out;
    if (s.c <= 0 || s.h <= 0 || s.w <= 0 || (double)s.c * s.h * s.w > INT_MAX / 2)
        return err_set(CLVIS_ERR_SHAPE, "layer '%s': output shape %dx%dx%d is empty or too large",
                       v->name, s.h, s.w, s.c);
    if (id)
        *id = g->n_nodes;
    g->n_nodes++;
    return CLVIS_OK;
}

static shape3 in_shape(const graph *g, int input)
{
    return g->nodes[input].out;
}

clvis_status graph_add_input(graph *g, const char *name, shape3 s, int *id)
{
    clvis_status st;
    if (g->n_nodes)
        return err_set(CLVIS_ERR_UNSUPPORTED, "input '%s': only single-input models are supported",
                       name);
    node *v = append(g, name, "InputLayer", OP_INPUT, NULL, 0, &st);
    if (!v)
        return st;
    v->out = s;
    return commit(g, v, id);
}

clvis_status graph_add_conv2d_win(graph *g, const char *name, const char *type, int input,
                                  int out_c, const window2d *win, pad_mode pad, int groups,
                                  int use_bias, act_kind act, float act_max, int *id)
{
    clvis_status st;
    if (!win)
        return err_set(CLVIS_ERR_INVALID_ARG, "layer '%s': no window", name ? name : "?");
    node *v = append(g, name, type, OP_CONV2D, &input, 1, &st);
    if (!v)
        return st;
    if (act != ACT_LINEAR && act != ACT_RELU && act != ACT_SIGMOID && act != ACT_TANH &&
        act != ACT_SOFTMAX)
        return err_set(CLVIS_ERR_UNSUPPORTED,
                       "layer '%s': activation %d cannot be fused into a convolution (add it as "
                       "its own layer)",
                       name, (int)act);
    conv2d_params *p = &v->conv;
    p->win = *win;
    if (pad != PAD_EXPLICIT)
        p->win.pad_t = p->win.pad_b = p->win.pad_l = p->win.pad_r = 0; /* resolved by infer */
    p->out_c = out_c;
    p->groups = groups;
    p->act = act == ACT_SOFTMAX ? ACT_LINEAR : act; /* softmax runs as its own kernel */
    p->act_max = act_max;
    v->use_bias = use_bias;
    v->act = act;
    v->act_max = act_max;
    v->padm = pad;
    if ((st = commit(g, v, id)))
        return st;
    v->weight_count[0] = (size_t)out_c * (in_shape(g, input).c / groups) * win->kh * win->kw;
    v->weight_count[1] = use_bias ? (size_t)out_c : 0;
    v->params = v->weight_count[0] + v->weight_count[1];
    return CLVIS_OK;
}

clvis_status graph_add_conv2d(graph *g, const char *name, const char *type, int input, int out_c,
                              int kh, int kw, int sh, int sw, int dh, int dw, pad_mode pad,
                              int groups, int use_bias, act_kind act, float act_max, int *id)
{
    /* Keras refuses strides > 1 with dilation > 1; so does its importer's entry point */
    if ((sh > 1 || sw > 1) && (dh > 1 || dw > 1))
        return err_set(CLVIS_ERR_UNSUPPORTED,
                       "layer '%s': strides > 1 together with dilation > 1 (Keras does not "
                       "define it)",
                       name ? name : "?");
    window2d win = {.kh = kh, .kw = kw, .sh = sh, .sw = sw, .dh = dh, .dw = dw};
    return graph_add_conv2d_win(g, name, type, input, out_c, &win, pad, groups, use_bias, act,
                                act_max, id);
}

clvis_status graph_add_dense(graph *g, const char *name, int input, int units, int use_bias,
                             act_kind act, float act_max, int *id)
{
    clvis_status st;
    node *v = append(g, name, "Dense", OP_DENSE, &input, 1, &st);
    if (!v)
        return st;
    if (act != ACT_LINEAR && act != ACT_RELU && act != ACT_SIGMOID && act != ACT_TANH &&
        act != ACT_SOFTMAX)
        return err_set(CLVIS_ERR_UNSUPPORTED,
                       "layer '%s': activation %d cannot be fused into a dense layer (add it as "
                       "its own layer)",
                       name, (int)act);
    if (units <= 0)
        return err_set(CLVIS_ERR_SHAPE, "layer '%s': %d units", name, units);
    v->act = act;
    v->act_max = act_max;
    v->use_bias = use_bias;
    v->fixed_out = (shape3){units, 1, 1};
    if ((st = commit(g, v, id)))
        return st;
    v->weight_count[0] = (size_t)in_shape(g, input).c * units;
    v->weight_count[1] = use_bias ? (size_t)units : 0;
    v->params = v->weight_count[0] + v->weight_count[1];
    return CLVIS_OK;
}

clvis_status graph_add_act_params(graph *g, const char *name, const char *type, int input,
                                  act_kind act, float p0, float p1, int *id)
{
    clvis_status st;
    node *v = append(g, name, type, OP_ACT, &input, 1, &st);
    if (!v)
        return st;
    switch (act) {
    case ACT_LINEAR:
    case ACT_RELU:
    case ACT_SIGMOID:
    case ACT_TANH:
    case ACT_SOFTMAX:
    case ACT_LEAKY:
    case ACT_HARDSIGMOID:
    case ACT_HARDSWISH:
    case ACT_ELU:
    case ACT_LOGSOFTMAX:
    case ACT_SOFTPLUS:
        if (isnan(p0) || isnan(p1))
            return err_set(CLVIS_ERR_FORMAT, "layer '%s': activation parameters %g, %g", name,
                           p0, p1);
        break;
    case ACT_CLIP:
        if (isnan(p0) || isnan(p1) || p0 > p1)
            return err_set(CLVIS_ERR_FORMAT, "layer '%s': clip to [%g, %g]", name, p0, p1);
        break;
    default:
        return err_set(CLVIS_ERR_UNSUPPORTED, "layer '%s': unknown activation %d", name,
                       (int)act);
    }
    v->act = act;
    v->act_max = p0;
    v->act_p1 = p1;
    return commit(g, v, id);
}

clvis_status graph_add_act(graph *g, const char *name, const char *type, int input, act_kind act,
                           float act_max, int *id)
{
    return graph_add_act_params(g, name, type, input, act, act_max, 0.0f, id);
}

clvis_status graph_add_pool_win(graph *g, const char *name, const char *type, int is_max,
                                int input, const window2d *win, pad_mode pad, int ceil_mode,
                                int count_include_pad, int *id)
{
    clvis_status st;
    if (!win)
        return err_set(CLVIS_ERR_INVALID_ARG, "layer '%s': no window", name ? name : "?");
    node *v = append(g, name, type, is_max ? OP_MAXPOOL : OP_AVGPOOL, &input, 1, &st);
    if (!v)
        return st;
    v->pool.win = *win;
    if (pad != PAD_EXPLICIT)
        v->pool.win.pad_t = v->pool.win.pad_b = v->pool.win.pad_l = v->pool.win.pad_r = 0;
    v->pool.ceil_mode = ceil_mode != 0;
    v->pool.count_include_pad = !is_max && count_include_pad;
    v->padm = pad;
    return commit(g, v, id);
}

clvis_status graph_add_pool(graph *g, const char *name, int is_max, int input, int kh, int kw,
                            int sh, int sw, pad_mode pad, int *id)
{
    window2d win = {.kh = kh, .kw = kw, .sh = sh, .sw = sw, .dh = 1, .dw = 1};
    return graph_add_pool_win(g, name, is_max ? "MaxPooling2D" : "AveragePooling2D", is_max,
                              input, &win, pad, 0, 0, id);
}

clvis_status graph_add_global_pool(graph *g, const char *name, int is_max, int input, int *id)
{
    clvis_status st;
    node *v = append(g, name, is_max ? "GlobalMaxPooling2D" : "GlobalAveragePooling2D",
                     is_max ? OP_GMP : OP_GAP, &input, 1, &st);
    if (!v)
        return st;
    return commit(g, v, id);
}

clvis_status graph_add_zeropad(graph *g, const char *name, int input, int t, int b, int l, int r,
                               int *id)
{
    clvis_status st;
    node *v = append(g, name, "ZeroPadding2D", OP_ZEROPAD, &input, 1, &st);
    if (!v)
        return st;
    if (t < 0 || b < 0 || l < 0 || r < 0)
        return err_set(CLVIS_ERR_SHAPE, "layer '%s': negative padding", name);
    v->pad[0] = t, v->pad[1] = b, v->pad[2] = l, v->pad[3] = r;
    return commit(g, v, id);
}

clvis_status graph_add_batchnorm(graph *g, const char *name, int input, float eps, int *id)
{
    clvis_status st;
    node *v = append(g, name, "BatchNormalization", OP_BATCHNORM, &input, 1, &st);
    if (!v)
        return st;
    if (!(eps >= 0.0f))
        return err_set(CLVIS_ERR_FORMAT, "layer '%s': epsilon %g", name, eps);
    v->bn_eps = eps;
    if ((st = commit(g, v, id)))
        return st;
    v->weight_count[0] = v->weight_count[1] = (size_t)v->out.c;
    v->params = 4 * (size_t)v->out.c;
    return CLVIS_OK;
}

clvis_status graph_add_add(graph *g, const char *name, const int *inputs, int n, int *id)
{
    clvis_status st;
    node *v = append(g, name, "Add", OP_ADD, inputs, n, &st);
    if (!v)
        return st;
    if (n < 2)
        return err_set(CLVIS_ERR_FORMAT, "layer '%s': Add needs at least 2 inputs", name);
    return commit(g, v, id);
}

clvis_status graph_add_concat(graph *g, const char *name, const int *inputs, int n, int *id)
{
    clvis_status st;
    node *v = append(g, name, "Concatenate", OP_CONCAT, inputs, n, &st);
    return v ? commit(g, v, id) : st;
}

clvis_status graph_add_flatten(graph *g, const char *name, const char *type, int input, int *id)
{
    clvis_status st;
    node *v = append(g, name, type, OP_FLATTEN, &input, 1, &st);
    return v ? commit(g, v, id) : st;
}

clvis_status graph_add_reshape(graph *g, const char *name, const char *type, int input,
                               shape3 target, int *id)
{
    clvis_status st;
    node *v = append(g, name, type, OP_RESHAPE, &input, 1, &st);
    if (!v)
        return st;
    v->fixed_out = target;
    return commit(g, v, id);
}

clvis_status graph_add_reshape_plain(graph *g, const char *name, const char *type, int input,
                                     shape3 target, int *id)
{
    clvis_status st;
    node *v = append(g, name, type, OP_RESHAPE_PLAIN, &input, 1, &st);
    if (!v)
        return st;
    v->fixed_out = target;
    return commit(g, v, id);
}

clvis_status graph_add_identity(graph *g, const char *name, const char *type, int input, int *id)
{
    clvis_status st;
    node *v = append(g, name, type, OP_IDENTITY, &input, 1, &st);
    return v ? commit(g, v, id) : st;
}

clvis_status graph_add_binary(graph *g, const char *name, const char *type, bin_op op, int a,
                              int b, int *id)
{
    clvis_status st;
    int in2[2] = {a, b};
    node *v = append(g, name, type, OP_BINARY, in2, 2, &st);
    if (!v)
        return st;
    if ((int)op < BIN_ADD || (int)op > BIN_DIV)
        return err_set(CLVIS_ERR_INVALID_ARG, "layer '%s': unknown elementwise op %d", name,
                       (int)op);
    v->bin = op;
    return commit(g, v, id);
}

clvis_status graph_add_prelu(graph *g, const char *name, int input, int *id)
{
    clvis_status st;
    node *v = append(g, name, "PRelu", OP_PRELU, &input, 1, &st);
    if (!v)
        return st;
    if ((st = commit(g, v, id)))
        return st;
    v->weight_count[0] = (size_t)v->out.c;
    v->params = v->weight_count[0];
    return CLVIS_OK;
}

clvis_status graph_add_constant(graph *g, const char *name, shape3 s, int *id)
{
    clvis_status st;
    node *v = append(g, name, "Constant", OP_CONSTANT, NULL, 0, &st);
    if (!v)
        return st;
    v->fixed_out = s;
    if ((st = commit(g, v, id)))
        return st;
    v->weight_count[0] = (size_t)s.c * s.h * s.w;
    v->params = v->weight_count[0];
    return CLVIS_OK;
}

size_t graph_weight_count(const graph *g, int id, int slot)
{
    if (id < 0 || id >= g->n_nodes || slot < 0 || slot > 1)
        return 0;
    return g->nodes[id].weight_count[slot];
}

static clvis_status upload(graph *g, node *v, int slot, const float *data, size_t count)
{
    if (!v->weight[slot]) {
        clvis_status st = buffer_create(g->ctx, count * sizeof(float), &v->weight[slot]);
        if (st)
            return err_wrap(st, "layer '%s' weights", v->name);
    }
    return buffer_write(g->ctx, v->weight[slot], 0, count * sizeof(float), data);
}

clvis_status graph_set_weight(graph *g, int id, int slot, const float *data, size_t count)
{
    if (id < 0 || id >= g->n_nodes || slot < 0 || slot > 1 || !data)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_set_weight: bad node or slot");
    node *v = &g->nodes[id];
    if (v->op == OP_BATCHNORM)
        return err_set(CLVIS_ERR_INVALID_ARG, "layer '%s': use graph_set_batchnorm", v->name);
    if (count != v->weight_count[slot] || count == 0)
        return err_set(CLVIS_ERR_SHAPE, "layer '%s': weight %d has %zu values, expected %zu",
                       v->name, slot, count, v->weight_count[slot]);
    for (size_t i = 0; i < count; i++)
        if (!isfinite(data[i]))
            return err_set(CLVIS_ERR_FORMAT, "layer '%s': weight %d holds a NaN or infinity at %zu",
                           v->name, slot, i);
    clvis_status st = upload(g, v, slot, data, count);
    if (!st && v->op == OP_CONV2D && slot == 0)
        for (int s = 0; s < CONV_PACK_SLOTS; s++) /* packed again from the new kernel at its next use */
            if (v->conv_pack[s]) {
                clReleaseMemObject(v->conv_pack[s]);
                v->conv_pack[s] = NULL;
            }
    if (st || v->op != OP_DENSE || slot != 0 || !dense_wants_rows(g->ctx))
        return st;
    /* CPU devices stream weight rows: keep the (out, in) transpose too */
    size_t in = count / (size_t)v->out.c, out = (size_t)v->out.c;
    float *t = malloc(count * sizeof *t);
    if (!t)
        return err_set(CLVIS_ERR_NO_MEMORY, "layer '%s': out of host memory", v->name);
    enum { TILE = 32 }; /* tiles keep both sides in cache (BENCHMARKS.md: model setup) */
    for (size_t k0 = 0; k0 < in; k0 += TILE)
        for (size_t o0 = 0; o0 < out; o0 += TILE)
            for (size_t k = k0; k < k0 + TILE && k < in; k++)
                for (size_t o = o0; o < o0 + TILE && o < out; o++)
                    t[o * in + k] = data[k * out + o];
    if (!v->weight_t)
        st = buffer_create(g->ctx, count * sizeof(float), &v->weight_t);
    if (!st)
        st = buffer_write(g->ctx, v->weight_t, 0, count * sizeof(float), t);
    free(t);
    return st ? err_wrap(st, "layer '%s' weights", v->name) : CLVIS_OK;
}

clvis_status graph_set_batchnorm(graph *g, int id, const float *gamma, const float *beta,
                                 const float *mean, const float *var)
{
    if (id < 0 || id >= g->n_nodes || g->nodes[id].op != OP_BATCHNORM || !mean || !var)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_set_batchnorm: not a batch norm node");
    node *v = &g->nodes[id];
    int c = v->out.c;
    float *buf = malloc(2 * (size_t)c * sizeof *buf);
    if (!buf)
        return err_set(CLVIS_ERR_NO_MEMORY, "layer '%s': out of host memory", v->name);
    for (int i = 0; i < c; i++) {
        double s = (gamma ? gamma[i] : 1.0) / sqrt((double)var[i] + v->bn_eps);
        buf[i] = (float)s;
        buf[c + i] = (float)((beta ? beta[i] : 0.0) - mean[i] * s);
        if (!(var[i] + v->bn_eps > 0) || !isfinite(buf[i]) || !isfinite(buf[c + i])) {
            free(buf);
            return err_set(CLVIS_ERR_FORMAT,
                           "layer '%s': channel %d has variance %g (or a NaN / infinity)",
                           v->name, i, var[i]);
        }
    }
    v->params = (size_t)c * (2 + (gamma != NULL) + (beta != NULL));
    clvis_status st = upload(g, v, 0, buf, (size_t)c);
    if (!st)
        st = upload(g, v, 1, buf + c, (size_t)c);
    free(buf);
    return st;
}

/* Output shape of v for its inputs' current shapes; 0 when it cannot run at them. */
static int reinfer(graph *g, node *v)
{
    for (int i = 0; i < v->n_inputs; i++)
        if (g->nodes[v->inputs[i]].invalid)
            return 0;
    return op_table[v->op].infer(g, v) == CLVIS_OK;
}

clvis_status graph_set_input_size(graph *g, int h, int w)
{
    if (g->n_nodes == 0 || h <= 0 || w <= 0 || (double)h * w > 1e8)
        return err_set(CLVIS_ERR_INVALID_ARG, "input size %dx%d", h, w);
    node *in = &g->nodes[0];
    if (in->out.h == h && in->out.w == w)
        return CLVIS_OK;
    release_plan(g);
    in->out.h = h;
    in->out.w = w;
    int usable = 0;
    for (int i = 1; i < g->n_nodes; i++) {
        node *v = &g->nodes[i];
        v->invalid = !reinfer(g, v);
        if (v->invalid)
            v->out = (shape3){1, 1, 1}; /* placeholder: never run */
        else
            usable++;
    }
    if (g->n_nodes > 1 && !usable)
        return err_set(CLVIS_ERR_SHAPE, "%s: no layer can run on a %dx%d input", g->name, h, w);
    return CLVIS_OK;
}

clvis_status graph_check(const graph *g)
{
    if (g->n_nodes == 0 || g->nodes[0].op != OP_INPUT)
        return err_set(CLVIS_ERR_FORMAT, "model has no input layer");
    for (int i = 0; i < g->n_nodes; i++)
        for (int s = 0; s < 2; s++)
            if (g->nodes[i].weight_count[s] && !g->nodes[i].weight[s])
                return err_set(CLVIS_ERR_FORMAT, "layer '%s': missing weight %s",
                               g->nodes[i].name,
                               g->nodes[i].op == OP_CONSTANT ? "value"
                               : g->nodes[i].op == OP_PRELU  ? "slope"
                               : s                           ? "bias"
                                                             : "kernel");
    return CLVIS_OK;
}

/* ---- planning ------------------------------------------------------------------------------ */

/* Packs one tensor per node into as few buffers as the device's largest allocation allows. */
static clvis_status pack(graph *g, int n, int grads, cl_mem **arenas_out, int *n_arenas)
{
    size_t limit = g->ctx->info.max_alloc / sizeof(float);
    if (limit == 0 || limit > (size_t)INT_MAX)
        limit = (size_t)INT_MAX;
    size_t *sizes = calloc((size_t)g->n_nodes + 1, sizeof *sizes);
    int *arena_of = calloc((size_t)g->n_nodes + 1, sizeof *arena_of);
    cl_mem *arenas = calloc((size_t)g->n_nodes + 1, sizeof *arenas);
    clvis_status st = CLVIS_OK;
    if (!sizes || !arena_of || !arenas) {
        st = err_set(CLVIS_ERR_NO_MEMORY, "buffer plan: out of host memory");
        goto done;
    }
    int na = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        node *v = &g->nodes[i];
        size_t count = (size_t)n * v->out.c * v->out.h * v->out.w;
        if (count > limit) {
            st = err_set(CLVIS_ERR_NO_MEMORY,
                         "layer '%s' at batch %d needs %zu floats, more than one device buffer "
                         "holds (%zu)",
                         v->name, n, count, limit);
            goto done;
        }
        if (na == 0 || sizes[na - 1] + count > limit)
            na++;
        tensor *t = grads ? &v->dy : &v->y;
        *t = (tensor){NULL, sizes[na - 1], n, v->out.c, v->out.h, v->out.w};
        sizes[na - 1] += (count + 15) / 16 * 16; /* 64-byte aligned starts */
        arena_of[i] = na - 1;
    }
    for (int a = 0; a < na; a++)
        if ((st = buffer_create(g->ctx, sizes[a] * sizeof(float), &arenas[a]))) {
            st = err_wrap(st, "planning %s buffers for batch %d", grads ? "gradient" : "activation",
                          n);
            for (int b = 0; b < a; b++)
                clReleaseMemObject(arenas[b]);
            goto done;
        }
    for (int i = 0; i < g->n_nodes; i++)
        (grads ? &g->nodes[i].dy : &g->nodes[i].y)->mem = arenas[arena_of[i]];
    *arenas_out = arenas;
    *n_arenas = na;
    arenas = NULL;
done:
    free(sizes);
    free(arena_of);
    free(arenas);
    return st;
}

clvis_status graph_plan(graph *g, int n)
{
    if (n <= 0)
        return err_set(CLVIS_ERR_INVALID_ARG, "batch size %d", n);
    if (g->batch == n)
        return CLVIS_OK;
    release_plan(g);
    clvis_status st = pack(g, n, 0, &g->arenas, &g->n_arenas);
    if (st)
        return st;
    g->batch = n;
    return CLVIS_OK;
}

/* The host staging buffer, grown to `count` floats. */
static float *host_buf(graph *g, size_t count)
{
    if (count > g->host_cap) {
        float *p = realloc(g->host, count * sizeof *p);
        if (!p)
            return NULL;
        g->host = p;
        g->host_cap = count;
    }
    return g->host;
}

/* Writes n items of a host tensor in `layout` into t (NCHW on the device). */
static clvis_status put(graph *g, tensor t, shape3 s, tensor_layout layout, const float *x)
{
    size_t count = tensor_count(t);
    const float *src = x;
    if (layout != LAYOUT_NCHW) {
        float *h = host_buf(g, count);
        if (!h)
            return err_set(CLVIS_ERR_NO_MEMORY, "graph: out of host memory");
        layout_convert(h, LAYOUT_NCHW, x, layout, t.n, s);
        src = h;
    }
    return buffer_write(g->ctx, t.mem, t.off * sizeof(float), count * sizeof(float), src);
}

static clvis_status get(graph *g, tensor t, shape3 s, tensor_layout layout, float *out)
{
    size_t count = tensor_count(t);
    if (layout == LAYOUT_NCHW)
        return buffer_read(g->ctx, t.mem, t.off * sizeof(float), count * sizeof(float), out);
    float *h = host_buf(g, count);
    if (!h)
        return err_set(CLVIS_ERR_NO_MEMORY, "graph: out of host memory");
    clvis_status st = buffer_read(g->ctx, t.mem, t.off * sizeof(float), count * sizeof(float), h);
    if (!st)
        layout_convert(out, layout, h, LAYOUT_NCHW, t.n, s);
    return st;
}

clvis_status graph_set_input(graph *g, tensor_layout layout, const float *x)
{
    if (!g->batch)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_set_input before graph_plan");
    if (!x)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_set_input: NULL input");
    g->forward_done = -1;
    return put(g, g->nodes[0].y, g->nodes[0].out, layout, x);
}

clvis_status graph_read(graph *g, int id, tensor_layout layout, float *out)
{
    if (id < 0 || id >= g->n_nodes || !out)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_read: bad node or NULL output");
    if (g->forward_done < 0)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_read: run forward first");
    return get(g, g->nodes[id].y, g->nodes[id].out, layout, out);
}

clvis_status graph_read_grad(graph *g, int id, tensor_layout layout, float *out)
{
    if (id < 0 || id >= g->n_nodes || !out)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_read_grad: bad node or NULL output");
    if (!g->n_grad_arenas)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_read_grad: no backward pass yet");
    return get(g, g->nodes[id].dy, g->nodes[id].out, layout, out);
}

clvis_status graph_preact_items(graph *g, int id, int n, const int *units, float *out)
{
    if (id < 0 || id >= g->n_nodes || g->nodes[id].op != OP_DENSE || n < 1 || n > g->batch ||
        !units || !out)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_preact: not a dense node, or bad items");
    for (int b = 0; b < n; b++)
        if (units[b] < 0 || units[b] >= g->nodes[id].out.c)
            return err_set(CLVIS_ERR_INVALID_ARG, "graph_preact: unit %d out of range", units[b]);
    if (g->forward_done < id)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_preact: run forward first");
    const node *D = &g->nodes[id], *X = &g->nodes[D->inputs[0]];
    size_t nin = (size_t)X->out.c * X->out.h * X->out.w, nout = (size_t)D->out.c;
    float *xv = malloc((size_t)n * nin * sizeof *xv), *w = malloc(nin * nout * sizeof *w);
    float *bias = calloc(nout, sizeof *bias);
    clvis_status st = CLVIS_OK;
    if (!xv || !w || !bias)
        st = err_set(CLVIS_ERR_NO_MEMORY, "graph: out of host memory");
    if (!st) /* items are consecutive, each flat in the engine's order */
        st = buffer_read(g->ctx, X->y.mem, X->y.off * sizeof(float),
                         (size_t)n * nin * sizeof(float), xv);
    if (!st)
        st = buffer_read(g->ctx, D->weight[0], 0, nin * nout * sizeof(float), w);
    if (!st && D->use_bias && D->weight[1])
        st = buffer_read(g->ctx, D->weight[1], 0, nout * sizeof(float), bias);
    for (int b = 0; !st && b < n; b++) {
        /* the weights are (in, out) with rows in the engine's order of the input */
        double sum = bias[units[b]];
        const float *xi = xv + (size_t)b * nin;
        for (size_t i = 0; i < nin; i++)
            sum += (double)xi[i] * w[i * nout + (size_t)units[b]];
        out[b] = (float)sum;
    }
    free(xv);
    free(w);
    free(bias);
    return st;
}

clvis_status graph_preact(graph *g, int id, int unit, float *out)
{
    return graph_preact_items(g, id, 1, &unit, out);
}

clvis_status graph_preact_batch(graph *g, int id, int unit, float *out)
{
    int *units = malloc((size_t)g->batch * sizeof *units);
    if (!units)
        return err_set(CLVIS_ERR_NO_MEMORY, "graph: out of host memory");
    for (int b = 0; b < g->batch; b++)
        units[b] = unit;
    clvis_status st = graph_preact_items(g, id, g->batch, units, out);
    free(units);
    return st;
}

int graph_node_has_bias(const graph *g, int id)
{
    if (id < 0 || id >= g->n_nodes)
        return 0;
    const node *v = &g->nodes[id];
    return v->op == OP_BATCHNORM || (v->op == OP_CONV2D && v->use_bias && v->weight[1]);
}

clvis_status graph_read_bias(graph *g, int id, float *out)
{
    if (!graph_node_has_bias(g, id) || !out)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_read_bias: node %d has no channel bias", id);
    const node *v = &g->nodes[id];
    if (!v->weight[1])
        return err_set(CLVIS_ERR_INVALID_ARG, "layer '%s': no parameters yet", v->name);
    return buffer_read(g->ctx, v->weight[1], 0, (size_t)v->out.c * sizeof(float), out);
}

/* ---- queries ------------------------------------------------------------------------------- */

static const node *at(const graph *g, int id)
{
    return (g && id >= 0 && id < g->n_nodes) ? &g->nodes[id] : NULL;
}

const char *graph_name(const graph *g)
{
    return g->name;
}

int graph_count(const graph *g)
{
    return g ? g->n_nodes : 0;
}

const char *graph_node_name(const graph *g, int id)
{
    const node *v = at(g, id);
    return v ? v->name : NULL;
}

const char *graph_node_type(const graph *g, int id)
{
    const node *v = at(g, id);
    return v ? v->type : NULL;
}

shape3 graph_node_shape(const graph *g, int id)
{
    const node *v = at(g, id);
    return v ? v->out : (shape3){0, 0, 0};
}

node_role graph_node_role(const graph *g, int id)
{
    const node *v = at(g, id);
    if (!v)
        return ROLE_OTHER;
    switch (v->op) {
    case OP_INPUT:
        return ROLE_INPUT;
    case OP_CONV2D:
        return ROLE_CONV;
    case OP_DENSE:
        return ROLE_DENSE;
    case OP_ACT:
    case OP_PRELU:
    case OP_BATCHNORM:
    case OP_IDENTITY:
        return ROLE_POINTWISE;
    case OP_MAXPOOL:
    case OP_AVGPOOL:
    case OP_GAP:
    case OP_GMP:
        return ROLE_POOL;
    case OP_ADD:
    case OP_CONCAT:
    case OP_BINARY:
        return ROLE_JOIN;
    default:
        return ROLE_OTHER;
    }
}

node_ending graph_node_ending(const graph *g, int id)
{
    const node *v = at(g, id);
    if (v && v->op == OP_PRELU)
        return ENDS_OTHER;
    if (!v || (v->op != OP_ACT && v->op != OP_DENSE && v->op != OP_CONV2D))
        return ENDS_LINEAR;
    if (v->act == ACT_SOFTMAX || v->act == ACT_SIGMOID)
        return ENDS_PROBABILITY;
    if (v->act == ACT_LOGSOFTMAX)
        return ENDS_LOG_PROBABILITY;
    return v->act == ACT_LINEAR ? ENDS_LINEAR : ENDS_OTHER;
}

int graph_node_inputs(const graph *g, int id)
{
    const node *v = at(g, id);
    return v ? v->n_inputs : 0;
}

int graph_node_input(const graph *g, int id, int k)
{
    const node *v = at(g, id);
    return v && k >= 0 && k < v->n_inputs ? v->inputs[k] : -1;
}

size_t graph_item_floats(const graph *g)
{
    size_t per = 0;
    for (int i = 0; i < g->n_nodes; i++)
        per += (size_t)g->nodes[i].out.c * g->nodes[i].out.h * g->nodes[i].out.w * 2;
    return per;
}

void graph_progress(const graph *g, const char *task, long done, long total)
{
    ctx_progress(g->ctx, task, done, total);
}

uint64_t graph_device_memory(const graph *g)
{
    return g->ctx->info.global_mem;
}

int graph_batch(const graph *g)
{
    return g->batch;
}

/* ---- forward ------------------------------------------------------------------------------- */

static clvis_status node_forward(graph *g, node *v)
{
    profile_scope(g->ctx->prof, v->name, 'F');
    clvis_status st = op_table[v->op].forward(g, v);
    profile_scope(g->ctx->prof, NULL, 0);
    return st ? err_wrap(st, "layer '%s' (%s)", v->name, v->type) : CLVIS_OK;
}

/* mark[i] = 1 for every node that `target` depends on (itself included). */
static void ancestors(const graph *g, int target, unsigned char *mark)
{
    memset(mark, 0, (size_t)g->n_nodes);
    mark[target] = 1;
    for (int i = target; i >= 0; i--)
        if (mark[i])
            for (int k = 0; k < g->nodes[i].n_inputs; k++)
                mark[g->nodes[i].inputs[k]] = 1;
}

int graph_depends(const graph *g, int from, int to)
{
    if (!at(g, from) || !at(g, to) || to > from)
        return 0;
    unsigned char *mark = calloc((size_t)g->n_nodes, 1);
    if (!mark)
        return 0;
    ancestors(g, from, mark);
    int r = mark[to];
    free(mark);
    return r;
}

static clvis_status scratch(graph *g)
{
    if (g->grad_live)
        return CLVIS_OK;
    g->grad_live = calloc((size_t)g->n_nodes * 2, 1);
    return g->grad_live ? CLVIS_OK : err_set(CLVIS_ERR_NO_MEMORY, "graph: out of host memory");
}

clvis_status graph_forward(graph *g, int upto)
{
    if (!g->batch)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_forward before graph_plan");
    if (upto < 0)
        upto = g->n_nodes - 1;
    if (upto >= g->n_nodes)
        return err_set(CLVIS_ERR_INVALID_ARG, "layer index %d out of range", upto);
    clvis_status st = scratch(g);
    if (st)
        return st;
    unsigned char *need = g->grad_live;
    ancestors(g, upto, need);
    for (int i = 0; i <= upto; i++)
        if (need[i] && g->nodes[i].invalid)
            return err_set(CLVIS_ERR_SHAPE,
                           "layer '%s' (%s) cannot run on a %dx%d input: its weights fix the "
                           "input size",
                           g->nodes[i].name, g->nodes[i].type, g->nodes[0].out.h,
                           g->nodes[0].out.w);
    for (int i = 0; i <= upto; i++)
        if (need[i] && (st = node_forward(g, &g->nodes[i])))
            return st;
    g->forward_done = upto;
    return CLVIS_OK;
}

/* ---- forward again from a node (Ablation-CAM) ------------------------------------------------ */

clvis_status graph_write(graph *g, int id, tensor_layout layout, const float *x)
{
    if (id < 0 || id >= g->n_nodes || !x)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_write: bad node or NULL data");
    if (g->forward_done < 0)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_write: run forward first");
    return put(g, g->nodes[id].y, g->nodes[id].out, layout, x);
}

clvis_status graph_forward_from(graph *g, int from, int upto)
{
    if (upto < 0)
        upto = g->n_nodes - 1;
    if (from < 0 || from >= g->n_nodes || upto >= g->n_nodes)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_forward_from: layer index out of range");
    if (g->forward_done < 0 || !graph_depends(g, g->forward_done, upto))
        return err_set(CLVIS_ERR_INVALID_ARG,
                       "graph_forward_from: run forward up to '%s' (or beyond) first",
                       g->nodes[upto].name);
    if (!graph_depends(g, upto, from))
        return err_set(CLVIS_ERR_INVALID_ARG, "layer '%s' does not depend on layer '%s'",
                       g->nodes[upto].name, g->nodes[from].name);
    clvis_status st = scratch(g);
    if (st)
        return st;
    unsigned char *need = g->grad_live, *down = g->grad_live + g->n_nodes;
    ancestors(g, upto, need);
    memset(down, 0, (size_t)g->n_nodes);
    down[from] = 1;
    for (int i = from + 1; i <= upto; i++) {
        for (int k = 0; k < g->nodes[i].n_inputs; k++)
            down[i] |= down[g->nodes[i].inputs[k]];
        if (need[i] && down[i] && (st = node_forward(g, &g->nodes[i])))
            return st;
    }
    return CLVIS_OK;
}

/* ---- backward ------------------------------------------------------------------------------ */

clvis_status graph_seed(graph *g, int from, tensor_layout layout, const float *seed)
{
    if (from < 0 || from >= g->n_nodes || !seed)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_seed: bad node or NULL seed");
    if (!g->batch)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_seed before graph_plan");
    clvis_status st = graph_plan_grads(g);
    if (st)
        return st;
    return put(g, g->nodes[from].dy, g->nodes[from].out, layout, seed);
}

clvis_status graph_plan_grads(graph *g)
{
    if (!g->batch)
        return err_set(CLVIS_ERR_INVALID_ARG, "gradient buffers before graph_plan");
    return g->n_grad_arenas ? CLVIS_OK : pack(g, g->batch, 1, &g->grad_arenas, &g->n_grad_arenas);
}

/* The input u of max pool v whose activation's gradient v's gradient takes in
 * (maxpool_backward_act), saving the pass of act_backward over u->dy; -1 when none. Only when v
 * is u's one consumer on the path, u's gradient is not the result (u > to) and u's step is
 * act_backward through u->y (the pool's input), not in guided mode (its clamp follows it). */
static int pool_fused_input(const graph *g, const node *v, int from, int to, int guided,
                            const unsigned char *on, const unsigned char *live)
{
    if (v->op != OP_MAXPOOL || v->n_inputs != 1 || guided)
        return -1;
    int u = v->inputs[0];
    const node *p = &g->nodes[u];
    const op_row *row = &op_table[p->op];
    if (u <= to || !on[u] || live[u] || !row->has_act || row->act_backward ||
        !maxpool_fuses_act(&v->pool, v->dy, p->dy, p->act))
        return -1;
    int uses = 0;
    for (int j = u + 1; j <= from; j++)
        for (int k = 0; on[j] && k < g->nodes[j].n_inputs; k++)
            uses += g->nodes[j].inputs[k] == u;
    return uses == 1 ? u : -1;
}

/* live[u] bits during backward: LIVE_GRAD u's gradient holds a value (a second consumer adds
 * to it); LIVE_ACT_DONE it is already through u's activation (a fused max pool wrote it). */
enum { LIVE_GRAD = 1, LIVE_ACT_DONE = 2 };

/* Propagates v's gradient (in v->dy; through v's own activation first unless `linear` or
 * already done) into its inputs that are on the path (on[u]); live[u] says whether u's
 * gradient already holds a value, so a node consumed twice gets the sum. guided:
 * GRAPH_GUIDED_RELU's rule at a ReLU. fused >= 0: v is a max pool and its input `fused` gets
 * the gradient through its activation too (pool_fused_input). */
static clvis_status node_backward(graph *g, node *v, int linear, int guided,
                                  const unsigned char *on, unsigned char *live, int fused)
{
    const op_row *row = &op_table[v->op];
    clvis_status st = CLVIS_OK;
    profile_scope(g->ctx->prof, v->name, 'B');
    if (live[v - g->nodes] & LIVE_ACT_DONE)
        linear = 1;
    if (!linear && row->has_act)
        st = row->act_backward ? row->act_backward(g, v)
                               : act_backward(g->ctx, v->dy, v->y, v->act, v->act_max);
    /* guided backprop: the ReLU's gradient (already zero where its input is <= 0), clamped to
     * >= 0 in place */
    if (!st && !linear && guided && row->has_act && v->act == ACT_RELU)
        st = act_forward(g->ctx, v->dy, ACT_RELU, 0.0f);
    for (int k = 0; !st && k < v->n_inputs; k++) {
        int u = v->inputs[k];
        if (!on[u])
            continue;
        if (u == fused) {
            const node *p = &g->nodes[u];
            st = maxpool_backward_act(g->ctx, &v->pool, p->dy, v->dy, p->y, p->act, p->act_max,
                                      0);
            live[u] = LIVE_GRAD | LIVE_ACT_DONE;
        } else {
            st = row->backward(g, v, k, g->nodes[u].dy, live[u] & LIVE_GRAD);
            live[u] = LIVE_GRAD;
        }
    }
    profile_scope(g->ctx->prof, NULL, 0);
    return st ? err_wrap(st, "gradient of layer '%s' (%s)", v->name, v->type) : CLVIS_OK;
}

clvis_status graph_backward(graph *g, int from, int to, unsigned flags)
{
    if (from < 0 || from >= g->n_nodes || to < 0 || to >= g->n_nodes)
        return err_set(CLVIS_ERR_INVALID_ARG, "backward: layer index out of range");
    if (g->forward_done < from)
        return err_set(CLVIS_ERR_INVALID_ARG,
                       "backward from '%s': run forward up to it (or beyond) first",
                       g->nodes[from].name);
    if (!g->n_grad_arenas)
        return err_set(CLVIS_ERR_INVALID_ARG, "backward: no seed (call graph_seed first)");
    clvis_status st = scratch(g);
    if (st)
        return st;
    unsigned char *on = g->grad_live, *live = g->grad_live + g->n_nodes;
    ancestors(g, from, on);
    /* on = ancestors of `from` that are also descendants of `to` */
    memset(live, 0, (size_t)g->n_nodes);
    live[to] = 1;
    for (int i = to + 1; i <= from; i++)
        for (int k = 0; k < g->nodes[i].n_inputs; k++)
            live[i] |= live[g->nodes[i].inputs[k]];
    for (int i = 0; i < g->n_nodes; i++)
        on[i] = on[i] && live[i];
    if (!on[to])
        return err_set(CLVIS_ERR_INVALID_ARG, "layer '%s' does not depend on layer '%s'",
                       g->nodes[from].name, g->nodes[to].name);
    memset(live, 0, (size_t)g->n_nodes);
    live[from] = LIVE_GRAD;
    const int guided = (flags & GRAPH_GUIDED_RELU) != 0;
    for (int i = from; i > to; i--)
        if (on[i] && (st = node_backward(g, &g->nodes[i],
                                         i == from && (flags & GRAPH_LINEAR_FROM), guided, on,
                                         live,
                                         pool_fused_input(g, &g->nodes[i], from, to, guided,
                                                          on, live))))
            return st;
    return CLVIS_OK;
}

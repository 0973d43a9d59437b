/* keras_json.c — a Keras model config (Sequential or Functional JSON, Keras 2 or 3) turned into
 * graph nodes in topological order, and each layer's weights checked against the shapes the
 * layer needs and converted from Keras's layout to the engine's. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "keras_internal.h"

/* One layer entry of the config while ordering. */
typedef struct {
    const cJSON *json;
    const cJSON *cfg;
    const char *name;
    const char *cls;
    int in[GRAPH_MAX_INPUTS]; /* entry indices */
    int n_in;
    int layer;                /* index in km->layers once built, else -1 */
    int synth_shape;          /* synthesised InputLayer: shape comes from `json` (a list) */
    char own_name[GRAPH_NAME_MAX];
} kentry;

/* ---- small JSON helpers ------------------------------------------------------------------ */

static const cJSON *jget(const cJSON *o, const char *key)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = jget(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A JSON number as an int: 0 when it is not an integer in int's range (a cast of an
 * out-of-range double is undefined behaviour; fuzz_json found that). */
static int dint(double d, int *out)
{
    if (!(d >= INT_MIN && d <= INT_MAX) || d != floor(d))
        return 0;
    *out = (int)d;
    return 1;
}

/* 1: int read, 0: absent / null (def used), -1: wrong type. */
static int jint(const cJSON *o, const char *key, int def, int *out)
{
    const cJSON *v = jget(o, key);
    *out = def;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (cJSON_IsBool(v)) {
        *out = cJSON_IsTrue(v);
        return 1;
    }
    if (!cJSON_IsNumber(v) || !dint(v->valuedouble, out))
        return -1;
    return 1;
}

static int jbool(const cJSON *o, const char *key, int def)
{
    const cJSON *v = jget(o, key);
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v);
    if (cJSON_IsNumber(v))
        return v->valuedouble != 0;
    return def;
}

/* int or [a, b] -> out[2]. 1 read, 0 absent / null, -1 malformed. */
static int jpair(const cJSON *o, const char *key, int def, int out[2])
{
    const cJSON *v = jget(o, key);
    out[0] = out[1] = def;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (cJSON_IsNumber(v)) {
        if (!dint(v->valuedouble, &out[0]))
            return -1;
        out[1] = out[0];
        return 1;
    }
    if (cJSON_IsArray(v) && cJSON_GetArraySize(v) == 2) {
        for (int i = 0; i < 2; i++) {
            const cJSON *e = cJSON_GetArrayItem(v, i);
            if (!cJSON_IsNumber(e) || !dint(e->valuedouble, &out[i]))
                return -1;
        }
        return 1;
    }
    if (cJSON_IsArray(v) && cJSON_GetArraySize(v) == 1 &&
        cJSON_IsNumber(cJSON_GetArrayItem(v, 0))) {
        if (!dint(cJSON_GetArrayItem(v, 0)->valuedouble, &out[0]))
            return -1;
        out[1] = out[0];
        return 1;
    }
    return -1;
}

/* An axis given as int or [int]. 1 read, 0 absent, -1 malformed. */
static int jaxis(const cJSON *o, const char *key, int *axis)
{
    const cJSON *v = jget(o, key);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (cJSON_IsArray(v)) {
        if (cJSON_GetArraySize(v) != 1)
            return -1;
        v = cJSON_GetArrayItem(v, 0);
    }
    if (!cJSON_IsNumber(v) || !dint(v->valuedouble, axis))
        return -1;
    return 1;
}

/* ---- layer table ------------------------------------------------------------------------ */

int kjson_find(const kmodel *km, const char *name)
{
    for (int i = 0; i < km->n_layers; i++)
        if (strcmp(km->layers[i].name, name) == 0)
            return i;
    return -1;
}

void kjson_free(kmodel *km)
{
    free(km->layers);
    km->layers = NULL;
    km->n_layers = 0;
}

/* Keras dims (batch excluded) of a built layer's output. */
static int kdims(const kmodel *km, int li, int d[3])
{
    const klayer *L = &km->layers[li];
    shape3 s = km->g->nodes[L->node].out;
    if (L->krank == 3) {
        d[0] = s.h, d[1] = s.w, d[2] = s.c;
    } else if (L->krank == 2) {
        d[0] = s.h, d[1] = s.c;
    } else {
        d[0] = s.c;
    }
    return L->krank;
}

static void fmt_dims(char *buf, size_t cap, const int *d, int rank)
{
    size_t k = (size_t)snprintf(buf, cap, "(");
    for (int i = 0; i < rank && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%d", i ? ", " : "", d[i]);
    if (k < cap)
        snprintf(buf + k, cap - k, rank == 1 ? ",)" : ")");
}

static void want(klayer *L, const char *role, int rank, int d0, int d1, int d2, int d3)
{
    int i = L->n_w++;
    L->w_role[i] = role;
    L->w_rank[i] = rank;
    L->w_dims[i][0] = d0, L->w_dims[i][1] = d1, L->w_dims[i][2] = d2, L->w_dims[i][3] = d3;
}

/* ---- activations ------------------------------------------------------------------------- */

static clvis_status parse_act(const kmodel *km, const char *lname, const cJSON *v, act_kind *act,
                              float *act_max)
{
    const char *name = NULL;
    *act = ACT_LINEAR;
    *act_max = 0.0f;
    if (!v || cJSON_IsNull(v))
        return CLVIS_OK;
    if (cJSON_IsString(v))
        name = v->valuestring;
    else if (cJSON_IsObject(v)) {
        /* {"class_name": "function", "config": "relu"} or {"config": {"name": ...}} */
        const cJSON *c = jget(v, "config");
        if (cJSON_IsString(c))
            name = c->valuestring;
        else if (jstr(c, "name"))
            name = jstr(c, "name");
        else
            name = jstr(v, "class_name");
    }
    if (!name)
        return err_set(CLVIS_ERR_FORMAT, "%s: layer '%s': malformed activation", km->src, lname);
    if (!strcmp(name, "linear") || !strcmp(name, "Linear"))
        *act = ACT_LINEAR;
    else if (!strcmp(name, "relu") || !strcmp(name, "ReLU"))
        *act = ACT_RELU;
    else if (!strcmp(name, "relu6")) {
        *act = ACT_RELU;
        *act_max = 6.0f;
    } else if (!strcmp(name, "sigmoid"))
        *act = ACT_SIGMOID;
    else if (!strcmp(name, "tanh"))
        *act = ACT_TANH;
    else if (!strcmp(name, "softmax"))
        *act = ACT_SOFTMAX;
    else
        return err_set(CLVIS_ERR_UNSUPPORTED,
                       "%s: layer '%s': activation '%s' is not supported (linear, relu, relu6, "
                       "sigmoid, tanh, softmax are)",
                       km->src, lname, name);
    return CLVIS_OK;
}

/* ---- building one layer ------------------------------------------------------------------- */

#define UNSUP(...) err_set(CLVIS_ERR_UNSUPPORTED, __VA_ARGS__)
#define BAD(...) err_set(CLVIS_ERR_FORMAT, __VA_ARGS__)

static clvis_status check_format(const kmodel *km, const kentry *e)
{
    const char *df = jstr(e->cfg, "data_format");
    if (df && strcmp(df, "channels_last") != 0)
        return UNSUP("%s: layer '%s' (%s): data_format '%s' is not supported (channels_last is)",
                     km->src, e->name, e->cls, df);
    return CLVIS_OK;
}

static clvis_status parse_pad(const kmodel *km, const kentry *e, pad_mode *pad)
{
    const char *p = jstr(e->cfg, "padding");
    if (!p || !strcmp(p, "valid"))
        *pad = PAD_VALID;
    else if (!strcmp(p, "same"))
        *pad = PAD_SAME;
    else
        return UNSUP("%s: layer '%s' (%s): padding '%s' is not supported (valid, same are)",
                     km->src, e->name, e->cls, p);
    return CLVIS_OK;
}

static int is_identity_class(const char *cls)
{
    static const char *const ids[] = {"Dropout", "SpatialDropout1D", "SpatialDropout2D",
                                      "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
                                      "AlphaDropout", "ActivityRegularization", NULL};
    for (int i = 0; ids[i]; i++)
        if (!strcmp(cls, ids[i]))
            return 1;
    return 0;
}

/* Input shape list [null, d...] -> rank and shape3. */
static clvis_status input_shape(const kmodel *km, const char *lname, const cJSON *list,
                                shape3 *s, int *krank)
{
    int n = cJSON_GetArraySize(list);
    int d[3];
    if (!cJSON_IsArray(list) || n < 2 || n > 4)
        return UNSUP("%s: layer '%s': input shape must be (batch, h, w, c), (batch, n) or "
                     "(batch, a, b)",
                     km->src, lname);
    for (int i = 1; i < n; i++) {
        const cJSON *v = cJSON_GetArrayItem(list, i);
        if (!cJSON_IsNumber(v) || v->valueint <= 0)
            return UNSUP("%s: layer '%s': input dimension %d is not fixed (None); give the "
                         "model a fixed input size",
                         km->src, lname, i);
        d[i - 1] = v->valueint;
    }
    *krank = n - 1;
    if (n == 4)
        *s = (shape3){d[2], d[0], d[1]};
    else if (n == 3)
        *s = (shape3){d[1], d[0], 1};
    else
        *s = (shape3){d[0], 1, 1};
    return CLVIS_OK;
}

static const cJSON *input_shape_json(const kentry *e)
{
    const cJSON *v;
    if ((v = jget(e->cfg, "batch_input_shape")) && cJSON_IsArray(v))
        return v;
    if ((v = jget(e->cfg, "batch_shape")) && cJSON_IsArray(v))
        return v;
    return NULL;
}

static clvis_status build_layer(kmodel *km, kentry *e, const int *in_layers)
{
    graph *g = km->g;
    klayer *L = &km->layers[km->n_layers];
    const cJSON *c = e->cfg;
    const char *cls = e->cls;
    clvis_status st = CLVIS_OK;
    int id = -1;
    int in0 = e->n_in ? km->layers[in_layers[0]].node : -1;
    int ind[3] = {0, 0, 0};
    int in_rank = e->n_in ? kdims(km, in_layers[0], ind) : 0;
    shape3 ins = e->n_in ? g->nodes[in0].out : (shape3){0, 0, 0};

    memset(L, 0, sizeof *L);
    if (strlen(e->name) >= sizeof L->name)
        return BAD("%s: layer name '%.40s...' is too long", km->src, e->name);
    snprintf(L->name, sizeof L->name, "%s", e->name);
    snprintf(L->cls, sizeof L->cls, "%s", cls);
    L->node = -1;
    L->krank = in_rank;

    if ((st = check_format(km, e)) != CLVIS_OK)
        return st;
    if (strcmp(cls, "InputLayer") != 0 && e->n_in == 0)
        return BAD("%s: layer '%s' (%s) has no input", km->src, e->name, cls);
    if (e->n_in > 1 && strcmp(cls, "Add") != 0 && strcmp(cls, "Concatenate") != 0)
        return UNSUP("%s: layer '%s' (%s) takes %d inputs; only Add and Concatenate may take "
                     "more than one",
                     km->src, e->name, cls, e->n_in);

    if (!strcmp(cls, "InputLayer")) {
        const cJSON *shp = e->synth_shape ? e->json : input_shape_json(e);
        shape3 s;
        for (int i = 0; i < km->n_layers; i++)
            if (!strcmp(km->layers[i].cls, "InputLayer"))
                return UNSUP("%s: layer '%s': models with more than one input are not supported",
                             km->src, e->name);
        if (!shp)
            return BAD("%s: layer '%s' (InputLayer) has no batch_input_shape", km->src, e->name);
        if ((st = input_shape(km, e->name, shp, &s, &L->krank)) != CLVIS_OK)
            return st;
        st = graph_add_input(g, e->name, s, &id);
    } else if (!strcmp(cls, "Conv2D") || !strcmp(cls, "DepthwiseConv2D")) {
        int depthwise = cls[0] == 'D';
        int k[2], s[2], d[2], filters = 0, groups = 1, mult = 1;
        pad_mode pad;
        act_kind act;
        float amax;
        if (in_rank != 3)
            return UNSUP("%s: layer '%s' (%s) needs a (h, w, c) input", km->src, e->name, cls);
        if (jpair(c, "kernel_size", 0, k) != 1 || k[0] <= 0 || k[1] <= 0)
            return BAD("%s: layer '%s' (%s): bad kernel_size", km->src, e->name, cls);
        if (jpair(c, "strides", 1, s) < 0 || s[0] <= 0 || s[1] <= 0)
            return BAD("%s: layer '%s' (%s): bad strides", km->src, e->name, cls);
        if (jpair(c, "dilation_rate", 1, d) < 0 || d[0] <= 0 || d[1] <= 0)
            return BAD("%s: layer '%s' (%s): bad dilation_rate", km->src, e->name, cls);
        if ((st = parse_pad(km, e, &pad)) != CLVIS_OK)
            return st;
        if ((st = parse_act(km, e->name, jget(c, "activation"), &act, &amax)) != CLVIS_OK)
            return st;
        int use_bias = jbool(c, "use_bias", 1);
        int ic = ins.c;
        if (depthwise) {
            if (jint(c, "depth_multiplier", 1, &mult) < 0 || mult <= 0)
                return BAD("%s: layer '%s': bad depth_multiplier", km->src, e->name);
            groups = ic;
            filters = ic * mult;
            want(L, "depthwise_kernel", 4, k[0], k[1], ic, mult);
        } else {
            if (jint(c, "filters", 0, &filters) != 1 || filters <= 0)
                return BAD("%s: layer '%s' (Conv2D): bad filters", km->src, e->name);
            if (jint(c, "groups", 1, &groups) < 0 || groups <= 0)
                return BAD("%s: layer '%s' (Conv2D): bad groups", km->src, e->name);
            if (ic % groups || filters % groups)
                return UNSUP("%s: layer '%s' (Conv2D): groups %d does not divide %d input and "
                             "%d output channels",
                             km->src, e->name, groups, ic, filters);
            want(L, "kernel", 4, k[0], k[1], ic / groups, filters);
        }
        if (use_bias)
            want(L, "bias", 1, filters, 0, 0, 0);
        L->krank = 3;
        st = graph_add_conv2d(g, e->name, cls, in0, filters, k[0], k[1], s[0], s[1], d[0], d[1],
                              pad, groups, use_bias, act, amax, &id);
    } else if (!strcmp(cls, "Dense")) {
        int units = 0;
        act_kind act;
        float amax;
        if (jint(c, "units", 0, &units) != 1 || units <= 0)
            return BAD("%s: layer '%s' (Dense): bad units", km->src, e->name);
        for (int i = 0; i + 1 < in_rank; i++)
            if (ind[i] != 1)
                return UNSUP("%s: layer '%s' (Dense): an input of rank %d with more than one "
                             "row is not supported (add a Flatten)",
                             km->src, e->name, in_rank);
        if ((st = parse_act(km, e->name, jget(c, "activation"), &act, &amax)) != CLVIS_OK)
            return st;
        int use_bias = jbool(c, "use_bias", 1);
        int in_f = ind[in_rank - 1];
        want(L, "kernel", 2, in_f, units, 0, 0);
        if (use_bias)
            want(L, "bias", 1, units, 0, 0, 0);
        L->krank = 1;
        st = graph_add_dense(g, e->name, in0, units, use_bias, act, amax, &id);
        if (st == CLVIS_OK && in_rank > 1) {
            /* (1, 1, c) -> (1, 1, units): the engine's (units, 1, 1) holds the same data. */
            L->krank = in_rank;
        }
    } else if (!strcmp(cls, "MaxPooling2D") || !strcmp(cls, "AveragePooling2D")) {
        int k[2], s[2], d[2];
        pad_mode pad;
        if (in_rank != 3)
            return UNSUP("%s: layer '%s' (%s) needs a (h, w, c) input", km->src, e->name, cls);
        if (jpair(c, "pool_size", 2, k) < 0 || k[0] <= 0 || k[1] <= 0)
            return BAD("%s: layer '%s' (%s): bad pool_size", km->src, e->name, cls);
        if (jpair(c, "strides", 0, s) < 0)
            return BAD("%s: layer '%s' (%s): bad strides", km->src, e->name, cls);
        if (s[0] <= 0 || s[1] <= 0)
            s[0] = k[0], s[1] = k[1];
        if (jpair(c, "dilation_rate", 1, d) < 0 || d[0] != 1 || d[1] != 1)
            return UNSUP("%s: layer '%s' (%s): dilation_rate other than 1 is not supported in "
                         "a pool",
                         km->src, e->name, cls);
        if ((st = parse_pad(km, e, &pad)) != CLVIS_OK)
            return st;
        st = graph_add_pool(g, e->name, cls[0] == 'M', in0, k[0], k[1], s[0], s[1], pad, &id);
    } else if (!strcmp(cls, "GlobalAveragePooling2D") || !strcmp(cls, "GlobalMaxPooling2D")) {
        if (in_rank != 3)
            return UNSUP("%s: layer '%s' (%s) needs a (h, w, c) input", km->src, e->name, cls);
        L->krank = jbool(c, "keepdims", 0) ? 3 : 1;
        st = graph_add_global_pool(g, e->name, cls[6] == 'M', in0, &id);
    } else if (!strcmp(cls, "ZeroPadding2D")) {
        const cJSON *p = jget(c, "padding");
        int t = 1, b = 1, l = 1, r = 1;
        if (in_rank != 3)
            return UNSUP("%s: layer '%s' (%s) needs a (h, w, c) input", km->src, e->name, cls);
        if (cJSON_IsNumber(p)) {
            t = b = l = r = p->valueint;
        } else if (cJSON_IsArray(p) && cJSON_GetArraySize(p) == 2) {
            const cJSON *a0 = cJSON_GetArrayItem(p, 0), *a1 = cJSON_GetArrayItem(p, 1);
            if (cJSON_IsNumber(a0) && cJSON_IsNumber(a1)) {
                t = b = a0->valueint;
                l = r = a1->valueint;
            } else if (cJSON_IsArray(a0) && cJSON_IsArray(a1) && cJSON_GetArraySize(a0) == 2 &&
                       cJSON_GetArraySize(a1) == 2) {
                t = cJSON_GetArrayItem(a0, 0)->valueint;
                b = cJSON_GetArrayItem(a0, 1)->valueint;
                l = cJSON_GetArrayItem(a1, 0)->valueint;
                r = cJSON_GetArrayItem(a1, 1)->valueint;
            } else {
                return BAD("%s: layer '%s' (ZeroPadding2D): bad padding", km->src, e->name);
            }
        } else if (p) {
            return BAD("%s: layer '%s' (ZeroPadding2D): bad padding", km->src, e->name);
        }
        if (t < 0 || b < 0 || l < 0 || r < 0)
            return BAD("%s: layer '%s' (ZeroPadding2D): negative padding", km->src, e->name);
        st = graph_add_zeropad(g, e->name, in0, t, b, l, r, &id);
    } else if (!strcmp(cls, "BatchNormalization")) {
        int axis = -1;
        double eps = 1e-3;
        const cJSON *ev = jget(c, "epsilon");
        if (jaxis(c, "axis", &axis) < 0)
            return BAD("%s: layer '%s' (BatchNormalization): bad axis", km->src, e->name);
        if (axis != -1 && axis != in_rank)
            return UNSUP("%s: layer '%s' (BatchNormalization): axis %d is not supported (only "
                         "the channel axis, -1)",
                         km->src, e->name, axis);
        if (cJSON_IsNumber(ev))
            eps = ev->valuedouble;
        if (jbool(c, "renorm", 0))
            return UNSUP("%s: layer '%s' (BatchNormalization): renorm is not supported",
                         km->src, e->name);
        L->bn_scale = jbool(c, "scale", 1);
        L->bn_center = jbool(c, "center", 1);
        if (L->bn_scale)
            want(L, "gamma", 1, ins.c, 0, 0, 0);
        if (L->bn_center)
            want(L, "beta", 1, ins.c, 0, 0, 0);
        want(L, "moving_mean", 1, ins.c, 0, 0, 0);
        want(L, "moving_variance", 1, ins.c, 0, 0, 0);
        st = graph_add_batchnorm(g, e->name, in0, (float)eps, &id);
    } else if (!strcmp(cls, "Activation")) {
        act_kind act;
        float amax;
        if ((st = parse_act(km, e->name, jget(c, "activation"), &act, &amax)) != CLVIS_OK)
            return st;
        st = graph_add_act(g, e->name, cls, in0, act, amax, &id);
    } else if (!strcmp(cls, "ReLU")) {
        const cJSON *mv = jget(c, "max_value");
        const cJSON *ns = jget(c, "negative_slope");
        const cJSON *th = jget(c, "threshold");
        float amax = 0.0f;
        if (ns && !cJSON_IsNull(ns) && (!cJSON_IsNumber(ns) || ns->valuedouble != 0.0))
            return UNSUP("%s: layer '%s' (ReLU): negative_slope other than 0 is not supported",
                         km->src, e->name);
        if (th && !cJSON_IsNull(th) && (!cJSON_IsNumber(th) || th->valuedouble != 0.0))
            return UNSUP("%s: layer '%s' (ReLU): threshold other than 0 is not supported",
                         km->src, e->name);
        if (mv && !cJSON_IsNull(mv)) {
            if (!cJSON_IsNumber(mv) || mv->valuedouble <= 0.0)
                return UNSUP("%s: layer '%s' (ReLU): max_value must be positive", km->src,
                             e->name);
            amax = (float)mv->valuedouble;
        }
        st = graph_add_act(g, e->name, cls, in0, ACT_RELU, amax, &id);
    } else if (!strcmp(cls, "Softmax")) {
        int axis = -1;
        if (jaxis(c, "axis", &axis) < 0 || (axis != -1 && axis != in_rank))
            return UNSUP("%s: layer '%s' (Softmax): only the last axis is supported", km->src,
                         e->name);
        st = graph_add_act(g, e->name, cls, in0, ACT_SOFTMAX, 0.0f, &id);
    } else if (!strcmp(cls, "Add") || !strcmp(cls, "Concatenate")) {
        int ids[GRAPH_MAX_INPUTS];
        if (e->n_in < 2)
            return BAD("%s: layer '%s' (%s) needs at least two inputs", km->src, e->name, cls);
        for (int i = 0; i < e->n_in; i++) {
            ids[i] = km->layers[in_layers[i]].node;
            if (km->layers[in_layers[i]].krank != in_rank)
                return UNSUP("%s: layer '%s' (%s): inputs of different ranks", km->src, e->name,
                             cls);
        }
        if (cls[0] == 'A') {
            st = graph_add_add(g, e->name, ids, e->n_in, &id);
        } else {
            int axis = -1;
            if (jaxis(c, "axis", &axis) < 0 || (axis != -1 && axis != in_rank))
                return UNSUP("%s: layer '%s' (Concatenate): axis %d is not supported (only the "
                             "channel axis, -1)",
                             km->src, e->name, axis);
            st = graph_add_concat(g, e->name, ids, e->n_in, &id);
        }
    } else if (!strcmp(cls, "Flatten")) {
        L->krank = 1;
        st = graph_add_flatten(g, e->name, cls, in0, &id);
    } else if (!strcmp(cls, "Reshape")) {
        const cJSON *ts = jget(c, "target_shape");
        int n = cJSON_GetArraySize(ts), d[3], neg = -1;
        long total = (long)ins.c * ins.h * ins.w, known = 1;
        if (!cJSON_IsArray(ts) || n < 1 || n > 3)
            return UNSUP("%s: layer '%s' (Reshape): target_shape must have 1 to 3 dimensions",
                         km->src, e->name);
        for (int i = 0; i < n; i++) {
            const cJSON *v = cJSON_GetArrayItem(ts, i);
            if (!cJSON_IsNumber(v) || v->valueint == 0 || v->valueint < -1 ||
                (v->valueint == -1 && neg >= 0))
                return BAD("%s: layer '%s' (Reshape): bad target_shape", km->src, e->name);
            d[i] = v->valueint;
            if (d[i] == -1)
                neg = i;
            else
                known *= d[i];
        }
        if (neg >= 0) {
            if (known <= 0 || total % known)
                return err_set(CLVIS_ERR_SHAPE,
                               "%s: layer '%s' (Reshape): %ld elements do not fit the target",
                               km->src, e->name, total);
            d[neg] = (int)(total / known);
            known = total;
        }
        if (known != total)
            return err_set(CLVIS_ERR_SHAPE,
                           "%s: layer '%s' (Reshape): target has %ld elements, input %ld",
                           km->src, e->name, known, total);
        shape3 t = n == 3 ? (shape3){d[2], d[0], d[1]}
                          : n == 2 ? (shape3){d[1], d[0], 1} : (shape3){d[0], 1, 1};
        L->krank = n;
        st = graph_add_reshape(g, e->name, cls, in0, t, &id);
    } else if (is_identity_class(cls)) {
        st = graph_add_identity(g, e->name, cls, in0, &id);
    } else if (!strcmp(cls, "Sequential") || !strcmp(cls, "Functional") ||
               !strcmp(cls, "Model")) {
        return UNSUP("%s: layer '%s' is a nested model (%s), which is not supported", km->src,
                     e->name, cls);
    } else {
        return UNSUP("%s: layer '%s' has type '%s', which is not supported", km->src, e->name,
                     cls);
    }
    if (st != CLVIS_OK)
        return err_wrap(st, "%s: layer '%s' (%s)", km->src, e->name, cls);
    L->node = id;
    L->loaded = L->n_w == 0;
    km->n_layers++;
    return CLVIS_OK;
}

/* ---- inbound nodes ------------------------------------------------------------------------ */

static int entry_index(const kentry *es, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (es[i].name && !strcmp(es[i].name, name))
            return i;
    return -1;
}

static clvis_status add_inbound(const kmodel *km, kentry *es, int n, kentry *e, const char *name,
                                int node_idx, int tensor_idx)
{
    int j = entry_index(es, n, name);
    if (j < 0)
        return BAD("%s: layer '%s' takes its input from unknown layer '%s'", km->src, e->name,
                   name);
    if (node_idx != 0 || tensor_idx != 0)
        return UNSUP("%s: layer '%s' uses layer '%s' a second time (shared layers are not "
                     "supported)",
                     km->src, e->name, name);
    if (e->n_in >= GRAPH_MAX_INPUTS)
        return UNSUP("%s: layer '%s' has more than %d inputs", km->src, e->name,
                     GRAPH_MAX_INPUTS);
    e->in[e->n_in++] = j;
    return CLVIS_OK;
}

/* Keras 3: every {"class_name": "__keras_tensor__", "config": {"keras_history": [...]}} in args. */
static clvis_status collect_k3(const kmodel *km, kentry *es, int n, kentry *e, const cJSON *v)
{
    clvis_status st = CLVIS_OK;
    if (cJSON_IsArray(v)) {
        const cJSON *x;
        cJSON_ArrayForEach(x, v)
        {
            if ((st = collect_k3(km, es, n, e, x)) != CLVIS_OK)
                return st;
        }
    } else if (cJSON_IsObject(v)) {
        const char *cn = jstr(v, "class_name");
        if (cn && !strcmp(cn, "__keras_tensor__")) {
            const cJSON *h = jget(jget(v, "config"), "keras_history");
            if (!cJSON_IsArray(h) || cJSON_GetArraySize(h) < 3 ||
                !cJSON_IsString(cJSON_GetArrayItem(h, 0)))
                return BAD("%s: layer '%s': malformed keras_history", km->src, e->name);
            return add_inbound(km, es, n, e, cJSON_GetArrayItem(h, 0)->valuestring,
                               cJSON_GetArrayItem(h, 1)->valueint,
                               cJSON_GetArrayItem(h, 2)->valueint);
        }
    }
    return st;
}

static clvis_status parse_inbound(const kmodel *km, kentry *es, int n, kentry *e)
{
    const cJSON *nodes = jget(e->json, "inbound_nodes");
    clvis_status st;
    if (!nodes || cJSON_GetArraySize(nodes) == 0)
        return CLVIS_OK;
    if (!cJSON_IsArray(nodes))
        return BAD("%s: layer '%s': malformed inbound_nodes", km->src, e->name);
    if (cJSON_GetArraySize(nodes) > 1)
        return UNSUP("%s: layer '%s' is called %d times (shared layers are not supported)",
                     km->src, e->name, cJSON_GetArraySize(nodes));
    const cJSON *first = cJSON_GetArrayItem(nodes, 0);
    if (cJSON_IsObject(first)) /* Keras 3 */
        return collect_k3(km, es, n, e, jget(first, "args"));
    if (!cJSON_IsArray(first))
        return BAD("%s: layer '%s': malformed inbound_nodes", km->src, e->name);
    const cJSON *ref;
    cJSON_ArrayForEach(ref, first)
    {
        /* ["name", node_idx, tensor_idx, {kwargs}] */
        const cJSON *nm = cJSON_GetArrayItem(ref, 0);
        if (!cJSON_IsArray(ref) || !cJSON_IsString(nm) || cJSON_GetArraySize(ref) < 3)
            return BAD("%s: layer '%s': malformed inbound_nodes entry", km->src, e->name);
        st = add_inbound(km, es, n, e, nm->valuestring, cJSON_GetArrayItem(ref, 1)->valueint,
                         cJSON_GetArrayItem(ref, 2)->valueint);
        if (st != CLVIS_OK)
            return st;
    }
    return CLVIS_OK;
}

/* ---- model ------------------------------------------------------------------------------- */

static clvis_status build_entries(kmodel *km, const cJSON *mc, kentry **out, int *out_n,
                                  int *sequential)
{
    const char *cls = jstr(mc, "class_name");
    const cJSON *cfg = jget(mc, "config");
    const cJSON *layers;
    if (!cls || !cfg)
        return BAD("%s: model config has no class_name / config", km->src);
    snprintf(km->model_class, sizeof km->model_class, "%s", cls);
    if (!strcmp(cls, "Sequential")) {
        *sequential = 1;
        layers = cJSON_IsArray(cfg) ? cfg : jget(cfg, "layers");
    } else if (!strcmp(cls, "Functional") || !strcmp(cls, "Model")) {
        *sequential = 0;
        layers = jget(cfg, "layers");
    } else {
        return UNSUP("%s: model class '%s' is not supported (Sequential, Functional are)",
                     km->src, cls);
    }
    const char *mname = cJSON_IsObject(cfg) ? jstr(cfg, "name") : NULL;
    snprintf(km->model_name, sizeof km->model_name, "%s", mname ? mname : "model");
    int n = cJSON_GetArraySize(layers);
    if (!cJSON_IsArray(layers) || n == 0)
        return BAD("%s: model config has no layers", km->src);

    kentry *es = calloc((size_t)n + 1, sizeof *es);
    if (!es)
        return err_set(CLVIS_ERR_NO_MEMORY, "out of memory");
    int k = 0;
    const cJSON *lj;
    cJSON_ArrayForEach(lj, layers)
    {
        kentry *e = &es[k++];
        e->json = lj;
        e->cfg = jget(lj, "config");
        e->cls = jstr(lj, "class_name");
        e->name = jstr(lj, "name");
        if (!e->name)
            e->name = jstr(e->cfg, "name");
        e->layer = -1;
        if (!e->cls || !e->name || !cJSON_IsObject(e->cfg)) {
            free(es);
            return BAD("%s: layer %d of the model config has no class_name / name / config",
                       km->src, k - 1);
        }
    }
    *out = es;
    *out_n = n;
    return CLVIS_OK;
}

clvis_status kjson_build(clvis_ctx *ctx, const cJSON *mc, kmodel *km)
{
    kentry *es = NULL;
    int n = 0, sequential = 0, total;
    clvis_status st;
    int in_layers[GRAPH_MAX_INPUTS];

    km->g = NULL;
    km->layers = NULL;
    km->n_layers = 0;
    if ((st = build_entries(km, mc, &es, &n, &sequential)) != CLVIS_OK)
        return st;

    /* Sequential: a chain; synthesise the input when the first layer carries the shape. */
    kentry *all = es;
    total = n;
    if (sequential) {
        if (strcmp(es[0].cls, "InputLayer") != 0) {
            const cJSON *shp = input_shape_json(&es[0]);
            if (!shp)
                shp = jget(jget(es[0].json, "build_config"), "input_shape");
            if (!shp)
                shp = jget(jget(mc, "config"), "build_input_shape");
            if (!cJSON_IsArray(shp)) {
                free(es);
                return UNSUP("%s: Sequential model without an input shape (no InputLayer, "
                             "batch_input_shape or build_input_shape)",
                             km->src);
            }
            all = calloc((size_t)n + 1, sizeof *all);
            if (!all) {
                free(es);
                return err_set(CLVIS_ERR_NO_MEMORY, "out of memory");
            }
            memcpy(all + 1, es, sizeof *es * (size_t)n);
            free(es);
            es = all;
            total = n + 1;
            es[0] = (kentry){.json = shp, .cfg = NULL, .cls = "InputLayer", .layer = -1,
                             .synth_shape = 1};
            snprintf(es[0].own_name, sizeof es[0].own_name, "%.100s_input", es[1].name);
            es[0].name = es[0].own_name;
        }
        for (int i = 1; i < total; i++) {
            es[i].in[0] = i - 1;
            es[i].n_in = 1;
        }
    } else {
        for (int i = 0; i < total; i++)
            if ((st = parse_inbound(km, es, total, &es[i])) != CLVIS_OK) {
                free(es);
                return st;
            }
    }
    for (int i = 0; i < total; i++)
        if (entry_index(es, total, es[i].name) != i) {
            st = BAD("%s: two layers are named '%s'", km->src, es[i].name);
            free(es); /* after the message: it points into es */
            return st;
        }

    /* a Functional model's output_layers must name its layers (#17: a missing one was
     * ignored and the last layer used) */
    const cJSON *outs = sequential ? NULL : jget(jget(mc, "config"), "output_layers");
    if (cJSON_IsArray(outs)) {
        const cJSON *first = cJSON_GetArrayItem(outs, 0);
        int single = cJSON_IsString(first); /* ["name", 0, 0] rather than [["name", 0, 0]] */
        const cJSON *o;
        cJSON_ArrayForEach(o, outs)
        {
            const cJSON *nm = single ? o : cJSON_GetArrayItem(o, 0);
            if (!cJSON_IsString(nm)) {
                st = BAD("%s: malformed output_layers in the model config", km->src);
            } else if (entry_index(es, total, nm->valuestring) < 0) {
                char name[GRAPH_NAME_MAX];
                snprintf(name, sizeof name, "%s", nm->valuestring);
                st = BAD("%s: output_layers names '%s', which is not a layer of the model",
                         km->src, name);
            }
            if (st != CLVIS_OK || single)
                break;
        }
        if (st != CLVIS_OK) {
            free(es);
            return st;
        }
    }

    km->layers = calloc((size_t)total, sizeof *km->layers);
    if (!km->layers) {
        free(es);
        return err_set(CLVIS_ERR_NO_MEMORY, "out of memory");
    }
    if ((st = graph_create(ctx, km->model_name, &km->g)) != CLVIS_OK) {
        free(es);
        kjson_free(km);
        return err_wrap(st, "%s", km->src);
    }

    /* Kahn's order, stable in config order (Keras's own order when already topological). */
    for (int built = 0; built < total;) {
        int progress = 0;
        for (int i = 0; i < total && st == CLVIS_OK; i++) {
            kentry *e = &es[i];
            int ready = e->layer < 0;
            for (int j = 0; j < e->n_in && ready; j++)
                ready = es[e->in[j]].layer >= 0;
            if (!ready)
                continue;
            for (int j = 0; j < e->n_in; j++)
                in_layers[j] = es[e->in[j]].layer;
            st = build_layer(km, e, in_layers);
            if (st == CLVIS_OK) {
                e->layer = km->n_layers - 1;
                built++;
                progress = 1;
            }
        }
        if (st == CLVIS_OK && !progress)
            st = BAD("%s: the model's layers form a cycle or depend on missing layers", km->src);
        if (st != CLVIS_OK)
            break;
    }
    free(es);
    if (st != CLVIS_OK) {
        graph_destroy(km->g);
        km->g = NULL;
        kjson_free(km);
    }
    return st;
}

size_t kjson_max_weight_count(const klayer *L)
{
    size_t most = L->n_w ? 0 : (size_t)1 << 24;
    for (int i = 0; i < L->n_w && i < KW_MAX; i++) {
        size_t c = 1;
        for (int d = 0; d < L->w_rank[i]; d++)
            c *= (size_t)(L->w_dims[i][d] > 0 ? L->w_dims[i][d] : 1);
        most = c > most ? c : most;
    }
    return most;
}

clvis_status kjson_build_text(clvis_ctx *ctx, const char *json, kmodel *km)
{
    /* a config bomb (hundreds of MB of JSON) is refused before cJSON expands it */
    size_t len = strnlen(json, (size_t)KERAS_MAX_CONFIG_BYTES + 1);
    if (len > KERAS_MAX_CONFIG_BYTES)
        return BAD("%s: the model config is larger than the limit (%u MiB)", km->src,
                   KERAS_MAX_CONFIG_BYTES >> 20);
    cJSON *root = cJSON_Parse(json);
    if (!root)
        return BAD("%s: the model config is not valid JSON", km->src);
    clvis_status st = kjson_build(ctx, root, km);
    cJSON_Delete(root);
    return st;
}

/* ---- weights ----------------------------------------------------------------------------- */

clvis_status kjson_set_weights(kmodel *km, int li, const kweight *w, int n)
{
    klayer *L = &km->layers[li];
    graph *g = km->g;
    char a[96], b[96];
    clvis_status st = CLVIS_OK;

    if (n != L->n_w) {
        char roles[160] = "";
        for (int i = 0; i < L->n_w; i++) {
            strncat(roles, i ? ", " : "", sizeof roles - strlen(roles) - 1);
            strncat(roles, L->w_role[i], sizeof roles - strlen(roles) - 1);
        }
        return BAD("%s: layer '%s' (%s): expected %d weight arrays (%s), the file has %d",
                   km->src, L->name, L->cls, L->n_w, L->n_w ? roles : "none", n);
    }
    for (int i = 0; i < n; i++) {
        int ok = w[i].rank == L->w_rank[i];
        for (int d = 0; ok && d < w[i].rank; d++)
            ok = w[i].dims[d] == L->w_dims[i][d];
        if (!ok) {
            fmt_dims(a, sizeof a, L->w_dims[i], L->w_rank[i]);
            fmt_dims(b, sizeof b, w[i].dims, w[i].rank);
            return err_set(CLVIS_ERR_SHAPE,
                           "%s: layer '%s' (%s): weight %s (%s) has shape %s, expected %s",
                           km->src, L->name, L->cls, L->w_role[i], w[i].path, b, a);
        }
    }
    if (n == 0) {
        L->loaded = 1;
        return CLVIS_OK;
    }
    const node *nd = &g->nodes[L->node];
    if (nd->op == OP_BATCHNORM) {
        const float *gamma = NULL, *beta = NULL;
        int k = 0;
        if (L->bn_scale)
            gamma = w[k++].data;
        if (L->bn_center)
            beta = w[k++].data;
        st = graph_set_batchnorm(g, L->node, gamma, beta, w[k].data, w[k + 1].data);
    } else if (nd->op == OP_CONV2D) {
        const int *d = w[0].dims; /* kh, kw, ig (or c), o (or mult) */
        int kh = d[0], kw = d[1];
        size_t count = (size_t)kh * kw * d[2] * d[3];
        float *oihw = malloc(sizeof(float) * count);
        if (!oihw)
            return err_set(CLVIS_ERR_NO_MEMORY, "out of memory");
        const float *src = w[0].data;
        if (!strcmp(L->cls, "DepthwiseConv2D")) {
            int C = d[2], M = d[3];
            for (int c = 0; c < C; c++)
                for (int m = 0; m < M; m++)
                    for (int y = 0; y < kh; y++)
                        for (int x = 0; x < kw; x++)
                            oihw[((size_t)(c * M + m) * kh + y) * kw + x] =
                                src[(((size_t)y * kw + x) * C + c) * M + m];
        } else {
            int IG = d[2], O = d[3];
            for (int o = 0; o < O; o++)
                for (int i = 0; i < IG; i++)
                    for (int y = 0; y < kh; y++)
                        for (int x = 0; x < kw; x++)
                            oihw[(((size_t)o * IG + i) * kh + y) * kw + x] =
                                src[(((size_t)y * kw + x) * IG + i) * O + o];
        }
        if (graph_weight_count(g, L->node, 0) != count)
            st = err_set(CLVIS_ERR_SHAPE, "%s: layer '%s': engine expects %zu kernel values, "
                         "got %zu", km->src, L->name, graph_weight_count(g, L->node, 0), count);
        else
            st = graph_set_weight(g, L->node, 0, oihw, count);
        free(oihw);
        if (st == CLVIS_OK && n > 1)
            st = graph_set_weight(g, L->node, 1, w[1].data, (size_t)w[1].dims[0]);
    } else if (nd->op == OP_DENSE) {
        size_t count = (size_t)w[0].dims[0] * w[0].dims[1];
        if (graph_weight_count(g, L->node, 0) != count)
            st = err_set(CLVIS_ERR_SHAPE, "%s: layer '%s': engine expects %zu kernel values, "
                         "got %zu", km->src, L->name, graph_weight_count(g, L->node, 0), count);
        else
            st = graph_set_weight(g, L->node, 0, w[0].data, count);
        if (st == CLVIS_OK && n > 1)
            st = graph_set_weight(g, L->node, 1, w[1].data, (size_t)w[1].dims[0]);
    } else {
        st = BAD("%s: layer '%s' (%s) does not take weights", km->src, L->name, L->cls);
    }
    if (st != CLVIS_OK)
        return err_wrap(st, "%s: layer '%s'", km->src, L->name);
    L->loaded = 1;
    return CLVIS_OK;
}

clvis_status kjson_check_loaded(const kmodel *km)
{
    for (int i = 0; i < km->n_layers; i++) {
        const klayer *L = &km->layers[i];
        if (!L->loaded)
            return BAD("%s: layer '%s' (%s): missing weights (%s%s) in the file", km->src,
                       L->name, L->cls, L->w_role[0], L->n_w > 1 ? ", ..." : "");
    }
    return CLVIS_OK;
}

/* onnx.c — an ONNX file into an engine graph: the ModelProto (libprotobuf-c, the schema
 * compiled from Debian's onnx.proto at build time), the opset, the one runtime input, the
 * initializers as constants, then the nodes the first output depends on, in the file's order
 * (which ONNX requires to be topological), each folded at load time (onnx_fold.c) or mapped to
 * engine nodes (onnx_ops.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import/onnx_imp.h"

/* A serialised model larger than this is refused before reading (protobuf's own limit is
 * 2 GiB; larger models keep their weights in external data files). */
#define MAX_MODEL_BYTES (INT64_C(2) << 30)

int onnx_probe(const char *path, const unsigned char *head, size_t n)
{
    (void)path;
    /* field 1 (ir_version, varint) = tag 0x08, a small version, then the next field's tag:
     * producer_name (0x12), producer_version (0x1a), domain (0x22), model_version (0x28),
     * doc_string (0x32), graph (0x3a), opset_import (0x42), metadata_props (0x72) */
    if (n < 3 || head[0] != 0x08 || head[1] < 1 || head[1] > 30)
        return 0;
    return strchr("\x12\x1a\x22\x28\x32\x3a\x42\x72", head[2]) != NULL && head[2];
}

clvis_status oimp_err(oimp *m, clvis_status st, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (m->node)
        return err_set(st, "%s: node '%s' (%s): %s", m->path,
                       m->node->name && *m->node->name ? m->node->name
                       : m->node->n_output ? m->node->output[0] : "?",
                       m->node->op_type ? m->node->op_type : "?", msg);
    return err_set(st, "%s: %s", m->path, msg);
}

/* ---- the value table ------------------------------------------------------------------------ */

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

oval *oimp_find(oimp *m, const char *name)
{
    if (!name || !m->n_slots)
        return NULL;
    for (unsigned k = hash(name) & (unsigned)(m->n_slots - 1);; k = (k + 1) & (unsigned)(m->n_slots - 1)) {
        int i = m->slots[k];
        if (i < 0)
            return NULL;
        if (!strcmp(m->vals[i].name, name))
            return &m->vals[i];
    }
}

static clvis_status rehash(oimp *m, int n_slots)
{
    int *s = malloc((size_t)n_slots * sizeof *s);
    if (!s)
        return err_set(CLVIS_ERR_NO_MEMORY, "%s: no memory", m->path);
    for (int k = 0; k < n_slots; k++)
        s[k] = -1;
    for (int i = 0; i < m->n_vals; i++) {
        unsigned k = hash(m->vals[i].name) & (unsigned)(n_slots - 1);
        while (s[k] >= 0)
            k = (k + 1) & (unsigned)(n_slots - 1);
        s[k] = i;
    }
    free(m->slots);
    m->slots = s;
    m->n_slots = n_slots;
    return CLVIS_OK;
}

clvis_status oimp_add(oimp *m, const char *name, oval **out)
{
    if (!name || !*name)
        return ONNX_BAD(m, "a tensor without a name");
    if (oimp_find(m, name))
        return ONNX_BAD(m, "tensor '%s' is assigned twice", name);
    if (m->n_vals == m->cap_vals) {
        int cap = m->cap_vals ? 2 * m->cap_vals : 256;
        oval *v = realloc(m->vals, (size_t)cap * sizeof *v);
        if (!v)
            return err_set(CLVIS_ERR_NO_MEMORY, "%s: no memory", m->path);
        m->vals = v;
        m->cap_vals = cap;
    }
    oval *v = &m->vals[m->n_vals++];
    memset(v, 0, sizeof *v);
    v->name = name;
    v->node = -1;
    if (2 * m->n_vals > m->n_slots) {
        clvis_status st = rehash(m, m->n_slots ? 2 * m->n_slots : 1024);
        if (st != CLVIS_OK)
            return st;
    } else {
        unsigned k = hash(name) & (unsigned)(m->n_slots - 1);
        while (m->slots[k] >= 0)
            k = (k + 1) & (unsigned)(m->n_slots - 1);
        m->slots[k] = m->n_vals - 1;
    }
    *out = v;
    return CLVIS_OK;
}

static void oimp_free(oimp *m)
{
    for (int i = 0; i < m->n_vals; i++)
        if (m->vals[i].is_const)
            oconst_free(&m->vals[i].c);
    free(m->vals);
    free(m->slots);
}

/* ---- the graph's input ---------------------------------------------------------------------- */

static const onnx_binding *bound(const oimp *m, const char *name)
{
    for (int k = 0; k < m->n_bind; k++)
        if (!strcmp(m->bind[k].name, name))
            return &m->bind[k];
    return NULL;
}

static clvis_status add_input(oimp *m, const Onnx__ValueInfoProto *vi)
{
    const Onnx__TypeProto *tp = vi->type;
    const char *name = vi->name;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
        return ONNX_UNSUPPORTED(m, "input '%s' is not a tensor", name);
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    if (!tt->has_elem_type || tt->elem_type != ONNX_FLOAT)
        return ONNX_UNSUPPORTED(m, "input '%s' is not float32 (element type %d)", name,
                                tt->has_elem_type ? tt->elem_type : 0);
    if (!tt->shape)
        return ONNX_UNSUPPORTED(m, "input '%s' has no shape", name);
    int rank = (int)tt->shape->n_dim;
    if (rank < 2 || rank > 4)
        return ONNX_UNSUPPORTED(m, "input '%s' of rank %d (clvis runs inputs of rank 2 to 4, "
                                   "batch first)", name, rank);
    int64_t d[4] = {0, 0, 0, 0};
    for (int k = 0; k < rank; k++) {
        const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[k];
        if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
            dim->dim_value > 0) {
            if (dim->dim_value > (1 << 20))
                return ONNX_UNSUPPORTED(m, "input '%s': dimension %d is %lld", name, k,
                                        (long long)dim->dim_value);
            d[k] = dim->dim_value;
        } else if (k == 0)
            d[k] = 0; /* dynamic batch */
        else if (rank == 4 && k >= 2)
            d[k] = 224; /* a dynamic image size: 224 until the caller sets one */
        else
            return ONNX_UNSUPPORTED(m, "input '%s': dimension %d is not fixed", name, k);
    }
    int64_t item = 1;
    for (int k = 1; k < rank; k++)
        item *= d[k];
    if (item > (INT64_C(1) << 28))
        return ONNX_UNSUPPORTED(m, "input '%s' of %lld values per item", name, (long long)item);
    m->static_batch = d[0];
    oval *v;
    clvis_status st = oimp_add(m, name, &v);
    if (st != CLVIS_OK)
        return st;
    v->rank = rank;
    v->dims[0] = ONNX_BATCH;
    for (int k = 1; k < rank; k++)
        v->dims[k] = d[k];
    return graph_add_input(m->g, name, onnx_item_shape(v), &v->node);
}

/* ---- the walk ------------------------------------------------------------------------------- */

static int is_initializer(const Onnx__GraphProto *gp, const char *name)
{
    for (size_t k = 0; k < gp->n_initializer; k++)
        if (gp->initializer[k]->name && !strcmp(gp->initializer[k]->name, name))
            return 1;
    return 0;
}

/* Which nodes the first output depends on (need[k] = 1), checking on the way that every input
 * of a node is an input, an initializer or an earlier node's output. */
static clvis_status needed_nodes(oimp *m, const Onnx__GraphProto *gp, unsigned char *need)
{
    /* the names defined before node k: a forward pass over the value table's names */
    for (size_t k = 0; k < gp->n_node; k++) {
        const Onnx__NodeProto *n = gp->node[k];
        m->node = n;
        if (!n->op_type)
            return ONNX_BAD(m, "a node without an op type");
        for (size_t i = 0; i < n->n_input; i++) {
            if (!n->input[i] || !*n->input[i])
                continue; /* an omitted optional input */
            if (!oimp_find(m, n->input[i]))
                return ONNX_BAD(m, "input '%s' is not a graph input, an initializer or the "
                                   "output of an earlier node (a cycle, a dangling input or "
                                   "nodes out of order)", n->input[i]);
        }
        for (size_t o = 0; o < n->n_output; o++) {
            if (!n->output[o] || !*n->output[o])
                continue;
            oval *v;
            clvis_status st = oimp_add(m, n->output[o], &v);
            if (st != CLVIS_OK)
                return st;
            v->node = -2; /* declared, not computed yet */
        }
    }
    m->node = NULL;
    if (!gp->n_output || !gp->output[0]->name || !oimp_find(m, gp->output[0]->name))
        return ONNX_BAD(m, "the graph's output is not computed by any node");
    /* backward from the output */
    const char **want = NULL;
    size_t n_want = 0, cap = 0;
    clvis_status st = CLVIS_OK;
#define WANT(s)                                                                                 \
    do {                                                                                        \
        if (n_want == cap) {                                                                    \
            cap = cap ? 2 * cap : 256;                                                          \
            const char **w_ = realloc(want, cap * sizeof *w_);                                  \
            if (!w_) {                                                                          \
                st = err_set(CLVIS_ERR_NO_MEMORY, "%s: no memory", m->path);                   \
                goto done;                                                                      \
            }                                                                                   \
            want = w_;                                                                          \
        }                                                                                       \
        want[n_want++] = (s);                                                                   \
    } while (0)
    WANT(gp->output[0]->name);
    for (size_t k = gp->n_node; k-- > 0;) {
        const Onnx__NodeProto *n = gp->node[k];
        int used = 0;
        for (size_t o = 0; o < n->n_output && !used; o++)
            for (size_t w = 0; w < n_want && !used; w++)
                used = n->output[o] && !strcmp(n->output[o], want[w]);
        if (!used)
            continue;
        need[k] = 1;
        for (size_t i = 0; i < n->n_input; i++)
            if (n->input[i] && *n->input[i])
                WANT(n->input[i]);
    }
done:
#undef WANT
    free(want);
    return st;
}

static clvis_status add_initializers(oimp *m, const Onnx__GraphProto *gp)
{
    m->fold_budget = ONNX_FOLD_SLACK;
    for (size_t k = 0; k < gp->n_initializer; k++) {
        const Onnx__TensorProto *t = gp->initializer[k];
        if (!t->name || !*t->name)
            return ONNX_BAD(m, "an initializer without a name");
        if (bound(m, t->name))
            continue;
        oval *v;
        clvis_status st = oimp_add(m, t->name, &v);
        if (st == CLVIS_OK)
            st = onnx_tensor_const(m, t, &v->c);
        if (st != CLVIS_OK)
            return st;
        v->is_const = 1;
        m->fold_budget += (int64_t)v->c.count;
        /* the bytes are floats now: drop the parsed copy (a VGG16 is 553 MB of them) */
        Onnx__TensorProto *tw = gp->initializer[k];
        if (tw->has_raw_data && tw->raw_data.data) {
            free(tw->raw_data.data);
            tw->raw_data.data = NULL;
            tw->raw_data.len = 0;
        }
    }
    for (int k = 0; k < m->n_bind; k++) {
        for (size_t i = 0; i < gp->n_input; i++) {
            const Onnx__ValueInfoProto *vi = gp->input[i];
            if (vi->name && !strcmp(vi->name, m->bind[k].name) &&
                (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE))
                return ONNX_UNSUPPORTED(m, "input '%s' is not a tensor", vi->name);
        }
        Onnx__TensorProto *t = onnx__tensor_proto__unpack(NULL, m->bind[k].size,
                                                           m->bind[k].tensor);
        if (!t)
            return ONNX_BAD(m, "the value bound to input '%s' is not a TensorProto",
                            m->bind[k].name);
        oval *v;
        clvis_status st = oimp_add(m, m->bind[k].name, &v);
        if (st == CLVIS_OK)
            st = onnx_tensor_const(m, t, &v->c);
        onnx__tensor_proto__free_unpacked(t, NULL);
        if (st != CLVIS_OK)
            return st;
        v->is_const = 1;
    }
    return CLVIS_OK;
}

/* The preprocessing the model's metadata states (clvis.preprocess, written by
 * tools/keras_to_onnx.py), else the format's default: torchvision's transform for an RGB
 * input, x / 255 (ToTensor) for a 1-channel one; source says which ("" when not stated). */
static clvis_preprocess model_preprocess(const Onnx__ModelProto *mp, int channels, char *source,
                                         size_t cap)
{
    static const char *names[] = {"raw", "scale", "tf", "caffe", "torch"};
    for (size_t k = 0; k < mp->n_metadata_props; k++) {
        const Onnx__StringStringEntryProto *e = mp->metadata_props[k];
        if (e->key && e->value && !strcmp(e->key, "clvis.preprocess"))
            for (int i = 0; i < 5; i++)
                if (!strcmp(e->value, names[i])) {
                    snprintf(source, cap, "the model's metadata (clvis.preprocess)");
                    return (clvis_preprocess)i;
                }
    }
    source[0] = 0;
    return channels == 1 ? CLVIS_PREPROCESS_SCALE : CLVIS_PREPROCESS_TORCH;
}

static clvis_status import_model(oimp *m, const Onnx__ModelProto *mp)
{
    const Onnx__GraphProto *gp = mp->graph;
    if (!gp)
        return ONNX_BAD(m, "no graph in the model");
    m->opset = 0;
    for (size_t k = 0; k < mp->n_opset_import; k++) {
        const Onnx__OperatorSetIdProto *o = mp->opset_import[k];
        if (!o->domain || !*o->domain || !strcmp(o->domain, "ai.onnx"))
            m->opset = o->has_version ? o->version : 0;
    }
    if (!m->opset)
        m->opset = 1; /* IR 3 files without an opset import */
    if (m->opset > 21)
        return ONNX_UNSUPPORTED(m, "opset %lld (clvis reads opsets 1 to 21)",
                                (long long)m->opset);
    clvis_status st = add_initializers(m, gp);
    if (st != CLVIS_OK)
        return st;
    /* the one runtime input: not an initializer (IR < 4 lists them as inputs too), not bound */
    const Onnx__ValueInfoProto *in = NULL;
    for (size_t k = 0; k < gp->n_input; k++) {
        const char *name = gp->input[k]->name;
        if (!name || is_initializer(gp, name) || bound(m, name))
            continue;
        if (in)
            return ONNX_UNSUPPORTED(m, "more than one graph input ('%s' and '%s'): clvis runs "
                                       "models with one input", in->name, name);
        in = gp->input[k];
    }
    if (!in)
        return ONNX_UNSUPPORTED(m, "no graph input that is not an initializer");
    st = add_input(m, in);
    if (st != CLVIS_OK)
        return st;
    unsigned char *need = calloc(gp->n_node + 1, 1);
    if (!need)
        return err_set(CLVIS_ERR_NO_MEMORY, "%s: no memory", m->path);
    st = needed_nodes(m, gp, need);
    for (size_t k = 0; st == CLVIS_OK && k < gp->n_node; k++) {
        if (!need[k])
            continue;
        const Onnx__NodeProto *n = gp->node[k];
        m->node = n;
        if (n->domain && *n->domain && strcmp(n->domain, "ai.onnx"))
            st = ONNX_UNSUPPORTED(m, "operator domain '%s' (clvis reads the default domain)",
                                  n->domain);
        else {
            int folded = 0;
            st = onnx_fold(m, n, &folded);
            if (st == CLVIS_OK && !folded)
                st = onnx_op(m, n);
        }
    }
    free(need);
    if (st != CLVIS_OK)
        return st;
    m->node = NULL;
    oval *out = oimp_find(m, gp->output[0]->name);
    if (!out || out->is_const || out->node < 0)
        return ONNX_UNSUPPORTED(m, "the graph's output '%s' does not depend on its input",
                                gp->output[0]->name);
    if (out->node != graph_count(m->g) - 1)
        return ONNX_BAD(m, "the graph's output '%s' is not computed last", out->name);
    m->g->preprocess = model_preprocess(mp, graph_node_shape(m->g, 0).c, m->g->preprocess_source,
                                        sizeof m->g->preprocess_source);
    return graph_check(m->g);
}

static void model_name(const char *path, const Onnx__ModelProto *mp, char *out, size_t cap)
{
    if (mp->graph && mp->graph->name && *mp->graph->name && strcmp(mp->graph->name, "main_graph") &&
        strcmp(mp->graph->name, "torch_jit") && strcmp(mp->graph->name, "torch-jit-export")) {
        snprintf(out, cap, "%s", mp->graph->name);
        return;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(out, cap, "%s", base);
    char *dot = strrchr(out, '.');
    if (dot && dot != out)
        *dot = 0;
}

static Onnx__ModelProto *unpack(const char *path, const void *buf, size_t len)
{
    Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, len, buf);
    if (!mp)
        err_set(CLVIS_ERR_FORMAT, "%s: not a valid ONNX model (the protobuf does not parse: "
                "truncated or damaged)", path);
    return mp;
}

/* Imports the parsed model and frees it. */
static clvis_status load_proto(clvis_ctx *ctx, const char *path, Onnx__ModelProto *mp,
                               const onnx_binding *bind, int n_bind, graph **out)
{
    oimp m = {.ctx = ctx, .path = path, .bind = bind, .n_bind = n_bind};
    char name[GRAPH_NAME_MAX];
    model_name(path, mp, name, sizeof name);
    clvis_status st = graph_create(ctx, name, &m.g);
    if (st == CLVIS_OK)
        st = import_model(&m, mp);
    oimp_free(&m);
    onnx__model_proto__free_unpacked(mp, NULL);
    if (st != CLVIS_OK) {
        graph_destroy(m.g);
        return st;
    }
    *out = m.g;
    return CLVIS_OK;
}

clvis_status onnx_load_buffer(clvis_ctx *ctx, const char *path, const void *buf, size_t len,
                              const onnx_binding *bind, int n_bind, graph **out)
{
    *out = NULL;
    Onnx__ModelProto *mp = unpack(path, buf, len);
    return mp ? load_proto(ctx, path, mp, bind, n_bind, out) : CLVIS_ERR_FORMAT;
}

/* The whole file, refusing anything but a regular file of a sane size. */
static clvis_status read_file(const char *path, uint8_t **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return err_set(CLVIS_ERR_IO, "%s: cannot open the file", path);
    struct stat st;
    clvis_status rc = CLVIS_OK;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode))
        rc = err_set(CLVIS_ERR_IO, "%s: not a regular file", path);
    else if (st.st_size > MAX_MODEL_BYTES)
        rc = err_set(CLVIS_ERR_UNSUPPORTED, "%s: %lld bytes (an ONNX file holds at most 2 GiB; "
                     "larger models keep their weights in external data files)", path,
                     (long long)st.st_size);
    else if (!(*buf = malloc((size_t)st.st_size + 1)))
        rc = err_set(CLVIS_ERR_NO_MEMORY, "%s: no memory for the file", path);
    size_t got = 0;
    while (rc == CLVIS_OK && got < (size_t)st.st_size) {
        ssize_t r = read(fd, *buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            rc = err_set(CLVIS_ERR_IO, "%s: reading failed", path);
        else
            got += (size_t)r;
    }
    close(fd);
    if (rc != CLVIS_OK && rc != CLVIS_ERR_NO_MEMORY && *buf) {
        free(*buf);
        *buf = NULL;
    }
    *len = got;
    return rc;
}

clvis_status onnx_load(clvis_ctx *ctx, const char *path, const clvis_load_options *opt,
                       graph **out)
{
    (void)opt;
    *out = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    clvis_status st = read_file(path, &buf, &len);
    if (st != CLVIS_OK)
        return st;
    /* the parse copies every byte it keeps: the file's buffer goes before the import */
    Onnx__ModelProto *mp = unpack(path, buf, len);
    free(buf);
    return mp ? load_proto(ctx, path, mp, NULL, 0, out) : CLVIS_ERR_FORMAT;
}

clvis_status onnx_read_tensor(const char *path, int *rank, long long dims[8], float **data,
                              size_t *count)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    *data = NULL;
    clvis_status st = read_file(path, &buf, &len);
    if (st != CLVIS_OK)
        return st;
    Onnx__TensorProto *t = onnx__tensor_proto__unpack(NULL, len, buf);
    free(buf);
    if (!t)
        return err_set(CLVIS_ERR_FORMAT, "%s: not a TensorProto", path);
    oimp m = {.path = path};
    oconst c;
    st = onnx_tensor_const(&m, t, &c);
    onnx__tensor_proto__free_unpacked(t, NULL);
    if (st != CLVIS_OK)
        return st;
    *rank = c.rank;
    for (int k = 0; k < c.rank; k++)
        dims[k] = c.dims[k];
    *count = c.count;
    if (c.is_int) {
        *data = malloc((c.count ? c.count : 1) * sizeof **data);
        if (!*data) {
            oconst_free(&c);
            return err_set(CLVIS_ERR_NO_MEMORY, "%s: no memory", path);
        }
        for (size_t k = 0; k < c.count; k++)
            (*data)[k] = (float)c.i[k];
        oconst_free(&c);
    } else {
        *data = c.f;
        free(c.i);
    }
    return CLVIS_OK;
}

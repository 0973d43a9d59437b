/* onnx_ops.c — ONNX nodes as engine nodes. Runtime tensors are batch first; the engine keeps
 * one item as (c, h, w): rank 4 (N,C,H,W) -> (C,H,W), rank 3 (N,C,L) -> (C,1,L) (1-D convs and
 * pools run as 2-D ones of height 1), rank 2 (N,F) -> (F,1,1). Every attribute value an op
 * does not support is refused here, naming the node, the op and the value. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/onnx_imp.h"

/* ---- attributes ----------------------------------------------------------------------------- */

const Onnx__AttributeProto *oattr(const Onnx__NodeProto *n, const char *name)
{
    for (size_t k = 0; k < n->n_attribute; k++)
        if (n->attribute[k]->name && !strcmp(n->attribute[k]->name, name))
            return n->attribute[k];
    return NULL;
}

int64_t oattr_int(const Onnx__NodeProto *n, const char *name, int64_t dflt)
{
    const Onnx__AttributeProto *a = oattr(n, name);
    return a && a->has_i ? a->i : dflt;
}

float oattr_float(const Onnx__NodeProto *n, const char *name, float dflt)
{
    const Onnx__AttributeProto *a = oattr(n, name);
    return a && a->has_f ? a->f : dflt;
}

int oattr_ints(const Onnx__NodeProto *n, const char *name, int64_t *out, int cap)
{
    const Onnx__AttributeProto *a = oattr(n, name);
    if (!a)
        return -1;
    for (size_t k = 0; k < a->n_ints && (int)k < cap; k++)
        out[k] = a->ints[k];
    return (int)a->n_ints;
}

const char *oattr_string(const Onnx__NodeProto *n, const char *name, const char *dflt)
{
    const Onnx__AttributeProto *a = oattr(n, name);
    static char buf[64];
    if (!a || !a->has_s)
        return dflt;
    size_t len = a->s.len < sizeof buf - 1 ? a->s.len : sizeof buf - 1;
    memcpy(buf, a->s.data, len);
    buf[len] = 0;
    return buf;
}

/* ---- values --------------------------------------------------------------------------------- */

shape3 onnx_item_shape(const oval *v)
{
    switch (v->rank) {
    case 4: return (shape3){(int)v->dims[1], (int)v->dims[2], (int)v->dims[3]};
    case 3: return (shape3){(int)v->dims[1], 1, (int)v->dims[2]};
    default: return (shape3){(int)v->dims[1], 1, 1};
    }
}

static int64_t item_count(const oval *v)
{
    int64_t c = 1;
    for (int k = 1; k < v->rank; k++)
        c *= v->dims[k];
    return c;
}

static const char *in_name(const Onnx__NodeProto *n, size_t k)
{
    return k < n->n_input && n->input[k] && *n->input[k] ? n->input[k] : NULL;
}

static const oconst *in_const(oimp *m, const Onnx__NodeProto *n, size_t k)
{
    oval *v = in_name(n, k) ? oimp_find(m, in_name(n, k)) : NULL;
    return v && v->is_const ? &v->c : NULL;
}

static int output_used(const Onnx__NodeProto *n, size_t k)
{
    return k < n->n_output && n->output[k] && *n->output[k];
}

/* A name for a new engine node: the ONNX node's name, else its first output's, else the op
 * and a counter; `suffix` marks helper nodes. Always unique in the graph. */
static void engine_name(oimp *m, const Onnx__NodeProto *n, const char *suffix, char *out)
{
    const char *cands[2] = {n->name, n->n_output ? n->output[0] : NULL};
    for (int k = 0; k < 2; k++) {
        const char *c = cands[k];
        if (!c || !*c)
            continue;
        int len = snprintf(out, GRAPH_NAME_MAX, "%s%s", c, suffix);
        if (len < GRAPH_NAME_MAX && graph_find(m->g, out) < 0)
            return;
    }
    for (int k = graph_count(m->g);; k++) {
        snprintf(out, GRAPH_NAME_MAX, "%.60s_%d%s", n->op_type, k, suffix);
        if (graph_find(m->g, out) < 0)
            return;
    }
}

/* Records output k of the node as a runtime value computed by engine node `id`. */
static clvis_status set_out(oimp *m, const Onnx__NodeProto *n, size_t k, int id, int rank,
                            const int64_t *dims)
{
    if (!output_used(n, k))
        return CLVIS_OK;
    oval *v = oimp_find(m, n->output[k]);
    if (!v)
        return ONNX_BAD(m, "output '%s' was not declared", n->output[k]);
    v->is_const = 0;
    v->node = id;
    v->rank = rank;
    if (k == 0)
        graph_set_type(m->g, id, n->op_type);
    v->dims[0] = ONNX_BATCH;
    for (int j = 1; j < rank; j++)
        v->dims[j] = dims[j];
    /* the tensor's name finds the node too (--layer accepts either) */
    if (strcmp(graph_node_name(m->g, id), n->output[k]) && graph_find(m->g, n->output[k]) < 0)
        return graph_add_alias(m->g, n->output[k], id);
    return CLVIS_OK;
}

/* Output 0 with the engine node's own item shape mapped back to `rank`. */
static clvis_status set_out_shape(oimp *m, const Onnx__NodeProto *n, int id, int rank)
{
    shape3 s = graph_node_shape(m->g, id);
    int64_t d[4] = {ONNX_BATCH, s.c, 0, 0};
    if (rank == 4) {
        d[2] = s.h;
        d[3] = s.w;
    } else if (rank == 3)
        d[2] = s.w;
    return set_out(m, n, 0, id, rank, d);
}

clvis_status onnx_runtime_input(oimp *m, const Onnx__NodeProto *n, int k, oval *out)
{
    const char *name = in_name(n, (size_t)k);
    oval *v = name ? oimp_find(m, name) : NULL;
    if (!v)
        return ONNX_BAD(m, "input %d is missing", k);
    if (!v->is_const) {
        *out = *v;
        return CLVIS_OK;
    }
    /* a constant used as a tensor: the same value for every batch item, so its first
     * dimension must be 1 */
    const oconst *c = &v->c;
    if (c->rank >= 2 && c->rank <= 4 && c->dims[0] != 1)
        return ONNX_UNSUPPORTED(m, "input '%s' varies over the batch: a second data input "
                                   "(clvis runs models with one)", name);
    if (c->rank < 2 || c->rank > 4)
        return ONNX_UNSUPPORTED(m, "input '%s' is a constant of rank %d used as a batch tensor",
                                name, c->rank);
    if (v->node < 0) {
        oval tmp = {.rank = c->rank};
        for (int j = 1; j < c->rank; j++)
            tmp.dims[j] = c->dims[j];
        char nm[GRAPH_NAME_MAX];
        engine_name(m, n, "/const", nm);
        float *f = c->f;
        float *conv = NULL;
        if (c->is_int) {
            conv = malloc((c->count ? c->count : 1) * sizeof *conv);
            if (!conv)
                return err_set(CLVIS_ERR_NO_MEMORY, "%s: no memory", m->path);
            for (size_t j = 0; j < c->count; j++)
                conv[j] = (float)c->i[j];
            f = conv;
        }
        clvis_status st = graph_add_constant(m->g, nm, onnx_item_shape(&tmp), &v->node);
        if (st == CLVIS_OK)
            st = graph_set_weight(m->g, v->node, 0, f, c->count);
        free(conv);
        if (st != CLVIS_OK)
            return st;
    }
    /* a runtime view of the constant */
    memset(out, 0, sizeof *out);
    out->name = v->name;
    out->node = v->node;
    out->rank = c->rank;
    out->dims[0] = ONNX_BATCH;
    for (int j = 1; j < c->rank; j++)
        out->dims[j] = c->dims[j];
    return CLVIS_OK;
}

static clvis_status runtime_x(oimp *m, const Onnx__NodeProto *n, oval *x, int min_rank,
                              int max_rank)
{
    clvis_status st = onnx_runtime_input(m, n, 0, x);
    if (st != CLVIS_OK)
        return st;
    if (x->rank < min_rank || x->rank > max_rank)
        return ONNX_UNSUPPORTED(m, "an input of rank %d (this op runs on rank %d to %d)",
                                x->rank, min_rank, max_rank);
    return CLVIS_OK;
}

/* Float values of a constant input, expanded to n per-channel values (n, 1, or shapes like
 * (1, n, 1, 1)). */
static clvis_status channel_values(oimp *m, const oconst *c, const char *what, int n,
                                   float *out)
{
    size_t cnt = c ? c->count : 0;
    if (!c || (cnt != 1 && cnt != (size_t)n))
        return ONNX_UNSUPPORTED(m, "%s with %zu values for %d channels", what, cnt, n);
    for (int k = 0; k < n; k++)
        out[k] = (float)oconst_get(c, cnt == 1 ? 0 : (size_t)k);
    return CLVIS_OK;
}

/* ---- windows (Conv, pools) ------------------------------------------------------------------ */

/* kernel, strides, dilations, pads and auto_pad of a 1-D or 2-D window op into win / pad. */
static clvis_status window_attrs(oimp *m, const Onnx__NodeProto *n, int rank, const int64_t *kern,
                                 int allow_dilation, window2d *win, pad_mode *pad)
{
    int sp = rank - 2; /* spatial axes */
    int64_t ks[2] = {1, 1}, st[2] = {1, 1}, dl[2] = {1, 1}, pd[4] = {0, 0, 0, 0};
    int nk = oattr_ints(n, "kernel_shape", ks, 2);
    if (nk < 0 && kern) {
        ks[0] = kern[0];
        ks[1] = sp == 2 ? kern[1] : 1;
        nk = sp;
    }
    if (nk != sp)
        return ONNX_UNSUPPORTED(m, "a %d-D window on a rank-%d input (clvis runs 1-D and 2-D)",
                                nk, rank);
    int ns = oattr_ints(n, "strides", st, 2), nd = oattr_ints(n, "dilations", dl, 2),
        np = oattr_ints(n, "pads", pd, 4);
    if ((ns >= 0 && ns != sp) || (nd >= 0 && nd != sp) || (np >= 0 && np != 2 * sp))
        return ONNX_BAD(m, "strides / dilations / pads of the wrong length");
    for (int k = 0; k < sp; k++) {
        if (ks[k] < 1 || ks[k] > 4096 || st[k] < 1 || st[k] > 4096 || dl[k] < 1 || dl[k] > 4096)
            return ONNX_UNSUPPORTED(m, "kernel %lld, stride %lld, dilation %lld",
                                    (long long)ks[k], (long long)st[k], (long long)dl[k]);
        if (!allow_dilation && dl[k] != 1)
            return ONNX_UNSUPPORTED(m, "dilations %lld (this op supports 1)", (long long)dl[k]);
    }
    for (int k = 0; k < 2 * sp; k++)
        if (pd[k] < 0 || pd[k] > 4096)
            return ONNX_UNSUPPORTED(m, "pads of %lld", (long long)pd[k]);
    const char *ap = oattr_string(n, "auto_pad", "NOTSET");
    memset(win, 0, sizeof *win);
    /* a 1-D window is 2-D with height 1 */
    int a = sp == 2 ? 0 : -1;
    win->kh = a < 0 ? 1 : (int)ks[0];
    win->kw = (int)ks[sp - 1];
    win->sh = a < 0 ? 1 : (int)st[0];
    win->sw = (int)st[sp - 1];
    win->dh = a < 0 ? 1 : (int)dl[0];
    win->dw = (int)dl[sp - 1];
    if (!strcmp(ap, "NOTSET")) {
        *pad = PAD_EXPLICIT;
        if (sp == 2) {
            win->pad_t = (int)pd[0];
            win->pad_l = (int)pd[1];
            win->pad_b = (int)pd[2];
            win->pad_r = (int)pd[3];
        } else {
            win->pad_l = (int)pd[0];
            win->pad_r = (int)pd[1];
        }
    } else if (!strcmp(ap, "VALID"))
        *pad = PAD_VALID;
    else if (!strcmp(ap, "SAME_UPPER"))
        *pad = PAD_SAME;
    else if (!strcmp(ap, "SAME_LOWER"))
        *pad = PAD_SAME_LOWER;
    else
        return ONNX_UNSUPPORTED(m, "auto_pad '%s'", ap);
    return CLVIS_OK;
}

static clvis_status op_conv(oimp *m, const Onnx__NodeProto *n)
{
    oval x;
    clvis_status st = runtime_x(m, n, &x, 3, 4);
    if (st != CLVIS_OK)
        return st;
    const oconst *w = in_const(m, n, 1), *b = in_const(m, n, 2);
    if (!w)
        return ONNX_UNSUPPORTED(m, "weights that are not constant (an initializer)");
    if (in_name(n, 2) && !b)
        return ONNX_UNSUPPORTED(m, "a bias that is not constant");
    if (w->rank != x.rank || w->is_int)
        return ONNX_BAD(m, "weights of rank %d for a rank-%d input", w->rank, x.rank);
    int64_t group = oattr_int(n, "group", 1);
    shape3 in = onnx_item_shape(&x);
    if (group < 1 || in.c % group || w->dims[0] % group || w->dims[1] * group != in.c)
        return ONNX_BAD(m, "weights (%lld, %lld, ...) for %d channels in %lld groups",
                        (long long)w->dims[0], (long long)w->dims[1], in.c, (long long)group);
    if (b && (int64_t)b->count != w->dims[0])
        return ONNX_BAD(m, "a bias of %zu values for %lld filters", b->count,
                        (long long)w->dims[0]);
    window2d win;
    pad_mode pad;
    st = window_attrs(m, n, x.rank, w->dims + 2, 1, &win, &pad);
    if (st != CLVIS_OK)
        return st;
    if ((x.rank == 4 && (win.kh != w->dims[2] || win.kw != w->dims[3])) ||
        (x.rank == 3 && win.kw != w->dims[2]))
        return ONNX_BAD(m, "kernel_shape does not match the weights");
    char nm[GRAPH_NAME_MAX];
    engine_name(m, n, "", nm);
    int id;
    st = graph_add_conv2d_win(m->g, nm, "Conv", x.node, (int)w->dims[0], &win, pad, (int)group,
                              b != NULL, ACT_LINEAR, 0.0f, &id);
    if (st == CLVIS_OK)
        st = graph_set_weight(m->g, id, 0, w->f, w->count);
    if (st == CLVIS_OK && b) {
        float *bf = malloc(b->count * sizeof *bf);
        if (!bf)
            return err_set(CLVIS_ERR_NO_MEMORY, "%s: no memory", m->path);
        for (size_t k = 0; k < b->count; k++)
            bf[k] = (float)oconst_get(b, k);
        st = graph_set_weight(m->g, id, 1, bf, b->count);
        free(bf);
    }
    return st != CLVIS_OK ? st : set_out_shape(m, n, id, x.rank);
}

static clvis_status op_pool(oimp *m, const Onnx__NodeProto *n, int is_max)
{
    oval x;
    clvis_status st = runtime_x(m, n, &x, 3, 4);
    if (st != CLVIS_OK)
        return st;
    if (output_used(n, 1))
        return ONNX_UNSUPPORTED(m, "the Indices output");
    if (oattr_int(n, "storage_order", 0) != 0)
        return ONNX_UNSUPPORTED(m, "storage_order 1");
    window2d win;
    pad_mode pad;
    st = window_attrs(m, n, x.rank, NULL, is_max, &win, &pad);
    if (st != CLVIS_OK)
        return st;
    int ceil_mode = (int)oattr_int(n, "ceil_mode", 0);
    int cip = (int)oattr_int(n, "count_include_pad", 0);
    char nm[GRAPH_NAME_MAX];
    engine_name(m, n, "", nm);
    int id;
    st = graph_add_pool_win(m->g, nm, n->op_type, is_max, x.node, &win, pad, ceil_mode != 0,
                            !is_max && cip, &id);
    return st != CLVIS_OK ? st : set_out_shape(m, n, id, x.rank);
}

static clvis_status global_pool(oimp *m, const Onnx__NodeProto *n, const oval *x, int is_max,
                                int out_rank)
{
    char nm[GRAPH_NAME_MAX];
    engine_name(m, n, "", nm);
    int id;
    clvis_status st = graph_add_global_pool(m->g, nm, is_max, x->node, &id);
    if (st != CLVIS_OK)
        return st;
    int64_t d[4] = {ONNX_BATCH, x->dims[1], 1, 1};
    return set_out(m, n, 0, id, out_rank, d);
}

static clvis_status op_global_pool(oimp *m, const Onnx__NodeProto *n, int is_max)
{
    oval x;
    clvis_status st = runtime_x(m, n, &x, 3, 4);
    return st != CLVIS_OK ? st : global_pool(m, n, &x, is_max, x.rank);
}

/* The axes of ReduceMean / Squeeze / Unsqueeze: input 1 (newer opsets, a constant) or the
 * attribute; *na = -1 when neither is given. */
static clvis_status node_axes(oimp *m, const Onnx__NodeProto *n, int64_t axes[8], int *na)
{
    const oconst *ac = in_const(m, n, 1);
    if (ac) {
        *na = (int)ac->count;
        for (int k = 0; k < *na && k < 8; k++)
            axes[k] = ac->is_int ? ac->i[k] : (int64_t)ac->f[k];
    } else if (in_name(n, 1))
        return ONNX_UNSUPPORTED(m, "axes that are not constant");
    else
        *na = oattr_ints(n, "axes", axes, 8);
    if (*na > 8)
        return ONNX_UNSUPPORTED(m, "%d axes", *na);
    return CLVIS_OK;
}

/* ReduceMean / ReduceMax over the spatial axes (squeeze-excitation's x.mean((2, 3))). */
static clvis_status op_reduce(oimp *m, const Onnx__NodeProto *n, int is_max)
{
    oval x;
    clvis_status st = runtime_x(m, n, &x, 2, 4);
    if (st != CLVIS_OK)
        return st;
    int64_t axes[8];
    int na;
    st = node_axes(m, n, axes, &na);
    if (st != CLVIS_OK)
        return st;
    int keep = (int)oattr_int(n, "keepdims", 1);
    unsigned mask = 0;
    if (na < 0 || (na == 0 && !oattr_int(n, "noop_with_empty_axes", 0)))
        mask = (1u << x.rank) - 1; /* all axes */
    for (int k = 0; k < na && k < 8; k++) {
        int64_t a = axes[k] < 0 ? axes[k] + x.rank : axes[k];
        if (a < 0 || a >= x.rank)
            return ONNX_BAD(m, "axis %lld of a rank-%d input", (long long)axes[k], x.rank);
        mask |= 1u << a;
    }
    /* the reduced axes must be exactly the spatial ones, up to axes of size 1 */
    unsigned spatial = 0, ones = 0;
    for (int a = 2; a < x.rank; a++)
        spatial |= 1u << a;
    for (int a = 1; a < x.rank; a++)
        if (x.dims[a] == 1)
            ones |= 1u << a;
    if ((mask | ones) != (spatial | ones) || (mask & 1u))
        return ONNX_UNSUPPORTED(m, "a reduction over axes other than the spatial ones");
    if (x.rank == 2)
        return ONNX_UNSUPPORTED(m, "a reduction of a rank-2 tensor");
    return global_pool(m, n, &x, is_max, keep ? x.rank : 2);
}

/* ---- dense ---------------------------------------------------------------------------------- */

static clvis_status dense(oimp *m, const Onnx__NodeProto *n, const oval *x, int64_t K,
                          int64_t N, const float *kin_out, const float *bias)
{
    if (item_count(x) != K || x->rank != 2)
        return ONNX_BAD(m, "an input of %lld features (rank %d) for %lld weights rows",
                        (long long)item_count(x), x->rank, (long long)K);
    char nm[GRAPH_NAME_MAX];
    engine_name(m, n, "", nm);
    int id;
    clvis_status st = graph_add_dense(m->g, nm, x->node, (int)N, bias != NULL, ACT_LINEAR, 0.0f,
                                      &id);
    if (st == CLVIS_OK)
        st = graph_set_weight(m->g, id, 0, kin_out, (size_t)(K * N));
    if (st == CLVIS_OK && bias)
        st = graph_set_weight(m->g, id, 1, bias, (size_t)N);
    int64_t d[2] = {ONNX_BATCH, N};
    return st != CLVIS_OK ? st : set_out(m, n, 0, id, 2, d);
}

static clvis_status op_gemm(oimp *m, const Onnx__NodeProto *n, int is_matmul)
{
    oval x;
    clvis_status st = runtime_x(m, n, &x, 2, 2);
    if (st != CLVIS_OK)
        return st;
    const oconst *B = in_const(m, n, 1), *C = is_matmul ? NULL : in_const(m, n, 2);
    if (!B || B->is_int || B->rank != 2)
        return ONNX_UNSUPPORTED(m, "a second operand that is not a constant matrix");
    if (!is_matmul && in_name(n, 2) && !C)
        return ONNX_UNSUPPORTED(m, "a bias that is not constant");
    if (!is_matmul && oattr_int(n, "transA", 0))
        return ONNX_UNSUPPORTED(m, "transA = 1 (the input transposed)");
    int transB = is_matmul ? 0 : (int)oattr_int(n, "transB", 0);
    float alpha = is_matmul ? 1.0f : oattr_float(n, "alpha", 1.0f),
          beta = is_matmul ? 1.0f : oattr_float(n, "beta", 1.0f);
    int64_t K = transB ? B->dims[1] : B->dims[0], N = transB ? B->dims[0] : B->dims[1];
    if (K < 1 || N < 1)
        return ONNX_BAD(m, "an empty weight matrix");
    float *w = malloc((size_t)(K * N) * sizeof *w), *b = NULL;
    if (!w)
        return err_set(CLVIS_ERR_NO_MEMORY, "%s: no memory", m->path);
    if (!transB)
        memcpy(w, B->f, (size_t)(K * N) * sizeof *w);
    else /* (N, K) -> (K, N) in 64 x 64 tiles (a VGG16 classifier is 25088 x 4096) */
        for (int64_t o0 = 0; o0 < N; o0 += 64)
            for (int64_t i0 = 0; i0 < K; i0 += 64)
                for (int64_t o = o0; o < N && o < o0 + 64; o++)
                    for (int64_t i = i0; i < K && i < i0 + 64; i++)
                        w[i * N + o] = B->f[o * K + i];
    if (alpha != 1.0f)
        for (int64_t k = 0; k < K * N; k++)
            w[k] *= alpha;
    if (C) {
        /* C broadcasts to (batch, N): a scalar, (N) or (1, N) */
        int ok = C->count == 1 || ((int64_t)C->count == N && C->dims[C->rank - 1] == N);
        b = ok ? malloc((size_t)N * sizeof *b) : NULL;
        if (!ok)
            st = ONNX_UNSUPPORTED(m, "a bias C of %zu values for %lld outputs (per-row biases "
                                     "are not supported)", C->count, (long long)N);
        else if (!b)
            st = err_set(CLVIS_ERR_NO_MEMORY, "%s: no memory", m->path);
        for (int64_t o = 0; st == CLVIS_OK && o < N; o++)
            b[o] = beta * (float)oconst_get(C, C->count == 1 ? 0 : (size_t)o);
    }
    if (st == CLVIS_OK)
        st = dense(m, n, &x, K, N, w, b);
    free(w);
    free(b);
    return st;
}

/* ---- elementwise ---------------------------------------------------------------------------- */

static clvis_status add_act(oimp *m, const Onnx__NodeProto *n, act_kind act, float p0, float p1)
{
    oval x;
    clvis_status st = runtime_x(m, n, &x, 2, 4);
    if (st != CLVIS_OK)
        return st;
    char nm[GRAPH_NAME_MAX];
    engine_name(m, n, "", nm);
    int id;
    st = graph_add_act_params(m->g, nm, n->op_type, x.node, act, p0, p1, &id);
    return st != CLVIS_OK ? st : set_out(m, n, 0, id, x.rank, x.dims);
}

static clvis_status op_clip(oimp *m, const Onnx__NodeProto *n)
{
    float lo = -FLT_MAX, hi = FLT_MAX;
    if (m->opset < 11) {
        lo = oattr_float(n, "min", -FLT_MAX);
        hi = oattr_float(n, "max", FLT_MAX);
    } else {
        for (int k = 1; k <= 2; k++) {
            if (!in_name(n, (size_t)k))
                continue;
            const oconst *c = in_const(m, n, (size_t)k);
            if (!c || c->count != 1)
                return ONNX_UNSUPPORTED(m, "a %s that is not a constant scalar",
                                        k == 1 ? "min" : "max");
            *(k == 1 ? &lo : &hi) = (float)oconst_get(c, 0);
        }
    }
    if (lo == 0.0f && hi > 0.0f)
        return add_act(m, n, ACT_RELU, hi >= FLT_MAX ? 0.0f : hi, 0.0f); /* ReLU, ReLU6 */
    return add_act(m, n, ACT_CLIP, lo, hi);
}

static clvis_status op_prelu(oimp *m, const Onnx__NodeProto *n)
{
    oval x;
    clvis_status st = runtime_x(m, n, &x, 2, 4);
    if (st != CLVIS_OK)
        return st;
    const oconst *s = in_const(m, n, 1);
    if (!s)
        return ONNX_UNSUPPORTED(m, "a slope that is not constant");
    int c = (int)x.dims[1];
    /* per channel: (C), (C,1,1), (1,C,1,1), or one value; before opset 7 a slope of C values
     * is per channel whatever its shape */
    int legacy = m->opset < 7 && (s->count == 1 || (int64_t)s->count == c);
    int64_t non1 = 0, where = -1;
    for (int k = 0; k < s->rank; k++)
        if (s->dims[k] != 1) {
            non1++;
            where = s->rank - k;
        }
    if (!legacy &&
        (non1 > 1 || (non1 == 1 && (s->dims[s->rank - where] != c || where != x.rank - 1))))
        return ONNX_UNSUPPORTED(m, "a slope that is not per channel or a scalar");
    float *slope = malloc((size_t)c * sizeof *slope);
    if (!slope)
        return err_set(CLVIS_ERR_NO_MEMORY, "%s: no memory", m->path);
    st = channel_values(m, s, "a slope", c, slope);
    char nm[GRAPH_NAME_MAX];
    engine_name(m, n, "", nm);
    int id = -1;
    if (st == CLVIS_OK)
        st = graph_add_prelu(m->g, nm, x.node, &id);
    if (st == CLVIS_OK)
        st = graph_set_weight(m->g, id, 0, slope, (size_t)c);
    free(slope);
    return st != CLVIS_OK ? st : set_out(m, n, 0, id, x.rank, x.dims);
}

static clvis_status op_softmax(oimp *m, const Onnx__NodeProto *n, act_kind act)
{
    oval x;
    clvis_status st = runtime_x(m, n, &x, 2, 4);
    if (st != CLVIS_OK)
        return st;
    int64_t axis = oattr_int(n, "axis", m->opset >= 13 ? -1 : 1);
    if (axis < 0)
        axis += x.rank;
    /* the engine's softmax runs over channels, per position */
    int over_channels;
    if (m->opset >= 13) {
        int rest1 = 1;
        for (int a = 1; a < x.rank; a++)
            if (a != axis && x.dims[a] != 1)
                rest1 = 0;
        over_channels = axis == 1 || (rest1 && axis >= 1 && x.rank == 2);
        if (axis != 1 && rest1 && x.dims[axis] == 1)
            over_channels = 0;
    } else {
        /* the input seen as 2-D (prod(dims[:axis]), prod(dims[axis:])) */
        int rest1 = 1;
        for (int a = 2; a < x.rank; a++)
            if (x.dims[a] != 1)
                rest1 = 0;
        over_channels = axis == 1 && rest1;
    }
    if (!over_channels)
        return ONNX_UNSUPPORTED(m, "a softmax over axis %lld of a rank-%d input (clvis runs it "
                                   "over the channel axis)", (long long)axis, x.rank);
    char nm[GRAPH_NAME_MAX];
    engine_name(m, n, "", nm);
    int id;
    st = graph_add_act_params(m->g, nm, n->op_type, x.node, act, 0.0f, 0.0f, &id);
    return st != CLVIS_OK ? st : set_out(m, n, 0, id, x.rank, x.dims);
}

/* Engine item shape of a broadcast operand with ONNX dims `d` (rank r, aligned right against a
 * runtime tensor of rank xr): 0 = scalar, 1 = per channel, 2 = full item, -1 = other. */
static int operand_kind(const int64_t *d, int r, const oval *x, shape3 *s)
{
    int64_t full[4] = {1, 1, 1, 1};
    if (r > x->rank)
        return -1;
    for (int k = 0; k < r; k++)
        full[x->rank - r + k] = d[k];
    if (full[0] != 1)
        return -1; /* a constant cannot vary over the batch */
    oval t = {.rank = x->rank};
    for (int k = 1; k < x->rank; k++)
        t.dims[k] = full[k];
    *s = onnx_item_shape(&t);
    int64_t n = 1;
    for (int k = 1; k < x->rank; k++)
        n *= full[k];
    if (n == 1)
        return 0;
    if (full[1] == n)
        return 1;
    for (int k = 1; k < x->rank; k++)
        if (full[k] != 1 && full[k] != x->dims[k])
            return -1;
    return 2;
}

static clvis_status op_binary(oimp *m, const Onnx__NodeProto *n, bin_op op)
{
    const char *na = in_name(n, 0), *nb = in_name(n, 1);
    oval *va = na ? oimp_find(m, na) : NULL, *vb = nb ? oimp_find(m, nb) : NULL;
    if (!va || !vb || n->n_input != 2)
        return ONNX_BAD(m, "a binary op without two inputs");
    char nm[GRAPH_NAME_MAX];
    int ida, idb, id;
    int out_rank;
    int64_t od[4];
    clvis_status st;
    if (!va->is_const && !vb->is_const) {
        if (va->rank != vb->rank)
            return ONNX_UNSUPPORTED(m, "operands of rank %d and %d", va->rank, vb->rank);
        out_rank = va->rank;
        od[0] = ONNX_BATCH;
        for (int k = 1; k < va->rank; k++) {
            if (va->dims[k] != vb->dims[k] && va->dims[k] != 1 && vb->dims[k] != 1)
                return ONNX_BAD(m, "operands whose dimension %d (%lld, %lld) does not broadcast",
                                k, (long long)va->dims[k], (long long)vb->dims[k]);
            od[k] = va->dims[k] == 1 ? vb->dims[k] : va->dims[k];
        }
        ida = va->node;
        idb = vb->node;
    } else {
        /* one constant operand: a scalar, per-channel or full-item constant node */
        oval *x = va->is_const ? vb : va, *cv = va->is_const ? va : vb;
        const oconst *c = &cv->c;
        if (c->rank == x->rank && c->dims[0] != 1)
            return ONNX_UNSUPPORTED(m, "operand '%s' varies over the batch: a second data input "
                                       "(clvis runs models with one)", cv->name);
        /* opsets before 7: broadcast = 1 places the operand at `axis` */
        int64_t cd[ONNX_MAX_RANK];
        int cr = c->rank;
        memcpy(cd, c->dims, sizeof cd);
        if (m->opset < 7 && oattr_int(n, "broadcast", 0) && oattr(n, "axis")) {
            int64_t axis = oattr_int(n, "axis", 0);
            if (axis < 0)
                axis += x->rank;
            while (cr < ONNX_MAX_RANK && axis + cr < x->rank)
                cd[cr++] = 1;
        }
        shape3 s;
        int kind = operand_kind(cd, cr, x, &s);
        if (kind < 0)
            return ONNX_UNSUPPORTED(m, "a constant operand of rank %d that does not broadcast "
                                       "per channel or per item", c->rank);
        float *f = malloc((c->count ? c->count : 1) * sizeof *f);
        if (!f)
            return err_set(CLVIS_ERR_NO_MEMORY, "%s: no memory", m->path);
        for (size_t k = 0; k < c->count; k++)
            f[k] = (float)oconst_get(c, k);
        shape3 cs = kind == 0 ? (shape3){1, 1, 1} : kind == 1 ? (shape3){s.c, 1, 1} : onnx_item_shape(x);
        size_t want = (size_t)cs.c * cs.h * cs.w;
        float *full = NULL;
        if (want != c->count) {
            /* a full-item constant with broadcast axes inside it: expand */
            full = malloc(want * sizeof *full);
            int64_t fd[4] = {1, 1, 1, 1};
            for (int k = 0; k < cr; k++)
                fd[x->rank - cr + k] = cd[k];
            int64_t xd[4] = {1, 1, 1, 1};
            for (int k = 1; k < x->rank; k++)
                xd[k] = x->dims[k];
            if (full) {
                size_t o = 0;
                int64_t idx[4] = {0};
                for (o = 0; o < want; o++) {
                    size_t src = 0;
                    for (int k = 1; k < x->rank; k++)
                        src = src * (size_t)fd[k] + (size_t)(fd[k] == 1 ? 0 : idx[k]);
                    full[o] = f[src];
                    for (int k = x->rank - 1; k >= 1; k--) {
                        if (++idx[k] < xd[k])
                            break;
                        idx[k] = 0;
                    }
                }
            }
            free(f);
            f = full;
            if (!f)
                return err_set(CLVIS_ERR_NO_MEMORY, "%s: no memory", m->path);
        }
        engine_name(m, n, "/const", nm);
        int cid;
        st = graph_add_constant(m->g, nm, cs, &cid);
        if (st == CLVIS_OK)
            st = graph_set_weight(m->g, cid, 0, f, want);
        free(f);
        if (st != CLVIS_OK)
            return st;
        ida = va->is_const ? cid : x->node;
        idb = va->is_const ? x->node : cid;
        out_rank = x->rank;
        memcpy(od, x->dims, sizeof od);
    }
    engine_name(m, n, "", nm);
    st = graph_add_binary(m->g, nm, n->op_type, op, ida, idb, &id);
    return st != CLVIS_OK ? st : set_out(m, n, 0, id, out_rank, od);
}

static clvis_status op_sum(oimp *m, const Onnx__NodeProto *n)
{
    if (n->n_input == 2)
        return op_binary(m, n, BIN_ADD);
    int ids[GRAPH_MAX_INPUTS];
    oval first;
    if (n->n_input < 1 || n->n_input > GRAPH_MAX_INPUTS)
        return ONNX_UNSUPPORTED(m, "a Sum of %zu inputs", n->n_input);
    for (size_t k = 0; k < n->n_input; k++) {
        oval v;
        clvis_status st = onnx_runtime_input(m, n, (int)k, &v);
        if (st != CLVIS_OK)
            return st;
        if (k == 0)
            first = v;
        ids[k] = v.node;
    }
    char nm[GRAPH_NAME_MAX];
    engine_name(m, n, "", nm);
    int id;
    clvis_status st = n->n_input == 1
                          ? graph_add_identity(m->g, nm, n->op_type, ids[0], &id)
                          : graph_add_add(m->g, nm, ids, (int)n->n_input, &id);
    return st != CLVIS_OK ? st : set_out(m, n, 0, id, first.rank, first.dims);
}

/* ---- layout --------------------------------------------------------------------------------- */

/* x reshaped to `rank` / dims (batch first, the same element order). */
static clvis_status reshape_to(oimp *m, const Onnx__NodeProto *n, const oval *x, int rank,
                               const int64_t *dims)
{
    if (rank < 2 || rank > 4)
        return ONNX_UNSUPPORTED(m, "a result of rank %d (clvis runs ranks 2 to 4, batch first)",
                                rank);
    oval t = {.rank = rank};
    int64_t cnt = 1;
    for (int k = 1; k < rank; k++) {
        if (dims[k] < 1 || dims[k] > (INT64_C(1) << 30))
            return ONNX_BAD(m, "a dimension of %lld", (long long)dims[k]);
        t.dims[k] = dims[k];
        cnt *= dims[k];
    }
    if (cnt != item_count(x))
        return ONNX_BAD(m, "reshaping %lld elements per item to %lld", (long long)item_count(x),
                        (long long)cnt);
    char nm[GRAPH_NAME_MAX];
    engine_name(m, n, "", nm);
    int id;
    clvis_status st = graph_add_reshape_plain(m->g, nm, n->op_type, x->node, onnx_item_shape(&t),
                                              &id);
    return st != CLVIS_OK ? st : set_out(m, n, 0, id, rank, t.dims);
}

static clvis_status op_flatten(oimp *m, const Onnx__NodeProto *n)
{
    oval x;
    clvis_status st = runtime_x(m, n, &x, 2, 4);
    if (st != CLVIS_OK)
        return st;
    int64_t axis = oattr_int(n, "axis", 1);
    if (axis < 0)
        axis += x.rank;
    for (int64_t a = 1; a < axis && a < x.rank; a++)
        if (x.dims[a] != 1)
            return ONNX_UNSUPPORTED(m, "a Flatten at axis %lld (it would merge the batch)",
                                    (long long)axis);
    if (axis < 1 || axis > x.rank)
        return ONNX_UNSUPPORTED(m, "a Flatten at axis %lld (it would merge the batch)",
                                (long long)axis);
    int64_t d[2] = {ONNX_BATCH, item_count(&x)};
    return reshape_to(m, n, &x, 2, d);
}

static clvis_status op_reshape(oimp *m, const Onnx__NodeProto *n)
{
    oval x;
    clvis_status st = runtime_x(m, n, &x, 2, 4);
    if (st != CLVIS_OK)
        return st;
    const oconst *s = in_const(m, n, 1);
    if (!s || !s->is_int || s->rank != 1)
        return ONNX_UNSUPPORTED(m, "a target shape that is not known at load time");
    int r = (int)s->count;
    if (r < 2 || r > 4)
        return ONNX_UNSUPPORTED(m, "a Reshape to rank %d", r);
    int allowzero = (int)oattr_int(n, "allowzero", 0);
    int64_t d[4];
    for (int k = 0; k < r; k++)
        d[k] = s->i[k];
    /* the first dimension must stay the batch */
    int64_t b = d[0];
    int batch_ok = b == ONNX_BATCH || (b == 0 && !allowzero) ||
                   (m->static_batch > 0 && b == m->static_batch);
    if (b == -1) {
        int64_t known = 1;
        int ok = 1;
        for (int k = 1; k < r; k++) {
            int64_t dk = d[k] == 0 && !allowzero && k < x.rank ? x.dims[k] : d[k];
            if (dk < 1)
                ok = 0;
            else
                known *= dk;
        }
        batch_ok = ok && known == item_count(&x);
    }
    if (!batch_ok)
        return ONNX_UNSUPPORTED(m, "a Reshape whose first dimension (%lld) is not the batch",
                                (long long)b);
    int64_t known = 1;
    int infer = -1;
    for (int k = 1; k < r; k++) {
        if (d[k] == 0 && !allowzero) {
            if (k >= x.rank)
                return ONNX_BAD(m, "a Reshape copying dimension %d of a rank-%d input", k,
                                x.rank);
            d[k] = x.dims[k];
        }
        if (d[k] == -1) {
            if (infer >= 0)
                return ONNX_BAD(m, "a Reshape with two -1 dimensions");
            infer = k;
        } else if (d[k] < 1)
            return ONNX_BAD(m, "a Reshape to dimension %lld", (long long)d[k]);
        else
            known *= d[k];
    }
    if (infer >= 0) {
        if (item_count(&x) % known)
            return ONNX_BAD(m, "a Reshape of %lld elements per item to a multiple of %lld",
                            (long long)item_count(&x), (long long)known);
        d[infer] = item_count(&x) / known;
    }
    d[0] = ONNX_BATCH;
    return reshape_to(m, n, &x, r, d);
}

static clvis_status op_transpose(oimp *m, const Onnx__NodeProto *n)
{
    oval x;
    clvis_status st = runtime_x(m, n, &x, 2, 4);
    if (st != CLVIS_OK)
        return st;
    int64_t perm[8];
    int np = oattr_ints(n, "perm", perm, 8);
    if (np < 0) {
        np = x.rank;
        for (int k = 0; k < np; k++)
            perm[k] = np - 1 - k;
    }
    if (np != x.rank)
        return ONNX_BAD(m, "perm of %d axes for a rank-%d input", np, x.rank);
    /* only permutations that keep the element order: the axes that are not of size 1 stay in
     * their order, and the batch stays first */
    int64_t d[4];
    int last = -1, ok = perm[0] == 0;
    for (int k = 0; k < np; k++) {
        if (perm[k] < 0 || perm[k] >= np)
            return ONNX_BAD(m, "perm is not a permutation");
        d[k] = x.dims[perm[k]];
        if (k && x.dims[perm[k]] != 1) {
            if (perm[k] < last)
                ok = 0;
            last = (int)perm[k];
        }
    }
    if (!ok)
        return ONNX_UNSUPPORTED(m, "a Transpose that moves data (clvis supports those that only "
                                   "move axes of size 1)");
    d[0] = ONNX_BATCH;
    return reshape_to(m, n, &x, x.rank, d);
}

static clvis_status op_squeeze(oimp *m, const Onnx__NodeProto *n, int unsqueeze)
{
    oval x;
    clvis_status st = runtime_x(m, n, &x, 2, 4);
    if (st != CLVIS_OK)
        return st;
    int64_t axes[8];
    int na;
    st = node_axes(m, n, axes, &na);
    if (st != CLVIS_OK)
        return st;
    int64_t d[8];
    int r = 0;
    if (unsqueeze) {
        int rank = x.rank + (na > 0 ? na : 0);
        unsigned char one[16] = {0};
        if (na <= 0 || rank > 8)
            return ONNX_BAD(m, "Unsqueeze without axes");
        for (int k = 0; k < na; k++) {
            int64_t a = axes[k] < 0 ? axes[k] + rank : axes[k];
            if (a < 0 || a >= rank || one[a])
                return ONNX_BAD(m, "Unsqueeze axis %lld", (long long)axes[k]);
            one[a] = 1;
        }
        if (one[0])
            return ONNX_UNSUPPORTED(m, "an Unsqueeze before the batch axis");
        for (int k = 0, j = 0; k < rank; k++)
            d[r++] = one[k] ? 1 : x.dims[j++];
    } else {
        unsigned char drop[8] = {0};
        for (int k = 1; k < x.rank; k++)
            drop[k] = na <= 0 && x.dims[k] == 1;
        for (int k = 0; k < na; k++) {
            int64_t a = axes[k] < 0 ? axes[k] + x.rank : axes[k];
            if (a == 0)
                return ONNX_UNSUPPORTED(m, "a Squeeze of the batch axis");
            if (a < 0 || a >= x.rank || x.dims[a] != 1)
                return ONNX_BAD(m, "Squeeze axis %lld is not of size 1", (long long)axes[k]);
            drop[a] = 1;
        }
        for (int k = 0; k < x.rank; k++)
            if (!drop[k])
                d[r++] = x.dims[k];
    }
    d[0] = ONNX_BATCH;
    return reshape_to(m, n, &x, r, d);
}

static clvis_status op_concat(oimp *m, const Onnx__NodeProto *n)
{
    int ids[GRAPH_MAX_INPUTS];
    oval first = {0};
    int cnt = 0;
    int64_t chans = 0;
    for (size_t k = 0; k < n->n_input; k++) {
        if (!in_name(n, k))
            continue;
        if (cnt == GRAPH_MAX_INPUTS)
            return ONNX_UNSUPPORTED(m, "a Concat of more than %d inputs", GRAPH_MAX_INPUTS);
        oval v;
        clvis_status st = onnx_runtime_input(m, n, (int)k, &v);
        if (st != CLVIS_OK)
            return st;
        if (!cnt)
            first = v;
        else if (v.rank != first.rank)
            return ONNX_BAD(m, "a Concat of ranks %d and %d", first.rank, v.rank);
        ids[cnt++] = v.node;
        chans += v.dims[1];
    }
    if (!cnt)
        return ONNX_BAD(m, "a Concat without inputs");
    int64_t axis = oattr_int(n, "axis", 1);
    if (axis < 0)
        axis += first.rank;
    if (axis != 1)
        return ONNX_UNSUPPORTED(m, "a Concat along axis %lld (clvis concatenates channels)",
                                (long long)axis);
    char nm[GRAPH_NAME_MAX];
    engine_name(m, n, "", nm);
    int id;
    clvis_status st = cnt == 1 ? graph_add_identity(m->g, nm, n->op_type, ids[0], &id)
                               : graph_add_concat(m->g, nm, ids, cnt, &id);
    if (st != CLVIS_OK)
        return st;
    int64_t d[4];
    memcpy(d, first.dims, sizeof d);
    d[1] = chans;
    return set_out(m, n, 0, id, first.rank, d);
}

static clvis_status op_pad(oimp *m, const Onnx__NodeProto *n)
{
    oval x;
    clvis_status st = runtime_x(m, n, &x, 3, 4);
    if (st != CLVIS_OK)
        return st;
    const char *mode = oattr_string(n, "mode", "constant");
    if (strcmp(mode, "constant"))
        return ONNX_UNSUPPORTED(m, "mode '%s' (clvis pads with zeros)", mode);
    int64_t p[8] = {0};
    int np;
    float value = 0.0f;
    if (m->opset < 11) {
        np = oattr_ints(n, "pads", p, 8);
        value = oattr_float(n, "value", 0.0f);
    } else {
        const oconst *pc = in_const(m, n, 1), *vc = in_const(m, n, 2);
        if (!pc || !pc->is_int)
            return ONNX_UNSUPPORTED(m, "pads that are not constant");
        if (in_name(n, 2) && (!vc || vc->count != 1))
            return ONNX_UNSUPPORTED(m, "a pad value that is not a constant scalar");
        if (in_name(n, 3))
            return ONNX_UNSUPPORTED(m, "the axes input");
        np = (int)pc->count;
        for (int k = 0; k < np && k < 8; k++)
            p[k] = pc->i[k];
        if (vc)
            value = (float)oconst_get(vc, 0);
    }
    if (np != 2 * x.rank)
        return ONNX_BAD(m, "%d pads for a rank-%d input", np, x.rank);
    if (!isfinite(value))
        return ONNX_UNSUPPORTED(m, "a pad value of %g", value);
    int r = x.rank;
    if (p[0] || p[1] || p[r] || p[r + 1])
        return ONNX_UNSUPPORTED(m, "padding of the batch or channel axes");
    for (int k = 0; k < 2 * r; k++)
        if (p[k] < 0 || p[k] > 4096)
            return ONNX_UNSUPPORTED(m, "a pad of %lld", (long long)p[k]);
    int t = r == 4 ? (int)p[2] : 0, b = r == 4 ? (int)p[r + 2] : 0;
    int l = (int)p[r - 1], rr = (int)p[2 * r - 1];
    char nm[GRAPH_NAME_MAX];
    int id, src = x.node, cid = -1;
    if (value != 0.0f) {
        /* another value v: pad(x, v) = zeropad(x - v) + v */
        engine_name(m, n, "/value", nm);
        st = graph_add_constant(m->g, nm, (shape3){1, 1, 1}, &cid);
        if (st == CLVIS_OK)
            st = graph_set_weight(m->g, cid, 0, &value, 1);
        engine_name(m, n, "/minus_value", nm);
        if (st == CLVIS_OK)
            st = graph_add_binary(m->g, nm, "Sub", BIN_SUB, x.node, cid, &src);
        if (st != CLVIS_OK)
            return st;
    }
    engine_name(m, n, value != 0.0f ? "/zeros" : "", nm);
    st = graph_add_zeropad(m->g, nm, src, t, b, l, rr, &id);
    if (st == CLVIS_OK && value != 0.0f) {
        engine_name(m, n, "", nm);
        st = graph_add_binary(m->g, nm, "Pad", BIN_ADD, id, cid, &id);
    }
    return st != CLVIS_OK ? st : set_out_shape(m, n, id, x.rank);
}

static clvis_status op_batchnorm(oimp *m, const Onnx__NodeProto *n)
{
    oval x;
    clvis_status st = runtime_x(m, n, &x, 2, 4);
    if (st != CLVIS_OK)
        return st;
    if (oattr_int(n, "training_mode", 0) || output_used(n, 1) || output_used(n, 2))
        return ONNX_UNSUPPORTED(m, "training mode (clvis runs inference)");
    if (m->opset < 9 && oattr_int(n, "spatial", 1) != 1)
        return ONNX_UNSUPPORTED(m, "spatial = 0");
    int c = (int)x.dims[1];
    float *p = malloc(4 * (size_t)c * sizeof *p);
    if (!p)
        return err_set(CLVIS_ERR_NO_MEMORY, "%s: no memory", m->path);
    static const char *what[] = {"a scale", "a bias", "a mean", "a variance"};
    for (int k = 0; k < 4 && st == CLVIS_OK; k++) {
        const oconst *v = in_const(m, n, (size_t)k + 1);
        if (!v || (int64_t)v->count != c)
            st = ONNX_UNSUPPORTED(m, "%s that is not a constant of %d values", what[k], c);
        else
            st = channel_values(m, v, what[k], c, p + (size_t)k * c);
    }
    char nm[GRAPH_NAME_MAX];
    engine_name(m, n, "", nm);
    int id = -1;
    if (st == CLVIS_OK)
        st = graph_add_batchnorm(m->g, nm, x.node, oattr_float(n, "epsilon", 1e-5f), &id);
    if (st == CLVIS_OK)
        st = graph_set_batchnorm(m->g, id, p, p + c, p + 2 * (size_t)c, p + 3 * (size_t)c);
    free(p);
    return st != CLVIS_OK ? st : set_out(m, n, 0, id, x.rank, x.dims);
}

static clvis_status op_identity(oimp *m, const Onnx__NodeProto *n)
{
    oval x;
    clvis_status st = runtime_x(m, n, &x, 2, 4);
    if (st != CLVIS_OK)
        return st;
    if (!strcmp(n->op_type, "Dropout")) {
        if (output_used(n, 1))
            return ONNX_UNSUPPORTED(m, "the mask output");
        const oconst *tm = in_const(m, n, 2);
        if (in_name(n, 2) && (!tm || oconst_get(tm, 0) != 0))
            return ONNX_UNSUPPORTED(m, "training mode");
    }
    char nm[GRAPH_NAME_MAX];
    engine_name(m, n, "", nm);
    int id;
    st = graph_add_identity(m->g, nm, n->op_type, x.node, &id);
    return st != CLVIS_OK ? st : set_out(m, n, 0, id, x.rank, x.dims);
}

clvis_status onnx_op(oimp *m, const Onnx__NodeProto *n)
{
    const char *op = n->op_type;
    if (!strcmp(op, "Conv"))
        return op_conv(m, n);
    if (!strcmp(op, "MaxPool"))
        return op_pool(m, n, 1);
    if (!strcmp(op, "AveragePool"))
        return op_pool(m, n, 0);
    if (!strcmp(op, "GlobalAveragePool"))
        return op_global_pool(m, n, 0);
    if (!strcmp(op, "GlobalMaxPool"))
        return op_global_pool(m, n, 1);
    if (!strcmp(op, "ReduceMean"))
        return op_reduce(m, n, 0);
    if (!strcmp(op, "ReduceMax"))
        return op_reduce(m, n, 1);
    if (!strcmp(op, "Gemm"))
        return op_gemm(m, n, 0);
    if (!strcmp(op, "MatMul"))
        return op_gemm(m, n, 1);
    if (!strcmp(op, "Relu"))
        return add_act(m, n, ACT_RELU, 0.0f, 0.0f);
    if (!strcmp(op, "Sigmoid"))
        return add_act(m, n, ACT_SIGMOID, 0.0f, 0.0f);
    if (!strcmp(op, "Tanh"))
        return add_act(m, n, ACT_TANH, 0.0f, 0.0f);
    if (!strcmp(op, "LeakyRelu"))
        return add_act(m, n, ACT_LEAKY, oattr_float(n, "alpha", 0.01f), 0.0f);
    if (!strcmp(op, "Elu"))
        return add_act(m, n, ACT_ELU, oattr_float(n, "alpha", 1.0f), 0.0f);
    if (!strcmp(op, "HardSigmoid"))
        return add_act(m, n, ACT_HARDSIGMOID, oattr_float(n, "alpha", 0.2f),
                       oattr_float(n, "beta", 0.5f));
    if (!strcmp(op, "HardSwish"))
        return add_act(m, n, ACT_HARDSWISH, 0.0f, 0.0f);
    if (!strcmp(op, "Softplus"))
        return add_act(m, n, ACT_SOFTPLUS, 0.0f, 0.0f);
    if (!strcmp(op, "Clip"))
        return op_clip(m, n);
    if (!strcmp(op, "PRelu"))
        return op_prelu(m, n);
    if (!strcmp(op, "Softmax"))
        return op_softmax(m, n, ACT_SOFTMAX);
    if (!strcmp(op, "LogSoftmax"))
        return op_softmax(m, n, ACT_LOGSOFTMAX);
    if (!strcmp(op, "Add"))
        return op_binary(m, n, BIN_ADD);
    if (!strcmp(op, "Sub"))
        return op_binary(m, n, BIN_SUB);
    if (!strcmp(op, "Mul"))
        return op_binary(m, n, BIN_MUL);
    if (!strcmp(op, "Div"))
        return op_binary(m, n, BIN_DIV);
    if (!strcmp(op, "Sum"))
        return op_sum(m, n);
    if (!strcmp(op, "BatchNormalization"))
        return op_batchnorm(m, n);
    if (!strcmp(op, "Concat"))
        return op_concat(m, n);
    if (!strcmp(op, "Flatten"))
        return op_flatten(m, n);
    if (!strcmp(op, "Reshape"))
        return op_reshape(m, n);
    if (!strcmp(op, "Transpose"))
        return op_transpose(m, n);
    if (!strcmp(op, "Squeeze"))
        return op_squeeze(m, n, 0);
    if (!strcmp(op, "Unsqueeze"))
        return op_squeeze(m, n, 1);
    if (!strcmp(op, "Pad"))
        return op_pad(m, n);
    if (!strcmp(op, "Identity") || !strcmp(op, "Dropout"))
        return op_identity(m, n);
    if (!strcmp(op, "Cast")) {
        int64_t to = oattr_int(n, "to", 0);
        if (to != ONNX_FLOAT)
            return ONNX_UNSUPPORTED(m, "a Cast of a tensor to type %lld (clvis computes in "
                                       "float32)", (long long)to);
        return op_identity(m, n);
    }
    return ONNX_UNSUPPORTED(m, "op %s is not supported", op);
}

/* onnx_fold.c — nodes whose inputs are all known at load time, evaluated on the host: the
 * constants and the shape arithmetic exporters emit around Reshape (Shape -> Gather ->
 * Unsqueeze -> Concat -> Reshape, torch's x.view(x.size(0), -1)), and elementwise arithmetic
 * and layout changes of constants. The batch size is symbolic here (ONNX_BATCH): it may be
 * moved around, not computed with. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "import/onnx_imp.h"

/* Folding may not amplify a small file into a huge allocation (x = Concat(x, x) doubles at
 * each step, ConstantOfShape makes anything from a few bytes): every folded result counts
 * against the model's budget (its initializers' elements plus ONNX_FOLD_SLACK). */
static clvis_status fold_alloc(oimp *m, oconst *c, int is_int, int rank, const int64_t *dims)
{
    int64_t count = 1;
    for (int k = 0; k < rank && k < ONNX_MAX_RANK; k++) {
        if (dims[k] > 0 && count > (INT64_C(1) << 40) / dims[k])
            count = INT64_C(1) << 40;
        else if (dims[k] >= 0)
            count *= dims[k];
    }
    if (count > m->fold_budget)
        return ONNX_UNSUPPORTED(m, "constant folding past the model's budget: a result of %lld "
                                   "elements, %lld left (its weights' size plus %lld)",
                                (long long)count, (long long)m->fold_budget,
                                (long long)ONNX_FOLD_SLACK);
    clvis_status st = oconst_alloc(m, c, is_int, rank, dims);
    if (st == CLVIS_OK)
        m->fold_budget -= count;
    return st;
}
#define oconst_alloc fold_alloc

static int has_batch(const oconst *c)
{
    for (size_t k = 0; c->is_int && k < c->count; k++)
        if (c->i[k] == ONNX_BATCH)
            return 1;
    return 0;
}

static const oconst *in_c(oimp *m, const Onnx__NodeProto *n, size_t k)
{
    if (k >= n->n_input || !n->input[k] || !*n->input[k])
        return NULL;
    oval *v = oimp_find(m, n->input[k]);
    return v && v->is_const ? &v->c : NULL;
}

/* Stores c as output k of the node (taking ownership). */
static clvis_status put(oimp *m, const Onnx__NodeProto *n, size_t k, oconst *c)
{
    if (k >= n->n_output || !n->output[k] || !*n->output[k]) {
        oconst_free(c);
        return CLVIS_OK;
    }
    oval *v = oimp_find(m, n->output[k]);
    if (!v) {
        oconst_free(c);
        return ONNX_BAD(m, "output '%s' was not declared", n->output[k]);
    }
    v->is_const = 1;
    v->node = -1;
    v->c = *c;
    return CLVIS_OK;
}

static clvis_status copy_const(oimp *m, const oconst *src, oconst *dst)
{
    clvis_status st = oconst_alloc(m, dst, src->is_int, src->rank, src->dims);
    if (st != CLVIS_OK)
        return st;
    if (src->is_int)
        memcpy(dst->i, src->i, src->count * sizeof *src->i);
    else
        memcpy(dst->f, src->f, src->count * sizeof *src->f);
    return CLVIS_OK;
}

/* Integer list from a constant (axes, shapes, pads). */
static int const_ints(const oconst *c, int64_t *out, int cap)
{
    if (!c)
        return -1;
    int n = (int)c->count;
    for (int k = 0; k < n && k < cap; k++)
        out[k] = c->is_int ? c->i[k] : (int64_t)c->f[k];
    return n;
}

/* Axes of a node: from input `k` (newer opsets) or attribute "axes". -1: none given. */
static int node_axes(oimp *m, const Onnx__NodeProto *n, size_t k, int64_t *axes, int cap)
{
    const oconst *c = in_c(m, n, k);
    if (c)
        return const_ints(c, axes, cap);
    return oattr_ints(n, "axes", axes, cap);
}

static int norm_axis(int64_t a, int rank)
{
    if (a < 0)
        a += rank;
    return a < 0 || a >= rank ? -1 : (int)a;
}

/* ---- the ops -------------------------------------------------------------------------------- */

static clvis_status fold_constant(oimp *m, const Onnx__NodeProto *n)
{
    oconst c;
    const Onnx__AttributeProto *a;
    clvis_status st;
    if ((a = oattr(n, "value")) && a->t) {
        st = onnx_tensor_const(m, a->t, &c);
    } else if ((a = oattr(n, "value_float")) && a->has_f) {
        st = oconst_alloc(m, &c, 0, 0, NULL);
        if (st == CLVIS_OK)
            c.f[0] = a->f;
    } else if ((a = oattr(n, "value_int")) && a->has_i) {
        st = oconst_alloc(m, &c, 1, 0, NULL);
        if (st == CLVIS_OK)
            c.i[0] = a->i;
    } else if ((a = oattr(n, "value_floats"))) {
        int64_t d = (int64_t)a->n_floats;
        st = oconst_alloc(m, &c, 0, 1, &d);
        for (size_t k = 0; st == CLVIS_OK && k < a->n_floats; k++)
            c.f[k] = a->floats[k];
    } else if ((a = oattr(n, "value_ints"))) {
        int64_t d = (int64_t)a->n_ints;
        st = oconst_alloc(m, &c, 1, 1, &d);
        for (size_t k = 0; st == CLVIS_OK && k < a->n_ints; k++)
            c.i[k] = a->ints[k];
    } else
        return ONNX_UNSUPPORTED(m, "a Constant that is not a numeric tensor (sparse or string)");
    return st != CLVIS_OK ? st : put(m, n, 0, &c);
}

static clvis_status fold_shape(oimp *m, const Onnx__NodeProto *n)
{
    oval *v = n->input[0] && *n->input[0] ? oimp_find(m, n->input[0]) : NULL;
    if (!v || (!v->is_const && v->node < 0))
        return ONNX_BAD(m, "Shape of a tensor that is not computed");
    int rank = v->is_const ? v->c.rank : v->rank;
    int64_t dims[ONNX_MAX_RANK];
    for (int k = 0; k < rank; k++)
        dims[k] = v->is_const ? v->c.dims[k] : v->dims[k];
    int start = (int)oattr_int(n, "start", 0), end = (int)oattr_int(n, "end", rank);
    if (start < 0)
        start += rank;
    if (end < 0)
        end += rank;
    start = start < 0 ? 0 : start > rank ? rank : start;
    end = end < start ? start : end > rank ? rank : end;
    int64_t len = end - start;
    oconst c;
    clvis_status st = oconst_alloc(m, &c, 1, 1, &len);
    if (st != CLVIS_OK)
        return st;
    for (int k = start; k < end; k++)
        c.i[k - start] = dims[k];
    return put(m, n, 0, &c);
}

/* Strides of a row-major shape. */
static void strides(const int64_t *dims, int rank, int64_t *s)
{
    int64_t acc = 1;
    for (int k = rank - 1; k >= 0; k--) {
        s[k] = acc;
        acc *= dims[k];
    }
}

static clvis_status fold_gather(oimp *m, const Onnx__NodeProto *n, const oconst *d,
                                const oconst *idx)
{
    int axis = norm_axis(oattr_int(n, "axis", 0), d->rank);
    if (axis < 0 || !idx->is_int)
        return ONNX_BAD(m, "Gather axis or indices out of range");
    int rank = d->rank - 1 + idx->rank;
    if (rank > ONNX_MAX_RANK)
        return ONNX_UNSUPPORTED(m, "a Gather result of rank %d", rank);
    int64_t od[ONNX_MAX_RANK];
    int r = 0;
    for (int k = 0; k < axis; k++)
        od[r++] = d->dims[k];
    for (int k = 0; k < idx->rank; k++)
        od[r++] = idx->dims[k];
    for (int k = axis + 1; k < d->rank; k++)
        od[r++] = d->dims[k];
    oconst c;
    clvis_status st = oconst_alloc(m, &c, d->is_int, rank, od);
    if (st != CLVIS_OK)
        return st;
    int64_t outer = 1, inner = 1, len = d->dims[axis];
    for (int k = 0; k < axis; k++)
        outer *= d->dims[k];
    for (int k = axis + 1; k < d->rank; k++)
        inner *= d->dims[k];
    size_t o = 0;
    for (int64_t a = 0; a < outer; a++)
        for (size_t j = 0; j < idx->count; j++) {
            int64_t i = idx->i[j] < 0 ? idx->i[j] + len : idx->i[j];
            if (i < 0 || i >= len) {
                oconst_free(&c);
                return ONNX_BAD(m, "Gather index %lld out of range 0..%lld",
                                (long long)idx->i[j], (long long)len - 1);
            }
            for (int64_t b = 0; b < inner; b++, o++) {
                size_t src = (size_t)((a * len + i) * inner + b);
                if (c.is_int)
                    c.i[o] = d->i[src];
                else
                    c.f[o] = d->f[src];
            }
        }
    return put(m, n, 0, &c);
}

static clvis_status reshaped(oimp *m, const Onnx__NodeProto *n, const oconst *d, int rank,
                             const int64_t *dims)
{
    oconst c;
    clvis_status st = oconst_alloc(m, &c, d->is_int, rank, dims);
    if (st != CLVIS_OK)
        return st;
    if (c.count != d->count) {
        oconst_free(&c);
        return ONNX_BAD(m, "reshaping %zu elements to %zu", d->count, c.count);
    }
    if (c.is_int)
        memcpy(c.i, d->i, c.count * sizeof *c.i);
    else
        memcpy(c.f, d->f, c.count * sizeof *c.f);
    return put(m, n, 0, &c);
}

static clvis_status fold_unsqueeze(oimp *m, const Onnx__NodeProto *n, const oconst *d)
{
    int64_t axes[ONNX_MAX_RANK];
    int na = node_axes(m, n, 1, axes, ONNX_MAX_RANK);
    int rank = d->rank + (na > 0 ? na : 0);
    if (na <= 0 || rank > ONNX_MAX_RANK)
        return ONNX_BAD(m, "Unsqueeze without axes or to rank %d", rank);
    int64_t od[ONNX_MAX_RANK];
    unsigned char one[ONNX_MAX_RANK] = {0};
    for (int k = 0; k < na; k++) {
        int a = norm_axis(axes[k], rank);
        if (a < 0 || one[a])
            return ONNX_BAD(m, "Unsqueeze axis %lld", (long long)axes[k]);
        one[a] = 1;
    }
    for (int k = 0, j = 0; k < rank; k++)
        od[k] = one[k] ? 1 : d->dims[j++];
    return reshaped(m, n, d, rank, od);
}

static clvis_status fold_squeeze(oimp *m, const Onnx__NodeProto *n, const oconst *d)
{
    int64_t axes[ONNX_MAX_RANK];
    int na = node_axes(m, n, 1, axes, ONNX_MAX_RANK);
    unsigned char drop[ONNX_MAX_RANK] = {0};
    for (int k = 0; k < d->rank; k++)
        drop[k] = na <= 0 && d->dims[k] == 1;
    for (int k = 0; k < na; k++) {
        int a = norm_axis(axes[k], d->rank);
        if (a < 0 || d->dims[a] != 1)
            return ONNX_BAD(m, "Squeeze axis %lld is not of size 1", (long long)axes[k]);
        drop[a] = 1;
    }
    int64_t od[ONNX_MAX_RANK];
    int r = 0;
    for (int k = 0; k < d->rank; k++)
        if (!drop[k])
            od[r++] = d->dims[k];
    return reshaped(m, n, d, r, od);
}

static clvis_status fold_reshape(oimp *m, const Onnx__NodeProto *n, const oconst *d,
                                 const oconst *shape)
{
    int64_t s[ONNX_MAX_RANK];
    int r = const_ints(shape, s, ONNX_MAX_RANK);
    if (r < 0 || r > ONNX_MAX_RANK || has_batch(shape))
        return ONNX_UNSUPPORTED(m, "a Reshape of a constant to rank %d", r);
    int allowzero = (int)oattr_int(n, "allowzero", 0);
    int64_t known = 1;
    int infer = -1;
    for (int k = 0; k < r; k++) {
        if (s[k] == 0 && !allowzero) {
            if (k >= d->rank)
                return ONNX_BAD(m, "Reshape copies dimension %d of a rank-%d tensor", k, d->rank);
            s[k] = d->dims[k];
        }
        if (s[k] == -1) {
            if (infer >= 0)
                return ONNX_BAD(m, "Reshape with two -1 dimensions");
            infer = k;
        } else if (s[k] < 0)
            return ONNX_BAD(m, "Reshape to dimension %lld", (long long)s[k]);
        else
            known *= s[k];
    }
    if (infer >= 0) {
        if (!known || d->count % (size_t)known)
            return ONNX_BAD(m, "Reshape of %zu elements to a shape with %lld", d->count,
                            (long long)known);
        s[infer] = (int64_t)d->count / known;
    }
    return reshaped(m, n, d, r, s);
}

static clvis_status fold_concat(oimp *m, const Onnx__NodeProto *n)
{
    const oconst *first = NULL;
    for (size_t k = 0; k < n->n_input && !first; k++)
        first = in_c(m, n, k);
    if (!first)
        return ONNX_BAD(m, "Concat of nothing");
    int axis = norm_axis(oattr_int(n, "axis", 0), first->rank);
    if (axis < 0)
        return ONNX_BAD(m, "Concat axis out of range");
    int64_t od[ONNX_MAX_RANK];
    memcpy(od, first->dims, sizeof od);
    od[axis] = 0;
    int is_int = 1;
    for (size_t k = 0; k < n->n_input; k++) {
        const oconst *c = in_c(m, n, k);
        if (!c)
            continue;
        if (c->rank != first->rank)
            return ONNX_BAD(m, "Concat of tensors of rank %d and %d", first->rank, c->rank);
        for (int j = 0; j < c->rank; j++)
            if (j != axis && c->dims[j] != first->dims[j])
                return ONNX_BAD(m, "Concat of tensors whose dimension %d differs", j);
        od[axis] += c->dims[axis];
        is_int &= c->is_int;
    }
    oconst out;
    clvis_status st = oconst_alloc(m, &out, is_int, first->rank, od);
    if (st != CLVIS_OK)
        return st;
    int64_t outer = 1, inner = 1;
    for (int k = 0; k < axis; k++)
        outer *= od[k];
    for (int k = axis + 1; k < first->rank; k++)
        inner *= od[k];
    size_t o = 0;
    for (int64_t a = 0; a < outer; a++)
        for (size_t k = 0; k < n->n_input; k++) {
            const oconst *c = in_c(m, n, k);
            if (!c)
                continue;
            size_t len = (size_t)(c->dims[axis] * inner);
            for (size_t j = 0; j < len; j++, o++) {
                size_t src = (size_t)a * len + j;
                if (is_int)
                    out.i[o] = c->i[src];
                else
                    out.f[o] = (float)oconst_get(c, src);
            }
        }
    return put(m, n, 0, &out);
}

static clvis_status fold_cast(oimp *m, const Onnx__NodeProto *n, const oconst *d)
{
    int to = (int)oattr_int(n, "to", 0);
    int to_int = !(to == ONNX_FLOAT || to == ONNX_DOUBLE || to == ONNX_FLOAT16 ||
                   to == ONNX_BFLOAT16);
    if (to == ONNX_STRING || to <= 0)
        return ONNX_UNSUPPORTED(m, "Cast to type %d", to);
    if (has_batch(d) && !to_int)
        return ONNX_UNSUPPORTED(m, "a Cast of the batch size to a float");
    oconst c;
    clvis_status st = oconst_alloc(m, &c, to_int, d->rank, d->dims);
    if (st != CLVIS_OK)
        return st;
    for (size_t k = 0; k < c.count; k++) {
        double v = oconst_get(d, k);
        if (to_int)
            c.i[k] = d->is_int ? d->i[k] : (to == ONNX_BOOL ? v != 0 : (int64_t)v);
        else
            c.f[k] = (float)v;
    }
    return put(m, n, 0, &c);
}

static clvis_status fold_slice(oimp *m, const Onnx__NodeProto *n, const oconst *d)
{
    int64_t starts[ONNX_MAX_RANK], ends[ONNX_MAX_RANK], axes[ONNX_MAX_RANK],
        steps[ONNX_MAX_RANK];
    int ns, ne, na, nst;
    if (m->opset < 10) {
        ns = oattr_ints(n, "starts", starts, ONNX_MAX_RANK);
        ne = oattr_ints(n, "ends", ends, ONNX_MAX_RANK);
        na = oattr_ints(n, "axes", axes, ONNX_MAX_RANK);
        nst = -1;
    } else {
        ns = const_ints(in_c(m, n, 1), starts, ONNX_MAX_RANK);
        ne = const_ints(in_c(m, n, 2), ends, ONNX_MAX_RANK);
        na = const_ints(in_c(m, n, 3), axes, ONNX_MAX_RANK);
        nst = const_ints(in_c(m, n, 4), steps, ONNX_MAX_RANK);
    }
    if (ns < 0 || ns != ne || ns > d->rank || (na >= 0 && na != ns) || (nst >= 0 && nst != ns))
        return ONNX_BAD(m, "Slice with inconsistent starts / ends / axes / steps");
    int64_t lo[ONNX_MAX_RANK], step[ONNX_MAX_RANK], od[ONNX_MAX_RANK];
    for (int k = 0; k < d->rank; k++) {
        lo[k] = 0;
        step[k] = 1;
        od[k] = d->dims[k];
    }
    for (int j = 0; j < ns; j++) {
        int a = norm_axis(na >= 0 ? axes[j] : j, d->rank);
        int64_t s = nst >= 0 ? steps[j] : 1, dim = d->dims[a < 0 ? 0 : a];
        if (a < 0 || s == 0)
            return ONNX_BAD(m, "Slice axis or step out of range");
        int64_t b = starts[j], e = ends[j];
        if (b < 0)
            b += dim;
        if (e < 0)
            e += dim;
        if (s > 0) {
            b = b < 0 ? 0 : b > dim ? dim : b;
            e = e < 0 ? 0 : e > dim ? dim : e;
            od[a] = e > b ? (e - b + s - 1) / s : 0;
        } else {
            b = b < 0 ? -1 : b > dim - 1 ? dim - 1 : b;
            e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
            od[a] = b > e ? (b - e - s - 1) / -s : 0;
        }
        lo[a] = b;
        step[a] = s;
    }
    oconst c;
    clvis_status st = oconst_alloc(m, &c, d->is_int, d->rank, od);
    if (st != CLVIS_OK)
        return st;
    int64_t ss[ONNX_MAX_RANK], idx[ONNX_MAX_RANK] = {0};
    strides(d->dims, d->rank, ss);
    for (size_t o = 0; o < c.count; o++) {
        int64_t src = 0;
        for (int k = 0; k < d->rank; k++)
            src += (lo[k] + idx[k] * step[k]) * ss[k];
        if (c.is_int)
            c.i[o] = d->i[src];
        else
            c.f[o] = d->f[src];
        for (int k = d->rank - 1; k >= 0; k--) {
            if (++idx[k] < od[k])
                break;
            idx[k] = 0;
        }
    }
    return put(m, n, 0, &c);
}

static clvis_status fold_transpose(oimp *m, const Onnx__NodeProto *n, const oconst *d)
{
    int64_t perm[ONNX_MAX_RANK];
    int np = oattr_ints(n, "perm", perm, ONNX_MAX_RANK);
    if (np < 0) {
        np = d->rank;
        for (int k = 0; k < np; k++)
            perm[k] = np - 1 - k;
    }
    if (np != d->rank)
        return ONNX_BAD(m, "Transpose perm of %d axes for a rank-%d tensor", np, d->rank);
    int64_t od[ONNX_MAX_RANK], ss[ONNX_MAX_RANK], idx[ONNX_MAX_RANK] = {0};
    unsigned char seen[ONNX_MAX_RANK] = {0};
    for (int k = 0; k < np; k++) {
        if (perm[k] < 0 || perm[k] >= np || seen[perm[k]])
            return ONNX_BAD(m, "Transpose perm is not a permutation");
        seen[perm[k]] = 1;
        od[k] = d->dims[perm[k]];
    }
    strides(d->dims, d->rank, ss);
    oconst c;
    clvis_status st = oconst_alloc(m, &c, d->is_int, d->rank, od);
    if (st != CLVIS_OK)
        return st;
    for (size_t o = 0; o < c.count; o++) {
        int64_t src = 0;
        for (int k = 0; k < np; k++)
            src += idx[k] * ss[perm[k]];
        if (c.is_int)
            c.i[o] = d->i[src];
        else
            c.f[o] = d->f[src];
        for (int k = np - 1; k >= 0; k--) {
            if (++idx[k] < od[k])
                break;
            idx[k] = 0;
        }
    }
    return put(m, n, 0, &c);
}

/* numpy broadcasting of a and b; op: + - * / */
static clvis_status fold_binary(oimp *m, const Onnx__NodeProto *n, const oconst *a,
                                const oconst *b, char op)
{
    if (has_batch(a) || has_batch(b))
        return ONNX_UNSUPPORTED(m, "arithmetic on the batch size (a graph whose shapes depend "
                                   "on it)");
    int rank = a->rank > b->rank ? a->rank : b->rank;
    int64_t od[ONNX_MAX_RANK], da[ONNX_MAX_RANK], db[ONNX_MAX_RANK];
    for (int k = 0; k < rank; k++) {
        int ka = k - (rank - a->rank), kb = k - (rank - b->rank);
        da[k] = ka >= 0 ? a->dims[ka] : 1;
        db[k] = kb >= 0 ? b->dims[kb] : 1;
        if (da[k] != db[k] && da[k] != 1 && db[k] != 1)
            return ONNX_BAD(m, "operands of shapes that do not broadcast");
        od[k] = da[k] == 1 ? db[k] : da[k];
    }
    int is_int = a->is_int && b->is_int;
    oconst c;
    clvis_status st = oconst_alloc(m, &c, is_int, rank, od);
    if (st != CLVIS_OK)
        return st;
    int64_t sa[ONNX_MAX_RANK], sb[ONNX_MAX_RANK], idx[ONNX_MAX_RANK] = {0};
    strides(da, rank, sa);
    strides(db, rank, sb);
    for (size_t o = 0; o < c.count; o++) {
        size_t ia = 0, ib = 0;
        for (int k = 0; k < rank; k++) {
            ia += (size_t)((da[k] == 1 ? 0 : idx[k]) * sa[k]);
            ib += (size_t)((db[k] == 1 ? 0 : idx[k]) * sb[k]);
        }
        if (is_int) {
            int64_t x = a->i[ia], y = b->i[ib];
            if (op == '/' && y == 0) {
                oconst_free(&c);
                return ONNX_BAD(m, "integer division by zero");
            }
            c.i[o] = op == '+' ? x + y : op == '-' ? x - y : op == '*' ? x * y : x / y;
        } else {
            double x = oconst_get(a, ia), y = oconst_get(b, ib);
            c.f[o] = (float)(op == '+' ? x + y : op == '-' ? x - y : op == '*' ? x * y : x / y);
        }
        for (int k = rank - 1; k >= 0; k--) {
            if (++idx[k] < od[k])
                break;
            idx[k] = 0;
        }
    }
    return put(m, n, 0, &c);
}

static clvis_status fold_unary(oimp *m, const Onnx__NodeProto *n, const oconst *d, char op)
{
    oconst c;
    clvis_status st = copy_const(m, d, &c);
    if (st != CLVIS_OK)
        return st;
    if (has_batch(d) && op != 'i') {
        oconst_free(&c);
        return ONNX_UNSUPPORTED(m, "arithmetic on the batch size");
    }
    for (size_t k = 0; k < c.count && op != 'i'; k++) {
        if (c.is_int)
            c.i[k] = op == 'n' ? -c.i[k] : c.i[k];
        else {
            double v = c.f[k];
            c.f[k] = (float)(op == 'n' ? -v : op == 's' ? sqrt(v) : op == 'r' ? 1.0 / v : v);
        }
    }
    return put(m, n, 0, &c);
}

static clvis_status fold_constant_of_shape(oimp *m, const Onnx__NodeProto *n, const oconst *s)
{
    int64_t dims[ONNX_MAX_RANK];
    int r = const_ints(s, dims, ONNX_MAX_RANK);
    if (r < 0 || r > ONNX_MAX_RANK || has_batch(s))
        return ONNX_UNSUPPORTED(m, "a ConstantOfShape of rank %d or of the batch size", r);
    oconst v = {0};
    const Onnx__AttributeProto *a = oattr(n, "value");
    clvis_status st = CLVIS_OK;
    if (a && a->t)
        st = onnx_tensor_const(m, a->t, &v);
    if (st != CLVIS_OK)
        return st;
    oconst c;
    st = oconst_alloc(m, &c, a && a->t ? v.is_int : 0, r, dims);
    for (size_t k = 0; st == CLVIS_OK && k < c.count; k++) {
        if (c.is_int)
            c.i[k] = v.count ? v.i[0] : 0;
        else
            c.f[k] = v.count ? v.f[0] : 0.0f;
    }
    oconst_free(&v);
    return st != CLVIS_OK ? st : put(m, n, 0, &c);
}

clvis_status onnx_fold(oimp *m, const Onnx__NodeProto *n, int *folded)
{
    const char *op = n->op_type;
    *folded = 0;
    if (!strcmp(op, "Constant")) {
        *folded = 1;
        return fold_constant(m, n);
    }
    if (!strcmp(op, "Shape") && n->n_input == 1) {
        *folded = 1;
        return fold_shape(m, n);
    }
    /* every other op folds when all its inputs are constants */
    int any = 0;
    for (size_t k = 0; k < n->n_input; k++) {
        if (!n->input[k] || !*n->input[k])
            continue;
        if (!in_c(m, n, k))
            return CLVIS_OK;
        any = 1;
    }
    if (!any)
        return CLVIS_OK;
    const oconst *a = in_c(m, n, 0), *b = in_c(m, n, 1);
    clvis_status st;
    *folded = 1;
    if (!strcmp(op, "Gather") && a && b)
        st = fold_gather(m, n, a, b);
    else if (!strcmp(op, "Unsqueeze") && a)
        st = fold_unsqueeze(m, n, a);
    else if (!strcmp(op, "Squeeze") && a)
        st = fold_squeeze(m, n, a);
    else if (!strcmp(op, "Reshape") && a && b)
        st = fold_reshape(m, n, a, b);
    else if (!strcmp(op, "Flatten") && a) {
        int axis = (int)oattr_int(n, "axis", 1);
        if (axis < 0)
            axis += a->rank;
        if (axis < 0 || axis > a->rank)
            return ONNX_BAD(m, "Flatten axis out of range");
        int64_t d[2] = {1, 1};
        for (int k = 0; k < a->rank; k++)
            d[k >= axis] *= a->dims[k];
        st = reshaped(m, n, a, 2, d);
    } else if (!strcmp(op, "Concat"))
        st = fold_concat(m, n);
    else if (!strcmp(op, "Cast") && a)
        st = fold_cast(m, n, a);
    else if (!strcmp(op, "Slice") && a)
        st = fold_slice(m, n, a);
    else if (!strcmp(op, "Transpose") && a)
        st = fold_transpose(m, n, a);
    else if ((!strcmp(op, "Identity") || !strcmp(op, "Dropout")) && a) {
        oconst c;
        st = copy_const(m, a, &c);
        if (st == CLVIS_OK)
            st = put(m, n, 0, &c);
    } else if (!strcmp(op, "Neg") && a)
        st = fold_unary(m, n, a, 'n');
    else if (!strcmp(op, "Sqrt") && a && !a->is_int)
        st = fold_unary(m, n, a, 's');
    else if (!strcmp(op, "Reciprocal") && a && !a->is_int)
        st = fold_unary(m, n, a, 'r');
    else if (!strcmp(op, "ConstantOfShape") && a)
        st = fold_constant_of_shape(m, n, a);
    else if (a && b && n->n_input == 2 &&
             (!strcmp(op, "Add") || !strcmp(op, "Sub") || !strcmp(op, "Mul") ||
              !strcmp(op, "Div")))
        st = fold_binary(m, n, a, b, op[0] == 'A' ? '+' : op[0] == 'S' ? '-' : op[0] == 'M' ? '*' : '/');
    else {
        *folded = 0; /* an op that runs on the device, here on constants */
        return CLVIS_OK;
    }
    return st;
}

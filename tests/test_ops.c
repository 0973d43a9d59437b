/* test_ops.c — every op on the device vs the double-precision C reference (forward) and vs
 * central finite differences of that reference (input gradient), over a sweep of shapes.
 * Prints max abs / relative error and the tolerance of each case; exit 77 when no device.
 * Usage: test_ops [OP]: only the checks whose op name (ops[] below) contains OP, e.g. "conv",
 * "pool"; no argument runs all; an OP that matches no op name is a usage error (exit 2). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ascent.h"
#include "ops/ops.h"
#include "ref_ops.h"
#include "testutil.h"

typedef enum { K_CONV, K_DENSE, K_ACT, K_POOL, K_GPOOL, K_PAD, K_SCALE, K_ADD, K_CONCAT,
               K_RESHAPE, K_RESHAPE_PLAIN, K_BINARY, K_PRELU, K_POOL_ACT } kind;

typedef struct tcase {
    const char *name;
    kind k;
    rshape xs, ys;
    /* conv */
    rconv cv;
    int has_bias;
    /* pools */
    int is_max;
    pool2d_params pool;
    /* activation (K_POOL_ACT: max pool of act(x), the gradient through both fused) */
    int act;
    double act_max, act_p1;
    double x_scale;
    /* pad */
    int pad[4];
    /* concat: channels of the first input */
    int c_split;
    /* binary: op, operand shapes (x holds a then b; same: b is a, x holds a only) */
    bin_op bop;
    rshape as, bs;
    int same;
    /* inputs of |x| below this are moved away from 0 by it (divisors) */
    double x_min_abs;
    /* weights */
    double *w, *b;
    size_t nw, nb;
    cl_mem dw, db, dwt; /* dwt: dense weights transposed (the CPU row path) */
} tcase;

static clvis_ctx *ctx;
static unsigned rng = 12345u;

/* The op name of every check, for the filter (argv[1], a substring of one of these). */
static const char *const ops[] = {"conv",   "dense",   "act",         "softmax", "maxpool",
                                  "avgpool", "zeropad", "scale_shift", "add",     "concat",
                                  "reshape", "window",  "binary",  "prelu", "ascent"};
static const char *op_filter; /* NULL: every check */

/* 1 when the checks of op run. Each case then starts from a seed of its own name, so a case
 * sees the same inputs whether it runs alone (filtered) or with all the others. */
static int case_begin(const char *op, const char *name)
{
    int known = 0;
    for (size_t k = 0; k < sizeof ops / sizeof *ops; k++)
        known |= !strcmp(ops[k], op);
    if (!known) {
        test_fail(name, "op name missing from ops[] (test_ops.c)");
        return 0;
    }
    if (op_filter && !strstr(op, op_filter))
        return 0;
    rng = 12345u;
    for (const char *c = name; *c; c++)
        rng = (rng ^ (unsigned char)*c) * 16777619u;
    return 1;
}

static double urand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return ((rng >> 8) & 0xFFFFFF) / 16777216.0 * 2.0 - 1.0;
}

static size_t count(rshape s)
{
    return (size_t)s.n * s.c * s.h * s.w;
}

static void reference(const tcase *t, const double *x, double *y)
{
    switch (t->k) {
    case K_CONV:
        ref_conv2d(y, x, t->xs, t->w, t->has_bias ? t->b : NULL, &t->cv, t->ys.h, t->ys.w);
        break;
    case K_DENSE:
        ref_dense(y, x, t->xs.n, t->xs.c * t->xs.h * t->xs.w, t->ys.c, t->w, t->b);
        break;
    case K_ACT:
        ref_act_p(y, x, t->xs, t->act, t->act_max, t->act_p1);
        break;
    case K_POOL: {
        const window2d *v = &t->pool.win;
        rpool p = {v->kh, v->kw, v->sh,    v->sw,    v->dh,    v->dw,
                   v->pad_t, v->pad_b, v->pad_l, v->pad_r, t->pool.count_include_pad};
        ref_pool2(y, x, t->xs, t->is_max, &p, t->ys.h, t->ys.w);
        break;
    }
    case K_POOL_ACT: {
        const window2d *v = &t->pool.win;
        rpool p = {v->kh, v->kw, v->sh, v->sw, v->dh, v->dw, v->pad_t, v->pad_b, v->pad_l,
                   v->pad_r, 0};
        double *a = malloc(count(t->xs) * sizeof *a);
        ref_act(a, x, t->xs, t->act, t->act_max);
        ref_pool2(y, a, t->xs, 1, &p, t->ys.h, t->ys.w);
        free(a);
        break;
    }
    case K_GPOOL:
        ref_gpool(y, x, t->xs, t->is_max);
        break;
    case K_PAD:
        ref_zeropad(y, x, t->xs, t->pad[0], t->pad[1], t->pad[2], t->pad[3]);
        break;
    case K_SCALE:
        ref_scale_shift(y, x, t->xs, t->w, t->b);
        break;
    case K_ADD: {
        size_t n = count(t->ys);
        for (size_t i = 0; i < n; i++)
            y[i] = x[i] + x[n + i];
        break;
    }
    case K_CONCAT: {
        /* x holds input a (c_split channels) then input b, each NCHW. */
        rshape a = t->xs, b = t->xs;
        a.c = t->c_split;
        b.c = t->xs.c - t->c_split;
        size_t hw = (size_t)t->xs.h * t->xs.w;
        const double *xb = x + count(a);
        for (int n = 0; n < t->xs.n; n++)
            for (int c = 0; c < t->ys.c; c++)
                for (size_t p = 0; p < hw; p++)
                    y[((size_t)n * t->ys.c + c) * hw + p] =
                        c < a.c ? x[((size_t)n * a.c + c) * hw + p]
                                : xb[((size_t)n * b.c + c - a.c) * hw + p];
        break;
    }
    case K_RESHAPE:
        ref_reshape(y, x, t->xs, t->ys);
        break;
    case K_PRELU:
        ref_prelu(y, x, t->xs, t->w);
        break;
    case K_RESHAPE_PLAIN: /* NCHW order on both sides: the same sequence */
        for (size_t i = 0; i < count(t->ys); i++)
            y[i] = x[i];
        break;
    case K_BINARY:
        ref_binary(y, t->ys, (int)t->bop, x, t->as, t->same ? x : x + count(t->as), t->bs);
        break;
    }
}

static tensor view(cl_mem m, size_t off, rshape s)
{
    return (tensor){m, off, s.n, s.c, s.h, s.w};
}

/* K_POOL_ACT: a new buffer holding act(x) (the conv's output the pool reads); a.mem is NULL
 * or a buffer to release. */
static clvis_status act_copy(const tcase *t, tensor x, tensor *a)
{
    *a = x;
    a->mem = NULL;
    a->off = 0;
    clvis_status st = buffer_create(ctx, tensor_count(x) * sizeof(float), &a->mem);
    if (!st)
        st = copy_accum(ctx, *a, x, 0);
    return st ? st : act_forward(ctx, *a, (act_kind)t->act, (float)t->act_max);
}

static clvis_status device_forward(const tcase *t, tensor y, tensor x)
{
    switch (t->k) {
    case K_CONV: {
        conv2d_params p = {.win = {t->cv.kh, t->cv.kw, t->cv.sh, t->cv.sw, t->cv.dh, t->cv.dw,
                                   t->cv.pt, t->cv.pb, t->cv.pl, t->cv.pr},
                           .out_c = t->cv.oc,
                           .groups = t->cv.groups};
        return conv2d_forward(ctx, &p, y, x, t->dw, t->has_bias ? t->db : NULL);
    }
    case K_DENSE:
        return dense_forward(ctx, y, x, t->dw, t->dwt, t->db, ACT_LINEAR, 0.0f);
    case K_ACT: {
        clvis_status st = copy_accum(ctx, y, x, 0);
        if (t->act <= ACT_SOFTMAX) /* the entry point conv / dense use */
            return st ? st : act_forward(ctx, y, (act_kind)t->act, (float)t->act_max);
        return st ? st
                  : act_forward_p(ctx, y, (act_kind)t->act, (float)t->act_max, (float)t->act_p1);
    }
    case K_POOL:
        return t->is_max ? maxpool_forward(ctx, &t->pool, y, x)
                         : avgpool_forward(ctx, &t->pool, y, x);
    case K_POOL_ACT: {
        tensor a;
        clvis_status st = act_copy(t, x, &a);
        if (!st)
            st = maxpool_forward(ctx, &t->pool, y, a);
        if (a.mem)
            clReleaseMemObject(a.mem);
        return st;
    }
    case K_GPOOL:
        return gpool_forward(ctx, t->is_max, y, x);
    case K_PAD:
        return zeropad_forward(ctx, t->pad[0], t->pad[1], t->pad[2], t->pad[3], y, x);
    case K_SCALE:
        return scale_shift_forward(ctx, y, x, t->dw, t->db);
    case K_ADD: {
        tensor a = x, b = x;
        b.off += count(t->ys);
        a.c = b.c = t->ys.c;
        return add_forward(ctx, y, a, b);
    }
    case K_CONCAT: {
        tensor a = x, b = x;
        a.c = t->c_split;
        b.c = t->xs.c - t->c_split;
        b.off += tensor_count(a);
        clvis_status st = concat_forward(ctx, y, a, 0);
        return st ? st : concat_forward(ctx, y, b, a.c);
    }
    case K_RESHAPE:
        return reshape_forward(ctx, y, x);
    case K_PRELU:
        return prelu_forward(ctx, y, x, t->dw);
    case K_RESHAPE_PLAIN:
        return copy_accum(ctx, y, x, 0);
    case K_BINARY: {
        tensor a = view(x.mem, x.off, t->as), b = view(x.mem, x.off + count(t->as), t->bs);
        return binary_forward(ctx, t->bop, y, a, t->same ? a : b);
    }
    }
    return CLVIS_ERR_INVALID_ARG;
}

static clvis_status device_backward(const tcase *t, tensor dx, tensor dy, tensor x, tensor y,
                                    int accum)
{
    switch (t->k) {
    case K_CONV: {
        conv2d_params p = {.win = {t->cv.kh, t->cv.kw, t->cv.sh, t->cv.sw, t->cv.dh, t->cv.dw,
                                   t->cv.pt, t->cv.pb, t->cv.pl, t->cv.pr},
                           .out_c = t->cv.oc,
                           .groups = t->cv.groups};
        return conv2d_backward(ctx, &p, dx, dy, t->dw, accum);
    }
    case K_DENSE:
        return dense_backward(ctx, dx, dy, t->dw, accum);
    case K_ACT: {
        clvis_status st =
            t->act <= ACT_SOFTMAX
                ? act_backward(ctx, dy, y, (act_kind)t->act, (float)t->act_max)
                : act_backward_p(ctx, dy, x, y, (act_kind)t->act, (float)t->act_max,
                                 (float)t->act_p1);
        return st ? st : copy_accum(ctx, dx, dy, accum);
    }
    case K_POOL:
        return t->is_max ? maxpool_backward(ctx, &t->pool, dx, dy, x, accum)
                         : avgpool_backward(ctx, &t->pool, dx, dy, accum);
    case K_POOL_ACT: {
        (void)y;
        tensor a;
        clvis_status st = act_copy(t, x, &a);
        if (!st)
            st = maxpool_backward_act(ctx, &t->pool, dx, dy, a, (act_kind)t->act,
                                      (float)t->act_max, accum);
        if (a.mem)
            clReleaseMemObject(a.mem);
        return st;
    }
    case K_GPOOL:
        return gpool_backward(ctx, t->is_max, dx, dy, x, accum);
    case K_PAD:
        return zeropad_backward(ctx, t->pad[0], t->pad[1], t->pad[2], t->pad[3], dx, dy, accum);
    case K_SCALE:
        return scale_shift_backward(ctx, dx, dy, t->dw, accum);
    case K_ADD: {
        tensor a = dx, b = dx;
        b.off += count(t->ys);
        a.c = b.c = t->ys.c;
        clvis_status st = copy_accum(ctx, a, dy, accum);
        return st ? st : copy_accum(ctx, b, dy, accum);
    }
    case K_CONCAT: {
        tensor a = dx, b = dx;
        a.c = t->c_split;
        b.c = t->xs.c - t->c_split;
        b.off += tensor_count(a);
        clvis_status st = concat_backward(ctx, a, dy, 0, accum);
        return st ? st : concat_backward(ctx, b, dy, a.c, accum);
    }
    case K_RESHAPE:
        return reshape_backward(ctx, dx, dy, accum);
    case K_PRELU:
        return prelu_backward(ctx, dx, dy, x, t->dw, accum);
    case K_RESHAPE_PLAIN:
        return copy_accum(ctx, dx, dy, accum);
    case K_BINARY: {
        tensor a = view(x.mem, x.off, t->as), b = view(x.mem, x.off + count(t->as), t->bs);
        tensor da = view(dx.mem, dx.off, t->as), db = view(dx.mem, dx.off + count(t->as), t->bs);
        if (t->same) /* x op x: both gradients land in the one input, the second adds */
            b = a, db = da;
        clvis_status st = binary_backward(ctx, t->bop, 0, da, dy, a, b, accum);
        return st ? st : binary_backward(ctx, t->bop, 1, db, dy, a, b, t->same ? 1 : accum);
    }
    }
    return CLVIS_ERR_INVALID_ARG;
}

static cl_mem upload_d(const double *v, size_t n)
{
    cl_mem m = NULL;
    float *f = malloc((n ? n : 1) * sizeof *f);
    for (size_t i = 0; i < n; i++)
        f[i] = (float)v[i];
    if (buffer_create(ctx, (n ? n : 1) * sizeof(float), &m) ||
        (n && buffer_write(ctx, m, 0, n * sizeof(float), f)))
        m = NULL;
    free(f);
    return m;
}

/* Runs one case: forward vs reference, backward vs finite differences (accum 0 and 1). */
static void run_case(tcase *t)
{
    size_t nx = count(t->xs), ny = count(t->ys);
    const size_t xo = 7, yo = 5; /* odd offsets: kernels must honour them */
    double *x = malloc(nx * sizeof *x), *y = malloc(ny * sizeof *y), *r = malloc(ny * sizeof *r);
    double *fd = malloc(nx * sizeof *fd), *yp = malloc(ny * sizeof *yp);
    float *xf = malloc(nx * sizeof *xf), *yf = malloc(ny * sizeof *yf);
    float *rf = malloc(ny * sizeof *rf), *dxf = malloc(nx * sizeof *dxf);
    float *z = malloc(nx * sizeof *z);
    for (size_t i = 0; i < nx; i++) {
        x[i] = urand() * t->x_scale;
        if (fabs(x[i]) < t->x_min_abs)
            x[i] += x[i] < 0 ? -t->x_min_abs : t->x_min_abs;
        x[i] = (float)x[i]; /* representable in float: same input both sides */
        xf[i] = (float)x[i];
        z[i] = (float)urand();
    }
    for (size_t i = 0; i < ny; i++) {
        r[i] = (float)urand();
        rf[i] = (float)r[i];
    }
    if (t->w) {
        t->dw = upload_d(t->w, t->nw);
        t->db = t->nb ? upload_d(t->b, t->nb) : NULL;
        if (t->k == K_DENSE && dense_wants_rows(ctx)) {
            int in = t->xs.c * t->xs.h * t->xs.w, out = t->ys.c;
            double *tr = malloc(t->nw * sizeof *tr);
            for (int k = 0; k < in; k++)
                for (int o = 0; o < out; o++)
                    tr[(size_t)o * in + k] = t->w[(size_t)k * out + o];
            t->dwt = upload_d(tr, t->nw);
            free(tr);
        }
    }
    reference(t, x, y);
    cl_mem mx, my, mdx, mdy;
    int ok = !buffer_create(ctx, (nx + xo) * 4, &mx) && !buffer_create(ctx, (ny + yo) * 4, &my) &&
             !buffer_create(ctx, (nx + xo) * 4, &mdx) && !buffer_create(ctx, (ny + yo) * 4, &mdy);
    tensor tx = view(mx, xo, t->xs), ty = view(my, yo, t->ys);
    tensor tdx = view(mdx, xo, t->xs), tdy = view(mdy, yo, t->ys);
    char label[160];
    clvis_status st = CLVIS_OK;
    if (ok) {
        st = buffer_write(ctx, mx, xo * 4, nx * 4, xf);
        if (!st)
            st = device_forward(t, ty, tx);
        if (!st)
            st = buffer_read(ctx, my, yo * 4, ny * 4, yf);
    }
    snprintf(label, sizeof label, "%s forward", t->name);
    if (!ok || st)
        test_fail(label, clvis_last_error());
    else
        test_compare_fd(label, yf, y, ny, 2e-5);

    /* finite differences of L = sum(r * y) on the double reference */
    double eps = 1e-6 * (t->x_scale > 1 ? t->x_scale : 1);
    /* large inputs: differentiate every step-th element (a prime stride visits all positions
     * of the window pattern), compare just those */
    size_t step = nx > 400 ? 7 : 1, nfd = 0;
    for (size_t i = 0; i < nx; i += step) {
        double keep = x[i], lp = 0, lm = 0;
        x[i] = keep + eps;
        reference(t, x, yp);
        for (size_t k = 0; k < ny; k++)
            lp += r[k] * yp[k];
        x[i] = keep - eps;
        reference(t, x, yp);
        for (size_t k = 0; k < ny; k++)
            lm += r[k] * yp[k];
        x[i] = keep;
        fd[nfd++] = (lp - lm) / (2 * eps);
    }
    for (int accum = 0; accum <= 1 && ok; accum++) {
        st = buffer_write(ctx, mdy, yo * 4, ny * 4, rf);
        if (!st)
            st = buffer_write(ctx, mdx, xo * 4, nx * 4, z);
        if (!st)
            st = device_backward(t, tdx, tdy, tx, ty, accum);
        if (!st)
            st = buffer_read(ctx, mdx, xo * 4, nx * 4, dxf);
        snprintf(label, sizeof label, "%s backward%s", t->name, accum ? " (accumulate)" : "");
        if (st) {
            test_fail(label, clvis_last_error());
            break;
        }
        for (size_t i = 0, k = 0; i < nx; i += step, k++)
            dxf[k] = dxf[i] - (accum ? z[i] : 0.0f);
        test_compare_fd(label, dxf, fd, nfd, 1e-4);
    }
    clReleaseMemObject(mx);
    clReleaseMemObject(my);
    clReleaseMemObject(mdx);
    clReleaseMemObject(mdy);
    if (t->dw)
        clReleaseMemObject(t->dw);
    if (t->db)
        clReleaseMemObject(t->db);
    if (t->dwt)
        clReleaseMemObject(t->dwt);
    free(x), free(y), free(r), free(fd), free(yp), free(xf), free(yf), free(rf), free(dxf),
        free(z);
}

static double *rand_array(size_t n, double scale)
{
    double *a = malloc((n ? n : 1) * sizeof *a);
    for (size_t i = 0; i < n; i++)
        a[i] = (float)(urand() * scale);
    return a;
}

static void conv_case(const char *name, int n, int c, int h, int w, int oc, int kh, int kw, int sh,
                      int sw, int dh, int dw, pad_mode mode, int groups, int bias,
                      int pt, int pb, int pl, int pr)
{
    if (!case_begin("conv", name))
        return;
    window2d win = {kh, kw, sh, sw, dh, dw, pt, pb, pl, pr};
    int oh, ow;
    if (window_resolve(&win, mode, h, w, &oh, &ow)) {
        test_fail(name, clvis_last_error());
        return;
    }
    tcase t = {.name = name, .k = K_CONV, .xs = {n, c, h, w}, .ys = {n, oc, oh, ow},
               .cv = {oc, kh, kw, sh, sw, dh, dw, win.pad_t, win.pad_b, win.pad_l, win.pad_r,
                      groups},
               .has_bias = bias, .x_scale = 1.0};
    t.nw = (size_t)oc * (c / groups) * kh * kw;
    t.nb = bias ? (size_t)oc : 0;
    t.w = rand_array(t.nw, 0.5);
    t.b = rand_array(oc, 0.5);
    run_case(&t);
    free(t.w);
    free(t.b);
}

/* Bias + ReLU fused into the conv's store (forward; conv2d_backward takes dy past the ReLU):
 * against the reference conv followed by ReLU, and packed weights kept in params.pack (packed
 * on the first call, reused by the second, which must give the same output). */
static void conv_relu_case(const char *sfx)
{
    char name[96];
    snprintf(name, sizeof name, "conv 3x3 same relu bias w23 oc35 batch2 packed%s", sfx);
    if (!case_begin("conv", name))
        return;
    enum { N = 2, C = 9, H = 5, W = 23, OC = 35 };
    rshape xs = {N, C, H, W};
    rconv rc = {OC, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    size_t nx = (size_t)N * C * H * W, ny = (size_t)N * OC * H * W, nw = (size_t)OC * C * 9;
    double *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w), *b = malloc(OC * sizeof *b);
    double *y = malloc(ny * sizeof *y);
    float *xf = malloc(nx * sizeof *xf), *yf = malloc(ny * sizeof *yf);
    for (size_t i = 0; i < nx; i++)
        xf[i] = (float)(x[i] = (float)urand());
    for (size_t i = 0; i < nw; i++)
        w[i] = (float)(0.5 * urand());
    for (int i = 0; i < OC; i++)
        b[i] = (float)(0.5 * urand());
    ref_conv2d(y, x, xs, w, b, &rc, H, W);
    int neg = 0;
    for (size_t i = 0; i < ny; i++) {
        neg += y[i] < 0;
        y[i] = y[i] > 0 ? y[i] : 0;
    }
    cl_mem mx = NULL, my = NULL, mw = upload_d(w, nw), mb = upload_d(b, OC), pack[CONV_PACK_SLOTS] = {0};
    conv2d_params p = {.win = {3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, .out_c = OC, .groups = 1,
                       .act = ACT_RELU, .pack = pack};
    tensor tx = {NULL, 3, N, C, H, W}, ty = {NULL, 1, N, OC, H, W};
    clvis_status st = buffer_create(ctx, (nx + 3) * 4, &mx);
    if (!st)
        st = buffer_create(ctx, (ny + 1) * 4, &my);
    tx.mem = mx, ty.mem = my;
    if (!st)
        st = buffer_write(ctx, mx, 3 * 4, nx * 4, xf);
    for (int rep = 0; rep < 2 && !st; rep++) {
        st = conv2d_forward(ctx, &p, ty, tx, mw, mb);
        if (!st)
            st = buffer_read(ctx, my, 4, ny * 4, yf);
        if (!st) {
            char label[160];
            snprintf(label, sizeof label, "%s (call %d)", name, rep + 1);
            test_compare_fd(label, yf, y, ny, 2e-5);
        }
    }
    if (st)
        test_fail(name, clvis_last_error());
    test_check(name, neg > 0 && neg < (int)ny, "the ReLU clips some outputs, not all");
    if (ctx->conv_impl == CLVIS_CONV_BLK || ctx->conv_impl == CLVIS_CONV_WINO)
        test_check(name, pack[ctx->conv_impl == CLVIS_CONV_WINO ? 2 : 0] != NULL,
                   "the forced kernel ran and kept its packed weights in params.pack");
    for (int k = 0; k < CONV_PACK_SLOTS; k++)
        if (pack[k])
            clReleaseMemObject(pack[k]);
    if (mx)
        clReleaseMemObject(mx);
    if (my)
        clReleaseMemObject(my);
    clReleaseMemObject(mw), clReleaseMemObject(mb);
    free(x), free(w), free(b), free(y), free(xf), free(yf);
}

/* conv2d_wino (Winograd F(2x2, 3x3), forced by clvis_ctx_options.conv where it applies):
 * odd heights and widths (partial 2 x 2 tiles, partial octets of tiles), widths with interior
 * octets (vector loads and 16-float stores) and edge ones, channels not a multiple of its
 * 6-channel block, SAME / VALID / explicit asymmetric pads and pads of 2 (the input gradient
 * then has pads 0), batch 3, many input channels, bias; each once with the default chunk and
 * once in chunks of one 16-tile block ($CLVIS_WINO_CHUNK_KB=1), so chunk borders fall inside
 * images. Shapes it does not take (5x5, stride 2, dilation, depthwise)
 * must fall through to the other kernels. Forward and input gradient against the reference,
 * input gradient against finite differences (run_case). */
/* The automatic conv choice (src/ops/conv.c, conv_wino.c) by which packed-weight slot a forward
 * call fills: on CPU devices Winograd (pack[2]) for 3x3 stride-1 convs with >= 256 input and
 * output channels, conv2d_blk (pack[0]) for >= 16 channels and >= 48 wide only where the
 * device's native float vector is <= 8 wide (AVX2), neither on other devices. */
static void conv_auto_choice_case(const char *name, int c, int oc, int h, int w, int want_slot)
{
    if (!case_begin("conv", name))
        return;
    size_t nx = (size_t)c * h * w, ny = (size_t)oc * h * w, nw = (size_t)oc * c * 9;
    double *wd = calloc(nw, sizeof *wd), *bd = calloc((size_t)oc, sizeof *bd);
    cl_mem mx = NULL, my = NULL, mw = upload_d(wd, nw), mb = upload_d(bd, (size_t)oc);
    cl_mem pack[CONV_PACK_SLOTS] = {0};
    conv2d_params p = {.win = {3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, .out_c = oc, .groups = 1,
                       .act = ACT_LINEAR, .pack = pack};
    tensor tx = {NULL, 0, 1, c, h, w}, ty = {NULL, 0, 1, oc, h, w};
    clvis_status st = buffer_create(ctx, nx * 4, &mx);
    if (!st)
        st = buffer_create(ctx, ny * 4, &my);
    tx.mem = mx, ty.mem = my;
    int saved = ctx->conv_impl;
    ctx->conv_impl = CLVIS_CONV_AUTO;
    if (!st)
        st = conv2d_forward(ctx, &p, ty, tx, mw, mb);
    ctx->conv_impl = saved;
    if (st)
        test_fail(name, clvis_last_error());
    char d[160];
    snprintf(d, sizeof d, "packed slots filled: %d %d %d %d, wanted %d (native float width %u)",
             pack[0] != NULL, pack[1] != NULL, pack[2] != NULL, pack[3] != NULL, want_slot,
             ctx->float_width);
    int ok = 1;
    for (int k = 0; k < CONV_PACK_SLOTS; k++)
        ok &= (pack[k] != NULL) == (k == want_slot);
    test_check(name, !st && ok, d);
    for (int k = 0; k < CONV_PACK_SLOTS; k++)
        if (pack[k])
            clReleaseMemObject(pack[k]);
    if (mx)
        clReleaseMemObject(mx);
    if (my)
        clReleaseMemObject(my);
    clReleaseMemObject(mw), clReleaseMemObject(mb);
    free(wd), free(bd);
}

static void conv_auto_choice_cases(void)
{
    int cpu = ctx->info.type == CLVIS_DEVICE_CPU;
    conv_auto_choice_case("auto choice: 256->256 3x3 at 6x6 takes Winograd on CPUs", 256, 256, 6, 6,
                          cpu ? 2 : -1);
    conv_auto_choice_case("auto choice: 128->256 3x3 keeps a direct kernel", 128, 256, 6, 6,
                          -1);
    conv_auto_choice_case("auto choice: 16->16 3x3 at 2x48 takes blk only on <= 8-wide CPUs", 16, 16,
                          2, 48, cpu && ctx->float_width <= 8 ? 0 : -1);
}

static void wino_cases(void)
{
    static const struct {
        const char *name;
        int n, c, h, w, oc;
        pad_mode mode;
        int groups, kh, sh, dh, bias, pt, pb, pl, pr;
    } wc[] = {
        {"conv 3x3 same 7x9 c3 oc5", 1, 3, 7, 9, 5, PAD_SAME, 1, 3, 1, 1, 1, 0, 0, 0, 0},
        {"conv 3x3 same 6x37 c5 oc20 batch3", 3, 5, 6, 37, 20, PAD_SAME, 1, 3, 1, 1, 1, 0, 0, 0, 0},
        {"conv 3x3 valid 5x13 c17 oc16", 1, 17, 5, 13, 16, PAD_VALID, 1, 3, 1, 1, 0, 0, 0, 0, 0},
        {"conv 3x3 pads (2,0,0,2) 6x10 c20 oc21", 1, 20, 6, 10, 21, PAD_EXPLICIT, 1, 3, 1, 1, 1, 2, 0, 0, 2},
        {"conv 3x3 pads (0,1,2,1) 9x8 c4 oc33 batch2", 2, 4, 9, 8, 33, PAD_EXPLICIT, 1, 3, 1, 1, 1, 0, 1, 2, 1},
        {"conv 3x3 same 4x3 c160 oc17", 1, 160, 4, 3, 17, PAD_SAME, 1, 3, 1, 1, 1, 0, 0, 0, 0},
        {"conv 3x3 same 3x14 c64 oc64 (VGG block5-like)", 1, 64, 3, 14, 64, PAD_SAME, 1, 3, 1, 1, 1, 0, 0, 0, 0},
        {"conv 1x1 c24 oc20 (not winograd)", 2, 24, 3, 17, 20, PAD_VALID, 1, 1, 1, 1, 1, 0, 0, 0, 0},
        {"conv 3x3 s2 c7 oc24 (not winograd)", 1, 7, 8, 29, 24, PAD_SAME, 1, 3, 2, 1, 1, 0, 0, 0, 0},
        {"conv 3x3 dilation 2 c5 oc10 (not winograd)", 1, 5, 7, 20, 10, PAD_SAME, 1, 3, 1, 2, 1, 0, 0, 0, 0},
        {"depthwise 3x3 same (not winograd)", 2, 6, 9, 7, 6, PAD_SAME, 6, 3, 1, 1, 1, 0, 0, 0, 0},
    };
    ctx->conv_impl = CLVIS_CONV_WINO;
    for (int chunked = 0; chunked < 2; chunked++) {
        if (chunked)
            setenv("CLVIS_WINO_CHUNK_KB", "1", 1);
        for (size_t k = 0; k < sizeof wc / sizeof *wc; k++) {
            if (chunked && (wc[k].kh != 3 || wc[k].sh != 1 || wc[k].dh != 1 || wc[k].groups != 1))
                continue;
            char nm[160];
            snprintf(nm, sizeof nm, "%s [wino%s]", wc[k].name, chunked ? ", one-block chunks" : "");
            conv_case(nm, wc[k].n, wc[k].c, wc[k].h, wc[k].w, wc[k].oc, wc[k].kh, wc[k].kh,
                      wc[k].sh, wc[k].sh, wc[k].dh, wc[k].dh, wc[k].mode, wc[k].groups,
                      wc[k].bias, wc[k].pt, wc[k].pb, wc[k].pl, wc[k].pr);
        }
        unsetenv("CLVIS_WINO_CHUNK_KB");
    }
    conv_relu_case(" [wino]");
    ctx->conv_impl = CLVIS_CONV_AUTO;
}

/* Bias + an activation fused into the store of a depthwise conv (forward; ReLU with a
 * max_value is Keras's ReLU6), depth multiplier 2, batch 2, stride 1 or 2 (Keras SAME: pads
 * (1, 1) or (0, 1)), 22 wide (two full 8-pixel runs and a partial one): against
 * the reference conv followed by the reference activation, at the current ctx->conv_impl. */
static void conv_dw_act_case(const char *name, int act, double act_max, int sh)
{
    if (!case_begin("conv", name))
        return;
    enum { N = 2, C = 5, H = 10, W = 22, M = 2, OC = C * M };
    window2d win = {3, 3, sh, sh, 1, 1, 0, 0, 0, 0};
    int OH, OW;
    if (window_resolve(&win, PAD_SAME, H, W, &OH, &OW)) {
        test_fail(name, clvis_last_error());
        return;
    }
    rshape xs = {N, C, H, W}, ys = {N, OC, OH, OW};
    rconv rc = {OC, 3, 3, sh, sh, 1, 1, win.pad_t, win.pad_b, win.pad_l, win.pad_r, C};
    size_t nx = count(xs), ny = count(ys), nw = (size_t)OC * 9;
    double *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w), *b = malloc(OC * sizeof *b);
    double *pre = malloc(ny * sizeof *pre), *y = malloc(ny * sizeof *y);
    float *xf = malloc(nx * sizeof *xf), *yf = malloc(ny * sizeof *yf);
    for (size_t i = 0; i < nx; i++) /* outputs of a few units: ReLU6 clips at both ends */
        xf[i] = (float)(x[i] = (float)(8.0 * urand()));
    for (size_t i = 0; i < nw; i++)
        w[i] = (float)(0.5 * urand());
    for (int i = 0; i < OC; i++)
        b[i] = (float)(0.5 * urand());
    ref_conv2d(pre, x, xs, w, b, &rc, OH, OW);
    ref_act(y, pre, ys, act, act_max);
    int lo = 0, hi = 0;
    for (size_t i = 0; i < ny; i++)
        lo += pre[i] < 0, hi += act_max > 0 && pre[i] > act_max;
    cl_mem mx = NULL, my = NULL, mw = upload_d(w, nw), mb = upload_d(b, OC);
    conv2d_params p = {.win = win, .out_c = OC, .groups = C, .act = (act_kind)act,
                       .act_max = (float)act_max};
    tensor tx = {NULL, 3, N, C, H, W}, ty = {NULL, 1, N, OC, OH, OW};
    clvis_status st = buffer_create(ctx, (nx + 3) * 4, &mx);
    if (!st)
        st = buffer_create(ctx, (ny + 1) * 4, &my);
    tx.mem = mx, ty.mem = my;
    if (!st)
        st = buffer_write(ctx, mx, 3 * 4, nx * 4, xf);
    if (!st)
        st = conv2d_forward(ctx, &p, ty, tx, mw, mb);
    if (!st)
        st = buffer_read(ctx, my, 4, ny * 4, yf);
    if (st)
        test_fail(name, clvis_last_error());
    else
        test_compare_fd(name, yf, y, ny, 2e-5);
    if (act == ACT_RELU)
        test_check(name, lo > 0 && lo < (int)ny && (act_max <= 0 || hi > 0),
                   "the ReLU clips some outputs (below 0 and above max_value), not all");
    if (mx)
        clReleaseMemObject(mx);
    if (my)
        clReleaseMemObject(my);
    clReleaseMemObject(mw), clReleaseMemObject(mb);
    free(x), free(w), free(b), free(pre), free(y), free(xf), free(yf);
}

static void pool_case(const char *name, int is_max, int n, int c, int h, int w, int k, int s,
                      pad_mode mode)
{
    if (!case_begin(is_max ? "maxpool" : "avgpool", name))
        return;
    window2d win = {k, k, s, s, 1, 1, 0, 0, 0, 0};
    int oh, ow;
    if (window_resolve(&win, mode, h, w, &oh, &ow)) {
        test_fail(name, clvis_last_error());
        return;
    }
    tcase t = {.name = name, .k = K_POOL, .xs = {n, c, h, w}, .ys = {n, c, oh, ow},
               .is_max = is_max, .pool = {win, 0, 0}, .x_scale = 1.0};
    run_case(&t);
}

/* ONNX pools: window kh x kw, strides, dilation, explicit pads (t, b, l, r) or a mode,
 * ceil_mode, count_include_pad. */
static void pool_case_win(const char *name, int is_max, rshape xs, window2d win, pad_mode mode,
                          int ceil_mode, int include_pad)
{
    if (!case_begin(is_max ? "maxpool" : "avgpool", name))
        return;
    int oh, ow;
    if (window_resolve_ceil(&win, mode, ceil_mode, xs.h, xs.w, &oh, &ow)) {
        test_fail(name, clvis_last_error());
        return;
    }
    tcase t = {.name = name, .k = K_POOL, .xs = xs, .ys = {xs.n, xs.c, oh, ow},
               .is_max = is_max, .pool = {win, ceil_mode, include_pad}, .x_scale = 1.0};
    run_case(&t);
}

/* Max pool 2x2 / 2 of act(x) with act's gradient fused into the pool's (graph.c does this
 * when the pool is the only consumer of a conv / dense with that activation): FD through both,
 * then the fused gradient must equal the two passes (maxpool_backward, act_backward) exactly. */
static void pool_act_case(const char *name, int act, double act_max, rshape xs)
{
    if (!case_begin("maxpool", name))
        return;
    rshape ys = {xs.n, xs.c, xs.h / 2, xs.w / 2};
    tcase t = {.name = name, .k = K_POOL_ACT, .xs = xs, .ys = ys, .act = act,
               .act_max = act_max, .pool = {{2, 2, 2, 2, 1, 1, 0, 0, 0, 0}, 0, 0},
               .x_scale = 2.0};
    run_case(&t);
    size_t nx = count(xs), ny = count(ys);
    float *x = malloc(nx * sizeof *x), *g = malloc(ny * sizeof *g);
    float *d1 = malloc(nx * sizeof *d1), *d2 = malloc(nx * sizeof *d2);
    for (size_t i = 0; i < nx; i++)
        x[i] = (float)(2.0 * urand());
    for (size_t i = 0; i < ny; i++)
        g[i] = (float)urand();
    cl_mem mx = NULL, mg = NULL, md = NULL;
    char label[160];
    snprintf(label, sizeof label, "%s: fused == pool then act gradient, bit for bit", name);
    clvis_status st = buffer_create(ctx, nx * 4, &mx);
    if (!st && !(st = buffer_create(ctx, ny * 4, &mg)) && !(st = buffer_create(ctx, nx * 4, &md))) {
        tensor tx = view(mx, 0, xs), tg = view(mg, 0, ys), td = view(md, 0, xs);
        if (!(st = buffer_write(ctx, mx, 0, nx * 4, x)) &&
            !(st = act_forward(ctx, tx, (act_kind)act, (float)act_max)) &&
            !(st = buffer_write(ctx, mg, 0, ny * 4, g)) &&
            !(st = maxpool_backward_act(ctx, &t.pool, td, tg, tx, (act_kind)act,
                                        (float)act_max, 0)) &&
            !(st = buffer_read(ctx, md, 0, nx * 4, d1)) &&
            !(st = maxpool_backward(ctx, &t.pool, td, tg, tx, 0)) &&
            !(st = act_backward(ctx, td, tx, (act_kind)act, (float)act_max)))
            st = buffer_read(ctx, md, 0, nx * 4, d2);
    }
    cl_mem all[] = {mx, mg, md};
    for (int k = 0; k < 3; k++)
        if (all[k])
            clReleaseMemObject(all[k]);
    if (st)
        test_fail(label, clvis_last_error());
    else
        test_check(label, memcmp(d1, d2, nx * sizeof *d1) == 0, "memcmp of the two gradients");
    free(x), free(g), free(d1), free(d2);
}

static void act_case_p(const char *name, int act, double p0, double p1, double scale, rshape s)
{
    if (!case_begin(act == ACT_SOFTMAX || act == ACT_LOGSOFTMAX ? "softmax" : "act", name))
        return;
    tcase t = {.name = name, .k = K_ACT, .xs = s, .ys = s, .act = act, .act_max = p0,
               .act_p1 = p1, .x_scale = scale};
    run_case(&t);
}

static void act_case(const char *name, int act, double act_max, double scale, rshape s)
{
    act_case_p(name, act, act_max, 0.0, scale, s);
}

/* A case with no weights (or weights set by the caller) under op's filter. */
static void plain_case(const char *op, tcase *t)
{
    if (case_begin(op, t->name))
        run_case(t);
}

/* A dense case: weights (in, out) of scale ws, bias of scale 0.5. */
static void dense_case(const char *name, rshape xs, int out, double ws)
{
    if (!case_begin("dense", name))
        return;
    size_t in = (size_t)xs.c * xs.h * xs.w;
    tcase t = {.name = name, .k = K_DENSE, .xs = xs, .ys = {xs.n, out, 1, 1}, .x_scale = 1.0,
               .nw = in * out, .nb = (size_t)out};
    t.w = rand_array(t.nw, ws);
    t.b = rand_array(t.nb, 0.5);
    run_case(&t);
    free(t.w), free(t.b);
}

/* The GPU path's kernels (conv_tiled, gemv_tiled), forced on any device: shapes that are not
 * multiples of the tile (the device's tile, then a second context with an odd one), strides and
 * dilation in both directions (the input gradient gathers through the stride), K over several
 * tile depths, output channels over two tile rows; dense through the GEMV and the GEMM. */
static void tiled_run(const char *tag, int few)
{
    char n[16][128];
    int i = 0;
#define TN_(s) (snprintf(n[i], sizeof n[i], "tiled %s [%s]", s, tag), n[i++])
    /* few (quick mode: Oclgrind): the strided, dilated, padded and multi-tile cases only */
    if (!few)
        conv_case(TN_("conv 3x3 same w37 oc11 batch3"), 3, 5, 6, 37, 11, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0);
    if (!few)
        conv_case(TN_("conv 3x3 same s2 w33 oc9"), 2, 4, 7, 33, 9, 3, 3, 2, 2, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0);
    conv_case(TN_("conv 3x3 s2 dilation 2 asymmetric pads"), 2, 3, 11, 12, 5, 3, 3, 2, 2, 2, 2, PAD_EXPLICIT, 1, 1, 2, 1, 0, 3);
    if (!few)
        conv_case(TN_("conv 3x3 s(1,2) dilation (2,1) pads (0,2,1,0)"), 1, 3, 8, 11, 9, 3, 3, 1, 2, 2, 1, PAD_EXPLICIT, 1, 1, 0, 2, 1, 0);
    conv_case(TN_("conv 3x2 pads > window"), 1, 3, 5, 9, 5, 3, 2, 1, 1, 1, 1, PAD_EXPLICIT, 1, 1, 3, 0, 0, 2);
    if (!few)
        conv_case(TN_("conv 1x1 w17 oc20 batch2"), 2, 24, 3, 17, 20, 1, 1, 1, 1, 1, 1, PAD_VALID, 1, 0, 0, 0, 0, 0);
    conv_case(TN_("conv 3x3 c40 oc70 5x3"), 1, 40, 5, 3, 70, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0);
    if (!few)
        conv_case(TN_("depthwise 3x3 (not tiled: conv_dw on CPUs, else the reference)"), 1, 4, 6, 6, 4, 3, 3, 1, 1, 1, 1, PAD_SAME, 4, 1, 0, 0, 0, 0);
    /* dense: gemv_tiled below the plan's GEMM batch, conv_tiled's GEMM from it */
    int gb = ctx->plan.gemm_batch;
    struct { int n, in, h, w, out; double ws; } d[] = {
        {3, 17, 1, 1, 5, 0.5}, {2, 1000, 1, 1, 37, 0.1}, {1, 64, 3, 3, 10, 0.1}, {gb + 1, 70, 1, 1, 45, 0.2}};
    for (int k = 0; k < 4; k++) {
        if (few && (k == 0 || k == 2))
            continue;
        char dn[96];
        snprintf(dn, sizeof dn, "dense %dx%dx%d->%d batch %d (%s)", d[k].in, d[k].h, d[k].w,
                 d[k].out, d[k].n, d[k].n < gb ? "gemv" : "GEMM");
        dense_case(TN_(dn), (rshape){d[k].n, d[k].in, d[k].h, d[k].w}, d[k].out, d[k].ws);
    }
#undef TN_
}

static void tiled_cases(kernel_plan device_plan)
{
    kernel_plan saved = ctx->plan;
    ctx->plan = device_plan;
    ctx->plan.conv = ctx->plan.dense = KPATH_TILED;
    char tag[64];
    snprintf(tag, sizeof tag, "%dx%dx%d/%dx%d", ctx->plan.tm, ctx->plan.tn, ctx->plan.tk,
             ctx->plan.wm, ctx->plan.wn);
    int few = test_quick();
    if (few)
        test_quick_note("tiled kernels: 3 of 8 conv cases and 2 of 4 dense cases per tile");
    tiled_run(tag, few);
    ctx->plan = saved;
    /* a second context, forced onto an odd tile: 3 work-items along m, a 2-item batch block, the
     * GEMM from batch 2 (the override grammar of $CLVIS_KERNELS; its tile in the cache key) */
    if (!case_begin("conv", "tiled [odd tile]") && !case_begin("dense", "tiled [odd tile]"))
        return;
    clvis_ctx_options o = {0};
    o.log = test_log;
    o.kernels = "gpu,tile=12x8x5/4x2,gemv=3x4/2,gemm-batch=2";
    clvis_ctx *main_ctx = ctx, *odd = NULL;
    clvis_status st = clvis_ctx_create(&o, &odd);
    test_result("context with tile=12x8x5/4x2", st == CLVIS_OK && odd->plan.tm == 12 &&
                    odd->plan.tk == 5 && odd->plan.gv_nb == 2 && odd->plan.conv == KPATH_TILED &&
                    strstr(odd->build_opts, "-DCT_TM=12 -DCT_TN=8 -DCT_TK=5") != NULL,
                st ? clvis_last_error() : odd->build_opts);
    if (st)
        return;
    unsigned char k1[32], k2[32];
    program_cache_key(main_ctx, k1);
    program_cache_key(odd, k2);
    test_result("the tile is part of the kernel cache key", memcmp(k1, k2, 32) != 0, "keys differ");
    ctx = odd;
    tiled_run("12x8x5/4x2", few);
    ctx = main_ctx;
    clvis_ctx_destroy(odd);
}

static cl_mem upload_f(const void *v, size_t bytes)
{
    cl_mem m = NULL;
    if (buffer_create(ctx, bytes, &m) || buffer_write(ctx, m, 0, bytes, v))
        m = NULL;
    return m;
}

static void release_all(cl_mem *m, int n)
{
    for (int i = 0; i < n; i++)
        if (m[i])
            clReleaseMemObject(m[i]);
}

/* kernels/ascent.cl: the one-hot seed (exact), the preprocessing map and the RMS step vs the
 * double reference. The step's sum of squares is a float pair: its norm must be within 1.5e-7
 * of the double one over 67500 values spanning 6 decades (plain float partials are not). */
static void ascent_checks(void)
{
    const char *l1 = "ascent seed: one-hot per item, padding item zero";
    if (case_begin("ascent", l1)) {
        enum { B = 3, C = 5, HW = 7 };
        int unit[B] = {2, -1, 4};
        float val[B] = {0.25f, 9.0f, -1.0f / 7.0f}, *got = malloc(B * C * HW * sizeof *got);
        cl_mem m[3] = {upload_f(unit, sizeof unit), upload_f(val, sizeof val), NULL};
        buffer_create(ctx, B * C * HW * sizeof(float), &m[2]);
        tensor dy = {m[2], 0, B, C, 1, HW};
        clvis_status st = m[0] && m[1] && m[2] ? ascent_seed(ctx, dy, m[0], m[1]) : CLVIS_ERR_OPENCL;
        if (!st)
            st = buffer_read(ctx, m[2], 0, B * C * HW * sizeof(float), got);
        int bad = st != CLVIS_OK;
        for (int i = 0; !bad && i < B * C * HW; i++) {
            int b = i / (C * HW), c = i / HW % C;
            bad = got[i] != (c == unit[b] ? val[b] : 0.0f);
        }
        test_check(l1, !bad, st ? clvis_last_error() : "every value exact");
        /* the unit channels only: scaled in between (what the backward pass does), rewritten */
        const char *l2 = "ascent seed on the unit channels only, the rest kept";
        for (int i = 0; i < B * C * HW; i++)
            got[i] = (float)i;
        if (!st)
            st = buffer_write(ctx, m[2], 0, B * C * HW * sizeof(float), got);
        if (!st)
            st = ascent_seed_unit(ctx, dy, m[0], m[1]);
        if (!st)
            st = buffer_read(ctx, m[2], 0, B * C * HW * sizeof(float), got);
        bad = st != CLVIS_OK;
        for (int i = 0; !bad && i < B * C * HW; i++) {
            int b = i / (C * HW), c = i / HW % C;
            bad = got[i] != (c == unit[b] ? val[b] : (float)i);
        }
        test_check(l2, !bad, st ? clvis_last_error() : "every value exact");
        release_all(m, 3);
        free(got);
    }
    /* the preprocessing map: caffe-like (channels reversed, per-channel scale and offset), and
     * one channel */
    for (int nc = 3; nc >= 1; nc -= 2) {
        char l[96];
        snprintf(l, sizeof l, "ascent preprocessing map, %d channel%s", nc, nc > 1 ? "s" : "");
        if (!case_begin("ascent", l))
            continue;
        const int B = 2, HW = 11, n = B * nc * HW;
        ascent_map map = {nc, {nc == 3 ? 2 : 0, 1, 0}, {1.0f / 127.5f, 2.0f, 0.5f},
                          {-1.0f, -116.779f, 3.0f}};
        double *x = rand_array((size_t)n, 200.0), *want = malloc(n * sizeof *want);
        float *xf = malloc(n * sizeof *xf), *got = malloc(n * sizeof *got);
        for (int i = 0; i < n; i++)
            xf[i] = (float)x[i];
        for (int b = 0; b < B; b++)
            for (int c = 0; c < nc; c++)
                for (int p = 0; p < HW; p++)
                    want[(b * nc + c) * HW + p] =
                        x[(b * nc + map.src[c]) * HW + p] * map.scale[c] + map.offset[c];
        cl_mem m[2] = {upload_f(xf, n * sizeof *xf), NULL};
        buffer_create(ctx, n * sizeof(float), &m[1]);
        tensor y = {m[1], 0, B, nc, 1, HW};
        clvis_status st = m[0] && m[1] ? ascent_pre(ctx, y, m[0], &map) : CLVIS_ERR_OPENCL;
        if (!st)
            st = buffer_read(ctx, m[1], 0, n * sizeof(float), got);
        if (st)
            test_fail(l, clvis_last_error());
        else
            test_compare_fd(l, got, want, (size_t)n, 1e-6);
        release_all(m, 2);
        free(x), free(want), free(xf), free(got);
    }
    /* the step on 2 items of a batch of 3 (the third is left alone), 150x150x3 (quick: 31x37) */
    {
        const char *l = "ascent RMS step";
        if (case_begin("ascent", l)) {
            const int B = 3, nb = 2, nc = 3, HW = test_quick() ? 31 * 37 : 150 * 150;
            const size_t n = (size_t)B * nc * HW;
            ascent_map map = {nc, {2, 1, 0}, {1.0f / 127.5f, 0.75f, 1.0f}, {0, 0, 0}};
            double *g = malloc(n * sizeof *g), *x = rand_array(n, 30.0), norm[3];
            float *gf = malloc(n * sizeof *gf), *xf = malloc(n * sizeof *xf),
                  *got = malloc(n * sizeof *got), ngot[3];
            for (size_t i = 0; i < n; i++) { /* 6 decades of magnitude */
                gf[i] = (float)(urand() * pow(10.0, 3.0 * urand()));
                g[i] = gf[i];
                xf[i] = (float)x[i];
            }
            double scale[3] = {map.scale[0], map.scale[1], map.scale[2]};
            ref_ascent_step(x, norm, g, nb, nc, HW, map.src, scale, 1.5);
            cl_mem m[4] = {upload_f(xf, n * sizeof *xf), upload_f(gf, n * sizeof *gf), NULL,
                           NULL};
            buffer_create(ctx, B * sizeof(float), &m[2]);
            buffer_create(ctx, (size_t)nb * ASCENT_PARTS * 2 * sizeof(float), &m[3]);
            tensor gt = {m[1], 0, B, nc, 1, HW};
            clvis_status st = m[0] && m[1] && m[2] && m[3]
                                  ? ascent_norm(ctx, m[2], m[3], gt, nb, &map)
                                  : CLVIS_ERR_OPENCL;
            if (!st)
                st = ascent_step(ctx, m[0], gt, m[2], nb, &map, 1.5f);
            if (!st)
                st = buffer_read(ctx, m[0], 0, n * sizeof(float), got);
            if (!st)
                st = buffer_read(ctx, m[2], 0, nb * sizeof(float), ngot);
            if (st)
                test_fail(l, clvis_last_error());
            else {
                double e = 0;
                for (int b = 0; b < nb; b++)
                    e = fmax(e, fabs(ngot[b] - norm[b]) / norm[b]);
                /* the pair's three roundings (mean, sqrt, + 1e-5) stay under 1.5e-7; the same
                 * partial sums without their low parts measured 2.2e-7 here */
                test_checkf(e <= 1.5e-7, "%s: norm within 1.5e-7 of the double sum (rel %.3g)",
                            l, e);
                size_t per = (size_t)nc * HW;
                test_compare_fd("ascent RMS step: x of the stepped items", got, x, nb * per,
                                1e-6);
                test_check("ascent RMS step: the padding item untouched",
                           !memcmp(got + nb * per, xf + nb * per, per * sizeof *got),
                           "bit for bit");
            }
            tensor bad = {m[1], 0, B, 2, 1, HW};
            test_expect_error("ascent: a map of 3 channels on 2", ascent_norm(ctx, m[2], m[3],
                              bad, nb, &map), CLVIS_ERR_SHAPE);
            release_all(m, 4);
            free(g), free(x), free(gf), free(xf), free(got);
        }
    }
}

/* L(x) = sum over items b and pixels of dz[b] * z(x)[b][unit[b]]: the reference whose central
 * differences the one-channel input gradient must match. */
static double unit_loss(const double *x, rshape xs, const double *w, const double *b,
                        const rconv *cv, int oh, int ow, const int *unit, const double *dz,
                        double *ybuf)
{
    ref_conv2d(ybuf, x, xs, w, b, cv, oh, ow);
    double L = 0;
    for (int n = 0; n < xs.n; n++)
        for (int p = 0; unit[n] >= 0 && p < oh * ow; p++)
            L += dz[n * oh * ow + p] * ybuf[((size_t)n * cv->oc + unit[n]) * oh * ow + p];
    return L;
}

/* ascent_unit_forward / ascent_unit_backward: one output channel per item (the last item a
 * padding item, unit -1), vs the reference conv and the central differences of unit_loss. */
static void unit_conv_case(const char *name, int n, int c, int h, int w, int oc, int kh, int kw,
                           int sh, int sw, int dh, int dw, pad_mode mode, int groups, int act)
{
    if (!case_begin("ascent", name))
        return;
    window2d win = {kh, kw, sh, sw, dh, dw, 0, 0, 0, 0};
    int oh, ow;
    if (window_resolve(&win, mode, h, w, &oh, &ow)) {
        test_fail(name, clvis_last_error());
        return;
    }
    rshape xs = {n, c, h, w};
    rconv cv = {oc, kh, kw, sh, sw, dh, dw, win.pad_t, win.pad_b, win.pad_l, win.pad_r, groups};
    size_t nx = count(xs), nw = (size_t)oc * (c / groups) * kh * kw, ny = (size_t)n * oh * ow;
    double *x = rand_array(nx, 1.0), *wt = rand_array(nw, 0.5), *bs = rand_array(oc, 0.5);
    double *yfull = malloc((size_t)n * oc * oh * ow * sizeof *yfull);
    double *want_y = calloc(ny, sizeof *want_y), *want_dz = calloc(ny, sizeof *want_dz);
    double *dzd = malloc(ny * sizeof *dzd), *want_dx = malloc(nx * sizeof *want_dx);
    int *unit = malloc(n * sizeof *unit);
    float *val = malloc(n * sizeof *val), *got = malloc((nx > ny ? nx : ny) * sizeof *got);
    for (int b = 0; b < n; b++) {
        unit[b] = b == n - 1 && n > 1 ? -1 : (3 * b + 1) % oc;
        val[b] = (float)(0.5 + b);
    }
    ref_conv2d(yfull, x, xs, wt, bs, &cv, oh, ow);
    for (int b = 0; b < n; b++)
        for (int p = 0; unit[b] >= 0 && p < oh * ow; p++) {
            double z = yfull[((size_t)b * oc + unit[b]) * oh * ow + p], y = z, d = 1;
            if (act == ACT_RELU)
                y = z > 0 ? z : 0, d = z > 0;
            else if (act == ACT_TANH)
                y = tanh(z), d = 1 - y * y;
            else if (act == ACT_SIGMOID)
                y = 1 / (1 + exp(-z)), d = y * (1 - y);
            want_y[b * oh * ow + p] = y;
            want_dz[b * oh * ow + p] = val[b] * d;
        }
    for (size_t i = 0; i < ny; i++)
        dzd[i] = (float)(urand() * 2.0); /* the backward's own input */
    const double eps = 1e-3;
    for (size_t i = 0; i < nx; i++) {
        double keep = x[i];
        x[i] = keep + eps;
        double lp = unit_loss(x, xs, wt, bs, &cv, oh, ow, unit, dzd, yfull);
        x[i] = keep - eps;
        double lm = unit_loss(x, xs, wt, bs, &cv, oh, ow, unit, dzd, yfull);
        x[i] = keep;
        want_dx[i] = (lp - lm) / (2 * eps);
    }
    cl_mem um = NULL, vm = NULL, dzm = NULL, ym = NULL, dxm = NULL;
    cl_mem xm = upload_d(x, nx), wm = upload_d(wt, nw), bm = upload_d(bs, oc);
    cl_mem dzin = upload_d(dzd, ny);
    um = upload_f(unit, n * sizeof *unit);
    vm = upload_f(val, n * sizeof *val);
    buffer_create(ctx, ny * sizeof(float), &dzm);
    buffer_create(ctx, ny * sizeof(float), &ym);
    buffer_create(ctx, nx * sizeof(float), &dxm);
    conv2d_params p = {win, oc, groups, (act_kind)act, 0.0f, NULL};
    tensor tx = {xm, 0, n, c, h, w}, tdz = {dzm, 0, n, 1, oh, ow}, ty = {ym, 0, n, 1, oh, ow};
    tensor tdzin = {dzin, 0, n, 1, oh, ow}, tdx = {dxm, 0, n, c, h, w};
    clvis_status st = xm && wm && bm && dzin && um && vm && dzm && ym && dxm
                          ? ascent_unit_forward(ctx, &p, tdz, ty, tx, wm, bm, um, vm)
                          : CLVIS_ERR_OPENCL;
    char l[200];
    snprintf(l, sizeof l, "%s: forward y", name);
    if (!st && !(st = buffer_read(ctx, ym, 0, ny * sizeof(float), got)))
        test_compare_fd(l, got, want_y, ny, 1e-5);
    snprintf(l, sizeof l, "%s: seed through the activation", name);
    if (!st && !(st = buffer_read(ctx, dzm, 0, ny * sizeof(float), got)))
        test_compare_fd(l, got, want_dz, ny, 1e-5);
    snprintf(l, sizeof l, "%s: input gradient vs finite differences", name);
    if (!st && !(st = ascent_unit_backward(ctx, &p, tdx, tdzin, oc, wm, um)) &&
        !(st = buffer_read(ctx, dxm, 0, nx * sizeof(float), got)))
        test_compare_fd(l, got, want_dx, nx, 1e-4);
    if (st)
        test_fail(name, clvis_last_error());
    cl_mem all[] = {xm, wm, bm, dzin, um, vm, dzm, ym, dxm};
    release_all(all, 9);
    free(x), free(wt), free(bs), free(yfull), free(want_y), free(want_dz), free(dzd);
    free(want_dx), free(unit), free(val), free(got);
}

int main(int argc, char **argv)
{
    if (argc > 2 || (argc == 2 && (!argv[1][0] || argv[1][0] == '-'))) {
        fprintf(stderr, "usage: test_ops [OP]   (OP: a part of an op name, e.g. conv)\n");
        return 2;
    }
    if (argc == 2) {
        op_filter = argv[1];
        int hits = 0;
        for (size_t k = 0; k < sizeof ops / sizeof *ops; k++)
            hits += strstr(ops[k], op_filter) != NULL;
        if (!hits) {
            fprintf(stderr, "test_ops: no op name contains '%s'; the ops are:", op_filter);
            for (size_t k = 0; k < sizeof ops / sizeof *ops; k++)
                fprintf(stderr, " %s", ops[k]);
            fprintf(stderr, "\n");
            return 2;
        }
    }
    int rc = test_open_ctx(&ctx);
    if (rc)
        return rc;
    /* the cases below test today's kernels (conv2d_fast, gemv_rows, ...) on every device; the
     * work-group tiled ones (the GPU path, src/cl/select.c) have their own section */
    const kernel_plan device_plan = ctx->plan;
    printf("kernels: %s\n", clvis_ctx_kernels(ctx));
    ctx->plan.conv = ctx->plan.dense = KPATH_CPU;
    /* conv2d: odd sizes, stride 1/2, 1x1/3x3/5x5, same/valid, C = 1/3/64, batch 1/3, groups */
    conv_case("conv 3x3 valid c3 7x9", 1, 3, 7, 9, 4, 3, 3, 1, 1, 1, 1, PAD_VALID, 1, 1, 0, 0, 0, 0);
    conv_case("conv 5x5 same s2 c1 8x8 batch3", 3, 1, 8, 8, 2, 5, 5, 2, 2, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0);
    conv_case("conv 1x1 c64 5x6", 1, 64, 5, 6, 8, 1, 1, 1, 1, 1, 1, PAD_VALID, 1, 1, 0, 0, 0, 0);
    conv_case("conv 3x3 same s2 c3 odd 9x7", 2, 3, 9, 7, 5, 3, 3, 2, 2, 1, 1, PAD_SAME, 1, 0, 0, 0, 0, 0);
    conv_case("conv 3x3 same dilation 2", 1, 3, 11, 10, 4, 3, 3, 1, 1, 2, 2, PAD_SAME, 1, 1, 0, 0, 0, 0);
    conv_case("depthwise 3x3 same s2", 2, 6, 9, 7, 6, 3, 3, 2, 2, 1, 1, PAD_SAME, 6, 1, 0, 0, 0, 0);
    conv_case("depthwise multiplier 2", 1, 4, 6, 6, 8, 3, 3, 1, 1, 1, 1, PAD_SAME, 4, 1, 0, 0, 0, 0);
    conv_case("conv groups 2 explicit pads", 1, 4, 6, 7, 6, 3, 3, 1, 2, 1, 1, PAD_EXPLICIT, 2, 1, 1, 2, 0, 1);
    conv_case("conv 4x4 same_lower s2 10x9 (odd pad first)", 2, 3, 10, 9, 4, 4, 4, 2, 2, 1, 1, PAD_SAME_LOWER, 1, 1, 0, 0, 0, 0);
    conv_case("conv 3x3 s2 dilation 2 asymmetric pads", 2, 3, 11, 12, 5, 3, 3, 2, 2, 2, 2, PAD_EXPLICIT, 1, 1, 2, 1, 0, 3);
    conv_case("depthwise 3x3 s2 dilation 2 asymmetric pads", 1, 4, 10, 9, 4, 3, 3, 2, 2, 2, 2, PAD_EXPLICIT, 4, 1, 1, 2, 2, 0);
    conv_case("conv 3x3 s(1,2) dilation (2,1) pads (0,2,1,0)", 1, 3, 8, 11, 9, 3, 3, 1, 2, 2, 1, PAD_EXPLICIT, 1, 1, 0, 2, 1, 0);
    conv_case("conv 3x3 c64 batch 3", 3, 64, 6, 5, 16, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0);
    /* conv2d_fast (groups 1) edge handling: output widths not a multiple of its 16-pixel tile,
     * output channels not a multiple of its 8-channel block, batch 3, stride 2, 1x1, dilation,
     * pads wider than the window (the input gradient then crops dy), exact tiles. */
    conv_case("fast conv 3x3 same w37 oc11 batch3", 3, 5, 6, 37, 11, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0);
    conv_case("fast conv 3x3 same s2 w33 oc9", 2, 4, 7, 33, 9, 3, 3, 2, 2, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0);
    conv_case("fast conv 1x1 w17 oc20 batch2", 2, 24, 3, 17, 20, 1, 1, 1, 1, 1, 1, PAD_VALID, 1, 1, 0, 0, 0, 0);
    conv_case("fast conv 3x3 valid exact tiles 16->16", 1, 16, 5, 18, 16, 3, 3, 1, 1, 1, 1, PAD_VALID, 1, 0, 0, 0, 0, 0);
    conv_case("fast conv 3x2 pads > window", 1, 3, 5, 9, 5, 3, 2, 1, 1, 1, 1, PAD_EXPLICIT, 1, 1, 3, 0, 0, 2);
    conv_case("fast conv 3x3 dilation 2 w20 oc10", 1, 3, 7, 20, 10, 3, 3, 1, 1, 2, 2, PAD_SAME, 1, 1, 0, 0, 0, 0);
    conv_case("fast conv 5x5 s(2,1) w19 oc3", 2, 2, 9, 19, 3, 5, 5, 2, 1, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0);
    conv_case("fast conv 3x3 c160 oc17 w3", 1, 160, 4, 3, 17, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0);
    /* conv2d_3x3 (3x3 same or valid, stride 1, outputs >= 16 wide: no padded copy;
     * $CLVIS_CONV_PAD=copy forces the copy, test_ops_conv_padcopy): one tile touching both
     * borders, one row (no row above or below), two border tiles and a batch (the first and
     * last images' guarded rows), interior tiles, ragged last tiles moved left (OW % 16 = 5
     * and 15); valid: exact and ragged tiles (the input gradient, padded by 2, takes the copy);
     * two-row tiles (conv2d_3x3_r2, where OH >= 2; $CLVIS_CONV_ROWS=1 forces one row,
     * test_ops_conv_rows1): OH odd (the last pair moved up one row) same and valid, a pair
     * with no row above and none below, a pair guarded at both ends of the tensor;
     * forced, as other devices (GPUs, Oclgrind) take the tiled kernels by default. */
    int saved_impl = ctx->conv_impl;
    ctx->conv_impl = CLVIS_CONV_FAST;
    conv_case("3x3 same conv w16 h1 oc8 batch2", 2, 3, 1, 16, 8, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0);
    conv_case("3x3 same conv w32 h2 oc13 batch4", 4, 9, 2, 32, 13, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0);
    conv_case("3x3 same conv w64 h5 c17 oc16 batch3", 3, 17, 5, 64, 16, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0);
    conv_case("3x3 same conv w21 h3 oc9", 1, 5, 3, 21, 9, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 0, 0, 0, 0, 0);
    conv_case("3x3 same conv w47 h4 oc24 batch2", 2, 6, 4, 47, 24, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0);
    conv_case("3x3 valid conv w18 h4 oc8 batch2", 2, 4, 4, 18, 8, 3, 3, 1, 1, 1, 1, PAD_VALID, 1, 1, 0, 0, 0, 0);
    conv_case("3x3 valid conv w40 h6 c11 oc20 batch3", 3, 11, 6, 40, 20, 3, 3, 1, 1, 1, 1, PAD_VALID, 1, 1, 0, 0, 0, 0);
    conv_case("3x3 same conv w16 h3 oc8 (one pair, both guarded ends)", 1, 4, 3, 16, 8, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0);
    conv_case("3x3 same conv w35 h7 c6 oc10 batch2", 2, 6, 7, 35, 10, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0);
    conv_case("3x3 valid conv w20 h7 c5 oc9 batch2", 2, 5, 7, 20, 9, 3, 3, 1, 1, 1, 1, PAD_VALID, 1, 1, 0, 0, 0, 0);
    ctx->conv_impl = saved_impl;
    /* conv2d_blk (packed weights, 16 channels x 6 or 7 pixels per work-item, borders in edge
     * tiles) with each tile (clvis_ctx_options.conv_blk_px) and conv2d_fast, each forced
     * (clvis_ctx_options.conv) on the same shapes: widths not a multiple of 6, 7 or 16,
     * channels not a multiple of 16, Keras VALID / SAME, ONNX SAME_LOWER and explicit
     * asymmetric pads, pads wider than the window (the input gradient then crops dy), strides 2
     * and (2, 1), dilation, 1x1 and 5x5, exact tiles, batch 3, many input channels. */
    for (int impl = 0; impl < 3; impl++) {
        ctx->conv_impl = impl == 2 ? CLVIS_CONV_FAST : CLVIS_CONV_BLK;
        ctx->conv_blk_px = impl == 0 ? 6 : impl == 1 ? 7 : 0;
        const char *sfx = impl == 0 ? " [blk6]" : impl == 1 ? " [blk7]" : " [fast]";
        static const struct {
            const char *name;
            int n, c, h, w, oc, kh, kw, sh, sw, dh, dw;
            pad_mode mode;
            int bias, pt, pb, pl, pr;
        } bc[] = {
            {"conv 3x3 same w37 oc20 batch3", 3, 5, 6, 37, 20, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 0, 0, 0, 0},
            {"conv 3x3 valid w13 oc16 c17", 1, 17, 5, 13, 16, 3, 3, 1, 1, 1, 1, PAD_VALID, 1, 0, 0, 0, 0},
            {"conv 3x3 same exact tiles w12 oc32", 1, 8, 4, 12, 32, 3, 3, 1, 1, 1, 1, PAD_SAME, 0, 0, 0, 0, 0},
            {"conv 4x4 same_lower s2 w15 oc18", 2, 6, 9, 15, 18, 4, 4, 2, 2, 1, 1, PAD_SAME_LOWER, 1, 0, 0, 0, 0},
            {"conv 3x3 s2 w29 oc24", 1, 7, 8, 29, 24, 3, 3, 2, 2, 1, 1, PAD_SAME, 1, 0, 0, 0, 0},
            {"conv 5x5 s(2,1) w19 oc17", 2, 3, 9, 19, 17, 5, 5, 2, 1, 1, 1, PAD_SAME, 1, 0, 0, 0, 0},
            {"conv 3x3 dilation 2 w20 oc40", 1, 5, 7, 20, 40, 3, 3, 1, 1, 2, 2, PAD_SAME, 1, 0, 0, 0, 0},
            {"conv 3x2 pads > window oc19", 1, 18, 5, 9, 19, 3, 2, 1, 1, 1, 1, PAD_EXPLICIT, 1, 3, 0, 0, 2},
            {"conv 3x3 asymmetric pads (2,0,0,3) oc21", 1, 20, 6, 10, 21, 3, 3, 1, 1, 1, 1, PAD_EXPLICIT, 1, 2, 0, 0, 3},
            {"conv 1x1 w17 oc20 c24 batch2", 2, 24, 3, 17, 20, 1, 1, 1, 1, 1, 1, PAD_VALID, 1, 0, 0, 0, 0},
            {"conv 3x3 c160 oc17 w3", 1, 160, 4, 3, 17, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 0, 0, 0, 0},
            {"conv 3x3 c64 oc64 w14 (VGG block5-like)", 1, 64, 3, 14, 64, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 0, 0, 0, 0},
            {"conv 3x3 exact 7-px tiles w21 oc16 c16", 1, 16, 4, 21, 16, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 0, 0, 0, 0},
            /* a window wider than blk's 32-float row stage: its edge tiles read through selects */
            {"conv 3x3 dilation 14 w33 oc18", 1, 3, 30, 33, 18, 3, 3, 1, 1, 14, 14, PAD_SAME, 1, 0, 0, 0, 0},
        };
        for (size_t k = 0; k < sizeof bc / sizeof *bc; k++) {
            char nm[128];
            snprintf(nm, sizeof nm, "%s%s", bc[k].name, sfx);
            conv_case(nm, bc[k].n, bc[k].c, bc[k].h, bc[k].w, bc[k].oc, bc[k].kh, bc[k].kw,
                      bc[k].sh, bc[k].sw, bc[k].dh, bc[k].dw, bc[k].mode, 1, bc[k].bias,
                      bc[k].pt, bc[k].pb, bc[k].pl, bc[k].pr);
        }
        conv_relu_case(sfx);
    }
    ctx->conv_impl = CLVIS_CONV_AUTO;
    ctx->conv_blk_px = 0;
    wino_cases();
    conv_auto_choice_cases();
    /* The pixel-vector kernels (conv_dw.cl: depthwise forward and input gradient, the input
     * gradient of convs with <= 3 input channels) forced (clvis_ctx_options.conv = _DW), and the
     * same shapes through the reference kernels: widths not a multiple of their 8-pixel runs and
     * narrower than one, batch 2, strides 1, 2, 3 and (2, 1), Keras SAME at stride 2 (pads 0, 1),
     * ONNX SAME_LOWER and explicit asymmetric pads, pads wider than the window, dilation, depth
     * multipliers 1-3, 1x1 / 5x5 / 3x2 windows, 1-3 input channels (the few-channel gradient; 4: the other kernels). */
    for (int impl = 0; impl < 2; impl++) {
        ctx->conv_impl = impl ? CLVIS_CONV_REFERENCE : CLVIS_CONV_DW;
        const char *sfx = impl ? " [reference]" : " [dw]";
        static const struct {
            const char *name;
            int n, c, h, w, oc, kh, kw, sh, sw, dh, dw;
            pad_mode mode;
            int groups, bias, pt, pb, pl, pr;
        } dc[] = {
            {"depthwise 3x3 same w37 batch2", 2, 3, 6, 37, 3, 3, 3, 1, 1, 1, 1, PAD_SAME, 3, 1, 0, 0, 0, 0},
            {"depthwise 3x3 same s2 w32 (keras pads 0,1)", 1, 4, 8, 32, 4, 3, 3, 2, 2, 1, 1, PAD_SAME, 4, 1, 0, 0, 0, 0},
            {"depthwise 3x3 s2 w30 pads (1,0,1,0) batch2", 2, 3, 7, 30, 3, 3, 3, 2, 2, 1, 1, PAD_EXPLICIT, 3, 1, 1, 0, 1, 0},
            {"depthwise 3x3 same_lower s2 w17", 1, 2, 9, 17, 2, 3, 3, 2, 2, 1, 1, PAD_SAME_LOWER, 2, 0, 0, 0, 0, 0},
            {"depthwise 3x3 valid w19", 1, 3, 5, 19, 3, 3, 3, 1, 1, 1, 1, PAD_VALID, 3, 1, 0, 0, 0, 0},
            {"depthwise 3x3 w5 (narrower than a run)", 2, 2, 5, 5, 2, 3, 3, 1, 1, 1, 1, PAD_SAME, 2, 1, 0, 0, 0, 0},
            {"depthwise multiplier 3 5x5 s2 w23", 1, 2, 9, 23, 6, 5, 5, 2, 2, 1, 1, PAD_SAME, 2, 1, 0, 0, 0, 0},
            {"depthwise multiplier 2 3x3 w20 asymmetric pads (2,0,0,3)", 1, 3, 6, 20, 6, 3, 3, 1, 1, 1, 1, PAD_EXPLICIT, 3, 1, 2, 0, 0, 3},
            {"depthwise 3x3 dilation 2 w21", 1, 2, 8, 21, 2, 3, 3, 1, 1, 2, 2, PAD_SAME, 2, 1, 0, 0, 0, 0},
            {"depthwise 3x3 s2 dilation 2 w26", 1, 2, 11, 26, 2, 3, 3, 2, 2, 2, 2, PAD_SAME, 2, 1, 0, 0, 0, 0},
            {"depthwise 3x3 s3 w28", 1, 2, 10, 28, 2, 3, 3, 3, 3, 1, 1, PAD_SAME, 2, 1, 0, 0, 0, 0},
            {"depthwise 3x3 s(2,1) w18", 2, 2, 9, 18, 2, 3, 3, 2, 1, 1, 1, PAD_SAME, 2, 1, 0, 0, 0, 0},
            {"depthwise 3x2 pads > window w11", 1, 2, 5, 11, 2, 3, 2, 1, 1, 1, 1, PAD_EXPLICIT, 2, 1, 3, 0, 0, 2},
            {"depthwise 1x1 w9", 1, 3, 3, 9, 3, 1, 1, 1, 1, 1, 1, PAD_VALID, 3, 1, 0, 0, 0, 0},
            {"conv c3 oc10 3x3 same w37 batch2", 2, 3, 5, 37, 10, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0},
            {"conv c3 oc7 3x3 same s2 w28 (keras pads 0,1)", 1, 3, 8, 28, 7, 3, 3, 2, 2, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0},
            {"conv c3 oc5 3x3 s2 pads (1,0,1,0) w24", 1, 3, 7, 24, 5, 3, 3, 2, 2, 1, 1, PAD_EXPLICIT, 1, 1, 1, 0, 1, 0},
            {"conv c1 oc4 5x5 s(2,1) w19", 2, 1, 9, 19, 4, 5, 5, 2, 1, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0},
            {"conv c2 oc6 3x3 dilation 2 w13", 1, 2, 7, 13, 6, 3, 3, 1, 1, 2, 2, PAD_SAME, 1, 1, 0, 0, 0, 0},
            {"conv c3 oc9 3x3 s3 w20", 1, 3, 9, 20, 9, 3, 3, 3, 3, 1, 1, PAD_SAME, 1, 0, 0, 0, 0, 0},
            {"conv c4 oc6 3x3 same w13 (past conv2d_dxc: blk / fast / reference)", 1, 4, 5, 13, 6, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0},
            {"conv c2 oc5 3x3 same w6 (narrower than a run)", 2, 2, 4, 6, 5, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0},
            {"conv c3 oc5 3x2 pads > window w9", 1, 3, 5, 9, 5, 3, 2, 1, 1, 1, 1, PAD_EXPLICIT, 1, 1, 3, 0, 0, 2},
            {"conv c3 oc4 4x4 same_lower s2 w15", 2, 3, 9, 15, 4, 4, 4, 2, 2, 1, 1, PAD_SAME_LOWER, 1, 1, 0, 0, 0, 0},
        };
        for (size_t k = 0; k < sizeof dc / sizeof *dc; k++) {
            char nm[128];
            snprintf(nm, sizeof nm, "%s%s", dc[k].name, sfx);
            conv_case(nm, dc[k].n, dc[k].c, dc[k].h, dc[k].w, dc[k].oc, dc[k].kh, dc[k].kw,
                      dc[k].sh, dc[k].sw, dc[k].dh, dc[k].dw, dc[k].mode, dc[k].groups,
                      dc[k].bias, dc[k].pt, dc[k].pb, dc[k].pl, dc[k].pr);
        }
        static const struct {
            const char *name;
            int act;
            double act_max;
            int sh;
        } ac[] = {{"depthwise relu6 bias s2", ACT_RELU, 6.0, 2}, {"depthwise relu bias", ACT_RELU, 0.0, 1},
                  {"depthwise sigmoid bias s2", ACT_SIGMOID, 0.0, 2}, {"depthwise tanh bias", ACT_TANH, 0.0, 1}};
        for (size_t k = 0; k < sizeof ac / sizeof *ac; k++) {
            char nm[128];
            snprintf(nm, sizeof nm, "%s%s", ac[k].name, sfx);
            conv_dw_act_case(nm, ac[k].act, ac[k].act_max, ac[k].sh);
        }
    }
    ctx->conv_impl = CLVIS_CONV_AUTO;
    /* the same shapes through the reference kernels (clvis_ctx_options.conv) and both tile
     * orders of the fast one (clvis_ctx_options.conv_order) */
    ctx->conv_impl = CLVIS_CONV_REFERENCE;
    conv_case("conv 3x3 same w37 oc11 batch3 [reference kernels]", 3, 5, 6, 37, 11, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0);
    ctx->conv_impl = CLVIS_CONV_AUTO;
    ctx->conv_order = CLVIS_ORDER_CHANNELS_INNER;
    conv_case("fast conv 3x3 c160 oc17 w3 [channels inner]", 1, 160, 4, 3, 17, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 1, 0, 0, 0, 0);
    ctx->conv_order = CLVIS_ORDER_PIXELS_INNER;
    conv_case("fast conv 1x1 w17 oc20 batch2 [pixels inner]", 2, 24, 3, 17, 20, 1, 1, 1, 1, 1, 1, PAD_VALID, 1, 1, 0, 0, 0, 0);
    ctx->conv_order = CLVIS_ORDER_AUTO;

    /* dense: the row path (CPU default) and the column path (GPU default), both everywhere */
    for (int path = 0; path < 2; path++) {
        ctx->dense_impl = path ? CLVIS_DENSE_COLUMNS : CLVIS_DENSE_ROWS;
        const char *pn = path ? " [columns]" : " [rows]";
        char n1[96], n2[96], n3[96], n4[96], n5[96];
        snprintf(n1, sizeof n1, "dense 17->5 batch 3%s", pn);
        snprintf(n2, sizeof n2, "dense 1000->37 batch 3%s", pn);
        snprintf(n3, sizeof n3, "dense from 4-D 64x3x3->10%s", pn);
        /* the row path by 8 items (gemv_rows8, from batch 2; $CLVIS_GEMV=1 forces one item per
         * work-item, test_ops_gemv1): a group and a partial one, an exact group */
        snprintf(n4, sizeof n4, "dense 1000->21 batch 11%s", pn);
        snprintf(n5, sizeof n5, "dense 48->9 batch 8%s", pn);
        dense_case(n1, (rshape){3, 17, 1, 1}, 5, 0.5);
        dense_case(n2, (rshape){3, 1000, 1, 1}, 37, 0.1);
        dense_case(n3, (rshape){1, 64, 3, 3}, 10, 0.1);
        dense_case(n4, (rshape){11, 1000, 1, 1}, 21, 0.1);
        dense_case(n5, (rshape){8, 48, 1, 1}, 9, 0.3);
    }
    ctx->dense_impl = CLVIS_DENSE_AUTO;
    tiled_cases(device_plan);
    /* activations */
    rshape as = {2, 5, 3, 4};
    act_case("linear", ACT_LINEAR, 0, 1.0, as);
    act_case("relu", ACT_RELU, 0, 1.0, as);
    act_case("relu6 (max_value)", ACT_RELU, 6.0, 9.0, as);
    act_case("relu 2x3x5x7 (odd count: act_bwd4's tail)", ACT_RELU, 0, 1.0, (rshape){2, 3, 5, 7});
    act_case("relu6 3x1x3x3 (odd count)", ACT_RELU, 6.0, 9.0, (rshape){3, 1, 3, 3});
    act_case("sigmoid 1x1x1x7 (odd count)", ACT_SIGMOID, 0, 4.0, (rshape){1, 1, 1, 7});
    act_case("sigmoid", ACT_SIGMOID, 0, 4.0, as);
    act_case("tanh", ACT_TANH, 0, 2.0, as);
    act_case("softmax over channels", ACT_SOFTMAX, 0, 3.0, as);
    act_case("softmax 1000 classes", ACT_SOFTMAX, 0, 3.0, (rshape){2, 1000, 1, 1});
    /* standalone activation layers (act_forward_p / act_backward_p, gradient through x) */
    act_case_p("leaky relu alpha 0.1", ACT_LEAKY, 0.1, 0, 2.0, as);
    act_case_p("hard sigmoid alpha 0.2 beta 0.5", ACT_HARDSIGMOID, 0.2, 0.5, 4.0, as);
    act_case_p("hard sigmoid alpha 1/6 beta 0.5 (ONNX HardSwish's)", ACT_HARDSIGMOID, 1.0 / 6,
               0.5, 5.0, as);
    act_case_p("hard swish", ACT_HARDSWISH, 0, 0, 5.0, as);
    act_case_p("clip [-0.5, 1.5]", ACT_CLIP, -0.5, 1.5, 2.0, as);
    act_case_p("clip [0, inf)", ACT_CLIP, 0, INFINITY, 2.0, as);
    act_case_p("elu alpha 1.3", ACT_ELU, 1.3, 0, 2.0, as);
    act_case_p("softplus", ACT_SOFTPLUS, 0, 0, 6.0, as);
    act_case_p("log-softmax over channels", ACT_LOGSOFTMAX, 0, 0, 3.0, as);
    act_case_p("log-softmax 1000 classes", ACT_LOGSOFTMAX, 0, 0, 3.0, (rshape){2, 1000, 1, 1});
    {
        const char *l = "act_forward refuses the standalone activations";
        if (case_begin("act", l)) {
            tensor y = {NULL, 0, 1, 1, 1, 1};
            test_expect_error(l, act_forward(ctx, y, ACT_HARDSWISH, 0.0f), CLVIS_ERR_INVALID_ARG);
        }
    }
    /* pools */
    pool_case("maxpool 2x2 s2 valid 7x9", 1, 1, 3, 7, 9, 2, 2, PAD_VALID);
    pool_case("maxpool 2x2 s2 valid 10x17 batch 2 (row kernels: vectors + tail, odd width)", 1,
              2, 3, 10, 17, 2, 2, PAD_VALID);
    pool_case("maxpool 2x2 s2 valid 9x8 (row kernels: odd height)", 1, 1, 2, 9, 8, 2, 2,
              PAD_VALID);
    pool_act_case("maxpool 2x2 of relu 12x16 batch 2 (gradient fused)", ACT_RELU, 0,
                  (rshape){2, 3, 12, 16});
    pool_act_case("maxpool 2x2 of relu6 11x13 (gradient fused, odd sizes)", ACT_RELU, 6.0,
                  (rshape){1, 2, 11, 13});
    pool_act_case("maxpool 2x2 of tanh 8x10 (gradient fused)", ACT_TANH, 0, (rshape){1, 2, 8, 10});
    {
        const char *l = "maxpool_backward_act refuses a 3x3 pool";
        if (case_begin("maxpool", l)) {
            pool2d_params p3 = {{3, 3, 3, 3, 1, 1, 0, 0, 0, 0}, 0, 0};
            tensor x9 = {NULL, 0, 1, 1, 9, 9}, y3 = {NULL, 0, 1, 1, 3, 3};
            test_expect_error(l, maxpool_backward_act(ctx, &p3, x9, y3, x9, ACT_RELU, 0.0f, 0),
                              CLVIS_ERR_INVALID_ARG);
        }
    }
    pool_case("maxpool 3x3 s2 same 8x8 batch3", 1, 3, 2, 8, 8, 3, 2, PAD_SAME);
    pool_case("maxpool 3x3 s1 same 5x6", 1, 1, 2, 5, 6, 3, 1, PAD_SAME);
    pool_case("maxpool 2x2 s2 same 7x7 batch 2 (disjoint, padded)", 1, 2, 3, 7, 7, 2, 2, PAD_SAME);
    pool_case("maxpool 3x3 s3 valid 10x11 (disjoint, uncovered edge)", 1, 1, 2, 10, 11, 3, 3,
              PAD_VALID);
    pool_case("avgpool 3x3 s2 same 7x7", 0, 2, 3, 7, 7, 3, 2, PAD_SAME);
    pool_case("avgpool 2x2 s2 valid 5x5", 0, 1, 4, 5, 5, 2, 2, PAD_VALID);
    /* window2d = {kh, kw, sh, sw, dh, dw, pad_t, pad_b, pad_l, pad_r} */
    pool_case_win("maxpool 3x3 s2 dilation 2 pads (1,0,0,2) 11x10", 1, (rshape){2, 3, 11, 10},
                  (window2d){3, 3, 2, 2, 2, 2, 1, 0, 0, 2}, PAD_EXPLICIT, 0, 0);
    pool_case_win("maxpool 2x3 s(3,4) dilation (2,2) disjoint 12x13", 1, (rshape){1, 2, 12, 13},
                  (window2d){2, 3, 3, 5, 2, 2, 0, 0, 0, 0}, PAD_VALID, 0, 0);
    pool_case_win("maxpool 3x3 s2 ceil_mode 8x9", 1, (rshape){2, 2, 8, 9},
                  (window2d){3, 3, 2, 2, 1, 1, 0, 0, 0, 0}, PAD_VALID, 1, 0);
    pool_case_win("maxpool 2x2 s2 ceil_mode disjoint pads (1,0,1,0) 6x7", 1,
                  (rshape){1, 3, 6, 7}, (window2d){2, 2, 2, 2, 1, 1, 1, 0, 1, 0}, PAD_EXPLICIT,
                  1, 0);
    pool_case_win("maxpool 3x3 s1 same_lower 5x6", 1, (rshape){1, 2, 5, 6},
                  (window2d){3, 2, 1, 1, 1, 1, 0, 0, 0, 0}, PAD_SAME_LOWER, 0, 0);
    pool_case_win("avgpool 3x3 s2 pads (1,1,1,1) count_include_pad 7x8", 0,
                  (rshape){2, 3, 7, 8}, (window2d){3, 3, 2, 2, 1, 1, 1, 1, 1, 1}, PAD_EXPLICIT,
                  0, 1);
    pool_case_win("avgpool 3x3 s2 pads (1,1,1,1) excluding pads 7x8", 0, (rshape){2, 3, 7, 8},
                  (window2d){3, 3, 2, 2, 1, 1, 1, 1, 1, 1}, PAD_EXPLICIT, 0, 0);
    pool_case_win("avgpool 3x3 s2 ceil_mode count_include_pad pads (0,1,1,0) 8x9", 0,
                  (rshape){1, 2, 8, 9}, (window2d){3, 3, 2, 2, 1, 1, 0, 1, 1, 0}, PAD_EXPLICIT,
                  1, 1);
    pool_case_win("avgpool 2x2 s2 ceil_mode excluding pads 7x5", 0, (rshape){2, 2, 7, 5},
                  (window2d){2, 2, 2, 2, 1, 1, 0, 0, 0, 0}, PAD_VALID, 1, 0);
    pool_case_win("avgpool 3x2 s(1,2) dilation (2,1) pads (2,1,0,1) count_include_pad 9x8", 0,
                  (rshape){1, 2, 9, 8}, (window2d){3, 2, 1, 2, 2, 1, 2, 1, 0, 1}, PAD_EXPLICIT,
                  0, 1);
    {
        tcase t = {.name = "global avg pool", .k = K_GPOOL, .xs = {3, 4, 5, 3},
                   .ys = {3, 4, 1, 1}, .x_scale = 1.0};
        plain_case("avgpool", &t);
        t.name = "global max pool";
        t.is_max = 1;
        plain_case("maxpool", &t);
    }
    {
        tcase t = {.name = "zero padding (1,2,0,3)", .k = K_PAD, .xs = {2, 3, 4, 5},
                   .ys = {2, 3, 7, 8}, .pad = {1, 2, 0, 3}, .x_scale = 1.0};
        plain_case("zeropad", &t);
    }
    {
        tcase t = {.name = "batch norm (scale/shift)", .k = K_SCALE, .xs = {2, 5, 3, 3},
                   .ys = {2, 5, 3, 3}, .x_scale = 1.0, .nw = 5, .nb = 5};
        if (case_begin("scale_shift", t.name)) {
            t.w = rand_array(5, 2.0);
            t.b = rand_array(5, 1.0);
            run_case(&t);
            free(t.w), free(t.b);
        }
    }
    {
        tcase t = {.name = "add", .k = K_ADD, .xs = {2, 6, 3, 4}, .ys = {2, 3, 3, 4},
                   .x_scale = 1.0};
        plain_case("add", &t);
        tcase u = {.name = "concatenate 2+3 channels", .k = K_CONCAT, .xs = {2, 5, 3, 4},
                   .ys = {2, 5, 3, 4}, .c_split = 2, .x_scale = 1.0};
        plain_case("concat", &u);
        tcase f = {.name = "flatten (Keras order)", .k = K_RESHAPE, .xs = {2, 3, 4, 5},
                   .ys = {2, 60, 1, 1}, .x_scale = 1.0};
        plain_case("reshape", &f);
        tcase r = {.name = "reshape 4x5x3 -> 2x6x5", .k = K_RESHAPE, .xs = {1, 3, 4, 5},
                   .ys = {1, 5, 2, 6}, .x_scale = 1.0};
        plain_case("reshape", &r);
        tcase q = {.name = "plain reshape 3x4x5 -> 5x2x6 (NCHW order, ONNX)",
                   .k = K_RESHAPE_PLAIN, .xs = {2, 3, 4, 5}, .ys = {2, 5, 2, 6}, .x_scale = 1.0};
        plain_case("reshape", &q);
    }
    {
        tcase t = {.name = "prelu per-channel slopes", .k = K_PRELU, .xs = {2, 5, 3, 4},
                   .ys = {2, 5, 3, 4}, .x_scale = 1.0, .nw = 5};
        if (case_begin("prelu", t.name)) {
            t.w = rand_array(5, 1.0); /* negative slopes too */
            run_case(&t);
            free(t.w);
        }
    }
    /* elementwise binary ops with broadcasting: operand shapes as, bs (batch 2) */
    {
        static const char *const opn[] = {"add", "sub", "mul", "div"};
        struct {
            const char *what;
            rshape as, bs, ys;
        } bc[] = {
            {"equal shapes", {2, 3, 4, 5}, {2, 3, 4, 5}, {2, 3, 4, 5}},
            {"b per-channel", {2, 3, 4, 5}, {2, 3, 1, 1}, {2, 3, 4, 5}},
            {"a per-channel", {2, 3, 1, 1}, {2, 3, 4, 5}, {2, 3, 4, 5}},
            {"b scalar", {2, 3, 4, 5}, {2, 1, 1, 1}, {2, 3, 4, 5}},
            {"a scalar", {2, 1, 1, 1}, {2, 3, 4, 5}, {2, 3, 4, 5}},
            {"per-channel and scalar", {2, 6, 1, 1}, {2, 1, 1, 1}, {2, 6, 1, 1}},
        };
        for (int op = BIN_ADD; op <= BIN_DIV; op++)
            for (size_t k = 0; k < sizeof bc / sizeof *bc; k++) {
                char name[96];
                snprintf(name, sizeof name, "binary %s, %s", opn[op], bc[k].what);
                tcase t = {.name = name, .k = K_BINARY, .bop = (bin_op)op, .as = bc[k].as,
                           .bs = bc[k].bs, .ys = bc[k].ys, .x_scale = 1.0,
                           .x_min_abs = op == BIN_DIV ? 0.5 : 0.0};
                t.xs = (rshape){1, (int)(count(t.as) + count(t.bs)), 1, 1};
                plain_case("binary", &t);
            }
        for (int op = BIN_ADD; op <= BIN_DIV; op++) {
            char name[96];
            snprintf(name, sizeof name, "binary %s of one tensor with itself (x %s x)", opn[op],
                     opn[op]);
            tcase t = {.name = name, .k = K_BINARY, .bop = (bin_op)op, .as = {2, 3, 4, 5},
                       .bs = {2, 3, 4, 5}, .ys = {2, 3, 4, 5}, .xs = {2, 3, 4, 5}, .same = 1,
                       .x_scale = 1.0, .x_min_abs = op == BIN_DIV ? 0.5 : 0.0};
            plain_case("binary", &t);
        }
        const char *l = "binary of shapes that do not broadcast";
        if (case_begin("binary", l)) {
            tensor a = {NULL, 0, 1, 3, 4, 5}, b = {NULL, 0, 1, 3, 4, 1};
            test_expect_error(l, binary_forward(ctx, BIN_MUL, a, a, b), CLVIS_ERR_SHAPE);
        }
    }
    /* bad input: shapes that do not fit are refused with a message */
    {
        conv2d_params p = {.win = {3, 3, 1, 1, 1, 1, 0, 0, 0, 0}, .out_c = 4, .groups = 3};
        tensor x = {NULL, 0, 1, 4, 5, 5}, y = {NULL, 0, 1, 4, 3, 3};
        const char *l1 = "conv with channels not divisible by groups";
        if (case_begin("conv", l1))
            test_expect_error(l1, conv2d_forward(ctx, &p, y, x, NULL, NULL), CLVIS_ERR_SHAPE);
        window2d win = {5, 5, 1, 1, 1, 1, 0, 0, 0, 0};
        int oh, ow;
        const char *l2 = "5x5 valid window on a 3x3 input";
        if (case_begin("window", l2))
            test_expect_error(l2, window_resolve(&win, PAD_VALID, 3, 3, &oh, &ow),
                              CLVIS_ERR_SHAPE);
    }
    /* SAME_LOWER (ONNX auto_pad): SAME's size and total, the odd pixel before */
    {
        const char *l = "SAME_LOWER puts the odd padding pixel first";
        if (case_begin("window", l)) {
            int b1 = -1, a1 = -1, b2 = -1, a2 = -1;
            int o1 = window_axis(PAD_SAME, 8, 3, 2, 1, &b1, &a1);
            int o2 = window_axis(PAD_SAME_LOWER, 8, 3, 2, 1, &b2, &a2);
            int b3 = -1, a3 = -1, o3 = window_axis(PAD_SAME_LOWER, 7, 4, 1, 1, &b3, &a3);
            test_checkf(o1 == 4 && b1 == 0 && a1 == 1 && o2 == 4 && b2 == 1 && a2 == 0 &&
                            o3 == 7 && b3 == 2 && a3 == 1,
                        "%s: SAME 8/k3/s2 out %d pads %d,%d; SAME_LOWER out %d pads %d,%d; "
                        "SAME_LOWER 7/k4/s1 out %d pads %d,%d",
                        l, o1, b1, a1, o2, b2, a2, o3, b3, a3);
        }
    }
    /* ceil_mode's output sizes (PyTorch's rule) */
    {
        const char *l = "ceil_mode output sizes";
        if (case_begin("window", l)) {
            int b = 0, a = 0, o1 = window_axis_ceil(PAD_VALID, 8, 3, 2, 1, 1, &b, &a);
            int o2 = window_axis_ceil(PAD_VALID, 8, 3, 2, 1, 0, &b, &a);
            b = 1, a = 1;
            /* 5 + 2 pads, k2 s2: ceil gives 4 windows, the 4th would start at 6 = in + pad: 3 */
            int o3 = window_axis_ceil(PAD_EXPLICIT, 5, 2, 2, 1, 1, &b, &a);
            b = 0, a = 0;
            int o4 = window_axis_ceil(PAD_VALID, 7, 2, 2, 1, 1, &b, &a);
            int o5 = window_axis_ceil(PAD_SAME, 7, 2, 2, 1, 1, &b, &a);
            test_checkf(o1 == 4 && o2 == 3 && o3 == 3 && o4 == 4 && o5 == 4,
                        "%s: 8/k3/s2 ceil %d floor %d; 5+1+1/k2/s2 ceil %d; 7/k2/s2 ceil %d; "
                        "SAME 7/k2/s2 ceil %d (want 4 3 3 4 4)",
                        l, o1, o2, o3, o4, o5);
        }
    }
    ascent_checks();
    unit_conv_case("ascent one channel: conv 3x3 same relu batch 3", 3, 4, 6, 7, 5, 3, 3, 1, 1, 1,
                   1, PAD_SAME, 1, ACT_RELU);
    unit_conv_case("ascent one channel: conv 3x3 s2 valid linear", 2, 3, 9, 8, 4, 3, 3, 2, 2, 1, 1,
                   PAD_VALID, 1, ACT_LINEAR);
    unit_conv_case("ascent one channel: conv 3x3 dilation 2 tanh", 2, 2, 9, 9, 3, 3, 3, 1, 1, 2,
                   2, PAD_SAME, 1, ACT_TANH);
    unit_conv_case("ascent one channel: depthwise x2 s2 same relu", 3, 3, 7, 8, 6, 3, 3, 2, 2, 1,
                   1, PAD_SAME, 3, ACT_RELU);
    unit_conv_case("ascent one channel: conv 1x1 groups 2", 2, 4, 3, 5, 6, 1, 1, 1, 1, 1, 1,
                   PAD_VALID, 2, ACT_LINEAR);
    /* 3x3 stride 1 (ascent_unit_fwd3 / _bwd3 unless $CLVIS_ASCENT_UNIT=scalar): rows of
     * three 16-pixel tiles, the last ragged, valid and same; groups; exactly one tile; two
     * (border tiles built from their middle tap's vector, a neighbour on one side) */
    unit_conv_case("ascent one channel: conv 3x3 valid w37 relu batch 2", 2, 5, 5, 37, 7, 3, 3, 1,
                   1, 1, 1, PAD_VALID, 1, ACT_RELU);
    unit_conv_case("ascent one channel: conv 3x3 same w34 groups 2 sigmoid", 2, 6, 4, 34, 4, 3,
                   3, 1, 1, 1, 1, PAD_SAME, 2, ACT_SIGMOID);
    unit_conv_case("ascent one channel: conv 3x3 same w16 h16 c20 relu batch 3", 3, 20, 16, 16,
                   9, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, ACT_RELU);
    unit_conv_case("ascent one channel: conv 3x3 same w32 linear batch 2", 2, 3, 5, 32, 4, 3, 3,
                   1, 1, 1, 1, PAD_SAME, 1, ACT_LINEAR);
    clvis_ctx_destroy(ctx);
    return test_summary();
}

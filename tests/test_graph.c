/* test_graph.c — a small DAG (conv, depthwise, batch norm, relu6, add, concatenate, padding,
 * pools, flatten, dense + softmax) built with the graph API: forward vs the composed C reference,
 * the input gradient of a class score vs finite differences, and gradients at an intermediate
 * layer chaining to the same input gradient. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "ref_ops.h"
#include "testutil.h"

#define B 2
#define C0 3
#define H0 9

static unsigned rng = 99u;
static double urand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return ((rng >> 8) & 0xFFFFFF) / 16777216.0 * 2.0 - 1.0;
}

typedef struct {
    double w1[4 * 3 * 9], b1[4], wd[4 * 9], bd[4], gamma[4], beta[4], mean[4], var[4];
    double wp[4 * 4], bp[4], wf[72 * 5], bf[5];
} weights;

static void fill_rand(double *a, size_t n, double scale, double offset)
{
    for (size_t i = 0; i < n; i++)
        a[i] = (float)(urand() * scale + offset);
}

/* Reference forward of the whole DAG; returns the activations we compare. relu6_over: when not
 * NULL, relu6's output (B x 4 x H0 x H0) is replaced by it, as graph_write does. */
static void reference_over(const weights *w, const double *x, const double *relu6_over,
                           double *add_out, double *cat_out, double *out)
{
    rshape s0 = {B, C0, H0, H0}, s4 = {B, 4, H0, H0};
    size_t n4 = (size_t)B * 4 * H0 * H0;
    double *a1 = malloc(n4 * 8), *a2 = malloc(n4 * 8), *a3 = malloc(n4 * 8), *a5 = malloc(n4 * 8);
    double *pad = malloc((size_t)B * 8 * 10 * 10 * 8), *mp = malloc((size_t)B * 8 * 25 * 8);
    double *ap = malloc((size_t)B * 8 * 9 * 8), *fl = malloc((size_t)B * 72 * 8);
    rconv c1 = {4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    ref_conv2d(a1, x, s0, w->w1, w->b1, &c1, H0, H0);
    ref_act(a1, a1, s4, 1, 0);
    rconv cd = {4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4};
    ref_conv2d(a2, a1, s4, w->wd, w->bd, &cd, H0, H0);
    double sc[4], sh[4];
    for (int c = 0; c < 4; c++) {
        sc[c] = (float)(w->gamma[c] / sqrt(w->var[c] + 1e-3));
        sh[c] = (float)(w->beta[c] - w->mean[c] * (w->gamma[c] / sqrt(w->var[c] + 1e-3)));
    }
    ref_scale_shift(a3, a2, s4, sc, sh);
    ref_act(a3, a3, s4, 1, 6.0);
    if (relu6_over)
        memcpy(a3, relu6_over, n4 * 8);
    rconv cp = {4, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1};
    ref_conv2d(a5, a1, s4, w->wp, w->bp, &cp, H0, H0);
    for (size_t i = 0; i < n4; i++)
        add_out[i] = a3[i] + a5[i];
    size_t hw = H0 * H0;
    for (int n = 0; n < B; n++)
        for (int c = 0; c < 8; c++)
            for (size_t p = 0; p < hw; p++)
                cat_out[((size_t)n * 8 + c) * hw + p] =
                    c < 4 ? add_out[((size_t)n * 4 + c) * hw + p]
                          : a1[((size_t)n * 4 + c - 4) * hw + p];
    rshape s7 = {B, 8, H0, H0};
    ref_zeropad(pad, cat_out, s7, 0, 1, 0, 1);
    ref_pool(mp, pad, (rshape){B, 8, 10, 10}, 1, 2, 2, 2, 2, 0, 0, 5, 5);
    ref_pool(ap, mp, (rshape){B, 8, 5, 5}, 0, 3, 3, 2, 2, 1, 1, 3, 3);
    ref_reshape(fl, ap, (rshape){B, 8, 3, 3}, (rshape){B, 72, 1, 1});
    ref_dense(out, fl, B, 72, 5, w->wf, w->bf);
    ref_act(out, out, (rshape){B, 5, 1, 1}, 4, 0);
    free(a1), free(a2), free(a3), free(a5), free(pad), free(mp), free(ap), free(fl);
}

static void reference(const weights *w, const double *x, double *add_out, double *cat_out,
                      double *out)
{
    reference_over(w, x, NULL, add_out, cat_out, out);
}

static clvis_status upload(graph *g, int id, int slot, const double *d, size_t n)
{
    float *f = malloc(n * sizeof *f);
    for (size_t i = 0; i < n; i++)
        f[i] = (float)d[i];
    clvis_status st = graph_set_weight(g, id, slot, f, n);
    free(f);
    return st;
}

static clvis_status build(clvis_ctx *ctx, const weights *w, graph **out, int ids[13])
{
    graph *g;
    clvis_status st = graph_create(ctx, "dag", &g);
    if (st)
        return st;
    int in2[2];
#define T(x)                    \
    if ((st = (x))) {           \
        graph_destroy(g);       \
        return st;              \
    }
    T(graph_add_input(g, "input", (shape3){C0, H0, H0}, &ids[0]));
    T(graph_add_conv2d(g, "conv1", "Conv2D", ids[0], 4, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 1, ACT_RELU,
                       0, &ids[1]));
    T(graph_add_conv2d(g, "dw", "DepthwiseConv2D", ids[1], 4, 3, 3, 1, 1, 1, 1, PAD_SAME, 4, 1,
                       ACT_LINEAR, 0, &ids[2]));
    T(graph_add_batchnorm(g, "bn", ids[2], 1e-3f, &ids[3]));
    T(graph_add_act(g, "relu6", "ReLU", ids[3], ACT_RELU, 6.0f, &ids[4]));
    T(graph_add_conv2d(g, "pw", "Conv2D", ids[1], 4, 1, 1, 1, 1, 1, 1, PAD_VALID, 1, 1, ACT_LINEAR,
                       0, &ids[5]));
    in2[0] = ids[4], in2[1] = ids[5];
    T(graph_add_add(g, "add", in2, 2, &ids[6]));
    in2[0] = ids[6], in2[1] = ids[1];
    T(graph_add_concat(g, "concat", in2, 2, &ids[7]));
    T(graph_add_zeropad(g, "pad", ids[7], 0, 1, 0, 1, &ids[8]));
    T(graph_add_pool(g, "maxpool", 1, ids[8], 2, 2, 2, 2, PAD_VALID, &ids[9]));
    T(graph_add_pool(g, "avgpool", 0, ids[9], 3, 3, 2, 2, PAD_SAME, &ids[10]));
    T(graph_add_flatten(g, "flatten", "Flatten", ids[10], &ids[11]));
    T(graph_add_dense(g, "dense", ids[11], 5, 1, ACT_SOFTMAX, 0, &ids[12]));
    T(upload(g, ids[1], 0, w->w1, 4 * 3 * 9));
    T(upload(g, ids[1], 1, w->b1, 4));
    T(upload(g, ids[2], 0, w->wd, 4 * 9));
    T(upload(g, ids[2], 1, w->bd, 4));
    T(upload(g, ids[5], 0, w->wp, 16));
    T(upload(g, ids[5], 1, w->bp, 4));
    T(upload(g, ids[12], 0, w->wf, 72 * 5));
    T(upload(g, ids[12], 1, w->bf, 5));
    float gm[4], bt[4], mn[4], vr[4];
    for (int c = 0; c < 4; c++)
        gm[c] = (float)w->gamma[c], bt[c] = (float)w->beta[c], mn[c] = (float)w->mean[c],
        vr[c] = (float)w->var[c];
    T(graph_set_batchnorm(g, ids[3], gm, bt, mn, vr));
    T(graph_check(g));
#undef T
    *out = g;
    return CLVIS_OK;
}

static clvis_status read_t(graph *g, tensor t, float *dst)
{
    return buffer_read(g->ctx, t.mem, t.off * 4, tensor_count(t) * 4, dst);
}

/* ---- small graphs of the ONNX-facing ops: input -> a few nodes, forward vs a composed reference
 * and the input gradient of sum(r * out) vs its finite differences ----------------------------- */

typedef void (*small_ref)(const double *x, rshape xs, double *y, const void *user);

/* Runs g (input node 0, output node out) at batch xs.n, compares with ref. */
static void small_check(const char *label, graph *g, int out, rshape xs, small_ref ref,
                        const void *user)
{
    shape3 os = graph_node_shape(g, out);
    size_t nx = (size_t)xs.n * xs.c * xs.h * xs.w, ny = (size_t)xs.n * os.c * os.h * os.w;
    double *x = malloc(nx * 8), *y = malloc(ny * 8), *yp = malloc(ny * 8), *r = malloc(ny * 8);
    double *fd = malloc(nx * 8);
    float *xf = malloc(nx * 4), *yf = malloc(ny * 4), *rf = malloc(ny * 4), *gx = malloc(nx * 4);
    for (size_t i = 0; i < nx; i++)
        xf[i] = (float)(x[i] = (float)(urand() * 2.0));
    for (size_t i = 0; i < ny; i++)
        rf[i] = (float)(r[i] = (float)urand());
    ref(x, xs, y, user);
    char l[200];
    clvis_status st = graph_plan(g, xs.n);
    if (!st)
        st = graph_set_input(g, LAYOUT_NCHW, xf);
    if (!st)
        st = graph_forward(g, out);
    if (!st)
        st = graph_read(g, out, LAYOUT_NCHW, yf);
    snprintf(l, sizeof l, "%s: forward", label);
    if (st)
        test_fail(l, clvis_last_error());
    else
        test_compare_fd(l, yf, y, ny, 2e-5);
    double eps = 1e-6;
    for (size_t i = 0; i < nx; i++) {
        double keep = x[i], lp = 0, lm = 0;
        x[i] = keep + eps;
        ref(x, xs, yp, user);
        for (size_t k = 0; k < ny; k++)
            lp += r[k] * yp[k];
        x[i] = keep - eps;
        ref(x, xs, yp, user);
        for (size_t k = 0; k < ny; k++)
            lm += r[k] * yp[k];
        x[i] = keep;
        fd[i] = (lp - lm) / (2 * eps);
    }
    double fd_max = 0;
    for (size_t i = 0; i < nx; i++)
        fd_max = fmax(fd_max, fabs(fd[i]));
    test_checkf(fd_max > 1e-2, "%s: the gradient is not vanishing (max |fd| = %.3g > 1e-2)",
                label, fd_max);
    if (!st)
        st = graph_seed(g, out, LAYOUT_NCHW, rf);
    if (!st)
        st = graph_backward(g, out, 0, 0);
    if (!st)
        st = graph_read_grad(g, 0, LAYOUT_NCHW, gx);
    snprintf(l, sizeof l, "%s: input gradient vs finite differences", label);
    if (st)
        test_fail(l, clvis_last_error());
    else
        test_compare_fd(l, gx, fd, nx, 1e-4);
    free(x), free(y), free(yp), free(r), free(fd), free(xf), free(yf), free(rf), free(gx);
}

static clvis_status upload_rand(graph *g, int id, int slot, double *keep, double scale)
{
    size_t n = graph_weight_count(g, id, slot);
    float *f = malloc(n * sizeof *f);
    for (size_t i = 0; i < n; i++)
        f[i] = (float)(keep[i] = (float)(urand() * scale));
    clvis_status st = graph_set_weight(g, id, slot, f, n);
    free(f);
    return st;
}

/* conv with explicit asymmetric pads, stride 2 and dilation 2 */
typedef struct {
    rconv cv;
    double w[4 * 2 * 9], b[4];
} conv_win_ref;

static void ref_conv_win(const double *x, rshape xs, double *y, const void *user)
{
    const conv_win_ref *c = user;
    int oh = (xs.h + c->cv.pt + c->cv.pb - ((c->cv.kh - 1) * c->cv.dh + 1)) / c->cv.sh + 1;
    int ow = (xs.w + c->cv.pl + c->cv.pr - ((c->cv.kw - 1) * c->cv.dw + 1)) / c->cv.sw + 1;
    ref_conv2d(y, x, xs, c->w, c->b, &c->cv, oh, ow);
}

static void test_conv_win(clvis_ctx *ctx)
{
    graph *g;
    int in, cv;
    conv_win_ref c = {.cv = {4, 3, 3, 2, 2, 2, 2, 0, 2, 1, 0, 1}};
    window2d win = {.kh = 3, .kw = 3, .sh = 2, .sw = 2, .dh = 2, .dw = 2,
                    .pad_t = 0, .pad_b = 2, .pad_l = 1, .pad_r = 0};
    clvis_status st = graph_create(ctx, "conv_win", &g);
    if (!st)
        st = graph_add_input(g, "x", (shape3){2, 9, 8}, &in);
    if (!st)
        st = graph_add_conv2d_win(g, "conv", "Conv", in, 4, &win, PAD_EXPLICIT, 1, 1, ACT_LINEAR,
                                  0.0f, &cv);
    if (!st)
        st = upload_rand(g, cv, 0, c.w, 0.5);
    if (!st)
        st = upload_rand(g, cv, 1, c.b, 0.3);
    if (!st)
        st = graph_check(g);
    if (st) {
        test_fail("conv_win graph", clvis_last_error());
        graph_destroy(g);
        return;
    }
    shape3 s = graph_node_shape(g, cv);
    test_checkf(s.c == 4 && s.h == 4 && s.w == 3,
                "conv_win 3x3 s2 d2 pads (t0 b2 l1 r0) on 9x8: output %dx%dx%d (want 4x4x3)", s.c,
                s.h, s.w);
    small_check("conv_win asymmetric pads 9x8", g, cv, (rshape){2, 2, 9, 8}, ref_conv_win, &c);
    st = graph_set_input_size(g, 12, 11);
    s = graph_node_shape(g, cv);
    test_checkf(!st && s.h == 5 && s.w == 4,
                "conv_win keeps explicit pads across graph_set_input_size: 12x11 -> %dx%d (want 5x4)",
                s.h, s.w);
    small_check("conv_win asymmetric pads 12x11", g, cv, (rshape){1, 2, 12, 11}, ref_conv_win, &c);
    graph_destroy(g);
}

/* A conv that conv2d_blk runs (forced; on CPUs the automatic choice for 16 -> 16 channels at
 * 48 wide): its packed weights are kept by the node and must follow graph_set_weight, so the
 * second check, on new weights, fails if a stale packing is reused. */
typedef struct {
    rconv cv;
    double w[16 * 16 * 9], b[16];
} conv_blk_ref;

static void ref_conv_blk(const double *x, rshape xs, double *y, const void *user)
{
    const conv_blk_ref *c = user;
    ref_conv2d(y, x, xs, c->w, c->b, &c->cv, xs.h, xs.w);
}

static void test_conv_blk_repack(clvis_ctx *ctx)
{
    graph *g;
    int in, cv;
    static conv_blk_ref c = {.cv = {16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}};
    int keep_impl = ctx->conv_impl;
    ctx->conv_impl = CLVIS_CONV_BLK;
    clvis_status st = graph_create(ctx, "conv_blk", &g);
    if (!st)
        st = graph_add_input(g, "x", (shape3){16, 2, 48}, &in);
    if (!st)
        st = graph_add_conv2d(g, "conv", "Conv2D", in, 16, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 1,
                              ACT_LINEAR, 0.0f, &cv);
    for (int round = 0; round < 2 && !st; round++) {
        st = upload_rand(g, cv, 0, c.w, 0.3);
        if (!st)
            st = upload_rand(g, cv, 1, c.b, 0.3);
        if (!st)
            st = graph_check(g);
        if (!st)
            small_check(round ? "conv_blk after new weights (packed again)"
                              : "conv_blk 16->16 at 2x48 (packed weights)",
                        g, cv, (rshape){1, 16, 2, 48}, ref_conv_blk, &c);
    }
    if (st)
        test_fail("conv_blk graph", clvis_last_error());
    graph_destroy(g);
    ctx->conv_impl = keep_impl;
}

/* max pool (dilation 2, ceil_mode) then average pool (explicit pads, count_include_pad) */
static const rpool pool_a = {3, 3, 2, 2, 2, 2, 1, 0, 0, 1, 0};
static const rpool pool_b = {3, 2, 2, 1, 1, 1, 1, 1, 0, 1, 1};

static void ref_pools(const double *x, rshape xs, double *y, const void *user)
{
    (void)user;
    /* 11x10: max out ceil((11+1-5)/2)+1 = 5 x ceil((10+1-5)/2)+1 = 4; avg out 3 x 4 */
    double *m = malloc((size_t)xs.n * xs.c * 5 * 4 * sizeof *m);
    ref_pool2(m, x, xs, 1, &pool_a, 5, 4);
    ref_pool2(y, m, (rshape){xs.n, xs.c, 5, 4}, 0, &pool_b, 3, 4);
    free(m);
}

static void test_pool_win(clvis_ctx *ctx)
{
    graph *g;
    int in, mp, ap;
    window2d wa = {3, 3, 2, 2, 2, 2, 1, 0, 0, 1}, wb = {3, 2, 2, 1, 1, 1, 1, 1, 0, 1};
    clvis_status st = graph_create(ctx, "pool_win", &g);
    if (!st)
        st = graph_add_input(g, "x", (shape3){3, 11, 10}, &in);
    if (!st)
        st = graph_add_pool_win(g, "maxpool", "MaxPool", 1, in, &wa, PAD_EXPLICIT, 1, 0, &mp);
    if (!st)
        st = graph_add_pool_win(g, "avgpool", "AveragePool", 0, mp, &wb, PAD_EXPLICIT, 0, 1, &ap);
    if (!st)
        st = graph_check(g);
    shape3 s1 = graph_node_shape(g, mp), s2 = graph_node_shape(g, ap);
    test_checkf(!st && s1.h == 5 && s1.w == 4 && s2.h == 3 && s2.w == 4,
                "pool_win shapes: max (ceil_mode, dilation 2) %dx%d (want 5x4), avg %dx%d (want "
                "3x4)%s%s",
                s1.h, s1.w, s2.h, s2.w, st ? ": " : "", st ? clvis_last_error() : "");
    if (!st)
        small_check("pool_win max (dilation, ceil_mode) -> avg (count_include_pad)", g, ap,
                    (rshape){2, 3, 11, 10}, ref_pools, NULL);
    graph_destroy(g);
}

/* conv 3x3 + ReLU then max pool 2x2 / 2: the pool's gradient takes the ReLU's (graph.c's
 * pool_fused_input); backward to the input vs FD, and backward to the conv itself, whose
 * gradient (past its ReLU, the result) must then stay the pool's alone. */
typedef struct {
    rconv cv;
    double w[4 * 2 * 9], b[4];
} conv_pool_ref;

static void ref_conv_pool(const double *x, rshape xs, double *y, const void *user)
{
    const conv_pool_ref *c = user;
    rshape cs = {xs.n, 4, xs.h, xs.w};
    size_t n = (size_t)cs.n * cs.c * cs.h * cs.w;
    double *a = malloc(n * sizeof *a);
    static const rpool p2 = {2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0};
    ref_conv2d(a, x, xs, c->w, c->b, &c->cv, xs.h, xs.w);
    ref_act(a, a, cs, ACT_RELU, 0);
    ref_pool2(y, a, cs, 1, &p2, xs.h / 2, xs.w / 2);
    free(a);
}

static void test_conv_relu_pool(clvis_ctx *ctx)
{
    graph *g;
    int in, cv, mp;
    static conv_pool_ref c = {.cv = {4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}};
    rshape xs = {2, 2, 10, 13};
    clvis_status st = graph_create(ctx, "conv_relu_pool", &g);
    if (!st)
        st = graph_add_input(g, "x", (shape3){2, 10, 13}, &in);
    if (!st)
        st = graph_add_conv2d(g, "conv", "Conv2D", in, 4, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 1,
                              ACT_RELU, 0.0f, &cv);
    if (!st)
        st = graph_add_pool(g, "pool", 1, cv, 2, 2, 2, 2, PAD_VALID, &mp);
    if (!st)
        st = upload_rand(g, cv, 0, c.w, 0.5);
    if (!st)
        st = upload_rand(g, cv, 1, c.b, 0.3);
    if (!st)
        st = graph_check(g);
    if (st) {
        test_fail("conv_relu_pool graph", clvis_last_error());
        graph_destroy(g);
        return;
    }
    small_check("conv + relu -> max pool 2x2 (fused gradient) 10x13", g, mp, xs, ref_conv_pool,
                &c);
    /* backward to the conv: its gradient is the pool's, the ReLU not applied (conv is `to`) */
    size_t nc = (size_t)xs.n * 4 * xs.h * xs.w, np = (size_t)xs.n * 4 * (xs.h / 2) * (xs.w / 2);
    float *a = malloc(nc * 4), *r = malloc(np * 4), *d = malloc(nc * 4);
    double *want = calloc(nc, sizeof *want);
    for (size_t i = 0; i < np; i++)
        r[i] = (float)urand();
    st = graph_read(g, cv, LAYOUT_NCHW, a);
    if (!st)
        st = graph_seed(g, mp, LAYOUT_NCHW, r);
    if (!st)
        st = graph_backward(g, mp, cv, 0);
    if (!st)
        st = graph_read_grad(g, cv, LAYOUT_NCHW, d);
    int zero_windows = 0, oh = xs.h / 2, ow = xs.w / 2;
    for (int pl = 0; pl < xs.n * 4; pl++)
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++) {
                const float *p = a + (size_t)pl * xs.h * xs.w;
                int best = (2 * i) * xs.w + 2 * j;
                for (int t = 1; t < 4; t++) {
                    int q = (2 * i + t / 2) * xs.w + 2 * j + t % 2;
                    if (p[q] > p[best])
                        best = q;
                }
                zero_windows += p[best] <= 0.0f;
                want[(size_t)pl * xs.h * xs.w + best] = r[((size_t)pl * oh + i) * ow + j];
            }
    if (st)
        test_fail("conv_relu_pool backward to the conv", clvis_last_error());
    else
        test_compare_fd("conv + relu -> max pool: gradient at the conv (to) is the pool's", d,
                        want, nc, 1e-6);
    test_checkf(zero_windows > 0, "conv_relu_pool: some windows are all zero after the ReLU "
                                  "(%d), where a fused ReLU mask would differ", zero_windows);
    free(a), free(r), free(d), free(want);
    graph_destroy(g);
}

/* squeeze-excitation x * sigmoid(gap(x)), SiLU z * sigmoid(z), then (u - k) / s with constants
 * k (c, 1, 1) and s (1, 1, 1), then v * v (the same node twice) */
typedef struct {
    double k[4], s[1];
} binary_ref;

static void ref_binary_graph(const double *x, rshape xs, double *y, const void *user)
{
    const binary_ref *c = user;
    size_t hw = (size_t)xs.h * xs.w, n = (size_t)xs.n * xs.c * hw;
    double *g = malloc((size_t)xs.n * xs.c * sizeof *g), *z = malloc(n * sizeof *z);
    rshape gs = {xs.n, xs.c, 1, 1};
    ref_gpool(g, x, xs, 0);
    ref_act(g, g, gs, ACT_SIGMOID, 0);
    ref_binary(z, xs, BIN_MUL, x, xs, g, gs);
    for (size_t i = 0; i < n; i++) {
        double u = z[i] * (1.0 / (1.0 + exp(-z[i])));
        double v = (u - c->k[(i / hw) % xs.c]) / c->s[0];
        y[i] = v * v;
    }
    free(g), free(z);
}

static void test_binary_graph(clvis_ctx *ctx)
{
    graph *g;
    int in, gap, sg, se, sig, silu, k, sc, sub, dv, sq, bad;
    binary_ref c;
    clvis_status st = graph_create(ctx, "binary", &g);
    if (!st)
        st = graph_add_constant(g, "too_early", (shape3){4, 1, 1}, &bad);
    test_expect_error("constant before the input layer", st, CLVIS_ERR_FORMAT);
    st = graph_add_input(g, "x", (shape3){4, 5, 6}, &in);
    if (!st)
        st = graph_add_global_pool(g, "gap", 0, in, &gap);
    if (!st)
        st = graph_add_act(g, "gate", "Sigmoid", gap, ACT_SIGMOID, 0, &sg);
    if (!st)
        st = graph_add_binary(g, "se", "Mul", BIN_MUL, in, sg, &se);
    if (!st)
        st = graph_add_act(g, "sig", "Sigmoid", se, ACT_SIGMOID, 0, &sig);
    if (!st)
        st = graph_add_binary(g, "silu", "Mul", BIN_MUL, se, sig, &silu);
    if (!st)
        st = graph_add_constant(g, "k", (shape3){4, 1, 1}, &k);
    if (!st)
        st = graph_add_constant(g, "s", (shape3){1, 1, 1}, &sc);
    if (!st)
        st = graph_add_binary(g, "sub", "Sub", BIN_SUB, silu, k, &sub);
    if (!st)
        st = graph_add_binary(g, "div", "Div", BIN_DIV, sub, sc, &dv);
    if (!st)
        st = graph_add_binary(g, "square", "Mul", BIN_MUL, dv, dv, &sq);
    if (st) {
        test_fail("binary graph", clvis_last_error());
        graph_destroy(g);
        return;
    }
    test_expect_error("graph_check wants the constant's value", graph_check(g),
                      CLVIS_ERR_FORMAT);
    st = upload_rand(g, k, 0, c.k, 0.5);
    if (!st) {
        float s1 = 1.7f;
        c.s[0] = s1;
        st = graph_set_weight(g, sc, 0, &s1, 1);
    }
    if (!st)
        st = graph_check(g);
    test_check("binary graph complete", !st, st ? clvis_last_error() : "");
    st = graph_add_binary(g, "extra_mul", "Mul", BIN_MUL, in, gap, &bad);
    test_check("binary of (4,5,6) and (4,1,1) is fine", !st, st ? clvis_last_error() : "");
    st = graph_add_binary(g, "extra_add", "Add", BIN_ADD, in, k, &bad);
    test_check("binary with a per-channel constant is fine", !st, st ? clvis_last_error() : "");
    {
        int c3;
        st = graph_add_constant(g, "c3", (shape3){3, 1, 1}, &c3);
        if (!st)
            st = graph_add_binary(g, "bad_bin3", "Add", BIN_ADD, in, c3, &bad);
        test_expect_error("binary of 4 and 3 channels", st, CLVIS_ERR_SHAPE);
    }
    {
        /* c3 was added without a value: give it one so the graph stays checkable */
        float v3[3] = {1, 2, 3};
        graph_set_weight(g, graph_find(g, "c3"), 0, v3, 3);
        small_check("binary: squeeze-excitation, SiLU, constants, x * x", g, sq,
                    (rshape){2, 4, 5, 6}, ref_binary_graph, &c);
        /* the gradient stops at the constants: backward from the output to a constant works
         * and leaves the input's side alone */
        float seed[2 * 4 * 5 * 6];
        for (int i = 0; i < 2 * 4 * 5 * 6; i++)
            seed[i] = 1.0f;
        st = graph_seed(g, sq, LAYOUT_NCHW, seed);
        if (!st)
            st = graph_backward(g, sq, k, 0);
        test_check("backward from the output down to a constant", !st,
                   st ? clvis_last_error() : "");
    }
    graph_destroy(g);
}

/* a chain of standalone activation layers with parameters */
static const struct {
    const char *name;
    act_kind act;
    float p0, p1;
} act_chain[] = {
    {"hardswish", ACT_HARDSWISH, 0, 0},   {"leaky", ACT_LEAKY, 0.2f, 0},
    {"elu", ACT_ELU, 0.7f, 0},            {"clip", ACT_CLIP, -0.8f, 2.5f},
    {"hardsigmoid", ACT_HARDSIGMOID, 0.3f, 0.4f}, {"softplus", ACT_SOFTPLUS, 0, 0},
    {"logsoftmax", ACT_LOGSOFTMAX, 0, 0},
};
#define N_ACT_CHAIN ((int)(sizeof act_chain / sizeof *act_chain))

static void ref_act_chain(const double *x, rshape xs, double *y, const void *user)
{
    (void)user;
    size_t n = (size_t)xs.n * xs.c * xs.h * xs.w;
    double *t = malloc(n * sizeof *t);
    for (size_t i = 0; i < n; i++)
        t[i] = x[i] * 2.0; /* the scale layer below: reach every branch */
    for (int k = 0; k < N_ACT_CHAIN; k++)
        ref_act_p(t, t, xs, act_chain[k].act, (float)act_chain[k].p0, (float)act_chain[k].p1);
    memcpy(y, t, n * sizeof *t);
    free(t);
}

static void test_act_graph(clvis_ctx *ctx)
{
    graph *g;
    int in, two, id, bad;
    clvis_status st = graph_create(ctx, "acts", &g);
    if (!st)
        st = graph_add_input(g, "x", (shape3){5, 3, 4}, &in);
    if (!st)
        st = graph_add_constant(g, "two", (shape3){1, 1, 1}, &two);
    if (!st)
        st = graph_set_weight(g, two, 0, (float[]){2.0f}, 1);
    if (!st)
        st = graph_add_binary(g, "scale", "Mul", BIN_MUL, in, two, &id);
    for (int k = 0; !st && k < N_ACT_CHAIN; k++)
        st = graph_add_act_params(g, act_chain[k].name, act_chain[k].name, id, act_chain[k].act,
                                  act_chain[k].p0, act_chain[k].p1, &id);
    if (st) {
        test_fail("activation chain graph", clvis_last_error());
        graph_destroy(g);
        return;
    }
    small_check("activations: hardswish, leaky, elu, clip, hardsigmoid, softplus, log-softmax",
                g, id, (rshape){2, 5, 3, 4}, ref_act_chain, NULL);
    st = graph_add_act_params(g, "bad_clip", "Clip", in, ACT_CLIP, 1.0f, -1.0f, &bad);
    test_expect_error("clip with min > max", st, CLVIS_ERR_FORMAT);
    st = graph_add_conv2d(g, "bad_conv", "Conv", in, 2, 1, 1, 1, 1, 1, 1, PAD_VALID, 1, 0,
                          ACT_HARDSWISH, 0, &bad);
    test_expect_error("hardswish fused into a conv", st, CLVIS_ERR_UNSUPPORTED);
    graph_destroy(g);
}

/* PRelu with per-channel slopes, then a 1x1 conv mixing the channels */
typedef struct {
    double slope[3], w[2 * 3], b[2];
} prelu_ref;

static void ref_prelu_graph(const double *x, rshape xs, double *y, const void *user)
{
    const prelu_ref *c = user;
    size_t n = (size_t)xs.n * xs.c * xs.h * xs.w;
    double *t = malloc(n * sizeof *t);
    ref_prelu(t, x, xs, c->slope);
    rconv cv = {2, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1};
    ref_conv2d(y, t, xs, c->w, c->b, &cv, xs.h, xs.w);
    free(t);
}

static void test_prelu_graph(clvis_ctx *ctx)
{
    graph *g;
    int in, pr, cv;
    prelu_ref c;
    clvis_status st = graph_create(ctx, "prelu", &g);
    if (!st)
        st = graph_add_input(g, "x", (shape3){3, 4, 5}, &in);
    if (!st)
        st = graph_add_prelu(g, "prelu", in, &pr);
    if (!st)
        st = graph_add_conv2d(g, "mix", "Conv", pr, 2, 1, 1, 1, 1, 1, 1, PAD_VALID, 1, 1,
                              ACT_LINEAR, 0, &cv);
    if (!st)
        test_expect_error("graph_check wants the PRelu slope", graph_check(g), CLVIS_ERR_FORMAT);
    if (!st)
        st = upload_rand(g, pr, 0, c.slope, 1.0);
    if (!st)
        st = upload_rand(g, cv, 0, c.w, 0.7);
    if (!st)
        st = upload_rand(g, cv, 1, c.b, 0.3);
    if (!st)
        st = graph_check(g);
    if (st)
        test_fail("prelu graph", clvis_last_error());
    else
        small_check("prelu -> 1x1 conv", g, cv, (rshape){2, 3, 4, 5}, ref_prelu_graph, &c);
    graph_destroy(g);
}

/* ONNX-order reshape (3, 4, 5) -> (5, 3, 4), then a per-channel scale: the channel a value lands
 * in depends on the element order */
static void ref_reshape_plain_graph(const double *x, rshape xs, double *y, const void *user)
{
    const double *k = user;
    size_t n = (size_t)xs.n * xs.c * xs.h * xs.w;
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] * k[(i / 12) % 5];
}

static void test_reshape_plain_graph(clvis_ctx *ctx)
{
    graph *g;
    int in, rs, k, out, fl, bad;
    double kv[5];
    clvis_status st = graph_create(ctx, "reshape_plain", &g);
    if (!st)
        st = graph_add_input(g, "x", (shape3){3, 4, 5}, &in);
    if (!st)
        st = graph_add_reshape_plain(g, "reshape", "Reshape", in, (shape3){5, 3, 4}, &rs);
    if (!st)
        st = graph_add_constant(g, "k", (shape3){5, 1, 1}, &k);
    if (!st)
        st = upload_rand(g, k, 0, kv, 1.0);
    if (!st)
        st = graph_add_binary(g, "scale", "Mul", BIN_MUL, rs, k, &out);
    if (!st)
        st = graph_add_reshape_plain(g, "flatten", "Flatten", out, (shape3){60, 1, 1}, &fl);
    if (st) {
        test_fail("reshape_plain graph", clvis_last_error());
        graph_destroy(g);
        return;
    }
    small_check("reshape_plain (NCHW order) -> per-channel scale -> flatten", g, fl,
                (rshape){2, 3, 4, 5}, ref_reshape_plain_graph, kv);
    st = graph_add_reshape_plain(g, "bad_reshape", "Reshape", in, (shape3){7, 3, 3}, &bad);
    test_expect_error("reshape_plain to another element count", st, CLVIS_ERR_SHAPE);
    graph_destroy(g);
}

int main(void)
{
    clvis_ctx *ctx;
    int rc = test_open_ctx(&ctx);
    if (rc)
        return rc;
    weights w;
    fill_rand(w.w1, 4 * 3 * 9, 0.5, 0), fill_rand(w.b1, 4, 0.3, 0.1);
    fill_rand(w.wd, 4 * 9, 0.5, 0), fill_rand(w.bd, 4, 0.3, 0);
    fill_rand(w.gamma, 4, 0.5, 1.5), fill_rand(w.beta, 4, 0.5, 0);
    fill_rand(w.mean, 4, 0.2, 0), fill_rand(w.var, 4, 0.3, 0.8);
    fill_rand(w.wp, 16, 0.5, 0), fill_rand(w.bp, 4, 0.3, 0);
    fill_rand(w.wf, 72 * 5, 0.5, 0), fill_rand(w.bf, 5, 0.3, 0);

    size_t nx = (size_t)B * C0 * H0 * H0, n4 = (size_t)B * 4 * H0 * H0, n8 = 2 * n4;
    double *x = malloc(nx * 8), *add_ref = malloc(n4 * 8), *cat_ref = malloc(n8 * 8);
    double out_ref[B * 5], out_p[B * 5], fd[B * C0 * H0 * H0];
    float *xf = malloc(nx * 4), *buf = malloc(n8 * 4), *gx = malloc(nx * 4), *gx2 = malloc(nx * 4);
    for (size_t i = 0; i < nx; i++)
        xf[i] = (float)(x[i] = (float)(urand() * 2.0));

    graph *g = NULL;
    int id[13];
    clvis_status st = build(ctx, &w, &g, id);
    test_check("build DAG", st == CLVIS_OK, st ? clvis_last_error() : "13 nodes");
    if (st)
        return test_summary();
    reference(&w, x, add_ref, cat_ref, out_ref);
    st = graph_plan(g, B);
    if (!st)
        st = graph_set_input(g, LAYOUT_NCHW, xf);
    if (!st)
        st = graph_forward(g, -1);
    if (st) {
        test_fail("forward", clvis_last_error());
        return test_summary();
    }
    read_t(g, g->nodes[id[6]].y, buf);
    test_compare_fd("forward: add", buf, add_ref, n4, 2e-5);
    read_t(g, g->nodes[id[7]].y, buf);
    test_compare_fd("forward: concatenate", buf, cat_ref, n8, 2e-5);
    read_t(g, g->nodes[id[12]].y, buf);
    test_compare_fd("forward: softmax output", buf, out_ref, B * 5, 2e-5);
    /* graph_preact_batch: the logits of the fused softmax for every item; softmaxed they give
     * the output, and item 0's is graph_preact's */
    {
        float z[5][B], z0 = 0;
        double p[B * 5];
        st = CLVIS_OK;
        for (int u = 0; u < 5 && !st; u++)
            st = graph_preact_batch(g, id[12], u, z[u]);
        if (!st)
            st = graph_preact(g, id[12], 3, &z0);
        if (st)
            test_fail("preact_batch", clvis_last_error());
        else {
            for (int n = 0; n < B; n++) {
                double sum = 0;
                for (int u = 0; u < 5; u++)
                    sum += exp(z[u][n]);
                for (int u = 0; u < 5; u++)
                    p[n * 5 + u] = exp(z[u][n]) / sum;
            }
            test_compare_fd("preact_batch: softmax of the batch's logits = the output", buf, p,
                            B * 5, 2e-5);
            test_checkf(z0 == z[3][0], "preact_batch item 0 = preact (%g, %g)", z0, z[3][0]);
        }
    }

    /* input gradient of L = sum_n p[n][cls_n] */
    int cls[B] = {2, 4};
    float seed[B * 5] = {0};
    for (int n = 0; n < B; n++)
        seed[n * 5 + cls[n]] = 1.0f;
    double eps = 1e-6;
    for (size_t i = 0; i < nx; i++) {
        double keep = x[i], lp = 0, lm = 0;
        x[i] = keep + eps;
        reference(&w, x, add_ref, cat_ref, out_p);
        for (int n = 0; n < B; n++)
            lp += out_p[n * 5 + cls[n]];
        x[i] = keep - eps;
        reference(&w, x, add_ref, cat_ref, out_p);
        for (int n = 0; n < B; n++)
            lm += out_p[n * 5 + cls[n]];
        x[i] = keep;
        fd[i] = (lp - lm) / (2 * eps);
    }
    double fd_max = 0;
    for (size_t i = 0; i < nx; i++)
        fd_max = fmax(fd_max, fabs(fd[i]));
    /* compared relative to max |fd|: make sure that is not vanishing */
    char what[64];
    snprintf(what, sizeof what, "max |dL/dx| = %.3g", fd_max);
    test_check("class-score gradient is not vanishing (> 1e-4)", fd_max > 1e-4, what);
    st = graph_seed(g, id[12], LAYOUT_NCHW, seed);
    if (!st)
        st = graph_backward(g, id[12], id[0], 0);
    if (!st)
        st = read_t(g, g->nodes[id[0]].dy, gx);
    if (st)
        test_fail("input gradient", clvis_last_error());
    else
        test_compare_floor("input gradient of class scores vs finite differences", gx, fd, nx,
                           1e-4, 1e-12);

    /* the same gradient in two hops: output -> concat, then concat -> input */
    st = graph_seed(g, id[12], LAYOUT_NCHW, seed);
    if (!st)
        st = graph_backward(g, id[12], id[7], 0);
    if (!st)
        st = read_t(g, g->nodes[id[7]].dy, buf);
    if (!st)
        st = graph_seed(g, id[7], LAYOUT_NCHW, buf);
    if (!st)
        st = graph_backward(g, id[7], id[0], 0);
    if (!st)
        st = read_t(g, g->nodes[id[0]].dy, gx2);
    if (st)
        test_fail("gradient at an intermediate layer", clvis_last_error());
    else
        test_compare_f("gradient via intermediate layer 'concat' chains to the input gradient", gx2,
                       gx, nx, 1e-6);

    /* FullGrad's reads: the channel biases of a convolution and of a batch norm (its shift),
     * none for others; after a pass down to the input, conv1 (fused ReLU) holds the gradient
     * before its ReLU, its post-ReLU gradient (a pass that stops at it) times y > 0 */
    {
        float b[4], sh[4], *post = malloc(n4 * 4), *pre = malloc(n4 * 4), *y1 = malloc(n4 * 4);
        double bref[4], shref[4];
        for (int c = 0; c < 4; c++) {
            bref[c] = (float)w.b1[c];
            shref[c] = w.beta[c] - w.mean[c] * (w.gamma[c] / sqrt(w.var[c] + 1e-3));
        }
        st = graph_read_bias(g, id[1], b);
        if (!st)
            st = graph_read_bias(g, id[3], sh);
        if (st)
            test_fail("read_bias", clvis_last_error());
        else {
            test_compare_fd("read_bias: conv1's bias", b, bref, 4, 1e-7);
            test_compare_fd("read_bias: bn's shift beta - mean * gamma / sqrt(var + eps)", sh,
                            shref, 4, 1e-6);
        }
        test_check("has_bias: conv1, dw, pw, bn yes; relu6, add, dense no",
                   graph_node_has_bias(g, id[1]) && graph_node_has_bias(g, id[2]) &&
                       graph_node_has_bias(g, id[5]) && graph_node_has_bias(g, id[3]) &&
                       !graph_node_has_bias(g, id[4]) && !graph_node_has_bias(g, id[6]) &&
                       !graph_node_has_bias(g, id[12]) && !graph_node_has_bias(g, 99),
                   "");
        test_expect_error("read_bias of a node without one", graph_read_bias(g, id[4], b),
                          CLVIS_ERR_INVALID_ARG);
        st = graph_seed(g, id[12], LAYOUT_NCHW, seed);
        if (!st)
            st = graph_backward(g, id[12], id[1], 0);
        if (!st)
            st = graph_read_grad(g, id[1], LAYOUT_NCHW, post);
        if (!st)
            st = graph_seed(g, id[12], LAYOUT_NCHW, seed);
        if (!st)
            st = graph_backward(g, id[12], id[0], 0);
        if (!st)
            st = graph_read_grad(g, id[1], LAYOUT_NCHW, pre);
        if (!st)
            st = graph_read(g, id[1], LAYOUT_NCHW, y1);
        if (st)
            test_fail("pre-activation gradient", clvis_last_error());
        else {
            size_t bad = 0, live = 0;
            for (size_t i = 0; i < n4; i++) {
                bad += pre[i] != (y1[i] > 0 ? post[i] : 0.0f);
                live += y1[i] > 0 && post[i] != 0;
            }
            test_checkf(!bad && live > 0 && live < n4,
                        "after a pass through it, conv1 holds d/d(pre-ReLU) = d/d(y) * (y > 0) "
                        "(%zu differ; %zu of %zu live)", bad, live, n4);
        }
        free(post), free(pre), free(y1);
    }

    /* graph_write + graph_forward_from (Ablation-CAM's hook): relu6's output replaced, the
     * network run again from it; pw and conv1 (the branch around it) keep their outputs */
    {
        double *v = malloc(n4 * 8), out_v[B * 5];
        float *vf = malloc(n4 * 4), *pw0 = malloc(n4 * 4), *pw1 = malloc(n4 * 4);
        float *r6 = malloc(n4 * 4), outf[B * 5];
        for (size_t i = 0; i < n4; i++)
            vf[i] = (float)(v[i] = (float)(urand() * 3.0 + 3.0));
        reference_over(&w, x, v, add_ref, cat_ref, out_v);
        double moved = 0;
        for (int i = 0; i < B * 5; i++)
            moved = fmax(moved, fabs(out_v[i] - out_ref[i]));
        test_checkf(moved > 1e-3, "forward_from: the replaced output moves the reference "
                    "(max %.3g > 1e-3)", moved);
        st = read_t(g, g->nodes[id[5]].y, pw0);
        if (!st)
            st = graph_write(g, id[4], LAYOUT_NCHW, vf);
        if (!st)
            st = graph_forward_from(g, id[4], id[12]);
        if (!st)
            st = graph_read(g, id[12], LAYOUT_NCHW, outf);
        if (!st)
            st = read_t(g, g->nodes[id[5]].y, pw1);
        if (!st)
            st = read_t(g, g->nodes[id[4]].y, r6);
        if (st)
            test_fail("forward_from", clvis_last_error());
        else {
            test_compare_fd("forward_from relu6: output vs the reference with relu6 replaced",
                            outf, out_v, B * 5, 2e-5);
            test_check("forward_from: the written node and the branch around it are not rerun",
                       !memcmp(pw0, pw1, n4 * 4) && !memcmp(r6, vf, n4 * 4),
                       "pw and relu6 bit-identical");
        }
        st = graph_forward_from(g, id[5], id[4]);
        test_expect_error("forward_from a layer the target does not depend on", st,
                          CLVIS_ERR_INVALID_ARG);
        st = graph_set_input(g, LAYOUT_NCHW, xf);
        if (!st) {
            st = graph_forward_from(g, id[4], id[12]);
            test_expect_error("forward_from before a forward pass", st, CLVIS_ERR_INVALID_ARG);
            st = graph_write(g, id[4], LAYOUT_NCHW, vf);
            test_expect_error("write before a forward pass", st, CLVIS_ERR_INVALID_ARG);
        }
        free(v), free(vf), free(pw0), free(pw1), free(r6);
    }

    /* errors: a layer that does not depend on another; backward before forward reaches it */
    st = graph_backward(g, id[5], id[4], 0);
    test_expect_error("backward between unrelated layers", st, CLVIS_ERR_INVALID_ARG);
    int bad;
    st = graph_add_add(g, "bad_add", (int[]){id[1], id[9]}, 2, &bad);
    test_expect_error("add of different shapes", st, CLVIS_ERR_SHAPE);
    st = graph_add_dense(g, "bad_dense", id[9], 3, 1, ACT_LINEAR, 0, &bad);
    test_expect_error("dense on a spatial input", st, CLVIS_ERR_UNSUPPORTED);
    st = graph_set_weight(g, id[1], 0, xf, 5);
    test_expect_error("weight of the wrong size", st, CLVIS_ERR_SHAPE);
    {
        float wnan[4 * 3 * 9];
        for (int i = 0; i < 4 * 3 * 9; i++)
            wnan[i] = (float)w.w1[i];
        wnan[17] = NAN;
        st = graph_set_weight(g, id[1], 0, wnan, 4 * 3 * 9);
        test_expect_error("NaN in a weight", st, CLVIS_ERR_FORMAT);
        wnan[17] = INFINITY;
        st = graph_set_weight(g, id[1], 0, wnan, 4 * 3 * 9);
        test_expect_error("infinity in a weight", st, CLVIS_ERR_FORMAT);
        float gm[4] = {1, 1, 1, 1}, bt[4] = {0}, mn[4] = {0}, vr[4] = {1, -5, 1, 1};
        st = graph_set_batchnorm(g, id[3], gm, bt, mn, vr);
        test_expect_error("negative batch-norm variance", st, CLVIS_ERR_FORMAT);
        st = graph_add_zeropad(g, "neg_pad", id[1], -1, 0, 0, 0, &bad);
        test_expect_error("negative zero padding", st, CLVIS_ERR_SHAPE);
        st = graph_add_pool(g, "big_pool", 1, id[10], 5, 5, 1, 1, PAD_VALID, &bad);
        test_expect_error("pool window larger than its 3x3 input (zero-size output)", st,
                          CLVIS_ERR_SHAPE);
        st = graph_add_dense(g, "zero_units", id[11], 0, 1, ACT_LINEAR, 0, &bad);
        test_expect_error("dense with 0 units", st, CLVIS_ERR_SHAPE);
    }

    graph_destroy(g);
    test_conv_win(ctx);
    test_conv_blk_repack(ctx);
    test_pool_win(ctx);
    test_conv_relu_pool(ctx);
    test_binary_graph(ctx);
    test_act_graph(ctx);
    test_prelu_graph(ctx);
    test_reshape_plain_graph(ctx);
    clvis_ctx_destroy(ctx);
    free(x), free(add_ref), free(cat_ref), free(xf), free(buf), free(gx), free(gx2);
    return test_summary();
}

/* test_saliency.c — the gradient-attribution methods (clvis_saliency):
 *  - a tiny ReLU network built with the graph API: the engine's guided-backprop rule
 *    (GRAPH_GUIDED_RELU, ReLUs fused into conv / dense, ReLU layers, a ReLU6 layer)
 *    against a plain-C forward/backward in double, the plain gradient against the same
 *    reference and against finite differences, and clvis_saliency's vanilla attribution
 *    against the finite differences;
 *  - the ONNX fixture models (tests/data/onnx/<case>, sal_<method>.pb from
 *    tools/fixtures/make_saliency_fixtures.py) against Captum's raw attributions [c, h, w]:
 *    Saliency (abs=False), InputXGradient, GuidedBackprop, GuidedGradCam, IntegratedGradients
 *    (Gauss-Legendre, the same steps, zero baseline) and NoiseTunnel smoothgrad (the same
 *    numpy-seeded noise), within 1e-4 relative to the largest |value|; IG's completeness;
 *  - the maps, pictures and bad options. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api/model.h"
#include "graph/graph.h"
#include "import/onnx.h"
#include "ref_ops.h"
#include "testutil.h"

#ifndef TEST_ONNX_DIR
#define TEST_ONNX_DIR "tests/data/onnx"
#endif
#ifndef TEST_KERAS_DIR
#define TEST_KERAS_DIR "tests/data/keras"
#endif

#define TOL 1e-4

static unsigned rng = 4242u;
static double urand(void)
{
    rng = rng * 1664525u + 1013904223u;
    return ((rng >> 8) & 0xFFFFFF) / 16777216.0 * 2.0 - 1.0;
}

/* ---- the tiny network: x (2, 5, 5) -> c1 conv 3x3 same, 3 ch, relu (fused) -> c2 conv 5x5
 * valid, 6 ch, linear -> a1 ReLU layer -> d1 dense 5, relu (fused) -> e1 dense 4, linear -> a2
 * ReLU6 layer -> d2 dense 3, linear ----------------------------------------------------------- */
#define TC 2
#define TH 5
typedef struct {
    double w1[3 * TC * 9], b1[3], w2[6 * 3 * 25], b2[6], wd1[6 * 5], bd1[5], we1[5 * 4], be1[4];
    double wd2[4 * 3], bd2[3];
} tiny_w;

typedef struct {
    double c1[3 * TH * TH], c1r[3 * TH * TH], c2[6], a1[6], d1[5], d1r[5], e1[4], a2[4], out[3];
} tiny_fwd;

static void tiny_forward(const tiny_w *w, const double *x, tiny_fwd *f)
{
    rconv p1 = {3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, p2 = {6, 5, 5, 1, 1, 1, 1, 0, 0, 0, 0, 1};
    ref_conv2d(f->c1, x, (rshape){1, TC, TH, TH}, w->w1, w->b1, &p1, TH, TH);
    for (int i = 0; i < 3 * TH * TH; i++)
        f->c1r[i] = f->c1[i] > 0 ? f->c1[i] : 0;
    ref_conv2d(f->c2, f->c1r, (rshape){1, 3, TH, TH}, w->w2, w->b2, &p2, 1, 1);
    for (int i = 0; i < 6; i++)
        f->a1[i] = f->c2[i] > 0 ? f->c2[i] : 0;
    ref_dense(f->d1, f->a1, 1, 6, 5, w->wd1, w->bd1);
    for (int i = 0; i < 5; i++)
        f->d1r[i] = f->d1[i] > 0 ? f->d1[i] : 0;
    ref_dense(f->e1, f->d1r, 1, 5, 4, w->we1, w->be1);
    for (int i = 0; i < 4; i++)
        f->a2[i] = f->e1[i] < 0 ? 0 : f->e1[i] > 6 ? 6 : f->e1[i];
    ref_dense(f->out, f->a2, 1, 4, 3, w->wd2, w->bd2);
}

/* The ReLU backward step on a gradient: through where the input > 0, and with guided also
 * only where the gradient > 0. */
static double relu_back(double g, double in, int guided)
{
    return in > 0 && (!guided || g > 0) ? g : 0.0;
}

/* d out[cls] / dx, plain (guided 0) or with the guided rule at the four ReLUs (ReLU6's cap on
 * top of it). */
static void tiny_backward(const tiny_w *w, const tiny_fwd *f, int cls, int guided, double *gx)
{
    double ge1[4], gd1[5], gc2[6], gc1[3 * TH * TH];
    for (int i = 0; i < 4; i++) /* a2, ReLU6: its cap, then the rule */
        ge1[i] = f->e1[i] < 6 ? relu_back(w->wd2[i * 3 + cls], f->e1[i], guided) : 0.0;
    for (int i = 0; i < 5; i++) {
        double s = 0;
        for (int o = 0; o < 4; o++)
            s += w->we1[i * 4 + o] * ge1[o];
        gd1[i] = relu_back(s, f->d1[i], guided);
    }
    for (int i = 0; i < 6; i++) {
        double s = 0;
        for (int o = 0; o < 5; o++)
            s += w->wd1[i * 5 + o] * gd1[o];
        gc2[i] = relu_back(s, f->c2[i], guided); /* a1 */
    }
    for (int i = 0; i < 3 * TH * TH; i++)
        gc1[i] = 0;
    for (int o = 0; o < 6; o++)
        for (int c = 0; c < 3; c++)
            for (int u = 0; u < 5; u++)
                for (int v = 0; v < 5; v++)
                    gc1[(c * TH + u) * TH + v] += w->w2[((o * 3 + c) * 5 + u) * 5 + v] * gc2[o];
    for (int i = 0; i < 3 * TH * TH; i++)
        gc1[i] = relu_back(gc1[i], f->c1[i], guided);
    for (int i = 0; i < TC * TH * TH; i++)
        gx[i] = 0;
    for (int o = 0; o < 3; o++)
        for (int i = 0; i < TH; i++)
            for (int j = 0; j < TH; j++)
                for (int c = 0; c < TC; c++)
                    for (int u = 0; u < 3; u++)
                        for (int v = 0; v < 3; v++) {
                            int y = i + u - 1, xx = j + v - 1;
                            if (y >= 0 && y < TH && xx >= 0 && xx < TH)
                                gx[(c * TH + y) * TH + xx] +=
                                    w->w1[((o * TC + c) * 3 + u) * 3 + v] *
                                    gc1[(o * TH + i) * TH + j];
                        }
}

static clvis_status put(graph *g, int id, int slot, const double *d)
{
    size_t n = graph_weight_count(g, id, slot);
    float *f = malloc(n * sizeof *f);
    for (size_t i = 0; i < n; i++)
        f[i] = (float)d[i];
    clvis_status st = graph_set_weight(g, id, slot, f, n);
    free(f);
    return st;
}

static clvis_status tiny_build(clvis_ctx *ctx, const tiny_w *w, graph **out)
{
    graph *g;
    int in, c1, c2, a1, a2, d1, e1, d2;
    clvis_status st = graph_create(ctx, "tiny_relu", &g);
#define T(x)                                                                                     \
    if (!st)                                                                                     \
    st = (x)
    T(graph_add_input(g, "x", (shape3){TC, TH, TH}, &in));
    T(graph_add_conv2d(g, "c1", "Conv2D", in, 3, 3, 3, 1, 1, 1, 1, PAD_SAME, 1, 1, ACT_RELU, 0,
                       &c1));
    T(graph_add_conv2d(g, "c2", "Conv2D", c1, 6, 5, 5, 1, 1, 1, 1, PAD_VALID, 1, 1, ACT_LINEAR,
                       0, &c2));
    T(graph_add_act(g, "a1", "ReLU", c2, ACT_RELU, 0.0f, &a1));
    T(graph_add_dense(g, "d1", a1, 5, 1, ACT_RELU, 0, &d1));
    T(graph_add_dense(g, "e1", d1, 4, 1, ACT_LINEAR, 0, &e1));
    T(graph_add_act(g, "a2", "ReLU", e1, ACT_RELU, 6.0f, &a2));
    T(graph_add_dense(g, "d2", a2, 3, 1, ACT_LINEAR, 0, &d2));
    T(put(g, c1, 0, w->w1));
    T(put(g, c1, 1, w->b1));
    T(put(g, c2, 0, w->w2));
    T(put(g, c2, 1, w->b2));
    T(put(g, d1, 0, w->wd1));
    T(put(g, d1, 1, w->bd1));
    T(put(g, e1, 0, w->we1));
    T(put(g, e1, 1, w->be1));
    T(put(g, d2, 0, w->wd2));
    T(put(g, d2, 1, w->bd2));
    T(graph_check(g));
#undef T
    if (st)
        graph_destroy(g);
    else
        *out = g;
    return st;
}

static void fill_rand(double *a, int n, double scale, double off)
{
    for (int i = 0; i < n; i++)
        a[i] = (float)(urand() * scale + off);
}

static void nchw_to_nhwc(float *dst, const double *src, int c, int h, int w)
{
    for (int k = 0; k < c; k++)
        for (int p = 0; p < h * w; p++)
            dst[p * c + k] = (float)src[k * h * w + p];
}

static void test_tiny(clvis_ctx *ctx)
{
    tiny_w w;
    fill_rand(w.w1, 3 * TC * 9, 0.6, 0), fill_rand(w.b1, 3, 0.2, 0.1);
    fill_rand(w.w2, 6 * 3 * 25, 0.3, 0), fill_rand(w.b2, 6, 0.2, 0.2);
    fill_rand(w.wd1, 30, 0.8, 0), fill_rand(w.bd1, 5, 0.2, 0.2);
    fill_rand(w.we1, 20, 1.5, 0), fill_rand(w.be1, 4, 0.5, 0.3);
    w.be1[3] = 9.0; /* a unit over ReLU6's cap */
    fill_rand(w.wd2, 12, 0.8, 0), fill_rand(w.bd2, 3, 0.2, 0);
    double x[TC * TH * TH], gp[TC * TH * TH], gg[TC * TH * TH], fd[TC * TH * TH];
    fill_rand(x, TC * TH * TH, 1.5, 0.3);
    const int cls = 1, nx = TC * TH * TH;
    tiny_fwd f;
    tiny_forward(&w, x, &f);
    tiny_backward(&w, &f, cls, 0, gp);
    tiny_backward(&w, &f, cls, 1, gg);
    int cut = 0;
    for (int i = 0; i < nx; i++)
        cut += fabs(gp[i] - gg[i]) > 1e-6;
    test_checkf(cut > 0, "tiny net: the guided rule changes %d of %d input gradients (the test "
                "can tell the rules apart)", cut, nx);
    {
        /* the ReLU6 layer's rule is seen: without it (ReLU6 plain) the result differs */
        int relu6_neg = 0, relu6_cap = 0;
        for (int i = 0; i < 4; i++) {
            relu6_neg += f.e1[i] > 0 && f.e1[i] < 6 && w.wd2[i * 3 + cls] < 0;
            relu6_cap += f.e1[i] > 6;
        }
        test_checkf(relu6_neg > 0 && relu6_cap > 0,
                    "tiny net: the ReLU6 layer has a unit with input in (0, 6) and a negative "
                    "gradient (%d) and one over its cap (%d)", relu6_neg, relu6_cap);
    }
    double eps = 1e-6, fd_max = 0;
    for (int i = 0; i < nx; i++) {
        tiny_fwd p, m;
        double keep = x[i];
        x[i] = keep + eps;
        tiny_forward(&w, x, &p);
        x[i] = keep - eps;
        tiny_forward(&w, x, &m);
        x[i] = keep;
        fd[i] = (p.out[cls] - m.out[cls]) / (2 * eps);
        fd_max = fmax(fd_max, fabs(fd[i]));
    }
    test_checkf(fd_max > 1e-2, "tiny net: gradient not vanishing (max |fd| %.3g)", fd_max);
    {
        float gpf[TC * TH * TH];
        for (int i = 0; i < nx; i++)
            gpf[i] = (float)gp[i];
        test_compare_floor("tiny net: plain-C backward vs finite differences", gpf, fd, nx, 1e-5,
                           1e-6);
    }
    graph *g = NULL;
    clvis_status st = tiny_build(ctx, &w, &g);
    if (st) {
        test_fail("tiny net: build", clvis_last_error());
        return;
    }
    float xf[TC * TH * TH], got[TC * TH * TH], seed[3] = {0, 0, 0};
    for (int i = 0; i < nx; i++)
        xf[i] = (float)x[i];
    seed[cls] = 1.0f;
    int out = graph_count(g) - 1;
    for (int guided = 0; guided < 2; guided++) {
        char label[160];
        snprintf(label, sizeof label, "tiny net: engine %s input gradient vs plain-C reference",
                 guided ? "guided (GRAPH_GUIDED_RELU)" : "plain");
        if ((st = graph_plan(g, 1)) || (st = graph_set_input(g, LAYOUT_NCHW, xf)) ||
            (st = graph_forward(g, -1)) || (st = graph_seed(g, out, LAYOUT_NCHW, seed)) ||
            (st = graph_backward(g, out, 0, guided ? GRAPH_GUIDED_RELU : 0)) ||
            (st = graph_read_grad(g, 0, LAYOUT_NCHW, got)))
            test_fail(label, clvis_last_error());
        else
            test_compare_floor(label, got, guided ? gg : gp, nx, 1e-5, 1e-6);
    }
    /* the public API on the same network: vanilla's attribution is dS/dx (NHWC), guided's the
     * guided gradient */
    clvis_model *m = model_wrap(g);
    float xh[TC * TH * TH], want[TC * TH * TH];
    nchw_to_nhwc(xh, x, TC, TH, TH);
    clvis_saliency_options o;
    clvis_saliency_options_default(&o);
    o.cls = cls;
    const char *names[2] = {"vanilla", "guided"};
    for (int k = 0; k < 2; k++) {
        o.method = names[k];
        clvis_saliency_result r;
        char label[160];
        snprintf(label, sizeof label, "tiny net: clvis_saliency %s vs %s", names[k],
                 k ? "the plain-C guided reference" : "finite differences");
        if ((st = clvis_saliency(m, xh, &o, &r)))
            test_fail(label, clvis_last_error());
        else {
            double wd[TC * TH * TH];
            nchw_to_nhwc(want, k ? gg : fd, TC, TH, TH);
            for (int i = 0; i < nx; i++)
                wd[i] = want[i];
            test_compare_floor(label, r.attr, wd, nx, 1e-4, 1e-6);
            test_checkf(r.cls == cls && fabs(r.score - f.out[cls]) < 1e-4 &&
                            r.h == TH && r.w == TH && r.c == TC,
                        "tiny net: %s result: class %d, score %.6f (reference %.6f), %dx%dx%d",
                        names[k], r.cls, r.score, f.out[cls], r.h, r.w, r.c);
        }
        clvis_saliency_free(&r);
    }
    clvis_model_destroy(m);
}

/* ---- the ONNX fixtures vs Captum -------------------------------------------------------- */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = 0;
    fclose(f);
    return buf;
}

typedef struct {
    int rank;
    long long dims[8];
    float *v;
    size_t n;
} tensor_file;

static int read_pb(const char *dir, const char *file, tensor_file *t)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    memset(t, 0, sizeof *t);
    return onnx_read_tensor(path, &t->rank, t->dims, &t->v, &t->n) == CLVIS_OK;
}

static double jnum(cJSON *j, const char *k)
{
    cJSON *v = cJSON_GetObjectItem(j, k);
    return v ? v->valuedouble : NAN;
}

static void run_case(clvis_ctx *ctx, const char *name)
{
    char dir[1024], path[1200], label[512];
    snprintf(dir, sizeof dir, "%s/%s", TEST_ONNX_DIR, name);
    snprintf(path, sizeof path, "%s/saliency.json", dir);
    char *js = slurp(path);
    cJSON *info = js ? cJSON_Parse(js) : NULL;
    free(js);
    if (!info) {
        test_fail(name, "saliency.json missing (tools/fixtures/make_saliency_fixtures.py)");
        return;
    }
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    clvis_model *m = NULL;
    tensor_file in = {0};
    float *x = NULL, *want_hwc = NULL;
    double *want = NULL;
    clvis_status st = clvis_model_load(ctx, path, NULL, &m);
    if (st || !read_pb(dir, "input.pb", &in)) {
        test_fail(name, st ? clvis_last_error() : "input.pb unreadable");
        goto done;
    }
    int c = (int)in.dims[1], h = (int)in.dims[2], w = (int)in.dims[3];
    size_t count = (size_t)c * h * w;
    x = malloc(count * sizeof *x);
    want_hwc = malloc(count * sizeof *want_hwc);
    want = malloc(count * sizeof *want);
    for (int k = 0; k < c; k++) /* item 0, NCHW -> NHWC */
        for (int p = 0; p < h * w; p++)
            x[(size_t)p * c + k] = in.v[(size_t)k * h * w + p];
    int cls = (int)jnum(info, "class");
    int layer = -1;
    const char *lname = cJSON_GetStringValue(cJSON_GetObjectItem(info, "layer"));
    if (!lname || clvis_model_find_layer(m, lname, &layer)) {
        test_fail(name, "the Grad-CAM layer of saliency.json is not in the model");
        goto done;
    }
    for (int k = 0; clvis_saliency_method_name(k); k++) {
        const char *method = clvis_saliency_method_name(k);
        if (!strcmp(method, "vanilla-signed"))
            continue; /* the same attribution as vanilla */
        char file[128];
        snprintf(file, sizeof file, "sal_%s.pb", method);
        tensor_file t;
        snprintf(label, sizeof label, "%s: %s vs Captum (raw [c,h,w] attribution)", name,
                 method);
        if (!read_pb(dir, file, &t) || t.n != count) {
            test_fail(label, "fixture missing or of another size");
            free(t.v);
            continue;
        }
        clvis_saliency_options o;
        clvis_saliency_options_default(&o);
        o.method = method;
        o.cls = cls;
        o.layer = layer;
        o.steps = (int)jnum(info, "ig_steps");
        o.samples = (int)jnum(info, "smoothgrad_samples");
        o.noise = (float)jnum(info, "smoothgrad_noise");
        o.seed = (uint32_t)jnum(info, "smoothgrad_seed");
        o.baseline = CLVIS_BASELINE_ZERO;
        if (!strcmp(method, "ig"))
            o.batch = 5; /* 16 steps in batches of 4 x 4 (padded): the chunked path */
        clvis_saliency_result r;
        if ((st = clvis_saliency(m, x, &o, &r))) {
            test_fail(label, clvis_last_error());
            free(t.v);
            continue;
        }
        for (int kk = 0; kk < c; kk++)
            for (int p = 0; p < h * w; p++)
                want_hwc[(size_t)p * c + kk] = t.v[(size_t)kk * h * w + p];
        for (size_t i = 0; i < count; i++)
            want[i] = want_hwc[i];
        test_compare_floor(label, r.attr, want, count, TOL, 1e-30);
        if (!strcmp(method, "vanilla")) {
            /* the map: max over channels of |g|, divided by its max */
            double mx = 0;
            double *wm = malloc((size_t)h * w * sizeof *wm);
            for (int p = 0; p < h * w; p++) {
                double v = 0;
                for (int kk = 0; kk < c; kk++)
                    v = fmax(v, fabs(want_hwc[(size_t)p * c + kk]));
                wm[p] = v;
                mx = fmax(mx, v);
            }
            for (int p = 0; p < h * w; p++)
                wm[p] /= mx;
            snprintf(label, sizeof label, "%s: vanilla map = max_c |g| / max", name);
            test_compare_floor(label, r.map, wm, (size_t)h * w, TOL, 1.0);
            free(wm);
            double fx = jnum(info, "f_x");
            test_checkf(r.cls == cls && fabs(r.score - fx) <= 1e-4 * fmax(1.0, fabs(fx)),
                        "%s: the score is output[0, %d] = %.6f (PyTorch %.6f)", name, cls,
                        r.score, fx);
        }
        if (!strcmp(method, "ig")) {
            double d = r.ig_sum - ((double)r.score - r.score_baseline);
            double dc = jnum(info, "ig_delta"), span = fabs(r.score - r.score_baseline);
            test_checkf(fabs(r.score_baseline - jnum(info, "f_baseline")) <= 1e-4 &&
                            fabs(d - dc) <= 1e-4 * fmax(span, 1e-3),
                        "%s: ig completeness: sum(attr) %.6f, S(x) - S(b) %.6f, delta %.3g "
                        "(Captum's %.3g), %d steps",
                        name, r.ig_sum, (double)r.score - r.score_baseline, d, dc, r.steps);
        }
        if (!strcmp(method, "guided-gradcam"))
            test_checkf(r.layer == layer && r.rgb,
                        "%s: guided-gradcam at layer %s, drawn as RGB", name, lname);
        clvis_saliency_free(&r);
        free(t.v);
    }
done:
    free(x), free(want_hwc), free(want), free(in.v);
    cJSON_Delete(info);
    clvis_model_destroy(m);
}

/* ---- explicit noise / baselines, maps, pictures, bad options on one fixture model --------- */
static void test_options(clvis_ctx *ctx)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/classic/model.onnx", TEST_ONNX_DIR);
    clvis_model *m = NULL;
    if (clvis_model_load(ctx, path, NULL, &m)) {
        test_fail("classic: loads", clvis_last_error());
        return;
    }
    size_t count = clvis_input_count(m);
    float *x = malloc(count * sizeof *x), *zero = calloc(count * 4, sizeof *zero);
    for (size_t i = 0; i < count; i++)
        x[i] = (float)urand();
    clvis_saliency_options o;
    clvis_saliency_options_default(&o);
    clvis_saliency_result v, s, r;
    clvis_status st = clvis_saliency(m, x, &o, &v);
    test_check("default options: vanilla of the top-1 class", !st && v.cls >= 0 && !v.map_signed,
               st ? clvis_last_error() : "");
    if (st)
        goto done;
    /* smoothgrad with an explicit zero noise is the vanilla gradient */
    o.method = "smoothgrad";
    o.samples = 4;
    o.noise_x = zero;
    st = clvis_saliency(m, x, &o, &s);
    {
        double *wv = malloc(count * sizeof *wv);
        for (size_t i = 0; i < count; i++)
            wv[i] = v.attr[i];
        if (st)
            test_fail("smoothgrad with noise_x = 0 is vanilla", clvis_last_error());
        else
            test_compare_floor("smoothgrad with noise_x = 0 is vanilla", s.attr, wv, count, 1e-6,
                               1e-30);
        free(wv);
    }
    clvis_saliency_free(&s);
    /* ig: every baseline kind runs and keeps completeness to a few percent at 50 steps */
    o = (clvis_saliency_options){0};
    clvis_saliency_options_default(&o);
    o.method = "ig";
    const char *bn[4] = {"black", "blur", "uniform", "zero"};
    for (int b = 0; b < 4; b++) {
        o.baseline = (clvis_baseline)b;
        st = clvis_saliency(m, x, &o, &r);
        double span = st ? 0 : fabs(r.score - r.score_baseline),
               d = st ? 0 : fabs(r.ig_sum - (r.score - r.score_baseline));
        test_checkf(!st && r.map_signed && d <= 0.05 * span + 1e-3,
                    "ig, %s baseline: sum(attr) %.5f vs S(x) - S(b) %.5f", bn[b],
                    st ? 0 : r.ig_sum, st ? 0 : r.score - r.score_baseline);
        clvis_saliency_free(&r);
    }
    /* more samples than the host holds: refused before allocating */
    clvis_saliency_options_default(&o);
    o.method = "smoothgrad";
    o.samples = 2000000000;
    st = clvis_saliency(m, x, &o, &r);
    test_checkf(st == CLVIS_ERR_NO_MEMORY && strstr(clvis_last_error(), "host memory"),
                "2e9 smoothgrad samples refused: %s", clvis_last_error());
    /* pictures: grayscale for an unsigned map, bwr for a signed one, RGB for guided */
    clvis_image im = {0};
    st = clvis_saliency_image(&im, &v, 224);
    test_checkf(!st && im.c == 1 && im.w == 224 && im.h == 224,
                "vanilla picture: gray, 32x32 upscaled x7 to %dx%dx%d", im.w, im.h, im.c);
    clvis_image_free(&im);
    o.method = "inputxgrad";
    if (!(st = clvis_saliency(m, x, &o, &r))) {
        st = clvis_saliency_image(&im, &r, 1);
        int white = 0, ok = !st && im.c == 3;
        for (int p = 0; ok && p < r.h * r.w; p++)
            if (r.map[p] == 0.0f)
                white += im.px[p * 3] == 255 && im.px[p * 3 + 1] == 255 && im.px[p * 3 + 2] == 255;
            else if (r.map[p] == 1.0f)
                ok = im.px[p * 3] == 255 && im.px[p * 3 + 1] == 0 && im.px[p * 3 + 2] == 0;
        test_checkf(ok, "inputxgrad picture: bwr, the maximum red (%d exact zeros white)", white);
        clvis_image_free(&im);
        clvis_saliency_free(&r);
    }
    o.method = "guided";
    if (!(st = clvis_saliency(m, x, &o, &r))) {
        st = clvis_saliency_image(&im, &r, 1);
        test_checkf(!st && r.rgb && im.c == 3 && im.w == r.w,
                    "guided picture: RGB deprocess_image of the attribution");
        clvis_image_free(&im);
        clvis_image photo = {50, 40, 3, calloc(50 * 40 * 3, 1)};
        st = clvis_saliency_overlay(&im, &photo, &r);
        test_checkf(!st && im.w == 50 && im.h == 40, "overlay at the photo's size");
        clvis_image_free(&im);
        clvis_image_free(&photo);
        clvis_saliency_free(&r);
    }
    /* bad options: one error each, nothing allocated */
    struct {
        const char *method;
        int steps, samples, cls;
        float noise;
        const char *want;
    } bad[] = {{"saliency++", 50, 25, -1, 0.1f, "unknown saliency method 'saliency++'"},
               {"ig", 0, 25, -1, 0.1f, "steps 0"},
               {"smoothgrad", 50, 0, -1, 0.1f, "samples 0"},
               {"smoothgrad", 50, 25, -1, -0.5f, "noise -0.5"},
               {"smoothgrad", 50, 25, -1, NAN, "noise nan"},
               {"vanilla", 50, 25, 10, 0.1f, "class 10 out of range"}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        clvis_saliency_options_default(&o);
        o.method = bad[k].method, o.steps = bad[k].steps, o.samples = bad[k].samples;
        o.noise = bad[k].noise, o.cls = bad[k].cls;
        st = clvis_saliency(m, x, &o, &r);
        test_checkf(st == CLVIS_ERR_INVALID_ARG && !r.attr && !r.map &&
                        strstr(clvis_last_error(), bad[k].want),
                    "bad option refused: '%s' (%s)", bad[k].want, clvis_last_error());
    }
    test_checkf(clvis_saliency(m, NULL, NULL, &r) == CLVIS_ERR_INVALID_ARG, "NULL input refused");
    /* guided-gradcam on a layer that is not a spatial feature map */
    clvis_saliency_options_default(&o);
    o.method = "guided-gradcam";
    o.layer = clvis_model_layer_count(m) - 1;
    st = clvis_saliency(m, x, &o, &r);
    test_checkf(st == CLVIS_ERR_UNSUPPORTED && strstr(clvis_last_error(), "feature map"),
                "guided-gradcam on the output layer refused: %s", clvis_last_error());
done:
    clvis_saliency_free(&v);
    free(x), free(zero);
    clvis_model_destroy(m);
}

/* --score logit: integrated gradients of the logit keep completeness, sum(attr) ~= logit(x) -
 * logit(b), through a separate softmax layer (ONNX pools) and a softmax fused into the last
 * dense layer (Keras functional: GRAPH_LINEAR_FROM, the logit from graph_preact) */
static void test_logit(clvis_ctx *ctx)
{
    const char *files[2] = {TEST_ONNX_DIR "/pools/model.onnx", TEST_KERAS_DIR "/functional.h5"};
    for (int k = 0; k < 2; k++) {
        clvis_model *m = NULL;
        if (clvis_model_load(ctx, files[k], NULL, &m)) {
            test_fail(files[k], clvis_last_error());
            continue;
        }
        size_t count = clvis_input_count(m);
        float *x = malloc(count * sizeof *x);
        for (size_t i = 0; i < count; i++)
            x[i] = (float)(urand() * 0.5 + 0.5);
        clvis_saliency_options o;
        clvis_saliency_options_default(&o);
        o.method = "ig";
        o.logit = 1;
        o.steps = 64;
        o.baseline = CLVIS_BASELINE_ZERO;
        clvis_saliency_result r;
        clvis_status st = clvis_saliency(m, x, &o, &r);
        double span = st ? 0 : (double)r.score - r.score_baseline;
        test_checkf(!st && fabsf(r.score - r.prob) > 1e-3 &&
                        fabs(r.ig_sum - span) <= 0.02 * fabs(span) + 1e-4,
                    "%s: ig of the logit: sum(attr) %.6f vs logit(x) - logit(b) %.6f (logit "
                    "%.4f, probability %.4f)%s%s",
                    files[k], st ? 0 : r.ig_sum, span, st ? 0 : r.score, st ? 0 : r.prob,
                    st ? ": " : "", st ? clvis_last_error() : "");
        clvis_saliency_free(&r);
        free(x);
        clvis_model_destroy(m);
    }
}

int main(void)
{
    clvis_ctx *ctx;
    int rc = test_open_ctx(&ctx);
    if (rc)
        return rc;
    test_tiny(ctx);
    const char *cases[] = {"classic", "resblock", "pools", "dense_concat", "mbv3_block"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(ctx, cases[i]);
    test_options(ctx);
    test_logit(ctx);
    clvis_ctx_destroy(ctx);
    return test_summary();
}

/* test_tfkv.c — clvis's maps of a Keras model against tf-keras-vis, the Keras peer of issue 14.
 *
 * tests/data/keras/tfkv/ (tools/fixtures/make_tfkv_fixtures.py, tf-keras-vis on Keras 3): a tiny
 * convnet x (12, 12, 3) -> c1 conv relu -> c2 conv relu (10 x 10 x 8, the CAM layer) -> Flatten
 * -> Dense 5 softmax, a fixed preprocessed input and class, and tf-keras-vis's raw maps
 * (expand_cam / normalize_cam / normalize_map off, gradient_modifier None) plus its default
 * outputs. Every comparison is within 1e-4 relative to the largest |value| unless stated.
 *
 * Where tf-keras-vis and clvis agree by construction, clvis's own map is compared:
 *   Gradcam (CategoricalScore on the softmax output)   = clvis "gradcam" (the book's: the
 *       gradient of the probability, channel-mean weights); raw map over its max vs clvis's map.
 *   Gradcam with ReplaceToLinear (the logit)            = clvis "gradcam-paper" (the logit; the
 *       paper sums over the pixels where tf-keras-vis takes the mean: a factor h*w, cancelled by
 *       the division by the max).
 *   Gradcam's default output (the raw map zoomed to the input by scipy order 1, corners aligned,
 *       then min-max normalised with eps 1e-7) = clvis's map put through the same two steps here
 *       (at the peer's raw scale: the eps acts in raw units, and the raw peak is ~1e-3).
 *   Saliency (signed, keepdims)                         = clvis "vanilla" attr (NHWC), and its
 *       default (max over channels of |g|, min-max) = clvis's map min-max normalised.
 *   SmoothGrad (keepdims, no gradient_modifier)         = clvis "smoothgrad" attr, the same rule
 *       sigma = noise * (max(x) - min(x)): exactly with tf-keras-vis's own noise (numpy's legacy
 *       np.random.normal after np.random.seed, drawn in (samples, h, w, c) order where clvis draws
 *       (samples, c, h, w); regenerated here and passed as noise_x), and by expectation with
 *       clvis's own seeded noise (see check_smoothgrad_expectation for the tolerance).
 *       tf-keras-vis's DEFAULT SmoothGrad takes |g| of each sample before the mean (mean |g|);
 *       clvis, Captum and the paper's code average the raw gradient, so only the raw one is
 *       compared.
 * Where tf-keras-vis deliberately deviates, its map is reproduced from clvis's own engine (the
 * layer's activation A and gradient g from clvis_model_forward / clvis_model_backward, the
 * masked forwards through clvis_model_forward) with tf-keras-vis's formula and must equal the
 * peer's map; clvis's method is then checked against its documented formula (pytorch-grad-cam's,
 * the paper's) on the same A, g and forwards:
 *   GradcamPlusPlus: tf-keras-vis multiplies the derivatives by exp(S) (the paper's exponential
 *       score: it cancels in alpha and scales the map) and divides each channel's alphas by their
 *       sum over the pixels (as the authors' code); pytorch-grad-cam and clvis do not normalise.
 *   Scorecam: tf-keras-vis's weight of channel k is softmax over the CLASSES of the model's output
 *       for x * mask_k, at the class (on a softmax model a second softmax), and no softmax over the
 *       channels; the paper, pytorch-grad-cam and clvis take a softmax over the channels of the
 *       class scores. The masks agree (bilinear, corners aligned, min-max per channel; eps 1e-7
 *       there, 1e-8 in clvis).
 */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clvis.h"
#include "explain/explain.h"
#include "testutil.h"

#ifndef TEST_KERAS_DIR
#define TEST_KERAS_DIR "tests/data/keras"
#endif

#define TOL 1e-4

typedef struct {
    float *v;
    size_t n;
} arr;

static arr ds(hid_t f, const char *name)
{
    arr a = {0};
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0)
        return a;
    hid_t s = H5Dget_space(d);
    hssize_t n = H5Sget_simple_extent_npoints(s);
    a.v = malloc((size_t)(n > 0 ? n : 1) * sizeof *a.v);
    if (a.v && H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.v) >= 0)
        a.n = (size_t)n;
    else
        free(a.v), a.v = NULL;
    H5Sclose(s);
    H5Dclose(d);
    return a;
}

static double attr_d(hid_t f, const char *name)
{
    double v = NAN;
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    if (a >= 0) {
        if (H5Aread(a, H5T_NATIVE_DOUBLE, &v) < 0)
            v = NAN;
        H5Aclose(a);
    }
    return v;
}

static void attr_s(hid_t f, const char *name, char *out, size_t cap)
{
    out[0] = 0;
    hid_t a = H5Aopen(f, name, H5P_DEFAULT);
    if (a < 0)
        return;
    hid_t t = H5Aget_type(a);
    if (H5Tis_variable_str(t) > 0) {
        char *s = NULL;
        if (H5Aread(a, t, &s) >= 0 && s) { /* h5py's str: a variable-length string */
            snprintf(out, cap, "%s", s);
            H5free_memory(s);
        }
    }
    H5Tclose(t);
    H5Aclose(a);
}

static double maxabs(const float *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fabs(v[i]) > m ? fabs(v[i]) : m;
    return m;
}

/* got vs want / max|want| (clvis's maps are divided by their max). */
static void compare_over_max(const char *label, const float *got, const float *want, size_t n)
{
    double pk = maxabs(want, n), *w = malloc(n * sizeof *w);
    for (size_t i = 0; i < n; i++)
        w[i] = pk > 0 ? want[i] / pk : 0.0;
    test_compare_floor(label, got, w, n, TOL, 1e-30);
    free(w);
}

static void compare_raw(const char *label, const float *got, const double *want, size_t n)
{
    test_compare_floor(label, got, want, n, TOL, 1e-30);
}

/* scipy.ndimage.zoom(order=1) of an (h, w) map to (H, W): corners aligned (grid_mode False). */
static void zoom1(const double *a, int h, int w, double *u, int H, int W)
{
    for (int Y = 0; Y < H; Y++) {
        double fy = H > 1 ? (double)Y * (h - 1) / (H - 1) : 0.0;
        int y0 = (int)fy, y1 = y0 + 1 < h ? y0 + 1 : h - 1;
        double ty = fy - y0;
        for (int X = 0; X < W; X++) {
            double fx = W > 1 ? (double)X * (w - 1) / (W - 1) : 0.0;
            int x0 = (int)fx, x1 = x0 + 1 < w ? x0 + 1 : w - 1;
            double tx = fx - x0;
            u[Y * W + X] = (a[y0 * w + x0] * (1 - tx) + a[y0 * w + x1] * tx) * (1 - ty) +
                           (a[y1 * w + x0] * (1 - tx) + a[y1 * w + x1] * tx) * ty;
        }
    }
}

static void minmax(double *v, size_t n, double eps)
{
    double lo = v[0], hi = v[0];
    for (size_t i = 1; i < n; i++)
        lo = v[i] < lo ? v[i] : lo, hi = v[i] > hi ? v[i] : hi;
    for (size_t i = 0; i < n; i++)
        v[i] = (v[i] - lo) / (hi - lo + eps);
}

typedef struct {
    clvis_model *m;
    hid_t f;
    int cls, layer, out, H, W, C, h, w, k;
    float *x;
    float *act, *grad; /* A and g at the layer, NHWC (h, w, k) */
    float prob;
} tcase;

static void check_gradcam(tcase *t)
{
    const char *names[] = {"gradcam", "gradcam-paper"};
    const char *peer[] = {"gradcam", "gradcam_linear"};
    for (int i = 0; i < 2; i++) {
        char label[200];
        snprintf(label, sizeof label, "clvis %s vs tf-keras-vis Gradcam%s (raw map / max)",
                 names[i], i ? " + ReplaceToLinear" : "");
        arr want = ds(t->f, peer[i]);
        clvis_gradcam_options o = {.layer = t->layer, .cls = t->cls, .method = names[i]};
        clvis_gradcam_result r = {0};
        if (!want.v || want.n != (size_t)t->h * t->w)
            test_fail(label, "fixture missing or of another size");
        else if (clvis_gradcam(t->m, t->x, &o, &r))
            test_fail(label, clvis_last_error());
        else if (r.h != t->h || r.w != t->w)
            test_fail(label, "map size differs");
        else {
            compare_over_max(label, r.map, want.v, want.n);
            if (i == 0) {
                /* tf-keras-vis's default output: zoomed to the input, min-max normalised */
                arr def = ds(t->f, "gradcam_default");
                size_t n = (size_t)t->H * t->W;
                double *a = malloc(want.n * sizeof *a), *u = malloc(n * sizeof *u);
                /* at the peer's scale (its raw peak), as its eps 1e-7 acts in raw units */
                double pk = maxabs(want.v, want.n);
                for (size_t p = 0; p < want.n; p++)
                    a[p] = r.map[p] * pk;
                zoom1(a, t->h, t->w, u, t->H, t->W);
                minmax(u, n, 1e-7);
                float *uf = malloc(n * sizeof *uf);
                for (size_t p = 0; p < n; p++)
                    uf[p] = (float)u[p];
                double *dw = malloc(n * sizeof *dw);
                for (size_t p = 0; def.v && p < n; p++)
                    dw[p] = def.v[p];
                if (!def.v || def.n != n)
                    test_fail("tf-keras-vis Gradcam default output", "fixture missing");
                else
                    compare_raw("clvis gradcam zoomed (order 1) + min-max = tf-keras-vis "
                                "Gradcam's default output", uf, dw, n);
                free(a), free(u), free(uf), free(dw), free(def.v);
            }
        }
        clvis_gradcam_free(&r);
        free(want.v);
    }
}

/* A and g (d output[cls] / dA) at the layer, and the probability, from clvis's engine. */
static int layer_grad(tcase *t)
{
    size_t hk = (size_t)t->h * t->w * t->k;
    clvis_shape os = clvis_model_layer_shape(t->m, t->out);
    size_t no = (size_t)os.h * os.w * os.c;
    float *y = malloc(no * sizeof *y), *seed = calloc(no, sizeof *seed);
    t->act = malloc(hk * sizeof *t->act);
    t->grad = malloc(hk * sizeof *t->grad);
    seed[t->cls] = 1.0f;
    int ok = !clvis_model_forward(t->m, t->x, 1, -1) && !clvis_model_read(t->m, t->out, y) &&
             !clvis_model_read(t->m, t->layer, t->act) &&
             !clvis_model_backward(t->m, t->out, seed, t->layer, t->grad);
    if (!ok)
        test_fail("clvis A and dp/dA at the CAM layer", clvis_last_error());
    else {
        t->prob = y[t->cls];
        double want = NAN;
        hid_t a = H5Aopen(t->f, "probabilities", H5P_DEFAULT);
        if (a >= 0) {
            float p[64];
            if (os.c <= 64 && H5Aread(a, H5T_NATIVE_FLOAT, p) >= 0)
                want = p[t->cls];
            H5Aclose(a);
        }
        test_checkf(fabs(t->prob - want) <= 1e-5, "clvis p(class %d) = %.6f = Keras's %.6f",
                    t->cls, t->prob, want);
    }
    free(y), free(seed);
    return ok;
}

static double pearson(const float *a, const double *b, size_t n)
{
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; i++)
        ma += a[i], mb += b[i];
    ma /= n, mb /= n;
    for (size_t i = 0; i < n; i++)
        sab += (a[i] - ma) * (b[i] - mb), saa += (a[i] - ma) * (a[i] - ma),
            sbb += (b[i] - mb) * (b[i] - mb);
    return sab / sqrt(saa * sbb + 1e-300);
}

static void relu_over_max(double *v, size_t n)
{
    double pk = 0;
    for (size_t i = 0; i < n; i++)
        v[i] = v[i] > 0 ? v[i] : 0, pk = v[i] > pk ? v[i] : pk;
    for (size_t i = 0; pk > 0 && i < n; i++)
        v[i] /= pk;
}

static void check_gradcampp(tcase *t)
{
    size_t hw = (size_t)t->h * t->w;
    int K = t->k;
    double *peer = calloc(hw, sizeof *peer), *pgc = calloc(hw, sizeof *pgc);
    double e = exp(t->prob);
    for (int k = 0; k < K; k++) {
        double S = 0, an = 0, wp = 0, wq = 0;
        for (size_t p = 0; p < hw; p++)
            S += t->act[p * K + k];
        double *alpha = malloc(hw * sizeof *alpha);
        for (size_t p = 0; p < hw; p++) {
            double g = t->grad[p * K + k];
            double d2 = e * g * g, d3 = d2 * g;
            double den = 2 * d2 + d3 * S;
            alpha[p] = d2 / (den + (d2 == 0.0));
            an += alpha[p];
            /* pytorch-grad-cam / clvis: g^2 / (2 g^2 + S g^3 + 1e-6), weight relu(g) */
            double q = g * g / (2 * g * g + S * g * g * g + 1e-6);
            wq += (g > 0 ? g : 0) * q;
        }
        an += an == 0.0;
        for (size_t p = 0; p < hw; p++) {
            double d1 = e * t->grad[p * K + k];
            wp += (d1 > 0 ? d1 : 0) * alpha[p] / an;
        }
        free(alpha);
        for (size_t p = 0; p < hw; p++)
            peer[p] += wp * t->act[p * K + k], pgc[p] += wq * t->act[p * K + k];
    }
    for (size_t p = 0; p < hw; p++)
        peer[p] = peer[p] > 0 ? peer[p] : 0;
    arr want = ds(t->f, "gradcampp");
    float *pf = malloc(hw * sizeof *pf);
    for (size_t p = 0; p < hw; p++)
        pf[p] = (float)peer[p];
    if (!want.v || want.n != hw)
        test_fail("tf-keras-vis GradcamPlusPlus", "fixture missing");
    else {
        double *w = malloc(hw * sizeof *w);
        for (size_t p = 0; p < hw; p++)
            w[p] = want.v[p];
        compare_raw("tf-keras-vis GradcamPlusPlus's formula (exp(S), alphas normalised per "
                    "channel) on clvis's A and g = the peer's raw map", pf, w, hw);
        free(w);
    }
    relu_over_max(pgc, hw);
    clvis_gradcam_options o = {.layer = t->layer, .cls = t->cls, .method = "gradcam++"};
    clvis_gradcam_result r = {0};
    if (clvis_gradcam(t->m, t->x, &o, &r))
        test_fail("clvis gradcam++", clvis_last_error());
    else {
        compare_raw("clvis gradcam++ = pytorch-grad-cam's formula (no alpha normalisation) on "
                    "the same A and g", r.map, pgc, hw);
        if (want.v)
            printf("  note: Pearson r of clvis gradcam++ and tf-keras-vis GradcamPlusPlus (the "
                   "two conventions) = %.6f\n", pearson(r.map, peer, hw));
    }
    clvis_gradcam_free(&r);
    free(want.v), free(peer), free(pgc), free(pf);
}

static void check_scorecam(tcase *t)
{
    size_t HW = (size_t)t->H * t->W, item = HW * t->C, hw = (size_t)t->h * t->w;
    int K = t->k;
    clvis_shape os = clvis_model_layer_shape(t->m, t->out);
    int nc = os.h * os.w * os.c;
    float *xs = malloc((size_t)K * item * sizeof *xs), *y = malloc((size_t)K * nc * sizeof *y);
    double *a = malloc(hw * sizeof *a), *u = malloc(HW * sizeof *u);
    for (int k = 0; k < K; k++) {
        for (size_t p = 0; p < hw; p++)
            a[p] = t->act[p * K + k];
        zoom1(a, t->h, t->w, u, t->H, t->W);
        minmax(u, HW, 1e-7);
        for (size_t p = 0; p < HW; p++)
            for (int c = 0; c < t->C; c++)
                xs[(size_t)k * item + p * t->C + c] = t->x[p * t->C + c] * (float)u[p];
    }
    if (clvis_model_forward(t->m, xs, K, -1) || clvis_model_read(t->m, t->out, y)) {
        test_fail("scorecam: the masked forwards", clvis_last_error());
        goto done;
    }
    double *wt = malloc(K * sizeof *wt), *ws = malloc(K * sizeof *ws), smax = -INFINITY, ssum = 0;
    for (int k = 0; k < K; k++) {
        const float *p = y + (size_t)k * nc;
        double m = p[0], s = 0;
        for (int j = 1; j < nc; j++)
            m = p[j] > m ? p[j] : m;
        for (int j = 0; j < nc; j++)
            s += exp(p[j] - m);
        wt[k] = exp(p[t->cls] - m) / s; /* tf-keras-vis: softmax(model output)[cls] */
        smax = p[t->cls] > smax ? p[t->cls] : smax;
    }
    for (int k = 0; k < K; k++)
        ssum += (ws[k] = exp(y[(size_t)k * nc + t->cls] - smax));
    double *peer = calloc(hw, sizeof *peer), *paper = calloc(hw, sizeof *paper);
    for (size_t p = 0; p < hw; p++)
        for (int k = 0; k < K; k++)
            peer[p] += wt[k] * t->act[p * K + k], paper[p] += ws[k] / ssum * t->act[p * K + k];
    float *pf = malloc(hw * sizeof *pf);
    for (size_t p = 0; p < hw; p++)
        pf[p] = (float)(peer[p] > 0 ? peer[p] : 0);
    arr want = ds(t->f, "scorecam");
    if (!want.v || want.n != hw)
        test_fail("tf-keras-vis Scorecam", "fixture missing");
    else {
        double *w = malloc(hw * sizeof *w);
        for (size_t p = 0; p < hw; p++)
            w[p] = want.v[p];
        compare_raw("tf-keras-vis Scorecam's formula (softmax over the classes of each masked "
                    "output) on clvis's masked forwards = the peer's raw map", pf, w, hw);
        free(w);
    }
    relu_over_max(paper, hw);
    for (int bs = 0; bs <= 3; bs += 3) {
        clvis_gradcam_options o = {
            .layer = t->layer, .cls = t->cls, .method = "scorecam", .batch = bs};
        clvis_gradcam_result r = {0};
        char label[200];
        snprintf(label, sizeof label, "clvis scorecam (batch %s) = the paper's softmax over the "
                 "channels of the same masked outputs", bs ? "3, tf-keras-vis's" : "default");
        if (clvis_gradcam(t->m, t->x, &o, &r))
            test_fail(label, clvis_last_error());
        else
            compare_raw(label, r.map, paper, hw);
        clvis_gradcam_free(&r);
    }
    free(wt), free(ws), free(peer), free(paper), free(pf), free(want.v);
done:
    free(xs), free(y), free(a), free(u);
}

static void check_saliency(tcase *t)
{
    size_t HW = (size_t)t->H * t->W, n = HW * t->C;
    clvis_saliency_options o;
    clvis_saliency_options_default(&o);
    o.method = "vanilla";
    o.cls = t->cls;
    clvis_saliency_result r = {0};
    arr g = ds(t->f, "saliency"), def = ds(t->f, "saliency_default");
    if (!g.v || g.n != n || !def.v || def.n != HW)
        test_fail("tf-keras-vis Saliency", "fixture missing");
    else if (clvis_saliency(t->m, t->x, &o, &r))
        test_fail("clvis saliency vanilla", clvis_last_error());
    else {
        double *w = malloc(n * sizeof *w), *mm = malloc(HW * sizeof *mm);
        for (size_t i = 0; i < n; i++)
            w[i] = g.v[i];
        compare_raw("clvis vanilla attr = tf-keras-vis Saliency (signed, keepdims)", r.attr, w,
                    n);
        for (size_t p = 0; p < HW; p++)
            mm[p] = r.map[p];
        minmax(mm, HW, 1e-7);
        float *mf = malloc(HW * sizeof *mf);
        for (size_t p = 0; p < HW; p++)
            mf[p] = (float)mm[p], mm[p] = def.v[p];
        compare_raw("clvis vanilla map, min-max normalised = tf-keras-vis Saliency's default "
                    "(max over channels of |g|, min-max)", mf, mm, HW);
        free(w), free(mm), free(mf);
    }
    clvis_saliency_free(&r);
    free(g.v), free(def.v);
}

/* SmoothGrad by expectation: clvis's own noise (another seed, (c, h, w) draw order) and the
 * peer's are independent draws of the same distribution, so each value's difference of the two
 * means of N samples has standard deviation sd * sqrt(2 / N), sd the per-sample gradient's
 * (the fixture's smoothgrad_sd, from the peer's N samples). z = diff / (sd sqrt(2 / N)) is then
 * about N(0, 1) (t with N - 1 degrees of freedom): the mean of z^2 over the values must be
 * <= 2 (its expectation is ~1.07, its standard error over ~400 values ~0.1 even with heavy
 * tails) and no |z| > 6. The plain gradient (no noise) against the same map must FAIL this
 * bound, which shows the statistic can tell the two apart. */
static double z2_mean(const float *got, const float *want, const float *sd, size_t n, int N,
                      double *zmax, size_t *used)
{
    double s = 0, scale = maxabs(want, n);
    *zmax = 0, *used = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(sd[i] > 1e-6 * scale))
            continue;
        double z = (got[i] - want[i]) / (sd[i] * sqrt(2.0 / N));
        s += z * z;
        *zmax = fabs(z) > *zmax ? fabs(z) : *zmax;
        (*used)++;
    }
    return *used ? s / *used : INFINITY;
}

static void check_smoothgrad(tcase *t)
{
    size_t n = (size_t)t->H * t->W * t->C;
    int N = (int)attr_d(t->f, "sg_samples");
    double noise = attr_d(t->f, "sg_noise"), sigma = attr_d(t->f, "sg_sigma");
    uint32_t seed = (uint32_t)attr_d(t->f, "sg_seed");
    arr want = ds(t->f, "smoothgrad"), sd = ds(t->f, "smoothgrad_sd");
    if (!want.v || want.n != n || !sd.v || sd.n != n || N <= 0 || !(sigma > 0)) {
        test_fail("tf-keras-vis SmoothGrad", "fixture missing");
        goto done;
    }
    /* tf-keras-vis's noise: np.random.seed(seed); np.random.normal(0, sigma, (N, 1, H, W, C)) */
    float *nz = malloc((size_t)N * n * sizeof *nz);
    viz_gauss_state gs = {.has = 0};
    viz_mt_seed(&gs.mt, seed);
    for (size_t i = 0; i < (size_t)N * n; i++)
        nz[i] = (float)(sigma * viz_gauss(&gs));
    clvis_saliency_options o;
    clvis_saliency_options_default(&o);
    o.method = "smoothgrad";
    o.cls = t->cls;
    o.samples = N;
    o.noise = (float)noise;
    o.noise_x = nz;
    clvis_saliency_result r = {0}, r2 = {0}, r0 = {0};
    double *w = malloc(n * sizeof *w);
    for (size_t i = 0; i < n; i++)
        w[i] = want.v[i];
    if (clvis_saliency(t->m, t->x, &o, &r))
        test_fail("clvis smoothgrad (the peer's noise)", clvis_last_error());
    else {
        char label[200];
        snprintf(label, sizeof label, "clvis smoothgrad with tf-keras-vis's noise (seed %u, %d "
                 "samples, sigma %.4g) = tf-keras-vis SmoothGrad (raw, keepdims)", seed, N,
                 sigma);
        compare_raw(label, r.attr, w, n);
    }
    o.noise_x = NULL;
    o.seed = seed + 1000;
    clvis_saliency_options ov = o;
    ov.method = "vanilla";
    if (clvis_saliency(t->m, t->x, &o, &r2) || clvis_saliency(t->m, t->x, &ov, &r0))
        test_fail("clvis smoothgrad (its own noise)", clvis_last_error());
    else {
        double zm, zm0;
        size_t used, used0;
        double m2 = z2_mean(r2.attr, want.v, sd.v, n, N, &zm, &used);
        double m0 = z2_mean(r0.attr, want.v, sd.v, n, N, &zm0, &used0);
        test_checkf(used > n / 2 && m2 <= 2.0 && zm <= 6.0,
                    "clvis smoothgrad, its own noise (seed %u, (c, h, w) order), by expectation: "
                    "mean z^2 = %.3f (<= 2) over %zu values, max |z| = %.2f (<= 6)",
                    o.seed, m2, used, zm);
        test_checkf(m0 > 2.0,
                    "the same statistic for the plain gradient (no noise) fails the bound: "
                    "mean z^2 = %.3f (> 2)", m0);
    }
    clvis_saliency_free(&r), clvis_saliency_free(&r2), clvis_saliency_free(&r0);
    free(nz), free(w);
done:
    free(want.v), free(sd.v);
}

int main(void)
{
    clvis_ctx *ctx;
    int rc = test_open_ctx(&ctx);
    if (rc)
        return rc;
    tcase t = {0};
    const char *dir = TEST_KERAS_DIR "/tfkv";
    char path[1024], lname[64];
    snprintf(path, sizeof path, "%s/maps.h5", dir);
    t.f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    snprintf(path, sizeof path, "%s/model.keras", dir);
    if (t.f < 0 || clvis_model_load(ctx, path, NULL, &t.m)) {
        test_fail("tfkv fixture", t.f < 0 ? "maps.h5 missing" : clvis_last_error());
        goto out;
    }
    char versions[256];
    attr_s(t.f, "versions", versions, sizeof versions);
    printf("peer: %s\n", versions);
    attr_s(t.f, "layer", lname, sizeof lname);
    t.cls = (int)attr_d(t.f, "class");
    t.out = clvis_model_layer_count(t.m) - 1;
    arr x = ds(t.f, "x");
    clvis_shape is = clvis_model_layer_shape(t.m, 0);
    if (clvis_model_find_layer(t.m, lname, &t.layer) || !x.v ||
        x.n != (size_t)is.h * is.w * is.c) {
        test_fail("tfkv fixture: layer and input", clvis_last_error());
        free(x.v);
        goto out;
    }
    clvis_shape ls = clvis_model_layer_shape(t.m, t.layer);
    t.x = x.v, t.H = is.h, t.W = is.w, t.C = is.c, t.h = ls.h, t.w = ls.w, t.k = ls.c;
    check_gradcam(&t);
    if (layer_grad(&t)) {
        check_gradcampp(&t);
        check_scorecam(&t);
    }
    check_saliency(&t);
    check_smoothgrad(&t);
    free(t.x), free(t.act), free(t.grad);
out:
    if (t.m)
        clvis_model_destroy(t.m);
    if (t.f >= 0)
        H5Fclose(t.f);
    clvis_ctx_destroy(ctx);
    return test_summary();
}

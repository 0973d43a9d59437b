/* test_diversity.c — Lucid's diversity term across a batch (src/explain/lucid_diversity.c,
 * kernels/lucid_diversity.cl): the device value and gradient against the C reference, the
 * reference gradient against central finite differences, the fixed points (identical items:
 * -1 and no gradient; one item: 0), and the pipeline: with the term, four patterns of the same
 * unit end up measurably more different from each other than without it (the pairwise
 * cosine of their Gram matrices, at the term's layer and at one it does not see). The term
 * is across one device batch, so this file also checks that a 64-pattern grid is one batch
 * and that the progress comes per step. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain/lucid.h"
#include "testutil.h"

static clvis_ctx *ctx;

static void randu(lucid_rng *r, float *x, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(lo + (hi - lo) * lucid_rng_uniform(r));
}

/* The device term on A (n items of C x P, stored after `off` floats of padding) added to a
 * seed `base`: out = base + w d(div)/dA; *value = div. */
static clvis_status div_dev(const float *A, int n, int C, int P, int off, float w,
                            const float *base, float *out, double *value)
{
    size_t cnt = (size_t)n * C * P;
    cl_mem ma = NULL, ms = NULL;
    lucid_div_work dw = {0};
    float *pad = calloc(cnt + off, sizeof *pad);
    clvis_status st = pad ? CLVIS_OK : CLVIS_ERR_NO_MEMORY;
    if (!st)
        memcpy(pad + off, A, cnt * sizeof *A);
    if (!st)
        st = buffer_create(ctx, (cnt + off) * sizeof(float), &ma);
    if (!st)
        st = buffer_write(ctx, ma, 0, (cnt + off) * sizeof(float), pad);
    if (!st)
        st = buffer_create(ctx, cnt * sizeof(float), &ms);
    if (!st)
        st = buffer_write(ctx, ms, 0, cnt * sizeof(float), base);
    if (!st)
        st = lucid_diversity_alloc(ctx, &dw, n, C);
    tensor t = {ma, (size_t)off, n, C, P, 1};
    if (!st)
        st = lucid_diversity_seed(ctx, ms, t, n, w, &dw, value);
    if (!st)
        st = buffer_read(ctx, ms, 0, cnt * sizeof(float), out);
    lucid_diversity_free(&dw);
    if (ma)
        clReleaseMemObject(ma);
    if (ms)
        clReleaseMemObject(ms);
    free(pad);
    return st;
}

static void test_term(int n, int C, int P)
{
    lucid_rng r;
    lucid_rng_seed(&r, 7 + n);
    size_t cnt = (size_t)n * C * P;
    float *A = malloc(cnt * 4), *base = malloc(cnt * 4), *got = malloc(cnt * 4);
    float *gref = calloc(cnt, 4), *Ap = malloc(cnt * 4);
    double *want = malloc(cnt * sizeof *want), *fd = malloc(cnt * sizeof *fd);
    randu(&r, A, cnt, 0, 1); /* post-ReLU-like activations */
    randu(&r, base, cnt, -1, 1);
    const float w = 0.7f;
    double vref = lucid_diversity_ref(gref, A, n, C, P, w), vdev = 0;
    clvis_status st = div_dev(A, n, C, P, 5, w, base, got, &vdev);
    char l[200];
    snprintf(l, sizeof l, "diversity %d items, %d channels, %d positions: device value %.6f vs "
             "C reference %.6f", n, C, P, vdev, vref);
    test_check(l, !st && fabs(vdev - vref) < 1e-5 * (1 + fabs(vref)),
               st ? clvis_last_error() : "");
    for (size_t i = 0; i < cnt; i++) {
        got[i] -= base[i];
        want[i] = gref[i];
    }
    snprintf(l, sizeof l, "diversity %dx%dx%d: device gradient (added to a seed at an offset) vs "
             "C reference", n, C, P);
    test_compare_floor(l, got, want, cnt, 2e-4, 1e-3);
    /* the reference gradient against central differences of the reference value */
    const double h = 1e-3;
    for (size_t i = 0; i < cnt; i++) {
        memcpy(Ap, A, cnt * 4);
        Ap[i] = A[i] + (float)h;
        double fp = lucid_diversity_ref(NULL, Ap, n, C, P, w);
        Ap[i] = A[i] - (float)h;
        double fm = lucid_diversity_ref(NULL, Ap, n, C, P, w);
        fd[i] = w * (fp - fm) / ((double)(A[i] + (float)h) - (double)(A[i] - (float)h));
    }
    snprintf(l, sizeof l, "diversity %dx%dx%d: gradient vs finite differences (h 1e-3)", n, C, P);
    test_compare_floor(l, gref, fd, cnt, 2e-3, 1e-3);
    free(A);
    free(base);
    free(got);
    free(gref);
    free(Ap);
    free(want);
    free(fd);
}

static void test_fixed_points(void)
{
    const int n = 3, C = 4, P = 6;
    size_t per = (size_t)C * P, cnt = n * per;
    float A[3 * 24], g[3 * 24] = {0}, z[3 * 24] = {0}, got[3 * 24];
    lucid_rng r;
    lucid_rng_seed(&r, 11);
    randu(&r, A, per, 0.1, 1);
    for (int b = 1; b < n; b++)
        for (size_t i = 0; i < per; i++)
            A[b * per + i] = A[i] * (float)(b + 1); /* the same Gram matrix up to scale */
    double v = lucid_diversity_ref(g, A, n, C, P, 1.0f), vd = 0;
    double gmax = 0;
    for (size_t i = 0; i < cnt; i++)
        gmax = fmax(gmax, fabs(g[i]));
    clvis_status st = div_dev(A, n, C, P, 0, 1.0f, z, got, &vd);
    double dmax = 0;
    for (size_t i = 0; !st && i < cnt; i++)
        dmax = fmax(dmax, fabs(got[i]));
    test_checkf(fabs(v + 1) < 1e-9 && gmax < 1e-6 && !st && fabs(vd + 1) < 1e-5 && dmax < 1e-4,
                "diversity of items with proportional activations: -1 and a zero gradient "
                "(reference %.9f, |g| %.2g; device %.6f, |g| %.2g)", v, gmax, vd, dmax);
    st = div_dev(A, 1, C, P, 0, 1.0f, z, got, &vd);
    test_checkf(!st && vd == 0 && !memcmp(got, z, per * sizeof *got) &&
                    lucid_diversity_ref(NULL, A, 1, C, P, 1.0f) == 0,
                "diversity of one item: 0, no gradient");
}

/* The items' mean pairwise Gram cosine at `layer` for images in [0, 1] (NHWC): the model's
 * preprocessing (SCALE or RAW here), one forward, the reference's -div. */
static double gram_similarity(clvis_model *m, int layer, const float *img, int n, int S)
{
    size_t pix = (size_t)S * S * 3;
    clvis_preprocess pre = clvis_model_preprocess(m);
    float mul = pre == CLVIS_PREPROCESS_SCALE ? 1.0f : pre == CLVIS_PREPROCESS_RAW ? 255.0f : 0;
    if (mul == 0)
        return NAN;
    clvis_shape sh = clvis_model_layer_shape(m, layer);
    size_t lc = (size_t)sh.c * sh.h * sh.w;
    float *x = malloc(n * pix * 4), *a = malloc(n * lc * 4), *t = malloc(n * lc * 4);
    double v = NAN;
    for (size_t i = 0; i < n * pix; i++)
        x[i] = img[i] * mul;
    if (!clvis_model_forward(m, x, n, layer) && !clvis_model_read(m, layer, a)) {
        for (int b = 0; b < n; b++) /* NHWC -> NCHW */
            for (int p = 0; p < sh.h * sh.w; p++)
                for (int c = 0; c < sh.c; c++)
                    t[(size_t)b * lc + (size_t)c * sh.h * sh.w + p] =
                        a[(size_t)b * lc + (size_t)p * sh.c + c];
        v = -lucid_diversity_ref(NULL, t, n, sh.c, sh.h * sh.w, 1.0f);
    }
    free(x);
    free(a);
    free(t);
    return v;
}

static void test_pipeline(void)
{
    clvis_model *m = NULL;
    clvis_status st = clvis_model_load(ctx, TEST_KERAS_DIR "/small_convnet.h5", NULL, &m);
    test_check("small_convnet.h5 loads", st == CLVIS_OK, st ? clvis_last_error() : "");
    if (st)
        return;
    int layer = -1, dense = -1;
    clvis_model_find_layer(m, "conv2d_1", &layer);
    clvis_model_find_layer(m, "dense_1", &dense);
    const int S = test_quick() ? 24 : 64, n = 4, steps = test_quick() ? 6 : 48;
    if (test_quick())
        test_quick_note("diversity pipeline at 24x24, 6 steps");
    const int units[4] = {6, 6, 6, 6};
    size_t pix = (size_t)S * S * 3;
    unsigned char *p8 = malloc(n * pix);
    float *plain = malloc(n * pix * 4), *divd = malloc(n * pix * 4);
    float *obj = malloc((size_t)n * steps * 4);
    clvis_lucid_options o;
    clvis_lucid_options_default(&o);
    test_check("diversity is off by default", o.diversity == 0, NULL);
    o.steps = steps;
    o.seed = 5;
    if (!st)
        st = clvis_model_set_input_size(m, S, S);
    if (!st)
        st = clvis_lucid_patterns(m, layer, units, n, &o, p8, plain, NULL, NULL, NULL);
    o.diversity = 100.0f; /* Lucid's 1e2 (its sum over pairs / n) is 300 here for n = 4 */
    if (!st)
        st = clvis_lucid_patterns(m, layer, units, n, &o, p8, divd, obj, NULL, NULL);
    if (st) {
        test_fail("diversity pipeline", clvis_last_error());
    } else {
        /* patterns of one unit from different starts are mostly shifted copies, so a pixel
           distance measures their phase, not their content (it even falls with the term, whose
           patterns have less contrast); the Gram matrices are shift-invariant. */
        int first = -1;
        clvis_model_find_layer(m, "conv2d", &first);
        double gp = gram_similarity(m, layer, plain, n, S);
        double gd = gram_similarity(m, layer, divd, n, S);
        double fp = gram_similarity(m, first, plain, n, S);
        double fdv = gram_similarity(m, first, divd, n, S);
        test_checkf(gd < 0.6 * gp,
                    "4 patterns of one unit, %dx%d, %d steps: mean pairwise Gram cosine of the "
                    "final images at conv2d_1 (the term's layer) %.4f without diversity, %.4f "
                    "with weight %g (must be < 0.6x)", S, S, steps, gp, gd, o.diversity);
        test_checkf(fdv < fp - 0.1,
                    "... and at conv2d (a layer the term does not see) %.4f without, %.4f with "
                    "(must drop by > 0.1)", fp, fdv);
        int fin = 1;
        for (int i = 0; i < n * steps; i++)
            fin &= isfinite(obj[i]);
        test_check("the recorded objective (channel + weight * diversity) is finite", fin, NULL);
    }
    o.objective = CLVIS_LUCID_CLASS;
    int cls = 0;
    test_expect_error("diversity with the class objective",
                      clvis_lucid_patterns(m, dense, &cls, 1, &o, p8, NULL, NULL, NULL, NULL),
                      CLVIS_ERR_INVALID_ARG);
    o.objective = CLVIS_LUCID_CHANNEL;
    o.diversity = -1;
    test_expect_error("negative diversity weight",
                      clvis_lucid_patterns(m, layer, units, 1, &o, p8, NULL, NULL, NULL, NULL),
                      CLVIS_ERR_INVALID_ARG);
    clvis_model_destroy(m);
    free(p8);
    free(plain);
    free(divd);
    free(obj);
}

typedef struct {
    int calls, bad;
    long last, total;
    char task[300];
} counts;

static void count_cb(void *user, const char *task, long done, long total)
{
    counts *c = user;
    if (strncmp(task, "lucid ", 6)) /* the kernel build's lines */
        return;
    c->bad |= c->calls && (strcmp(task, c->task) || done <= c->last || total != c->total);
    snprintf(c->task, sizeof c->task, "%s", task);
    c->calls++;
    c->last = done;
    c->total = total;
}

static void say_cb(void *user, const char *line)
{
    int *batches = user;
    if (strstr(line, "patterns ("))
        (*batches)++;
}

/* Item 7 of issue 15: the 64 patterns of a grid are one device batch; progress per step. */
static void test_batch_progress(void)
{
    counts c = {0};
    clvis_ctx_options co = {0};
    co.log = test_log;
    co.progress = count_cb;
    co.progress_user = &c;
    clvis_ctx *cx = NULL;
    clvis_model *m = NULL;
    clvis_status st = clvis_ctx_create(&co, &cx);
    if (!st)
        st = clvis_model_load(cx, TEST_KERAS_DIR "/small_convnet.h5", NULL, &m);
    int layer = -1, units[64], batches = 0;
    const int n = 64, steps = test_quick() ? 2 : 3, S = test_quick() ? 16 : 32;
    for (int i = 0; i < n; i++)
        units[i] = i % 32;
    if (!st)
        st = clvis_model_find_layer(m, "conv2d_1", &layer);
    if (!st)
        st = clvis_model_set_input_size(m, S, S);
    unsigned char *p8 = malloc((size_t)n * S * S * 3);
    clvis_lucid_options o;
    clvis_lucid_options_default(&o);
    o.steps = steps;
    if (!st)
        st = clvis_lucid_patterns(m, layer, units, n, &o, p8, NULL, NULL, say_cb, &batches);
    test_checkf(!st && batches == 1 && strstr(c.task, "batch 64"),
                "a 64-pattern lucid grid runs as one device batch (%d batch line%s; task '%s') %s",
                batches, batches == 1 ? "" : "s", c.task, st ? clvis_last_error() : "");
    test_checkf(!st && c.calls == steps && !c.bad && c.last == (long)n * steps &&
                    c.total == (long)n * steps,
                "progress per step: %d updates for %d steps, rising to %ld of %ld", c.calls,
                steps, c.last, c.total);
    clvis_model_destroy(m);
    clvis_ctx_destroy(cx);
    free(p8);
}

int main(void)
{
    int rc = test_open_ctx(&ctx);
    if (rc)
        return rc;
    test_term(3, 4, 10);
    test_term(4, 5, 7);
    test_term(2, 3, 1);
    test_fixed_points();
    test_pipeline();
    test_batch_progress();
    clvis_ctx_destroy(ctx);
    return test_summary();
}

/* test_pipelines.c — the library pipelines against the book's own code run by real Keras
 * (tests/data/keras/book_expected.h5, see tools/fixtures/README.md).
 * Tolerances (stated here and in the labels):
 *   activation grids: uint8 within +-1 on all pixels but <= 0.1%, dead counts equal,
 *     sparsity within 1e-6; viridis rgb within +-1 on all pixels but <= 0.1%;
 *   start noise: numpy RandomState(0) stream bit-exact (float32 equality);
 *   filter patterns from filters/start, conv2d/0 (first layer, well conditioned): x_final max
 *     abs error <= 1e-3 * max|x_final|, loss curve rel 1e-3, pattern uint8 within +-1 on >= 99%
 *     of pixels;
 *   conv2d_2/5 (behind two max-pools): 40 steps of normalised gradient ascent are chaotic
 *     there (measured: a 1e-6 relative perturbation of the start moves x_final by up to 30
 *     after 40 steps, by 0.47 after 3), so float rounding differences with TensorFlow cannot
 *     stay at 1e-3: loss curve rel 1e-3, x_final MEAN abs error <= 1.5 (measured 0.55),
 *     pattern within +-1 on >= 90% (measured 94.5%) and +-8 everywhere (measured max 5);
 *   Grad-CAM heatmap and heatmap_logit: max abs error <= 1e-4 (maps are in [0,1]),
 *     overlay uint8 within +-1 on all pixels but <= 0.1%. */
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/image.h"
#include "testutil.h"
#include "viz/book.h"
#include "explain/explain.h"
#include "cli/report.h"

#ifndef TEST_KERAS_DIR
#define TEST_KERAS_DIR "tests/data/keras"
#endif

static void *h5read(hid_t f, const char *name, hid_t type, size_t esize, size_t *count)
{
    int rank = 0;
    hsize_t dims[8] = {0};
    *count = 0;
    if (H5LTget_dataset_ndims(f, name, &rank) < 0 || rank > 8 ||
        H5LTget_dataset_info(f, name, dims, NULL, NULL) < 0)
        return NULL;
    size_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= dims[i];
    void *buf = malloc(n * esize + 1);
    if (buf && H5LTread_dataset(f, name, type, buf) < 0) {
        free(buf);
        return NULL;
    }
    *count = n;
    return buf;
}

static float *h5f(hid_t f, const char *name, size_t *n)
{
    return h5read(f, name, H5T_NATIVE_FLOAT, sizeof(float), n);
}

static unsigned char *h5u8(hid_t f, const char *name, size_t *n)
{
    return h5read(f, name, H5T_NATIVE_UCHAR, 1, n);
}

#define compare_u8 test_compare_u8

static clvis_model *load(clvis_ctx *ctx, const char *file)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", TEST_KERAS_DIR, file);
    clvis_model *m = NULL;
    clvis_status st = clvis_model_load(ctx, path, NULL, &m);
    char d[600];
    snprintf(d, sizeof d, "%s", st ? clvis_last_error() : "");
    test_check(file, st == CLVIS_OK, d);
    return st ? NULL : m;
}

static void test_activations(clvis_ctx *ctx, hid_t book, hid_t exp)
{
    clvis_model *m = load(ctx, "small_convnet.h5");
    if (!m)
        return;
    size_t n;
    float *x = h5f(exp, "/input", &n);
    static const char *names[] = {"conv2d",          "max_pooling2d",   "conv2d_1",
                                  "max_pooling2d_1", "conv2d_2",        "max_pooling2d_2",
                                  "conv2d_3",        "max_pooling2d_3"};
    int layers[8], def[8];
    int nd = clvis_activations_default_layers(m, def, 8);
    int ok = nd == 8;
    for (int i = 0; i < 8; i++) {
        clvis_status st = clvis_model_find_layer(m, names[i], &layers[i]);
        ok &= !st && (nd != 8 || def[i] == layers[i]);
    }
    test_check("activations: default layers = model.layers[:8]", ok, "");
    clvis_activation_result res[8];
    unsigned char *gray[8];
    char dir[] = "/tmp/clvis_test_pipe_XXXXXX";
    test_check("mkdtemp", mkdtemp(dir) != NULL, "");
    clvis_status st = clvis_activations(m, x, layers, 8, dir, res, gray, NULL, NULL);
    test_check("activations: run", st == CLVIS_OK, st ? clvis_last_error() : "");
    for (int i = 0; !st && i < 8; i++) {
        char ds[128], label[200];
        snprintf(ds, sizeof ds, "/activations/%s/grid", names[i]);
        size_t gn;
        unsigned char *want = h5u8(book, ds, &gn);
        snprintf(label, sizeof label, "activations %s grid %dx%d (+-1, <=0.1%%)", names[i],
                 res[i].grid_w, res[i].grid_h);
        if (!want || gn != (size_t)res[i].grid_w * res[i].grid_h)
            test_fail(label, "grid size differs from the fixture");
        else
            compare_u8(label, gray[i], want, gn, 1, 0.001);
        free(want);
        snprintf(ds, sizeof ds, "/activations/%s/dead", names[i]);
        size_t dn;
        unsigned char *dead = h5u8(book, ds, &dn);
        int wd = 0;
        for (size_t k = 0; dead && k < dn; k++)
            wd += dead[k] != 0;
        free(dead);
        char det[100];
        snprintf(det, sizeof det, "got %d want %d", res[i].dead, wd);
        snprintf(label, sizeof label, "activations %s dead channels", names[i]);
        test_check(label, dead && res[i].dead == wd, det);
        snprintf(ds, sizeof ds, "/activations/%s/sparsity", names[i]);
        double sp = -1;
        H5LTread_dataset_double(book, ds, &sp);
        snprintf(det, sizeof det, "got %.6f want %.6f", res[i].zero_fraction, sp);
        snprintf(label, sizeof label, "activations %s sparsity", names[i]);
        test_check(label, fabs(res[i].zero_fraction - sp) <= 1e-6, det);
        struct stat sb;
        snprintf(label, sizeof label, "activations %s png written", names[i]);
        test_check(label, res[i].file[0] && stat(res[i].file, &sb) == 0 && sb.st_size > 0,
                   res[i].file);
        if (!strcmp(names[i], "max_pooling2d_1")) {
            image8 rgb = {0};
            size_t rn;
            unsigned char *wrgb = h5u8(book, "/activations/max_pooling2d_1/rgb", &rn);
            image8 png = {0};
            if (!viz_viridis_u8(&rgb, gray[i], res[i].grid_w, res[i].grid_h) && wrgb &&
                rn == (size_t)rgb.w * rgb.h * 3) {
                compare_u8("activations max_pooling2d_1 viridis rgb (+-1, <=0.1%)", rgb.px, wrgb,
                           rn, 1, 0.001);
                if (!image_load(res[i].file, &png) && png.w == rgb.w && png.h == rgb.h)
                    compare_u8("activations max_pooling2d_1 png = viridis rgb (+-1, <=0.1%)",
                               png.px, wrgb, rn, 1, 0.001);
                else
                    test_fail("activations png readback", res[i].file);
            } else
                test_fail("activations viridis rgb", "missing or size mismatch");
            image_free(&rgb);
            image_free(&png);
            free(wrgb);
        }
    }
    for (int i = 0; !st && i < 8; i++) {
        unlink(res[i].file);
        free(gray[i]);
    }
    rmdir(dir);
    /* a layer that cannot be drawn */
    int dense = -1;
    if (!clvis_model_find_layer(m, "dense", &dense))
        test_expect_error("activations: dense layer refused",
                          clvis_activations(m, x, &dense, 1, NULL, res, NULL, NULL, NULL),
                          CLVIS_ERR_SHAPE);
    free(x);
    clvis_model_destroy(m);
}

static void test_start_noise(hid_t book)
{
    size_t n;
    float *want = h5f(book, "/filters/start", &n);
    viz_mt19937 r;
    viz_mt_seed(&r, 0);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += (float)(viz_mt_random(&r) * 20 + 128) != want[i];
    char d[100];
    snprintf(d, sizeof d, "n=%zu mismatches=%zu", n, bad);
    test_check("filters: seeded start = numpy RandomState(0).random_sample*20+128 (exact)",
               want && n == 64 * 64 * 3 && bad == 0, d);
    free(want);
}

static void test_filters(clvis_ctx *ctx, hid_t book)
{
    clvis_model *m = load(ctx, "small_convnet.h5");
    if (!m)
        return;
    size_t n;
    float *start = h5f(book, "/filters/start", &n);
    static const struct {
        const char *layer;
        int filter;
    } cases[] = {{"conv2d", 0}, {"conv2d_2", 5}};
    const size_t item = 64 * 64 * 3;
    /* quick: 2 of the 40 steps (a forward, a gradient step, a forward): the loss before each is
     * still the fixture's; x_final and the pattern (after 40 steps) are not checked. The chunk
     * check runs on the first layer (conv2d) instead of conv2d_1. */
    const int quick = test_quick(), steps = quick ? 2 : 40;
    if (quick)
        test_quick_note("filters: 2 ascent steps of 40, loss curve prefix only (x_final and "
                        "pattern vs Keras not checked); chunking on conv2d and the grid: 1 step");
    for (int c = 0; c < 2; c++) {
        int layer;
        clvis_model_find_layer(m, cases[c].layer, &layer);
        clvis_filter_options o;
        clvis_filter_options_default(&o);
        o.init = start;
        o.steps = steps;
        /* the filter twice plus another one: a batch of 3 whose items must not interact */
        int filters[3] = {cases[c].filter, cases[c].filter == 0 ? 3 : 0, cases[c].filter};
        float *xf = malloc(3 * item * sizeof *xf), *loss = malloc(3 * 40 * sizeof *loss);
        unsigned char *pat = malloc(3 * item);
        clvis_status st = clvis_filter_patterns(m, layer, filters, 3, NULL, &o, xf, pat, loss,
                                              NULL, NULL);
        char label[200], ds[200];
        snprintf(label, sizeof label, "filters %s/%d: run (batch 3)", cases[c].layer,
                 cases[c].filter);
        test_check(label, st == CLVIS_OK, st ? clvis_last_error() : "");
        if (!st && quick) {
            size_t wn;
            snprintf(ds, sizeof ds, "/filters/%s/%d/loss", cases[c].layer, cases[c].filter);
            float *wl = h5f(book, ds, &wn);
            snprintf(label, sizeof label, "filters %s/%d: loss curve, first %d steps (rel 1e-3)",
                     cases[c].layer, cases[c].filter, steps);
            if (wl && wn == 40)
                test_compare_f(label, loss, wl, (size_t)steps, 1e-3);
            else
                test_fail(label, "fixture missing");
            free(wl);
        } else if (!st) {
            size_t wn;
            snprintf(ds, sizeof ds, "/filters/%s/%d/x_final", cases[c].layer, cases[c].filter);
            float *wx = h5f(book, ds, &wn);
            snprintf(label, sizeof label, "filters %s/%d: x_final (rel 1e-3)", cases[c].layer,
                     cases[c].filter);
            if (wx && wn == item && c == 0)
                test_compare_f(label, xf, wx, item, 1e-3);
            else if (wx && wn == item) {
                /* chaotic case: mean abs error instead of max */
                double mae = 0;
                for (size_t i = 0; i < item; i++)
                    mae += fabs((double)xf[i] - wx[i]);
                mae /= (double)item;
                char det[100];
                snprintf(det, sizeof det, "mean abs error %.3f (allowed 1.5)", mae);
                snprintf(label, sizeof label, "filters %s/%d: x_final mean abs error",
                         cases[c].layer, cases[c].filter);
                test_check(label, mae <= 1.5, det);
            } else
                test_fail(label, "fixture missing");
            free(wx);
            snprintf(ds, sizeof ds, "/filters/%s/%d/loss", cases[c].layer, cases[c].filter);
            float *wl = h5f(book, ds, &wn);
            snprintf(label, sizeof label, "filters %s/%d: loss curve (rel 1e-3)", cases[c].layer,
                     cases[c].filter);
            if (wl && wn == 40)
                test_compare_f(label, loss, wl, 40, 1e-3);
            free(wl);
            snprintf(ds, sizeof ds, "/filters/%s/%d/pattern", cases[c].layer, cases[c].filter);
            unsigned char *wp = h5u8(book, ds, &wn);
            snprintf(label, sizeof label, "filters %s/%d: pattern (+-1 on >= 99%%)",
                     cases[c].layer, cases[c].filter);
            if (wp && wn == item && c == 0)
                compare_u8(label, pat, wp, item, 1, 0.01);
            else if (wp && wn == item) {
                snprintf(label, sizeof label, "filters %s/%d: pattern (+-1 on >= 90%%)",
                         cases[c].layer, cases[c].filter);
                compare_u8(label, pat, wp, item, 1, 0.10);
                snprintf(label, sizeof label, "filters %s/%d: pattern (+-8 everywhere)",
                         cases[c].layer, cases[c].filter);
                compare_u8(label, pat, wp, item, 8, 0.0);
            }
            else
                test_fail(label, "fixture missing");
            free(wp);
            snprintf(label, sizeof label, "filters %s/%d: batch items independent",
                     cases[c].layer, cases[c].filter);
            test_check(label, !memcmp(xf, xf + 2 * item, item * sizeof *xf), "item 0 == item 2");
        }
        free(xf);
        free(loss);
        free(pat);
    }
    /* chunking gives the same result as one batch */
    {
        int layer;
        clvis_model_find_layer(m, quick ? "conv2d" : "conv2d_1", &layer);
        clvis_filter_options o;
        clvis_filter_options_default(&o);
        o.steps = quick ? 1 : 5;
        o.seed = 7;
        int filters[5] = {0, 1, 2, 3, 4};
        unsigned char *a = malloc(5 * item), *b = malloc(5 * item);
        clvis_status s1 = clvis_filter_patterns(m, layer, filters, 5, NULL, &o, NULL, a, NULL, NULL,
                                              NULL);
        o.chunk = 2;
        clvis_status s2 = clvis_filter_patterns(m, layer, filters, 5, NULL, &o, NULL, b, NULL, NULL,
                                              NULL);
        test_check("filters: chunk 2 == one batch of 5", !s1 && !s2 && !memcmp(a, b, 5 * item),
                   "");
        free(a);
        free(b);
        int bad = 99;
        test_expect_error("filters: filter out of range",
                          clvis_filter_patterns(m, layer, &bad, 1, NULL, &o, NULL, (unsigned char *)
                                              start, NULL, NULL, NULL),
                          CLVIS_ERR_INVALID_ARG);
    }
    /* the grid of a layer with 16 channels: 547x547 */
    {
        int layer;
        clvis_model_find_layer(m, "conv2d", &layer);
        clvis_filter_options o;
        clvis_filter_options_default(&o);
        o.steps = quick ? 1 : 2;
        image8 grid = {0};
        clvis_status st = clvis_filters(m, layer, &o, &grid, NULL, NULL);
        char d[100];
        snprintf(d, sizeof d, "%dx%d", grid.w, grid.h);
        /* #13: 16 filters make a grid of 16 cells (8 rows x 2 columns), not half an 8x8 */
        test_check("filters: grid of a 16-channel layer: 8 rows x 2 columns, 133x547",
                   !st && grid.w == 2 * 64 + 5 && grid.h == 547, d);
        image_free(&grid);
    }
    free(start);
    clvis_model_destroy(m);
}

static void test_gradcam(clvis_ctx *ctx, hid_t book, hid_t fexp)
{
    clvis_model *m = load(ctx, "functional.h5");
    if (!m)
        return;
    size_t n;
    float *x = h5f(fexp, "/input", &n);
    int conv5 = -1;
    clvis_model_find_layer(m, "conv2d_5", &conv5);
    test_check("gradcam: default layer = conv2d_5 (last conv)",
               clvis_gradcam_default_layer(m) == conv5, "");
    long long top = -1;
    float top_prob = 0;
    H5LTread_dataset(book, "/gradcam/top_class", H5T_NATIVE_LLONG, &top);
    H5LTread_dataset_float(book, "/gradcam/top_prob", &top_prob);

    clvis_prediction pr[3];
    int np_ = 0;
    clvis_status st = clvis_predict(m, x, 3, pr, &np_, NULL, 0, NULL);
    char d[200];
    snprintf(d, sizeof d, "got %d (%.5f) want %lld (%.5f)", np_ ? pr[0].index : -1,
             np_ ? pr[0].score : 0, top, top_prob);
    test_check("predict: top-1 class and prob", !st && np_ == 3 && pr[0].index == top &&
               fabsf(pr[0].score - top_prob) < 1e-5 && pr[1].score <= pr[0].score, d);

    clvis_gradcam_options o = {-1, -1, 0, NULL, 0, NULL, NULL};
    clvis_gradcam_result r;
    st = clvis_gradcam(m, x, &o, &r);
    test_check("gradcam book: run", !st, st ? clvis_last_error() : "");
    if (!st) {
        size_t hn;
        float *hm = h5f(book, "/gradcam/heatmap", &hn);
        snprintf(d, sizeof d, "class %d layer %d map %dx%d", r.cls, r.layer, r.h, r.w);
        test_check("gradcam book: class, layer, size",
                   r.cls == top && r.layer == conv5 && r.h == 8 && r.w == 7, d);
        if (hm && hn == (size_t)r.h * r.w)
            test_compare_f("gradcam book: heatmap (abs 1e-4)", r.map, hm, hn, 1e-4);
        /* overlay on the fixture's image (BGR in the file; RGB for viz_overlay) */
        size_t in_, on;
        unsigned char *bgr = h5u8(book, "/gradcam/image_bgr", &in_);
        unsigned char *ov = h5u8(book, "/gradcam/overlay", &on);
        image8 img = {0}, out = {0};
        if (bgr && ov && in_ == 37 * 53 * 3 && !image_alloc(&img, 53, 37, 3)) {
            for (size_t p = 0; p < 37 * 53; p++)
                for (int c = 0; c < 3; c++)
                    img.px[p * 3 + c] = bgr[p * 3 + 2 - c];
            st = viz_overlay(&out, &img, r.map, r.h, r.w);
            if (!st) {
                for (size_t p = 0; p < 37 * 53; p++) { /* back to BGR */
                    unsigned char t = out.px[p * 3];
                    out.px[p * 3] = out.px[p * 3 + 2];
                    out.px[p * 3 + 2] = t;
                }
                compare_u8("gradcam: overlay of our map (+-1, <=0.1%)", out.px, ov, on, 1, 0.001);
            } else
                test_fail("gradcam: overlay", clvis_last_error());
        } else
            test_fail("gradcam: overlay fixture", "missing");
        image_free(&img);
        image_free(&out);
        free(bgr);
        free(ov);
        free(hm);
        clvis_gradcam_free(&r);
    }
    o.logit = 1;
    st = clvis_gradcam(m, x, &o, &r);
    test_check("gradcam logit: run", !st, st ? clvis_last_error() : "");
    if (!st) {
        size_t hn, ln;
        float *hm = h5f(book, "/gradcam/heatmap_logit", &hn);
        float *lg = h5f(book, "/gradcam/logits", &ln);
        if (hm && hn == (size_t)r.h * r.w)
            test_compare_f("gradcam logit: heatmap_logit (abs 1e-4)", r.map, hm, hn, 1e-4);
        if (lg && r.cls >= 0 && (size_t)r.cls < ln) {
            snprintf(d, sizeof d, "got %.6f want %.6f", r.score, lg[r.cls]);
            test_check("gradcam logit: score = pre-softmax logit",
                       fabsf(r.score - lg[r.cls]) <= 1e-4f * (1 + fabsf(lg[r.cls])), d);
        }
        free(hm);
        free(lg);
        clvis_gradcam_free(&r);
    }
    /* bad inputs */
    int dense = -1, flat = -1;
    clvis_model_find_layer(m, "dense", &dense);
    o = (clvis_gradcam_options){dense, -1, 0, NULL, 0, NULL, NULL};
    test_expect_error("gradcam: dense layer refused", clvis_gradcam(m, x, &o, &r),
                      CLVIS_ERR_UNSUPPORTED);
    (void)flat;
    o = (clvis_gradcam_options){-1, 10, 0, NULL, 0, NULL, NULL};
    test_expect_error("gradcam: class 10 of 10 refused", clvis_gradcam(m, x, &o, &r),
                      CLVIS_ERR_INVALID_ARG);
    free(x);
    clvis_model_destroy(m);
}

static void test_report(void)
{
    char dir[] = "/tmp/clvis_test_rep_XXXXXX";
    if (!mkdtemp(dir))
        return;
    report_entry e[2] = {{.command = "gradcam", .file = "a<b>.png", .caption = "cat & dog",
                          .model = "m.h5", .device = "PoCL", .ms = 12.5},
                         {.command = "predict", .file = "", .caption = "tabby 0.5",
                          .model = "m.h5", .device = "PoCL", .ms = 3}};
    clvis_status st = report_add(dir, e, 2);
    e[0].caption = "replaced";
    if (!st)
        st = report_add(dir, e, 1);
    char path[256], buf[8192] = {0};
    snprintf(path, sizeof path, "%s/index.html", dir);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    test_check("report: index.html escapes, accumulates, replaces",
               !st && strstr(buf, "a&lt;b&gt;.png") && strstr(buf, "tabby 0.5") &&
                   strstr(buf, "replaced") && !strstr(buf, "cat &amp; dog"),
               "");
    unlink(path);
    snprintf(path, sizeof path, "%s/manifest.tsv", dir);
    unlink(path);
    rmdir(dir);
}

/* The CAM method table: names, selection by name equal to selection by the `logit` flag, and an
 * unknown name refused with one line naming it. */
static void test_cam_methods(clvis_ctx *ctx, hid_t fexp)
{
    static const char *const want[] = {"gradcam",  "gradcam-paper", "gradcam++",
                                       "xgradcam", "layercam",      "hirescam",
                                       "eigencam", "eigengradcam",  "scorecam",
                                       "ablationcam", "fullgrad"};
    int nwant = (int)(sizeof want / sizeof want[0]), listed = 1;
    for (int i = 0; i < nwant; i++)
        listed &= clvis_cam_method_name(i) && !strcmp(clvis_cam_method_name(i), want[i]) &&
                  clvis_cam_method_summary(i) && *clvis_cam_method_summary(i) &&
                  !strchr(clvis_cam_method_summary(i), '\n');
    test_check("cam methods: gradcam, gradcam-paper, gradcam++, xgradcam, layercam, hirescam, "
               "eigencam, eigengradcam, scorecam, ablationcam, fullgrad, then none; a one-line "
               "summary each",
               listed && !clvis_cam_method_name(nwant) && !clvis_cam_method_name(-1) &&
                   !clvis_cam_method_summary(nwant) && !clvis_cam_method_summary(-1),
               "");
    clvis_model *m = load(ctx, "functional.h5");
    if (!m)
        return;
    size_t n;
    float *x = h5f(fexp, "/input", &n);
    for (int logit = 0; logit < 2; logit++) {
        clvis_gradcam_options byflag = {-1, -1, logit, NULL, 0, NULL, NULL};
        clvis_gradcam_options byname = {-1,   -1, 0, clvis_cam_method_name(logit),
                                        0, NULL, NULL};
        clvis_gradcam_result a, b;
        clvis_status sa = clvis_gradcam(m, x, &byflag, &a);
        clvis_status sb = clvis_gradcam(m, x, &byname, &b);
        test_checkf(!sa && !sb && a.h == b.h && a.w == b.w && a.score == b.score &&
                        !memcmp(a.map, b.map, (size_t)a.h * a.w * sizeof *a.map),
                    "%s: %s / %s", logit ? "method gradcam-paper = logit flag"
                                         : "method gradcam = default",
                    clvis_status_name(sa), clvis_status_name(sb));
        clvis_gradcam_free(&a);
        clvis_gradcam_free(&b);
    }
    /* every later method on a Keras model (functional.h5: Dense softmax head): a map in [0, 1]
     * peaking at 1 (or all zeros, flagged); the model-output score by default, the logit with
     * logit = 1 (a different score and a different map) */
    /* quick (the simulator): scorecam and ablationcam, a forward pass per channel of the
     * layer (most of this section's time there), without their logit run */
    int quick = test_quick();
    if (quick)
        test_quick_note("cam methods: scorecam and ablationcam with the output score only "
                        "(their logit-score runs not made)");
    for (int i = 2; i < nwant; i++) {
        int per_channel = !strcmp(want[i], "scorecam") || !strcmp(want[i], "ablationcam");
        int with_logit = !(quick && per_channel);
        clvis_gradcam_options po = {-1, -1, 0, want[i], 0, NULL, NULL};
        clvis_gradcam_options lo = {-1, -1, 1, want[i], 0, NULL, NULL};
        clvis_gradcam_result a, b;
        memset(&b, 0, sizeof b);
        clvis_status sa = clvis_gradcam(m, x, &po, &a);
        clvis_status sb = with_logit ? clvis_gradcam(m, x, &lo, &b) : CLVIS_OK;
        int logit_ok = !with_logit || (!sb && b.score != a.score && a.cls == b.cls);
        float mn = 1, mx = 0;
        for (int k = 0; !sa && k < a.h * a.w; k++)
            mn = a.map[k] < mn ? a.map[k] : mn, mx = a.map[k] > mx ? a.map[k] : mx;
        test_checkf(!sa && !sb && mn >= 0 && (a.all_nonpositive ? mx == 0 : mx == 1.0f) &&
                        a.score == a.prob && logit_ok,
                    "%s on functional.h5: %dx%d map in [0, 1], max %g; score %g (the output), "
                    "with logit %g: %s / %s",
                    want[i], a.h, a.w, mx, a.score, b.score, clvis_status_name(sa),
                    clvis_status_name(sb));
        if (!sa)
            clvis_gradcam_free(&a);
        if (!sb && with_logit)
            clvis_gradcam_free(&b);
    }
    /* "gradcam" with the logit flag: the logit score, channel mean; divided by its max, the
     * paper's channel-sum map */
    {
        clvis_gradcam_options bo = {-1, -1, 1, "gradcam", 0, NULL, NULL};
        clvis_gradcam_options po = {-1, -1, 0, "gradcam-paper", 0, NULL, NULL};
        clvis_gradcam_result a, b;
        clvis_status sa = clvis_gradcam(m, x, &bo, &a), sb = clvis_gradcam(m, x, &po, &b);
        double worst = 0;
        for (int k = 0; !sa && !sb && k < a.h * a.w && a.h == b.h && a.w == b.w; k++)
            worst = fmax(worst, fabs((double)a.map[k] - b.map[k]));
        test_checkf(!sa && !sb && a.h == b.h && a.w == b.w && a.score == b.score && worst < 1e-6,
                    "method gradcam + logit flag = gradcam-paper (max abs %.2g): %s / %s", worst,
                    clvis_status_name(sa), clvis_status_name(sb));
        if (!sa)
            clvis_gradcam_free(&a);
        if (!sb)
            clvis_gradcam_free(&b);
    }
    clvis_gradcam_options bad = {-1, -1, 0, "gradcam+++", 0, NULL, NULL};
    clvis_gradcam_result r;
    clvis_status st = clvis_gradcam(m, x, &bad, &r);
    test_checkf(st == CLVIS_ERR_INVALID_ARG && strstr(clvis_last_error(), "gradcam+++") &&
                    strstr(clvis_last_error(), "hirescam") &&
                    !strchr(clvis_last_error(), '\n') && !r.map,
                "unknown CAM method refused, naming it and the known ones: %s: %s",
                clvis_status_name(st), clvis_last_error());
    free(x);
    clvis_model_destroy(m);
}

/* One ascent step with --preprocess tf (and caffe) equals the step computed by hand through the
 * public API: gradient at pre(x), chained back to pixels (x 1/127.5, channel swap for caffe),
 * RMS-normalised. Also a resized input (48x48) for a model built at 64x64. */
static void test_filters_preprocess(clvis_ctx *ctx)
{
    clvis_model *m = load(ctx, "small_convnet.h5");
    if (!m)
        return;
    const int S = 48, item = S * S * 3;
    clvis_status st = clvis_model_set_input_size(m, S, S);
    test_check("set_input_size 48x48 on a 64x64 model", st == CLVIS_OK,
               st ? clvis_last_error() : "");
    int layer, dense;
    clvis_model_find_layer(m, "conv2d_2", &layer);
    clvis_model_find_layer(m, "dense", &dense);
    clvis_shape ls = clvis_model_layer_shape(m, layer);
    char d[200];
    snprintf(d, sizeof d, "conv2d_2 at 48x48 input: %dx%dx%d", ls.h, ls.w, ls.c);
    test_check("shapes re-inferred for the new input size", ls.h == 8 && ls.w == 8, d);
    const clvis_preprocess modes[2] = {CLVIS_PREPROCESS_TF, CLVIS_PREPROCESS_CAFFE};
    for (int k = 0; k < 2; k++) {
        clvis_filter_options o;
        clvis_filter_options_default(&o);
        o.steps = 1;
        o.preprocess = modes[k];
        int f = 3;
        float *xf = malloc(item * sizeof *xf), *pre = malloc(item * sizeof *pre);
        float *seed = calloc((size_t)ls.h * ls.w * ls.c, sizeof *seed);
        float *g = malloc(item * sizeof *g), *want = malloc(item * sizeof *want);
        unsigned char *pat = malloc(item);
        /* the start the pipeline draws for seed 0: numpy RandomState(0), x*20+128 */
        viz_mt19937 rng;
        viz_mt_seed(&rng, 0);
        float *start = malloc(item * sizeof *start);
        for (int i = 0; i < item; i++)
            start[i] = (float)(viz_mt_random(&rng) * 20 + 128);
        st = clvis_filter_patterns(m, layer, &f, 1, NULL, &o, xf, pat, NULL, NULL, NULL);
        /* by hand */
        const float mean[3] = {103.939f, 116.779f, 123.68f};
        for (int p = 0; p < S * S; p++)
            for (int c = 0; c < 3; c++)
                pre[p * 3 + c] = k == 0 ? start[p * 3 + c] / 127.5f - 1.0f
                                        : start[p * 3 + 2 - c] - mean[c];
        for (int p = 0; p < ls.h * ls.w; p++)
            seed[p * ls.c + f] = 1.0f / (ls.h * ls.w);
        clvis_status s2 = clvis_model_forward(m, pre, 1, layer);
        if (!s2)
            s2 = clvis_model_backward(m, layer, seed, -1, g);
        double ss = 0;
        for (int p = 0; p < S * S; p++)
            for (int c = 0; c < 3; c++) {
                float gp = k == 0 ? g[p * 3 + c] / 127.5f : g[p * 3 + 2 - c];
                want[p * 3 + c] = gp;
                ss += (double)gp * gp;
            }
        float rms = sqrtf((float)(ss / item)) + 1e-5f;
        for (int i = 0; i < item; i++)
            want[i] = start[i] + want[i] / rms;
        if (st || s2)
            test_fail(k ? "filters --preprocess caffe" : "filters --preprocess tf",
                      clvis_last_error());
        else
            test_compare_f(k ? "filters --preprocess caffe: one step = hand-chained gradient"
                             : "filters --preprocess tf: one step = hand-chained gradient",
                           xf, want, item, 1e-5);
        free(xf), free(pre), free(seed), free(g), free(want), free(pat), free(start);
    }
    /* the device loop (kernels/ascent.cl) against the host loop it replaced (CLVIS_ASCENT=host):
     * through the whole layer (=full) bit for bit, and with the one-channel path (the default)
     * within float rounding (its sums run in another order); three preprocessings, 3 filters
     * in batches of 2 (the second padded), 3 steps, the loss. Quick (the simulator): at 32x32
     * (conv2d_2 4x4), the same kernels on 0.44x the pixels. */
    int LS = S, litem = item;
    if (test_quick()) {
        test_quick_note("filters preprocess: the device / host loop comparisons at 32x32, not 48x48");
        LS = 32, litem = LS * LS * 3;
        st = clvis_model_set_input_size(m, LS, LS);
        test_check("set_input_size 32x32 (quick)", st == CLVIS_OK, st ? clvis_last_error() : "");
    }
    const clvis_preprocess all[3] = {CLVIS_PREPROCESS_RAW, CLVIS_PREPROCESS_TF,
                                     CLVIS_PREPROCESS_CAFFE};
    static const char *const envs[3] = {"host", "full", NULL};
    for (int k = 0; k < 3; k++) {
        clvis_filter_options o;
        clvis_filter_options_default(&o);
        o.steps = 3;
        o.chunk = 2;
        o.preprocess = all[k];
        int fs[3] = {3, 0, 5};
        float *xr[3], lr[3][9];
        unsigned char *pr = malloc(3 * litem);
        clvis_status sr[3];
        for (int e = 0; e < 3; e++) {
            xr[e] = malloc(3 * litem * sizeof *xr[e]);
            if (envs[e])
                setenv("CLVIS_ASCENT", envs[e], 1);
            sr[e] = clvis_filter_patterns(m, layer, fs, 3, NULL, &o, xr[e], pr, lr[e], NULL, NULL);
            unsetenv("CLVIS_ASCENT");
        }
        for (int e = 1; e < 3; e++) {
            char l[200];
            const char *how = e == 1 ? "device loop (CLVIS_ASCENT=full) = host loop"
                                     : "one-channel device loop ~ host loop";
            double tol = e == 1 ? 0.0 : 1e-5;
            snprintf(l, sizeof l, "filters --preprocess %s: %s, x_final",
                     clvis_preprocess_name(all[k]), how);
            if (sr[0] || sr[e])
                test_fail(l, clvis_last_error());
            else {
                test_compare_f(l, xr[e], xr[0], 3 * (size_t)litem, tol);
                snprintf(l, sizeof l, "filters --preprocess %s: %s, loss",
                         clvis_preprocess_name(all[k]), how);
                test_compare_f(l, lr[e], lr[0], 9, tol);
            }
        }
        for (int e = 0; e < 3; e++)
            free(xr[e]);
        free(pr);
    }
    float *tmp = malloc(item * sizeof *tmp);
    for (int i = 0; i < item; i++)
        tmp[i] = 0.5f;
    st = clvis_model_forward(m, tmp, 1, dense);
    test_expect_error("dense after flatten refuses a resized input", st, CLVIS_ERR_SHAPE);
    free(tmp);
    st = clvis_model_set_input_size(m, 64, 64);
    test_check("back to 64x64: the whole model runs again",
               st == CLVIS_OK && clvis_model_layer_shape(m, dense).c == 64,
               st ? clvis_last_error() : "");
    clvis_model_destroy(m);
}

/* #13: a one-output sigmoid model has two classes everywhere: class 1 = p, class 0 = 1 - p.
 * predict gives both (the predicted one first); Grad-CAM of class 0 is the map of -dp/dA (the
 * gradient of 1 - p), built here by hand from the engine's own dp/dA, and class 1 the map of
 * +dp/dA; with the logit score class 0 differentiates -logit; the default is the predicted
 * class. */
static void cam_by_hand(const float *act, const float *g, float sign, int hw, int k, int sum,
                        float *map)
{
    double *acc = calloc((size_t)hw, sizeof *acc), mx = 0;
    for (int c = 0; acc && c < k; c++) {
        double alpha = 0;
        for (int p = 0; p < hw; p++)
            alpha += sign * g[(size_t)p * k + c];
        alpha /= hw;
        for (int p = 0; p < hw; p++)
            acc[p] += alpha * act[(size_t)p * k + c];
    }
    for (int p = 0; acc && p < hw; p++) {
        acc[p] = sum ? acc[p] : acc[p] / k;
        acc[p] = acc[p] > 0 ? acc[p] : 0;
        mx = acc[p] > mx ? acc[p] : mx;
    }
    for (int p = 0; acc && p < hw; p++)
        map[p] = mx > 0 ? (float)(acc[p] / mx) : 0.0f;
    free(acc);
}

static void test_sigmoid_classes(clvis_ctx *ctx)
{
    clvis_model *m = load(ctx, "small_convnet.h5");
    if (!m)
        return;
    size_t n = clvis_input_count(m);
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; x && i < n; i++)
        x[i] = (float)((i * 37u + 11u) % 256u) / 255.0f;
    int nl = clvis_model_layer_count(m), out = nl - 1, layer = clvis_gradcam_default_layer(m);
    clvis_shape ls = clvis_model_layer_shape(m, layer);
    int hw = ls.h * ls.w, k = ls.c;
    float *act = malloc((size_t)hw * k * sizeof *act), *g = malloc((size_t)hw * k * sizeof *g);
    float *want = malloc((size_t)hw * sizeof *want), p = 0, one = 1.0f;
    if (!x || !act || !g || !want) {
        test_fail("sigmoid classes", "out of memory");
        goto done;
    }
    test_check("sigmoid model: 2 classes, 1 output",
               clvis_class_count(m) == 2 && clvis_output_count(m) == 1, "");
    clvis_status st = clvis_model_forward(m, x, 1, -1);
    if (!st)
        st = clvis_model_read(m, out, &p);
    if (!st)
        st = clvis_model_read(m, layer, act);
    if (!st)
        st = clvis_model_backward(m, out, &one, layer, g);
    if (st) {
        test_fail("sigmoid classes: forward/backward", clvis_last_error());
        goto done;
    }
    clvis_prediction top[3];
    float probs[2] = {-1, -1};
    int nt = 0, no = 0;
    st = clvis_predict(m, x, 3, top, &nt, probs, 2, &no);
    test_checkf(!st && nt == 2 && no == 2 && top[0].index == (p > 0.5f) &&
                    top[1].index == !(p > 0.5f) && fabsf(probs[1] - p) < 1e-6f &&
                    fabsf(probs[0] - (1 - p)) < 1e-6f && top[0].score >= top[1].score,
                "predict on a sigmoid model: class 1 = p = %.6f, class 0 = 1 - p, predicted first "
                "(got %d: %.6f, %d: %.6f)", p, top[0].index, top[0].score, top[1].index,
                top[1].score);
    float z[2] = {0, 0};
    for (int sum = 0; sum < 2; sum++)
        for (int cls = 0; cls < 2; cls++) {
            clvis_gradcam_options o = {.layer = layer, .cls = cls, .logit = sum};
            clvis_gradcam_result r;
            st = clvis_gradcam(m, x, &o, &r);
            char label[160];
            snprintf(label, sizeof label, "gradcam %s class %d of a sigmoid model = the map of "
                     "%sdp/dA (abs 1e-5)", sum ? "--score logit" : "(book)", cls,
                     cls ? "+" : "-");
            if (st) {
                test_fail(label, clvis_last_error());
                continue;
            }
            cam_by_hand(act, g, cls ? 1.0f : -1.0f, hw, k, sum, want);
            test_compare_f(label, r.map, want, (size_t)hw, 1e-5);
            float wp = cls ? p : 1 - p;
            if (sum)
                z[cls] = r.score;
            test_checkf(r.cls == cls && fabsf(r.prob - wp) < 1e-6f &&
                            (sum || fabsf(r.score - wp) < 1e-6f),
                        "gradcam class %d: probability %.6f (want %.6f), score %.6f", cls, r.prob,
                        wp, r.score);
            clvis_gradcam_free(&r);
        }
    test_checkf(z[1] != 0 && z[0] == -z[1] && fabsf(1.0f / (1.0f + expf(-z[1])) - p) < 1e-5f,
                "--score logit: class 1 differentiates the logit z (sigmoid(z) = p), class 0 -z "
                "(got %.6f, %.6f)", z[1], z[0]);
    clvis_gradcam_options od = {.layer = layer, .cls = -1, .logit = 0};
    clvis_gradcam_result rd;
    if (!clvis_gradcam(m, x, &od, &rd)) {
        test_checkf(rd.cls == (p > 0.5f), "gradcam default class = the predicted one (%d, p %.4f)",
                    rd.cls, p);
        clvis_gradcam_free(&rd);
    } else
        test_fail("gradcam default class", clvis_last_error());
    clvis_gradcam_options o2 = {.layer = layer, .cls = 2, .logit = 0};
    clvis_gradcam_result r2;
    test_expect_error("gradcam class 2 of a sigmoid model refused", clvis_gradcam(m, x, &o2, &r2),
                      CLVIS_ERR_INVALID_ARG);
done:
    free(x);
    free(act);
    free(g);
    free(want);
    clvis_model_destroy(m);
}

/* #13 item 4: class visualisation, filter patterns on the output layer: gradient ascent on the
 * class's pre-softmax score. On the functional fixture (Dense softmax(10)) three classes in one
 * batch: each item's loss before the first step is its class's logit on its start image (as
 * Grad-CAM's logit score computes it, graph_preact), the loss goes up, and the final image is
 * predicted as the class asked for (the right unit). On the sigmoid convnet class 1 raises p
 * and class 0 lowers it. A class the output does not have is refused. */
static void test_class_visualisation(clvis_ctx *ctx)
{
    clvis_model *m = load(ctx, "functional.h5");
    if (!m)
        return;
    int out = clvis_model_layer_count(m) - 1, cls[3] = {3, 7, 0};
    size_t item = clvis_input_count(m);
    /* quick (the simulator): 5 ascent steps, not 20 (the loss still has to rise) */
    int nsteps = test_quick() ? 5 : 20;
    if (test_quick())
        test_quick_note("class visualisation: 5 ascent steps of 20 on functional.h5");
    float *x0 = malloc(3 * item * sizeof *x0), *xf = malloc(3 * item * sizeof *xf);
    float *loss = malloc(3 * nsteps * sizeof *loss);
    unsigned char *pat = malloc(3 * item);
    clvis_filter_options o;
    clvis_filter_options_default(&o);
    o.steps = 0; /* the start images themselves */
    clvis_status st = clvis_filter_patterns(m, out, cls, 3, NULL, &o, x0, pat, NULL, NULL, NULL);
    o.steps = nsteps;
    if (!st)
        st = clvis_filter_patterns(m, out, cls, 3, NULL, &o, xf, pat, loss, NULL, NULL);
    if (st) {
        test_fail("class visualisation", clvis_last_error());
        goto done;
    }
    for (int k = 0; k < 3; k++) {
        clvis_gradcam_options go = {.layer = -1, .cls = cls[k], .logit = 1};
        clvis_gradcam_result r;
        float z0 = 0;
        if (!clvis_gradcam(m, x0 + k * item, &go, &r))
            z0 = r.score;
        clvis_gradcam_free(&r);
        test_checkf(fabsf(loss[k * nsteps] - z0) <= 1e-4f * fmaxf(1, fabsf(z0)) &&
                        loss[k * nsteps + nsteps - 1] > loss[k * nsteps],
                    "class visualisation of class %d (item %d of one batch): loss = its "
                    "pre-softmax logit %.4f (Grad-CAM's logit %.4f), up to %.4f after %d steps",
                    cls[k], k, loss[k * nsteps], z0, loss[k * nsteps + nsteps - 1], nsteps);
    }
    /* the right unit: the first step is x0 + g / rms(g) with g = d logit_k / d x, where
     * logit_k = W[:, k] . h + b_k (the Dense kernel read from the Keras file, h its input
     * 'concatenate_1'): g is the engine's backward from h seeded with W[:, k] */
    {
        hid_t f = H5Fopen(TEST_KERAS_DIR "/functional.h5", H5F_ACC_RDONLY, H5P_DEFAULT);
        size_t nw = 0;
        float *w = f >= 0 ? h5f(f, "/model_weights/dense/dense/kernel:0", &nw) : NULL;
        if (f >= 0)
            H5Fclose(f);
        int hl = -1;
        clvis_model_find_layer(m, "concatenate_1", &hl);
        float *x1 = malloc(3 * item * sizeof *x1), *g = malloc(item * sizeof *g), seedv[64];
        o.steps = 1;
        st = !w || nw != 640 || hl < 0 || !x1 || !g
                 ? CLVIS_ERR_INVALID_ARG
                 : clvis_filter_patterns(m, out, cls, 3, NULL, &o, x1, pat, NULL, NULL, NULL);
        for (int k = 0; !st && k < 3; k++) {
            for (int i = 0; i < 64; i++)
                seedv[i] = w[i * 10 + cls[k]];
            if ((st = clvis_model_forward(m, x0 + k * item, 1, -1)) ||
                (st = clvis_model_backward(m, hl, seedv, -1, g)))
                break;
            double ss = 0, err = 0;
            for (size_t i = 0; i < item; i++)
                ss += (double)g[i] * g[i];
            double rms = sqrt(ss / (double)item) + 1e-5;
            for (size_t i = 0; i < item; i++) {
                double d = (x1[k * item + i] - x0[k * item + i]) - g[i] / rms;
                err = fabs(d) > err ? fabs(d) : err;
            }
            test_checkf(err < 1e-3, "class visualisation of class %d: the first step is "
                        "d logit_%d / d x (W[:, %d] through the Dense input), RMS-normalised: "
                        "max abs error %.2e", cls[k], cls[k], cls[k], err);
        }
        if (st)
            test_fail("class visualisation: first step", clvis_last_error());
        free(w), free(x1), free(g);
        o.steps = nsteps;
    }
    int bad = 10;
    test_expect_error("class visualisation: class 10 of 10 refused",
                      clvis_filter_patterns(m, out, &bad, 1, NULL, &o, NULL, pat, NULL, NULL,
                                            NULL),
                      CLVIS_ERR_INVALID_ARG);
    clvis_model_destroy(m);
    m = NULL;
    if (test_quick()) { /* 2 x 20 ascent steps at 150x150: minutes on a simulator */
        test_quick_note("class visualisation of a sigmoid output not run (the full run has it)");
        goto done;
    }
    m = load(ctx, "small_convnet.h5");
    if (!m)
        goto done;
    out = clvis_model_layer_count(m) - 1;
    item = clvis_input_count(m);
    float *y0 = malloc(2 * item * sizeof *y0), *y1 = malloc(2 * item * sizeof *y1);
    unsigned char *p2 = malloc(2 * item);
    enum { SIG_STEPS = 20 }; /* the full run's (quick mode does not get here) */
    float l2[2 * SIG_STEPS];
    int two[2] = {0, 1};
    o.steps = 0;
    st = y0 && y1 && p2 ? clvis_filter_patterns(m, out, two, 2, NULL, &o, y0, p2, NULL, NULL, NULL)
                        : CLVIS_ERR_NO_MEMORY;
    o.steps = SIG_STEPS;
    if (!st)
        st = clvis_filter_patterns(m, out, two, 2, NULL, &o, y1, p2, l2, NULL, NULL);
    if (st)
        test_fail("class visualisation, sigmoid", clvis_last_error());
    else {
        float pa[2], pb[2];
        for (int k = 0; k < 2; k++) {
            clvis_model_forward(m, y0 + k * item, 1, -1);
            clvis_model_read(m, out, &pa[k]);
            clvis_model_forward(m, y1 + k * item, 1, -1);
            clvis_model_read(m, out, &pb[k]);
        }
        /* the loss is the signed logit: class 0's rises as z falls */
        test_checkf(l2[SIG_STEPS - 1] > l2[0] + 1 && l2[2 * SIG_STEPS - 1] > l2[SIG_STEPS] + 1 &&
                        pb[0] <= pa[0] && pb[1] > pa[1],
                    "class visualisation of a sigmoid output: class 0 (loss -logit %.4f -> %.4f) "
                    "lowers p %.4f -> %.4f, class 1 (logit %.4f -> %.4f) raises p %.4f -> %.4f",
                    l2[0], l2[SIG_STEPS - 1], pa[0], pb[0], l2[SIG_STEPS], l2[2 * SIG_STEPS - 1], pa[1], pb[1]);
        int three = 2;
        test_expect_error("class visualisation of a sigmoid output: class 2 refused",
                          clvis_filter_patterns(m, out, &three, 1, NULL, &o, NULL, p2, NULL, NULL,
                                                NULL),
                          CLVIS_ERR_INVALID_ARG);
    }
    free(y0), free(y1), free(p2);
done:
    free(x0), free(xf), free(loss), free(pat);
    clvis_model_destroy(m);
}

int main(void)
{
    test_report();
    clvis_ctx *ctx;
    int rc = test_open_ctx(&ctx);
    if (rc)
        return rc;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t book = H5Fopen(TEST_KERAS_DIR "/book_expected.h5", H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t sexp = H5Fopen(TEST_KERAS_DIR "/small_convnet_expected.h5", H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t fexp = H5Fopen(TEST_KERAS_DIR "/functional_expected.h5", H5F_ACC_RDONLY, H5P_DEFAULT);
    if (book < 0 || sexp < 0 || fexp < 0) {
        test_fail("fixtures", "cannot open " TEST_KERAS_DIR "/*_expected.h5");
        return test_summary();
    }
    /* each section's wall time on a SECTION line (tools/oclgrind.sh prints them: the
     * simulator's run is the suite's long pole) */
    double t = test_now_ms();
#define SECTION(name, call)                                                                \
    do {                                                                                   \
        call;                                                                              \
        double t1 = test_now_ms();                                                         \
        printf("SECTION %s: %.1f s\n", name, (t1 - t) / 1000.0);                          \
        fflush(stdout);                                                                    \
        t = t1;                                                                            \
    } while (0)
    SECTION("start noise", test_start_noise(book));
    SECTION("activations", test_activations(ctx, book, sexp));
    SECTION("filters", test_filters(ctx, book));
    SECTION("filters preprocess", test_filters_preprocess(ctx));
    SECTION("gradcam", test_gradcam(ctx, book, fexp));
    SECTION("cam methods", test_cam_methods(ctx, fexp));
    SECTION("sigmoid classes", test_sigmoid_classes(ctx));
    SECTION("class visualisation", test_class_visualisation(ctx));
#undef SECTION
    H5Fclose(book);
    H5Fclose(sexp);
    H5Fclose(fexp);
    clvis_ctx_destroy(ctx);
    return test_summary();
}

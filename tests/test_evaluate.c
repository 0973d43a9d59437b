/* test_evaluate.c — the map metrics (clvis_evaluate):
 *  - ROAD's imputer (road_impute) against a dense Gaussian elimination of the same system in
 *    double (road_system) on small images with scattered and block-shaped removed regions, the
 *    system's defining property (each removed pixel the weighted mean of its neighbours), the
 *    no-pixel-kept case and the noise; numpy's linear percentile on hand-worked values;
 *  - the ONNX fixture models (tests/data/onnx/<case>/metrics.json from
 *    tools/fixtures/make_metric_fixtures.py: pytorch-grad-cam 1.5.7's CamMultImageConfidenceChange,
 *    DropInConfidence, IncreaseInConfidence, ROADMostRelevantFirst/LeastRelevantFirst (per
 *    percentile), their averages, ROADCombined with the imputer's noise 0, and RISE's insertion /
 *    deletion curves and AUC) for the committed map cam_resized.pb: every score within 1e-4
 *    relative to the class score's size max(|S(x)|, |want|) (the metrics are differences of
 *    scores), the curves within 1e-4 of their largest value; the same results in batches of 1
 *    and 3 (padding) as in one batch;
 *  - bad arguments. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "explain/metric.h"
#include "import/onnx.h"
#include "testutil.h"

#ifndef TEST_ONNX_DIR
#define TEST_ONNX_DIR "tests/data/onnx"
#endif

#define TOL 1e-4

static unsigned rng = 777u;
static double urand(void) /* [0, 1) */
{
    rng = rng * 1664525u + 1013904223u;
    return ((rng >> 8) & 0xFFFFFF) / 16777216.0;
}

/* Gaussian elimination with partial pivoting: a (n x n) x = b (n x c, channel inner). */
static void dense_solve(double *a, double *b, int n, int c)
{
    for (int k = 0; k < n; k++) {
        int p = k;
        for (int i = k + 1; i < n; i++)
            if (fabs(a[(size_t)i * n + k]) > fabs(a[(size_t)p * n + k]))
                p = i;
        for (int j = 0; j < n; j++) {
            double t = a[(size_t)k * n + j];
            a[(size_t)k * n + j] = a[(size_t)p * n + j];
            a[(size_t)p * n + j] = t;
        }
        for (int j = 0; j < c; j++) {
            double t = b[(size_t)k * c + j];
            b[(size_t)k * c + j] = b[(size_t)p * c + j];
            b[(size_t)p * c + j] = t;
        }
        for (int i = k + 1; i < n; i++) {
            double f = a[(size_t)i * n + k] / a[(size_t)k * n + k];
            for (int j = k; j < n; j++)
                a[(size_t)i * n + j] -= f * a[(size_t)k * n + j];
            for (int j = 0; j < c; j++)
                b[(size_t)i * c + j] -= f * b[(size_t)k * c + j];
        }
    }
    for (int k = n - 1; k >= 0; k--)
        for (int j = 0; j < c; j++) {
            double s = b[(size_t)k * c + j];
            for (int i = k + 1; i < n; i++)
                s -= a[(size_t)k * n + i] * b[(size_t)i * c + j];
            b[(size_t)k * c + j] = s / a[(size_t)k * n + k];
        }
}

/* One image h x w x c with keep; block: the removed pixels are a rectangle touching a border
 * (a large connected region), else scattered (about 60 % removed). */
static void imputer_case(int h, int w, int c, int block)
{
    size_t hw = (size_t)h * w;
    float *x = malloc(hw * c * sizeof *x), *out = malloc(hw * c * sizeof *out);
    unsigned char *keep = malloc(hw);
    double *a = malloc(hw * hw * sizeof *a), *b = malloc(hw * c * sizeof *b);
    for (size_t i = 0; i < hw * c; i++)
        x[i] = (float)(urand() * 4.0 - 2.0);
    for (size_t p = 0; p < hw; p++) {
        int y = (int)(p / w), xx = (int)(p % w);
        keep[p] = block ? !(y < h - 2 && xx >= 1) : urand() > 0.6;
    }
    int n = 0;
    clvis_status st = road_system(x, h, w, c, keep, a, b, &n);
    if (!st) {
        dense_solve(a, b, n, c);
        st = road_impute(x, h, w, c, keep, 0.0f, NULL, out);
    }
    double err = 0.0, mx = 0.0, kept_err = 0.0, mean_err = 0.0;
    int i = 0;
    for (size_t p = 0; !st && p < hw; p++)
        for (int k = 0; k < c; k++) {
            if (keep[p]) {
                kept_err = fmax(kept_err, fabs(out[p * c + k] - x[p * c + k]));
                continue;
            }
            double want = b[(size_t)i * c + k];
            err = fmax(err, fabs(out[p * c + k] - want));
            mx = fmax(mx, fabs(want));
            /* the defining property: the weighted mean of the in-image neighbours */
            static const int dy[8] = {1, 0, -1, 1, 0, -1, 1, -1}, dx[8] = {1, 1, 1, -1, -1, -1, 0, 0};
            double s = 0.0, ws = 0.0;
            int y = (int)(p / w), xx = (int)(p % w);
            for (int t = 0; t < 8; t++) {
                int ny = y + dy[t], nx = xx + dx[t];
                if (ny < 0 || nx < 0 || ny >= h || nx >= w)
                    continue;
                double wt = dy[t] && dx[t] ? 1.0 / 12 : 1.0 / 6;
                s += wt * out[((size_t)ny * w + nx) * c + k];
                ws += wt;
            }
            mean_err = fmax(mean_err, fabs(s / ws - out[p * c + k]));
            if (k == c - 1)
                i++;
        }
    test_checkf(!st && n > 0 && err <= 1e-5 * fmax(1.0, mx) && kept_err == 0.0 &&
                    mean_err <= 1e-5,
                "road imputer %dx%dx%d (%s, %d of %zu removed) vs dense elimination: max err "
                "%.2g, kept pixels unchanged (%.2g), neighbour-mean residual %.2g%s%s",
                h, w, c, block ? "block" : "scattered", n, hw, err, kept_err, mean_err,
                st ? ": " : "", st ? clvis_last_error() : "");
    free(x), free(out), free(keep), free(a), free(b);
}

static void test_imputer(void)
{
    imputer_case(6, 7, 2, 0);
    imputer_case(9, 8, 3, 0);
    imputer_case(10, 12, 3, 1);
    imputer_case(1, 9, 1, 0);
    imputer_case(22, 20, 3, 0);
    imputer_case(26, 24, 3, 1);
    /* nothing kept: zeros; noise: only the removed pixels move, by about its std */
    float x[4 * 5 * 3], out[4 * 5 * 3], out2[4 * 5 * 3];
    unsigned char none[20] = {0}, some[20];
    for (int i = 0; i < 60; i++)
        x[i] = (float)urand() + 1.0f;
    clvis_status st = road_impute(x, 4, 5, 3, none, 0.0f, NULL, out);
    int zeros = 1;
    for (int i = 0; i < 60; i++)
        zeros &= out[i] == 0.0f;
    test_checkf(!st && zeros, "road imputer: no pixel kept gives zeros");
    for (int i = 0; i < 20; i++)
        some[i] = i % 3 != 0;
    viz_mt19937 mt;
    viz_mt_seed(&mt, 5);
    st = road_impute(x, 4, 5, 3, some, 0.0f, NULL, out);
    if (!st)
        st = road_impute(x, 4, 5, 3, some, 0.5f, &mt, out2);
    int kept_same = 1, moved = 0;
    double ss = 0.0;
    for (int p = 0; p < 20; p++)
        for (int k = 0; k < 3; k++) {
            double d = out2[p * 3 + k] - out[p * 3 + k];
            if (some[p])
                kept_same &= d == 0.0;
            else {
                moved += d != 0.0;
                ss += d * d;
            }
        }
    double sd = sqrt(ss / 21.0);
    test_checkf(!st && kept_same && moved == 21 && sd > 0.2 && sd < 0.9,
                "road imputer noise 0.5: the 21 removed values moved (std %.3f), kept ones not",
                sd);
    float v[5] = {3.0f, 1.0f, 4.0f, 1.0f, 5.0f}; /* sorted 1 1 3 4 5 */
    float p10 = road_percentile(v, 5, 10.0), p50 = road_percentile(v, 5, 50.0),
          p90 = road_percentile(v, 5, 90.0), p80 = road_percentile(v, 5, 80.0);
    test_checkf(fabsf(p10 - 1.0f) < 1e-6f && fabsf(p50 - 3.0f) < 1e-6f &&
                    fabsf(p80 - 4.2f) < 1e-6f && fabsf(p90 - 4.6f) < 1e-6f,
                "numpy linear percentile of 3 1 4 1 5: 10th %g (1), 50th %g (3), 80th %g (4.2), "
                "90th %g (4.6)", p10, p50, p80, p90);
    /* bit for bit as numpy 2.x: np.percentile(v, p) of a float32 array, p = 10..90 (values
     * printed by numpy as hex) */
    static const double want[9] = {0x1.2953e4p-5, 0x1.33f7ep-4,  0x1.ceb66p-4,
                                   0x1.31894p-3,  0x1.7cc7b4p-3, 0x1.c7df4p-3,
                                   0x1.087e74p-2, 0x1.2ea5e2p-2, 0x1.555582p-2};
    float u[257];
    for (int i = 0; i < 257; i++)
        u[i] = (float)(((i * 7919) % 1000) / 997.0) * 0.37f;
    int same = 0;
    for (int k = 0; k < 9; k++)
        same += road_percentile(u, 257, 10.0 * (k + 1)) == (float)want[k];
    test_checkf(same == 9, "road_percentile equals numpy's float32 percentile bit for bit at "
                "10..90 on 257 values (%d of 9)", same);
}

/* ---- the ONNX fixtures vs pytorch-grad-cam / RISE ---------------------------------------- */
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

static int read_pb(const char *dir, const char *file, int *rank, long long *dims, float **v,
                   size_t *n)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return onnx_read_tensor(path, rank, dims, v, n) == CLVIS_OK;
}

static double jnum(cJSON *j, const char *k)
{
    cJSON *v = cJSON_GetObjectItem(j, k);
    return v ? v->valuedouble : NAN;
}

/* max |got - want[key]| of a curve, and max |want| */
static void curve_err(const clvis_evaluate_result *r, int off, cJSON *arr, double *err,
                      double *mx, int *n)
{
    *err = 0.0, *mx = 0.0;
    *n = cJSON_GetArraySize(arr);
    for (int i = 0; i < *n && off + i < r->n_curve; i++) {
        double want = cJSON_GetArrayItem(arr, i)->valuedouble;
        *err = fmax(*err, fabs(r->curve[off + i] - want));
        *mx = fmax(*mx, fabs(want));
    }
}

static void run_case(clvis_ctx *ctx, const char *name)
{
    char dir[1024], path[1200];
    snprintf(dir, sizeof dir, "%s/%s", TEST_ONNX_DIR, name);
    snprintf(path, sizeof path, "%s/metrics.json", dir);
    char *js = slurp(path);
    cJSON *info = js ? cJSON_Parse(js) : NULL;
    free(js);
    if (!info) {
        test_fail(name, "metrics.json missing (tools/fixtures/make_metric_fixtures.py)");
        return;
    }
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    clvis_model *m = NULL;
    float *in = NULL, *map = NULL, *x = NULL;
    size_t nin = 0, nmap = 0;
    int rank;
    long long dims[8], mdims[8];
    clvis_status st = clvis_model_load(ctx, path, NULL, &m);
    if (st || !read_pb(dir, "input.pb", &rank, dims, &in, &nin) ||
        !read_pb(dir, "cam_resized.pb", &rank, mdims, &map, &nmap)) {
        test_fail(name, st ? clvis_last_error() : "input.pb / cam_resized.pb unreadable");
        goto done;
    }
    int c = (int)dims[1], h = (int)dims[2], w = (int)dims[3];
    if (nmap != (size_t)h * w) {
        test_fail(name, "cam_resized.pb is not the input's size");
        goto done;
    }
    x = malloc((size_t)c * h * w * sizeof *x);
    for (int k = 0; k < c; k++) /* item 0, NCHW -> NHWC */
        for (int p = 0; p < h * w; p++)
            x[(size_t)p * c + k] = in[(size_t)k * h * w + p];
    int cls = (int)jnum(info, "class");
    double s0 = jnum(info, "score_x");
    for (int k = 0; clvis_metric_name(k); k++) {
        const char *metric = clvis_metric_name(k);
        clvis_evaluate_options o;
        clvis_evaluate_options_default(&o);
        o.metric = metric;
        o.road_noise = 0.0f;
        o.steps = (int)jnum(info, "steps");
        clvis_evaluate_result r;
        st = clvis_evaluate(m, x, map, h, w, cls, &o, &r);
        double want = jnum(info, metric);
        if (st) {
            test_checkf(0, "%s: %s: %s", name, metric, clvis_last_error());
            continue;
        }
        double scale = fmax(fabs(s0), fabs(want)), err = fabs(r.value - want);
        int ok = !strcmp(metric, "increase") ? r.value == want : err <= TOL * scale;
        ok &= r.cls == cls && fabs(r.score - s0) <= 1e-5 * fmax(1.0, fabs(s0));
        char extra[256] = "";
        if (!strncmp(metric, "road", 4)) {
            double e1 = 0, m1 = 0, e2 = 0, m2 = 0;
            int n1 = 0, n2 = 0;
            int lerf = !strcmp(metric, "road-lerf");
            curve_err(&r, 0, cJSON_GetObjectItem(info, lerf ? "road-lerf-p" : "road-morf-p"),
                      &e1, &m1, &n1);
            if (!strcmp(metric, "road"))
                curve_err(&r, 9, cJSON_GetObjectItem(info, "road-lerf-p"), &e2, &m2, &n2);
            ok &= n1 == 9 && r.n_curve == 9 + n2 && fmax(e1, e2) <= TOL * fmax(fabs(s0), 1e-3);
            snprintf(extra, sizeof extra, ", per-percentile changes max err %.2g", fmax(e1, e2));
        }
        if (!strcmp(metric, "insertion") || !strcmp(metric, "deletion")) {
            char key[64];
            snprintf(key, sizeof key, "%s-curve", metric);
            double e1, m1;
            int n1;
            curve_err(&r, 0, cJSON_GetObjectItem(info, key), &e1, &m1, &n1);
            ok &= r.n_curve == n1 && e1 <= TOL * m1 &&
                  r.step_pixels == (int)jnum(info, "step_pixels");
            snprintf(extra, sizeof extra, ", curve of %d (%d pixels a step) max err %.2g",
                     r.n_curve, r.step_pixels, e1);
            /* the same in batches of 1 and of 3 (the last one padded) */
            for (int bsz = 1; bsz <= 3; bsz += 2) {
                clvis_evaluate_result rb;
                o.batch = bsz;
                if (clvis_evaluate(m, x, map, h, w, cls, &o, &rb)) {
                    ok = 0;
                    continue;
                }
                ok &= rb.n_curve == r.n_curve && fabs(rb.value - r.value) <= 1e-6;
                clvis_evaluate_free(&rb);
            }
        }
        test_checkf(ok, "%s: %s %.7g vs peer %.7g (err %.2g, %.2g of the score's scale)%s",
                    name, metric, r.value, want, err, err / scale, extra);
        clvis_evaluate_free(&r);
    }
done:
    free(in), free(map), free(x);
    clvis_model_destroy(m);
    cJSON_Delete(info);
}

static void test_bad(clvis_ctx *ctx)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/classic/model.onnx", TEST_ONNX_DIR);
    clvis_model *m = NULL;
    if (clvis_model_load(ctx, path, NULL, &m)) {
        test_fail("bad arguments", clvis_last_error());
        return;
    }
    int count = (int)clvis_input_count(m);
    float *x = calloc((size_t)count, sizeof *x), map[64];
    for (int i = 0; i < 64; i++)
        map[i] = (float)i / 63.0f;
    clvis_evaluate_options o;
    clvis_evaluate_options_default(&o);
    clvis_evaluate_result r;
    o.metric = "nope";
    clvis_status st = clvis_evaluate(m, x, map, 8, 8, -1, &o, &r);
    test_checkf(st == CLVIS_ERR_INVALID_ARG && strstr(clvis_last_error(), "road"),
                "unknown metric refused with the known names: %s", clvis_last_error());
    o.metric = "drop";
    st = clvis_evaluate(m, x, map, 8, 8, 1000, &o, &r);
    test_checkf(st == CLVIS_ERR_INVALID_ARG, "class out of range refused: %s",
                clvis_last_error());
    map[5] = NAN;
    st = clvis_evaluate(m, x, map, 8, 8, -1, &o, &r);
    test_checkf(st == CLVIS_ERR_INVALID_ARG, "a NaN in the map refused: %s", clvis_last_error());
    map[5] = 5.0f / 63.0f;
    st = clvis_evaluate(m, x, map, 0, 8, -1, &o, &r);
    test_checkf(st == CLVIS_ERR_SHAPE, "a 0x8 map refused: %s", clvis_last_error());
    o.steps = -1;
    st = clvis_evaluate(m, x, map, 8, 8, -1, &o, &r);
    test_checkf(st == CLVIS_ERR_INVALID_ARG, "steps -1 refused: %s", clvis_last_error());
    /* an 8x8 map is resized to the 32x32 input: deletion then runs 32 + 1 images (steps 0:
     * one row a step) */
    o.steps = 0;
    o.metric = "deletion";
    st = clvis_evaluate(m, x, map, 8, 8, -1, &o, &r);
    test_checkf(!st && r.n_curve == 33 && r.step_pixels == 32 && r.value >= 0.0 &&
                    r.value <= 1.0,
                "deletion of an 8x8 map on the 32x32 input: %d images, %d pixels a step, AUC "
                "%.4f", r.n_curve, r.step_pixels, st ? 0.0 : r.value);
    clvis_evaluate_free(&r);
    /* degenerate maps: all zeros (ROAD removes every pixel at each percentile: the no-pixel-kept
     * path), a 1x1 map (resized), a negative constant: every metric runs and is finite */
    float zero[64] = {0}, one[1] = {0.5f}, neg[64];
    for (int i = 0; i < 64; i++)
        neg[i] = -2.0f;
    for (int i = 0; i < count; i++)
        x[i] = (float)((i * 37) % 11) / 11.0f;
    int ok = 0, total = 0;
    for (int k = 0; clvis_metric_name(k); k++)
        for (int v = 0; v < 3; v++) {
            clvis_evaluate_options_default(&o);
            o.metric = clvis_metric_name(k);
            o.steps = 4;
            const float *mp = v == 0 ? zero : v == 1 ? one : neg;
            int mh = v == 1 ? 1 : 8;
            total++;
            if (!clvis_evaluate(m, x, mp, mh, mh, -1, &o, &r)) {
                ok += isfinite(r.value) && r.n_curve > 0;
                clvis_evaluate_free(&r);
            }
        }
    test_checkf(ok == total, "every metric on a zero, a 1x1 and a negative map: %d of %d ran, "
                "finite", ok, total);
    free(x);
    clvis_model_destroy(m);
}

int main(void)
{
    test_imputer();
    clvis_ctx *ctx;
    int rc = test_open_ctx(&ctx);
    if (rc)
        return rc;
    const char *cases[] = {"classic", "resblock", "pools", "dense_concat"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(ctx, cases[i]);
    test_bad(ctx);
    clvis_ctx_destroy(ctx);
    return test_summary();
}

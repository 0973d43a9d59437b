/* test_keras.c — the Keras importer against real Keras: every fixture in tests/data/keras loads
 * (Keras 2 .h5 full and weights-only, Keras 3 .keras and .weights.h5), every layer's activation
 * and both gradients match Keras's own; bad files give one-line errors naming the file; a
 * full-size VGG16 release-layout file (random weights, written here) loads by auto-detection.
 * Usage: test_keras [DATA_DIR]. Exit 77 when no OpenCL device. */
#include "testutil.h"
#define check test_checkf
#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <zip.h>

#include "clvis.h"
#include "import/keras.h"

#ifndef CLVIS_TEST_DATA_DIR
#define CLVIS_TEST_DATA_DIR "tests/data/keras"
#endif

/* Tolerances: max |clvis - keras| / max(|keras|, 1e-6) per tensor. */
#define TOL_ACT 1e-4
#define TOL_GRAD 1e-3

static const char *data_dir;
static char tmp_dir[512];
static clvis_ctx *ctx;

static int open_objects(void)
{
    return (int)H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_ALL);
}

static char *fixture(const char *name)
{
    static char buf[8][1024];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 1024, "%s/%s", data_dir, name);
    return p;
}

static char *tmp_path(const char *name)
{
    static char buf[8][1024];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 1024, "%s/%s", tmp_dir, name);
    return p;
}

static int exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

static int copy_file(const char *from, const char *to, long limit)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    char buf[65536];
    long total = 0;
    size_t r;
    if (!a || !b) {
        if (a)
            fclose(a);
        if (b)
            fclose(b);
        return -1;
    }
    while ((r = fread(buf, 1, sizeof buf, a)) > 0) {
        if (limit >= 0 && total + (long)r > limit)
            r = (size_t)(limit - total);
        fwrite(buf, 1, r, b);
        total += (long)r;
        if (limit >= 0 && total >= limit)
            break;
    }
    fclose(a);
    fclose(b);
    return 0;
}

static long file_size(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 ? (long)sb.st_size : -1;
}

/* ---- HDF5 reading of expected tensors -------------------------------------------------- */

static float *read_ds(hid_t f, const char *path, int *rank, hsize_t dims[8])
{
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d < 0)
        return NULL;
    hid_t s = H5Dget_space(d);
    *rank = H5Sget_simple_extent_ndims(s);
    H5Sget_simple_extent_dims(s, dims, NULL);
    size_t n = 1;
    for (int i = 0; i < *rank; i++)
        n *= dims[i];
    float *x = malloc(sizeof(float) * (n ? n : 1));
    if (x && H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) < 0) {
        free(x);
        x = NULL;
    }
    H5Sclose(s);
    H5Dclose(d);
    return x;
}

/* Names of the links in a group, in creation / name order. */
static int list_group(hid_t f, const char *path, char names[][128], int cap)
{
    hid_t g = H5Gopen2(f, path, H5P_DEFAULT);
    if (g < 0)
        return 0;
    H5G_info_t info;
    H5Gget_info(g, &info);
    int n = 0;
    for (hsize_t i = 0; i < info.nlinks && n < cap; i++) {
        if (H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, names[n], 128,
                               H5P_DEFAULT) > 0)
            n++;
    }
    H5Gclose(g);
    return n;
}

static double rel_err(const float *a, const float *b, size_t n, double *max_abs)
{
    double m = 0, ref = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (!(d <= m)) /* NaN counts */
            m = d;
        if (fabs(b[i]) > ref)
            ref = fabs(b[i]);
    }
    *max_abs = m;
    return m / (ref > 1e-6 ? ref : 1e-6);
}

/* ---- numerical comparison against a *_expected.h5 ------------------------------------- */

static void compare_model(const char *label, const char *model_path,
                          const clvis_load_options *opt, const char *expected_path)
{
    if (!exists(model_path) || !exists(expected_path)) {
        check(0, "%s: fixture missing (%s or %s)", label, model_path, expected_path);
        return;
    }
    clvis_model *m = NULL;
    clvis_status st = clvis_model_load(ctx, model_path, opt, &m);
    check(st == CLVIS_OK, "%s: load %s%s%s", label, model_path, st ? ": " : "",
          st ? clvis_last_error() : "");
    check(open_objects() == 0, "%s: no HDF5 handle left open after load (%d)", label,
          open_objects());
    if (st != CLVIS_OK)
        return;
    hid_t f = H5Fopen(expected_path, H5F_ACC_RDONLY, H5P_DEFAULT);
    int rank;
    hsize_t dims[8];
    float *x = read_ds(f, "input", &rank, dims);
    int n = (int)dims[0];
    clvis_shape is = clvis_model_input_shape(m);
    check(x && rank == 4 && is.h == (int)dims[1] && is.w == (int)dims[2] &&
              is.c == (int)dims[3],
          "%s: input shape (%d, %d, %d) matches expected", label, is.h, is.w, is.c);
    st = clvis_model_forward(m, x, n, -1);
    check(st == CLVIS_OK, "%s: forward batch %d %s", label, n, st ? clvis_last_error() : "");
    if (st != CLVIS_OK)
        goto done;

    /* every layer's activation */
    static char names[256][128];
    int nl = list_group(f, "act", names, 256);
    int n_act_ok = 0;
    double worst = 0;
    const char *worst_name = "";
    for (int i = 0; i < nl; i++) {
        char p[300];
        int li;
        snprintf(p, sizeof p, "act/%s", names[i]);
        float *e = read_ds(f, p, &rank, dims);
        if (clvis_model_find_layer(m, names[i], &li) != CLVIS_OK) {
            check(0, "%s: layer %s not in the model", label, names[i]);
            free(e);
            continue;
        }
        clvis_shape s = clvis_model_layer_shape(m, li);
        size_t cnt = 1;
        for (int k = 1; k < rank; k++)
            cnt *= dims[k];
        int shape_ok = (size_t)s.h * s.w * s.c == cnt && s.c == (int)dims[rank - 1] &&
                       (rank != 4 || (s.h == (int)dims[1] && s.w == (int)dims[2]));
        float *y = malloc(sizeof(float) * cnt * n);
        st = clvis_model_read(m, li, y);
        double ma = 0, re = st == CLVIS_OK ? rel_err(y, e, cnt * n, &ma) : 1e9;
        int ok = shape_ok && re <= TOL_ACT;
        if (!ok || re > worst) {
            worst = re > worst ? re : worst;
            worst_name = names[i];
        }
        if (!ok)
            check(0, "%s: act %-26s shape %s (clvis %dx%dx%d) max abs %.3g rel %.3g > %.0e",
                  label, names[i], shape_ok ? "ok" : "MISMATCH", s.h, s.w, s.c, ma, re, TOL_ACT);
        n_act_ok += ok;
        free(y);
        free(e);
    }
    check(nl > 0 && n_act_ok == nl,
          "%s: %d/%d layer activations within rel %.0e (worst %.2e at %s)", label, n_act_ok, nl,
          TOL_ACT, worst, worst_name);

    /* prediction = last layer */
    {
        float *e = read_ds(f, "pred", &rank, dims);
        int last = clvis_model_layer_count(m) - 1;
        size_t cnt = 1;
        for (int k = 0; k < rank; k++)
            cnt *= dims[k];
        float *y = malloc(sizeof(float) * cnt);
        st = clvis_model_read(m, last, y);
        double ma = 0, re = st == CLVIS_OK ? rel_err(y, e, cnt, &ma) : 1e9;
        check(re <= TOL_ACT, "%s: pred (%zu values) max abs %.3g rel %.3g (tol %.0e)", label,
              cnt, ma, re, TOL_ACT);
        free(y);
        free(e);
    }

    /* grad_input/<layer>/<c>: d(sum_n mean_hw layer[n,:,:,c]) / d input */
    static char lays[16][128], chans[16][128];
    int ng = list_group(f, "grad_input", lays, 16);
    for (int i = 0; i < ng; i++) {
        char gp[300];
        snprintf(gp, sizeof gp, "grad_input/%s", lays[i]);
        int nc = list_group(f, gp, chans, 16);
        int li;
        if (clvis_model_find_layer(m, lays[i], &li) != CLVIS_OK) {
            check(0, "%s: grad layer %s not in the model", label, lays[i]);
            continue;
        }
        clvis_shape s = clvis_model_layer_shape(m, li);
        size_t lc = (size_t)s.h * s.w * s.c;
        for (int j = 0; j < nc; j++) {
            int c = atoi(chans[j]);
            char p[400];
            snprintf(p, sizeof p, "%.250s/%.120s", gp, chans[j]);
            float *e = read_ds(f, p, &rank, dims);
            float *seed = calloc(lc * n, sizeof(float));
            size_t ic = (size_t)is.h * is.w * is.c * n;
            float *gr = malloc(sizeof(float) * ic);
            for (int b = 0; b < n; b++)
                for (size_t q = 0; q < (size_t)s.h * s.w; q++)
                    seed[b * lc + q * s.c + c] = 1.0f / (float)(s.h * s.w);
            st = clvis_model_backward(m, li, seed, -1, gr);
            double ma = 0, re = st == CLVIS_OK ? rel_err(gr, e, ic, &ma) : 1e9;
            check(re <= TOL_GRAD, "%s: grad input of mean(%s[..., %d]) max abs %.3g rel %.3g "
                  "(tol %.0e)%s%s", label, lays[i], c, ma, re, TOL_GRAD, st ? " " : "",
                  st ? clvis_last_error() : "");
            free(e);
            free(seed);
            free(gr);
        }
    }

    /* grad_layer/<layer>/<k>: d(sum_n output[n, k]) / d layer output */
    ng = list_group(f, "grad_layer", lays, 16);
    int last = clvis_model_layer_count(m) - 1;
    clvis_shape os = clvis_model_layer_shape(m, last);
    size_t oc = (size_t)os.h * os.w * os.c;
    for (int i = 0; i < ng; i++) {
        char gp[300];
        snprintf(gp, sizeof gp, "grad_layer/%s", lays[i]);
        int nc = list_group(f, gp, chans, 16);
        int li;
        if (clvis_model_find_layer(m, lays[i], &li) != CLVIS_OK) {
            check(0, "%s: grad layer %s not in the model", label, lays[i]);
            continue;
        }
        clvis_shape s = clvis_model_layer_shape(m, li);
        size_t lc = (size_t)s.h * s.w * s.c * n;
        for (int j = 0; j < nc; j++) {
            int k = atoi(chans[j]);
            char p[400];
            snprintf(p, sizeof p, "%.250s/%.120s", gp, chans[j]);
            float *e = read_ds(f, p, &rank, dims);
            float *seed = calloc(oc * n, sizeof(float));
            float *gr = malloc(sizeof(float) * lc);
            for (int b = 0; b < n; b++)
                seed[b * oc + k] = 1.0f;
            st = clvis_model_backward(m, last, seed, li, gr);
            double ma = 0, re = st == CLVIS_OK ? rel_err(gr, e, lc, &ma) : 1e9;
            check(re <= TOL_GRAD, "%s: grad of output[%d] wrt %s max abs %.3g rel %.3g "
                  "(tol %.0e)%s%s", label, k, lays[i], ma, re, TOL_GRAD, st ? " " : "",
                  st ? clvis_last_error() : "");
            free(e);
            free(seed);
            free(gr);
        }
    }
done:
    free(x);
    H5Fclose(f);
    clvis_model_destroy(m);
}

/* ---- editing copies of fixtures --------------------------------------------------------- */

static int set_vlen_attr(hid_t obj, const char *name, const char *value)
{
    if (H5Aexists(obj, name) > 0)
        H5Adelete(obj, name);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = H5Awrite(a, t, &value);
    H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
    return e < 0 ? -1 : 0;
}

static char *get_model_config(hid_t f)
{
    hid_t a = H5Aopen(f, "model_config", H5P_DEFAULT);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    char *v = NULL, *out = NULL;
    if (a >= 0 && H5Aread(a, t, &v) >= 0 && v) {
        out = strdup(v);
        H5free_memory(v);
    }
    H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
    return out;
}

/* A copy of `src` whose model_config has its first `from` replaced by `to`. */
static int edit_config(const char *src, const char *dst, const char *from, const char *to)
{
    if (copy_file(src, dst, -1) != 0)
        return -1;
    hid_t f = H5Fopen(dst, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0)
        return -1;
    char *cfg = get_model_config(f);
    char *hit = cfg ? strstr(cfg, from) : NULL;
    int rc = -1;
    if (hit) {
        size_t a = (size_t)(hit - cfg), lf = strlen(from), lt = strlen(to);
        char *out = malloc(strlen(cfg) + lt + 1);
        memcpy(out, cfg, a);
        memcpy(out + a, to, lt);
        strcpy(out + a + lt, hit + lf);
        rc = set_vlen_attr(f, "model_config", out);
        free(out);
    }
    free(cfg);
    H5Fclose(f);
    return rc;
}

/* Loads `path` expecting failure; checks a one-line message naming the file and `needle`. */
static void expect_error(const char *label, const char *path, const clvis_load_options *opt,
                         const char *needle)
{
    clvis_model *m = NULL;
    clvis_status st = clvis_model_load(ctx, path, opt, &m);
    const char *msg = clvis_last_error();
    int one_line = strchr(msg, '\n') == NULL && strlen(msg) > 0;
    int names_file = strstr(msg, path) != NULL ||
                     (opt && opt->config_path && strstr(msg, opt->config_path));
    int has = !needle || strstr(msg, needle) != NULL;
    check(st != CLVIS_OK && m == NULL && one_line && names_file && has,
          "%s: %s -> %s: %s", label, strrchr(path, '/') ? strrchr(path, '/') + 1 : path,
          clvis_status_name(st), msg);
    check(open_objects() == 0, "%s: no HDF5 handle left open (%d)", label, open_objects());
    clvis_model_destroy(m);
}

/* expect_error that also asserts the status */
static void expect_status(const char *label, const char *path, const clvis_load_options *opt,
                          clvis_status want, const char *needle)
{
    clvis_model *m = NULL;
    clvis_status st = clvis_model_load(ctx, path, opt, &m);
    check(st == want, "%s: status %s (want %s)", label, clvis_status_name(st),
          clvis_status_name(want));
    clvis_model_destroy(m);
    expect_error(label, path, opt, needle);
}

/* A .keras archive of a config (text) and a weights entry of n zero bytes (a bomb that
 * deflates to almost nothing). */
static int write_keras(const char *path, const char *config, size_t n)
{
    int err = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (!z)
        return -1;
    char *zeros = calloc(n ? n : 1, 1);
    zip_source_t *a = zip_source_buffer(z, config, strlen(config), 0);
    zip_source_t *b = zeros ? zip_source_buffer(z, zeros, n, 0) : NULL;
    int ok = a && b && zip_file_add(z, "config.json", a, ZIP_FL_OVERWRITE) >= 0 &&
             zip_file_add(z, "model.weights.h5", b, ZIP_FL_OVERWRITE) >= 0;
    ok = zip_close(z) == 0 && ok;
    free(zeros);
    return ok ? 0 : -1;
}

/* #17: the limits of the Keras reader, each checked before the work */
static void test_limits(void)
{
    const char *sc = fixture("small_convnet.h5"), *fn = fixture("functional.h5");
    char *p;
    /* output_layers naming a layer the model does not have (was: ignored, last layer used) */
    p = tmp_path("bad_output.h5");
    edit_config(fn, p, "\"output_layers\": [[\"dense\", 0, 0]]",
                "\"output_layers\": [[\"nonesuch\", 0, 0]]");
    expect_status("output_layers naming a missing layer", p, NULL, CLVIS_ERR_FORMAT,
                  "output_layers names 'nonesuch'");

    /* a JSON config over 16 MiB (padding in a layer's name field) */
    size_t big = (16u << 20) + 100;
    char *cfg = malloc(big + 64);
    if (cfg) {
        int k = snprintf(cfg, 64, "{\"class_name\": \"Sequential\", \"x\": \"");
        memset(cfg + k, 'a', big);
        strcpy(cfg + k + big, "\"}");
        p = tmp_path("big_config.json");
        FILE *f = fopen(p, "w");
        if (f) {
            fputs(cfg, f);
            fclose(f);
        }
        clvis_load_options o = {.config_path = p};
        expect_status("a 16 MiB+ JSON config file", fixture("functional.weights.h5"), &o,
                      CLVIS_ERR_FORMAT, "larger than the limit (16 MiB)");
        free(cfg);
    }

    /* a .keras whose weights entry inflates far beyond what its config needs (256 MiB of zeros,
     * about 250 KB deflated): refused from the declared size, nothing inflated */
    FILE *cf = fopen(fixture("functional_k3_config.json"), "r");
    char *json = NULL;
    long jn = file_size(fixture("functional_k3_config.json"));
    if (cf && jn > 0 && (json = calloc((size_t)jn + 1, 1)) &&
        fread(json, 1, (size_t)jn, cf) == (size_t)jn) {
        p = tmp_path("bomb.keras");
        if (write_keras(p, json, (size_t)1 << 28) == 0)
            expect_status(".keras weights inflating to 256 MiB", p, NULL, CLVIS_ERR_FORMAT,
                          "inflates to 268435456 bytes, over the limit");
        else
            check(0, "could not write bomb.keras");
    }
    if (cf)
        fclose(cf);
    free(json);

    /* an HDF5 Dense kernel declaring (65536, 65536) (16 GiB of floats, no data stored):
     * refused from its header, before a byte is allocated or read, and quickly (the HDF5
     * sandbox's pre-flight read of its fill values took 16 s) */
    p = tmp_path("huge_kernel.h5");
    copy_file(sc, p, -1);
    hid_t h = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    H5Ldelete(h, "model_weights/dense/dense/kernel:0", H5P_DEFAULT);
    hsize_t d2[2] = {65536, 65536}, c2[2] = {1024, 1024};
    hid_t s = H5Screate_simple(2, d2, NULL), pl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(pl, 2, c2);
    hid_t ds = H5Dcreate2(h, "model_weights/dense/dense/kernel:0", H5T_IEEE_F32LE, s,
                          H5P_DEFAULT, pl, H5P_DEFAULT);
    H5Dclose(ds);
    H5Pclose(pl);
    H5Sclose(s);
    H5Fclose(h);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect_status("Dense kernel declaring (65536, 65536)", p, NULL, CLVIS_ERR_SHAPE,
                  "refused before reading");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    check(sec < 5, "Dense kernel declaring (65536, 65536): refused in %.2f s (two loads)", sec);
    static const char *made[] = {"bad_output.h5", "big_config.json", "bomb.keras",
                                 "huge_kernel.h5", NULL};
    for (int i = 0; made[i]; i++)
        unlink(tmp_path(made[i]));
}

static void test_bad_files(void)
{
    const char *sc = fixture("small_convnet.h5"), *fn = fixture("functional.h5");
    char *p;

    p = tmp_path("not_a_model.h5");
    FILE *f = fopen(p, "w");
    fputs("this is not a Keras file\n", f);
    fclose(f);
    expect_error("not HDF5/zip/ONNX", p, NULL, "neither a Keras HDF5 file, a .keras zip nor an ONNX model");

    expect_error("missing file", tmp_path("does_not_exist.h5"), NULL, "cannot open");

    p = tmp_path("truncated.h5");
    copy_file(sc, p, file_size(sc) / 2);
    expect_status("truncated .h5", p, NULL, CLVIS_ERR_FORMAT, "not a readable HDF5 file");

    p = tmp_path("truncated.keras");
    copy_file(fixture("small_convnet.keras"), p, file_size(fixture("small_convnet.keras")) / 2);
    expect_status("truncated .keras", p, NULL, CLVIS_ERR_FORMAT, "not a readable .keras archive");

    p = tmp_path("truncated_tiny.h5");
    copy_file(sc, p, 600);
    expect_status("truncated .h5 (600 bytes)", p, NULL, CLVIS_ERR_FORMAT,
                  "not a readable HDF5 file");

    /* an HDF5 file that is no Keras model */
    p = tmp_path("bogus.h5");
    hid_t h = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t d1 = 4;
    hid_t s = H5Screate_simple(1, &d1, NULL);
    hid_t ds = H5Dcreate2(h, "data", H5T_NATIVE_FLOAT, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    float four[4] = {1, 2, 3, 4};
    H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, four);
    H5Dclose(ds);
    H5Sclose(s);
    H5Fclose(h);
    expect_error("HDF5 but not Keras", p, NULL, "not a Keras model");

    p = tmp_path("unknown_layer.h5");
    edit_config(sc, p, "\"class_name\": \"MaxPooling2D\"", "\"class_name\": \"FancyPool2D\"");
    expect_error("unknown layer type", p, NULL, "'FancyPool2D'");

    p = tmp_path("channels_first.h5");
    edit_config(sc, p, "channels_last", "channels_first");
    expect_error("data_format channels_first", p, NULL, "channels_first");

    p = tmp_path("pool_dilation.h5");
    edit_config(sc, p, "\"pool_size\": [2, 2]", "\"pool_size\": [2, 2], \"dilation_rate\": [2, 2]");
    expect_error("pool with dilation", p, NULL, "dilation_rate");

    p = tmp_path("elu.h5");
    edit_config(sc, p, "\"activation\": \"sigmoid\"", "\"activation\": \"elu\"");
    expect_error("unsupported activation", p, NULL, "'elu'");

    p = tmp_path("leaky.h5");
    edit_config(fn, p, "\"negative_slope\": 0.0", "\"negative_slope\": 0.1");
    expect_error("ReLU negative_slope", p, NULL, "negative_slope");

    p = tmp_path("bad_json.h5");
    edit_config(sc, p, "{", "{{");
    expect_error("model_config not JSON", p, NULL, "JSON");

    p = tmp_path("shared_layer.h5");
    edit_config(fn, p, "\"conv2d\", 0, 0", "\"conv2d\", 1, 0");
    expect_error("shared layer", p, NULL, "shared");

    /* wrong weight shape: conv2d kernel (3,3,3,16) replaced by (3,3,3,7) */
    p = tmp_path("wrong_shape.h5");
    copy_file(sc, p, -1);
    h = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    H5Ldelete(h, "model_weights/conv2d/conv2d/kernel:0", H5P_DEFAULT);
    hsize_t d4[4] = {3, 3, 3, 7};
    s = H5Screate_simple(4, d4, NULL);
    ds = H5Dcreate2(h, "model_weights/conv2d/conv2d/kernel:0", H5T_IEEE_F32LE, s, H5P_DEFAULT,
                    H5P_DEFAULT, H5P_DEFAULT);
    float *zero = calloc(3 * 3 * 3 * 7, sizeof(float));
    H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, zero);
    free(zero);
    H5Dclose(ds);
    H5Sclose(s);
    H5Fclose(h);
    expect_error("wrong weight shape", p, NULL, "(3, 3, 3, 7)");

    /* missing weight: the last Dense's bias */
    p = tmp_path("missing_weight.h5");
    copy_file(sc, p, -1);
    h = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    H5Ldelete(h, "model_weights/dense_1/dense_1/bias:0", H5P_DEFAULT);
    H5Fclose(h);
    expect_error("missing weight", p, NULL, "dense_1");

    /* weights-only file of an unknown architecture, and a Keras 3 .weights.h5, no config */
    expect_error("weights-only, no architecture", fixture("vgg_like_weights.h5"), NULL, "--arch");
    expect_error("Keras 3 .weights.h5, no config", fixture("functional.weights.h5"), NULL,
                 "config");
    char json[1024];
    snprintf(json, sizeof json, "%s", fixture("vgg_like_config.json"));
    clvis_load_options wrong = {.config_path = json};
    expect_error("weights of another model", fixture("functional.weights.h5"), &wrong, NULL);
    clvis_load_options bad_arch = {.arch = "vgg17"};
    expect_error("unknown --arch", fixture("vgg_like_weights.h5"), &bad_arch, "vgg17");
}

/* ---- file variants that must load: float64 / float16 weights, chunked and fixed-length
 * string attributes ---------------------------------------------------------------------- */

static void rewrite_dataset(hid_t f, const char *path, hid_t file_type)
{
    int rank;
    hsize_t dims[8];
    float *x = read_ds(f, path, &rank, dims);
    H5Ldelete(f, path, H5P_DEFAULT);
    hid_t s = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(f, path, file_type, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, x);
    H5Dclose(d);
    H5Sclose(s);
    free(x);
}

static void write_fixed_strings(hid_t obj, const char *name, char **v, int n)
{
    size_t w = 1;
    for (int i = 0; i < n; i++)
        if (strlen(v[i]) > w)
            w = strlen(v[i]);
    char *buf = calloc(n > 0 ? (size_t)n : 1, w);
    for (int i = 0; i < n; i++)
        memcpy(buf + (size_t)i * w, v[i], strlen(v[i]));
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, w);
    H5Tset_strpad(t, H5T_STR_NULLPAD);
    hsize_t d = (hsize_t)n;
    hid_t s = H5Screate_simple(1, &d, NULL);
    hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, t, buf);
    H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
    free(buf);
}

static int read_vlen_strings(hid_t obj, const char *name, char ***out)
{
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t s = H5Aget_space(a);
    int n = (int)H5Sget_simple_extent_npoints(s);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    char **v = calloc((size_t)n + 1, sizeof(char *));
    H5Aread(a, t, v);
    *out = calloc((size_t)n + 1, sizeof(char *));
    for (int i = 0; i < n; i++)
        (*out)[i] = strdup(v[i]);
    H5Dvlen_reclaim(t, s, H5P_DEFAULT, v);
    free(v);
    H5Tclose(t);
    H5Sclose(s);
    H5Aclose(a);
    return n;
}

static void test_variants(void)
{
    /* float64 weights convert exactly (compared with Keras); float16 / big-endian must load */
    char *p = tmp_path("f64.h5");
    copy_file(fixture("small_convnet.h5"), p, -1);
    hid_t f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    rewrite_dataset(f, "model_weights/conv2d/conv2d/kernel:0", H5T_IEEE_F64LE);
    rewrite_dataset(f, "model_weights/conv2d/conv2d/bias:0", H5T_IEEE_F64LE);
    H5Fclose(f);
    compare_model("small_convnet.h5 float64 weights", p, NULL,
                  fixture("small_convnet_expected.h5"));

    p = tmp_path("f16.h5");
    copy_file(fixture("small_convnet.h5"), p, -1);
    f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    /* IEEE half as h5py writes it: size 2, sign 15, exponent 10..14 (bias 15), mantissa 0..9 */
    hid_t f16 = H5Tcopy(H5T_IEEE_F32LE);
    H5Tset_fields(f16, 15, 10, 5, 0, 10);
    H5Tset_precision(f16, 16);
    H5Tset_size(f16, 2);
    H5Tset_ebias(f16, 15);
    rewrite_dataset(f, "model_weights/dense/dense/kernel:0", f16);
    rewrite_dataset(f, "model_weights/dense_1/dense_1/kernel:0", H5T_IEEE_F32BE);
    H5Tclose(f16);
    H5Fclose(f);
    {
        clvis_model *m = NULL;
        clvis_status st = clvis_model_load(ctx, p, NULL, &m);
        check(st == CLVIS_OK, "float16 and big-endian float32 dense kernels load %s",
              st ? clvis_last_error() : "");
        clvis_model_destroy(m);
    }

    /* the old Sequential forms: config = plain list of layers, no InputLayer, the first
     * layer carrying batch_input_shape */
    p = tmp_path("plain_list.h5");
    copy_file(fixture("small_convnet.h5"), p, -1);
    f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    char *cfg = get_model_config(f);
    cJSON *root = cfg ? cJSON_Parse(cfg) : NULL;
    cJSON *layers = cJSON_DetachItemFromObject(cJSON_GetObjectItem(root, "config"), "layers");
    cJSON *in = cJSON_DetachItemFromArray(layers, 0);
    cJSON *shape = cJSON_DetachItemFromObject(cJSON_GetObjectItem(in, "config"),
                                              "batch_input_shape");
    cJSON_AddItemToObject(cJSON_GetObjectItem(cJSON_GetArrayItem(layers, 0), "config"),
                          "batch_input_shape", shape);
    cJSON_ReplaceItemInObject(root, "config", layers);
    char *plain = cJSON_PrintUnformatted(root);
    set_vlen_attr(f, "model_config", plain);
    H5Fclose(f);
    free(plain);
    free(cfg);
    cJSON_Delete(in);
    cJSON_Delete(root);
    compare_model("small_convnet.h5 as plain-list Sequential", p, NULL,
                  fixture("small_convnet_expected.h5"));

    /* vgg_like weights-only: layer_names split into layer_names0/1 (fixed-length strings),
     * weight_names fixed-length, names without ":0" */
    p = tmp_path("chunked.h5");
    copy_file(fixture("vgg_like_weights.h5"), p, -1);
    f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    char **ln = NULL;
    int n = read_vlen_strings(f, "layer_names", &ln);
    H5Adelete(f, "layer_names");
    int half = n / 2;
    write_fixed_strings(f, "layer_names0", ln, half);
    write_fixed_strings(f, "layer_names1", ln + half, n - half);
    for (int i = 0; i < n; i++) {
        hid_t g = H5Gopen2(f, ln[i], H5P_DEFAULT);
        char **wn = NULL;
        int nw = read_vlen_strings(g, "weight_names", &wn);
        H5Adelete(g, "weight_names");
        write_fixed_strings(g, "weight_names", wn, nw);
        for (int j = 0; j < nw; j++)
            free(wn[j]);
        free(wn);
        H5Gclose(g);
        free(ln[i]);
    }
    free(ln);
    H5Fclose(f);
    char json[1024];
    snprintf(json, sizeof json, "%s", fixture("vgg_like_config.json"));
    clvis_load_options o = {.config_path = json};
    compare_model("vgg_like chunked fixed-length attrs", p, &o, fixture("vgg_like_expected.h5"));
}

/* ---- a full-size VGG16 release file ---------------------------------------------------- */

static unsigned rng_state = 1;
static float frand(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return ((float)(rng_state >> 9) / 8388608.0f - 0.5f) * 0.02f;
}

/* Layout of vgg16_weights_tf_dim_ordering_tf_kernels[_notop].h5: root attr layer_names only;
 * each layer a group with attr weight_names (fixed-length strings) and datasets
 * <layer>_W_1:0 / <layer>_b_1:0. */
static int write_vgg_release(const char *path, int depth19, int top)
{
    const int convs16[5] = {2, 2, 3, 3, 3}, convs19[5] = {2, 2, 4, 4, 4};
    const int filt[5] = {64, 128, 256, 512, 512};
    const int *convs = depth19 ? convs19 : convs16;
    char *names[40];
    int nn = 0, in_c = 3;
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return -1;
    names[nn++] = strdup("input_1");
    for (int b = 0; b < 5; b++) {
        for (int k = 0; k < convs[b]; k++) {
            char nm[64];
            snprintf(nm, sizeof nm, "block%d_conv%d", b + 1, k + 1);
            names[nn++] = strdup(nm);
        }
        char nm[64];
        snprintf(nm, sizeof nm, "block%d_pool", b + 1);
        names[nn++] = strdup(nm);
    }
    if (top) {
        names[nn++] = strdup("flatten");
        names[nn++] = strdup("fc1");
        names[nn++] = strdup("fc2");
        names[nn++] = strdup("predictions");
    }
    write_fixed_strings(f, "layer_names", names, nn);
    int blk = 0, kin = 0, fc_in = 7 * 7 * 512;
    for (int i = 0; i < nn; i++) {
        hid_t g = H5Gcreate2(f, names[i], H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        hsize_t wd[4];
        int wr = 0, units = 0;
        if (strstr(names[i], "_conv")) {
            sscanf(names[i], "block%d_conv%d", &blk, &kin);
            int out_c = filt[blk - 1];
            wd[0] = 3, wd[1] = 3, wd[2] = (hsize_t)in_c, wd[3] = (hsize_t)out_c;
            wr = 4;
            units = out_c;
            in_c = out_c;
        } else if (!strcmp(names[i], "fc1") || !strcmp(names[i], "fc2") ||
                   !strcmp(names[i], "predictions")) {
            units = names[i][0] == 'p' ? 1000 : 4096;
            wd[0] = (hsize_t)fc_in, wd[1] = (hsize_t)units;
            wr = 2;
            fc_in = units;
        }
        if (wr == 0) {
            write_fixed_strings(g, "weight_names", NULL, 0);
        } else {
            char wn[2][96];
            char *wp[2] = {wn[0], wn[1]};
            snprintf(wn[0], sizeof wn[0], "%s_W_1:0", names[i]);
            snprintf(wn[1], sizeof wn[1], "%s_b_1:0", names[i]);
            write_fixed_strings(g, "weight_names", wp, 2);
            size_t cnt = 1;
            for (int k = 0; k < wr; k++)
                cnt *= wd[k];
            float *buf = malloc(sizeof(float) * cnt);
            for (size_t k = 0; k < cnt; k++)
                buf[k] = frand();
            hid_t s = H5Screate_simple(wr, wd, NULL);
            hid_t d = H5Dcreate2(g, wn[0], H5T_IEEE_F32LE, s, H5P_DEFAULT, H5P_DEFAULT,
                                 H5P_DEFAULT);
            H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
            H5Dclose(d);
            H5Sclose(s);
            hsize_t bd = (hsize_t)units;
            s = H5Screate_simple(1, &bd, NULL);
            d = H5Dcreate2(g, wn[1], H5T_IEEE_F32LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
            H5Dclose(d);
            H5Sclose(s);
            free(buf);
        }
        H5Gclose(g);
    }
    for (int i = 0; i < nn; i++)
        free(names[i]);
    return H5Fclose(f) < 0 ? -1 : 0;
}

static void test_vgg_release(void)
{
    char models[600], path[1200], resolved[1200];
    snprintf(models, sizeof models, "%s/models", tmp_dir);
    mkdir(models, 0700);
    snprintf(path, sizeof path, "%s/vgg16_weights_tf_dim_ordering_tf_kernels.h5", models);
    int rc = write_vgg_release(path, 0, 1);
    check(rc == 0, "wrote a full-size VGG16 release-layout file (%ld MB, random weights)",
          file_size(path) >> 20);
    setenv("KERAS_HOME", tmp_dir, 1);
    clvis_status st = keras_resolve_model("vgg16", resolved, sizeof resolved);
    check(st == CLVIS_OK && !strcmp(resolved, path), "keras_resolve_model(vgg16) -> %s",
          st ? clvis_last_error() : resolved);
    st = keras_resolve_model("vgg19", resolved, sizeof resolved);
    check(st == CLVIS_ERR_NOT_FOUND, "keras_resolve_model(vgg19) absent -> %s: %s",
          clvis_status_name(st), clvis_last_error());
    st = keras_resolve_model(path, resolved, sizeof resolved);
    check(st == CLVIS_OK && !strcmp(resolved, path), "keras_resolve_model(existing path)");

    clvis_model *m = NULL;
    st = clvis_model_load(ctx, path, NULL, &m);
    check(st == CLVIS_OK, "VGG16 release file loads with arch auto-detection %s",
          st ? clvis_last_error() : "");
    if (m) {
        size_t params = 0;
        for (int i = 0; i < clvis_model_layer_count(m); i++)
            params += clvis_model_layer_params(m, i);
        int li = -1;
        clvis_model_find_layer(m, "block5_conv3", &li);
        clvis_shape s5 = clvis_model_layer_shape(m, li);
        clvis_shape sp = clvis_model_layer_shape(m, clvis_model_layer_count(m) - 1);
        check(params == 138357544, "VGG16: %zu params (Keras: 138357544)", params);
        check(li >= 0 && s5.h == 14 && s5.w == 14 && s5.c == 512,
              "VGG16: block5_conv3 output %dx%dx%d (14x14x512)", s5.h, s5.w, s5.c);
        check(sp.c == 1000 && sp.h == 1 && sp.w == 1, "VGG16: predictions %d", sp.c);
        check(clvis_model_preprocess(m) == CLVIS_PREPROCESS_CAFFE, "VGG16: preprocess CAFFE");
        clvis_model_destroy(m);
    }
    check(open_objects() == 0, "VGG16: no HDF5 handle left open");
    unlink(path);

    snprintf(path, sizeof path, "%s/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", models);
    rc = write_vgg_release(path, 1, 0);
    m = NULL;
    st = rc == 0 ? clvis_model_load(ctx, path, NULL, &m) : CLVIS_ERR_IO;
    if (m) {
        size_t params = 0;
        for (int i = 0; i < clvis_model_layer_count(m); i++)
            params += clvis_model_layer_params(m, i);
        check(params == 20024384, "VGG19 notop auto-detected: %zu params (Keras: 20024384)",
              params);
        clvis_model_destroy(m);
    } else {
        check(0, "VGG19 notop loads: %s", clvis_last_error());
    }
    clvis_load_options o16 = {.arch = "vgg16_notop"};
    expect_error("VGG19 file with --arch vgg16_notop", path, &o16, NULL);
    unlink(path);
    rmdir(models);
}

/* ---- main -------------------------------------------------------------------------------- */

static void cleanup_tmp(void)
{
    static const char *made[] = {"not_a_model.h5", "truncated.h5", "truncated.keras",
                                 "truncated_tiny.h5", "bogus.h5", "unknown_layer.h5",
                                 "channels_first.h5", "pool_dilation.h5", "elu.h5", "leaky.h5",
                                 "bad_json.h5", "shared_layer.h5", "wrong_shape.h5",
                                 "missing_weight.h5", "f64.h5", "f16.h5", "chunked.h5",
                                 "plain_list.h5", NULL};
    for (int i = 0; made[i]; i++)
        unlink(tmp_path(made[i]));
    rmdir(tmp_dir);
}

int main(int argc, char **argv)
{
    /* generator mode for the CLI tests: a full-size VGG16 release-layout file, random weights */
    if (argc == 3 && !strcmp(argv[1], "--write-vgg16")) {
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        return write_vgg_release(argv[2], 0, 1) == 0 ? 0 : 1;
    }
    data_dir = argc > 1 ? argv[1] : getenv("CLVIS_TEST_DATA") ? getenv("CLVIS_TEST_DATA")
                                                               : CLVIS_TEST_DATA_DIR;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    clvis_ctx_options co = {0};
    clvis_status st = clvis_ctx_create(&co, &ctx);
    if (st == CLVIS_ERR_NO_DEVICE) {
        printf("no OpenCL device: %s\nskipped\n", clvis_last_error());
        return 77;
    }
    if (st != CLVIS_OK) {
        printf("FAIL context: %s\n0 passed, 1 failed\n", clvis_last_error());
        return 1;
    }
    const char *t = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/clvis_test_keras_XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmp_dir)) {
        printf("FAIL cannot create a temp dir\n0 passed, 1 failed\n");
        return 1;
    }
    printf("data: %s; tolerances: activations rel %.0e, gradients rel %.0e (max abs error / "
           "max |keras|)\n",
           data_dir, TOL_ACT, TOL_GRAD);

    char fn_json[1024], vgg_json[1024];
    snprintf(fn_json, sizeof fn_json, "%s", fixture("functional_k3_config.json"));
    snprintf(vgg_json, sizeof vgg_json, "%s", fixture("vgg_like_config.json"));
    clvis_load_options fn_cfg = {.config_path = fn_json};
    clvis_load_options vgg_cfg = {.config_path = vgg_json};
    compare_model("small_convnet.h5", fixture("small_convnet.h5"), NULL,
                  fixture("small_convnet_expected.h5"));
    compare_model("small_convnet.keras", fixture("small_convnet.keras"), NULL,
                  fixture("small_convnet_expected.h5"));
    compare_model("functional.h5", fixture("functional.h5"), NULL,
                  fixture("functional_expected.h5"));
    compare_model("functional.keras", fixture("functional.keras"), NULL,
                  fixture("functional_expected.h5"));
    compare_model("functional.weights.h5", fixture("functional.weights.h5"), &fn_cfg,
                  fixture("functional_expected.h5"));
    compare_model("vgg_like_weights.h5", fixture("vgg_like_weights.h5"), &vgg_cfg,
                  fixture("vgg_like_expected.h5"));
    test_variants();
    test_bad_files();
    test_limits();
    if (!getenv("CLVIS_TEST_SKIP_BIG"))
        test_vgg_release();
    else
        printf("skip full-size VGG16 (CLVIS_TEST_SKIP_BIG set)\n");

    cleanup_tmp();
    clvis_ctx_destroy(ctx);
    return test_summary();
}

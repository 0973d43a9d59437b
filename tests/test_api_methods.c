/* test_api_methods.c — issue #14's "every method runs from the library API on Keras and ONNX
 * models": through include/clvis.h only, the method tables name every method of the issue
 * (the CAM family, the gradient family, the metrics), and each one runs on a Keras model
 * (tests/data/keras/functional.h5) and an ONNX one exported from PyTorch
 * (tests/data/onnx/classic/model.onnx) on a fixed input: a map of the right shape, finite and
 * in its range, for the predicted class; each metric of the Grad-CAM map finite (insertion and
 * deletion AUCs in [0, 1]). Their values against the peers are test_onnx's, test_saliency's
 * and test_evaluate's work; this one checks that nothing is missing from the API.
 * CLVIS_TEST_QUICK=1 (Oclgrind): the ONNX model only, without scorecam / ablationcam (a forward
 * pass per channel) and with the drop and deletion metrics only; said on QUICK lines. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clvis.h"
#include "testutil.h"

static const char *const CAMS[] = {"gradcam", "gradcam++", "xgradcam", "layercam", "hirescam",
                                   "eigencam", "eigengradcam", "scorecam", "ablationcam",
                                   "fullgrad"};
static const char *const SALS[] = {"vanilla", "vanilla-signed", "inputxgrad", "guided",
                                   "guided-gradcam", "smoothgrad", "ig"};
static const char *const METRICS[] = {"drop", "increase", "road", "insertion", "deletion"};
#define N_OF(a) ((int)(sizeof a / sizeof *a))

static int listed(const char *(*name)(int), const char *want)
{
    for (int k = 0; name(k); k++)
        if (!strcmp(name(k), want))
            return 1;
    return 0;
}

static void tables(void)
{
    const char *miss = NULL;
    for (int i = 0; i < N_OF(CAMS) && !miss; i++)
        if (!listed(clvis_cam_method_name, CAMS[i]))
            miss = CAMS[i];
    for (int i = 0; i < N_OF(SALS) && !miss; i++)
        if (!listed(clvis_saliency_method_name, SALS[i]))
            miss = SALS[i];
    for (int i = 0; i < N_OF(METRICS) && !miss; i++)
        if (!listed(clvis_metric_name, METRICS[i]))
            miss = METRICS[i];
    test_check("the API's tables name every CAM method, saliency method and metric of #14",
               !miss, miss ? miss : "");
}

/* max |v| and whether every value is finite and within [lo, hi] */
static int in_range(const float *v, size_t n, float lo, float hi, double *mx)
{
    *mx = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]) || v[i] < lo || v[i] > hi)
            return 0;
        *mx = fmax(*mx, fabs(v[i]));
    }
    return 1;
}

static void one_model(clvis_ctx *ctx, const char *path, const char *what, float lo, float hi)
{
    clvis_model *m = NULL;
    if (clvis_model_load(ctx, path, NULL, &m)) {
        test_fail(what, clvis_last_error());
        return;
    }
    size_t n = clvis_input_count(m);
    clvis_shape is = clvis_model_input_shape(m);
    float *x = malloc(n * sizeof *x), *cammap = NULL;
    int ch = 0, cw = 0;
    uint32_t s = 12345u;
    for (size_t i = 0; x && i < n; i++) { /* a fixed input in the model's range */
        s = s * 1664525u + 1013904223u;
        x[i] = lo + (hi - lo) * (float)(s >> 8) / 16777216.0f;
    }
    clvis_prediction top;
    int nt = 0;
    if (!x || clvis_predict(m, x, 1, &top, &nt, NULL, 0, NULL) || nt != 1) {
        test_fail(what, x ? clvis_last_error() : "out of memory");
        goto done;
    }
    for (int k = 0; clvis_cam_method_name(k); k++) {
        const char *name = clvis_cam_method_name(k);
        if (test_quick() && (!strcmp(name, "scorecam") || !strcmp(name, "ablationcam")))
            continue;
        clvis_gradcam_options o = {.layer = -1, .cls = -1, .method = name};
        clvis_gradcam_result r = {0};
        clvis_status st = clvis_gradcam(m, x, &o, &r);
        double mx = 0;
        int ok = !st && r.h > 0 && r.w > 0 && r.cls == top.index &&
                 in_range(r.map, (size_t)r.h * r.w, 0.0f, 1.0f + 1e-6f, &mx);
        test_checkf(ok, "%s: clvis_gradcam --method %s: a %dx%d map in [0, 1] of class %d "
                    "(the top-1 %d)%s%s", what, name, r.h, r.w, r.cls, top.index,
                    st ? ": " : "", st ? clvis_last_error() : "");
        if (!st && !strcmp(name, "gradcam") && (cammap = malloc((size_t)r.h * r.w * 4))) {
            memcpy(cammap, r.map, (size_t)r.h * r.w * sizeof *cammap);
            ch = r.h, cw = r.w;
        }
        clvis_gradcam_free(&r);
    }
    for (int k = 0; clvis_saliency_method_name(k); k++) {
        const char *name = clvis_saliency_method_name(k);
        clvis_saliency_options o;
        clvis_saliency_options_default(&o);
        o.method = name;
        o.steps = 4;
        o.samples = 2;
        clvis_saliency_result r = {0};
        clvis_status st = clvis_saliency(m, x, &o, &r);
        double mx = 0, amx = 0;
        int ok = !st && r.h == is.h && r.w == is.w && r.c == is.c && r.cls == top.index &&
                 in_range(r.map, (size_t)r.h * r.w, r.map_signed ? -1.0f - 1e-6f : 0.0f,
                          1.0f + 1e-6f, &mx) &&
                 in_range(r.attr, (size_t)r.h * r.w * r.c, -INFINITY, INFINITY, &amx) && amx > 0;
        test_checkf(ok, "%s: clvis_saliency --method %s: a %dx%dx%d attribution (max |a| %.3g), "
                    "its map in range, class %d%s%s", what, name, r.h, r.w, r.c, amx, r.cls,
                    st ? ": " : "", st ? clvis_last_error() : "");
        clvis_saliency_free(&r);
    }
    for (int k = 0; cammap && clvis_metric_name(k); k++) {
        const char *name = clvis_metric_name(k);
        if (test_quick() && strcmp(name, "drop") && strcmp(name, "deletion"))
            continue;
        clvis_evaluate_options o;
        clvis_evaluate_options_default(&o);
        o.metric = name;
        o.steps = 4;
        clvis_evaluate_result r = {0};
        clvis_status st = clvis_evaluate(m, x, cammap, ch, cw, -1, &o, &r);
        int auc = !strcmp(name, "insertion") || !strcmp(name, "deletion");
        int ok = !st && r.cls == top.index && isfinite(r.value) && r.images > 0 &&
                 (!auc || (r.value >= 0 && r.value <= 1));
        test_checkf(ok, "%s: clvis_evaluate --metric %s of the Grad-CAM map: %.6g (%d images)%s%s",
                    what, name, r.value, r.images, st ? ": " : "", st ? clvis_last_error() : "");
        clvis_evaluate_free(&r);
    }
    if (!cammap)
        test_fail(what, "no Grad-CAM map to evaluate");
done:
    free(x);
    free(cammap);
    clvis_model_destroy(m);
}

int main(void)
{
    clvis_ctx *ctx;
    int rc = test_open_ctx(&ctx);
    if (rc)
        return rc;
    tables();
    if (test_quick())
        test_quick_note("the Keras model, scorecam, ablationcam and the metrics but drop and "
                        "deletion not run (the full run has them)");
    else
        one_model(ctx, TEST_DATA_DIR "/keras/functional.h5", "Keras functional.h5", 0.0f, 255.0f);
    one_model(ctx, TEST_DATA_DIR "/onnx/classic/model.onnx", "ONNX classic", -1.0f, 1.0f);
    clvis_ctx_destroy(ctx);
    return test_summary();
}

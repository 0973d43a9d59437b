/* test_mobilenet.c — the real ImageNet model (models/mobilenet_v2.h5, MobileNetV2 converted
 * from google-coral's TFLite) on the sample photos, against what Keras computed with the same
 * file (tests/data/mobilenet/expected.h5, tools/convert_mobilenet.py): the decoded and resized
 * pixels, the top-5 classes and probabilities, the Grad-CAM maps; and the facts a user would
 * check: the elephants give an elephant class, the cat a cat, the parrot a macaw, the coffee
 * an espresso or a cup, and the parrot's Grad-CAM peak lies on the parrot. */
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/resize.h"
#include "explain/explain.h"
#include "testutil.h"

#ifndef TEST_ROOT
#define TEST_ROOT "."
#endif

static hid_t exp_f;

static int read_ints(const char *photo, const char *what, int *v, int n)
{
    char path[256];
    snprintf(path, sizeof path, "/%s/%s", photo, what);
    hsize_t dims[2] = {0, 0};
    if (H5LTget_dataset_info(exp_f, path, dims, NULL, NULL) < 0 || (int)dims[0] != n)
        return -1;
    return H5LTread_dataset_int(exp_f, path, v) < 0 ? -1 : 0;
}

static int read_floats(const char *photo, const char *what, float *v, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "/%s/%s", photo, what);
    hsize_t dims[2] = {0, 0};
    if (H5LTget_dataset_info(exp_f, path, dims, NULL, NULL) < 0)
        return -1;
    if (dims[0] * (dims[1] ? dims[1] : 1) != n)
        return -1;
    return H5LTread_dataset_float(exp_f, path, v) < 0 ? -1 : 0;
}

static void photo_test(clvis_model *m, const char *photo, const int *ok_classes, int n_ok,
                       int top_k_ok)
{
    char path[512], label[256], d[512];
    snprintf(path, sizeof path, "%s/samples/%s", TEST_ROOT, photo);
    size_t cnt = clvis_input_count(m);
    float *x = malloc(cnt * sizeof *x);
    image8 orig = {0};
    clvis_status st = clvis_input_load(m, path, -1, x, &orig);
    snprintf(label, sizeof label, "%s: decode, resize 224x224 (NEAREST), preprocess tf", photo);
    test_check(label, st == CLVIS_OK, st ? clvis_last_error() : "");
    if (st) {
        free(x);
        return;
    }
    /* the pixels Keras saw: compare our resize of our decode with Keras's (when stored) */
    {
        char dpath[256];
        snprintf(dpath, sizeof dpath, "/%s/resized_uint8", photo);
        if (H5Lexists(exp_f, photo, H5P_DEFAULT) > 0 && H5Lexists(exp_f, dpath, H5P_DEFAULT) > 0) {
            unsigned char *want = malloc(224 * 224 * 3);
            image8 mine = {0};
            if (H5LTread_dataset(exp_f, dpath, H5T_NATIVE_UCHAR, want) >= 0 &&
                keras_resize_nearest(&mine, 224, 224, &orig) == CLVIS_OK) {
                int diff = 0;
                for (int i = 0; i < 224 * 224 * 3; i++)
                    diff += mine.px[i] != want[i];
                snprintf(label, sizeof label, "%s: resized pixels equal Keras load_img's", photo);
                snprintf(d, sizeof d, "%d of %d bytes differ", diff, 224 * 224 * 3);
                test_check(label, diff == 0, d);
            }
            image_free(&mine);
            free(want);
        }
    }
    clvis_prediction top[5];
    int nt = 0;
    st = clvis_predict(m, x, 5, top, &nt, NULL, 0, NULL);
    int want_idx[5];
    float want_p[5];
    if (!st && read_ints(photo, "top5_index", want_idx, 5) == 0 &&
        read_floats(photo, "top5_prob", want_p, 5) == 0) {
        double maxd = 0;
        int same = 1;
        for (int k = 0; k < 5; k++) {
            same &= top[k].index == want_idx[k] || fabs(top[k].score - want_p[k]) < 2e-4;
            maxd = fmax(maxd, fabs(top[k].score - want_p[k]));
        }
        snprintf(label, sizeof label, "%s: top-5 = Keras's (same classes, probabilities)", photo);
        snprintf(d, sizeof d, "top-1 %d p=%.4f (Keras %d p=%.4f), max |dp| = %.2g", top[0].index,
                 top[0].score, want_idx[0], want_p[0], maxd);
        test_check(label, same && maxd < 1e-3, d);
    } else {
        snprintf(label, sizeof label, "%s: predict", photo);
        test_fail(label, st ? clvis_last_error() : "expected top-5 missing in the fixture");
    }
    int hit = 0;
    for (int k = 0; k < top_k_ok && k < nt; k++)
        for (int j = 0; j < n_ok; j++)
            hit |= top[k].index == ok_classes[j];
    snprintf(label, sizeof label, "%s: expected class in the top %d", photo, top_k_ok);
    snprintf(d, sizeof d, "top-1 index %d p=%.3f", top[0].index, top[0].score);
    test_check(label, hit, d);

    /* Grad-CAM vs Keras where the fixture has it */
    float kmap[49];
    if (read_floats(photo, "gradcam_heatmap", kmap, 49) == 0) {
        clvis_gradcam_options go = {-1, -1, 0, NULL, 0, NULL, NULL};
        clvis_gradcam_result r = {0};
        st = clvis_gradcam(m, x, &go, &r);
        snprintf(label, sizeof label, "%s: Grad-CAM map (out_relu 7x7) = Keras's", photo);
        if (st || r.h * r.w != 49)
            test_fail(label, st ? clvis_last_error() : "map is not 7x7");
        else /* a saturated softmax (p > 0.99) leaves a gradient of size 1 - p ~ 1e-3, where
              * float32 rounding (ours and TensorFlow's) weighs more: 1e-2 there */
            test_compare_f(label, r.map, kmap, 49, r.prob > 0.99f ? 1e-2 : 1e-3);
        if (!st && !strcmp(photo, "parrot.jpg")) {
            /* the parrot fills the middle of the picture: the peak is off the border */
            int arg = 0;
            for (int i = 1; i < 49; i++)
                if (r.map[i] > r.map[arg])
                    arg = i;
            snprintf(d, sizeof d, "peak at row %d, column %d of 7x7", arg / 7, arg % 7);
            test_check("parrot.jpg: Grad-CAM peak lies on the parrot (inner 5x5)",
                       arg / 7 >= 1 && arg / 7 <= 5 && arg % 7 >= 1 && arg % 7 <= 5, d);
        }
        clvis_gradcam_free(&r);
    }
    image_free(&orig);
    free(x);
}

int main(void)
{
    clvis_ctx *ctx;
    int rc = test_open_ctx(&ctx);
    if (rc)
        return rc;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    exp_f = H5Fopen(TEST_ROOT "/tests/data/mobilenet/expected.h5", H5F_ACC_RDONLY, H5P_DEFAULT);
    clvis_model *m = NULL;
    clvis_status st = clvis_model_load(ctx, TEST_ROOT "/models/mobilenet_v2.h5", NULL, &m);
    test_check("models/mobilenet_v2.h5 loads", st == CLVIS_OK && exp_f >= 0,
               st ? clvis_last_error() : "");
    if (!st && exp_f >= 0) {
        const int elephants[] = {101, 385, 386}; /* tusker, Indian, African elephant */
        const int cats[] = {281, 282, 283, 284, 285, 286, 287}; /* tabby .. cats */
        const int macaw[] = {88};
        const int coffee[] = {967, 968}; /* espresso, cup */
        const int hotdog[] = {934};
        photo_test(m, "elephants_small.jpg", elephants, 3, 3);
        photo_test(m, "cat_chelsea.png", cats, 7, 1);
        photo_test(m, "parrot.jpg", macaw, 1, 1);
        photo_test(m, "coffee.png", coffee, 2, 1);
        photo_test(m, "hot_dog.jpg", hotdog, 1, 1);
    }
    clvis_model_destroy(m);
    if (exp_f >= 0)
        H5Fclose(exp_f);
    clvis_ctx_destroy(ctx);
    return test_summary();
}

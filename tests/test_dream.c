/* test_dream.c — deep dream on a photo (src/explain/dream.c, kernels/dream.cl): one step
 * against a host reference built from the public forward / backward (two layers with weights:
 * the L2 objective's seeds, the sum of the gradients, the division by their std, the clip),
 * the objective rising over the steps of every octave, the output at the photo's size, seeded
 * runs, the model's input size restored, and bad arguments refused with one line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static clvis_ctx *ctx;

/* A smooth synthetic photo (no file needed). */
static clvis_image synthetic(int w, int h)
{
    clvis_image im = {w, h, 3, malloc((size_t)w * h * 3)};
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++)
                im.px[((size_t)y * w + x) * 3 + c] =
                    (unsigned char)(128 + 90 * sin(0.21 * x * (c + 1) + 0.13 * y) *
                                              cos(0.17 * y - 0.5 * c));
    return im;
}

/* The reference of one step without jitter at the photo's size: x1 = clip(x0 + step g /
 * (std g + 1e-8)), g = sum_l w_l d mean(a_l^2) / dx through the model's SCALE or RAW input. */
static int reference_step(clvis_model *m, const clvis_image *ph, const int *layers,
                          const float *wts, int nl, float step, unsigned char *want, double *obj)
{
    const int H = ph->h, W = ph->w;
    const size_t n = (size_t)H * W * 3;
    clvis_preprocess pre = clvis_model_preprocess(m);
    float mul = pre == CLVIS_PREPROCESS_SCALE ? 1.0f : pre == CLVIS_PREPROCESS_RAW ? 255.0f : 0;
    if (mul == 0 || clvis_model_set_input_size(m, H, W))
        return 0;
    float *x0 = malloc(n * 4), *in = malloc(n * 4), *g = calloc(n, 4), *gl = malloc(n * 4);
    int upto = 0, ok = 1;
    for (int l = 0; l < nl; l++)
        upto = layers[l] > upto ? layers[l] : upto;
    for (size_t i = 0; i < n; i++) {
        x0[i] = ph->px[i] / 255.0f;
        in[i] = x0[i] * mul;
    }
    *obj = 0;
    ok = !clvis_model_forward(m, in, 1, upto);
    for (int l = 0; ok && l < nl; l++) {
        clvis_shape s = clvis_model_layer_shape(m, layers[l]);
        size_t cnt = (size_t)s.h * s.w * s.c;
        float *a = malloc(cnt * 4);
        ok = a && !clvis_model_read(m, layers[l], a);
        double ss = 0;
        for (size_t i = 0; ok && i < cnt; i++) {
            ss += (double)a[i] * a[i];
            a[i] = 2.0f * wts[l] * a[i] / (float)cnt;
        }
        *obj += wts[l] * ss / (double)cnt;
        ok = ok && !clvis_model_backward(m, layers[l], a, -1, gl);
        for (size_t i = 0; ok && i < n; i++)
            g[i] += gl[i] * mul;
        free(a);
    }
    double s = 0, q = 0;
    for (size_t i = 0; i < n; i++)
        s += g[i], q += (double)g[i] * g[i];
    double mean = s / n, sd = sqrt(fmax(q / n - mean * mean, 0));
    for (size_t i = 0; i < n; i++) {
        double v = fmin(fmax(x0[i] + step * g[i] / (sd + 1e-8), 0), 1);
        want[i] = (unsigned char)(v * 255 + 0.5);
    }
    free(x0);
    free(in);
    free(g);
    free(gl);
    return ok;
}

static double mean_of(const float *v, int k)
{
    double s = 0;
    for (int i = 0; i < k; i++)
        s += v[i] / k;
    return s;
}

static void test_dream(void)
{
    clvis_model *m = NULL;
    clvis_status st = clvis_model_load(ctx, TEST_KERAS_DIR "/small_convnet.h5", NULL, &m);
    test_check("small_convnet.h5 loads", st == CLVIS_OK, st ? clvis_last_error() : "");
    if (st)
        return;
    int l1 = -1, l0 = -1;
    clvis_model_find_layer(m, "conv2d_1", &l1);
    clvis_model_find_layer(m, "conv2d", &l0);
    clvis_image ph = synthetic(40, 32), out = {0}, out2 = {0};
    clvis_dream_options o;
    clvis_dream_options_default(&o);
    test_check("dream defaults: 3 octaves at 1.4, 50 steps of 0.01, jitter 32",
               o.octaves == 3 && fabsf(o.octave_scale - 1.4f) < 1e-6f && o.steps == 50 &&
                   fabsf(o.step - 0.01f) < 1e-9f && o.jitter == 32, NULL);
    /* one step, no jitter, two layers with weights: against the host reference */
    const int layers[2] = {l1, l0};
    const float wts[2] = {1.0f, 0.5f};
    o.octaves = 1;
    o.steps = 1;
    o.jitter = 0;
    o.step = 0.02f;
    float obj1[1] = {0};
    st = clvis_dream(m, &ph, layers, wts, 2, &o, &out, obj1, NULL, NULL);
    size_t n = (size_t)ph.w * ph.h * 3;
    unsigned char *want = malloc(n);
    double oref = 0;
    int rok = reference_step(m, &ph, layers, wts, 2, o.step, want, &oref);
    test_check("dream: one step runs", !st && rok,
               st ? clvis_last_error() : rok ? NULL : "reference failed");
    if (!st && rok) {
        test_compare_u8("one step (conv2d_1 + 0.5 conv2d, no jitter) = the host reference from "
                        "the model's forward / backward", out.px, want, n, 1, 0.002);
        test_checkf(fabs(obj1[0] - oref) < 1e-4 * (1 + fabs(oref)),
                    "the objective before the step: device %.6f, reference %.6f", obj1[0],
                    oref);
    }
    clvis_image_free(&out);
    free(want);
    /* the objective rises within every octave, with jitter */
    const int steps = test_quick() ? 4 : 16;
    clvis_dream_options_default(&o);
    o.octaves = 2;
    o.steps = steps;
    o.jitter = 4;
    o.seed = 9;
    clvis_image big = test_quick() ? synthetic(48, 40) : synthetic(72, 56);
    clvis_shape in0 = clvis_model_input_shape(m); /* the reference's 40x32 */
    float *obj = malloc((size_t)o.octaves * steps * sizeof *obj);
    st = clvis_dream(m, &big, &l1, NULL, 1, &o, &out, obj, NULL, NULL);
    int rises = !st;
    char line[400] = "";
    for (int k = 0; !st && k < o.octaves; k++) {
        double a = mean_of(obj + k * steps, 2), b = mean_of(obj + k * steps + steps - 2, 2);
        rises &= isfinite(a) && isfinite(b) && b > a * 1.05;
        size_t len = strlen(line);
        snprintf(line + len, sizeof line - len, " octave %d: %.4f -> %.4f;", k + 1, a, b);
    }
    test_checkf(rises, "the L2 objective of conv2d_1 rises over each octave's %d steps "
                "(jitter 4, first two vs last two, by > 5%%):%s %s", steps, line,
                st ? clvis_last_error() : "");
    test_checkf(!st && out.w == big.w && out.h == big.h && out.c == 3,
                "the dream has the photo's size: %dx%d for %dx%d", out.w, out.h, big.w, big.h);
    size_t nb = (size_t)big.w * big.h * 3, changed = 0;
    for (size_t i = 0; !st && i < nb; i++)
        changed += out.px[i] != big.px[i];
    test_checkf(!st && changed > nb / 2, "the dream changed the photo (%zu of %zu values)",
                changed, nb);
    st = clvis_dream(m, &big, &l1, NULL, 1, &o, &out2, NULL, NULL, NULL);
    test_check("seeded: the same run twice gives the same bytes",
               !st && out.px && out2.px && !memcmp(out.px, out2.px, nb), NULL);
    clvis_image_free(&out2);
    o.seed = 10;
    st = clvis_dream(m, &big, &l1, NULL, 1, &o, &out2, NULL, NULL, NULL);
    test_check("another seed (jitter) gives another dream",
               !st && out2.px && memcmp(out.px, out2.px, nb), NULL);
    clvis_image_free(&out2);
    clvis_shape in1 = clvis_model_input_shape(m);
    test_checkf(in1.h == in0.h && in1.w == in0.w, "the model's input size is set back: %dx%d",
                in1.w, in1.h);
    /* bad arguments: refused, one line, nothing allocated */
    o.octaves = 0;
    test_expect_error("octaves 0", clvis_dream(m, &big, &l1, NULL, 1, &o, &out2, NULL, NULL, NULL),
                      CLVIS_ERR_INVALID_ARG);
    o.octaves = 5;
    o.octave_scale = 2.0f;
    test_expect_error("an octave under 16 pixels a side",
                      clvis_dream(m, &big, &l1, NULL, 1, &o, &out2, NULL, NULL, NULL),
                      CLVIS_ERR_INVALID_ARG);
    o.octaves = 1;
    int zero = 0;
    test_expect_error("the input layer",
                      clvis_dream(m, &big, &zero, NULL, 1, &o, &out2, NULL, NULL, NULL),
                      CLVIS_ERR_INVALID_ARG);
    o.step = 0;
    test_expect_error("step 0", clvis_dream(m, &big, &l1, NULL, 1, &o, &out2, NULL, NULL, NULL),
                      CLVIS_ERR_INVALID_ARG);
    test_check("nothing returned on failure", out2.px == NULL, NULL);
    free(obj);
    clvis_image_free(&out);
    clvis_image_free(&ph);
    clvis_image_free(&big);
    clvis_model_destroy(m);
}

int main(void)
{
    int rc = test_open_ctx(&ctx);
    if (rc)
        return rc;
    if (test_quick())
        test_quick_note("dream: 4 steps per octave at 48x40");
    test_dream();
    clvis_ctx_destroy(ctx);
    return test_summary();
}

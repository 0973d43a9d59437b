/* dream.c — deep dream on a photo (Mordvintsev, Olah and Tyka, "Inceptionism", 2015; the
 * TensorFlow / Keras deep-dream tutorial; Lucid's render_deepdream): gradient ascent on the
 * photo itself of the layers' L2 objective sum_l w_l mean(a_l^2), with the gradient divided by
 * its standard deviation (+ 1e-8), a seeded random shift (jitter) each step, and octaves: the
 * image dreamed at photo / scale^(octaves-1) first, resized up (bilinear) and dreamed again, up
 * to the photo's size. The image stays in [0, 1] on the device (clipped after each step, as the
 * tutorial clips to [-1, 1] in its preprocessed space); the model's preprocessing and the jitter
 * are the lucid resampler (lucid_transform.c) with a pure translation, grey (0.5) shifted in.
 * Per step the host writes one affine map (12 floats); nothing of the image crosses until the
 * end of an octave. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model.h"
#include "explain/explain.h"
#include "explain/lucid.h"
#include "io/resize.h"
#include "viz/book.h"

#define NARGS(a) ((int)(sizeof(a) / sizeof *(a)))
#define DREAM_PARTS 64 /* partial sums per reduction */
#define DREAM_MIN_SIDE 16

void clvis_dream_options_default(clvis_dream_options *o)
{
    memset(o, 0, sizeof *o);
    o->octaves = 3;
    o->octave_scale = 1.4f;
    o->steps = 50;
    o->step = 0.01f;
    o->jitter = 32;
    o->preprocess = -1;
}

typedef struct {
    cl_mem img, gimg, gtmp, aff, part, seed;
} dream_bufs;

static void bufs_free(dream_bufs *b)
{
    cl_mem *all[] = {&b->img, &b->gimg, &b->gtmp, &b->aff, &b->part, &b->seed};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (*all[i]) {
            clReleaseMemObject(*all[i]);
            *all[i] = NULL;
        }
}

static clvis_status partials(clvis_ctx *ctx, cl_mem part, cl_mem x, int off, int n)
{
    int Q = DREAM_PARTS;
    karg a[] = {KMEM(part), KMEM(x), KARG(off), KARG(n), KARG(Q)};
    return kernel_run(ctx, K_dream_partials, (size_t)Q, a, NARGS(a));
}

/* One octave at h x w: `steps` steps on host (planar, 3*h*w floats, in and out). */
static clvis_status octave(graph *g, const int *layers, const float *wts, int nl, int h, int w,
                           const clvis_dream_options *o, const lucid_chanmap *cm, float *host,
                           lucid_rng *rng, float *objective, const char *task, long done0,
                           long total)
{
    clvis_ctx *ctx = graph_ctx(g);
    const int n = 3 * h * w;
    int upto = layers[0], all_under = 1;
    size_t most = 0;
    for (int l = 0; l < nl; l++) {
        shape3 s = graph_node_shape(g, layers[l]);
        size_t c = (size_t)s.c * s.h * s.w;
        most = c > most ? c : most;
        upto = layers[l] > upto ? layers[l] : upto;
    }
    for (int l = 0; l < nl; l++)
        all_under &= graph_depends(g, upto, layers[l]);
    dream_bufs b;
    memset(&b, 0, sizeof b);
    clvis_status st = graph_plan(g, 1);
    struct {
        cl_mem *m;
        size_t floats;
    } want[] = {{&b.img, (size_t)n}, {&b.gimg, (size_t)n}, {&b.gtmp, nl > 1 ? (size_t)n : 0},
                {&b.aff, 12},        {&b.part, 2 * DREAM_PARTS}, {&b.seed, most}};
    for (size_t i = 0; !st && i < sizeof want / sizeof *want; i++)
        if (want[i].floats)
            st = buffer_create(ctx, want[i].floats * sizeof(float), want[i].m);
    float *zeros = st ? NULL : calloc(most, sizeof *zeros);
    if (!st && !zeros)
        st = err_set(CLVIS_ERR_NO_MEMORY, "dream: out of host memory");
    if (!st)
        st = buffer_write(ctx, b.img, 0, (size_t)n * sizeof(float), host);
    if (!st) /* allocates the gradient buffers */
        st = graph_seed(g, layers[0], LAYOUT_NCHW, zeros);
    free(zeros);
    float part[2 * DREAM_PARTS];
    for (int step = 0; step < o->steps && !st; step++) {
        int jx = 0, jy = 0;
        if (o->jitter > 0) {
            jx = (int)(lucid_rng_uniform(rng) * (2 * o->jitter + 1)) - o->jitter;
            jy = (int)(lucid_rng_uniform(rng) * (2 * o->jitter + 1)) - o->jitter;
        }
        lucid_affine a = lucid_affine_make(h, w, h, w, (float)jx, (float)jy, 1.0f, 0.0f, 0, 0);
        float aff[12];
        memcpy(aff, a.a, sizeof a.a);
        memcpy(aff + 6, a.inv, sizeof a.inv);
        tensor x, gx;
        if ((st = buffer_write(ctx, b.aff, 0, sizeof aff, aff)) || (st = graph_input_dev(g, &x)) ||
            (st = lucid_sample_forward(ctx, x, b.img, b.aff, 1, h, w, cm)) ||
            (st = graph_forward(g, all_under ? upto : -1)))
            break;
        double val = 0;
        for (int l = 0; l < nl && !st; l++) {
            tensor act;
            if ((st = graph_output_dev(g, layers[l], &act)))
                break;
            int cnt = (int)tensor_count(act), off = (int)act.off;
            float scale = 2.0f * wts[l] / (float)cnt;
            karg ka[] = {KMEM(b.seed), KMEM(act.mem), KARG(off), KARG(cnt), KARG(scale)};
            if (objective) {
                if ((st = partials(ctx, b.part, act.mem, off, cnt)) ||
                    (st = buffer_read(ctx, b.part, 0, sizeof part, part)))
                    break;
                double ss = 0;
                for (int q = 0; q < DREAM_PARTS; q++)
                    ss += part[2 * q + 1];
                val += wts[l] * ss / cnt;
            }
            cl_mem dst = l == 0 ? b.gimg : b.gtmp;
            if ((st = kernel_run(ctx, K_dream_l2_seed, (size_t)cnt, ka, NARGS(ka))) ||
                (st = graph_seed_dev(g, layers[l], b.seed)) ||
                (st = graph_backward(g, layers[l], 0, 0)) || (st = graph_input_grad_dev(g, &gx)) ||
                (st = lucid_sample_adjoint(ctx, dst, gx, b.aff, 1, h, w, 1.0f, cm)))
                break;
            if (l > 0) {
                int nn = n;
                karg kc[] = {KMEM(b.gimg), KMEM(b.gtmp), KARG(nn)};
                st = kernel_run(ctx, K_dream_accum, (size_t)n, kc, NARGS(kc));
            }
        }
        if (st)
            break;
        if (objective)
            objective[step] = (float)val;
        int Q = DREAM_PARTS, nn = n;
        float sz = o->step;
        karg ks[] = {KMEM(b.img), KMEM(b.gimg), KMEM(b.part), KARG(Q), KARG(nn), KARG(sz)};
        if ((st = partials(ctx, b.part, b.gimg, 0, n)) ||
            (st = kernel_run(ctx, K_dream_step, (size_t)n, ks, NARGS(ks))))
            break;
        graph_progress(g, task, done0 + step + 1, total);
    }
    if (!st)
        st = buffer_read(ctx, b.img, 0, (size_t)n * sizeof(float), host);
    bufs_free(&b);
    return st;
}

/* planar [3][h][w] <-> interleaved [h][w][3] */
static void to_planar(float *dst, const float *src, int hw)
{
    for (int p = 0; p < hw; p++)
        for (int c = 0; c < 3; c++)
            dst[(size_t)c * hw + p] = src[(size_t)p * 3 + c];
}

static void to_interleaved(float *dst, const float *src, int hw)
{
    for (int p = 0; p < hw; p++)
        for (int c = 0; c < 3; c++)
            dst[(size_t)p * 3 + c] = src[(size_t)c * hw + p];
}

clvis_status clvis_dream(clvis_model *m, const clvis_image *photo, const int *layers,
                         const float *weights, int nl, const clvis_dream_options *opt,
                         clvis_image *out, float *objective, clvis_progress_fn progress,
                         void *user)
{
    if (!m || !photo || !photo->px || photo->c != 3 || photo->w < 1 || photo->h < 1 || !layers ||
        nl < 1 || !out)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_dream: bad argument");
    clvis_dream_options def;
    if (!opt) {
        clvis_dream_options_default(&def);
        opt = &def;
    }
    if (opt->octaves < 1 || opt->octaves > 20 || !(opt->octave_scale >= 1.0f) ||
        opt->octave_scale > 4.0f || opt->steps < 0 || !(opt->step > 0) || opt->step > 1e3f ||
        opt->jitter < 0 || opt->preprocess > CLVIS_PREPROCESS_TORCH)
        return err_set(CLVIS_ERR_INVALID_ARG,
                       "dream: bad options (octaves %d, octave scale %g, steps %d, step %g, "
                       "jitter %d)", opt->octaves, opt->octave_scale, opt->steps, opt->step,
                       opt->jitter);
    graph *g = model_graph(m);
    if (graph_node_shape(g, 0).c != 3)
        return err_set(CLVIS_ERR_UNSUPPORTED, "dream: needs a 3-channel model input");
    float *wts = malloc((size_t)nl * sizeof *wts);
    if (!wts)
        return err_set(CLVIS_ERR_NO_MEMORY, "dream: out of host memory");
    for (int l = 0; l < nl; l++) {
        wts[l] = weights ? weights[l] : 1.0f;
        if (layers[l] <= 0 || layers[l] >= graph_count(g) || !isfinite(wts[l])) {
            free(wts);
            return err_set(CLVIS_ERR_INVALID_ARG, "dream: layer index %d (weight %g) invalid",
                           layers[l], weights ? weights[l] : 1.0);
        }
    }
    const int H = photo->h, W = photo->w, O = opt->octaves;
    int *hs = malloc((size_t)O * sizeof *hs), *ws = malloc((size_t)O * sizeof *ws);
    float *host = malloc((size_t)H * W * 3 * sizeof *host),
          *inter = malloc((size_t)H * W * 3 * sizeof *inter),
          *tmp = malloc((size_t)H * W * 3 * sizeof *tmp);
    clvis_status st = CLVIS_OK;
    if (!hs || !ws || !host || !inter || !tmp)
        st = err_set(CLVIS_ERR_NO_MEMORY, "dream: out of host memory");
    for (int k = 0; !st && k < O; k++) {
        double f = pow(opt->octave_scale, (double)(k - (O - 1)));
        hs[k] = (int)lround(H * f);
        ws[k] = (int)lround(W * f);
        if (hs[k] < DREAM_MIN_SIDE || ws[k] < DREAM_MIN_SIDE)
            st = err_set(CLVIS_ERR_INVALID_ARG,
                         "dream: octave %d of %d at scale %g is %dx%d, under %d pixels a side "
                         "(fewer octaves or a smaller scale)", k + 1, O, opt->octave_scale,
                         ws[k], hs[k], DREAM_MIN_SIDE);
    }
    clvis_shape in0 = clvis_model_input_shape(m);
    clvis_preprocess pre = opt->preprocess >= 0 ? (clvis_preprocess)opt->preprocess
                                                : clvis_model_preprocess(m);
    lucid_chanmap cm;
    lucid_chanmap_for(pre, &cm);
    lucid_rng rng;
    lucid_rng_seed(&rng, ((uint64_t)opt->seed << 32) + 0xd7eau);
    char task[300];
    snprintf(task, sizeof task, "dream %s%s (%d octave%s x %d steps)", graph_node_name(g, layers[0]),
             nl > 1 ? " + ..." : "", O, O > 1 ? "s" : "", opt->steps);
    /* the photo at the first octave's size, in [0, 1] */
    if (!st) {
        for (size_t i = 0; i < (size_t)H * W * 3; i++)
            tmp[i] = photo->px[i] / 255.0f;
        st = cv_resize_bilinear_f32(inter, ws[0], hs[0], tmp, W, H, 3);
    }
    for (int k = 0; k < O && !st; k++) {
        if (k > 0) {
            memcpy(tmp, inter, (size_t)hs[k - 1] * ws[k - 1] * 3 * sizeof *tmp);
            if ((st = cv_resize_bilinear_f32(inter, ws[k], hs[k], tmp, ws[k - 1], hs[k - 1], 3)))
                break;
        }
        to_planar(host, inter, hs[k] * ws[k]);
        if ((st = clvis_model_set_input_size(m, hs[k], ws[k])) ||
            (st = octave(g, layers, wts, nl, hs[k], ws[k], opt, &cm, host, &rng,
                         objective ? objective + (size_t)k * opt->steps : NULL, task,
                         (long)k * opt->steps, (long)O * opt->steps)))
            break;
        to_interleaved(inter, host, hs[k] * ws[k]);
        viz_say(progress, user, "dream: octave %d/%d at %dx%d, %d steps", k + 1, O, ws[k], hs[k],
                opt->steps);
    }
    if (!st) {
        out->w = W;
        out->h = H;
        out->c = 3;
        out->px = malloc((size_t)W * H * 3);
        if (!out->px)
            st = err_set(CLVIS_ERR_NO_MEMORY, "dream: out of host memory");
        for (size_t i = 0; !st && i < (size_t)W * H * 3; i++) {
            float q = inter[i] * 255.0f + 0.5f;
            out->px[i] = (unsigned char)(q < 0 ? 0 : q > 255 ? 255 : q);
        }
    }
    if (in0.h > 0 && in0.w > 0) { /* the model's size back (a failure here is the run's) */
        clvis_status s2 = clvis_model_set_input_size(m, in0.h, in0.w);
        if (!st && s2) {
            st = s2;
            free(out->px);
            memset(out, 0, sizeof *out);
        }
    }
    free(hs);
    free(ws);
    free(host);
    free(inter);
    free(tmp);
    free(wts);
    return st;
}

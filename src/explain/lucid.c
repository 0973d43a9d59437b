/* lucid.c — feature visualisation as Lucid does it (Olah, Mordvintsev and Schubert, "Feature
 * Visualization", Distill 2017; lucid.optvis.render.render_vis): a parametrised image (pixels,
 * or a 1/f-scaled spectrum, lucid_fft.c), colour decorrelation and a sigmoid (lucid_color.c),
 * seeded transformation robustness (lucid_transform.c), the objective's gradient from the graph,
 * the regularisers (lucid_reg.c) and Adam (lucid_optim.c). The whole step stays on the device:
 * per step the host writes only each item's affine map (12 floats); the seed of the objective
 * is a device buffer copied into the graph. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain/explain.h"
#include "explain/lucid.h"
#include "io/resize.h"
#include "viz/book.h"

void clvis_lucid_options_default(clvis_lucid_options *o)
{
    memset(o, 0, sizeof *o);
    o->steps = 256;
    o->lr = 0.05f;
    o->param = CLVIS_LUCID_FFT;
    o->decorrelate = 1;
    o->transforms = 1;
    o->optimizer = CLVIS_LUCID_ADAM;
    o->objective = CLVIS_LUCID_CHANNEL;
    o->preprocess = -1;
}

/* The model's preprocessing of pixels 0..255 as the channel map of the resampler: model
 * channel c = img[src[c]] * 255 * scale[c] + offset[c]. */
void lucid_chanmap_for(clvis_preprocess mode, lucid_chanmap *cm)
{
    static const float caffe_mean[3] = {103.939f, 116.779f, 123.68f}; /* B, G, R */
    for (int c = 0; c < 3; c++) {
        float scale = mode == CLVIS_PREPROCESS_SCALE ? 1.0f / 255.0f
                      : mode == CLVIS_PREPROCESS_TF  ? 1.0f / 127.5f
                                                     : 1.0f;
        float off = mode == CLVIS_PREPROCESS_TF      ? -1.0f
                    : mode == CLVIS_PREPROCESS_CAFFE ? -caffe_mean[c]
                                                     : 0.0f;
        if (mode == CLVIS_PREPROCESS_TORCH) {
            scale = 1.0f / (255.0f * image_torch_std[c]);
            off = -image_torch_mean[c] / image_torch_std[c];
        }
        cm->src[c] = mode == CLVIS_PREPROCESS_CAFFE ? 2 - c : c;
        cm->mul[c] = 255.0f * scale;
        cm->add[c] = off;
    }
}

typedef struct {
    cl_mem p, g, m, v, z, t, img, gimg, gt, aff, seed, ss, tw;
    cl_mem seed2;      /* diversity: the seed plus the diversity term's gradient, per step */
    lucid_div_work dw; /* diversity: its work buffers */
} lucid_bufs;

static void bufs_free(lucid_bufs *b)
{
    cl_mem *all[] = {&b->p, &b->g, &b->m, &b->v, &b->z, &b->t, &b->img, &b->gimg, &b->gt,
                     &b->aff, &b->seed, &b->ss, &b->tw, &b->seed2};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (*all[i]) {
            clReleaseMemObject(*all[i]);
            *all[i] = NULL;
        }
    lucid_diversity_free(&b->dw);
}

static clvis_status zero(clvis_ctx *ctx, cl_mem m, size_t floats)
{
    float z = 0.0f;
    FAULT_TRY(FAULT_ENQUEUE, "clEnqueueFillBuffer");
    CL_TRY(clEnqueueFillBuffer(ctx->queue, m, &z, sizeof z, 0, floats * sizeof(float), 0, NULL,
                               NULL));
    return CLVIS_OK;
}

/* Floats per item of the buffers above. */
static size_t item_floats(int fft, int S, size_t lcount)
{
    size_t per = fft ? lucid_spectrum_floats(S, S) : (size_t)3 * S * S;
    return per * (fft ? 5 : 4) + (size_t)3 * S * S * (fft ? 4 : 3) + 12 + lcount + 1;
}

static clvis_status alloc_bufs(clvis_ctx *ctx, lucid_bufs *b, int fft, int B, int S,
                               size_t lcount)
{
    size_t per = fft ? lucid_spectrum_floats(S, S) : (size_t)3 * S * S, img = (size_t)3 * S * S;
    struct {
        cl_mem *m;
        size_t floats;
    } want[] = {{&b->p, per},    {&b->g, per},     {&b->m, per},    {&b->v, per},
                {&b->img, img},  {&b->gimg, img},  {&b->aff, 12},   {&b->seed, lcount},
                {&b->ss, 1},     {&b->z, fft ? per : 0}, {&b->t, fft ? img : 0},
                {&b->gt, fft ? img : 0}};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        if (!want[i].floats)
            continue;
        clvis_status st = buffer_create(ctx, want[i].floats * (size_t)B * sizeof(float), want[i].m);
        if (st)
            return st;
    }
    return fft ? lucid_fft_tables(ctx, S, S, &b->tw) : CLVIS_OK;
}

/* The image of the current parameters: t (or p itself for pixels), then img. */
static clvis_status render(clvis_ctx *ctx, lucid_bufs *b, int fft, int B, int S,
                           const float mat[9])
{
    clvis_status st;
    if (fft && (st = lucid_irfft(ctx, b->t, b->p, b->z, b->tw, B, S, S)))
        return st;
    return lucid_rgb_forward(ctx, b->img, fft ? b->t : b->p, B, S * S, mat);
}

/* Progress per step: task, and the steps of all items (n * steps) as the total. */
typedef struct {
    const char *task;
    long total;
} lucid_progress;

static clvis_status run_chunk(graph *g, int layer, const int *units, int nb, int B, int item0,
                              const clvis_lucid_options *o, lucid_bufs *b, float *host,
                              float *objective, const lucid_chanmap *cm,
                              const lucid_progress *pr)
{
    clvis_ctx *ctx = graph_ctx(g);
    shape3 in = graph_node_shape(g, 0), ls = graph_node_shape(g, layer);
    const int S = in.h, fft = o->param == CLVIS_LUCID_FFT;
    const size_t per = fft ? lucid_spectrum_floats(S, S) : (size_t)3 * S * S;
    const size_t lhw = (size_t)ls.h * ls.w, lcount = (size_t)ls.c * lhw;
    float mat[9];
    lucid_color_matrix(o->decorrelate, mat);
    /* the start: N(0, 0.01^2) per item from its own stream (the same whatever the chunking),
     * or the caller's (a batch's padding items repeat its first) */
    for (int k = 0; k < B; k++) {
        int item = item0 + (k < nb ? k : 0);
        if (o->start) {
            memcpy(host + (size_t)k * per, o->start + (size_t)item * per, per * sizeof *host);
            continue;
        }
        lucid_rng r;
        lucid_rng_seed(&r, ((uint64_t)o->seed << 32) + (uint64_t)item);
        for (size_t i = 0; i < per; i++)
            host[(size_t)k * per + i] = (float)(0.01 * lucid_rng_normal(&r));
    }
    clvis_status st = buffer_write(ctx, b->p, 0, (size_t)B * per * sizeof(float), host);
    if (st || (st = zero(ctx, b->m, (size_t)B * per)) || (st = zero(ctx, b->v, (size_t)B * per)))
        return st;
    /* the objective's seed: its gradient at the layer, per item */
    memset(host, 0, (size_t)B * lcount * sizeof *host);
    for (int k = 0; k < nb; k++) {
        const int dir = o->objective == CLVIS_LUCID_DIRECTION; /* the units are not used */
        float *s = host + (size_t)k * lcount + (dir ? 0 : (size_t)units[k] * lhw);
        if (o->objective == CLVIS_LUCID_NEURON)
            s[(size_t)(ls.h / 2) * ls.w + ls.w / 2] = 1.0f;
        else if (o->objective == CLVIS_LUCID_DIRECTION)
            for (int c = 0; c < ls.c; c++)
                for (size_t p = 0; p < lhw; p++)
                    s[(size_t)c * lhw + p] = o->direction[c] / (float)lhw;
        else
            for (size_t p = 0; p < lhw; p++)
                s[p] = 1.0f / (float)lhw;
    }
    if ((st = buffer_write(ctx, b->seed, 0, (size_t)B * lcount * sizeof(float), host)) ||
        (st = graph_seed(g, layer, LAYOUT_NCHW, host))) /* allocates the gradient buffers */
        return st;
    unsigned flags = o->objective == CLVIS_LUCID_CLASS &&
                             graph_node_ending(g, layer) == ENDS_PROBABILITY
                         ? GRAPH_LINEAR_FROM
                         : 0;
    lucid_rng *rng = malloc((size_t)B * sizeof *rng);
    float *aff = malloc((size_t)B * 12 * sizeof *aff);
    float *lv = objective ? malloc((size_t)B * lcount * sizeof *lv) : NULL;
    if (!rng || !aff || (objective && !lv)) {
        free(rng);
        free(aff);
        free(lv);
        return err_set(CLVIS_ERR_NO_MEMORY, "lucid: out of host memory");
    }
    for (int k = 0; k < B; k++)
        lucid_rng_seed(&rng[k], ((uint64_t)(o->seed ^ 0x5eedu) << 32) + 0x10000000u +
                                    (uint64_t)(item0 + k));
    lucid_adam adam;
    if (o->optimizer == CLVIS_LUCID_ADAM_TORCH)
        lucid_adam_init_torch(&adam, o->lr);
    else
        lucid_adam_init(&adam, o->lr);
    const lucid_reg reg = {o->l1, o->tv, o->blur};
    for (int step = 0; step < o->steps && !st; step++) {
        for (int k = 0; k < B; k++) {
            lucid_affine a = lucid_affine_draw(&rng[k], o->transforms, S, S, S, S);
            memcpy(aff + (size_t)k * 6, a.a, sizeof a.a);
            memcpy(aff + (size_t)(B + k) * 6, a.inv, sizeof a.inv);
        }
        tensor x, gx;
        cl_mem gt = fft ? b->gt : b->g;
        if ((st = render(ctx, b, fft, B, S, mat)) ||
            (st = buffer_write(ctx, b->aff, 0, (size_t)B * 12 * sizeof(float), aff)) ||
            (st = graph_input_dev(g, &x)) ||
            (st = lucid_sample_forward(ctx, x, b->img, b->aff, B, S, S, cm)) ||
            (st = graph_forward(g, layer)))
            break;
        if (objective) {
            if ((st = graph_read(g, layer, LAYOUT_NCHW, lv)))
                break;
            for (int k = 0; k < nb; k++) {
                const int dir = o->objective == CLVIS_LUCID_DIRECTION;
                const float *a = lv + (size_t)k * lcount + (dir ? 0 : (size_t)units[k] * lhw);
                double s = 0;
                if (o->objective == CLVIS_LUCID_NEURON)
                    s = a[(size_t)(ls.h / 2) * ls.w + ls.w / 2];
                else if (o->objective == CLVIS_LUCID_DIRECTION)
                    for (int c = 0; c < ls.c; c++)
                        for (size_t p = 0; p < lhw; p++)
                            s += (double)o->direction[c] * a[(size_t)c * lhw + p] / (double)lhw;
                else
                    for (size_t p = 0; p < lhw; p++)
                        s += a[p] / (double)lhw;
                objective[(size_t)(item0 + k) * o->steps + step] = (float)s;
            }
        }
        if (o->diversity > 0) { /* seed2 = seed + the diversity term's gradient at the layer */
            tensor act;
            double dv = 0;
            cl_int ce = fault_check(FAULT_ENQUEUE);
            if (ce == CL_SUCCESS)
                ce = clEnqueueCopyBuffer(ctx->queue, b->seed, b->seed2, 0, 0,
                                         (size_t)B * lcount * sizeof(float), 0, NULL, NULL);
            if (ce != CL_SUCCESS) {
                st = cl_fail(ce, "clEnqueueCopyBuffer (diversity seed)", __FILE__, __LINE__);
                break;
            }
            if ((st = graph_output_dev(g, layer, &act)) ||
                (st = lucid_diversity_seed(ctx, b->seed2, act, nb, o->diversity, &b->dw,
                                           objective ? &dv : NULL)))
                break;
            for (int k = 0; objective && k < nb; k++)
                objective[(size_t)(item0 + k) * o->steps + step] += (float)(o->diversity * dv);
        }
        if ((st = graph_seed_dev(g, layer, o->diversity > 0 ? b->seed2 : b->seed)) ||
            (st = graph_backward(g, layer, 0, flags)) ||
            (st = graph_input_grad_dev(g, &gx)) ||
            /* the loss minimised is -objective + regularisers */
            (st = lucid_sample_adjoint(ctx, b->gimg, gx, b->aff, B, S, S, -1.0f, cm)) ||
            (st = lucid_reg_gradient(ctx, b->gimg, b->img, B, S, S, &reg)) ||
            (st = lucid_rgb_backward(ctx, gt, b->gimg, b->img, B, S * S, mat)) ||
            (fft && (st = lucid_irfft_adj(ctx, b->g, b->gt, b->z, b->tw, B, S, S))))
            break;
        st = o->optimizer == CLVIS_LUCID_RMS
                 ? lucid_rms_step(ctx, b->p, b->g, b->ss, B, (int)per, o->lr)
                 : lucid_adam_step(ctx, &adam, b->p, b->g, b->m, b->v, (int)(B * per));
        if (!st) /* enqueued, not waited for: the count runs ahead of the device by a step */
            graph_progress(g, pr->task, (long)item0 * o->steps + (long)(step + 1) * nb,
                           pr->total);
    }
    free(rng);
    free(aff);
    free(lv);
    if (!st)
        st = render(ctx, b, fft, B, S, mat);
    if (!st)
        st = buffer_read(ctx, b->img, 0, (size_t)B * 3 * S * S * sizeof(float), host);
    return st;
}

clvis_status clvis_lucid_patterns(clvis_model *m, int layer, const int *units, int n,
                                  const clvis_lucid_options *opt, unsigned char *patterns,
                                  float *images, float *objective, clvis_progress_fn progress,
                                  void *user)
{
    if (!m || !units || n < 1 || !patterns)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_lucid_patterns: bad argument");
    clvis_lucid_options def;
    if (!opt) {
        clvis_lucid_options_default(&def);
        opt = &def;
    }
    graph *g = model_graph(m);
    if (layer <= 0 || layer >= graph_count(g))
        return err_set(CLVIS_ERR_INVALID_ARG, "layer index %d out of range", layer);
    const char *lname = graph_node_name(g, layer);
    shape3 in = graph_node_shape(g, 0), ls = graph_node_shape(g, layer);
    if (in.c != 3 || in.h != in.w)
        return err_set(CLVIS_ERR_UNSUPPORTED, "lucid: needs a square 3-channel input (%dx%dx%d)",
                       in.h, in.w, in.c);
    if (opt->steps < 0 || !(opt->lr > 0) || opt->l1 < 0 || opt->tv < 0 || opt->blur < 0 ||
        (int)opt->param < 0 || opt->param > CLVIS_LUCID_FFT || (int)opt->optimizer < 0 ||
        opt->optimizer > CLVIS_LUCID_ADAM_TORCH || (int)opt->objective < 0 ||
        opt->objective > CLVIS_LUCID_DIRECTION || opt->preprocess > CLVIS_PREPROCESS_TORCH ||
        !(opt->diversity >= 0 && opt->diversity <= 1e6f))
        return err_set(CLVIS_ERR_INVALID_ARG, "lucid: bad options");
    if (opt->diversity > 0 && opt->objective == CLVIS_LUCID_CLASS)
        return err_set(CLVIS_ERR_INVALID_ARG,
                       "diversity: needs the feature maps of a spatial layer, not the class "
                       "objective's dense output '%s'", lname);
    if (opt->objective == CLVIS_LUCID_DIRECTION &&
        (!opt->direction || opt->direction_n != graph_node_shape(g, layer).c))
        return err_set(CLVIS_ERR_INVALID_ARG,
                       "direction objective: %d weights given, layer '%s' has %d channels",
                       opt->direction ? opt->direction_n : 0, lname, graph_node_shape(g, layer).c);
    for (int i = 0; i < n && opt->objective != CLVIS_LUCID_DIRECTION; i++)
        if (units[i] < 0 || units[i] >= ls.c)
            return err_set(CLVIS_ERR_INVALID_ARG,
                           "unit %d out of range: layer '%s' has %d channels (0..%d)", units[i],
                           lname, ls.c, ls.c - 1);
    if (opt->objective == CLVIS_LUCID_CLASS && (ls.h != 1 || ls.w != 1))
        return err_set(CLVIS_ERR_INVALID_ARG,
                       "class objective: layer '%s' is %dx%d spatial, not a dense output", lname,
                       ls.h, ls.w);
    const int S = in.h, fft = opt->param == CLVIS_LUCID_FFT;
    const size_t lcount = (size_t)ls.c * ls.h * ls.w, img = (size_t)3 * S * S;
    const size_t per = fft ? lucid_spectrum_floats(S, S) : img;
    /* items per batch: asked, else what a quarter of the device memory holds */
    size_t item_dev = (graph_item_floats(g) + item_floats(fft, S, lcount) +
                       (opt->diversity > 0 ? lcount + (size_t)2 * ls.c * ls.c : 0)) *
                      sizeof(float);
    uint64_t gmem = graph_device_memory(g);
    int B = opt->chunk > 0 ? opt->chunk : (int)(gmem / 4 / item_dev);
    /* a grid (up to 64 patterns) stays one device batch while it fits in half the memory */
    if (opt->chunk <= 0 && n <= 64 && B < n && (uint64_t)item_dev * n <= gmem / 2)
        B = n;
    if (B < 1)
        B = 1;
    if (B > n)
        B = n;
    if (gmem && (uint64_t)item_dev * B > gmem)
        return err_set(CLVIS_ERR_NO_MEMORY,
                       "lucid patterns of '%s' at %dx%d, %d per batch: about %.1f GiB of device "
                       "memory, over the device's %.1f GiB; use a smaller size or chunk",
                       lname, S, S, B, (double)item_dev * B / 1073741824.0,
                       gmem / 1073741824.0);
    clvis_preprocess pre = opt->preprocess >= 0 ? (clvis_preprocess)opt->preprocess
                                                : clvis_model_preprocess(m);
    lucid_chanmap cm;
    lucid_chanmap_for(pre, &cm);
    size_t hfl = (size_t)B * (per > lcount ? per : lcount);
    if (hfl < (size_t)B * img)
        hfl = (size_t)B * img;
    float *host = malloc(hfl * sizeof *host);
    if (!host)
        return err_set(CLVIS_ERR_NO_MEMORY, "lucid: out of host memory");
    lucid_bufs b;
    memset(&b, 0, sizeof b);
    clvis_status st = graph_plan(g, B);
    if (!st)
        st = alloc_bufs(graph_ctx(g), &b, fft, B, S, lcount);
    if (!st && opt->diversity > 0 &&
        !(st = buffer_create(graph_ctx(g), (size_t)B * lcount * sizeof(float), &b.seed2)))
        st = lucid_diversity_alloc(graph_ctx(g), &b.dw, B, ls.c);
    char task[300];
    snprintf(task, sizeof task, "lucid %s (%d pattern%s x %d steps, batch %d)", lname, n,
             n > 1 ? "s" : "", opt->steps, B);
    const lucid_progress pr = {task, (long)n * opt->steps};
    for (int b0 = 0; b0 < n && !st; b0 += B) {
        int nb = n - b0 < B ? n - b0 : B;
        if ((st = run_chunk(g, layer, units + b0, nb, B, b0, opt, &b, host, objective, &cm, &pr)))
            break;
        for (int k = 0; k < nb; k++)
            for (size_t p = 0; p < (size_t)S * S; p++)
                for (int c = 0; c < 3; c++) {
                    float v = host[(size_t)k * img + (size_t)c * S * S + p];
                    size_t o = (size_t)(b0 + k) * img + p * 3 + c;
                    if (images)
                        images[o] = v;
                    float q = v * 255.0f + 0.5f;
                    patterns[o] = (unsigned char)(q < 0 ? 0 : q > 255 ? 255 : q);
                }
        viz_say(progress, user, "lucid %s: %d/%d patterns (%d steps, batch %d, %s%s%s)", lname,
                b0 + nb, n, opt->steps, B, fft ? "fft" : "pixel",
                opt->decorrelate ? ", decorrelated" : "", opt->transforms ? ", transforms" : "");
    }
    bufs_free(&b);
    free(host);
    return st;
}

clvis_status clvis_lucid_grid(clvis_model *m, int layer, const int *units, int n,
                              const clvis_lucid_options *opt, clvis_image *out,
                              clvis_progress_fn progress, void *user)
{
    if (!m || !out || !units || n < 1)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_lucid_grid: bad argument");
    shape3 in = graph_node_shape(model_graph(m), 0);
    unsigned char *pat = malloc((size_t)n * 3 * in.h * in.w);
    if (!pat)
        return err_set(CLVIS_ERR_NO_MEMORY, "lucid: out of host memory");
    clvis_status st =
        clvis_lucid_patterns(m, layer, units, n, opt, pat, NULL, NULL, progress, user);
    if (!st)
        st = viz_filter_grid(out, pat, n, in.h, 5);
    free(pat);
    return st;
}

clvis_status clvis_lucid_filters(clvis_model *m, int layer, const clvis_lucid_options *opt,
                                 clvis_image *out, clvis_progress_fn progress, void *user)
{
    if (!m || !out)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_lucid_filters: bad argument");
    graph *g = model_graph(m);
    if (layer <= 0 || layer >= graph_count(g))
        return err_set(CLVIS_ERR_INVALID_ARG, "layer index %d out of range", layer);
    int nf = graph_node_shape(g, layer).c < 64 ? graph_node_shape(g, layer).c : 64;
    int units[64];
    for (int i = 0; i < nf; i++)
        units[i] = i;
    return clvis_lucid_grid(m, layer, units, nf, opt, out, progress, user);
}

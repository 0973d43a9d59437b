/* filters.c — listings 5.32-5.39: gradient ascent in input space for many filters at once.
 * Every filter of a grid is one item of a single device batch: forward to the layer, seed
 * 1/(h*w) at (item, filter channel), backward to the input, per-item RMS normalisation on the
 * host, x += step * g. The start noise is numpy's legacy MT19937 stream, bit for bit. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cl/profile.h"
#include "graph/engine_dev.h"
#include "ops/ascent.h"
#include "io/resize.h"
#include "viz/book.h"
#include "explain/explain.h"

/* ---- numpy.random.RandomState(seed).random_sample -------------------------------------------- */
void viz_mt_seed(viz_mt19937 *r, uint32_t seed)
{
    r->mt[0] = seed;
    for (int i = 1; i < 624; i++)
        r->mt[i] = 1812433253u * (r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) + (uint32_t)i;
    r->mti = 624;
}

static uint32_t mt_next(viz_mt19937 *r)
{
    if (r->mti >= 624) {
        for (int i = 0; i < 624; i++) {
            uint32_t y = (r->mt[i] & 0x80000000u) | (r->mt[(i + 1) % 624] & 0x7fffffffu);
            r->mt[i] = r->mt[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
        }
        r->mti = 0;
    }
    uint32_t y = r->mt[r->mti++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

double viz_mt_random(viz_mt19937 *r)
{
    uint32_t a = mt_next(r) >> 5, b = mt_next(r) >> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
}

void clvis_filter_options_default(clvis_filter_options *o)
{
    memset(o, 0, sizeof *o);
    o->steps = 40;
    o->step = 1.0f;
}

/* Items per device batch: what the caller asked, else what a quarter of the device memory
 * holds (activations and gradients of every layer). */
static int auto_chunk(const graph *g, int n, int asked)
{
    if (asked > 0)
        return asked < n ? asked : n;
    size_t per = graph_item_floats(g) * sizeof(float);
    uint64_t mem = graph_device_memory(g) / 4;
    size_t fit = per ? (size_t)(mem / per) : (size_t)n;
    if (fit < 1)
        fit = 1;
    return fit < (size_t)n ? (int)fit : n;
}

/* The memory a run of n items in batches of B needs, against the device's global memory and the
 * host's physical memory, before anything is allocated (#17: --size 4096 on MobileNetV2 grew to
 * 22 GB and was killed by the OOM killer). An estimate: every layer's output and gradient per
 * batch item on the device; the starts, the batch, its gradient and the seeds on the host. */
static clvis_status check_memory(const graph *g, const char *lname, shape3 in, int n, int B,
                                 size_t item, size_t lcount, int loss, int pre)
{
    const double gib = 1024.0 * 1024.0 * 1024.0;
    uint64_t dev = (uint64_t)graph_item_floats(g) * sizeof(float) * (uint64_t)B;
    uint64_t host = ((uint64_t)n * item + (uint64_t)B * item * (2 + (pre ? 1 : 0)) +
                     (uint64_t)B * lcount * (1 + (loss ? 1 : 0))) *
                    sizeof(float);
    uint64_t gmem = graph_device_memory(g);
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    uint64_t hmem = pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz : 0;
    if (gmem && dev > gmem)
        return err_set(CLVIS_ERR_NO_MEMORY,
                       "filters of '%s' at %dx%d, %d per batch: about %.1f GiB of device memory "
                       "(every layer's output and gradient), over the device's %.1f GiB; use a "
                       "smaller size%s",
                       lname, in.h, in.w, B, dev / gib, gmem / gib, B > 1 ? " or chunk" : "");
    if (hmem && host > hmem)
        return err_set(CLVIS_ERR_NO_MEMORY,
                       "filters of '%s' at %dx%d, %d patterns: about %.1f GiB of host memory, "
                       "over the machine's %.1f GiB; use a smaller size",
                       lname, in.h, in.w, n, host / gib, hmem / gib);
    return CLVIS_OK;
}

/* Per model channel c: value = x[src[c]] * scale[c] + offset[c] (image_preprocess as an
 * affine map on NCHW floats). */
static void pre_map(clvis_preprocess mode, int nc, int src[3], float scale[3], float off[3])
{
    static const float caffe_mean[3] = {103.939f, 116.779f, 123.68f}; /* B, G, R */
    for (int c = 0; c < nc; c++) {
        src[c] = mode == CLVIS_PREPROCESS_CAFFE ? 2 - c : c;
        off[c] = mode == CLVIS_PREPROCESS_TF      ? -1.0f
                 : mode == CLVIS_PREPROCESS_CAFFE ? -caffe_mean[c]
                                                  : 0.0f;
        scale[c] = mode == CLVIS_PREPROCESS_SCALE ? 1.0f / 255.0f
                   : mode == CLVIS_PREPROCESS_TF  ? 1.0f / 127.5f
                                                  : 1.0f;
        if (mode == CLVIS_PREPROCESS_TORCH) {
            scale[c] = 1.0f / (255.0f * image_torch_std[c]);
            off[c] = -image_torch_mean[c] / image_torch_std[c];
        }
    }
}

/* One device batch of the ascent: what both loops below share. */
typedef struct {
    graph *g;
    int target;
    unsigned bflags;
    int B, nb, b0;
    size_t item, lcount;
    shape3 ls;
    const int *units;    /* nb: the channel (unit) of each item */
    const float *sval;   /* nb: its seed value, +-1/(h*w) */
    float *pv;           /* B floats of scratch (pre-activations) */
    const ascent_map *map;
    const clvis_filter_options *opt;
    float *loss;         /* NULL, or n * steps */
    const int *filters;
    int binary, preact;
    int one;             /* the target is the layer itself (no class score): the one-channel path
                          * may run (ascend_dev) */
    const char *task;
    long work;
    float *xb;           /* B items, pixel space: the starts in, the results out */
    float *xp, *gbuf, *seed, *lbuf; /* host scratch of the host loop (xp, lbuf may be NULL) */
} ascent_run;

/* CLVIS_ASCENT=host forces the host loop (the reference the device loop replaced), =full the
 * device loop through the whole target layer (no one-channel path). */
static int ascent_env(const char *what)
{
    const char *e = getenv("CLVIS_ASCENT");
    return e && !strcmp(e, what);
}

static int ascent_on_host(void)
{
    return ascent_env("host");
}

/* The loss of each item at this step: the mean of its unit's map, or the class's
 * pre-activation; lbuf (host) holds the layer's output when it is read. */
static clvis_status record_loss(ascent_run *r, int step)
{
    if (!r->loss)
        return CLVIS_OK;
    const clvis_filter_options *opt = r->opt;
    const int hw = r->ls.h * r->ls.w;
    clvis_status st;
    if (r->preact) { /* the dense output's pre-activation of each item's class */
        if ((st = graph_preact_items(r->g, r->target, r->nb, r->units, r->pv)))
            return st;
        for (int b = 0; b < r->nb; b++)
            r->loss[(size_t)(r->b0 + b) * opt->steps + step] =
                r->binary && r->filters[r->b0 + b] == 0 ? -r->pv[b] : r->pv[b];
        return CLVIS_OK;
    }
    if ((st = graph_read(r->g, r->target, LAYOUT_NCHW, r->lbuf)))
        return st;
    for (int b = 0; b < r->nb; b++) {
        const float *a = r->lbuf + (size_t)b * r->lcount + (size_t)r->units[b] * hw;
        double s = 0;
        for (int p = 0; p < hw; p++)
            s += a[p];
        s /= hw;
        r->loss[(size_t)(r->b0 + b) * opt->steps + step] =
            (float)(r->binary && r->filters[r->b0 + b] == 0 ? -s : s);
    }
    return CLVIS_OK;
}

/* The host loop: every step uploads the input and the seed, reads the input gradient back and
 * normalises and steps on the host (in double for the sum of squares). */
static clvis_status ascend_host(ascent_run *r)
{
    const ascent_map *m = r->map;
    const int nc = m->nc, hw = r->ls.h * r->ls.w, B = r->B;
    const size_t item = r->item, ihw = item / (size_t)nc;
    const int pre = r->xp != NULL;
    clvis_status st = CLVIS_OK;
    memset(r->seed, 0, (size_t)B * r->lcount * sizeof *r->seed);
    for (int b = 0; b < r->nb; b++) {
        float *s = r->seed + (size_t)b * r->lcount + (size_t)r->units[b] * hw;
        for (int p = 0; p < hw; p++)
            s[p] = r->sval[b];
    }
    for (int step = 0; step < r->opt->steps && !st; step++) {
        if (pre)
            for (int b = 0; b < B; b++)
                for (int c = 0; c < nc; c++) {
                    const float *src = r->xb + (size_t)b * item + (size_t)m->src[c] * ihw;
                    float *dst = r->xp + (size_t)b * item + (size_t)c * ihw;
                    for (size_t p = 0; p < ihw; p++)
                        dst[p] = src[p] * m->scale[c] + m->offset[c];
                }
        if ((st = graph_set_input(r->g, LAYOUT_NCHW, pre ? r->xp : r->xb)) ||
            (st = graph_forward(r->g, r->target)) || (st = record_loss(r, step)) ||
            (st = graph_seed(r->g, r->target, LAYOUT_NCHW, r->seed)) ||
            (st = graph_backward(r->g, r->target, 0, r->bflags)) ||
            (st = graph_read_grad(r->g, 0, LAYOUT_NCHW, r->gbuf)))
            break;
        if (pre) /* chain rule through the preprocessing: back to pixel space */
            for (int b = 0; b < r->nb; b++) {
                float *gi = r->gbuf + (size_t)b * item, *t = r->xp; /* xp is free here */
                for (int c = 0; c < nc; c++)
                    for (size_t p = 0; p < ihw; p++)
                        t[(size_t)m->src[c] * ihw + p] = gi[(size_t)c * ihw + p] * m->scale[c];
                memcpy(gi, t, item * sizeof *gi);
            }
        graph_progress(r->g, r->task, (long)r->b0 * r->opt->steps + (long)(step + 1) * r->nb,
                       r->work);
        for (int b = 0; b < r->nb; b++) {
            float *gi = r->gbuf + (size_t)b * item, *xi = r->xb + (size_t)b * item;
            double ss = 0;
            for (size_t i = 0; i < item; i++)
                ss += (double)gi[i] * gi[i];
            float norm = sqrtf((float)(ss / (double)item)) + 1e-5f;
            for (size_t i = 0; i < item; i++)
                xi[i] += (gi[i] / norm) * r->opt->step;
        }
    }
    return st;
}

static void release(cl_mem *m)
{
    if (*m)
        clReleaseMemObject(*m);
    *m = NULL;
}

/* The device loop: the starts uploaded once, the seed written by a kernel into the layer's
 * gradient, the preprocessing, RMS and step as kernels, the results read once at the end
 * (kernels/ascent.cl). The same arithmetic as ascend_host, float for float. */
static clvis_status ascend_dev(ascent_run *r)
{
    clvis_ctx *ctx = graph_ctx(r->g);
    const int B = r->B, nb = r->nb;
    const size_t xbytes = (size_t)B * r->item * sizeof(float);
    cl_mem x = NULL, unit = NULL, val = NULL, part = NULL, norm = NULL;
    int *u = malloc((size_t)B * sizeof *u);
    float *v = malloc((size_t)B * sizeof *v);
    clvis_status st = u && v ? CLVIS_OK : err_set(CLVIS_ERR_NO_MEMORY, "filters: out of host memory");
    for (int b = 0; !st && b < B; b++) {
        u[b] = b < nb ? r->units[b] : -1;
        v[b] = b < nb ? r->sval[b] : 0.0f;
    }
    if (!st && !(st = buffer_create(ctx, xbytes, &x)) &&
        !(st = buffer_create(ctx, (size_t)B * sizeof(int), &unit)) &&
        !(st = buffer_create(ctx, (size_t)B * sizeof(float), &val)) &&
        !(st = buffer_create(ctx, (size_t)nb * ASCENT_PARTS * 2 * sizeof(float), &part)) &&
        !(st = buffer_create(ctx, (size_t)nb * sizeof(float), &norm)) &&
        !(st = buffer_write(ctx, x, 0, xbytes, r->xb)) &&
        !(st = buffer_write(ctx, unit, 0, (size_t)B * sizeof(int), u)))
        st = buffer_write(ctx, val, 0, (size_t)B * sizeof(float), v);
    free(u);
    free(v);
    tensor in, gin, dy;
    profile *prof = ctx->prof;
    /* One channel of the layer per item when it is a convolution with a plain activation: its
     * forward and input gradient for unit[b] only (kernels/ascent.cl), the rest of the network
     * as usual from the layer's input down. */
    graph_conv_view cv;
    const int hw = r->ls.h * r->ls.w;
    int one = !st && r->one && !ascent_env("full") && graph_conv_dev(r->g, r->target, &cv) == 0 &&
              (cv.p.act == ACT_LINEAR || cv.p.act == ACT_RELU || cv.p.act == ACT_SIGMOID ||
               cv.p.act == ACT_TANH);
    cl_mem dzm = NULL, yum = NULL;
    if (one && !(st = buffer_create(ctx, (size_t)B * hw * sizeof(float), &dzm)))
        st = buffer_create(ctx, (size_t)B * hw * sizeof(float), &yum);
    tensor dz = {dzm, 0, B, 1, r->ls.h, r->ls.w}, yu = {yum, 0, B, 1, r->ls.h, r->ls.w}, xin, dxin;
    for (int step = 0; step < r->opt->steps && !st; step++) {
        profile_scope(prof, "(ascent: preprocessing)", 'F');
        if ((st = graph_input_dev(r->g, &in)) || (st = ascent_pre(ctx, in, x, r->map)))
            break;
        profile_scope(prof, NULL, 0);
        if (one) {
            if ((st = graph_forward(r->g, cv.input)) ||
                (st = graph_output_dev(r->g, cv.input, &xin)))
                break;
            profile_scope(prof, "(ascent: one channel)", 'F');
            st = ascent_unit_forward(ctx, &cv.p, dz, yu, xin, cv.w, cv.b, unit, val);
            profile_scope(prof, NULL, 0);
            if (!st && r->loss && !(st = buffer_read(ctx, yum, 0, (size_t)nb * hw * sizeof(float),
                                                     r->lbuf)))
                for (int b = 0; b < nb; b++) {
                    double s = 0;
                    for (int p = 0; p < hw; p++)
                        s += r->lbuf[(size_t)b * hw + p];
                    r->loss[(size_t)(r->b0 + b) * r->opt->steps + step] = (float)(s / hw);
                }
            if (st || (st = graph_grad_dev(r->g, cv.input, &dxin)))
                break;
            profile_scope(prof, "(ascent: one channel)", 'B');
            st = ascent_unit_backward(ctx, &cv.p, dxin, dz, cv.p.out_c, cv.w, unit);
            profile_scope(prof, NULL, 0);
            if (st || (cv.input > 0 && (st = graph_backward(r->g, cv.input, 0, 0))))
                break;
        } else {
            if ((st = graph_forward(r->g, r->target)) || (st = record_loss(r, step)) ||
                (st = graph_grad_dev(r->g, r->target, &dy)))
                break;
            /* the whole seed once; later steps rewrite only the unit channels, which the
             * backward pass scaled in place by the activation's derivative (zeros stay zero) */
            profile_scope(prof, "(ascent: seed)", 'B');
            st = step == 0 ? ascent_seed(ctx, dy, unit, val)
                           : ascent_seed_unit(ctx, dy, unit, val);
            profile_scope(prof, NULL, 0);
            if (st || (st = graph_backward(r->g, r->target, 0, r->bflags)))
                break;
        }
        if ((st = graph_input_grad_dev(r->g, &gin)))
            break;
        profile_scope(prof, "(ascent: rms + step)", 'B');
        if ((st = ascent_norm(ctx, norm, part, gin, nb, r->map)) ||
            (st = ascent_step(ctx, x, gin, norm, nb, r->map, r->opt->step)))
            break;
        profile_scope(prof, NULL, 0);
        if ((st = ctx_finish(ctx)))
            break;
        graph_progress(r->g, r->task, (long)r->b0 * r->opt->steps + (long)(step + 1) * nb,
                       r->work);
    }
    profile_scope(prof, NULL, 0);
    if (!st)
        st = buffer_read(ctx, x, 0, xbytes, r->xb);
    release(&x);
    release(&unit);
    release(&val);
    release(&part);
    release(&norm);
    release(&dzm);
    release(&yum);
    return st;
}

clvis_status clvis_filter_patterns(clvis_model *m, int layer, const int *filters, int n,
                                 const int *draw_order, const clvis_filter_options *opt, float *x_final,
                                 unsigned char *patterns, float *loss, clvis_progress_fn progress,
                                 void *user)
{
    if (!m || !filters || n < 1 || !patterns)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_filter_patterns: bad argument");
    clvis_filter_options def;
    if (!opt) {
        clvis_filter_options_default(&def);
        opt = &def;
    }
    graph *g = model_graph(m);
    if (layer <= 0 || layer >= graph_count(g))
        return err_set(CLVIS_ERR_INVALID_ARG, "layer index %d out of range", layer);
    const char *lname = graph_node_name(g, layer);
    /* Class visualisation: on the model's output the ascent is on a class's pre-softmax score
     * (the input of a separate softmax / sigmoid layer, or a dense output's pre-activation);
     * a one-unit (sigmoid) output has class 1 = its logit and class 0 = minus it. */
    int out = graph_count(g) - 1, target = layer, preact = 0;
    unsigned bflags = 0;
    if (layer == out) {
        node_role r = graph_node_role(g, out);
        node_ending e = graph_node_ending(g, out);
        if (r == ROLE_POINTWISE && (e == ENDS_PROBABILITY || e == ENDS_LOG_PROBABILITY) &&
            graph_node_inputs(g, out) == 1)
            target = graph_node_input(g, out, 0);
        else if (r == ROLE_DENSE && e == ENDS_PROBABILITY)
            bflags = GRAPH_LINEAR_FROM, preact = 1;
    }
    shape3 in = graph_node_shape(g, 0), ls = graph_node_shape(g, target);
    const int binary = layer == out && ls.c * ls.h * ls.w == 1, nunits = binary ? 2 : ls.c;
    for (int i = 0; i < n; i++)
        if (filters[i] < 0 || filters[i] >= nunits)
            return err_set(CLVIS_ERR_INVALID_ARG,
                           "filter %d out of range: layer '%s' has %d %s (0..%d)", filters[i],
                           lname, nunits, layer == out ? (binary ? "classes (one sigmoid "
                           "output: class 1 = its logit, class 0 = minus it)" : "classes")
                           : "channels", nunits - 1);
    const int nc = in.c; /* 3 (RGB) or 1 (gray: patterns drawn gray in RGB) */
    if (nc != 3 && nc != 1)
        return err_set(CLVIS_ERR_UNSUPPORTED, "filter patterns need a 3- or 1-channel input "
                       "(the model takes %d)", nc);
    if (nc == 1 && (opt->preprocess == CLVIS_PREPROCESS_CAFFE ||
                    opt->preprocess == CLVIS_PREPROCESS_TORCH))
        return err_set(CLVIS_ERR_UNSUPPORTED, "--preprocess %s normalises three colour channels; "
                       "a 1-channel model takes raw, scale or tf",
                       clvis_preprocess_name(opt->preprocess));
    const size_t item = (size_t)in.c * in.h * in.w, lcount = (size_t)ls.c * ls.h * ls.w;
    const size_t hw = (size_t)in.h * in.w;
    int B = auto_chunk(g, n, opt->chunk);
    const int pre = opt->preprocess != CLVIS_PREPROCESS_RAW;
    clvis_status mst = check_memory(g, lname, in, n, B, item, lcount, loss != NULL, pre);
    if (mst)
        return mst;

    /* starts, NCHW per item; the host loop's scratch only when it runs */
    const int on_host = ascent_on_host();
    float *x = malloc((size_t)n * item * sizeof *x);
    float *gbuf = on_host ? malloc((size_t)B * item * sizeof *gbuf) : NULL;
    float *xb = malloc((size_t)B * item * sizeof *xb);
    float *seed = on_host ? calloc((size_t)B * lcount, sizeof *seed) : NULL;
    float *lbuf = loss ? malloc((size_t)B * lcount * sizeof *lbuf) : NULL;
    float *xp = pre && on_host ? malloc((size_t)B * item * sizeof *xp) : NULL;
    ascent_map map = {nc, {0, 1, 2}, {1, 1, 1}, {0, 0, 0}};
    pre_map(opt->preprocess, nc, map.src, map.scale, map.offset);
    clvis_status st = CLVIS_OK;
    unsigned char *gray = nc == 1 ? malloc(hw) : NULL;
    int *units = malloc((size_t)B * sizeof *units);
    float *pv = malloc((size_t)B * sizeof *pv), *sval = malloc((size_t)B * sizeof *sval);
    if (!units || !pv || !sval) {
        st = err_set(CLVIS_ERR_NO_MEMORY, "filters: out of host memory");
        goto done;
    }
    if (!x || !xb || (on_host && (!gbuf || !seed || (pre && !xp))) || (loss && !lbuf) ||
        (nc == 1 && !gray)) {
        st = err_set(CLVIS_ERR_NO_MEMORY, "filters: out of host memory (%d items of %dx%d)", n,
                     in.h, in.w);
        goto done;
    }
    if (opt->init) {
        for (int b = 0; b < n; b++)
            for (size_t p = 0; p < hw; p++)
                for (int c = 0; c < nc; c++)
                    x[(size_t)b * item + c * hw + p] = opt->init[p * nc + c];
    } else {
        viz_mt19937 rng;
        viz_mt_seed(&rng, opt->seed);
        for (int k = 0; k < n; k++) {
            int b = draw_order ? draw_order[k] : k;
            if (b < 0 || b >= n) {
                st = err_set(CLVIS_ERR_INVALID_ARG, "filters: bad draw order");
                goto done;
            }
            for (size_t p = 0; p < hw; p++)
                for (int c = 0; c < nc; c++)
                    x[(size_t)b * item + c * hw + p] = (float)(viz_mt_random(&rng) * 20 + 128);
        }
    }
    if ((st = graph_plan(g, B)))
        goto done;
    const float inv_area = 1.0f / (float)(ls.h * ls.w);
    char task[300];
    snprintf(task, sizeof task, "filters %s (%d pattern%s x %d steps)", lname, n, n > 1 ? "s" : "",
             opt->steps);
    const long work = (long)n * opt->steps;
    for (int b0 = 0; b0 < n && !st; b0 += B) {
        int nb = n - b0 < B ? n - b0 : B;
        /* the batch: real items, padded with copies of the first (ignored) */
        for (int b = 0; b < B; b++)
            memcpy(xb + (size_t)b * item, x + (size_t)(b0 + (b < nb ? b : 0)) * item,
                   item * sizeof *xb);
        for (int b = 0; b < nb; b++) {
            int f = filters[b0 + b];
            units[b] = binary ? 0 : f;
            sval[b] = binary && f == 0 ? -inv_area : inv_area;
        }
        ascent_run r = {g,    target, bflags, B,     nb,      b0,     item,   lcount,
                        ls,   units,  sval,   pv,    &map,    opt,    loss,   filters,
                        binary, preact, target == layer && !binary && !preact, task, work, xb,
                        xp,     gbuf,   seed,   lbuf};
        st = on_host ? ascend_host(&r) : ascend_dev(&r);
        if (st)
            break;
        for (int b = 0; b < nb; b++) {
            const float *xi = xb + (size_t)b * item;
            unsigned char *pat = patterns + (size_t)(b0 + b) * hw * 3;
            if ((st = viz_deprocess_chw(nc == 1 ? gray : pat, xi, nc, in.h, in.w)))
                break;
            for (size_t p = 0; nc == 1 && p < hw; p++) /* gray, drawn in RGB */
                pat[p * 3] = pat[p * 3 + 1] = pat[p * 3 + 2] = gray[p];
            if (x_final)
                for (size_t p = 0; p < hw; p++)
                    for (int c = 0; c < nc; c++)
                        x_final[(size_t)(b0 + b) * item + p * nc + c] = xi[c * hw + p];
        }
        viz_say(progress, user, "filters %s: %d/%d patterns (%d steps, batch %d)", lname, b0 + nb,
            n, opt->steps, B);
    }
done:
    free(units);
    free(pv);
    free(sval);
    free(gray);
    free(xp);
    free(x);
    free(gbuf);
    free(xb);
    free(seed);
    free(lbuf);
    return st;
}

clvis_status clvis_filter_grid(clvis_model *m, int layer, const int *filters, int n,
                               const clvis_filter_options *opt, image8 *out,
                               clvis_progress_fn progress, void *user)
{
    graph *g = model_graph(m);
    if (!m || !filters || n < 1 || !out)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_filter_grid: bad argument");
    if (layer <= 0 || layer >= graph_count(g))
        return err_set(CLVIS_ERR_INVALID_ARG, "layer index %d out of range", layer);
    shape3 in = graph_node_shape(g, 0);
    if (in.h != in.w)
        return err_set(CLVIS_ERR_UNSUPPORTED, "filter grids need a square model input (%dx%d)",
                       in.h, in.w);
    int rows, cols, k = 0;
    viz_filter_grid_dims(n, &rows, &cols);
    int *order = malloc((size_t)n * sizeof *order);
    size_t item = (size_t)3 * in.h * in.w;
    unsigned char *pat = malloc((size_t)n * item);
    if (!order || !pat) {
        free(order);
        free(pat);
        return err_set(CLVIS_ERR_NO_MEMORY, "filters: out of host memory");
    }
    for (int i = 0; i < rows; i++) /* listing 5.39's loop order: row i, column j */
        for (int j = 0; j < cols; j++)
            if (i + 8 * j < n)
                order[k++] = i + 8 * j;
    clvis_status st = clvis_filter_patterns(m, layer, filters, n, order, opt, NULL, pat, NULL,
                                            progress, user);
    if (!st)
        st = viz_filter_grid(out, pat, n, in.h, 5);
    free(pat);
    free(order);
    return st;
}

clvis_status clvis_filters(clvis_model *m, int layer, const clvis_filter_options *opt,
                                   image8 *out, clvis_progress_fn progress, void *user)
{
    graph *g = model_graph(m);
    if (!m || layer <= 0 || layer >= graph_count(g))
        return err_set(CLVIS_ERR_INVALID_ARG, "layer index %d out of range", layer);
    int nf = graph_node_shape(g, layer).c < 64 ? graph_node_shape(g, layer).c : 64;
    int filters[64];
    for (int i = 0; i < nf; i++)
        filters[i] = i;
    return clvis_filter_grid(m, layer, filters, nf, opt, out, progress, user);
}

/* saliency.c — what every gradient-attribution method shares: the options, the class (top-1
 * unless asked), the score (the model's output for the class as Captum's target, or the logit),
 * the input gradients of n inputs in device batches, and the 2-D map of the method's
 * attribution. The methods are the rows of saliency.h's table, one file each. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/model.h"
#include "core/error.h"
#include "explain/saliency.h"

static const sal_method *const methods[] = {&sal_vanilla,    &sal_vanilla_signed,
                                            &sal_inputxgrad, &sal_guided,
                                            &sal_guided_gradcam, &sal_smoothgrad,
                                            &sal_ig};
enum { N_METHODS = sizeof methods / sizeof methods[0] };

const char *clvis_saliency_method_name(int i)
{
    return i >= 0 && i < N_METHODS ? methods[i]->name : NULL;
}

const char *clvis_saliency_method_summary(int i)
{
    return i >= 0 && i < N_METHODS ? methods[i]->summary : NULL;
}

void clvis_saliency_options_default(clvis_saliency_options *o)
{
    memset(o, 0, sizeof *o);
    o->cls = -1;
    o->layer = -1;
    o->steps = 50;
    o->samples = 25;
    o->noise = 0.15f;
    o->baseline = CLVIS_BASELINE_BLACK;
    o->preprocess = -1;
}

void clvis_saliency_free(clvis_saliency_result *r)
{
    if (r) {
        free(r->attr);
        free(r->map);
        r->attr = r->map = NULL;
    }
}

/* Items per device batch: what the caller asked, else what a quarter of the device memory
 * holds (every layer's output and gradient), at most n. */
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

/* Where the score's backward pass starts: the output, or with a logit score the input of a
 * separate softmax / sigmoid layer, or the output with its fused softmax / sigmoid skipped
 * (GRAPH_LINEAR_FROM) — the rule of clvis_gradcam's logit score (cam.c). */
static clvis_status score_site(sal_run *r, int logit, int ncls)
{
    graph *g = r->g;
    r->from = r->out;
    r->flags = 0;
    if (!logit)
        return CLVIS_OK;
    node_role role = graph_node_role(g, r->out);
    node_ending e = graph_node_ending(g, r->out);
    if (role == ROLE_POINTWISE && (e == ENDS_PROBABILITY || e == ENDS_LOG_PROBABILITY) &&
        graph_node_inputs(g, r->out) == 1) {
        r->from = graph_node_input(g, r->out, 0);
        shape3 z = graph_node_shape(g, r->from);
        if (z.c * z.h * z.w != ncls)
            return err_set(CLVIS_ERR_UNSUPPORTED, "logit score: unexpected output layer shape");
        return CLVIS_OK;
    }
    if ((role == ROLE_DENSE || role == ROLE_CONV) && e == ENDS_PROBABILITY) {
        r->flags = GRAPH_LINEAR_FROM;
        return CLVIS_OK;
    }
    if (e == ENDS_OTHER && role != ROLE_POINTWISE)
        return err_set(CLVIS_ERR_UNSUPPORTED,
                       "--score logit: the output layer '%s' has no softmax/sigmoid to skip",
                       graph_node_name(g, r->out));
    return CLVIS_OK;
}

/* Seeds a one-hot dS/d(from) for the b planned items and runs the backward pass down to `to`. */
static clvis_status backward(sal_run *r, int b, int to, unsigned extra)
{
    shape3 fs = graph_node_shape(r->g, r->from);
    size_t per = (size_t)fs.c * fs.h * fs.w;
    float *seed = calloc((size_t)b * per, sizeof *seed);
    if (!seed)
        return err_set(CLVIS_ERR_NO_MEMORY, "saliency: out of memory");
    for (int i = 0; i < b; i++)
        seed[(size_t)i * per + (size_t)r->unit] = r->sign; /* flat outputs: (units, 1, 1) */
    clvis_status st = graph_seed(r->g, r->from, LAYOUT_NCHW, seed);
    if (!st)
        st = graph_backward(r->g, r->from, to, r->flags | extra);
    free(seed);
    return st;
}

clvis_status sal_layer_gradient(sal_run *r, const float *x, int layer, float *act, float *grad)
{
    graph *g = r->g;
    clvis_status st;
    if ((st = graph_plan(g, 1)) || (st = graph_set_input(g, LAYOUT_NHWC, x)) ||
        (st = graph_forward(g, r->out)) || (st = graph_read(g, layer, LAYOUT_NCHW, act)) ||
        (st = backward(r, 1, layer, 0)))
        return st;
    return graph_read_grad(g, layer, LAYOUT_NCHW, grad);
}

clvis_status sal_gradients(sal_run *r, const float *x, int n, unsigned extra, float *grad)
{
    graph *g = r->g;
    /* equal batches: the last one is padded with copies of its last item, so that the buffers
     * are planned once */
    int nb = (n + r->chunk - 1) / r->chunk, b = (n + nb - 1) / nb;
    float *xb = NULL, *gb = NULL;
    if (nb > 1 || b != n) {
        xb = malloc((size_t)b * r->count * sizeof *xb);
        gb = malloc((size_t)b * r->count * sizeof *gb);
        if (!xb || !gb) {
            free(xb);
            free(gb);
            return err_set(CLVIS_ERR_NO_MEMORY, "saliency: out of memory");
        }
    }
    clvis_status st = graph_plan(g, b);
    for (int i0 = 0; !st && i0 < n; i0 += b) {
        int k = n - i0 < b ? n - i0 : b;
        const float *in = x + (size_t)i0 * r->count;
        if (xb) {
            memcpy(xb, in, (size_t)k * r->count * sizeof *xb);
            for (int j = k; j < b; j++)
                memcpy(xb + (size_t)j * r->count, in + (size_t)(k - 1) * r->count,
                       r->count * sizeof *xb);
            in = xb;
        }
        if ((st = graph_set_input(g, LAYOUT_NHWC, in)) || (st = graph_forward(g, r->out)) ||
            (st = backward(r, b, 0, extra)))
            break;
        if (xb) {
            if (!(st = graph_read_grad(g, 0, LAYOUT_NHWC, gb)))
                memcpy(grad + (size_t)i0 * r->count, gb, (size_t)k * r->count * sizeof *gb);
        } else
            st = graph_read_grad(g, 0, LAYOUT_NHWC, grad);
    }
    free(xb);
    free(gb);
    return st;
}

clvis_status sal_score(sal_run *r, const float *x, float *score, float *prob)
{
    graph *g = r->g;
    shape3 os = graph_node_shape(g, r->out), fs = graph_node_shape(g, r->from);
    size_t no = (size_t)os.c * os.h * os.w, nf = (size_t)fs.c * fs.h * fs.w;
    float *y = malloc((no > nf ? no : nf) * sizeof *y);
    if (!y)
        return err_set(CLVIS_ERR_NO_MEMORY, "saliency: out of memory");
    clvis_status st;
    if ((st = graph_plan(g, 1)) || (st = graph_set_input(g, LAYOUT_NHWC, x)) ||
        (st = graph_forward(g, r->out)) || (st = graph_read(g, r->out, LAYOUT_NCHW, y)))
        goto done;
    /* a one-unit output: class 1 = p, class 0 = 1 - p (p: the unit, or the sigmoid of a linear
     * unit), the score times -1 for class 0 (clvis_gradcam's rule, cam.c) */
    int binary = no == 1, linear = graph_node_ending(g, r->out) == ENDS_LINEAR;
    float p1 = binary ? (linear ? 1.0f / (1.0f + expf(-y[0])) : y[0]) : 0.0f;
    if (r->cls < 0 && binary)
        r->cls = p1 > 0.5f;
    else if (r->cls < 0) { /* top-1 */
        r->cls = 0;
        for (size_t i = 1; i < no; i++)
            if (y[i] > y[r->cls])
                r->cls = (int)i;
    }
    r->unit = binary ? 0 : r->cls;
    r->sign = binary && r->cls == 0 ? -1.0f : 1.0f;
    *prob = *score = y[r->unit];
    if (r->from != r->out) { /* a separate softmax: its input is the logit */
        if (!(st = graph_read(g, r->from, LAYOUT_NCHW, y)))
            *score = y[r->unit];
    } else if ((r->flags & GRAPH_LINEAR_FROM) && graph_node_role(g, r->out) == ROLE_DENSE)
        st = graph_preact(g, r->out, r->unit, score);
    if (binary) {
        int logit = r->from != r->out || (r->flags & GRAPH_LINEAR_FROM) || linear;
        *prob = r->cls ? p1 : 1.0f - p1;
        *score = logit ? r->sign * *score : *prob; /* -logit, or 1 - p */
    }
done:
    free(y);
    return st;
}

/* The 2-D map of an NHWC attribution by the method's rule, divided by its max |value| (an all
 * zero attribution stays all zeros). */
static void make_map(const float *attr, int h, int w, int c, sal_map_kind kind, float *map)
{
    size_t hw = (size_t)h * w;
    double mx = 0.0;
    for (size_t p = 0; p < hw; p++) {
        const float *a = attr + p * (size_t)c;
        double v = 0.0;
        if (kind == SAL_MAP_SUM)
            for (int k = 0; k < c; k++)
                v += a[k];
        else {
            int best = 0;
            for (int k = 1; k < c; k++)
                if (fabsf(a[k]) > fabsf(a[best]))
                    best = k;
            v = kind == SAL_MAP_ABS_MAX ? fabs((double)a[best]) : (double)a[best];
        }
        map[p] = (float)v;
        if (fabs(v) > mx)
            mx = fabs(v);
    }
    for (size_t p = 0; mx > 0.0 && p < hw; p++)
        map[p] = (float)(map[p] / mx);
}

static const sal_method *find(const char *name)
{
    for (int i = 0; i < N_METHODS; i++)
        if (!strcmp(methods[i]->name, name))
            return methods[i];
    return NULL;
}

clvis_status clvis_saliency(clvis_model *m, const float *x, const clvis_saliency_options *opt,
                            clvis_saliency_result *res)
{
    if (!m || !x || !res)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_saliency: NULL argument");
    memset(res, 0, sizeof *res);
    clvis_saliency_options o;
    if (opt)
        o = *opt;
    else
        clvis_saliency_options_default(&o);
    const sal_method *method = find(o.method ? o.method : "vanilla");
    if (!method) {
        char known[256] = "";
        for (int i = 0; i < N_METHODS; i++)
            snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
                     methods[i]->name);
        return err_set(CLVIS_ERR_INVALID_ARG, "unknown saliency method '%.60s' (known: %s)",
                       o.method, known);
    }
    if (o.steps < 1 || o.samples < 1)
        return err_set(CLVIS_ERR_INVALID_ARG, "saliency: steps %d and samples %d must be >= 1",
                       o.steps, o.samples);
    if (!(o.noise >= 0.0f) || isinf(o.noise))
        return err_set(CLVIS_ERR_INVALID_ARG, "saliency: noise %g must be finite and >= 0",
                       o.noise);
    if (o.baseline < CLVIS_BASELINE_BLACK || o.baseline > CLVIS_BASELINE_ZERO)
        return err_set(CLVIS_ERR_INVALID_ARG, "saliency: unknown baseline %d", (int)o.baseline);
    graph *g = model_graph(m);
    sal_run r = {.m = m, .g = g, .opt = &o, .cls = o.cls, .out = graph_count(g) - 1,
                 .sign = 1.0f};
    r.in = graph_node_shape(g, 0);
    r.count = (size_t)r.in.c * r.in.h * r.in.w;
    shape3 os = graph_node_shape(g, r.out);
    int ncls = os.c * os.h * os.w, nclasses = ncls == 1 ? 2 : ncls; /* a sigmoid: 2 classes */
    if (o.cls >= nclasses)
        return err_set(CLVIS_ERR_INVALID_ARG, "class %d out of range: the model has %d %s "
                       "(0..%d)", o.cls, nclasses, ncls == 1 ? "classes (one sigmoid output)"
                       : "outputs", nclasses - 1);
    int n_items = method == &sal_smoothgrad ? o.samples : method == &sal_ig ? o.steps : 1;
    r.chunk = auto_chunk(g, n_items, o.batch);
    /* the n inputs and their gradients live on the host at once: refused before anything is
     * allocated when they would not fit (malloc's overcommit would let the OOM killer decide) */
    const double gib = 1024.0 * 1024.0 * 1024.0;
    uint64_t host = ((uint64_t)n_items + (uint64_t)r.chunk) * r.count * sizeof(float) * 2;
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    uint64_t hmem = pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz : 0;
    if (hmem && host > hmem)
        return err_set(CLVIS_ERR_NO_MEMORY,
                       "%s with %d %s on a %dx%dx%d input: about %.1f GiB of host memory, over "
                       "the machine's %.1f GiB; use fewer",
                       method->name, n_items, method == &sal_ig ? "steps" : "samples", r.in.h,
                       r.in.w, r.in.c, host / gib, hmem / gib);
    clvis_status st = score_site(&r, o.logit, ncls);
    if (st)
        return st;
    res->layer = -1;
    res->h = r.in.h, res->w = r.in.w, res->c = r.in.c;
    res->attr = malloc(r.count * sizeof *res->attr);
    res->map = malloc((size_t)r.in.h * r.in.w * sizeof *res->map);
    if (!res->attr || !res->map) {
        st = err_set(CLVIS_ERR_NO_MEMORY, "saliency: out of memory");
        goto done;
    }
    if ((st = sal_score(&r, x, &res->score, &res->prob)))
        goto done;
    res->cls = r.cls;
    if ((st = method->attribute(&r, x, res->attr, res)))
        goto done;
    make_map(res->attr, r.in.h, r.in.w, r.in.c, method->map, res->map);
    res->map_signed = method->map != SAL_MAP_ABS_MAX;
    res->rgb = method->rgb;
done:
    if (st)
        clvis_saliency_free(res);
    return st;
}

/* metric.c — what every map metric shares (clvis_evaluate): the arguments, the map resized to
 * the input, the class (top-1 unless asked), S(x) and P(x), and the perturbed images' scores in
 * device batches. The metrics are the rows of metric.h's table, one file each. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model.h"
#include "core/error.h"
#include "explain/metric.h"
#include "io/resize.h"

static const metric_def *const metrics[] = {&metric_change,    &metric_drop,
                                            &metric_increase,  &metric_road_morf,
                                            &metric_road_lerf, &metric_road,
                                            &metric_insertion, &metric_deletion};
enum { N_METRICS = sizeof metrics / sizeof metrics[0] };

const char *clvis_metric_name(int i)
{
    return i >= 0 && i < N_METRICS ? metrics[i]->name : NULL;
}

const char *clvis_metric_summary(int i)
{
    return i >= 0 && i < N_METRICS ? metrics[i]->summary : NULL;
}

void clvis_evaluate_options_default(clvis_evaluate_options *o)
{
    memset(o, 0, sizeof *o);
    o->road_noise = 0.01f;
}

void clvis_evaluate_free(clvis_evaluate_result *r)
{
    if (r) {
        free(r->curve);
        r->curve = NULL;
        r->n_curve = 0;
    }
}

/* The class probabilities of one output row y (no values) in place: the softmax of a linear
 * output, exp of a log-softmax, else the output itself (clvis_predict's rule). */
static void to_prob(const graph *g, int out, float *y, int no)
{
    node_ending e = graph_node_ending(g, out);
    if (no > 1 && e == ENDS_LOG_PROBABILITY)
        for (int j = 0; j < no; j++)
            y[j] = expf(y[j]);
    else if (no > 1 && e == ENDS_LINEAR) {
        float mx = y[0];
        for (int j = 1; j < no; j++)
            mx = y[j] > mx ? y[j] : mx;
        double sum = 0;
        for (int j = 0; j < no; j++)
            sum += exp((double)y[j] - mx);
        for (int j = 0; j < no; j++)
            y[j] = (float)(exp((double)y[j] - mx) / sum);
    }
}

/* A one-unit output's value v as class cls's P (prob) or S: p = v (a sigmoid) or sigmoid(v) (a
 * linear unit); P = p for class 1, 1 - p for class 0; S = P, or v / -v for a linear unit (the
 * logit, as clvis_gradcam scores the classes). */
static float binary_value(const graph *g, int out, float v, int cls, int prob)
{
    int linear = graph_node_ending(g, out) == ENDS_LINEAR;
    float p1 = linear ? 1.0f / (1.0f + expf(-v)) : v;
    if (linear && !prob)
        return cls ? v : -v;
    return cls ? p1 : 1.0f - p1;
}

clvis_status metric_scores(metric_run *r, const float *xs, int n, int prob, float *out)
{
    graph *g = r->g;
    shape3 os = graph_node_shape(g, r->out);
    int no = os.c * os.h * os.w;
    /* equal batches, the last padded with copies of its last item: planned once */
    int nb = (n + r->chunk - 1) / r->chunk, b = (n + nb - 1) / nb;
    float *xb = nb > 1 || b != n ? malloc((size_t)b * r->count * sizeof *xb) : NULL;
    float *y = malloc((size_t)b * no * sizeof *y);
    clvis_status st = CLVIS_OK;
    if (!y || (!xb && (nb > 1 || b != n))) {
        st = err_set(CLVIS_ERR_NO_MEMORY, "evaluate: out of memory");
        goto done;
    }
    st = graph_plan(g, b);
    for (int i0 = 0; !st && i0 < n; i0 += b) {
        int k = n - i0 < b ? n - i0 : b;
        const float *in = xs + (size_t)i0 * r->count;
        if (xb) {
            memcpy(xb, in, (size_t)k * r->count * sizeof *xb);
            for (int j = k; j < b; j++)
                memcpy(xb + (size_t)j * r->count, in + (size_t)(k - 1) * r->count,
                       r->count * sizeof *xb);
            in = xb;
        }
        if ((st = graph_set_input(g, LAYOUT_NHWC, in)) || (st = graph_forward(g, r->out)) ||
            (st = graph_read(g, r->out, LAYOUT_NCHW, y)))
            break;
        for (int j = 0; j < k; j++) {
            float *row = y + (size_t)j * no;
            if (r->binary) {
                out[i0 + j] = binary_value(g, r->out, row[0], r->cls, prob);
                continue;
            }
            if (prob)
                to_prob(g, r->out, row, no);
            out[i0 + j] = row[r->cls];
        }
    }
done:
    free(xb);
    free(y);
    return st;
}

/* Items per device batch: what the caller asked, else what a quarter of the device memory
 * holds (saliency.c's rule). */
static int auto_chunk(const graph *g, int asked)
{
    if (asked > 0)
        return asked;
    size_t per = graph_item_floats(g) * sizeof(float);
    uint64_t mem = graph_device_memory(g) / 4;
    size_t fit = per ? (size_t)(mem / per) : 64;
    return fit < 1 ? 1 : fit > 256 ? 256 : (int)fit;
}

static const metric_def *find(const char *name)
{
    for (int i = 0; i < N_METRICS; i++)
        if (!strcmp(metrics[i]->name, name))
            return metrics[i];
    return NULL;
}

clvis_status clvis_evaluate(clvis_model *m, const float *x, const float *map, int h, int w,
                            int cls, const clvis_evaluate_options *opt,
                            clvis_evaluate_result *res)
{
    if (!m || !x || !map || !res)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_evaluate: NULL argument");
    memset(res, 0, sizeof *res);
    clvis_evaluate_options o;
    if (opt)
        o = *opt;
    else
        clvis_evaluate_options_default(&o);
    const metric_def *metric = find(o.metric ? o.metric : "drop");
    if (!metric) {
        char known[256] = "";
        for (int i = 0; i < N_METRICS; i++)
            snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
                     metrics[i]->name);
        return err_set(CLVIS_ERR_INVALID_ARG, "unknown metric '%.60s' (known: %s)", o.metric,
                       known);
    }
    if (h < 1 || w < 1)
        return err_set(CLVIS_ERR_SHAPE, "evaluate: map of %dx%d", h, w);
    if (o.steps < 0 || !(o.road_noise >= 0.0f) || isinf(o.road_noise) || o.batch < 0)
        return err_set(CLVIS_ERR_INVALID_ARG,
                       "evaluate: steps %d, road noise %g, batch %d (each must be >= 0)", o.steps,
                       o.road_noise, o.batch);
    for (size_t i = 0; i < (size_t)h * w; i++)
        if (!isfinite(map[i]))
            return err_set(CLVIS_ERR_INVALID_ARG, "evaluate: the map has a non-finite value");
    graph *g = model_graph(m);
    metric_run r = {.g = g, .opt = &o, .x = x, .out = graph_count(g) - 1};
    r.in = graph_node_shape(g, 0);
    r.count = (size_t)r.in.c * r.in.h * r.in.w;
    shape3 os = graph_node_shape(g, r.out);
    int no = os.c * os.h * os.w, nclasses = no == 1 ? 2 : no; /* a sigmoid: 2 classes */
    if (cls >= nclasses)
        return err_set(CLVIS_ERR_INVALID_ARG, "class %d out of range: the model has %d %s "
                       "(0..%d)", cls, nclasses, no == 1 ? "classes (one sigmoid output)"
                       : "outputs", nclasses - 1);
    r.binary = no == 1;
    size_t hw = (size_t)r.in.h * r.in.w;
    float *rmap = NULL, *y = malloc((size_t)no * sizeof *y);
    clvis_status st = CLVIS_OK;
    if (!y)
        return err_set(CLVIS_ERR_NO_MEMORY, "evaluate: out of memory");
    if (h != r.in.h || w != r.in.w) {
        if (!(rmap = malloc(hw * sizeof *rmap))) {
            st = err_set(CLVIS_ERR_NO_MEMORY, "evaluate: out of memory");
            goto done;
        }
        if ((st = cv_resize_bilinear_f32(rmap, r.in.w, r.in.h, map, w, h, 1)))
            goto done;
    }
    r.map = rmap ? rmap : map;
    r.chunk = auto_chunk(g, o.batch);
    if ((st = graph_plan(g, 1)) || (st = graph_set_input(g, LAYOUT_NHWC, x)) ||
        (st = graph_forward(g, r.out)) || (st = graph_read(g, r.out, LAYOUT_NCHW, y)))
        goto done;
    if (r.binary) { /* class 1 = p, class 0 = 1 - p; the predicted one by default */
        if (cls < 0)
            cls = binary_value(g, r.out, y[0], 1, 1) > 0.5f;
        r.cls = res->cls = cls;
        r.score = res->score = binary_value(g, r.out, y[0], cls, 0);
        r.prob = res->prob = binary_value(g, r.out, y[0], cls, 1);
        st = metric->run(&r, res);
        goto done;
    }
    if (cls < 0) {
        cls = 0;
        for (int i = 1; i < no; i++)
            if (y[i] > y[cls])
                cls = i;
    }
    r.cls = res->cls = cls;
    r.score = res->score = y[cls];
    to_prob(g, r.out, y, no);
    r.prob = res->prob = y[cls];
    st = metric->run(&r, res);
done:
    free(y);
    free(rmap);
    if (st)
        clvis_evaluate_free(res);
    return st;
}

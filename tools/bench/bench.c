/* bench.c — `clvis bench`'s workloads (see bench.h). Models come from the bundled VGG16
 * architecture and a Keras config of the book's small convnet, with seeded He-uniform weights
 * (sqrt(6 / fan_in): activations keep their scale through the ReLU stack), so no file is
 * needed and every device gets bit-identical weights and inputs. */
#include "bench.h"
#include "cli/util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model.h"
#include "graph/graph.h"
#include "import/keras.h"
#include "import/keras_internal.h"
#include "ops/ops.h"
#include "explain/explain.h"


/* ---- small helpers ------------------------------------------------------------------------ */
static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* xorshift64*: uniform in [-1, 1) */
typedef struct {
    unsigned long long s;
} rng;

static void rng_seed(rng *r, unsigned seed)
{
    r->s = 0x9E3779B97F4A7C15ull ^ ((unsigned long long)seed * 0xBF58476D1CE4E5B9ull);
    if (!r->s)
        r->s = 1;
}

static float rng_u(rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    unsigned long long x = r->s * 0x2545F4914F6CDD1Dull;
    return (float)(x >> 40) / (float)(1u << 23) - 1.0f;
}

static void fill_u(float *p, size_t n, rng *r, float a, float offset)
{
    for (size_t i = 0; i < n; i++)
        p[i] = a * rng_u(r) + offset;
}

int bench_selected(const char *sel, const char *name)
{
    if (!sel || !*sel || !strcmp(sel, "all"))
        return 1;
    const char *p = sel;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len && !strncmp(name, p, len) && (name[len] == 0 || name[len] == '_'))
            return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

int bench_wants(const char *sel, const char *name)
{
    return bench_selected(sel, name) &&
           (strncmp(name, "filters_seq", 11) || (sel && strstr(sel, "filters_seq")));
}

void bench_opts_default(bench_opts *o)
{
    memset(o, 0, sizeof *o);
    o->runs = 5;
    o->seed = 1;
}

void bench_diff(const float *a, const float *ref, size_t n, double *max_abs, double *max_rel)
{
    double m = 0, r = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - ref[i]);
        if (d > m || d != d)
            m = d;
        double s = fabs((double)ref[i]);
        if (s > r)
            r = s;
    }
    *max_abs = m;
    *max_rel = r > 0 ? m / r : m;
}

void bench_report_free(bench_report *rep)
{
    if (!rep)
        return;
    for (int i = 0; i < rep->n; i++)
        free(rep->r[i].out);
    free(rep->r);
    rep->r = NULL;
    rep->n = 0;
}

/* ---- FMA peak ------------------------------------------------------------------------------- */
/* Two probes, independent FMA chains per work-item: 16 float16 chains (AVX-512: 16 of its 32
 * zmm registers) and 10 float8 chains (AVX2: 10 of its 16 ymm registers; the float16 probe
 * spills there, 32 ymm of accumulators, and reads about half the peak). The faster is the
 * device's peak. */
static const char *peak_src =
    "#define F(a) a = fma(a, m, c);\n"
    "__kernel void fma_peak(__global float *out, int iters, float s) {\n"
    "  float16 m = (float16)(0.999f * s), c = (float16)(0.001f);\n"
    "  float g = (float)get_global_id(0);\n"
    "  float16 a0 = g, a1 = g + 1, a2 = g + 2, a3 = g + 3, a4 = g + 4, a5 = g + 5, a6 = g + 6,\n"
    "          a7 = g + 7, a8 = g + 8, a9 = g + 9, a10 = g + 10, a11 = g + 11, a12 = g + 12,\n"
    "          a13 = g + 13, a14 = g + 14, a15 = g + 15;\n"
    "  for (int i = 0; i < iters; i++) {\n"
    "    F(a0) F(a1) F(a2) F(a3) F(a4) F(a5) F(a6) F(a7)\n"
    "    F(a8) F(a9) F(a10) F(a11) F(a12) F(a13) F(a14) F(a15)\n"
    "  }\n"
    "  float16 r = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 +\n"
    "              a14 + a15;\n"
    "  out[get_global_id(0)] = r.s0 + r.s1 + r.s2 + r.s3 + r.s4 + r.s5 + r.s6 + r.s7 + r.s8 +\n"
    "                          r.s9 + r.sa + r.sb + r.sc + r.sd + r.se + r.sf;\n"
    "}\n"
    "__kernel void fma_peak8(__global float *out, int iters, float s) {\n"
    "  float8 m = (float8)(0.999f * s), c = (float8)(0.001f);\n"
    "  float g = (float)get_global_id(0);\n"
    "  float8 a0 = g, a1 = g + 1, a2 = g + 2, a3 = g + 3, a4 = g + 4, a5 = g + 5, a6 = g + 6,\n"
    "         a7 = g + 7, a8 = g + 8, a9 = g + 9;\n"
    "  for (int i = 0; i < iters; i++) {\n"
    "    F(a0) F(a1) F(a2) F(a3) F(a4) F(a5) F(a6) F(a7) F(a8) F(a9)\n"
    "  }\n"
    "  float8 r = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9;\n"
    "  out[get_global_id(0)] = r.s0 + r.s1 + r.s2 + r.s3 + r.s4 + r.s5 + r.s6 + r.s7;\n"
    "}\n";

/* The best time (ms) of several runs of kernel k after a warm-up: on a shared machine one
 * probe can run beside another process and measure half the peak (issue 16); the fastest
 * probe is the machine's. */
static clvis_status peak_probe(clvis_ctx *ctx, cl_kernel k, size_t items, size_t local,
                               double *best)
{
    enum { PROBES = 8 };
    *best = 0;
    for (int r = -1; r < PROBES; r++) {
        double t0 = util_now_ms();
        cl_int e;
        if ((e = clEnqueueNDRangeKernel(ctx->queue, k, 1, NULL, &items, &local, 0, NULL, NULL)) ||
            (e = clFinish(ctx->queue)))
            return cl_fail(e, "fma_peak", __FILE__, __LINE__);
        double t = util_now_ms() - t0;
        if (r >= 0 && (*best == 0 || t < *best))
            *best = t;
    }
    return CLVIS_OK;
}

clvis_status bench_fma_peak(clvis_ctx *ctx, double *gflops)
{
    *gflops = 0;
    cl_int e;
    cl_program prog = clCreateProgramWithSource(ctx->context, 1, &peak_src, NULL, &e);
    if (e)
        return cl_fail(e, "clCreateProgramWithSource(fma_peak)", __FILE__, __LINE__);
    cl_kernel k = NULL, k8 = NULL;
    cl_mem out = NULL;
    clvis_status st = CLVIS_OK;
    int cpu = ctx->info.type == CLVIS_DEVICE_CPU;
    size_t items = cpu ? 64 : (size_t)ctx->info.compute_units * 2048;
    size_t local = cpu ? 1 : 64;
    int iters = cpu ? 100000 : 20000;
    float s = 1.0f;
    if ((e = clBuildProgram(prog, 1, &ctx->device, "-cl-std=CL1.2", NULL, NULL))) {
        st = cl_fail(e, "clBuildProgram(fma_peak)", __FILE__, __LINE__);
        goto done;
    }
    k = clCreateKernel(prog, "fma_peak", &e);
    if (!e)
        k8 = clCreateKernel(prog, "fma_peak8", &e);
    if (e) {
        st = cl_fail(e, "clCreateKernel(fma_peak)", __FILE__, __LINE__);
        goto done;
    }
    if ((st = buffer_create(ctx, items * sizeof(float), &out)))
        goto done;
    for (int v = 0; v < 2; v++) {
        cl_kernel kk = v ? k8 : k;
        clSetKernelArg(kk, 0, sizeof out, &out);
        clSetKernelArg(kk, 1, sizeof iters, &iters);
        clSetKernelArg(kk, 2, sizeof s, &s);
        double best;
        if ((st = peak_probe(ctx, kk, items, local, &best)))
            goto done;
        double flops = (double)items * iters * (v ? 10 * 8 : 16 * 16) * 2;
        double g = flops / (best * 1e6);
        if (g > *gflops)
            *gflops = g;
    }
done:
    if (out)
        clReleaseMemObject(out);
    if (k8)
        clReleaseKernel(k8);
    if (k)
        clReleaseKernel(k);
    clReleaseProgram(prog);
    return st;
}

/* ---- models with seeded weights ------------------------------------------------------------- */
/* The book's small convnet (listing 5.5), Keras 2 Sequential config. */
#define KCONV(n, f)                                                                          \
    "{\"class_name\":\"Conv2D\",\"config\":{\"name\":\"" n "\",\"filters\":" #f              \
    ",\"kernel_size\":[3,3],\"strides\":[1,1],\"dilation_rate\":[1,1],\"padding\":\"valid\"," \
    "\"data_format\":\"channels_last\",\"activation\":\"relu\",\"use_bias\":true}}"
#define KPOOL(n)                                                                             \
    "{\"class_name\":\"MaxPooling2D\",\"config\":{\"name\":\"" n "\",\"pool_size\":[2,2],"   \
    "\"strides\":[2,2],\"padding\":\"valid\",\"data_format\":\"channels_last\"}}"
#define KDENSE(n, u, a)                                                                      \
    "{\"class_name\":\"Dense\",\"config\":{\"name\":\"" n "\",\"units\":" #u                 \
    ",\"activation\":\"" a "\",\"use_bias\":true}}"
static const char *small_convnet_json =
    "{\"class_name\":\"Sequential\",\"config\":{\"name\":\"small_convnet\",\"layers\":["
    "{\"class_name\":\"InputLayer\",\"config\":{\"name\":\"input_1\","
    "\"batch_input_shape\":[null,150,150,3]}}," KCONV("conv2d", 32) "," KPOOL("max_pooling2d")
    "," KCONV("conv2d_1", 64) "," KPOOL("max_pooling2d_1") "," KCONV("conv2d_2", 128) ","
    KPOOL("max_pooling2d_2") "," KCONV("conv2d_3", 128) "," KPOOL("max_pooling2d_3") ","
    "{\"class_name\":\"Flatten\",\"config\":{\"name\":\"flatten\"}}," KDENSE("dense", 512, "relu")
    "," KDENSE("dense_1", 1, "sigmoid") "]}}";

/* Builds a model from a Keras config with He-uniform kernels (the last layer scaled down 100x so
 * a softmax / sigmoid output does not saturate) and zero biases. */
static clvis_status build_random(clvis_ctx *ctx, const char *json, const char *src, unsigned seed,
                                 clvis_model **out)
{
    kmodel km;
    memset(&km, 0, sizeof km);
    km.src = src;
    clvis_status st = kjson_build_text(ctx, json, &km);
    if (st)
        return st;
    graph *g = km.g;
    kjson_free(&km);
    rng r;
    rng_seed(&r, seed);
    float *buf = NULL;
    size_t cap = 0;
    for (int i = 0; i < g->n_nodes && !st; i++)
        for (int slot = 0; slot < 2 && !st; slot++) {
            size_t cnt = graph_weight_count(g, i, slot);
            if (!cnt)
                continue;
            if (cnt > cap) {
                free(buf);
                cap = cnt;
                if (!(buf = malloc(cap * sizeof *buf))) {
                    st = err_set(CLVIS_ERR_NO_MEMORY, "bench: out of host memory");
                    break;
                }
            }
            if (slot == 0) {
                double fan_in = (double)cnt / g->nodes[i].out.c;
                float a = (float)sqrt(6.0 / fan_in) * (i == g->n_nodes - 1 ? 0.01f : 1.0f);
                fill_u(buf, cnt, &r, a, 0.0f);
            } else
                memset(buf, 0, cnt * sizeof *buf);
            st = graph_set_weight(g, i, slot, buf, cnt);
        }
    free(buf);
    if (!st)
        st = graph_check(g);
    clvis_model *m = st ? NULL : model_wrap(g);
    if (!st && !m)
        st = err_set(CLVIS_ERR_NO_MEMORY, "bench: out of host memory");
    if (st) {
        graph_destroy(g);
        return st;
    }
    *out = m;
    return CLVIS_OK;
}

/* ---- FLOP counting (sequential graphs) ------------------------------------------------------- */
static double node_flops(const graph *g, int i)
{
    const node *v = &g->nodes[i];
    if (v->op != OP_CONV2D && v->op != OP_DENSE)
        return 0;
    shape3 in = g->nodes[v->inputs[0]].out;
    if (v->op == OP_DENSE)
        return 2.0 * in.c * in.h * in.w * v->out.c * v->out.h * v->out.w;
    return 2.0 * v->out.c * v->out.h * v->out.w * (double)(in.c / v->conv.groups) * v->conv.win.kh *
           v->conv.win.kw;
}

/* forward of nodes 1..upto, plus the input gradient of nodes (to, from] (0 from: none) */
static double graph_flops(const graph *g, int upto, int from, int to)
{
    double f = 0;
    for (int i = 1; i <= upto; i++)
        f += node_flops(g, i);
    for (int i = to + 1; i <= from && from > 0; i++)
        f += node_flops(g, i);
    return f;
}

/* ---- workloads ------------------------------------------------------------------------------ */
typedef struct {
    clvis_ctx *ctx;
    const bench_opts *o;
    clvis_model *vgg, *small;
    float *x224;       /* 8 VGG16 inputs, NHWC, caffe-preprocessed noise */
    float *x150;       /* one small-convnet input, NHWC, [0, 1] */
    /* current workload */
    int batch, layer, steps, nf;
    int full_steps; /* filter grids: steps of the timed runs while the warm-up does 1 */
    float *out;
    size_t n_out;
    /* the explanation workloads */
    clvis_model *ex;
    float *xex;        /* one input item of ex, NHWC, seeded uniform [-1, 1) */
    int ex_layer;
    const char *ex_method;
    /* microbenchmarks */
    int op;
    tensor tx, ty;
    cl_mem w, wt, b;
} wstate;

typedef clvis_status (*work_fn)(wstate *s);

static clvis_status w_vgg(wstate *s)
{
    clvis_status st = clvis_model_forward(s->vgg, s->x224, s->batch, -1);
    if (!st)
        st = clvis_model_read(s->vgg, clvis_model_layer_count(s->vgg) - 1, s->out);
    return st;
}

static clvis_status w_gradcam(wstate *s)
{
    clvis_gradcam_result res;
    clvis_status st = clvis_gradcam(s->vgg, s->x224, NULL, &res);
    if (st)
        return st;
    memcpy(s->out, res.map, (size_t)res.h * res.w * sizeof(float));
    clvis_gradcam_free(&res);
    return CLVIS_OK;
}

static clvis_status w_scorecam(wstate *s)
{
    clvis_gradcam_options go = {.layer = s->ex_layer, .cls = -1, .method = "scorecam",
                                .batch = s->o->explain_batch};
    clvis_gradcam_result res;
    clvis_status st = clvis_gradcam(s->ex, s->xex, &go, &res);
    if (st)
        return st;
    memcpy(s->out, res.map, (size_t)res.h * res.w * sizeof(float));
    clvis_gradcam_free(&res);
    return CLVIS_OK;
}

static clvis_status w_saliency(wstate *s)
{
    clvis_saliency_options so;
    clvis_saliency_options_default(&so);
    so.method = s->ex_method;
    so.samples = s->o->sg_samples > 0 ? s->o->sg_samples : 32;
    so.steps = s->o->ig_steps > 0 ? s->o->ig_steps : 32;
    so.batch = s->o->explain_batch;
    clvis_saliency_result res;
    clvis_status st = clvis_saliency(s->ex, s->xex, &so, &res);
    if (st)
        return st;
    memcpy(s->out, res.attr, (size_t)res.h * res.w * res.c * sizeof(float));
    clvis_saliency_free(&res);
    return CLVIS_OK;
}

static clvis_status w_filters(wstate *s)
{
    clvis_filter_options fo;
    clvis_filter_options_default(&fo);
    fo.steps = s->steps;
    fo.chunk = s->nf;
    int filters[64];
    for (int i = 0; i < s->nf; i++)
        filters[i] = i;
    unsigned char *pat = malloc((size_t)s->nf * 64 * 64 * 3);
    if (!pat)
        return err_set(CLVIS_ERR_NO_MEMORY, "bench: out of host memory");
    clvis_status st = clvis_filter_patterns(s->vgg, s->layer, filters, s->nf, NULL, &fo, s->out, pat,
                                          NULL, NULL, NULL);
    free(pat);
    return st;
}

static clvis_status w_small(wstate *s)
{
    clvis_status st = clvis_model_forward(s->small, s->x150, 1, -1);
    size_t off = 0;
    int n = clvis_model_layer_count(s->small);
    for (int i = 1; i < n && !st; i++) {
        clvis_shape sh = clvis_model_layer_shape(s->small, i);
        st = clvis_model_read(s->small, i, s->out + off);
        off += (size_t)sh.h * sh.w * sh.c;
    }
    return st;
}

static clvis_status w_op(wstate *s)
{
    clvis_status st = CLVIS_OK;
    if (s->op == 0) {
        conv2d_params p = {{3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, 64, 1, ACT_RELU, 0.0f, NULL};
        st = conv2d_forward(s->ctx, &p, s->ty, s->tx, s->w, s->b);
    } else if (s->op == 1)
        st = dense_forward(s->ctx, s->ty, s->tx, s->w, s->wt, s->b, ACT_RELU, 0.0f);
    else if (s->op == 2) {
        pool2d_params pool = {{2, 2, 2, 2, 1, 1, 0, 0, 0, 0}, 0, 0};
        st = maxpool_forward(s->ctx, &pool, s->ty, s->tx);
    } else
        st = act_forward(s->ctx, s->ty, ACT_RELU, 0.0f);
    return st ? st : ctx_finish(s->ctx);
}

/* Warm-up once (warm: optional different state for it), then `runs` timed runs. */
static clvis_status timed(wstate *s, work_fn f, int runs, bench_result *r,
                          void (*warm)(wstate *, int))
{
    double *t = malloc(sizeof(double) * (size_t)runs);
    if (!t)
        return err_set(CLVIS_ERR_NO_MEMORY, "bench: out of host memory");
    clvis_status st;
    if (warm)
        warm(s, 1);
    double t0 = util_now_ms();
    st = f(s);
    if (!st)
        st = ctx_finish(s->ctx);
    r->warmup_ms = util_now_ms() - t0;
    if (warm)
        warm(s, 0);
    for (int i = 0; i < runs && !st; i++) {
        t0 = util_now_ms();
        st = f(s);
        if (!st)
            st = ctx_finish(s->ctx);
        t[i] = util_now_ms() - t0;
    }
    if (!st) {
        r->runs = runs;
        r->ms = bench_median(t, runs);
        r->ms_min = t[0]; /* sorted by bench_median() */
    }
    free(t);
    return st;
}

static void filters_warm(wstate *s, int begin)
{
    if (begin) {
        s->full_steps = s->steps;
        s->steps = 1; /* the warm-up plans the batch and touches every kernel */
    } else
        s->steps = s->full_steps;
}

static clvis_status add_result(bench_report *rep, const char *name, size_t n_out,
                               bench_result **out)
{
    bench_result *p = realloc(rep->r, sizeof *p * (size_t)(rep->n + 1));
    if (!p)
        return err_set(CLVIS_ERR_NO_MEMORY, "bench: out of host memory");
    rep->r = p;
    bench_result *r = &p[rep->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    r->n_out = n_out;
    r->out = calloc(n_out ? n_out : 1, sizeof(float));
    if (!r->out)
        return err_set(CLVIS_ERR_NO_MEMORY, "bench: out of host memory");
    *out = r;
    return CLVIS_OK;
}

static clvis_status need_vgg(wstate *s, bench_report *rep)
{
    if (s->vgg)
        return CLVIS_OK;
    double t0 = util_now_ms();
    clvis_status st;
    if (s->o->model) {
        clvis_load_options lo = {0};
        st = clvis_model_load(s->ctx, s->o->model, &lo, &s->vgg);
    } else {
        char *json = arch_vgg_config("vgg16");
        if (!json)
            return err_set(CLVIS_ERR_NO_MEMORY, "bench: out of host memory");
        st = build_random(s->ctx, json, "vgg16 (random weights)", s->o->seed, &s->vgg);
        free(json);
    }
    rep->setup_ms += util_now_ms() - t0;
    return st;
}

static clvis_status need_explain(wstate *s, bench_report *rep)
{
    if (s->ex)
        return CLVIS_OK;
    if (!s->o->explain_model)
        return err_set(CLVIS_ERR_INVALID_ARG, "bench: the explanation workloads need a model file");
    double t0 = util_now_ms();
    clvis_load_options lo = {0};
    clvis_status st = clvis_model_load(s->ctx, s->o->explain_model, &lo, &s->ex);
    rep->setup_ms += util_now_ms() - t0;
    if (st)
        return st;
    clvis_shape is = clvis_model_layer_shape(s->ex, 0);
    size_t n = (size_t)is.h * is.w * is.c;
    if (!(s->xex = malloc(n * sizeof *s->xex)))
        return err_set(CLVIS_ERR_NO_MEMORY, "bench: out of host memory");
    rng r;
    rng_seed(&r, s->o->seed + 11);
    fill_u(s->xex, n, &r, 1.0f, 0.0f);
    s->ex_layer = clvis_gradcam_default_layer(s->ex);
    if (s->o->explain_layer &&
        (st = clvis_model_find_layer(s->ex, s->o->explain_layer, &s->ex_layer)))
        return st;
    if (s->ex_layer < 0)
        return err_set(CLVIS_ERR_NOT_FOUND, "bench: %s has no convolutional layer for Score-CAM",
                       s->o->explain_model);
    return CLVIS_OK;
}

/* scorecam, smoothgrad, ig on the explanation model: warm-up plus `runs` timed runs. */
static clvis_status run_explain(wstate *s, bench_report *rep, const char *name, int runs,
                                bench_progress_fn progress, void *user)
{
    clvis_status st = need_explain(s, rep);
    if (st)
        return st;
    graph *g = model_graph(s->ex);
    int last = g->n_nodes - 1;
    shape3 is = g->nodes[0].out, ls = g->nodes[s->ex_layer].out;
    int sam = s->o->sg_samples > 0 ? s->o->sg_samples : 32;
    int steps = s->o->ig_steps > 0 ? s->o->ig_steps : 32;
    char batch[32] = "the library's batch";
    if (s->o->explain_batch > 0)
        snprintf(batch, sizeof batch, "batch %d", s->o->explain_batch);
    bench_result *res;
    int cam = !strcmp(name, "scorecam");
    size_t n_out = cam ? (size_t)ls.h * ls.w : (size_t)is.h * is.w * is.c;
    if ((st = add_result(rep, name, n_out, &res)))
        return st;
    double fwd = graph_flops(g, last, 0, 0), fb = graph_flops(g, last, last, 0);
    if (cam) {
        snprintf(res->detail, sizeof res->detail, "Score-CAM, %d masks of %.40s (%dx%d) at "
                 "%dx%d, %s", ls.c, g->nodes[s->ex_layer].name, ls.h, ls.w, is.h, is.w, batch);
        res->flops = (double)(ls.c + 1) * fwd;
    } else if (!strcmp(name, "smoothgrad")) {
        s->ex_method = "smoothgrad";
        snprintf(res->detail, sizeof res->detail, "SmoothGrad, %d samples at %dx%d, %s", sam,
                 is.h, is.w, batch);
        res->flops = fwd + (double)sam * fb;
    } else {
        s->ex_method = "ig";
        snprintf(res->detail, sizeof res->detail, "integrated gradients, %d steps at %dx%d, %s",
                 steps, is.h, is.w, batch);
        res->flops = 2 * fwd + (double)steps * fb;
    }
    s->out = res->out;
    viz_say(progress, user, "bench %s: %s", name, res->detail);
    return timed(s, cam ? w_scorecam : w_saliency, runs, res, NULL);
}

static clvis_status run_op(wstate *s, bench_report *rep, int op, const char *name, int runs,
                           bench_progress_fn progress, void *user)
{
    /* shapes: conv 64->64 @112, dense 25088->4096, maxpool 2x2 64 @224, relu 64 @224 */
    static const int xs[4][3] = {{64, 112, 112}, {25088, 1, 1}, {64, 224, 224}, {64, 224, 224}};
    static const int ys[4][3] = {{64, 112, 112}, {4096, 1, 1}, {64, 112, 112}, {64, 224, 224}};
    static const size_t ws[4] = {64 * 64 * 9, (size_t)25088 * 4096, 0, 0};
    static const char *details[4] = {"conv2d_forward 3x3 SAME 64->64 @112x112, batch 1, ReLU",
                                     "dense_forward 25088->4096, batch 1, ReLU",
                                     "maxpool 2x2/2, 64 ch @224x224 -> 112",
                                     "ReLU in place, 64 ch @224x224"};
    clvis_status st = CLVIS_OK;
    size_t nx = (size_t)xs[op][0] * xs[op][1] * xs[op][2];
    size_t ny = (size_t)ys[op][0] * ys[op][1] * ys[op][2];
    size_t nmax = nx > ws[op] ? nx : ws[op];
    float *h = malloc(nmax * sizeof *h);
    memset(&s->tx, 0, sizeof s->tx);
    memset(&s->ty, 0, sizeof s->ty);
    s->w = s->wt = s->b = NULL;
    s->op = op;
    if (!h)
        return err_set(CLVIS_ERR_NO_MEMORY, "bench: out of host memory");
    rng r;
    rng_seed(&r, s->o->seed + 100 + (unsigned)op);
    bench_result *res;
    if ((st = add_result(rep, name, ny, &res)))
        goto done;
    snprintf(res->detail, sizeof res->detail, "%s", details[op]);
    s->tx = (tensor){NULL, 0, 1, xs[op][0], xs[op][1], xs[op][2]};
    s->ty = (tensor){NULL, 0, 1, ys[op][0], ys[op][1], ys[op][2]};
    if ((st = buffer_create(s->ctx, nx * sizeof(float), &s->tx.mem)))
        goto done;
    fill_u(h, nx, &r, 1.0f, 0.0f);
    if ((st = buffer_write(s->ctx, s->tx.mem, 0, nx * sizeof(float), h)))
        goto done;
    if (op == 3) /* in place */
        s->ty = s->tx;
    else if ((st = buffer_create(s->ctx, ny * sizeof(float), &s->ty.mem)))
        goto done;
    if (ws[op]) {
        fill_u(h, ws[op], &r, (float)sqrt(6.0 * ys[op][0] / (double)ws[op]), 0.0f);
        if ((st = buffer_create(s->ctx, ws[op] * sizeof(float), &s->w)) ||
            (st = buffer_write(s->ctx, s->w, 0, ws[op] * sizeof(float), h)))
            goto done;
        if (op == 1 && dense_wants_rows(s->ctx)) { /* as the graph keeps it: (out, in) too */
            size_t in = (size_t)xs[op][0] * xs[op][1] * xs[op][2], out = (size_t)ys[op][0];
            float *t = malloc(ws[op] * sizeof *t);
            if (!t) {
                st = err_set(CLVIS_ERR_NO_MEMORY, "bench: out of host memory");
                goto done;
            }
            for (size_t k = 0; k < in; k++)
                for (size_t o = 0; o < out; o++)
                    t[o * in + k] = h[k * out + o];
            st = buffer_create(s->ctx, ws[op] * sizeof(float), &s->wt);
            if (!st)
                st = buffer_write(s->ctx, s->wt, 0, ws[op] * sizeof(float), t);
            free(t);
            if (st)
                goto done;
        }
        fill_u(h, (size_t)ys[op][0], &r, 0.1f, 0.0f);
        if ((st = buffer_create(s->ctx, (size_t)ys[op][0] * sizeof(float), &s->b)) ||
            (st = buffer_write(s->ctx, s->b, 0, (size_t)ys[op][0] * sizeof(float), h)))
            goto done;
    }
    res->flops = op == 0 ? 2.0 * 64 * 112 * 112 * 64 * 9 : op == 1 ? 2.0 * 25088 * 4096 : 0;
    viz_say(progress, user, "bench %s: %s", name, res->detail);
    if ((st = timed(s, w_op, runs, res, NULL)))
        goto done;
    st = buffer_read(s->ctx, s->ty.mem, 0, ny * sizeof(float), res->out);
done:
    if (s->tx.mem)
        clReleaseMemObject(s->tx.mem);
    if (s->ty.mem && s->ty.mem != s->tx.mem)
        clReleaseMemObject(s->ty.mem);
    if (s->w)
        clReleaseMemObject(s->w);
    if (s->wt)
        clReleaseMemObject(s->wt);
    if (s->b)
        clReleaseMemObject(s->b);
    free(h);
    return st;
}

clvis_status bench_run(clvis_ctx *ctx, const bench_opts *opt, bench_report *rep,
                       bench_progress_fn progress, void *user)
{
    bench_opts o;
    if (opt)
        o = *opt;
    else
        bench_opts_default(&o);
    if (o.runs < 1)
        o.runs = 1;
    int frun = o.filter_runs > 0 ? o.filter_runs : 1;
    if (frun > o.runs)
        frun = o.runs;
    int fsteps = o.filter_steps > 0 ? o.filter_steps : 40;
    int fcount = o.filter_count > 0 && o.filter_count <= 64 ? o.filter_count : 64;
    rep->r = NULL;
    rep->n = 0;
    clvis_status st = CLVIS_OK;
    wstate s;
    memset(&s, 0, sizeof s);
    s.ctx = ctx;
    s.o = &o;
    rng r;
    rng_seed(&r, o.seed + 7);
    s.x224 = malloc((size_t)8 * 224 * 224 * 3 * sizeof(float));
    s.x150 = malloc((size_t)150 * 150 * 3 * sizeof(float));
    if (!s.x224 || !s.x150) {
        st = err_set(CLVIS_ERR_NO_MEMORY, "bench: out of host memory");
        goto done;
    }
    fill_u(s.x224, (size_t)8 * 224 * 224 * 3, &r, 110.0f, 0.0f); /* ~ caffe-preprocessed */
    fill_u(s.x150, (size_t)150 * 150 * 3, &r, 0.5f, 0.5f);
    bench_result *res;

    for (int b = 0; b < 2 && !st; b++) {
        const char *name = b ? "vgg16_b8" : "vgg16_b1";
        if (!bench_selected(o.workloads, name))
            continue;
        if ((st = need_vgg(&s, rep)))
            break;
        graph *g = model_graph(s.vgg);
        s.batch = b ? 8 : 1;
        if ((st = add_result(rep, name, (size_t)s.batch * 1000, &res)))
            break;
        snprintf(res->detail, sizeof res->detail,
                 "VGG16 forward 224x224 batch %d to predictions (read back)", s.batch);
        res->flops = s.batch * graph_flops(g, g->n_nodes - 1, 0, 0);
        s.out = res->out;
        viz_say(progress, user, "bench %s: %s", name, res->detail);
        st = timed(&s, w_vgg, o.runs, res, NULL);
    }
    if (!st && bench_selected(o.workloads, "gradcam") && !(st = need_vgg(&s, rep))) {
        graph *g = model_graph(s.vgg);
        int L = clvis_gradcam_default_layer(s.vgg);
        const node *A = &g->nodes[L];
        if (!(st = add_result(rep, "gradcam", (size_t)A->out.h * A->out.w, &res))) {
            snprintf(res->detail, sizeof res->detail,
                     "VGG16 Grad-CAM: forward, backward from the top class to %.60s, map", A->name);
            res->flops = graph_flops(g, g->n_nodes - 1, g->n_nodes - 1, L);
            s.out = res->out;
            viz_say(progress, user, "bench gradcam: %s", res->detail);
            st = timed(&s, w_gradcam, o.runs, res, NULL);
        }
    }
    static const char *flayers[4] = {"block1_conv1", "block2_conv1", "block3_conv1",
                                     "block4_conv1"};
    int resized = 0;
    /* i >= 4: filters_seq_*, the book's sequential method (one filter, batch 1; x64 = the grid
     * one filter at a time), run only when a selection names filters_seq */
    for (int i = 0; i < 8 && !st; i++) {
        char name[64];
        const int seq = i >= 4;
        snprintf(name, sizeof name, "filters_%s%s", seq ? "seq_" : "", flayers[i % 4]);
        if (!bench_wants(o.workloads, name))
            continue;
        if ((st = need_vgg(&s, rep)))
            break;
        if (!resized && (st = clvis_model_set_input_size(s.vgg, 64, 64)))
            break;
        resized = 1;
        graph *g = model_graph(s.vgg);
        int L = graph_find(g, flayers[i % 4]);
        if (L < 0) {
            st = err_set(CLVIS_ERR_NOT_FOUND, "bench: the model has no layer %s", flayers[i % 4]);
            break;
        }
        const int nf = seq ? 1 : fcount;
        if ((st = add_result(rep, name, (size_t)nf * 64 * 64 * 3, &res)))
            break;
        if (seq)
            snprintf(res->detail, sizeof res->detail,
                     "1 filter x %d steps at 64x64, batch 1 (the book's method; x64 = the grid "
                     "one filter at a time)", fsteps);
        else
            snprintf(res->detail, sizeof res->detail,
                     "%d filters x %d steps at 64x64, one batch (clvis_filter_patterns)", fcount,
                     fsteps);
        res->flops = (double)nf * fsteps * graph_flops(g, L, L, 0);
        s.out = res->out;
        s.layer = L;
        s.steps = fsteps;
        s.nf = nf;
        viz_say(progress, user, "bench %s: %s", name, res->detail);
        st = timed(&s, w_filters, frun, res, filters_warm);
    }
    if (resized && !st)
        st = clvis_model_set_input_size(s.vgg, 224, 224);
    if (!st && bench_selected(o.workloads, "small_convnet")) {
        double t0 = util_now_ms();
        st = build_random(ctx, small_convnet_json, "small_convnet (random weights)", o.seed + 1,
                          &s.small);
        rep->setup_ms += util_now_ms() - t0;
        if (!st) {
            graph *g = model_graph(s.small);
            size_t total = 0;
            for (int i = 1; i < g->n_nodes; i++)
                total += (size_t)g->nodes[i].out.c * g->nodes[i].out.h * g->nodes[i].out.w;
            if (!(st = add_result(rep, "small_convnet", total, &res))) {
                snprintf(res->detail, sizeof res->detail,
                         "book's convnet 150x150x3 forward, all %d layer outputs read back",
                         g->n_nodes - 1);
                res->flops = graph_flops(g, g->n_nodes - 1, 0, 0);
                s.out = res->out;
                viz_say(progress, user, "bench small_convnet: %s", res->detail);
                st = timed(&s, w_small, o.runs, res, NULL);
            }
        }
    }
    static const char *ops[4] = {"op_conv3x3_64_112", "op_dense_25088_4096", "op_maxpool_64_224",
                                 "op_relu_64_224"};
    for (int i = 0; i < 4 && !st; i++)
        if (bench_selected(o.workloads, ops[i]))
            st = run_op(&s, rep, i, ops[i], o.runs, progress, user);
    static const char *exs[3] = {"scorecam", "smoothgrad", "ig"};
    for (int i = 0; i < 3 && !st; i++)
        if (bench_selected(o.workloads, exs[i]))
            st = run_explain(&s, rep, exs[i], frun, progress, user);
done:
    clvis_model_destroy(s.ex);
    free(s.xex);
    clvis_model_destroy(s.vgg);
    clvis_model_destroy(s.small);
    free(s.x224);
    free(s.x150);
    if (st)
        bench_report_free(rep);
    return st;
}

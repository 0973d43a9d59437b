/* clvis.c — the command-line tool: parses flags, calls the library pipelines
 * (src/viz/pipeline.h), prints results on stdout, progress on stderr.
 * Exit codes: 0 success, 1 runtime failure (one line "clvis: <message>" on stderr), 2 usage. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clvis.h"
#include "io/image.h"
#include "viz/book.h"
#include "viz/pipeline.h"
#include "bench/bench.h"

#ifndef CLVIS_SOURCE_DIR
#define CLVIS_SOURCE_DIR "."
#endif
#define DEFAULT_MODEL "models/mobilenet_v2.h5"
#define DEFAULT_LABELS "data/imagenet_classes.tsv"

/* ---- options ------------------------------------------------------------------------------- */
enum {
    F_DEVICE = 1 << 0, F_MODEL = 1 << 1, F_OUT = 1 << 2, F_QUIET = 1 << 3, F_JSON = 1 << 4,
    F_SEED = 1 << 5, F_LAYERS = 1 << 6, F_LAYER = 1 << 7, F_FILTER = 1 << 8, F_SIZE = 1 << 9,
    F_CLASS = 1 << 10, F_SCORE = 1 << 11, F_TOP = 1 << 12, F_LABELS = 1 << 13,
    F_PREPROCESS = 1 << 14, F_INIT = 1 << 15, F_CHUNK = 1 << 16, F_STEPS = 1 << 17,
    F_ARCH = 1 << 18, F_GRAD = 1 << 19
};

typedef struct {
    const char *name;
    int flag;
    int takes_value;
    const char *help;
} flag_def;

static const flag_def FLAGS[] = {
    {"device", F_DEVICE, 1, "N|cpu|gpu|igpu|NAME  OpenCL device (default: $CLVIS_DEVICE, else best)"},
    {"model", F_MODEL, 1, "FILE  Keras model (default " DEFAULT_MODEL ")"},
    {"arch", F_ARCH, 1, "vgg16|vgg19|...  architecture of a weights-only file"},
    {"out", F_OUT, 1, "DIR  output directory (default out); DIR/index.html is rewritten"},
    {"quiet", F_QUIET, 0, "no progress on stderr"},
    {"json", F_JSON, 0, "machine-readable output (one JSON object per line)"},
    {"seed", F_SEED, 1, "N  start noise seed: numpy.random.RandomState(N) (default 0)"},
    {"layers", F_LAYERS, 1, "a,b,c  layers to draw"},
    {"layer", F_LAYER, 1, "NAME  one layer"},
    {"filter", F_FILTER, 1, "F  filter (channel) index"},
    {"size", F_SIZE, 1, "S  pattern size (default 64 for grids, 150 for one --filter)"},
    {"class", F_CLASS, 1, "K  class index (default: top-1)"},
    {"score", F_SCORE, 1, "prob|logit  post-softmax probability (book) or logit (paper)"},
    {"top", F_TOP, 1, "K  number of predictions (default 3)"},
    {"labels", F_LABELS, 1, "FILE  class names (TSV index,wnid,name or one per line)"},
    {"preprocess", F_PREPROCESS, 1, "raw|scale|tf|caffe  override the model's preprocessing"},
    {"init", F_INIT, 1, "FILE[.png|.h5[:DATASET]]  start image instead of seeded noise"},
    {"chunk", F_CHUNK, 1, "N  filters per device batch (default: as memory allows)"},
    {"steps", F_STEPS, 1, "N  gradient-ascent steps (default 40)"},
    {"grad", F_GRAD, 1, "LAYER:CHANNEL  also dump d mean(channel)/d every layer"},
    {NULL, 0, 0, NULL}};

typedef struct {
    const char *device, *model, *arch, *out, *layers, *layer, *labels, *init, *grad;
    int quiet, json, out_given;
    long seed, filter, size, cls, top, chunk, steps;
    int logit;
    int preprocess; /* -1: model default */
    char **pos;
    int npos;
} options;

static int g_quiet;

static void die_usage(const char *cmd, const char *fmt, ...) __attribute__((noreturn));
static void die_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "clvis: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'clvis %s--help'.\n", cmd ? cmd : "");
    va_end(ap);
    exit(2);
}

/* Runtime failure: one line. */
static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    fprintf(stderr, "clvis: %s\n", msg);
    return 1;
}

static int fail_st(clvis_status st)
{
    (void)st;
    return fail("%s", clvis_last_error());
}

static void progress(void *user, const char *line)
{
    (void)user;
    if (!g_quiet) {
        fprintf(stderr, "%s\n", line);
        fflush(stderr);
    }
}

static void log_line(void *user, const char *line)
{
    (void)user;
    if (!g_quiet)
        fprintf(stderr, "clvis: %s\n", line);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static long parse_long(const char *cmd, const char *flag, const char *v, long lo, long hi)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi)
        die_usage(cmd, "--%s: expected an integer in %ld..%ld, got '%s'", flag, lo, hi, v);
    return x;
}

typedef struct {
    const char *name;
    int flags;
    const char *usage;
    const char *about;
} command_def;

static void print_help(const command_def *c)
{
    printf("usage: clvis %s %s\n\n%s\n\noptions:\n", c->name, c->usage, c->about);
    for (const flag_def *f = FLAGS; f->name; f++)
        if (c->flags & f->flag)
            printf("  --%-11s %s\n", f->name, f->help);
    printf("  --%-11s %s\n", "help", "this text");
}

static void parse(const command_def *c, int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->out = "out";
    o->top = 3;
    o->steps = 40;
    o->cls = -1;
    o->filter = -1;
    o->preprocess = -1;
    o->pos = calloc((size_t)argc + 1, sizeof *o->pos);
    char cmdsp[64];
    snprintf(cmdsp, sizeof cmdsp, "%s ", c->name);
    int only_pos = 0;
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        if (only_pos || a[0] != '-' || !a[1]) {
            o->pos[o->npos++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_pos = 1;
            continue;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            print_help(c);
            exit(0);
        }
        if (strncmp(a, "--", 2))
            die_usage(cmdsp, "unknown option '%s'", a);
        char name[64];
        const char *val = NULL, *eq = strchr(a + 2, '=');
        size_t nl = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (nl >= sizeof name)
            die_usage(cmdsp, "unknown option '%s'", a);
        memcpy(name, a + 2, nl);
        name[nl] = 0;
        const flag_def *f = FLAGS;
        while (f->name && strcmp(f->name, name))
            f++;
        if (!f->name || !(c->flags & f->flag))
            die_usage(cmdsp, "unknown option '--%s' for '%s'", name, c->name);
        if (f->takes_value) {
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else
                die_usage(cmdsp, "--%s needs a value", name);
        } else if (eq)
            die_usage(cmdsp, "--%s takes no value", name);
        switch (f->flag) {
        case F_DEVICE: o->device = val; break;
        case F_MODEL: o->model = val; break;
        case F_ARCH: o->arch = val; break;
        case F_OUT: o->out = val; o->out_given = 1; break;
        case F_QUIET: o->quiet = 1; break;
        case F_JSON: o->json = 1; break;
        case F_SEED: o->seed = parse_long(cmdsp, name, val, 0, 4294967295L); break;
        case F_LAYERS: o->layers = val; break;
        case F_LAYER: o->layer = val; break;
        case F_FILTER: o->filter = parse_long(cmdsp, name, val, 0, INT_MAX); break;
        case F_SIZE: o->size = parse_long(cmdsp, name, val, 1, 16384); break;
        case F_CLASS: o->cls = parse_long(cmdsp, name, val, 0, INT_MAX); break;
        case F_TOP: o->top = parse_long(cmdsp, name, val, 1, 100000); break;
        case F_LABELS: o->labels = val; break;
        case F_INIT: o->init = val; break;
        case F_CHUNK: o->chunk = parse_long(cmdsp, name, val, 1, 4096); break;
        case F_STEPS: o->steps = parse_long(cmdsp, name, val, 0, 100000); break;
        case F_GRAD: o->grad = val; break;
        case F_SCORE:
            if (!strcmp(val, "prob"))
                o->logit = 0;
            else if (!strcmp(val, "logit"))
                o->logit = 1;
            else
                die_usage(cmdsp, "--score: expected prob or logit, got '%s'", val);
            break;
        case F_PREPROCESS: {
            static const char *modes[] = {"raw", "scale", "tf", "caffe"};
            o->preprocess = -2;
            for (int k = 0; k < 4; k++)
                if (!strcmp(val, modes[k]))
                    o->preprocess = k;
            if (o->preprocess == -2)
                die_usage(cmdsp, "--preprocess: expected raw, scale, tf or caffe, got '%s'", val);
            break;
        }
        }
    }
    g_quiet = o->quiet;
}

/* ---- shared setup ------------------------------------------------------------------------ */
typedef struct {
    clvis_ctx *ctx;
    clvis_model *model;
    const char *model_path;
    char device[400];
} session;

static int file_exists(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0;
}

/* A default data file: relative to the cwd, else to the source tree. */
static const char *default_path(const char *rel, char *buf, size_t cap)
{
    if (file_exists(rel))
        return rel;
    snprintf(buf, cap, "%s/%s", CLVIS_SOURCE_DIR, rel);
    return file_exists(buf) ? buf : rel;
}

static int open_session(const options *o, session *s, int with_model)
{
    memset(s, 0, sizeof *s);
    clvis_ctx_options co = {0};
    co.device = o->device;
    co.log = log_line;
    clvis_status st = clvis_ctx_create(&co, &s->ctx);
    if (st)
        return fail_st(st);
    const clvis_device_info *d = clvis_ctx_device(s->ctx);
    snprintf(s->device, sizeof s->device, "%s (%s)", d->name, d->platform);
    if (!with_model)
        return 0;
    static char mbuf[1024];
    s->model_path = o->model ? o->model : default_path(DEFAULT_MODEL, mbuf, sizeof mbuf);
    clvis_load_options lo = {0};
    lo.arch = o->arch;
    if ((st = clvis_model_load(s->ctx, s->model_path, &lo, &s->model))) {
        int r = fail_st(st);
        clvis_ctx_destroy(s->ctx);
        s->ctx = NULL;
        return r;
    }
    return 0;
}

static void close_session(session *s)
{
    clvis_model_destroy(s->model);
    clvis_ctx_destroy(s->ctx);
}

/* mkdir -p, then a write test. */
static int prepare_out(const char *dir)
{
    char p[1024];
    if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p || !*dir)
        return fail("--out: bad directory '%s'", dir);
    for (char *q = p + 1; *q; q++)
        if (*q == '/') {
            *q = 0;
            if (mkdir(p, 0777) && errno != EEXIST)
                return fail("cannot create output directory %s: %s", p, strerror(errno));
            *q = '/';
        }
    if (mkdir(p, 0777) && errno != EEXIST)
        return fail("cannot create output directory %s: %s", p, strerror(errno));
    struct stat sb;
    if (stat(p, &sb) || !S_ISDIR(sb.st_mode))
        return fail("output path %s is not a directory", p);
    if (access(p, W_OK | X_OK))
        return fail("output directory %s is not writable: %s", p, strerror(errno));
    return 0;
}

static int find_layer(clvis_model *m, const char *name, int *id)
{
    clvis_status st = clvis_model_find_layer(m, name, id);
    return st ? fail_st(st) : 0;
}

/* "a,b,c" -> layer indices (malloc'd) */
static int parse_layers(clvis_model *m, const char *list, int **out, int *n)
{
    int cap = 1;
    for (const char *p = list; *p; p++)
        cap += *p == ',';
    int *ids = calloc((size_t)cap, sizeof *ids);
    char *copy = strdup(list), *save = NULL;
    *n = 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*t))
            t++;
        if (!*t)
            continue;
        if (find_layer(m, t, &ids[*n])) {
            free(ids);
            free(copy);
            return 1;
        }
        (*n)++;
    }
    free(copy);
    if (*n == 0) {
        free(ids);
        return fail("--layers: no layer names given");
    }
    *out = ids;
    return 0;
}

static void stem_of(const char *path, char *out, size_t cap)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = 0;
    for (; *b && *b != '.' && n + 1 < cap; b++)
        out[n++] = (isalnum((unsigned char)*b) || *b == '-' || *b == '_') ? *b : '_';
    out[n] = 0;
    if (!n)
        snprintf(out, cap, "image");
}

static int report(const options *o, const session *s, const viz_report_entry *e, int n)
{
    clvis_status st = viz_report_add(o->out, e, n);
    if (st)
        return fail_st(st);
    if (!g_quiet)
        fprintf(stderr, "index: %s/index.html\n", o->out);
    return 0;
    (void)s;
}

/* labels: --labels, else the ImageNet index for 1000-class models */
static int load_labels(const options *o, clvis_model *m, viz_labels *lab)
{
    memset(lab, 0, sizeof *lab);
    char buf[1024];
    const char *path = o->labels;
    if (!path && viz_output_count(m) == 1000)
        path = default_path(DEFAULT_LABELS, buf, sizeof buf);
    if (!path)
        return 0;
    clvis_status st = viz_labels_load(path, lab);
    if (st)
        return fail_st(st);
    return 0;
}

static const char *label_name(const viz_labels *l, int i)
{
    return (l->n && i < l->n) ? l->name[i] : NULL;
}

static const char *label_wnid(const viz_labels *l, int i)
{
    return (l->n && i < l->n) ? l->wnid[i] : "";
}

/* ---- devices ------------------------------------------------------------------------------- */
static void fmt_bytes(char *b, size_t cap, uint64_t v)
{
    if (v >= (1ull << 30))
        snprintf(b, cap, "%.1f GiB", v / 1073741824.0);
    else if (v >= (1ull << 20))
        snprintf(b, cap, "%.1f MiB", v / 1048576.0);
    else
        snprintf(b, cap, "%.0f KiB", v / 1024.0);
}

static int cmd_devices(const options *o)
{
    (void)o;
    clvis_device_info *list = NULL;
    int n = 0;
    clvis_status st = clvis_devices(&list, &n);
    if (st)
        return fail_st(st);
    if (o->json) {
        for (int i = 0; i < n; i++) {
            cJSON *j = cJSON_CreateObject();
            cJSON_AddNumberToObject(j, "index", list[i].index);
            cJSON_AddStringToObject(j, "type", clvis_device_type_name(list[i].type));
            cJSON_AddStringToObject(j, "name", list[i].name);
            cJSON_AddStringToObject(j, "vendor", list[i].vendor);
            cJSON_AddStringToObject(j, "platform", list[i].platform);
            cJSON_AddStringToObject(j, "driver", list[i].driver);
            cJSON_AddStringToObject(j, "version", list[i].version);
            cJSON_AddNumberToObject(j, "compute_units", list[i].compute_units);
            cJSON_AddNumberToObject(j, "global_mem", (double)list[i].global_mem);
            cJSON_AddNumberToObject(j, "local_mem", (double)list[i].local_mem);
            cJSON_AddBoolToObject(j, "fp16", list[i].fp16);
            cJSON_AddBoolToObject(j, "fp64", list[i].fp64);
            char *t = cJSON_PrintUnformatted(j);
            printf("%s\n", t);
            free(t);
            cJSON_Delete(j);
        }
    } else {
        printf("%-3s %-6s %-40s %-24s %-18s %-12s %4s %10s %9s %4s %4s\n", "#", "type", "name",
               "vendor", "driver", "OpenCL", "CUs", "global", "local", "fp16", "fp64");
        for (int i = 0; i < n; i++) {
            char gm[32], lm[32], ver[64];
            fmt_bytes(gm, sizeof gm, list[i].global_mem);
            fmt_bytes(lm, sizeof lm, list[i].local_mem);
            /* "OpenCL 3.0 PoCL ..." -> "3.0" */
            const char *v = list[i].version;
            if (!strncmp(v, "OpenCL ", 7))
                v += 7;
            snprintf(ver, sizeof ver, "%.*s", (int)strcspn(v, " "), v);
            printf("%-3d %-6s %-40.40s %-24.24s %-18.18s %-12s %4u %10s %9s %4s %4s\n",
                   list[i].index, clvis_device_type_name(list[i].type), list[i].name,
                   list[i].vendor, list[i].driver, ver, list[i].compute_units, gm, lm,
                   list[i].fp16 ? "yes" : "no", list[i].fp64 ? "yes" : "no");
        }
    }
    free(list);
    return 0;
}

/* ---- info ---------------------------------------------------------------------------------- */
static const char *pp_name(clvis_preprocess p)
{
    switch (p) {
    case CLVIS_PREPROCESS_RAW: return "raw (pixels 0..255)";
    case CLVIS_PREPROCESS_SCALE: return "scale (x/255)";
    case CLVIS_PREPROCESS_TF: return "tf (x/127.5 - 1)";
    case CLVIS_PREPROCESS_CAFFE: return "caffe (BGR, minus ImageNet means)";
    }
    return "?";
}

static int cmd_info(options *o)
{
    if (o->npos > 1)
        die_usage("info ", "expected one MODEL");
    if (o->npos == 1)
        o->model = o->pos[0];
    session s;
    if (open_session(o, &s, 1))
        return 1;
    clvis_model *m = s.model;
    int n = clvis_model_layer_count(m);
    printf("Model: \"%s\" (%s)\n", clvis_model_name(m), s.model_path);
    char line[120];
    memset(line, '_', 98);
    line[98] = 0;
    printf("%s\n %-34s %-22s %-22s %12s\n", line, "Layer (name)", "Type", "Output Shape",
           "Param #");
    memset(line, '=', 98);
    printf("%s\n", line);
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        clvis_shape sh = clvis_model_layer_shape(m, i);
        char shape[64];
        if (sh.h == 1 && sh.w == 1 && i > 0 && strcmp(clvis_model_layer_type(m, i), "Reshape"))
            snprintf(shape, sizeof shape, "(None, %d)", sh.c);
        else
            snprintf(shape, sizeof shape, "(None, %d, %d, %d)", sh.h, sh.w, sh.c);
        size_t p = clvis_model_layer_params(m, i);
        total += p;
        printf(" %-34.34s %-22.22s %-22s %12zu\n", clvis_model_layer_name(m, i),
               clvis_model_layer_type(m, i), shape, p);
    }
    printf("%s\n", line);
    clvis_shape in = clvis_model_input_shape(m);
    printf("Total params: %zu\nLayers: %d\nInput: %dx%dx%d\nPreprocessing: %s\n", total, n, in.h,
           in.w, in.c, pp_name(clvis_model_preprocess(m)));
    int gl = viz_gradcam_default_layer(m);
    if (gl >= 0)
        printf("Grad-CAM layer (default): %s\n", clvis_model_layer_name(m, gl));
    printf("Outputs: %d\n", viz_output_count(m));
    close_session(&s);
    return 0;
}

/* ---- predict ----------------------------------------------------------------------------- */
static int cmd_predict(options *o)
{
    if (o->npos < 1)
        die_usage("predict ", "expected at least one IMAGE");
    session s;
    if (open_session(o, &s, 1))
        return 1;
    viz_labels lab;
    if (load_labels(o, s.model, &lab)) {
        close_session(&s);
        return 1;
    }
    if (o->out_given && prepare_out(o->out)) {
        viz_labels_free(&lab);
        close_session(&s);
        return 1;
    }
    size_t cnt = viz_input_count(s.model);
    float *x = malloc(cnt * sizeof *x);
    viz_pred *top = calloc((size_t)o->top, sizeof *top);
    viz_report_entry *ents = calloc((size_t)o->npos, sizeof *ents);
    char **caps = calloc((size_t)o->npos, sizeof *caps);
    int rc = 0, ne = 0;
    int single = viz_output_count(s.model) == 1;
    for (int i = 0; i < o->npos && !rc; i++) {
        double t0 = now_ms();
        int nt = 0;
        clvis_status st = viz_load_input(s.model, o->pos[i], o->preprocess, x, NULL);
        if (!st)
            st = viz_predict(s.model, x, (int)o->top, top, &nt, NULL, 0, NULL);
        if (st) {
            rc = fail_st(st);
            break;
        }
        double ms = now_ms() - t0;
        char cap[2048];
        size_t cl = 0;
        cap[0] = 0;
        if (o->json) {
            cJSON *j = cJSON_CreateObject();
            cJSON_AddStringToObject(j, "path", o->pos[i]);
            cJSON *arr = cJSON_AddArrayToObject(j, "top");
            for (int k = 0; k < nt; k++) {
                cJSON *e = cJSON_CreateObject();
                cJSON_AddNumberToObject(e, "index", single ? 1 : top[k].index);
                if (label_name(&lab, top[k].index)) {
                    cJSON_AddStringToObject(e, "wnid", label_wnid(&lab, top[k].index));
                    cJSON_AddStringToObject(e, "name", label_name(&lab, top[k].index));
                }
                cJSON_AddNumberToObject(e, "probability", top[k].score);
                cJSON_AddItemToArray(arr, e);
            }
            char *t = cJSON_PrintUnformatted(j);
            printf("%s\n", t);
            free(t);
            cJSON_Delete(j);
        } else {
            printf("%s\n", o->pos[i]);
        }
        for (int k = 0; k < nt; k++) {
            const char *nm = label_name(&lab, top[k].index);
            char line[512];
            if (single)
                snprintf(line, sizeof line, "P(class 1) = %.6f", top[k].score);
            else if (nm)
                snprintf(line, sizeof line, "%d. %s %s %.6f (index %d)", k + 1,
                         label_wnid(&lab, top[k].index), nm, top[k].score, top[k].index);
            else
                snprintf(line, sizeof line, "%d. class %d %.6f", k + 1, top[k].index,
                         top[k].score);
            if (!o->json)
                printf("  %s\n", line);
            cl += (size_t)snprintf(cap + cl, cl < sizeof cap ? sizeof cap - cl : 0, "%s%s",
                                   k ? "; " : "", line);
            if (cl >= sizeof cap)
                cl = sizeof cap - 1;
        }
        fflush(stdout);
        caps[i] = malloc(strlen(o->pos[i]) + strlen(cap) + 4);
        sprintf(caps[i], "%s: %s", o->pos[i], cap);
        ents[ne++] = (viz_report_entry){"predict", "", caps[i], s.model_path, s.device, ms};
    }
    if (!rc && o->out_given)
        rc = report(o, &s, ents, ne);
    for (int i = 0; i < o->npos; i++)
        free(caps[i]);
    free(caps);
    free(ents);
    free(x);
    free(top);
    viz_labels_free(&lab);
    close_session(&s);
    return rc;
}

/* ---- activations --------------------------------------------------------------------------- */
static int cmd_activations(options *o)
{
    if (o->npos != 1)
        die_usage("activations ", "expected one IMAGE");
    session s;
    if (open_session(o, &s, 1))
        return 1;
    int rc = 0, *layers = NULL, nl = 0;
    float *x = NULL;
    viz_act_result *res = NULL;
    if (o->layers) {
        if ((rc = parse_layers(s.model, o->layers, &layers, &nl)))
            goto done;
    } else {
        layers = calloc(8, sizeof *layers);
        nl = viz_act_default_layers(s.model, layers, 8);
        if (!nl) {
            rc = fail("%s: none of the first 8 layers can be drawn; use --layers",
                      s.model_path);
            goto done;
        }
    }
    for (int i = 0; i < nl; i++)
        if (!viz_act_drawable(s.model, layers[i])) {
            clvis_shape sh = clvis_model_layer_shape(s.model, layers[i]);
            rc = fail("layer '%s' (%s, output %dx%dx%d) cannot be drawn: it needs a spatial "
                      "output with at least 16 channels",
                      clvis_model_layer_name(s.model, layers[i]),
                      clvis_model_layer_type(s.model, layers[i]), sh.h, sh.w, sh.c);
            goto done;
        }
    if ((rc = prepare_out(o->out)))
        goto done;
    x = malloc(viz_input_count(s.model) * sizeof *x);
    res = calloc((size_t)nl, sizeof *res);
    double t0 = now_ms();
    clvis_status st = viz_load_input(s.model, o->pos[0], o->preprocess, x, NULL);
    if (!st)
        st = viz_activations(s.model, x, layers, nl, o->out, res, NULL, progress, NULL);
    if (st) {
        rc = fail_st(st);
        goto done;
    }
    double ms = now_ms() - t0;
    viz_report_entry *e = calloc((size_t)nl, sizeof *e);
    char (*caps)[512] = calloc((size_t)nl, sizeof *caps);
    char (*files)[300] = calloc((size_t)nl, sizeof *files);
    printf("%-28s %-16s %8s %6s  %s\n", "layer", "shape", "zeros", "dead", "file");
    for (int i = 0; i < nl; i++) {
        const char *name = clvis_model_layer_name(s.model, layers[i]);
        char shape[64];
        snprintf(shape, sizeof shape, "%dx%dx%d", res[i].h, res[i].w, res[i].c);
        printf("%-28s %-16s %7.2f%% %6d  %s\n", name, shape, 100 * res[i].zero_fraction,
               res[i].dead, res[i].file);
        const char *b = strrchr(res[i].file, '/');
        snprintf(files[i], sizeof files[i], "%s", b ? b + 1 : res[i].file);
        snprintf(caps[i], sizeof caps[i],
                 "%s (%s) of %s: %s, %.1f%% zeros (sparsity), %d dead channels", name,
                 clvis_model_layer_type(s.model, layers[i]), o->pos[0], shape,
                 100 * res[i].zero_fraction, res[i].dead);
        e[i] = (viz_report_entry){"activations", files[i], caps[i], s.model_path, s.device,
                                  ms / nl};
    }
    rc = report(o, &s, e, nl);
    free(e);
    free(caps);
    free(files);
done:
    free(layers);
    free(x);
    free(res);
    close_session(&s);
    return rc;
}

/* ---- filters ------------------------------------------------------------------------------- */
/* --init: a PNG/JPEG (RGB values 0..255 as floats), or FILE.h5[:DATASET] of size*size*3 floats
 * (a leading batch dimension of 1 is fine); default dataset "start", else "filters/start". */
static int load_init(const char *spec, int size, float **out)
{
    size_t need = (size_t)size * size * 3;
    const char *colon = strrchr(spec, ':');
    char path[1024];
    const char *dset = NULL;
    snprintf(path, sizeof path, "%s", spec);
    if (colon && !file_exists(spec)) {
        path[colon - spec] = 0;
        dset = colon + 1;
    }
    float *x = malloc(need * sizeof *x);
    if (!x)
        return fail("out of memory");
    if (H5Fis_hdf5(path) > 0) {
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        if (f < 0) {
            free(x);
            return fail("%s: cannot open HDF5 file", path);
        }
        const char *cands[] = {dset, "start", "filters/start"};
        const char *use = NULL;
        for (int i = 0; i < 3 && !use; i++)
            if (cands[i] && H5LTfind_dataset(f, cands[i]) >= 0 &&
                H5Lexists(f, cands[i], H5P_DEFAULT) > 0)
                use = cands[i];
        int rank = 0;
        hsize_t dims[8];
        size_t n = 0;
        if (use && H5LTget_dataset_ndims(f, use, &rank) >= 0 && rank <= 8 &&
            H5LTget_dataset_info(f, use, dims, NULL, NULL) >= 0) {
            n = 1;
            for (int i = 0; i < rank; i++)
                n *= dims[i];
        }
        if (!use || n != need || H5LTread_dataset_float(f, use, x) < 0) {
            H5Fclose(f);
            free(x);
            return fail("%s: %s%s must be a float dataset of %dx%dx3 values", path,
                        use ? "dataset " : "no dataset 'start'", use ? use : "", size, size);
        }
        H5Fclose(f);
    } else {
        image8 img = {0};
        clvis_status st = image_load(path, &img);
        if (st) {
            free(x);
            return fail_st(st);
        }
        if (img.w != size || img.h != size) {
            image_free(&img);
            free(x);
            return fail("%s: start image is %dx%d, the pattern size is %dx%d", path, img.w, img.h,
                        size, size);
        }
        for (size_t i = 0; i < need; i++)
            x[i] = img.px[i];
        image_free(&img);
    }
    *out = x;
    return 0;
}

static int cmd_filters(options *o)
{
    if (o->npos)
        die_usage("filters ", "unexpected argument '%s'", o->pos[0]);
    if (o->filter >= 0 && !o->layer)
        die_usage("filters ", "--filter needs --layer");
    if (o->layer && o->layers)
        die_usage("filters ", "give --layer (one pattern / one grid) or --layers (grids)");
    session s;
    if (open_session(o, &s, 1))
        return 1;
    int rc = 0, *layers = NULL, nl = 0;
    float *init = NULL;
    clvis_shape in = clvis_model_input_shape(s.model);
    /* the book: generate_pattern(size=150) for one pattern, 64x64 cells in the grids */
    int size = o->size ? (int)o->size : (o->filter >= 0 ? 150 : 64);
    if (in.c != 3) {
        rc = fail("%s: filter patterns need an RGB model input (got %d channels)", s.model_path,
                  in.c);
        goto done;
    }
    if (size < 8 || size > 4096) {
        rc = fail("--size %d: choose 8..4096", size);
        goto done;
    }
    if (clvis_model_set_input_size(s.model, size, size) != CLVIS_OK) {
        rc = fail("--size %d: %s", size, clvis_last_error());
        goto done;
    }
    if (o->layer) {
        layers = calloc(1, sizeof *layers);
        nl = 1;
        if ((rc = find_layer(s.model, o->layer, &layers[0])))
            goto done;
    } else if (o->layers) {
        if ((rc = parse_layers(s.model, o->layers, &layers, &nl)))
            goto done;
    } else {
        static const char *vgg[] = {"block1_conv1", "block2_conv1", "block3_conv1",
                                    "block4_conv1"};
        layers = calloc(4, sizeof *layers);
        for (int i = 0; i < 4; i++) {
            int id;
            if (!clvis_model_find_layer(s.model, vgg[i], &id))
                layers[nl++] = id;
        }
        if (nl == 0) /* not a VGG: the first four convolution layers */
            for (int i = 1; i < clvis_model_layer_count(s.model) && nl < 4; i++)
                if (strstr(clvis_model_layer_type(s.model, i), "Conv"))
                    layers[nl++] = i;
        if (nl == 0) {
            rc = fail("%s has no convolution layer; use --layers", s.model_path);
            goto done;
        }
    }
    for (int i = 0; i < nl; i++) {
        clvis_shape sh = clvis_model_layer_shape(s.model, layers[i]);
        if (layers[i] == 0 || (sh.h == 1 && sh.w == 1)) {
            rc = fail("layer '%s' (%s) has no spatial feature maps for filter patterns",
                      clvis_model_layer_name(s.model, layers[i]),
                      clvis_model_layer_type(s.model, layers[i]));
            goto done;
        }
        if (o->filter >= sh.c) {
            rc = fail("filter %ld out of range: layer '%s' has %d filters (0..%d)", o->filter,
                      clvis_model_layer_name(s.model, layers[i]), sh.c, sh.c - 1);
            goto done;
        }
    }
    if (o->init && (rc = load_init(o->init, size, &init)))
        goto done;
    if ((rc = prepare_out(o->out)))
        goto done;
    viz_filter_opts fo;
    viz_filter_opts_default(&fo);
    fo.seed = (uint32_t)o->seed;
    fo.steps = (int)o->steps;
    fo.chunk = (int)o->chunk;
    fo.init = init;
    /* the book feeds the image raw; --preprocess puts that preprocessing in front of the model */
    fo.preprocess = o->preprocess >= 0 ? (clvis_preprocess)o->preprocess : CLVIS_PREPROCESS_RAW;
    viz_report_entry *e = calloc((size_t)nl, sizeof *e);
    char (*caps)[512] = calloc((size_t)nl, sizeof *caps);
    char (*files)[300] = calloc((size_t)nl, sizeof *files);
    int ne = 0;
    for (int i = 0; i < nl && !rc; i++) {
        const char *name = clvis_model_layer_name(s.model, layers[i]);
        double t0 = now_ms();
        image8 img = {0};
        clvis_status st;
        if (o->filter >= 0) {
            snprintf(files[ne], sizeof files[ne], "pattern_%s_%ld.png", name, o->filter);
            int f = (int)o->filter;
            st = image_alloc(&img, size, size, 3);
            if (!st)
                st = viz_filter_patterns(s.model, layers[i], &f, 1, NULL, &fo, NULL, img.px,
                                         NULL, progress, NULL);
            snprintf(caps[ne], sizeof caps[ne],
                     "pattern of filter %ld of %s, %dx%d, %d steps, %s", o->filter, name, size,
                     size, fo.steps, init ? "start from --init" : "seeded start");
        } else {
            snprintf(files[ne], sizeof files[ne], "filters_%s.png", name);
            st = viz_filter_grid_layer(s.model, layers[i], &fo, &img, progress, NULL);
            snprintf(caps[ne], sizeof caps[ne],
                     "filter patterns of %s: filters 0..63 (filter i+8j at row i, column j), "
                     "%dx%d each, %d steps, seed %ld",
                     name, size, size, fo.steps, o->seed);
        }
        char path[1400];
        if (!st)
            st = viz_path(path, sizeof path, o->out, files[ne]);
        if (!st)
            st = image_write_png(path, &img);
        image_free(&img);
        if (st) {
            rc = fail_st(st);
            break;
        }
        double ms = now_ms() - t0;
        printf("%s %.0f ms\n", path, ms);
        fflush(stdout);
        e[ne] = (viz_report_entry){"filters", files[ne], caps[ne], s.model_path, s.device, ms};
        ne++;
    }
    if (ne)
        rc |= report(o, &s, e, ne);
    free(e);
    free(caps);
    free(files);
done:
    free(layers);
    free(init);
    close_session(&s);
    return rc;
}

/* ---- gradcam ------------------------------------------------------------------------------- */
/* Grad-CAM of one image: the two PNGs (both or neither), a line or a JSON object on stdout,
 * and its entries in the index page. */
static int gradcam_one(options *o, session *s, const viz_labels *labp, const viz_gradcam_opts *gop,
                       const char *path, float *x)
{
    int rc = 0;
    image8 orig = {0}, mapimg = {0}, over = {0};
    viz_gradcam_result r = {0};
    viz_gradcam_opts go = *gop;
    double t0 = now_ms();
    clvis_status st = viz_load_input(s->model, path, o->preprocess, x, &orig);
    if (!st)
        st = viz_gradcam(s->model, x, &go, &r);
    if (!st)
        st = viz_map_viridis(&mapimg, r.map, r.h, r.w, 224);
    if (!st)
        st = viz_overlay(&over, &orig, r.map, r.h, r.w);
    char stem[200], fmap[300], fover[300], pmap[1400], pover[1400];
    stem_of(path, stem, sizeof stem);
    snprintf(fmap, sizeof fmap, "gradcam_%s_map.png", stem);
    snprintf(fover, sizeof fover, "gradcam_%s_overlay.png", stem);
    if (!st)
        st = viz_path(pmap, sizeof pmap, o->out, fmap);
    if (!st)
        st = viz_path(pover, sizeof pover, o->out, fover);
    if (!st)
        st = image_write_png(pmap, &mapimg);
    if (!st && (st = image_write_png(pover, &over)))
        unlink(pmap); /* both or neither */
    if (st) {
        rc = fail_st(st);
        goto done;
    }
    double ms = now_ms() - t0;
    const char *lname = clvis_model_layer_name(s->model, r.layer);
    const char *cname = label_name(labp, r.cls);
    if (r.all_nonpositive && !g_quiet)
        fprintf(stderr, "clvis: the Grad-CAM map of class %d is <= 0 everywhere (no positive "
                        "evidence at layer %s); written black\n", r.cls, lname);
    if (o->json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "path", path);
        cJSON_AddNumberToObject(j, "class", r.cls);
        if (cname) {
            cJSON_AddStringToObject(j, "wnid", label_wnid(labp, r.cls));
            cJSON_AddStringToObject(j, "name", cname);
        }
        cJSON_AddNumberToObject(j, "probability", r.prob);
        cJSON_AddStringToObject(j, "score", o->logit ? "logit" : "prob");
        cJSON_AddNumberToObject(j, "score_value", r.score);
        cJSON_AddStringToObject(j, "layer", lname);
        cJSON_AddBoolToObject(j, "all_nonpositive", r.all_nonpositive);
        cJSON *rows = cJSON_AddArrayToObject(j, "map");
        for (int y = 0; y < r.h; y++) {
            cJSON *row = cJSON_CreateArray();
            for (int xx = 0; xx < r.w; xx++)
                cJSON_AddItemToArray(row, cJSON_CreateNumber(r.map[y * r.w + xx]));
            cJSON_AddItemToArray(rows, row);
        }
        cJSON *files = cJSON_AddArrayToObject(j, "files");
        cJSON_AddItemToArray(files, cJSON_CreateString(pmap));
        cJSON_AddItemToArray(files, cJSON_CreateString(pover));
        char *t = cJSON_PrintUnformatted(j);
        printf("%s\n", t);
        free(t);
        cJSON_Delete(j);
    } else {
        printf("%s: class %d %s%s%s probability %.6f", path, r.cls, cname ? label_wnid(labp, r.cls) : "",
               cname ? " " : "", cname ? cname : "", r.prob);
        if (o->logit)
            printf(" logit %.6f", r.score);
        printf("\nlayer %s, map %dx%d (%s)%s\n%s\n%s\n", lname, r.h, r.w,
               o->logit ? "logit score, channel sum" : "probability score, channel mean",
               r.all_nonpositive ? ", all <= 0: black" : "", pmap, pover);
    }
    char cap[1024];
    snprintf(cap, sizeof cap, "Grad-CAM of %s for class %d%s%s (p = %.4f), layer %s, %s%s",
             path, r.cls, cname ? " " : "", cname ? cname : "", r.prob, lname,
             o->logit ? "logit / channel sum" : "probability / channel mean (book)",
             r.all_nonpositive ? "; map all <= 0, written black" : "");
    char cap2[1100];
    snprintf(cap2, sizeof cap2, "raw %dx%d map: %s", r.h, r.w, cap);
    viz_report_entry e[2] = {{"gradcam", fmap, cap2, s->model_path, s->device, ms},
                             {"gradcam", fover, cap, s->model_path, s->device, ms}};
    rc = report(o, s, e, 2);
done:
    image_free(&orig);
    image_free(&mapimg);
    image_free(&over);
    viz_gradcam_free(&r);
    return rc;
}

static int cmd_gradcam(options *o)
{
    if (o->npos < 1)
        die_usage("gradcam ", "expected at least one IMAGE");
    session s;
    if (open_session(o, &s, 1))
        return 1;
    int rc = 0;
    float *x = NULL;
    viz_labels lab = {0};
    viz_gradcam_opts go = {-1, (int)o->cls, o->logit};
    if (o->layer && (rc = find_layer(s.model, o->layer, &go.layer)))
        goto done;
    if (go.cls >= viz_output_count(s.model)) {
        rc = fail("class %d out of range: %s has %d classes (0..%d)", go.cls, s.model_path,
                  viz_output_count(s.model), viz_output_count(s.model) - 1);
        goto done;
    }
    if ((rc = load_labels(o, s.model, &lab)))
        goto done;
    if ((rc = prepare_out(o->out)))
        goto done;
    x = malloc(viz_input_count(s.model) * sizeof *x);
    if (!x) {
        rc = fail("out of host memory");
        goto done;
    }
    /* one image after another in one process: buffers are planned once and reused */
    for (int i = 0; i < o->npos && !rc; i++)
        rc = gradcam_one(o, &s, &lab, &go, o->pos[i], x);
done:
    free(x);
    viz_labels_free(&lab);
    close_session(&s);
    return rc;
}

/* ---- dump ---------------------------------------------------------------------------------- */
static int cmd_dump(options *o)
{
    if (o->npos != 1)
        die_usage("dump ", "expected one IMAGE");
    session s;
    if (open_session(o, &s, 1))
        return 1;
    clvis_model *m = s.model;
    int rc = 0, n = clvis_model_layer_count(m), gl = -1, gc = -1;
    float *x = NULL, *buf = NULL, *seed = NULL;
    if (o->grad) {
        char name[256];
        const char *c = strrchr(o->grad, ':');
        if (!c || c == o->grad || (size_t)(c - o->grad) >= sizeof name)
            die_usage("dump ", "--grad expects LAYER:CHANNEL");
        memcpy(name, o->grad, (size_t)(c - o->grad));
        name[c - o->grad] = 0;
        gc = (int)parse_long("dump ", "grad", c + 1, 0, INT_MAX);
        if ((rc = find_layer(m, name, &gl)))
            goto done;
        if (gc >= clvis_model_layer_shape(m, gl).c) {
            rc = fail("--grad: channel %d out of range for layer '%s' (%d channels)", gc, name,
                      clvis_model_layer_shape(m, gl).c);
            goto done;
        }
    }
    if ((rc = prepare_out(o->out)))
        goto done;
    size_t maxc = 0;
    for (int i = 0; i < n; i++) {
        clvis_shape sh = clvis_model_layer_shape(m, i);
        size_t c = (size_t)sh.h * sh.w * sh.c;
        maxc = c > maxc ? c : maxc;
    }
    x = malloc(viz_input_count(m) * sizeof *x);
    buf = malloc(maxc * sizeof *buf);
    clvis_status st = viz_load_input(m, o->pos[0], o->preprocess, x, NULL);
    if (!st)
        st = clvis_model_forward(m, x, 1, -1);
    if (st) {
        rc = fail_st(st);
        goto done;
    }
    char stem[200], fname[300], path[1400], tmp[1500];
    stem_of(o->pos[0], stem, sizeof stem);
    snprintf(fname, sizeof fname, "dump_%s.h5", stem);
    if ((st = viz_path(path, sizeof path, o->out, fname))) {
        rc = fail_st(st);
        goto done;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) {
        rc = fail("%s: cannot create", tmp);
        goto done;
    }
    hid_t ga = H5Gcreate2(f, "act", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int ok = ga >= 0;
    for (int i = 0; i < n && ok; i++) {
        clvis_shape sh = clvis_model_layer_shape(m, i);
        hsize_t dims[4] = {1, (hsize_t)sh.h, (hsize_t)sh.w, (hsize_t)sh.c};
        int flat = sh.h == 1 && sh.w == 1 && i > 0;
        if (flat)
            dims[1] = (hsize_t)sh.c;
        ok = !clvis_model_read(m, i, buf) &&
             H5LTmake_dataset_float(ga, clvis_model_layer_name(m, i), flat ? 2 : 4, dims, buf) >=
                 0;
    }
    if (ga >= 0)
        H5Gclose(ga);
    if (ok && gl >= 0) {
        clvis_shape sh = clvis_model_layer_shape(m, gl);
        size_t cnt = (size_t)sh.h * sh.w * sh.c;
        seed = calloc(cnt, sizeof *seed);
        for (size_t p = 0; p < (size_t)sh.h * sh.w; p++)
            seed[p * sh.c + gc] = 1.0f / (float)(sh.h * sh.w);
        hid_t gg = H5Gcreate2(f, "grad", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        ok = gg >= 0;
        for (int i = 0; i <= gl && ok; i++) {
            clvis_shape si = clvis_model_layer_shape(m, i);
            hsize_t dims[4] = {1, (hsize_t)si.h, (hsize_t)si.w, (hsize_t)si.c};
            st = clvis_model_backward(m, gl, seed, i, buf);
            if (st == CLVIS_OK)
                ok = H5LTmake_dataset_float(gg, clvis_model_layer_name(m, i), 4, dims, buf) >= 0;
        }
        if (gg >= 0) {
            H5LTset_attribute_string(gg, ".", "of", o->grad);
            H5Gclose(gg);
        }
    }
    H5Fclose(f);
    if (!ok || rename(tmp, path)) {
        unlink(tmp);
        rc = fail("%s: writing the dump failed (%s)", path, clvis_last_error());
        goto done;
    }
    printf("%s\n", path);
done:
    free(x);
    free(buf);
    free(seed);
    close_session(&s);
    return rc;
}

/* ---- bench ------------------------------------------------------------------------------- */
/* `clvis bench` parses its own flags (see bench_help); the work is src/bench/bench.c. */
static void bench_help(FILE *f)
{
    fprintf(f,
            "usage: clvis bench [--device N|cpu|gpu|NAME|all] [--runs N] [--quick]\n"
            "                   [--workload LIST] [--reference N] [--json] [--model FILE]\n"
            "                   [--steps N] [--filter-runs N] [--quiet]\n\n"
            "Standard workloads on one OpenCL device (or every device with --device all):\n"
            "  vgg16_b1, vgg16_b8     VGG16 forward 224x224, batch 1 / 8, to predictions\n"
            "  gradcam                VGG16 Grad-CAM end to end (forward, backward from the top\n"
            "                         class to block5_conv3, map)\n"
            "  filters_block{1,2,3,4}_conv1\n"
            "                         one filter-pattern grid: 64 filters x 40 steps at 64x64 in\n"
            "                         one device batch (as 'clvis filters')\n"
            "  small_convnet          the book's 150x150 convnet forward, every layer read back\n"
            "  op_conv3x3_64_112, op_dense_25088_4096, op_maxpool_64_224, op_relu_64_224\n"
            "                         single ops, batch 1\n"
            "VGG16 and the small convnet get seeded He-uniform random weights (no file needed);\n"
            "--model FILE (or vgg16) uses a real VGG16 file instead.\n\n"
            "Each time is the median of --runs timed runs after one warm-up run (host wall clock\n"
            "including transfers and clFinish). A filter grid's warm-up is a 1-step run and it is\n"
            "timed --filter-runs times (default 1). GFLOP/s counts convolutions and dense layers\n"
            "(2 FLOPs per multiply-add; backward = input gradients). %%peak is against an FMA\n"
            "microkernel (16 float16 FMA chains per work-item) measured on the same device.\n"
            "With several devices, 'max abs' / 'max rel' compare each workload's output with the\n"
            "reference device (the first, or --reference N): rel = max abs / max |reference|.\n\n"
            "options:\n"
            "  --device D     N|cpu|gpu|igpu|NAME or 'all' (default: $CLVIS_DEVICE, else best)\n"
            "  --runs N       timed runs per workload (default 5)\n"
            "  --quick        filter grids run 5 steps instead of 40 (the table says so)\n"
            "  --workload L   comma list of workloads or prefixes (vgg16, filters, op, ...)\n"
            "  --reference N  device index (as 'clvis devices') to compare against\n"
            "  --json         one JSON object per device on stdout\n"
            "  --model FILE   VGG16 Keras file or 'vgg16' (default: random weights)\n"
            "  --steps N      filter-grid steps (default 40)\n"
            "  --filter-runs N  timed runs of each filter grid (default 1)\n"
            "  --quiet        no progress on stderr\n"
            "  --help         this text\n");
}

typedef struct {
    int index;
    char name[400];
    double peak;
    bench_report rep;
    int ok;
} bench_dev;

static int cmd_bench(int argc, char **argv)
{
    const char *device = NULL, *workloads = NULL, *model = NULL;
    int runs = 5, quick = 0, json = 0, ref_index = -1, steps = 0, frun = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define BENCH_VAL(flag)                                                    \
    (!strcmp(a, flag) && (v ? (i++, 1) : (die_usage("bench ", "%s needs a value", flag), 0)))
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            bench_help(stdout);
            return 0;
        } else if (!strcmp(a, "--quick"))
            quick = 1;
        else if (!strcmp(a, "--json"))
            json = 1;
        else if (!strcmp(a, "--quiet"))
            g_quiet = 1;
        else if (BENCH_VAL("--device"))
            device = v;
        else if (BENCH_VAL("--workload"))
            workloads = v;
        else if (BENCH_VAL("--model"))
            model = v;
        else if (BENCH_VAL("--runs"))
            runs = (int)parse_long("bench ", "runs", v, 1, 100000);
        else if (BENCH_VAL("--reference"))
            ref_index = (int)parse_long("bench ", "reference", v, 0, 100000);
        else if (BENCH_VAL("--steps"))
            steps = (int)parse_long("bench ", "steps", v, 1, 100000);
        else if (BENCH_VAL("--filter-runs"))
            frun = (int)parse_long("bench ", "filter-runs", v, 1, 100000);
        else
            die_usage("bench ", "unknown option or argument '%s'", a);
#undef BENCH_VAL
    }
    /* every workload name the selection may match */
    if (workloads) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s", workloads);
        for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
            char one[128];
            snprintf(one, sizeof one, "%s", t);
            int known = 0;
            char names[sizeof BENCH_WORKLOADS];
            memcpy(names, BENCH_WORKLOADS, sizeof names);
            for (char *q = names, *e; q && !known; q = e ? e + 1 : NULL) {
                if ((e = strchr(q, ',')))
                    *e = 0;
                known = bench_selected(one, q);
            }
            if (!known)
                die_usage("bench ", "--workload: unknown workload '%s' (known: %s)", t,
                          BENCH_WORKLOADS);
        }
    }
    bench_opts bo;
    bench_opts_default(&bo);
    bo.runs = runs;
    bo.workloads = workloads;
    bo.model = model;
    bo.filter_steps = steps ? steps : quick ? 5 : 40;
    bo.filter_runs = frun ? frun : 1;

    /* the devices to run */
    int ndev = 1;
    clvis_device_info *all = NULL;
    if (device && !strcmp(device, "all")) {
        clvis_status st = clvis_devices(&all, &ndev);
        if (st)
            return fail_st(st);
    }
    bench_dev *devs = calloc((size_t)ndev, sizeof *devs);
    if (!devs)
        return fail("out of memory");
    int rc = 0;
    for (int d = 0; d < ndev; d++) {
        char sel[32];
        clvis_ctx_options co = {0};
        co.device = device;
        if (all) {
            snprintf(sel, sizeof sel, "%d", all[d].index);
            co.device = sel;
        }
        co.log = log_line;
        clvis_ctx *ctx;
        double t0 = now_ms();
        clvis_status st = clvis_ctx_create(&co, &ctx);
        double ctx_ms = now_ms() - t0;
        if (st) {
            rc = fail_st(st);
            if (!all)
                break;
            continue;
        }
        const clvis_device_info *di = clvis_ctx_device(ctx);
        devs[d].index = di->index;
        snprintf(devs[d].name, sizeof devs[d].name, "%s (%s)", di->name, di->platform);
        progress(NULL, devs[d].name);
        bench_fma_peak(ctx, &devs[d].peak); /* 0 when it cannot run: %peak left blank */
        st = bench_run(ctx, &bo, &devs[d].rep, progress, NULL);
        if (st) {
            rc = fail("%s: %s", devs[d].name, clvis_last_error());
        } else {
            clvis_build_info bi;
            clvis_ctx_build_info(ctx, &bi);
            devs[d].rep.ctx_ms = ctx_ms;
            devs[d].rep.from_cache = bi.from_cache;
            devs[d].rep.build_ms = bi.build_ms;
            devs[d].ok = 1;
        }
        clvis_ctx_destroy(ctx);
    }
    /* the reference device */
    int ref = -1;
    for (int d = 0; d < ndev; d++)
        if (devs[d].ok && (ref_index < 0 ? ref < 0 : devs[d].index == ref_index))
            ref = d;
    if (ref_index >= 0 && ref < 0)
        rc = fail("--reference %d: no such device among those run", ref_index);
    for (int d = 0; d < ndev; d++) {
        if (!devs[d].ok)
            continue;
        bench_report *rp = &devs[d].rep;
        int cmp = ndev > 1 && ref >= 0 && d != ref;
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "device_index", devs[d].index);
            cJSON_AddStringToObject(o, "device", devs[d].name);
            cJSON_AddNumberToObject(o, "fma_peak_gflops", devs[d].peak);
            cJSON_AddNumberToObject(o, "ctx_create_ms", rp->ctx_ms);
            cJSON_AddBoolToObject(o, "kernels_from_cache", rp->from_cache);
            cJSON_AddNumberToObject(o, "kernel_build_ms", rp->build_ms);
            cJSON_AddNumberToObject(o, "model_setup_ms", rp->setup_ms);
            cJSON_AddNumberToObject(o, "filter_steps", bo.filter_steps);
            if (cmp)
                cJSON_AddNumberToObject(o, "reference_device", devs[ref].index);
            cJSON *arr = cJSON_AddArrayToObject(o, "workloads");
            for (int i = 0; i < rp->n; i++) {
                const bench_result *r = &rp->r[i];
                cJSON *w = cJSON_CreateObject();
                cJSON_AddStringToObject(w, "name", r->name);
                cJSON_AddStringToObject(w, "detail", r->detail);
                cJSON_AddNumberToObject(w, "runs", r->runs);
                cJSON_AddNumberToObject(w, "ms", r->ms);
                cJSON_AddNumberToObject(w, "ms_min", r->ms_min);
                cJSON_AddNumberToObject(w, "warmup_ms", r->warmup_ms);
                cJSON_AddNumberToObject(w, "gflop", r->flops / 1e9);
                if (r->flops > 0)
                    cJSON_AddNumberToObject(w, "gflops", r->flops / (r->ms * 1e6));
                if (r->flops > 0 && devs[d].peak > 0)
                    cJSON_AddNumberToObject(w, "peak_fraction",
                                            r->flops / (r->ms * 1e6) / devs[d].peak);
                if (cmp && i < devs[ref].rep.n && devs[ref].rep.r[i].n_out == r->n_out) {
                    double ma, mr;
                    bench_diff(r->out, devs[ref].rep.r[i].out, r->n_out, &ma, &mr);
                    cJSON_AddNumberToObject(w, "max_abs", ma);
                    cJSON_AddNumberToObject(w, "max_rel", mr);
                }
                cJSON_AddItemToArray(arr, w);
            }
            char *txt = cJSON_PrintUnformatted(o);
            printf("%s\n", txt);
            free(txt);
            cJSON_Delete(o);
            continue;
        }
        printf("device %d: %s\n", devs[d].index, devs[d].name);
        printf("  FMA peak %.1f GFLOP/s; context %.0f ms (kernels %s, %.0f ms); model setup "
               "%.0f ms\n",
               devs[d].peak, rp->ctx_ms, rp->from_cache ? "from cache" : "compiled",
               rp->build_ms, rp->setup_ms);
        printf("  median of %d runs after a warm-up (filter grids: %d run(s), %d steps%s)\n",
               bo.runs, bo.filter_runs < bo.runs ? bo.filter_runs : bo.runs, bo.filter_steps,
               bo.filter_steps != 40 ? ", NOT the book's 40" : "");
        if (cmp)
            printf("  differences against device %d\n", devs[ref].index);
        printf("  %-22s %10s %10s %9s %7s", "workload", "ms", "min ms", "GFLOP/s", "%peak");
        if (cmp)
            printf(" %10s %10s", "max abs", "max rel");
        printf("\n");
        for (int i = 0; i < rp->n; i++) {
            const bench_result *r = &rp->r[i];
            printf("  %-22s %10.2f %10.2f", r->name, r->ms, r->ms_min);
            if (r->flops > 0) {
                double gf = r->flops / (r->ms * 1e6);
                printf(" %9.1f", gf);
                if (devs[d].peak > 0)
                    printf(" %6.1f%%", 100 * gf / devs[d].peak);
                else
                    printf(" %7s", "-");
            } else
                printf(" %9s %7s", "-", "-");
            if (cmp && i < devs[ref].rep.n && devs[ref].rep.r[i].n_out == r->n_out) {
                double ma, mr;
                bench_diff(r->out, devs[ref].rep.r[i].out, r->n_out, &ma, &mr);
                printf(" %10.2e %10.2e", ma, mr);
            }
            printf("\n");
        }
        printf("\n");
    }
    for (int d = 0; d < ndev; d++)
        bench_report_free(&devs[d].rep);
    free(devs);
    free(all);
    return rc;
}

/* ---- main ---------------------------------------------------------------------------------- */
#define COMMON (F_DEVICE | F_QUIET)
#define WITH_MODEL (COMMON | F_MODEL | F_ARCH)
static const command_def COMMANDS[] = {
    {"devices", COMMON | F_JSON, "[--json]", "List every OpenCL platform and device."},
    {"info", WITH_MODEL, "[MODEL] [--model FILE]",
     "Print a model.summary()-like table: layer, type, output shape, parameters."},
    {"predict", WITH_MODEL | F_OUT | F_JSON | F_TOP | F_LABELS | F_PREPROCESS,
     "[options] IMAGE...",
     "Top-k predictions (wnid, name, probability for ImageNet models). With --out, adds them\n"
     "to DIR/index.html."},
    {"activations", WITH_MODEL | F_OUT | F_LAYERS | F_PREPROCESS, "[options] IMAGE",
     "Listing 5.31: every channel of the first 8 layers (or --layers) as a 16-per-row grid,\n"
     "viridis, one PNG per layer in DIR (act_<layer>.png); prints shape, zeros, dead channels."},
    {"filters",
     WITH_MODEL | F_OUT | F_SEED | F_LAYERS | F_LAYER | F_FILTER | F_SIZE | F_INIT | F_CHUNK |
         F_STEPS | F_PREPROCESS,
     "[options]",
     "Listings 5.36-5.39: gradient ascent in input space (40 steps, RMS-normalised gradient,\n"
     "start U[0,1)*20+128 from numpy.random.RandomState(--seed)). Grids of filters 0..63 for\n"
     "--layers (default block1_conv1..block4_conv1, or the first four conv layers):\n"
     "filters_<layer>.png; one pattern with --layer L --filter F: pattern_<layer>_<F>.png.\n"
     "The 64 filters of a grid run as one device batch (--chunk to split). The image is fed\n"
     "raw as in the book; --preprocess M puts the model's preprocessing in front of it."},
    {"gradcam", WITH_MODEL | F_OUT | F_JSON | F_LAYER | F_CLASS | F_SCORE | F_LABELS |
                    F_PREPROCESS,
     "[options] IMAGE...",
     "Listings 5.42-5.44: Grad-CAM of the top-1 class (or --class) at the last conv layer (or\n"
     "--layer); writes gradcam_<image>_map.png (the raw map, viridis) and\n"
     "gradcam_<image>_overlay.png (0.4*JET + image, full resolution)."},
    {"dump", WITH_MODEL | F_OUT | F_GRAD | F_PREPROCESS, "[options] IMAGE",
     "Write every layer's output (NHWC) to DIR/dump_<image>.h5 (/act/<layer>); with\n"
     "--grad LAYER:CHANNEL also d mean(channel)/d every earlier layer (/grad/<layer>)."},
    {"bench", COMMON | F_JSON | F_MODEL, "[options]",
     "Benchmark standard workloads on one device or --device all (see 'clvis bench --help')."},
    {NULL, 0, NULL, NULL}};

static void usage_all(FILE *f)
{
    fprintf(f, "usage: clvis COMMAND [options]\n\ncommands:\n");
    for (const command_def *c = COMMANDS; c->name; c++)
        fprintf(f, "  %-12s %s\n", c->name, c->usage);
    fprintf(f, "\n'clvis COMMAND --help' for the options of a command.\n"
               "Exit status: 0 success, 1 runtime failure, 2 usage error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage_all(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage_all(stdout);
        return 0;
    }
    const command_def *c = COMMANDS;
    while (c->name && strcmp(c->name, argv[1]))
        c++;
    if (!c->name) {
        fprintf(stderr, "clvis: unknown command '%s'\n", argv[1]);
        usage_all(stderr);
        return 2;
    }
    if (!strcmp(c->name, "bench"))
        return cmd_bench(argc - 2, argv + 2); /* its own flags: see bench_help */
    options o;
    parse(c, argc - 2, argv + 2, &o);
    int rc;
    if (!strcmp(c->name, "devices"))
        rc = cmd_devices(&o);
    else if (!strcmp(c->name, "info"))
        rc = cmd_info(&o);
    else if (!strcmp(c->name, "predict"))
        rc = cmd_predict(&o);
    else if (!strcmp(c->name, "activations"))
        rc = cmd_activations(&o);
    else if (!strcmp(c->name, "filters"))
        rc = cmd_filters(&o);
    else if (!strcmp(c->name, "gradcam"))
        rc = cmd_gradcam(&o);
    else if (!strcmp(c->name, "dump"))
        rc = cmd_dump(&o);
    else
        rc = 2;
    free(o.pos);
    return rc;
}

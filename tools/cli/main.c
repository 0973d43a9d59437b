/* clvis.c — the command-line tool: parses flags, calls the library pipelines
 * (src/explain/explain.h), prints results on stdout, progress on stderr.
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
#include <dirent.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clvis.h"
#include "io/image.h"
#include "viz/book.h"
#include "explain/explain.h"
#include "bench.h"
#include "cli/args.h"

#ifndef CLVIS_SOURCE_DIR
#define CLVIS_SOURCE_DIR "."
#endif
#define DEFAULT_LABELS "data/imagenet_classes.tsv"

static int g_quiet;

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

static int open_session(const cli_args *o, session *s, int with_model)
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
    char msg[1024];
    return cli_layer_list(m, list, out, n, msg, sizeof msg) ? fail("%s", msg) : 0;
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

/* ---- image lists ----------------------------------------------------------------------------- */
static int is_image_name(const struct dirent *e)
{
    const char *dot = strrchr(e->d_name, '.');
    return e->d_name[0] != '.' && dot &&
           (!strcasecmp(dot, ".png") || !strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"));
}

typedef struct {
    char **path;
    int n;
} image_list;

static void image_list_free(image_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->path[i]);
    free(l->path);
    l->path = NULL;
    l->n = 0;
}

/* The IMAGE arguments, a directory standing for its .png/.jpg/.jpeg files (sorted by name, not
 * recursive): a run over a folder needs no shell glob and no ARG_MAX. */
/* Appends "dir/name" (dir may be NULL) to l; 0 or -1 when out of memory. */
static int image_list_add(image_list *l, const char *dir, const char *name)
{
    size_t dl = dir ? strlen(dir) : 0, len = dl + strlen(name) + 2;
    char *p = malloc(len);
    char **np = realloc(l->path, (size_t)(l->n + 1) * sizeof *np);
    if (np)
        l->path = np;
    if (!p || !np) {
        free(p);
        return -1;
    }
    snprintf(p, len, "%s%s%s", dir ? dir : "", dl && dir[dl - 1] != '/' ? "/" : "", name);
    l->path[l->n++] = p;
    return 0;
}

/* The IMAGE arguments, a directory standing for its .png/.jpg/.jpeg files (sorted by name, not
 * recursive): a run over a folder needs no shell glob and no ARG_MAX. */
static int expand_images(const cli_args *o, image_list *l)
{
    l->path = NULL;
    l->n = 0;
    int rc = 0;
    for (int i = 0; i < o->npos && !rc; i++) {
        struct stat sb;
        if (stat(o->pos[i], &sb) || !S_ISDIR(sb.st_mode)) { /* a file; errors come when read */
            if (image_list_add(l, NULL, o->pos[i]))
                rc = fail("out of host memory");
            continue;
        }
        struct dirent **ents = NULL;
        int ne = scandir(o->pos[i], &ents, is_image_name, alphasort);
        if (ne < 0)
            rc = fail("%s: cannot list the directory: %s", o->pos[i], strerror(errno));
        else if (ne == 0)
            rc = fail("%s: no .png, .jpg or .jpeg files in the directory", o->pos[i]);
        for (int k = 0; k < ne; k++) {
            if (!rc && image_list_add(l, o->pos[i], ents[k]->d_name))
                rc = fail("out of host memory");
            free(ents[k]);
        }
        free(ents);
    }
    if (rc)
        image_list_free(l);
    return rc;
}

/* An input image that cannot be read (missing, not a picture, damaged) is reported and the run
 * goes on with the next one; anything else (device, model, output) ends it. */
static int bad_input(clvis_status st)
{
    return st == CLVIS_ERR_IO || st == CLVIS_ERR_FORMAT;
}

/* After a run over n images of which bad could not be read: the exit status. */
static int finish_images(int rc, int bad, int n)
{
    if (rc)
        return rc;
    if (bad && n > 1)
        return fail("%d of %d images could not be read (each named above)", bad, n);
    return bad ? 1 : 0;
}

static int report(const cli_args *o, const session *s, const viz_report_entry *e, int n)
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
static int load_labels(const cli_args *o, clvis_model *m, viz_labels *lab)
{
    memset(lab, 0, sizeof *lab);
    char buf[1024];
    const char *path = o->labels;
    if (!path && clvis_output_count(m) == 1000)
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

static int cmd_devices(const cli_args *o)
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

static int cmd_info(cli_args *o)
{
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
    int gl = clvis_gradcam_default_layer(m);
    if (gl >= 0)
        printf("Grad-CAM layer (default): %s\n", clvis_model_layer_name(m, gl));
    printf("Outputs: %d\n", clvis_output_count(m));
    close_session(&s);
    return 0;
}

/* ---- predict ----------------------------------------------------------------------------- */
static int cmd_predict(cli_args *o)
{
    session s;
    if (open_session(o, &s, 1))
        return 1;
    viz_labels lab;
    if (load_labels(o, s.model, &lab)) {
        close_session(&s);
        return 1;
    }
    if ((o->given & F_OUT) && prepare_out(o->out)) {
        viz_labels_free(&lab);
        close_session(&s);
        return 1;
    }
    image_list il;
    if (expand_images(o, &il)) {
        viz_labels_free(&lab);
        close_session(&s);
        return 1;
    }
    size_t cnt = clvis_input_count(s.model);
    float *x = malloc(cnt * sizeof *x);
    clvis_prediction *top = calloc((size_t)o->top, sizeof *top);
    viz_report_entry *ents = calloc((size_t)il.n, sizeof *ents);
    char **caps = calloc((size_t)il.n, sizeof *caps);
    int rc = (!x || !top || !ents || !caps) ? fail("out of host memory") : 0, ne = 0, bad = 0;
    int single = clvis_output_count(s.model) == 1;
    for (int i = 0; i < il.n && !rc; i++) {
        const char *path = il.path[i];
        double t0 = now_ms();
        int nt = 0;
        clvis_status st = clvis_input_load(s.model, path, o->preprocess, x, NULL);
        if (bad_input(st)) {
            fail_st(st);
            bad++;
            continue;
        }
        if (!st)
            st = clvis_predict(s.model, x, (int)o->top, top, &nt, NULL, 0, NULL);
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
            cJSON_AddStringToObject(j, "path", path);
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
            printf("%s\n", path);
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
        size_t clen = strlen(path) + strlen(cap) + 4;
        if (!(caps[ne] = malloc(clen))) {
            rc = fail("out of host memory");
            break;
        }
        snprintf(caps[ne], clen, "%s: %s", path, cap);
        ents[ne] = (viz_report_entry){"predict", "", caps[ne], s.model_path, s.device, ms};
        ne++;
    }
    if (!rc && ne && (o->given & F_OUT))
        rc = report(o, &s, ents, ne);
    rc = finish_images(rc, bad, il.n);
    for (int i = 0; caps && i < ne; i++)
        free(caps[i]);
    free(caps);
    image_list_free(&il);
    free(ents);
    free(x);
    free(top);
    viz_labels_free(&lab);
    close_session(&s);
    return rc;
}

/* ---- activations --------------------------------------------------------------------------- */
static int cmd_activations(cli_args *o)
{
    session s;
    if (open_session(o, &s, 1))
        return 1;
    int rc = 0, *layers = NULL, nl = 0;
    float *x = NULL;
    clvis_activation_result *res = NULL;
    if (o->layers) {
        if ((rc = parse_layers(s.model, o->layers, &layers, &nl)))
            goto done;
    } else {
        layers = calloc(8, sizeof *layers);
        nl = clvis_activations_default_layers(s.model, layers, 8);
        if (!nl) {
            rc = fail("%s: none of the first 8 layers can be drawn; use --layers",
                      s.model_path);
            goto done;
        }
    }
    for (int i = 0; i < nl; i++)
        if (!clvis_activations_drawable(s.model, layers[i])) {
            clvis_shape sh = clvis_model_layer_shape(s.model, layers[i]);
            rc = fail("layer '%s' (%s, output %dx%dx%d) cannot be drawn: it needs a spatial "
                      "output with at least 16 channels",
                      clvis_model_layer_name(s.model, layers[i]),
                      clvis_model_layer_type(s.model, layers[i]), sh.h, sh.w, sh.c);
            goto done;
        }
    if ((rc = prepare_out(o->out)))
        goto done;
    x = malloc(clvis_input_count(s.model) * sizeof *x);
    res = calloc((size_t)nl, sizeof *res);
    double t0 = now_ms();
    clvis_status st = clvis_input_load(s.model, o->pos[0], o->preprocess, x, NULL);
    if (!st)
        st = clvis_activations(s.model, x, layers, nl, o->out, res, NULL, progress, NULL);
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

static int cmd_filters(cli_args *o)
{
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
    clvis_filter_options fo;
    clvis_filter_options_default(&fo);
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
                st = clvis_filter_patterns(s.model, layers[i], &f, 1, NULL, &fo, NULL, img.px,
                                         NULL, progress, NULL);
            snprintf(caps[ne], sizeof caps[ne],
                     "pattern of filter %ld of %s, %dx%d, %d steps, %s", o->filter, name, size,
                     size, fo.steps, init ? "start from --init" : "seeded start");
        } else {
            snprintf(files[ne], sizeof files[ne], "filters_%s.png", name);
            st = clvis_filters(s.model, layers[i], &fo, &img, progress, NULL);
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
#define IMAGE_BAD 3 /* gradcam_one: this input could not be read; go on */
static int gradcam_one(cli_args *o, session *s, const viz_labels *labp, const clvis_gradcam_options *gop,
                       const char *path, float *x)
{
    int rc = 0;
    image8 orig = {0}, mapimg = {0}, over = {0};
    clvis_gradcam_result r = {0};
    clvis_gradcam_options go = *gop;
    double t0 = now_ms();
    clvis_status st = clvis_input_load(s->model, path, o->preprocess, x, &orig);
    if (bad_input(st)) {
        fail_st(st);
        return IMAGE_BAD;
    }
    if (!st)
        st = clvis_gradcam(s->model, x, &go, &r);
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
    clvis_gradcam_free(&r);
    return rc;
}

static int cmd_gradcam(cli_args *o)
{
    session s;
    if (open_session(o, &s, 1))
        return 1;
    int rc = 0;
    float *x = NULL;
    viz_labels lab = {0};
    clvis_gradcam_options go = {-1, (int)o->cls, o->logit, NULL};
    image_list il = {0};
    if (o->layer && (rc = find_layer(s.model, o->layer, &go.layer)))
        goto done;
    if (go.cls >= clvis_output_count(s.model)) {
        rc = fail("class %d out of range: %s has %d classes (0..%d)", go.cls, s.model_path,
                  clvis_output_count(s.model), clvis_output_count(s.model) - 1);
        goto done;
    }
    if ((rc = load_labels(o, s.model, &lab)))
        goto done;
    if ((rc = expand_images(o, &il)) || (rc = prepare_out(o->out)))
        goto done;
    x = malloc(clvis_input_count(s.model) * sizeof *x);
    if (!x) {
        rc = fail("out of host memory");
        goto done;
    }
    /* one image after another in one process: buffers are planned once and reused */
    int bad = 0;
    for (int i = 0; i < il.n && !rc; i++)
        if ((rc = gradcam_one(o, &s, &lab, &go, il.path[i], x)) == IMAGE_BAD) {
            bad++;
            rc = 0;
        }
    rc = finish_images(rc, bad, il.n);
done:
    image_list_free(&il);
    free(x);
    viz_labels_free(&lab);
    close_session(&s);
    return rc;
}

/* ---- dump ---------------------------------------------------------------------------------- */
static int cmd_dump(cli_args *o)
{
    session s;
    if (open_session(o, &s, 1))
        return 1;
    clvis_model *m = s.model;
    int rc = 0, n = clvis_model_layer_count(m), gl = -1, gc = -1;
    float *x = NULL, *buf = NULL, *seed = NULL;
    if (o->grad) {
        const char *name = o->grad_layer;
        gc = (int)o->grad_channel;
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
    x = malloc(clvis_input_count(m) * sizeof *x);
    buf = malloc(maxc * sizeof *buf);
    clvis_status st = clvis_input_load(m, o->pos[0], o->preprocess, x, NULL);
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
/* `clvis bench`: the work is tools/bench/bench.c. */
typedef struct {
    int index;
    char name[400];
    double peak;
    bench_report rep;
    int ok;
} bench_dev;

static int cmd_bench(cli_args *o)
{
    const char *device = o->device;
    int json = o->json, ref_index = (int)o->reference;
    bench_opts bo;
    bench_opts_default(&bo);
    bo.runs = (int)o->runs;
    bo.workloads = o->workloads;
    bo.model = o->model;
    bo.filter_steps = (o->given & F_STEPS) ? (int)o->steps : o->quick ? 5 : 40;
    bo.filter_runs = (int)o->filter_runs;

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
            cJSON *jo = cJSON_CreateObject();
            cJSON_AddNumberToObject(jo, "device_index", devs[d].index);
            cJSON_AddStringToObject(jo, "device", devs[d].name);
            cJSON_AddNumberToObject(jo, "fma_peak_gflops", devs[d].peak);
            cJSON_AddNumberToObject(jo, "ctx_create_ms", rp->ctx_ms);
            cJSON_AddBoolToObject(jo, "kernels_from_cache", rp->from_cache);
            cJSON_AddNumberToObject(jo, "kernel_build_ms", rp->build_ms);
            cJSON_AddNumberToObject(jo, "model_setup_ms", rp->setup_ms);
            cJSON_AddNumberToObject(jo, "filter_steps", bo.filter_steps);
            if (cmp)
                cJSON_AddNumberToObject(jo, "reference_device", devs[ref].index);
            cJSON *arr = cJSON_AddArrayToObject(jo, "workloads");
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
            char *txt = cJSON_PrintUnformatted(jo);
            printf("%s\n", txt);
            free(txt);
            cJSON_Delete(jo);
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
int main(int argc, char **argv)
{
    cli_args o;
    char msg[1024];
    cli_result r = cli_parse(argc - 1, argv + 1, &o, msg, sizeof msg);
    if (r == CLI_HELP) {
        if (o.cmd)
            cli_help(stdout, o.cmd);
        else
            cli_usage_all(stdout);
        cli_free(&o);
        return 0;
    }
    if (r == CLI_USAGE) {
        fprintf(stderr, "clvis: %s\n", msg);
        if (o.cmd)
            fprintf(stderr, "Try 'clvis %s --help'.\n", o.cmd->name);
        else
            cli_usage_all(stderr);
        cli_free(&o);
        return 2;
    }
    g_quiet = o.quiet;
    const char *n = o.cmd->name;
    int rc = !strcmp(n, "devices")       ? cmd_devices(&o)
             : !strcmp(n, "info")        ? cmd_info(&o)
             : !strcmp(n, "predict")     ? cmd_predict(&o)
             : !strcmp(n, "activations") ? cmd_activations(&o)
             : !strcmp(n, "filters")     ? cmd_filters(&o)
             : !strcmp(n, "gradcam")     ? cmd_gradcam(&o)
             : !strcmp(n, "dump")        ? cmd_dump(&o)
             : !strcmp(n, "bench")       ? cmd_bench(&o)
                                         : 2;
    cli_free(&o);
    return rc;
}

/* compare.c — the comparison of CAM methods on one photo (compare.h). */
#include "cli/compare.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common.h"
#include "cli/report.h"
#include "cli/targets.h"
#include "cli/thumb.h"
#include "cli/util.h"

/* pic, fitted into the cell whose top-left corner is (x0, y0) of out, centred */
static clvis_status put_cell(clvis_image *out, const clvis_image *pic, int x0, int y0)
{
    clvis_image t;
    clvis_status st = thumb_make(&t, pic, COMPARE_CELL);
    if (st)
        return st;
    int ox = x0 + (COMPARE_CELL - t.w) / 2, oy = y0 + (COMPARE_CELL - t.h) / 2;
    for (int y = 0; y < t.h; y++)
        for (int x = 0; x < t.w; x++)
            for (int k = 0; k < 3; k++) /* gray and RGBA pictures: the first channels */
                out->px[((size_t)(oy + y) * out->w + ox + x) * 3 + k] =
                    t.px[((size_t)y * t.w + x) * t.c + (k < t.c ? k : 0)];
    clvis_image_free(&t);
    return CLVIS_OK;
}

clvis_status compare_grid(clvis_image *out, const clvis_image *maps, const clvis_image *overs,
                          int n)
{
    memset(out, 0, sizeof *out);
    if (n < 1 || n > 4096 || !maps || !overs)
        return CLVIS_ERR_INVALID_ARG;
    int w = n * COMPARE_CELL + (n + 1) * COMPARE_GAP, h = 2 * COMPARE_CELL + 3 * COMPARE_GAP;
    out->px = malloc((size_t)w * h * 3);
    if (!out->px)
        return CLVIS_ERR_NO_MEMORY;
    out->w = w, out->h = h, out->c = 3;
    memset(out->px, 255, (size_t)w * h * 3);
    clvis_status st = CLVIS_OK;
    for (int i = 0; i < n && !st; i++) {
        int x0 = COMPARE_GAP + i * (COMPARE_CELL + COMPARE_GAP);
        st = put_cell(out, &maps[i], x0, COMPARE_GAP);
        if (!st)
            st = put_cell(out, &overs[i], x0, 2 * COMPARE_GAP + COMPARE_CELL);
    }
    if (st)
        clvis_image_free(out);
    return st;
}

/* --metric: each method's scores by clvis_evaluate, in the order of the list */
typedef struct {
    int n;
    char name[COMPARE_MAX_METRICS][32];
    double v[CLI_MAX_METHODS][COMPARE_MAX_METRICS];
    double ms[CLI_MAX_METHODS];
} metric_table;

/* The names of o->metrics (checked by the parser) into t. */
static void metric_names(const cli_args *o, metric_table *t)
{
    t->n = 0;
    for (const char *p = o->metrics; p && *p && t->n < COMPARE_MAX_METRICS;) {
        size_t len = strcspn(p, ",");
        if (len)
            snprintf(t->name[t->n++], sizeof t->name[0], "%.*s", (int)(len < 31 ? len : 31), p);
        p += len;
        p += *p == ',';
    }
}

/* Method i's metrics of its raw map c on x (the photo as loaded): 0, or 1 after cli_fail. */
static int method_metrics(cli_args *o, session *s, const float *x, const gradcam_call *c, int i,
                          metric_table *t)
{
    double t0 = util_now_ms();
    clvis_evaluate_options eo;
    clvis_evaluate_options_default(&eo);
    eo.batch = (int)o->batch;
    eo.seed = (uint32_t)o->seed;
    eo.steps = (o->given & F_STEPS) ? (int)o->steps : 0;
    for (int k = 0; k < t->n; k++) {
        eo.metric = t->name[k];
        clvis_evaluate_result er;
        clvis_status st = clvis_evaluate(s->model, x, c->raw, c->rh, c->rw, c->cls, &eo, &er);
        if (st)
            return cli_fail_st(st);
        t->v[i][k] = er.value;
        clvis_evaluate_free(&er);
    }
    t->ms[i] = util_now_ms() - t0;
    return 0;
}

/* "drop 12.5, insertion 0.731" of method i */
static void metric_text(const metric_table *t, int i, char *buf, size_t cap)
{
    buf[0] = 0;
    for (int k = 0; k < t->n; k++)
        snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s %.6g", k ? ", " : "", t->name[k],
                 t->v[i][k]);
}

/* The page entry and the --json record (or line) of the grid of path. */
static int grid_report(cli_args *o, session *s, const char *path, const char *file,
                       const char *full, const clvis_image *g, const gradcam_call *c, int n,
                       const metric_table *mt)
{
    char vars[CLI_MAX_METHODS * 64 + 1] = "", cap[CLI_MAX_METHODS * 80 + 400];
    double tot = 0;
    for (int i = 0; i < n; i++) {
        snprintf(vars + strlen(vars), sizeof vars - strlen(vars), "%s%s", i ? "," : "",
                 c[i].variant);
        tot += c[i].ms;
    }
    snprintf(cap, sizeof cap, "%d CAM methods on %s for class %d (left to right: %s; maps above, "
             "overlays below)", n, path, c[0].cls, vars);
    report_entry entry = {.command = "gradcam", .file = file, .caption = cap,
                      .model = s->model_path, .device = s->device, .ms = tot, .image = path,
                      .role = REPORT_ROLE_COMPARE, .variant = vars, .w = g->w, .h = g->h};
    if (o->json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "path", path);
        cJSON_AddStringToObject(j, "comparison", full);
        cJSON_AddNumberToObject(j, "class", c[0].cls);
        cJSON *ms = cJSON_AddArrayToObject(j, "methods");
        for (int i = 0; i < n; i++) {
            cJSON *m = cJSON_CreateObject();
            cJSON_AddStringToObject(m, "variant", c[i].variant);
            cJSON_AddNumberToObject(m, "ms", c[i].ms);
            cJSON_AddNumberToObject(m, "score_value", c[i].score);
            cJSON_AddNumberToObject(m, "probability", c[i].prob);
            if (mt->n) { /* --metric: clvis_evaluate's scores of the method's raw map */
                cJSON *v = cJSON_AddObjectToObject(m, "metric");
                for (int k = 0; k < mt->n; k++)
                    cJSON_AddNumberToObject(v, mt->name[k], mt->v[i][k]);
                cJSON_AddNumberToObject(m, "metric_ms", mt->ms[i]);
            } else
                cJSON_AddNullToObject(m, "metric");
            cJSON_AddItemToArray(ms, m);
        }
        char *t = cJSON_PrintUnformatted(j);
        if (t)
            printf("%s\n", t);
        free(t);
        cJSON_Delete(j);
    } else {
        printf("%s: %d methods compared (%.1f ms in all)\n", path, n, tot);
        for (int i = 0; i < n && mt->n; i++) {
            char txt[COMPARE_MAX_METRICS * 48];
            metric_text(mt, i, txt, sizeof txt);
            printf("  %-16s %8.1f ms  %s\n", c[i].variant, c[i].ms, txt);
        }
        printf("%s\n", full);
    }
    /* the page: the grid, and with --metric a text row of role metric per method (its
     * subject "path for class N" keeps the rows of other photos and classes apart) */
    report_entry e[1 + CLI_MAX_METHODS];
    e[0] = entry;
    int ne = 1;
    char caps[CLI_MAX_METHODS][COMPARE_MAX_METRICS * 48 + 1200];
    for (int i = 0; i < n && mt->n; i++, ne++) {
        char txt[COMPARE_MAX_METRICS * 48];
        metric_text(mt, i, txt, sizeof txt);
        snprintf(caps[i], sizeof caps[i], "%s for class %d: %s", path, c[i].cls, txt);
        e[ne] = (report_entry){.command = "gradcam", .file = "", .caption = caps[i],
                               .model = s->model_path, .device = s->device, .ms = mt->ms[i],
                               .image = path, .role = REPORT_ROLE_METRIC,
                               .variant = c[i].variant};
    }
    return out_report(o, e, ne);
}

int compare_image(cli_args *o, session *s, const labels *labp, const clvis_gradcam_options *gop,
                  const char *path, float *x, out_names *names)
{
    int n = o->nmethods, rc = 0, done = 0;
    gradcam_call c[CLI_MAX_METHODS];
    static metric_table mt;
    metric_names(o, &mt);
    /* the names carry the method, the class (--class given) and the layer (--layer given):
     * <method>_<image>_c<class>_<layer>_*, compare_<image>_c<class>_<layer>_grid.jpg */
    char suffix[160];
    target_suffix(o, gop->cls, suffix, sizeof suffix);
    clvis_image maps[CLI_MAX_METHODS], overs[CLI_MAX_METHODS], grid = {0};
    memset(c, 0, sizeof c);
    int logit = gop->logit;
    for (int i = 0; i < n && !rc; i++) {
        /* with --score logit the book's gradcam is the paper's: run once */
        if (logit && !strcmp(o->methods[i], "gradcam"))
            for (int k = 0; k < n; k++)
                if (!strcmp(o->methods[k], "gradcam-paper"))
                    goto next;
        clvis_gradcam_options go = *gop;
        go.method = o->methods[i];
        c[done] = (gradcam_call){.print = 1, .thumb = !done, .keep = 1, .suffix = suffix};
        rc = gradcam_image(o, s, labp, &go, path, x, names, &c[done]);
        if (!rc && mt.n) /* x: the photo gradcam_image loaded */
            rc = method_metrics(o, s, x, &c[done], done, &mt);
        if (!rc || c[done].raw)
            done++;
    next:;
    }
    for (int i = 0; i < done; i++)
        maps[i] = c[i].map, overs[i] = c[i].over;
    char stem[200], file[300], full[1400];
    clvis_status st = CLVIS_OK;
    if (!rc && done) {
        cli_stem(path, stem, sizeof stem);
        char tail[200];
        snprintf(tail, sizeof tail, "%s_grid.jpg", suffix);
        if (out_name(names, "compare_", stem, tail, path, file, sizeof file) ||
            out_path(full, sizeof full, o->out, file))
            rc = 1;
    }
    if (!rc && done && (st = compare_grid(&grid, maps, overs, done)))
        rc = cli_fail("%s: cannot make its comparison grid (%s)", path,
                      st == CLVIS_ERR_NO_MEMORY ? "out of host memory" : "bad picture");
    if (!rc && done && (st = clvis_image_write_jpeg(full, &grid, 90)))
        rc = cli_fail_st(st);
    if (!rc && done)
        rc = grid_report(o, s, path, file, full, &grid, c, done, &mt);
    clvis_image_free(&grid);
    for (int i = 0; i < done; i++) {
        clvis_image_free(&c[i].map);
        clvis_image_free(&c[i].over);
        free(c[i].raw);
    }
    return rc;
}

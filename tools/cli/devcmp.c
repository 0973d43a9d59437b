/* devcmp.c — one explanation on every device, compared (devcmp.h). */
#include "cli/devcmp.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clvis.h"
#include "cli/common.h"
#include "cli/mapdiff.h"
#include "cli/outdir.h"

typedef struct {
    char *path, *key;
    int cls;
    double score;
    float *map, *attr;
    int ms[3], as[3];
    int nm;                              /* metric scores (evaluate) */
    char mname[DEVCMP_MAX_METRICS][32];
    double mval[DEVCMP_MAX_METRICS];
} rec;

typedef struct {
    int index;      /* the `clvis devices` index */
    char name[400]; /* "name (platform)" */
    char out[1400]; /* DIR/dK */
    int rc;
    rec *r;
    int n, cap;
} dev_run;

static dev_run *cur; /* the run being recorded, NULL outside devcmp_run */
static int pictures;  /* the |a - b| pictures and DIR/dK folders: not for evaluate */

int devcmp_wanted(const cli_args *o)
{
    return o->device && !strcmp(o->device, "all") && !o->split;
}

static float *copy_floats(const float *v, size_t n)
{
    float *c = v ? malloc(n * sizeof *c) : NULL;
    if (c)
        memcpy(c, v, n * sizeof *c);
    return c;
}

void devcmp_record(const char *path, const char *key, int cls, double score, const float *map,
                   int mh, int mw, const float *attr, int ah, int aw, int ac)
{
    if (!cur)
        return;
    if (cur->n == cur->cap) {
        int cap = cur->cap ? 2 * cur->cap : 8;
        rec *r = realloc(cur->r, (size_t)cap * sizeof *r);
        if (!r)
            return; /* out of memory: the image is left out of the comparison, said there */
        cur->r = r, cur->cap = cap;
    }
    rec *e = &cur->r[cur->n];
    memset(e, 0, sizeof *e);
    e->path = strdup(path);
    e->key = strdup(key);
    e->cls = cls, e->score = score;
    e->ms[0] = mh, e->ms[1] = mw, e->ms[2] = 1;
    e->map = copy_floats(map, (size_t)mh * mw);
    if (attr) {
        e->as[0] = ah, e->as[1] = aw, e->as[2] = ac;
        e->attr = copy_floats(attr, (size_t)ah * aw * ac);
    }
    if (!e->path || !e->key || !e->map || (attr && !e->attr)) {
        free(e->path), free(e->key), free(e->map), free(e->attr);
        return;
    }
    cur->n++;
}

void devcmp_metric(const char *name, double value)
{
    if (!cur || !cur->n)
        return;
    rec *e = &cur->r[cur->n - 1];
    if (e->nm == DEVCMP_MAX_METRICS)
        return;
    snprintf(e->mname[e->nm], sizeof e->mname[e->nm], "%s", name);
    e->mval[e->nm++] = value;
}

/* The devices to run: every device, or (test hook) CLVIS_TEST_COMPARE_DEVICES="0,0", a list of
 * device indices (one device twice compares it with itself). */
static int device_list(dev_run **runs, int *n)
{
    clvis_device_info *all = NULL;
    int na = 0;
    clvis_status st = clvis_devices(&all, &na);
    if (st)
        return cli_fail_st(st);
    const char *t = getenv("CLVIS_TEST_COMPARE_DEVICES");
    int cap = na;
    if (t && *t) {
        cap = 1;
        for (const char *p = t; *p; p++)
            cap += *p == ',';
    }
    *runs = calloc((size_t)cap, sizeof **runs);
    if (!*runs) {
        free(all);
        return cli_fail("out of host memory");
    }
    *n = cap;
    const char *p = t;
    for (int k = 0; k < cap; k++) {
        int idx = k;
        if (t && *t) {
            idx = atoi(p);
            p += strcspn(p, ",");
            p += *p == ',';
        }
        (*runs)[k].index = idx;
        for (int i = 0; i < na; i++)
            if (all[i].index == idx)
                snprintf((*runs)[k].name, sizeof (*runs)[k].name, "%s (%s)", all[i].name,
                         all[i].platform);
    }
    free(all);
    return 0;
}

static cJSON *diff_json(const map_diff *d, const int s[3], int rank)
{
    cJSON *j = cJSON_CreateObject();
    cJSON *sh = cJSON_AddArrayToObject(j, "shape");
    for (int k = 0; k < rank; k++)
        cJSON_AddItemToArray(sh, cJSON_CreateNumber(s[k]));
    cJSON_AddNumberToObject(j, "max_abs", d->max_abs); /* +inf (NaN in one only): null */
    cJSON_AddNumberToObject(j, "max_rel", d->max_rel);
    cJSON_AddNumberToObject(j, "floor", d->floor); /* the absolute floor */
    cJSON_AddNumberToObject(j, "nan_one", (double)d->nan_one);
    cJSON_AddNumberToObject(j, "nan_both", (double)d->nan_both);
    return j;
}

static const rec *find_rec(const dev_run *d, const char *key)
{
    for (int i = 0; i < d->n; i++)
        if (!strcmp(d->r[i].key, key))
            return &d->r[i];
    return NULL;
}

/* The picture of |a - b| (a map's cells): DIR/<key>_devdiff_dK.png. 0, or 1 after cli_fail. */
static int diff_picture(const char *dir, const rec *a, const rec *b, int k, char *path,
                        size_t cap)
{
    char name[400];
    snprintf(name, sizeof name, "%s_devdiff_d%d.png", a->key, k);
    if (out_path(path, cap, dir, name))
        return 1;
    float *cells = malloc((size_t)a->ms[0] * a->ms[1] * sizeof *cells);
    if (!cells)
        return cli_fail("out of host memory");
    map_diff_cells(a->map, b->map, a->ms, cells);
    clvis_image img = {0};
    clvis_status st = clvis_map_image(&img, cells, a->ms[0], a->ms[1], 224);
    free(cells);
    if (!st)
        st = clvis_image_write_png(path, &img);
    clvis_image_free(&img);
    return st ? cli_fail_st(st) : 0;
}

static int compare(const cli_args *o, const char *dir, dev_run *runs, int nd)
{
    int rc = 0;
    cJSON *j = o->json ? cJSON_CreateObject() : NULL, *jres = NULL;
    if (j) {
        cJSON_AddStringToObject(j, "compare", "devices");
        cJSON *jd = cJSON_AddArrayToObject(j, "devices");
        for (int k = 0; k < nd; k++) {
            cJSON *e = cJSON_CreateObject();
            char run[16];
            snprintf(run, sizeof run, "d%d", k);
            cJSON_AddStringToObject(e, "run", run);
            cJSON_AddNumberToObject(e, "device_index", runs[k].index);
            cJSON_AddStringToObject(e, "device", runs[k].name);
            if (pictures)
                cJSON_AddStringToObject(e, "out", runs[k].out);
            cJSON_AddNumberToObject(e, "exit", runs[k].rc);
            cJSON *ims = cJSON_AddArrayToObject(e, "images");
            for (int i = 0; i < runs[k].n; i++) {
                cJSON *im = cJSON_CreateObject();
                cJSON_AddStringToObject(im, "path", runs[k].r[i].path);
                cJSON_AddStringToObject(im, "name", runs[k].r[i].key);
                cJSON_AddNumberToObject(im, "class", runs[k].r[i].cls);
                cJSON_AddNumberToObject(im, "score_value", runs[k].r[i].score);
                cJSON_AddItemToArray(ims, im);
            }
            cJSON_AddItemToArray(jd, e);
        }
        cJSON_AddNumberToObject(j, "rel_floor", DEVCMP_REL_FLOOR);
        if (!pictures)
            cJSON_AddNumberToObject(j, "score_floor", DEVCMP_SCORE_FLOOR);
        jres = cJSON_AddArrayToObject(j, "differences");
    } else if (nd < 2)
        printf("one device: nothing to compare\n");
    for (int k = 1; k < nd && !rc; k++)
        for (int i = 0; i < runs[0].n && !rc; i++) {
            const rec *a = &runs[0].r[i], *b = find_rec(&runs[k], a->key);
            if (!b) {
                if (!cli_quiet)
                    fprintf(stderr, "clvis: %s: no result on device d%d to compare\n", a->path,
                            k);
                continue;
            }
            map_diff dm, da = {0};
            if (map_diff_compute(a->map, a->ms, b->map, b->ms, DEVCMP_REL_FLOOR, &dm)) {
                rc = cli_fail("%s: the maps of d0 and d%d differ in shape (%dx%d, %dx%d)",
                              a->path, k, a->ms[0], a->ms[1], b->ms[0], b->ms[1]);
                break;
            }
            int with_attr = a->attr && b->attr;
            if (with_attr &&
                map_diff_compute(a->attr, a->as, b->attr, b->as, DEVCMP_REL_FLOOR, &da)) {
                rc = cli_fail("%s: the attributions of d0 and d%d differ in shape", a->path, k);
                break;
            }
            char pic[1400] = "";
            if (pictures && (rc = diff_picture(dir, a, b, k, pic, sizeof pic)))
                break;
            /* the metric scores (evaluate): each one's difference, and the largest */
            double sabs = 0, srel = 0;
            int nm = 0;
            cJSON *jm = j && a->nm ? cJSON_CreateObject() : NULL;
            for (int m = 0; m < a->nm; m++)
                for (int q = 0; q < b->nm; q++) {
                    if (strcmp(a->mname[m], b->mname[q]))
                        continue;
                    double d = fabs(b->mval[q] - a->mval[m]);
                    double fl = fabs(a->mval[m]) > DEVCMP_SCORE_FLOOR ? fabs(a->mval[m])
                                                                       : DEVCMP_SCORE_FLOOR;
                    if (d != d) /* NaN on one side */
                        d = INFINITY;
                    sabs = d > sabs ? d : sabs;
                    srel = d / fl > srel ? d / fl : srel;
                    nm++;
                    if (jm) {
                        cJSON *v = cJSON_AddObjectToObject(jm, a->mname[m]);
                        cJSON_AddNumberToObject(v, "d0", a->mval[m]);
                        cJSON_AddNumberToObject(v, "value", b->mval[q]);
                        cJSON_AddNumberToObject(v, "abs", d);
                        cJSON_AddNumberToObject(v, "rel", d / fl);
                    }
                    break;
                }
            if (j) {
                cJSON *e = cJSON_CreateObject();
                char run[16];
                snprintf(run, sizeof run, "d%d", k);
                cJSON_AddStringToObject(e, "path", a->path);
                cJSON_AddStringToObject(e, "name", a->key);
                cJSON_AddStringToObject(e, "run", run);
                cJSON_AddStringToObject(e, "against", "d0");
                cJSON_AddBoolToObject(e, "same_class", a->cls == b->cls);
                cJSON_AddNumberToObject(e, "score_diff", b->score - a->score);
                cJSON_AddItemToObject(e, "map", diff_json(&dm, a->ms, 2));
                if (with_attr)
                    cJSON_AddItemToObject(e, "attr", diff_json(&da, a->as, 3));
                if (jm) {
                    cJSON *sc = cJSON_AddObjectToObject(e, "scores");
                    cJSON_AddNumberToObject(sc, "compared", nm);
                    cJSON_AddNumberToObject(sc, "max_abs", sabs);
                    cJSON_AddNumberToObject(sc, "max_rel", srel);
                    cJSON_AddItemToObject(sc, "metrics", jm);
                }
                if (pictures)
                    cJSON_AddStringToObject(e, "file", pic);
                cJSON_AddItemToArray(jres, e);
                continue;
            }
            /* evaluate's key is "method:path": the method named first */
            int ml = pictures ? 0 : (int)strcspn(a->key, ":");
            printf("%s: %.*s%sd%d against d0: map %dx%d max abs %.3g, max rel %.3g", a->path, ml,
                   a->key, ml ? ", " : "", k, a->ms[0], a->ms[1], dm.max_abs, dm.max_rel);
            if (dm.nan_one)
                printf(" (%zu NaN on one device only)", dm.nan_one);
            if (with_attr)
                printf("; attribution %dx%dx%d max abs %.3g, max rel %.3g%s", a->as[0],
                       a->as[1], a->as[2], da.max_abs, da.max_rel,
                       da.nan_one ? " (NaN on one device only)" : "");
            if (nm)
                printf("; %d metric scores max abs %.3g, max rel %.3g", nm, sabs, srel);
            if (a->cls != b->cls)
                printf("; class %d on d0, %d on d%d", a->cls, b->cls, k);
            printf("\n");
            if (pictures)
                printf("%s\n", pic);
        }
    if (j) {
        char *t = cJSON_PrintUnformatted(j);
        if (!rc)
            printf("%s\n", t ? t : "{}");
        free(t);
        cJSON_Delete(j);
    }
    return rc;
}

static int run_all(cli_args *o, int (*run)(cli_args *))
{
    dev_run *runs = NULL;
    int nd = 0, rc = 0;
    if (device_list(&runs, &nd))
        return 1;
    const char *dir = o->out, *device = o->device; /* dir: made by the first run, DIR/d0 */
    char sel[32];
    for (int k = 0; k < nd; k++) {
        char name[16];
        snprintf(name, sizeof name, "d%d", k);
        snprintf(sel, sizeof sel, "%d", runs[k].index);
        if (pictures && out_path(runs[k].out, sizeof runs[k].out, dir, name)) {
            rc = 1;
            break;
        }
        o->device = sel;
        if (pictures)
            o->out = runs[k].out;
        cur = &runs[k];
        runs[k].rc = run(o);
        cur = NULL;
        rc = runs[k].rc > rc ? runs[k].rc : rc;
        if (k == 0 && !runs[0].n) /* nothing to compare against (and no folder left) */
            break;
    }
    o->device = device;
    o->out = dir;
    if (runs[0].n) {
        int c = compare(o, dir, runs, nd);
        rc = c > rc ? c : rc;
    }
    for (int k = 0; k < nd; k++) {
        for (int i = 0; i < runs[k].n; i++) {
            rec *e = &runs[k].r[i];
            free(e->path), free(e->key), free(e->map), free(e->attr);
        }
        free(runs[k].r);
    }
    free(runs);
    return rc;
}

int devcmp_run(cli_args *o, int (*run)(cli_args *))
{
    pictures = 1;
    return run_all(o, run);
}

int devcmp_run_scores(cli_args *o, int (*run)(cli_args *))
{
    pictures = 0;
    return run_all(o, run);
}

/* evaluate.c — `clvis evaluate`: for each image and each --method, the explanation map
 * (clvis_gradcam for a CAM method, |map| of clvis_saliency for a saliency method), then each
 * --metric of it (clvis_evaluate): one line per image and method, or one JSON object with the
 * map, the scores and their curves. Writes no files. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/devcmp.h"
#include "cli/images.h"
#include "cli/session.h"
#include "cli/targets.h"
#include "cli/util.h"

#define DEFAULT_METRICS "drop,increase,road,insertion,deletion"

static int is_cam(const char *name)
{
    for (int k = 0; clvis_cam_method_name(k); k++)
        if (!strcmp(name, clvis_cam_method_name(k)))
            return 1;
    return 0;
}

/* The map of `method` for x: h*w floats in [0, 1] (malloc'd), the class and its probability. */
static clvis_status explain(cli_args *o, session *s, int layer, const char *method,
                            const float *x, float **map, int *h, int *w, int *cls, float *prob)
{
    clvis_status st;
    if (is_cam(method)) {
        clvis_gradcam_options go = {.layer = layer, .cls = (int)o->cls, .method = method};
        clvis_gradcam_result r;
        if ((st = clvis_gradcam(s->model, x, &go, &r)))
            return st;
        *map = r.map, *h = r.h, *w = r.w, *cls = r.cls, *prob = r.prob;
        return CLVIS_OK;
    }
    clvis_saliency_options so;
    clvis_saliency_options_default(&so);
    so.method = method;
    so.cls = (int)o->cls;
    so.layer = layer;
    so.preprocess = o->preprocess;
    clvis_saliency_result r;
    if ((st = clvis_saliency(s->model, x, &so, &r)))
        return st;
    for (int i = 0; i < r.h * r.w; i++) /* a signed map: its magnitude ranks the pixels */
        r.map[i] = fabsf(r.map[i]);
    *map = r.map, *h = r.h, *w = r.w, *cls = r.cls, *prob = r.prob;
    r.map = NULL;
    clvis_saliency_free(&r);
    return CLVIS_OK;
}

static cJSON *json_map(const float *v, int h, int w)
{
    cJSON *rows = cJSON_CreateArray();
    for (int y = 0; y < h; y++) {
        cJSON *row = cJSON_CreateArray();
        for (int x = 0; x < w; x++)
            cJSON_AddItemToArray(row, cJSON_CreateNumber(v[(size_t)y * w + x]));
        cJSON_AddItemToArray(rows, row);
    }
    return rows;
}

/* One image and one method: the map and every metric, printed. */
static int evaluate_one(cli_args *o, session *s, const labels *labp, int layer,
                        const char *method, const char *path, const float *x)
{
    float *map = NULL, prob = 0.0f;
    int h = 0, w = 0, cls = -1;
    double t0 = util_now_ms();
    clvis_status st = explain(o, s, layer, method, x, &map, &h, &w, &cls, &prob);
    if (st)
        return cli_fail_st(st);
    const char *metrics = o->metrics ? o->metrics : DEFAULT_METRICS;
    const char *cname = labels_name(labp, cls);
    char key[1200]; /* --device all: the record of this image and method, "method:path" */
    snprintf(key, sizeof key, "%s:%s", method, path);
    cJSON *j = NULL, *jm = NULL, *jc = NULL;
    if (o->json) {
        j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "path", path);
        cJSON_AddNumberToObject(j, "class", cls);
        if (cname) {
            cJSON_AddStringToObject(j, "wnid", labels_wnid(labp, cls));
            cJSON_AddStringToObject(j, "name", cname);
        }
        cJSON_AddNumberToObject(j, "probability", prob);
        cJSON_AddStringToObject(j, "method", method);
        cJSON *ms = cJSON_AddArrayToObject(j, "map_shape");
        cJSON_AddItemToArray(ms, cJSON_CreateNumber(h));
        cJSON_AddItemToArray(ms, cJSON_CreateNumber(w));
        cJSON_AddItemToObject(j, "map", json_map(map, h, w));
        jm = cJSON_AddObjectToObject(j, "metrics");
        jc = cJSON_AddObjectToObject(j, "curves");
    } else
        printf("%s: %s, class %d%s%s%s%s probability %.6f, map %dx%d:", path, method, cls,
               cname ? " " : "", cname ? labels_wnid(labp, cls) : "", cname ? " " : "",
               cname ? cname : "", prob, h, w);
    clvis_evaluate_options eo;
    clvis_evaluate_options_default(&eo);
    eo.steps = (o->given & F_STEPS) ? (int)o->steps : 0;
    eo.road_noise = (o->given & F_NOISE) ? (float)o->noise : 0.01f;
    eo.seed = (uint32_t)o->seed;
    int rc = 0, images = 0, step_pixels = 0, recorded = 0;
    float score = 0.0f;
    for (const char *t = metrics; *t && !rc;) {
        size_t len = strcspn(t, ",");
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(len < 63 ? len : 63), t);
        t += len + (t[len] == ',');
        if (!len)
            continue;
        eo.metric = name;
        clvis_evaluate_result er;
        if ((st = clvis_evaluate(s->model, x, map, h, w, cls, &eo, &er))) {
            if (!o->json)
                printf("\n");
            rc = cli_fail_st(st);
            break;
        }
        images += er.images;
        score = er.score;
        if (!recorded++) /* the map is recorded once, with the first metric */
            devcmp_record(path, key, cls, er.score, map, h, w, NULL, 0, 0, 0);
        devcmp_metric(name, er.value);
        if (er.step_pixels)
            step_pixels = er.step_pixels;
        if (o->json) {
            cJSON_AddNumberToObject(jm, name, er.value);
            cJSON *cv = cJSON_AddArrayToObject(jc, name);
            for (int i = 0; i < er.n_curve; i++)
                cJSON_AddItemToArray(cv, cJSON_CreateNumber(er.curve[i]));
        } else
            printf(" %s %.6g", name, er.value);
        clvis_evaluate_free(&er);
    }
    double ms = util_now_ms() - t0;
    if (!rc && o->json) {
        cJSON_AddNumberToObject(j, "score", score);
        cJSON_AddNumberToObject(j, "images", images);
        if (step_pixels)
            cJSON_AddNumberToObject(j, "step_pixels", step_pixels);
        cJSON_AddNumberToObject(j, "road_noise", eo.road_noise);
        cJSON_AddNumberToObject(j, "seed", eo.seed);
        cJSON_AddNumberToObject(j, "ms", ms);
        char *txt = cJSON_PrintUnformatted(j);
        printf("%s\n", txt ? txt : "{}");
        free(txt);
    } else if (!rc)
        printf(" (S(x) %.6g, %d perturbed images, %.0f ms)\n", score, images, ms);
    cJSON_Delete(j);
    free(map);
    return rc;
}

int cmd_evaluate(cli_args *o)
{
    if (devcmp_wanted(o)) /* --device all: every device, its maps and scores compared */
        return devcmp_run_scores(o, cmd_evaluate);
    session s;
    if (session_open(o, &s, 1))
        return 1;
    int rc = 0, layer = -1;
    float *x = NULL;
    labels lab = {0};
    image_list il = {0};
    if (o->layer && (rc = cli_find_layer(s.model, o->layer, &layer)))
        goto done;
    if ((rc = session_labels(o, &s, &lab)))
        goto done;
    int cls = (int)o->cls;
    if (o->class_name && (rc = target_class(o->class_name, &lab, &s, "--class", &cls)))
        goto done;
    o->cls = cls;
    if ((rc = target_check_class(&s, cls)) || (rc = image_list_expand(o, &il)))
        goto done;
    x = malloc(clvis_input_count(s.model) * sizeof *x);
    if (!x) {
        rc = cli_fail("out of host memory");
        goto done;
    }
    const char *methods = o->method ? o->method : "gradcam";
    int bad = 0;
    for (int i = 0; i < il.n && !rc; i++) {
        clvis_status st = clvis_input_load(s.model, il.path[i], o->preprocess, x, NULL);
        if (st) {
            rc = cli_fail_st(st);
            if (cli_bad_input(st))
                bad++, rc = 0;
            continue;
        }
        for (const char *t = methods; *t && !rc;) {
            size_t len = strcspn(t, ",");
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(len < 63 ? len : 63), t);
            t += len + (t[len] == ',');
            if (len)
                rc = evaluate_one(o, &s, &lab, layer, name, il.path[i], x);
        }
    }
    rc = cli_finish_images(rc, bad, il.n);
done:
    image_list_free(&il);
    free(x);
    labels_free(&lab);
    session_close(&s);
    return rc;
}

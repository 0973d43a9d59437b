/* saliency.c — `clvis saliency`: the gradient attributions of each image (clvis_saliency),
 * map and overlay PNGs, a line (ig: with its completeness check) or a JSON object. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/devcmp.h"
#include "cli/images.h"
#include "cli/outdir.h"
#include "cli/session.h"
#include "cli/targets.h"
#include "cli/util.h"

static const char *const BASELINES[] = {"black", "blur", "uniform", "zero"};

/* rows of w numbers (a 2-D map, or an NHWC attribution's h rows of w [c] cells) */
static cJSON *json_rows(const float *v, int h, int w, int c)
{
    cJSON *rows = cJSON_CreateArray();
    for (int y = 0; y < h; y++) {
        cJSON *row = cJSON_CreateArray();
        for (int x = 0; x < w; x++) {
            const float *p = v + ((size_t)y * w + x) * c;
            if (c == 1) {
                cJSON_AddItemToArray(row, cJSON_CreateNumber(p[0]));
                continue;
            }
            cJSON *cell = cJSON_CreateArray();
            for (int k = 0; k < c; k++)
                cJSON_AddItemToArray(cell, cJSON_CreateNumber(p[k]));
            cJSON_AddItemToArray(row, cell);
        }
        cJSON_AddItemToArray(rows, row);
    }
    return rows;
}

static void print_json(const cli_args *o, const labels *labp, const char *path,
                       const clvis_saliency_result *r, const char *method, const char *lname,
                       const char *pmap, const char *pover)
{
    const char *cname = labels_name(labp, r->cls);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "path", path);
    cJSON_AddNumberToObject(j, "class", r->cls);
    if (cname) {
        cJSON_AddStringToObject(j, "wnid", labels_wnid(labp, r->cls));
        cJSON_AddStringToObject(j, "name", cname);
    }
    cJSON_AddNumberToObject(j, "probability", r->prob);
    cJSON_AddStringToObject(j, "method", method);
    cJSON_AddStringToObject(j, "score", o->logit ? "logit" : "prob");
    cJSON_AddNumberToObject(j, "score_value", r->score);
    if (lname)
        cJSON_AddStringToObject(j, "layer", lname);
    if (r->steps) {
        cJSON_AddNumberToObject(j, "steps", r->steps);
        cJSON_AddStringToObject(j, "baseline", BASELINES[o->baseline]);
        cJSON_AddNumberToObject(j, "sum_attr", r->ig_sum);
        cJSON_AddNumberToObject(j, "score_baseline", r->score_baseline);
        cJSON_AddNumberToObject(j, "delta", r->ig_sum - ((double)r->score - r->score_baseline));
    }
    if (r->samples) {
        cJSON_AddNumberToObject(j, "samples", r->samples);
        cJSON_AddNumberToObject(j, "noise", o->noise);
        cJSON_AddNumberToObject(j, "seed", (double)o->seed);
    }
    cJSON_AddBoolToObject(j, "map_signed", r->map_signed);
    cJSON *ms = cJSON_AddArrayToObject(j, "map_shape");
    cJSON_AddItemToArray(ms, cJSON_CreateNumber(r->h));
    cJSON_AddItemToArray(ms, cJSON_CreateNumber(r->w));
    cJSON_AddItemToObject(j, "map", json_rows(r->map, r->h, r->w, 1));
    cJSON *as = cJSON_AddArrayToObject(j, "attr_shape"); /* NHWC item: rows, columns, channels */
    cJSON_AddItemToArray(as, cJSON_CreateNumber(r->h));
    cJSON_AddItemToArray(as, cJSON_CreateNumber(r->w));
    cJSON_AddItemToArray(as, cJSON_CreateNumber(r->c));
    cJSON_AddItemToObject(j, "attr", json_rows(r->attr, r->h, r->w, r->c));
    cJSON *files = cJSON_AddArrayToObject(j, "files");
    cJSON_AddItemToArray(files, cJSON_CreateString(pmap));
    cJSON_AddItemToArray(files, cJSON_CreateString(pover));
    char *t = cJSON_PrintUnformatted(j);
    printf("%s\n", t ? t : "{}");
    free(t);
    cJSON_Delete(j);
}

#define IMAGE_BAD 3 /* saliency_one: this input could not be read; go on */
static int saliency_one(cli_args *o, session *s, const labels *labp,
                        const clvis_saliency_options *sop, const char *path, float *x,
                        out_names *names, const char *suffix)
{
    int rc = 0;
    clvis_image orig = {0}, mapimg = {0}, over = {0};
    clvis_saliency_result r = {0};
    const char *method = sop->method ? sop->method : "vanilla";
    char prefix[64];
    snprintf(prefix, sizeof prefix, "saliency_%s_", method);
    double t0 = util_now_ms();
    clvis_status st = clvis_input_load(s->model, path, o->preprocess, x, &orig);
    if (cli_bad_input(st)) {
        cli_fail_st(st);
        return IMAGE_BAD;
    }
    if (!st)
        st = clvis_saliency(s->model, x, sop, &r);
    if (!st)
        st = clvis_saliency_image(&mapimg, &r, 224);
    if (!st)
        st = clvis_saliency_overlay(&over, &orig, &r);
    char stem[200], key[300], fmap[320], fover[320], pmap[1400], pover[1400];
    cli_stem(path, stem, sizeof stem);
    if (!st && out_name(names, prefix, stem, suffix, path, key, sizeof key)) {
        rc = 1;
        goto done;
    }
    snprintf(fmap, sizeof fmap, "%s_map.png", key);
    snprintf(fover, sizeof fover, "%s_overlay.png", key);
    if (!st && (out_path(pmap, sizeof pmap, o->out, fmap) ||
                out_path(pover, sizeof pover, o->out, fover))) {
        rc = 1;
        goto done;
    }
    if (!st)
        st = clvis_image_write_png(pmap, &mapimg);
    /* both or neither */
    int live = st ? -1 : util_live_add(pmap);
    if (!st && (st = clvis_image_write_png(pover, &over)))
        unlink(pmap);
    util_live_remove(live);
    if (st) {
        rc = cli_fail_st(st);
        goto done;
    }
    double ms = util_now_ms() - t0;
    const char *lname = r.layer >= 0 ? clvis_model_layer_name(s->model, r.layer) : NULL;
    const char *cname = labels_name(labp, r.cls);
    devcmp_record(path, key, r.cls, r.score, r.map, r.h, r.w, r.attr, r.h, r.w, r.c);
    if (o->json)
        print_json(o, labp, path, &r, method, lname, pmap, pover);
    else {
        printf("%s: class %d %s%s%s probability %.6f", path, r.cls,
               cname ? labels_wnid(labp, r.cls) : "", cname ? " " : "", cname ? cname : "",
               r.prob);
        if (o->logit)
            printf(" logit %.6f", r.score);
        printf("\n%s, %s score, attribution %dx%dx%d%s%s%s\n", method,
               o->logit ? "logit" : "model output", r.h, r.w, r.c, r.map_signed ? ", signed" : "",
               lname ? ", Grad-CAM layer " : "", lname ? lname : "");
        if (r.steps)
            printf("completeness (%d steps, %s baseline): sum(attr) %.6g, S(x) - S(baseline) "
                   "%.6g (S(x) %.6g, S(baseline) %.6g), delta %.3g\n",
                   r.steps, BASELINES[o->baseline], r.ig_sum,
                   (double)r.score - r.score_baseline, r.score, r.score_baseline,
                   r.ig_sum - ((double)r.score - r.score_baseline));
        if (r.samples)
            printf("%d samples, noise %g of max - min, seed %ld\n", r.samples, o->noise,
                   o->seed);
        printf("%s\n%s\n", pmap, pover);
    }
    char cap[1024], cap2[1100];
    snprintf(cap, sizeof cap, "saliency %s of %s for class %d%s%s (p = %.4f), %s score%s%s",
             method, path, r.cls, cname ? " " : "", cname ? cname : "", r.prob,
             o->logit ? "logit" : "model output", lname ? ", layer " : "", lname ? lname : "");
    snprintf(cap2, sizeof cap2, "%dx%d map: %s", r.h, r.w, cap);
    char variant[64];
    snprintf(variant, sizeof variant, "saliency-%s", method);
    report_entry e[2] = {{.command = "saliency", .file = fmap, .caption = cap2,
                          .model = s->model_path, .device = s->device, .ms = ms},
                         {.command = "saliency", .file = fover, .caption = cap,
                          .model = s->model_path, .device = s->device, .ms = ms}};
    e[0].image = e[1].image = path;
    e[0].role = REPORT_ROLE_MAP;
    e[1].role = REPORT_ROLE_OVERLAY;
    e[0].variant = e[1].variant = variant;
    e[0].w = mapimg.w, e[0].h = mapimg.h;
    e[1].w = over.w, e[1].h = over.h;
    rc = out_report(o, e, 2);
done:
    clvis_image_free(&orig);
    clvis_image_free(&mapimg);
    clvis_image_free(&over);
    clvis_saliency_free(&r);
    return rc;
}

int cmd_saliency(cli_args *o)
{
    if (devcmp_wanted(o)) /* --device all: every device, compared */
        return devcmp_run(o, cmd_saliency);
    session s;
    if (session_open(o, &s, 1))
        return 1;
    int rc = 0;
    float *x = NULL;
    labels lab = {0};
    target_table tt = {0};
    int *cls = NULL;
    image_list il = {0};
    out_names names = {0};
    clvis_saliency_options so;
    clvis_saliency_options_default(&so);
    so.method = o->method;
    so.cls = (int)o->cls;
    so.logit = o->logit;
    so.steps = (o->given & F_STEPS) ? (int)o->steps : 50;
    so.samples = (int)o->samples;
    so.noise = (float)o->noise;
    so.seed = (uint32_t)o->seed;
    so.baseline = (clvis_baseline)o->baseline;
    so.preprocess = o->preprocess;
    if (o->layer && (rc = cli_find_layer(s.model, o->layer, &so.layer)))
        goto done;
    if ((rc = session_labels(o, &s, &lab)))
        goto done;
    if (o->class_name && (rc = target_class(o->class_name, &lab, &s, "--class", &so.cls)))
        goto done;
    o->cls = so.cls;
    if ((rc = target_check_class(&s, so.cls)))
        goto done;
    if ((rc = target_prepare(o, &s, &lab, &tt, &il, &cls)))
        goto done;
    x = malloc(clvis_input_count(s.model) * sizeof *x);
    if (!x) {
        rc = cli_fail("out of host memory");
        goto done;
    }
    int bad = 0;
    for (int i = 0; i < il.n && !rc; i++) {
        /* the classes of this image (targets.h), one map + overlay each */
        int nc = 0;
        if ((rc = target_list(o, &s, &tt, il.path[i], x, cls, target_cap(o, &tt), &nc)) ==
            IMAGE_BAD) {
            bad++;
            rc = 0;
            continue;
        }
        for (int k = 0; k < nc && !rc; k++) {
            char suffix[160];
            target_suffix(o, cls[k], suffix, sizeof suffix);
            clvis_saliency_options s1 = so;
            s1.cls = cls[k];
            if ((rc = saliency_one(o, &s, &lab, &s1, il.path[i], x, &names, suffix)) ==
                IMAGE_BAD) {
                bad++;
                rc = 0;
                break;
            }
        }
    }
    rc = cli_finish_images(rc, bad, il.n);
done:
    out_names_free(&names);
    image_list_free(&il);
    free(x);
    free(cls);
    target_table_free(&tt);
    labels_free(&lab);
    session_close(&s);
    return rc;
}

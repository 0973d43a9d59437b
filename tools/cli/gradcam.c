/* gradcam.c — `clvis gradcam`: Grad-CAM of each image (listings 5.40-5.44), the map (PNG) and
 * the overlay (JPEG quality 95 as cv2.imwrite writes it, or PNG), and a thumbnail for the page. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/devcmp.h"
#include "cli/compare.h"
#include "cli/gradcam.h"
#include "cli/images.h"
#include "cli/outdir.h"
#include "cli/progress.h"
#include "cli/session.h"
#include "cli/thumb.h"
#include "cli/split.h"
#include "cli/targets.h"
#include "cli/util.h"

#define IMAGE_BAD GRADCAM_IMAGE_BAD

int gradcam_image(cli_args *o, session *s, const labels *labp, const clvis_gradcam_options *gop,
                  const char *path, float *x, out_names *names, gradcam_call *call)
{
    int rc = 0;
    clvis_image orig = {0}, mapimg = {0}, over = {0};
    clvis_gradcam_result r = {0};
    clvis_gradcam_options go = *gop;
    /* the method that runs, whether it differentiates the logit, and the variant that names
     * its files (so the variants of one photo sit side by side in one folder): gradcam_ (the
     * book), gradcam-paper_ (gradcam with the logit), <method>_, <method>-logit_ */
    const char *method = go.method ? go.method : go.logit ? "gradcam-paper" : "gradcam";
    int logit = go.logit || !strcmp(method, "gradcam-paper");
    int grad_cam = !strcmp(method, "gradcam") || !strcmp(method, "gradcam-paper");
    char variant[64], prefix[72];
    snprintf(variant, sizeof variant, "%s%s", grad_cam && logit ? "gradcam-paper" : method,
             !grad_cam && logit ? "-logit" : "");
    snprintf(prefix, sizeof prefix, "%s_", variant);
    double t0 = util_now_ms();
    clvis_status st = clvis_input_load(s->model, path, o->preprocess, x, &orig);
    if (cli_bad_input(st)) {
        cli_image_failed(o->json, path, st);
        return IMAGE_BAD;
    }
    if (!st)
        st = clvis_gradcam(s->model, x, &go, &r);
    if (!st)
        st = clvis_map_image(&mapimg, r.map, r.h, r.w, 224);
    if (!st)
        st = clvis_gradcam_overlay(&over, &orig, r.map, r.h, r.w);
    char stem[200], key[300], fmap[320], fover[320], pmap[1400], pover[1400];
    cli_stem(path, stem, sizeof stem);
    /* one name per image of the run: pic.png and pic.jpg get gradcam_pic_* and gradcam_pic_2_* */
    const char *suffix = call->suffix ? call->suffix : "";
    if (!st && out_name(names, prefix, stem, suffix, path, key, sizeof key)) {
        rc = 1;
        goto done;
    }
    snprintf(fmap, sizeof fmap, "%s_map.png", key);
    snprintf(fover, sizeof fover, "%s_overlay.%s", key, o->format_png ? "png" : "jpg");
    if (!st && (out_path(pmap, sizeof pmap, o->out, fmap) ||
                out_path(pover, sizeof pover, o->out, fover))) {
        rc = 1;
        goto done;
    }
    if (!st)
        st = clvis_image_write_png(pmap, &mapimg);
    /* both or neither: the map is removed when the overlay fails, or a signal ends the run
     * before it is written */
    int live = st ? -1 : util_live_add(pmap);
    if (!st && (st = o->format_png ? clvis_image_write_png(pover, &over)
                                   : clvis_image_write_jpeg(pover, &over, 95)))
        unlink(pmap);
    util_live_remove(live);
    if (st) {
        rc = cli_fail_st(st);
        goto done;
    }
    double ms = util_now_ms() - t0;
    const char *lname = clvis_model_layer_name(s->model, r.layer);
    const char *cname = labels_name(labp, r.cls);
    if (r.all_nonpositive && !cli_quiet)
        fprintf(stderr, "clvis: the Grad-CAM map of class %d is <= 0 everywhere (no positive "
                        "evidence at layer %s); written black\n", r.cls, lname);
    snprintf(call->overlay, sizeof call->overlay, "%s", pover);
    call->cls = r.cls;
    devcmp_record(path, key, r.cls, r.score, r.map, r.h, r.w, NULL, 0, 0, 0);
    call->ms = ms;
    call->score = r.score;
    call->prob = r.prob;
    snprintf(call->variant, sizeof call->variant, "%s", variant);
    if (call->print && o->json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "path", path);
        cJSON_AddNumberToObject(j, "class", r.cls);
        if (cname) {
            cJSON_AddStringToObject(j, "wnid", labels_wnid(labp, r.cls));
            cJSON_AddStringToObject(j, "name", cname);
        }
        cJSON_AddNumberToObject(j, "probability", r.prob);
        cJSON_AddStringToObject(j, "method", method);
        cJSON_AddStringToObject(j, "score", logit ? "logit" : "prob");
        cJSON_AddNumberToObject(j, "score_value", r.score);
        cJSON_AddStringToObject(j, "layer", lname);
        cJSON_AddBoolToObject(j, "all_nonpositive", r.all_nonpositive);
        cJSON_AddNumberToObject(j, "ms", ms);
        cJSON *shape = cJSON_AddArrayToObject(j, "shape"); /* of map: [rows, columns] */
        cJSON_AddItemToArray(shape, cJSON_CreateNumber(r.h));
        cJSON_AddItemToArray(shape, cJSON_CreateNumber(r.w));
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
    } else if (call->print) {
        printf("%s: class %d %s%s%s probability %.6f", path, r.cls,
               cname ? labels_wnid(labp, r.cls) : "", cname ? " " : "", cname ? cname : "", r.prob);
        if (logit)
            printf(" logit %.6f", r.score);
        char how[96];
        if (grad_cam && !go.method)
            snprintf(how, sizeof how, "%s", logit ? "logit score, channel sum"
                                                  : "probability score, channel mean");
        else
            snprintf(how, sizeof how, "%s, %s score", method, logit ? "logit" : "model output");
        printf("\nlayer %s, map %dx%d (%s)%s\n%s\n%s\n", lname, r.h, r.w, how,
               r.all_nonpositive ? ", all <= 0: black" : "", pmap, pover);
    }
    fflush(stdout);
    session_preprocess_note(o, s, 0);
    char cap[1024];
    char mdesc[96];
    if (grad_cam && !go.method)
        snprintf(mdesc, sizeof mdesc, "%s", logit ? "logit / channel sum"
                                                  : "probability / channel mean (book)");
    else
        snprintf(mdesc, sizeof mdesc, "method %s, %s score", method,
                 logit ? "logit" : "model output");
    snprintf(cap, sizeof cap, "%s of %s for class %d%s%s (p = %.4f), layer %s, %s%s",
             grad_cam ? "Grad-CAM" : method, path, r.cls, cname ? " " : "", cname ? cname : "",
             r.prob, lname, mdesc,
             r.all_nonpositive ? "; map all <= 0, written black" : "");
    char cap2[1100];
    snprintf(cap2, sizeof cap2, "raw %dx%d map: %s", r.h, r.w, cap);
    report_entry e[3] = {{.command = "gradcam", .file = fmap, .caption = cap2,
                          .model = s->model_path, .device = s->device, .ms = ms},
                         {.command = "gradcam", .file = fover, .caption = cap,
                          .model = s->model_path, .device = s->device, .ms = ms}};
    e[0].image = e[1].image = path;
    e[0].role = REPORT_ROLE_MAP;
    e[1].role = REPORT_ROLE_OVERLAY;
    e[0].variant = e[1].variant = variant;
    e[0].w = mapimg.w, e[0].h = mapimg.h;
    e[1].w = over.w, e[1].h = over.h;
    /* the photo's thumbnail for the page (its top-k come from predict), named as its CAM:
     * gradcam_pic_2_* goes with thumb_pic_2.jpg */
    char fthumb[340];
    snprintf(fthumb, sizeof fthumb, "thumb_%.*s.jpg",
             (int)(strlen(key) - strlen(prefix) - strlen(suffix)), key + strlen(prefix));
    if (call->thumb && (rc = thumb_write(o, path, &orig, fthumb, &e[2])))
        goto done;
    if (call->thumb) {
        e[2].command = "gradcam";
        e[2].model = s->model_path;
        e[2].device = s->device;
    }
    rc = out_report(o, e, call->thumb ? 3 : 2);
    if (!rc && call->keep) { /* moved to the caller */
        call->map = mapimg, call->over = over;
        mapimg = (clvis_image){0}, over = (clvis_image){0};
        call->raw = r.map, call->rh = r.h, call->rw = r.w;
        r.map = NULL;
    }
done:
    clvis_image_free(&orig);
    clvis_image_free(&mapimg);
    clvis_image_free(&over);
    clvis_gradcam_free(&r);
    return rc;
}

int cmd_gradcam(cli_args *o)
{
    long part, parts;
    if (o->split && !split_part(&part, &parts)) /* the folder made once, then shared */
        return out_prepare(o->out) ? 1 : split_run(o, cmd_gradcam);
    if (devcmp_wanted(o)) /* --device all without --split: every device, compared */
        return devcmp_run(o, cmd_gradcam);
    session s;
    if (session_open(o, &s, 1))
        return 1;
    int rc = 0;
    float *x = NULL;
    labels lab = {0};
    target_table tt = {0};
    int *cls = NULL;
    clvis_gradcam_options go = {-1,           (int)o->cls,  o->logit, o->method,
                                (int)o->batch, cli_progress, NULL};
    image_list il = {0};
    out_names names = {0};
    if (o->layer && (rc = cli_find_layer(s.model, o->layer, &go.layer)))
        goto done;
    if ((rc = session_labels(o, &s, &lab)))
        goto done;
    if (o->class_name && (rc = target_class(o->class_name, &lab, &s, "--class", &go.cls)))
        goto done;
    o->cls = go.cls;
    if ((rc = target_check_class(&s, go.cls)))
        goto done;
    if ((rc = target_prepare(o, &s, &lab, &tt, &il, &cls)))
        goto done;
    x = malloc(clvis_input_count(s.model) * sizeof *x);
    if (!x) {
        rc = cli_fail("out of host memory");
        goto done;
    }
    /* one image after another in one process: buffers are planned once and reused */
    int bad = 0;
    /* a progress line over many images where the results do not show it (stdout redirected) */
    int meter = il.n > 1 && !isatty(STDOUT_FILENO);
    for (int i = 0; i < il.n && !rc; i++) {
        if (meter)
            cli_count(NULL, "gradcam: images", i, il.n);
        if (o->nmethods) { /* --method all | A,B,...: one comparison grid per photo */
            if ((rc = compare_image(o, &s, &lab, &go, il.path[i], x, &names)) == IMAGE_BAD) {
                bad++;
                rc = 0;
            }
            continue;
        }
        /* the classes of this image (targets.h), one map + overlay each; one thumbnail */
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
            gradcam_call call = {.print = 1, .thumb = k == 0, .suffix = suffix};
            clvis_gradcam_options g1 = go;
            g1.cls = cls[k];
            if ((rc = gradcam_image(o, &s, &lab, &g1, il.path[i], x, &names, &call)) ==
                IMAGE_BAD) {
                bad++;
                rc = 0;
                break;
            }
        }
    }
    if (meter && !rc)
        cli_count(NULL, "gradcam: images", il.n, il.n);
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


/* predict.c — `clvis predict`: top-k classes of each image, as text or JSON, and with --out
 * into DIR/index.html (with a thumbnail of each photo); --group catdog adds the book's
 * exercise: a cat/dog verdict per photo, the counts, and the Grad-CAM of each top class. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/catdog.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/gradcam.h"
#include "cli/images.h"
#include "cli/outdir.h"
#include "cli/progress.h"
#include "cli/session.h"
#include "cli/thumb.h"
#include "cli/split.h"
#include "cli/util.h"

/* what one photo's prediction adds to the page: its top-k, thumbnail and verdict */
typedef struct {
    char *cap, *verdict;
    char thumb[320];
} pred_texts;

/* The group's verdict of one photo: a line (or JSON fields), its caption, and the count. */
static char *catdog_one(const labels *lab, const char *path,
                        const clvis_prediction *top1, const float *probs, int nout, cJSON *j,
                        int count[3])
{
    catdog_verdict v = catdog_of_class(top1->index);
    double pc, pd;
    catdog_mass(probs, nout, &pc, &pd);
    count[v]++;
    const char *nm = labels_name(lab, top1->index);
    char why[600];
    snprintf(why, sizeof why, "top-1 class %d%s%s; P(cat) %.4f, P(dog) %.4f", top1->index,
             nm ? " " : "", nm ? nm : "", pc, pd);
    if (j) {
        cJSON_AddStringToObject(j, "verdict", catdog_name(v));
        cJSON_AddNumberToObject(j, "p_cat", pc);
        cJSON_AddNumberToObject(j, "p_dog", pd);
    } else {
        printf("  verdict: %s (%s)\n", catdog_name(v), why);
    }
    size_t len = strlen(path) + strlen(why) + 32;
    char *cap = malloc(len);
    if (cap)
        snprintf(cap, len, "%s: %s (%s)", path, catdog_name(v), why);
    return cap;
}

static void catdog_table(const cli_args *o, const int count[3])
{
    int total = count[0] + count[1] + count[2];
    if (o->json) {
        printf("{\"group\":\"catdog\",\"cat\":%d,\"dog\":%d,\"other\":%d,\"total\":%d}\n",
               count[CATDOG_CAT], count[CATDOG_DOG], count[CATDOG_OTHER], total);
        return;
    }
    printf("catdog: %d photos (dog: classes %d-%d, domestic cat: %d-%d, by the top-1 class)\n",
           total, CATDOG_DOG_FIRST, CATDOG_DOG_LAST, CATDOG_CAT_FIRST, CATDOG_CAT_LAST);
    printf("  %-8s %6s\n", "verdict", "photos");
    for (int v = 0; v < 3; v++)
        printf("  %-8s %6d\n", catdog_name((catdog_verdict)v), count[v]);
}

int cmd_predict(cli_args *o)
{
    long part, parts;
    if (o->split && !split_part(&part, &parts)) {
        /* the folder made once, before the parts share it */
        if ((o->given & F_OUT) && out_prepare(o->out))
            return 1;
        return split_run(o, cmd_predict);
    }
    session s;
    if (session_open(o, &s, 1))
        return 1;
    labels lab;
    if (session_labels(o, &s, &lab)) {
        session_close(&s);
        return 1;
    }
    int use_out = (o->given & F_OUT) || o->group;
    int nout = clvis_output_count(s.model);
    if (o->group && nout != 1000) {
        int rc = cli_fail("--group catdog needs an ImageNet model (1000 classes); %s has %d",
                          s.model_path, nout);
        labels_free(&lab);
        session_close(&s);
        return rc;
    }
    if (use_out && out_prepare(o->out)) {
        labels_free(&lab);
        session_close(&s);
        return 1;
    }
    image_list il;
    if (image_list_expand(o, &il)) {
        labels_free(&lab);
        session_close(&s);
        return 1;
    }
    size_t cnt = clvis_input_count(s.model);
    float *x = malloc(cnt * sizeof *x);
    float *probs = o->group ? malloc((size_t)nout * sizeof *probs) : NULL;
    clvis_prediction *top = calloc((size_t)o->top, sizeof *top);
    report_entry *ents = calloc((size_t)il.n * 3, sizeof *ents);
    pred_texts *tx = calloc((size_t)il.n, sizeof *tx);
    int rc = (!x || !top || !ents || !tx || (o->group && !probs)) ? cli_fail("out of host memory")
                                                                  : 0;
    int ne = 0, np = 0, bad = 0, count[3] = {0, 0, 0};
    int single = nout == 1;
    out_names names = {0};
    /* a progress line over many images where the results do not show it (stdout redirected) */
    int meter = il.n > 1 && !isatty(STDOUT_FILENO);
    for (int i = 0; i < il.n && !rc; i++) {
        const char *path = il.path[i];
        if (meter)
            cli_count(NULL, "predict: images", i, il.n);
        double t0 = util_now_ms();
        int nt = 0;
        clvis_image orig = {0};
        clvis_status st = clvis_input_load(s.model, path, o->preprocess, x, use_out ? &orig : NULL);
        if (cli_bad_input(st)) {
            cli_image_failed(o->json, path, st);
            bad++;
            continue;
        }
        if (!st)
            st = clvis_predict(s.model, x, (int)o->top, top, &nt, probs, probs ? nout : 0, NULL);
        if (st) {
            clvis_image_free(&orig);
            rc = cli_fail_st(st);
            break;
        }
        double ms = util_now_ms() - t0;
        char cap[2048];
        size_t cl = 0;
        cap[0] = 0;
        cJSON *j = NULL;
        if (o->json) {
            j = cJSON_CreateObject();
            cJSON_AddStringToObject(j, "path", path);
            cJSON *arr = cJSON_AddArrayToObject(j, "top");
            for (int k = 0; k < nt; k++) {
                cJSON *e = cJSON_CreateObject();
                cJSON_AddNumberToObject(e, "index", top[k].index);
                if (labels_name(&lab, top[k].index)) {
                    cJSON_AddStringToObject(e, "wnid", labels_wnid(&lab, top[k].index));
                    cJSON_AddStringToObject(e, "name", labels_name(&lab, top[k].index));
                }
                cJSON_AddNumberToObject(e, "probability", top[k].score);
                cJSON_AddItemToArray(arr, e);
            }
        } else {
            printf("%s\n", path);
        }
        for (int k = 0; k < nt; k++) {
            const char *nm = labels_name(&lab, top[k].index);
            char line[512];
            if (single && !nm) /* class 1 = p, class 0 = 1 - p */
                snprintf(line, sizeof line, "%d. class %d %.6f (%s)", k + 1, top[k].index,
                         top[k].score, top[k].index ? "p, the sigmoid output" : "1 - p");
            else if (nm)
                snprintf(line, sizeof line, "%d. %s %s %.6f (index %d)", k + 1,
                         labels_wnid(&lab, top[k].index), nm, top[k].score, top[k].index);
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
        session_preprocess_note(o, &s, 0);
        pred_texts *t = &tx[np++];
        size_t clen = strlen(path) + strlen(cap) + 4;
        if ((t->cap = malloc(clen)))
            snprintf(t->cap, clen, "%s: %s", path, cap);
        if (o->group && nt)
            t->verdict = catdog_one(&lab, path, &top[0], probs, nout, j, count);
        if (!t->cap || (o->group && nt && !t->verdict)) {
            cJSON_Delete(j);
            clvis_image_free(&orig);
            rc = cli_fail("out of host memory");
            break;
        }
        /* the book's exercise: the Grad-CAM of the top class, next to the verdict */
        gradcam_call call = {0};
        if (o->group) {
            clvis_gradcam_options go = {.layer = -1, .cls = -1};
            rc = gradcam_image(o, &s, &lab, &go, path, x, &names, &call);
            if (rc == GRADCAM_IMAGE_BAD)
                rc = 1; /* it was read a moment ago */
            if (!rc && j) {
                cJSON_AddNumberToObject(j, "gradcam_class", call.cls);
                cJSON_AddStringToObject(j, "gradcam", call.overlay);
            } else if (!rc) {
                printf("  Grad-CAM of class %d: %s\n", call.cls, call.overlay);
            }
        }
        if (j) {
            char *txt = cJSON_PrintUnformatted(j);
            printf("%s\n", txt);
            free(txt);
            cJSON_Delete(j);
        }
        fflush(stdout);
        ents[ne++] = (report_entry){.command = "predict", .file = "", .caption = t->cap,
                                    .model = s.model_path, .device = s.device, .ms = ms,
                                    .image = path, .role = REPORT_ROLE_PRED};
        if (t->verdict)
            ents[ne++] = (report_entry){.command = "predict", .file = "", .caption = t->verdict,
                                        .model = s.model_path, .device = s.device,
                                        .image = path, .role = REPORT_ROLE_VERDICT,
                                        .variant = o->group};
        if (!rc && use_out) {
            report_entry *e = &ents[ne];
            char stem[200];
            cli_stem(path, stem, sizeof stem);
            rc = out_name(&names, "thumb_", stem, ".jpg", path, t->thumb, sizeof t->thumb);
            if (!rc && !(rc = thumb_write(o, path, &orig, t->thumb, e))) {
                e->command = "predict";
                e->model = s.model_path;
                e->device = s.device;
                ne++;
            }
        }
        clvis_image_free(&orig);
    }
    if (!rc && o->group)
        catdog_table(o, count);
    if (meter && !rc)
        cli_count(NULL, "predict: images", il.n, il.n);
    if (!rc && ne && use_out)
        rc = out_report(o, ents, ne);
    rc = cli_finish_images(rc, bad, il.n);
    for (int i = 0; tx && i < np; i++) {
        free(tx[i].cap);
        free(tx[i].verdict);
    }
    free(tx);
    out_names_free(&names);
    image_list_free(&il);
    free(ents);
    free(x);
    free(probs);
    free(top);
    labels_free(&lab);
    session_close(&s);
    return rc;
}

/* predict.c — `clvis predict`: top-k classes of each image, as text or JSON, and with --out
 * into DIR/index.html. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/images.h"
#include "cli/outdir.h"
#include "cli/progress.h"
#include "cli/session.h"
#include "cli/util.h"

int cmd_predict(cli_args *o)
{
    session s;
    if (session_open(o, &s, 1))
        return 1;
    labels lab;
    if (session_labels(o, &s, &lab)) {
        session_close(&s);
        return 1;
    }
    if ((o->given & F_OUT) && out_prepare(o->out)) {
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
    clvis_prediction *top = calloc((size_t)o->top, sizeof *top);
    report_entry *ents = calloc((size_t)il.n, sizeof *ents);
    char **caps = calloc((size_t)il.n, sizeof *caps);
    int rc = (!x || !top || !ents || !caps) ? cli_fail("out of host memory") : 0, ne = 0, bad = 0;
    int single = clvis_output_count(s.model) == 1;
    /* a progress line over many images where the results do not show it (stdout redirected) */
    int meter = il.n > 1 && !isatty(STDOUT_FILENO);
    for (int i = 0; i < il.n && !rc; i++) {
        const char *path = il.path[i];
        if (meter)
            cli_count(NULL, "predict: images", i, il.n);
        double t0 = util_now_ms();
        int nt = 0;
        clvis_status st = clvis_input_load(s.model, path, o->preprocess, x, NULL);
        if (cli_bad_input(st)) {
            cli_fail_st(st);
            bad++;
            continue;
        }
        if (!st)
            st = clvis_predict(s.model, x, (int)o->top, top, &nt, NULL, 0, NULL);
        if (st) {
            rc = cli_fail_st(st);
            break;
        }
        double ms = util_now_ms() - t0;
        char cap[2048];
        size_t cl = 0;
        cap[0] = 0;
        if (o->json) {
            cJSON *j = cJSON_CreateObject();
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
            char *t = cJSON_PrintUnformatted(j);
            printf("%s\n", t);
            free(t);
            cJSON_Delete(j);
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
        size_t clen = strlen(path) + strlen(cap) + 4;
        if (!(caps[ne] = malloc(clen))) {
            rc = cli_fail("out of host memory");
            break;
        }
        snprintf(caps[ne], clen, "%s: %s", path, cap);
        ents[ne] = (report_entry){"predict", "", caps[ne], s.model_path, s.device, ms};
        ne++;
    }
    if (meter && !rc)
        cli_count(NULL, "predict: images", il.n, il.n);
    if (!rc && ne && (o->given & F_OUT))
        rc = out_report(o, ents, ne);
    rc = cli_finish_images(rc, bad, il.n);
    for (int i = 0; caps && i < ne; i++)
        free(caps[i]);
    free(caps);
    image_list_free(&il);
    free(ents);
    free(x);
    free(top);
    labels_free(&lab);
    session_close(&s);
    return rc;
}


/* compare.c — the comparison of CAM methods on one photo (compare.h). */
#include "cli/compare.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common.h"
#include "cli/report.h"
#include "cli/thumb.h"

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

/* The page entry and the --json record (or line) of the grid of path. */
static int grid_report(cli_args *o, session *s, const char *path, const char *file,
                       const char *full, const clvis_image *g, const gradcam_call *c, int n)
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
    report_entry e = {.command = "gradcam", .file = file, .caption = cap,
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
            cJSON_AddNullToObject(m, "metric"); /* hook: `clvis evaluate`'s metric */
            cJSON_AddItemToArray(ms, m);
        }
        char *t = cJSON_PrintUnformatted(j);
        if (t)
            printf("%s\n", t);
        free(t);
        cJSON_Delete(j);
    } else {
        printf("%s: %d methods compared (%.1f ms in all)\n%s\n", path, n, tot, full);
    }
    return out_report(o, &e, 1);
}

int compare_image(cli_args *o, session *s, const labels *labp, const clvis_gradcam_options *gop,
                  const char *path, float *x, out_names *names)
{
    int n = o->nmethods, rc = 0, done = 0;
    gradcam_call c[CLI_MAX_METHODS];
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
        c[done] = (gradcam_call){.print = 1, .thumb = !done, .keep = 1};
        rc = gradcam_image(o, s, labp, &go, path, x, names, &c[done]);
        if (!rc)
            done++;
    next:;
    }
    for (int i = 0; i < done; i++)
        maps[i] = c[i].map, overs[i] = c[i].over;
    char stem[200], file[300], full[1400];
    clvis_status st = CLVIS_OK;
    if (!rc && done) {
        cli_stem(path, stem, sizeof stem);
        if (out_name(names, "compare_", stem, "_grid.jpg", path, file, sizeof file) ||
            out_path(full, sizeof full, o->out, file))
            rc = 1;
    }
    if (!rc && done && (st = compare_grid(&grid, maps, overs, done)))
        rc = cli_fail("%s: cannot make its comparison grid (%s)", path,
                      st == CLVIS_ERR_NO_MEMORY ? "out of host memory" : "bad picture");
    if (!rc && done && (st = clvis_image_write_jpeg(full, &grid, 90)))
        rc = cli_fail_st(st);
    if (!rc && done)
        rc = grid_report(o, s, path, file, full, &grid, c, done);
    clvis_image_free(&grid);
    for (int i = 0; i < done; i++) {
        clvis_image_free(&c[i].map);
        clvis_image_free(&c[i].over);
    }
    return rc;
}

/* dream.c — `clvis dream PHOTO --layer L[:W][,L2[:W2]...]`: deep dream on a photo
 * (clvis_dream): DIR/dream_<photo>.jpg (or .png) of the photo's size, a line (or --json
 * object) on stdout, an entry in DIR/index.html. Every check that can fail (the photo, the
 * layers, the octaves' sizes) runs before the output folder is touched. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/outdir.h"
#include "cli/session.h"
#include "cli/util.h"

#define DREAM_MAX_LAYERS 16

/* "a,b:0.5" -> layer ids and weights. 0, or 1 (2 for a usage error) after the message. */
static int parse_layers(clvis_model *m, const char *spec, int *ids, float *w, int *n)
{
    *n = 0;
    const char *p = spec;
    while (*p) {
        size_t len = strcspn(p, ",");
        char item[300];
        if (len == 0 || len >= sizeof item)
            return cli_usage_fail("--layer: expected NAME[:W][,NAME[:W]...], got '%.200s'", spec);
        if (*n == DREAM_MAX_LAYERS)
            return cli_usage_fail("--layer: at most %d layers", DREAM_MAX_LAYERS);
        memcpy(item, p, len);
        item[len] = 0;
        float wt = 1.0f;
        char *colon = strrchr(item, ':');
        if (colon) { /* a weight when what follows the last ':' is a number */
            char *end;
            double v = strtod(colon + 1, &end);
            if (end != colon + 1 && !*end) {
                if (!isfinite(v) || v == 0 || fabs(v) > 1e6)
                    return cli_usage_fail("--layer: weight '%s' of '%.*s' must be a non-zero "
                                          "number of magnitude up to 1e6", colon + 1,
                                          (int)(colon - item), item);
                wt = (float)v;
                *colon = 0;
            }
        }
        int id;
        if (cli_find_layer(m, item, &id))
            return 1;
        if (id == 0)
            return cli_usage_fail("--layer: '%s' is the model's input", item);
        ids[*n] = id;
        w[(*n)++] = wt;
        p += len;
        p += *p == ',';
    }
    if (!*n)
        return cli_usage_fail("--layer: no layer given");
    return 0;
}

static void print_json(const char *photo, const char *file, const clvis_model *m, const int *ids,
                       const float *w, int nl, const clvis_dream_options *d, const float *obj,
                       int w_px, int h_px, double ms)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "path", photo);
    cJSON_AddStringToObject(j, "file", file);
    cJSON *ls = cJSON_AddArrayToObject(j, "layers");
    for (int i = 0; i < nl; i++) {
        cJSON *l = cJSON_CreateObject();
        cJSON_AddStringToObject(l, "layer", clvis_model_layer_name(m, ids[i]));
        cJSON_AddNumberToObject(l, "weight", round(w[i] * 1e6) / 1e6);
        cJSON_AddItemToArray(ls, l);
    }
    cJSON_AddNumberToObject(j, "octaves", d->octaves);
    /* the float options as given (1.4, not 1.39999997...) */
    cJSON_AddNumberToObject(j, "octave_scale", round(d->octave_scale * 1e6) / 1e6);
    cJSON_AddNumberToObject(j, "steps", d->steps);
    cJSON_AddNumberToObject(j, "step", round(d->step * 1e9) / 1e9);
    cJSON_AddNumberToObject(j, "jitter", d->jitter);
    cJSON_AddNumberToObject(j, "seed", d->seed);
    cJSON_AddNumberToObject(j, "width", w_px);
    cJSON_AddNumberToObject(j, "height", h_px);
    if (d->steps > 0) { /* per octave: the objective before its first and its last step */
        cJSON *oc = cJSON_AddArrayToObject(j, "objective");
        for (int k = 0; k < d->octaves; k++) {
            cJSON *pair = cJSON_CreateArray();
            cJSON_AddItemToArray(pair, cJSON_CreateNumber(obj[(size_t)k * d->steps]));
            cJSON_AddItemToArray(pair,
                                 cJSON_CreateNumber(obj[(size_t)k * d->steps + d->steps - 1]));
            cJSON_AddItemToArray(oc, pair);
        }
    }
    cJSON_AddNumberToObject(j, "ms", ms);
    char *t = cJSON_PrintUnformatted(j);
    printf("%s\n", t ? t : "{}");
    free(t);
    cJSON_Delete(j);
}

int cmd_dream(cli_args *o)
{
    int ids[DREAM_MAX_LAYERS], nl = 0, rc = 0;
    float w[DREAM_MAX_LAYERS], *obj = NULL;
    clvis_image photo = {0}, out = {0};
    clvis_dream_options d;
    clvis_dream_options_default(&d);
    d.octaves = (int)o->octaves;
    d.octave_scale = (float)o->octave_scale;
    d.step = (float)o->step;
    if (o->given & F_STEPS)
        d.steps = (int)o->steps;
    d.seed = (uint32_t)o->seed;
    d.preprocess = o->preprocess;
    session s;
    if (session_open(o, &s, 1))
        return 1;
    if ((rc = parse_layers(s.model, o->layer, ids, w, &nl)))
        goto done;
    clvis_status st = clvis_image_load(o->pos[0], &photo);
    if (st) {
        rc = cli_fail_st(st);
        goto done;
    }
    double f = pow(d.octave_scale, d.octaves - 1);
    int sh = (int)lround(photo.h / f), sw = (int)lround(photo.w / f);
    if (sh < 16 || sw < 16) {
        rc = cli_usage_fail("--octaves %d at --octave-scale %g: the smallest octave of %s "
                            "(%dx%d) is %dx%d, under 16 pixels a side", d.octaves,
                            d.octave_scale, o->pos[0], photo.w, photo.h, sw, sh);
        goto done;
    }
    char stem[200], file[300], path[1400];
    cli_stem(o->pos[0], stem, sizeof stem);
    out_names names = {0};
    rc = out_name(&names, "dream_", stem, o->format_png ? ".png" : ".jpg", o->pos[0], file,
                  sizeof file);
    out_names_free(&names);
    if (rc || (rc = out_prepare(o->out)) || (rc = out_path(path, sizeof path, o->out, file)))
        goto done;
    obj = malloc(((size_t)d.octaves * d.steps + 1) * sizeof *obj);
    if (!obj) {
        rc = cli_fail("out of host memory");
        goto done;
    }
    double t0 = util_now_ms();
    st = clvis_dream(s.model, &photo, ids, w, nl, &d, &out, obj, cli_progress, NULL);
    if (!st)
        st = o->format_png ? clvis_image_write_png(path, &out)
                           : clvis_image_write_jpeg(path, &out, 95);
    if (st) {
        rc = cli_fail_st(st);
        goto done;
    }
    double ms = util_now_ms() - t0;
    if (o->json)
        print_json(o->pos[0], path, s.model, ids, w, nl, &d, obj, out.w, out.h, ms);
    else {
        printf("%s: dream of", o->pos[0]);
        for (int i = 0; i < nl; i++)
            printf("%s %s:%g", i ? "," : "", clvis_model_layer_name(s.model, ids[i]), w[i]);
        printf(", %d octaves x %d steps", d.octaves, d.steps);
        if (d.steps > 0)
            printf(", objective %.6g -> %.6g (last octave)",
                   obj[(size_t)(d.octaves - 1) * d.steps],
                   obj[(size_t)d.octaves * d.steps - 1]);
        printf("\n%s %.0f ms\n", path, ms);
    }
    char cap[700];
    snprintf(cap, sizeof cap, "deep dream of %s: %s%s, %d octaves (scale %g) x %d steps, step "
             "%g, jitter %d, seed %ld", o->pos[0], clvis_model_layer_name(s.model, ids[0]),
             nl > 1 ? " and more layers" : "", d.octaves, d.octave_scale, d.steps, d.step,
             d.jitter, o->seed);
    report_entry e = {.command = "dream", .file = file, .caption = cap, .model = s.model_path,
                      .device = s.device, .ms = ms, .image = o->pos[0], .w = out.w, .h = out.h};
    rc = out_report(o, &e, 1);
done:
    free(obj);
    clvis_image_free(&photo);
    clvis_image_free(&out);
    session_close(&s);
    return rc;
}

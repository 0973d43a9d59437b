/* filters_lucid.c — `clvis filters --style lucid`: feature visualisation as Lucid does it
 * (clvis_lucid_patterns): grids of units 0..63 (lucid_<layer>.png) or one unit with --layer L
 * --filter F (lucid_<layer>_<F>.png), or a direction (lucid_<layer>_direction.png); 256 steps
 * and 128x128 by default. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/outdir.h"
#include "cli/session.h"
#include "cli/util.h"

static const char *const param_names[] = {"pixel", "fft"};
static const char *const objective_names[] = {"channel", "neuron", "class", "direction"};

/* The layers: --layer / --layers, else the class objective's output layer, else the book's
 * (VGG's block convolutions, or the first four convolution layers). */
static int pick_layers(const cli_args *o, const session *s, int cls, int **layers, int *nl)
{
    if (o->layer) {
        *layers = calloc(1, sizeof **layers);
        *nl = 1;
        return *layers ? cli_find_layer(s->model, o->layer, &(*layers)[0]) : cli_fail("out of memory");
    }
    if (o->layers)
        return cli_parse_layers(s->model, o->layers, layers, nl);
    int *l = calloc(4, sizeof *l), n = 0;
    if (!l)
        return cli_fail("out of memory");
    *layers = l;
    if (cls) {
        l[0] = clvis_model_layer_count(s->model) - 1;
        *nl = 1;
        return 0;
    }
    static const char *vgg[] = {"block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1"};
    for (int i = 0; i < 4; i++) {
        int id;
        if (!clvis_model_find_layer(s->model, vgg[i], &id))
            l[n++] = id;
    }
    for (int i = 1; n == 0 && i < clvis_model_layer_count(s->model); i++)
        if (strstr(clvis_model_layer_type(s->model, i), "Conv"))
            while (i < clvis_model_layer_count(s->model) && n < 4) {
                if (strstr(clvis_model_layer_type(s->model, i), "Conv"))
                    l[n++] = i;
                i++;
            }
    *nl = n;
    return n ? 0 : cli_fail("%s has no convolution layer; use --layers", s->model_path);
}

int cmd_filters_lucid(cli_args *o)
{
    session s;
    if (session_open(o, &s, 1))
        return 1;
    const cli_lucid_args *la = &o->lucid;
    clvis_lucid_options lo;
    clvis_lucid_options_default(&lo);
    if (o->given & F_STEPS)
        lo.steps = (int)o->steps;
    if (la->lr > 0)
        lo.lr = (float)la->lr;
    if (la->param >= 0)
        lo.param = (clvis_lucid_param)la->param;
    if (la->decorrelate >= 0)
        lo.decorrelate = la->decorrelate;
    if (la->transforms >= 0)
        lo.transforms = la->transforms;
    if (la->objective >= 0)
        lo.objective = (clvis_lucid_objective)la->objective;
    if (la->optimizer >= 0)
        lo.optimizer = (clvis_lucid_optimizer)la->optimizer;
    lo.l1 = (float)la->l1;
    lo.tv = (float)la->tv;
    lo.blur = (float)la->blur;
    lo.diversity = (float)la->diversity;
    lo.seed = (uint32_t)o->seed;
    lo.chunk = (int)o->chunk;
    lo.preprocess = o->preprocess;
    const int cls = lo.objective == CLVIS_LUCID_CLASS, dir = lo.objective == CLVIS_LUCID_DIRECTION;
    int rc = 0, *layers = NULL, nl = 0;
    float *dirw = NULL;
    if (dir) {
        dirw = malloc((size_t)la->direction_n * sizeof *dirw);
        if (!dirw) {
            rc = cli_fail("out of host memory");
            goto done;
        }
        lo.direction_n = cli_lucid_direction(la->direction, dirw, la->direction_n);
        lo.direction = dirw;
    }
    clvis_shape in = clvis_model_input_shape(s.model);
    int size = o->size ? (int)o->size : 128;
    if (in.c != 3) {
        rc = cli_fail("%s: lucid patterns need an RGB model input (got %d channels)", s.model_path,
                      in.c);
        goto done;
    }
    if (clvis_model_set_input_size(s.model, size, size) != CLVIS_OK) {
        rc = cli_fail("--size %d: %s", size, clvis_last_error());
        goto done;
    }
    if ((rc = pick_layers(o, &s, cls, &layers, &nl)))
        goto done;
    for (int i = 0; i < nl; i++) {
        clvis_shape sh = clvis_model_layer_shape(s.model, layers[i]);
        const char *name = clvis_model_layer_name(s.model, layers[i]);
        int flat = sh.h == 1 && sh.w == 1;
        if (layers[i] == 0 || (cls != flat)) {
            rc = cli_fail(cls ? "--objective class: layer '%s' (%s) is not a dense output"
                              : "layer '%s' (%s) has no spatial feature maps for filter patterns "
                                "(--objective class for a dense output)",
                          name, clvis_model_layer_type(s.model, layers[i]));
            goto done;
        }
        if (dir && lo.direction_n != sh.c) {
            rc = cli_fail("--direction: %d weights, layer '%s' has %d channels", lo.direction_n,
                          name, sh.c);
            goto done;
        }
        for (int k = 0; k < o->n_filters; k++)
            if (o->filters[k] >= sh.c) {
                rc = cli_fail("--filters: %d out of range: layer '%s' has %d %s (0..%d)",
                              o->filters[k], name, sh.c, cls ? "units" : "filters", sh.c - 1);
                goto done;
            }
        if (o->filter >= sh.c) {
            rc = cli_fail("filter %ld out of range: layer '%s' has %d %s (0..%d)", o->filter, name,
                          sh.c, cls ? "units" : "filters", sh.c - 1);
            goto done;
        }
    }
    if ((rc = out_prepare(o->out)))
        goto done;
    report_entry *e = calloc((size_t)nl, sizeof *e);
    char (*caps)[512] = calloc((size_t)nl, sizeof *caps);
    char (*files)[300] = calloc((size_t)nl, sizeof *files);
    if (!e || !caps || !files) {
        free(e);
        free(caps);
        free(files);
        rc = cli_fail("out of host memory");
        goto done;
    }
    int ne = 0;
    out_names names = {0};
    char how[200];
    snprintf(how, sizeof how, "%s objective, %s%s%s, %s lr %g, %d steps, seed %ld",
             objective_names[lo.objective], param_names[lo.param],
             lo.decorrelate ? " decorrelated" : "", lo.transforms ? ", transforms" : "",
             lo.optimizer == CLVIS_LUCID_RMS          ? "RMS step"
             : lo.optimizer == CLVIS_LUCID_ADAM_TORCH ? "PyTorch's Adam"
                                                      : "Adam",
             lo.lr, lo.steps, o->seed);
    char divs[64] = "";
    if (lo.diversity > 0)
        snprintf(divs, sizeof divs, ", diversity %g", lo.diversity);
    for (int i = 0; i < nl && !rc; i++) {
        const char *name = clvis_model_layer_name(s.model, layers[i]);
        double t0 = util_now_ms();
        clvis_image img = {0};
        clvis_status st;
        char suffix[32];
        snprintf(suffix, sizeof suffix, dir ? "_direction.png" : "_%ld.png", o->filter);
        if (out_name(&names, "lucid_", name, o->filter >= 0 || dir ? suffix : ".png", NULL, files[ne],
                     sizeof files[ne])) {
            rc = 1;
            break;
        }
        if (dir) { /* one pattern of the direction */
            int f = 0;
            img = (clvis_image){size, size, 3, malloc((size_t)size * size * 3)};
            if (!img.px) {
                rc = cli_fail("out of host memory");
                break;
            }
            st = clvis_lucid_patterns(s.model, layers[i], &f, 1, &lo, img.px, NULL, NULL,
                                      cli_progress, NULL);
            snprintf(caps[ne], sizeof caps[ne], "Lucid-style pattern of a direction in %s, %dx%d "
                     "(%s)", name, size, size, how);
        } else if (o->filter >= 0) {
            int f = (int)o->filter;
            img = (clvis_image){size, size, 3, malloc((size_t)size * size * 3)};
            if (!img.px) {
                rc = cli_fail("out of host memory");
                break;
            }
            st = clvis_lucid_patterns(s.model, layers[i], &f, 1, &lo, img.px, NULL, NULL,
                                      cli_progress, NULL);
            snprintf(caps[ne], sizeof caps[ne], "Lucid-style pattern of %s %ld of %s, %dx%d (%s)",
                     cls ? "unit" : "filter", o->filter, name, size, size, how);
        } else {
            int nch = clvis_model_layer_shape(s.model, layers[i]).c, nshow = nch < 64 ? nch : 64;
            char which[120];
            snprintf(which, sizeof which, "0..%d of %d", nshow - 1, nch);
            if (o->n_filters) { /* --filters LIST: that grid (repeats allowed) */
                nshow = o->n_filters;
                snprintf(which, sizeof which, "%.60s of %d", o->filters_spec, nch);
                st = clvis_lucid_grid(s.model, layers[i], o->filters, o->n_filters, &lo, &img,
                                      cli_progress, NULL);
            } else
                st = clvis_lucid_filters(s.model, layers[i], &lo, &img, cli_progress, NULL);
            snprintf(caps[ne], sizeof caps[ne],
                     "Lucid-style patterns of %s: %s %s, %d rows x %d column%s (i+8j "
                     "at row i, column j), %dx%d each (%s%s)", name, cls ? "units" : "filters",
                     which, nshow < 8 ? nshow : 8, (nshow + 7) / 8,
                     (nshow + 7) / 8 == 1 ? "" : "s", size, size, how, divs);
        }
        char path[1400];
        if (!st && out_path(path, sizeof path, o->out, files[ne])) {
            clvis_image_free(&img);
            rc = 1;
            break;
        }
        if (!st)
            st = clvis_image_write_png(path, &img);
        int img_w = img.w, img_h = img.h;
        clvis_image_free(&img);
        if (st) {
            rc = cli_fail_st(st);
            break;
        }
        double ms = util_now_ms() - t0;
        printf("%s %.0f ms\n", path, ms);
        fflush(stdout);
        e[ne] = (report_entry){.command = "filters", .file = files[ne], .caption = caps[ne],
                               .model = s.model_path, .device = s.device, .ms = ms,
                               .role = REPORT_ROLE_GRID, .w = img_w, .h = img_h};
        ne++;
    }
    out_names_free(&names);
    if (ne)
        rc |= out_report(o, e, ne);
    free(e);
    free(caps);
    free(files);
done:
    free(layers);
    free(dirw);
    session_close(&s);
    return rc;
}

/* activations.c — `clvis activations`: listing 5.31's activation grids of one image, a PNG
 * per layer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/outdir.h"
#include "cli/session.h"
#include "cli/util.h"

int cmd_activations(cli_args *o)
{
    session s;
    if (session_open(o, &s, 1))
        return 1;
    int rc = 0, *layers = NULL, nl = 0;
    float *x = NULL;
    clvis_activation_result *res = NULL;
    if (o->layers) {
        if ((rc = cli_parse_layers(s.model, o->layers, &layers, &nl)))
            goto done;
    } else {
        layers = calloc(8, sizeof *layers);
        nl = clvis_activations_default_layers(s.model, layers, 8);
        if (!nl) {
            rc = cli_fail("%s: none of the first 8 layers can be drawn; use --layers",
                          s.model_path);
            goto done;
        }
    }
    for (int i = 0; i < nl; i++)
        if (!clvis_activations_drawable(s.model, layers[i])) {
            clvis_shape sh = clvis_model_layer_shape(s.model, layers[i]);
            rc = cli_fail("layer '%s' (%s, output %dx%dx%d) cannot be drawn: it needs a spatial "
                          "output with at least 16 channels",
                      clvis_model_layer_name(s.model, layers[i]),
                      clvis_model_layer_type(s.model, layers[i]), sh.h, sh.w, sh.c);
            goto done;
        }
    if ((rc = out_prepare(o->out)))
        goto done;
    x = malloc(clvis_input_count(s.model) * sizeof *x);
    res = calloc((size_t)nl, sizeof *res);
    double t0 = util_now_ms();
    clvis_status st = clvis_input_load(s.model, o->pos[0], o->preprocess, x, NULL);
    if (!st)
        st = clvis_activations(s.model, x, layers, nl, o->out, res, NULL, cli_progress, NULL);
    if (st) {
        rc = cli_fail_st(st);
        goto done;
    }
    double ms = util_now_ms() - t0;
    session_preprocess_note(o, &s, 0);
    report_entry *e = calloc((size_t)nl, sizeof *e);
    char (*caps)[512] = calloc((size_t)nl, sizeof *caps);
    char (*files)[300] = calloc((size_t)nl, sizeof *files);
    printf("%-28s %-16s %8s %6s  %s\n", "layer", "shape", "zeros", "dead", "file");
    for (int i = 0; i < nl; i++) {
        const char *name = clvis_model_layer_name(s.model, layers[i]);
        char shape[64];
        snprintf(shape, sizeof shape, "%dx%dx%d", res[i].h, res[i].w, res[i].c);
        printf("%-28s %-16s %7.2f%% %6d  %s\n", name, shape, 100 * res[i].zero_fraction,
               res[i].dead, res[i].file);
        const char *b = strrchr(res[i].file, '/');
        snprintf(files[i], sizeof files[i], "%s", b ? b + 1 : res[i].file);
        /* the library made the name safe and unique; say so when two layers met in one name */
        char want[320];
        out_names one = {0};
        if (out_name(&one, "act_", name, ".png", NULL, want, sizeof want) == 0 &&
            strcmp(want, files[i]))
            fprintf(stderr, "clvis: warning: %s is already a result of this run; layer '%s' is "
                            "written as %s\n", want, name, files[i]);
        out_names_free(&one);
        snprintf(caps[i], sizeof caps[i],
                 "%s (%s) of %s: %s, %.1f%% zeros (sparsity), %d dead channels", name,
                 clvis_model_layer_type(s.model, layers[i]), o->pos[0], shape,
                 100 * res[i].zero_fraction, res[i].dead);
        e[i] = (report_entry){.command = "activations", .file = files[i], .caption = caps[i],
                              .model = s.model_path, .device = s.device, .ms = ms / nl,
                              .image = o->pos[0], .role = REPORT_ROLE_GRID,
                              .w = res[i].grid_w, .h = res[i].grid_h};
    }
    rc = out_report(o, e, nl);
    free(e);
    free(caps);
    free(files);
done:
    free(layers);
    free(x);
    free(res);
    session_close(&s);
    return rc;
}


/* activations.c — listing 5.31: every channel of intermediate activations as a grid, one
 * forward for all layers, viridis PNG per layer, sparsity and dead-channel statistics. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/engine.h"
#include "io/fsutil.h"
#include "viz/book.h"
#include "explain/explain.h"

int clvis_activations_drawable(const clvis_model *m, int layer)
{
    if (layer <= 0 || layer >= clvis_model_layer_count(m))
        return 0;
    clvis_shape s = clvis_model_layer_shape(m, layer);
    return s.c >= VIZ_IMAGES_PER_ROW && (s.h > 1 || s.w > 1);
}

int clvis_activations_default_layers(const clvis_model *m, int *layers, int cap)
{
    int n = 0, nl = clvis_model_layer_count(m);
    /* model.layers[:8]: the first 8 layers after the input */
    for (int i = 1; i < nl && i <= 8 && n < cap; i++)
        if (clvis_activations_drawable(m, i))
            layers[n++] = i;
    return n;
}

clvis_status clvis_activations(clvis_model *m, const float *x, const int *layers, int n_layers,
                             const char *out_dir, clvis_activation_result *res, unsigned char **gray,
                             clvis_progress_fn progress, void *user)
{
    if (!m || !x || !layers || n_layers < 1 || !res)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_activations: bad argument");
    graph *g = model_graph(m);
    for (int i = 0; i < n_layers; i++) {
        int l = layers[i];
        if (l < 0 || l >= graph_count(g))
            return err_set(CLVIS_ERR_INVALID_ARG, "layer index %d out of range", l);
        if (!clvis_activations_drawable(m, l)) {
            shape3 s = graph_node_shape(g, l);
            return err_set(CLVIS_ERR_SHAPE,
                           "layer '%s' (%s) cannot be drawn as an activation grid: output %dx%dx%d "
                           "(needs a spatial output with at least %d channels)",
                           graph_node_name(g, l), graph_node_type(g, l), s.h, s.w, s.c,
                           VIZ_IMAGES_PER_ROW);
        }
    }
    if (gray)
        for (int i = 0; i < n_layers; i++)
            gray[i] = NULL;
    size_t maxc = 0;
    for (int i = 0; i < n_layers; i++) {
        shape3 s = graph_node_shape(g, layers[i]);
        size_t c = (size_t)s.c * s.h * s.w;
        if (c > maxc)
            maxc = c;
    }
    float *buf = malloc(maxc * sizeof *buf);
    if (!buf)
        return err_set(CLVIS_ERR_NO_MEMORY, "activations: out of memory");
    clvis_status st = graph_plan(g, 1);
    if (!st)
        st = graph_set_input(g, LAYOUT_NHWC, x);
    if (!st)
        st = graph_forward(g, -1);
    for (int i = 0; !st && i < n_layers; i++) {
        const char *name = graph_node_name(g, layers[i]);
        shape3 s = graph_node_shape(g, layers[i]);
        clvis_activation_result *r = &res[i];
        memset(r, 0, sizeof *r);
        r->layer = layers[i];
        r->c = s.c;
        r->h = s.h;
        r->w = s.w;
        if ((st = graph_read(g, layers[i], LAYOUT_NCHW, buf)))
            break;
        if ((st = viz_act_grid_size(s.c, s.h, s.w, &r->grid_w, &r->grid_h)))
            break;
        unsigned char *grid = malloc((size_t)r->grid_w * r->grid_h);
        if (!grid) {
            st = err_set(CLVIS_ERR_NO_MEMORY, "activations: out of memory");
            break;
        }
        viz_act_stats stats;
        st = viz_act_grid(grid, buf, s.c, s.h, s.w, &stats);
        r->dead = stats.dead;
        r->zero_fraction = stats.zero_fraction;
        if (!st && out_dir) {
            image8 rgb = {0};
            /* the layer name made safe as a file name (a name like "a/../../x" never leaves
             * out_dir) and unique in this call (two names that sanitise alike, or a layer
             * asked for twice, get _2, _3, ...) */
            char safe[FS_NAME_MAX + 1], fname[300];
            fs_safe_name(name, safe, sizeof safe);
            for (int k = 1;; k++) {
                if (k == 1)
                    snprintf(fname, sizeof fname, "act_%s.png", safe);
                else
                    snprintf(fname, sizeof fname, "act_%s_%d.png", safe, k);
                if ((st = viz_path(r->file, sizeof r->file, out_dir, fname)))
                    break;
                int taken = 0;
                for (int j = 0; j < i && !taken; j++)
                    taken = !strcmp(res[j].file, r->file);
                if (!taken)
                    break;
            }
            if (!st)
                st = viz_viridis_u8(&rgb, grid, r->grid_w, r->grid_h);
            if (!st)
                st = image_write_png(r->file, &rgb);
            image_free(&rgb);
            if (st)
                r->file[0] = 0;
        }
        if (gray && !st)
            gray[i] = grid;
        else
            free(grid);
        if (!st)
            viz_say(progress, user,
                "activations %d/%d %s: %dx%dx%d, zeros %.1f%%, dead channels %d%s%s", i + 1,
                n_layers, name, s.h, s.w, s.c, 100.0 * r->zero_fraction, r->dead,
                r->file[0] ? " -> " : "", r->file);
    }
    free(buf);
    if (st && gray)
        for (int i = 0; i < n_layers; i++) {
            free(gray[i]);
            gray[i] = NULL;
        }
    return st;
}

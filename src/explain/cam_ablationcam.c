/* cam_ablationcam.c — Ablation-CAM (Desai & Ramaswamy 2020), a row of the method table: for each
 * channel k of the layer, the network runs on from the layer (graph_write + graph_forward_from,
 * one channel per batch item) with A_k set to zero, w_k = (s - s_k) / s with s the class score
 * and s_k the ablated one, map = relu(sum_k w_k A_k) / max. The score is the model's output for
 * the class (pytorch-grad-cam's ClassifierOutputTarget; the logit with --score logit).
 * pytorch-grad-cam's AblationLayer zeroes the channel only when the layer's minimum is exactly
 * 0, else writes min - 1e7 (cumulatively within a batch); clvis zeroes it always, as the paper
 * does, and its test checks that definition (the peer where the minimum is 0). */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "explain/cam.h"
#include "explain/explain.h"

static clvis_status ablationcam_map(const cam_input *in, float *map, int *all_nonpositive)
{
    if (cam_bad_input(in))
        return CLVIS_ERR_INVALID_ARG;
    if (!in->g || !in->x)
        return err_set(CLVIS_ERR_INVALID_ARG, "ablationcam: no graph or input");
    if (in->score_node < 0)
        return cam_scores(in, 0, NULL, NULL); /* the error: no batch score */
    graph *g = in->g;
    shape3 is = graph_node_shape(g, 0), os = graph_node_shape(g, in->score_node);
    size_t item = (size_t)is.c * is.h * is.w, ncls = (size_t)os.c * os.h * os.w;
    size_t hw = (size_t)in->h * in->w, acount = hw * in->k;
    int k = in->k, B = cam_batch(g, k, in->batch);
    float *xs = malloc((size_t)B * item * sizeof *xs), *y = malloc((size_t)B * ncls * sizeof *y);
    float *ab = malloc((size_t)B * acount * sizeof *ab);
    double *w = malloc((size_t)k * sizeof *w), *acc = malloc(hw * sizeof *acc);
    double s = 0.0;
    clvis_status st = CLVIS_OK;
    if (!xs || !y || !ab || !w || !acc) {
        st = err_set(CLVIS_ERR_NO_MEMORY, "ablationcam: out of memory");
        goto done;
    }
    for (int b = 0; b < B; b++)
        memcpy(xs + (size_t)b * item, in->x, item * sizeof *xs);
    /* the whole network once at this batch: the branches around the layer and the score s */
    if ((st = graph_plan(g, B)) || (st = graph_set_input(g, LAYOUT_NHWC, xs)) ||
        (st = graph_forward(g, in->score_node)) || (st = cam_scores(in, 1, y, &s)))
        goto done;
    if (!(s != 0.0)) {
        st = err_set(CLVIS_ERR_UNSUPPORTED, "ablationcam: the class score is %g; its relative "
                     "drop (s - s_k) / s is undefined", s);
        goto done;
    }
    for (int c0 = 0; c0 < k; c0 += B) {
        int nb = k - c0 < B ? k - c0 : B;
        for (int b = 0; b < B; b++) {
            float *a = ab + (size_t)b * acount;
            memcpy(a, in->act, acount * sizeof *a);
            if (b < nb) /* the padding items run unablated (ignored) */
                memset(a + (size_t)(c0 + b) * hw, 0, hw * sizeof *a);
        }
        if ((st = graph_write(g, in->layer, LAYOUT_NCHW, ab)) ||
            (st = graph_forward_from(g, in->layer, in->score_node)) ||
            (st = cam_scores(in, nb, y, w + c0)))
            goto done;
        for (int b = 0; b < nb; b++)
            w[c0 + b] = (s - w[c0 + b]) / s;
        viz_say(in->progress, in->progress_user, "ablationcam: %d/%d channels (batch %d)",
                c0 + nb, k, B);
    }
    cam_weighted_sum(in, w, acc);
    cam_finish(acc, hw, map, all_nonpositive);
done:
    free(xs), free(y), free(ab), free(w), free(acc);
    return st;
}

const cam_method cam_ablationcam = {
    "ablationcam", "Desai & Ramaswamy: w_k = (s - s with channel k zeroed) / s, model output score",
    0, ablationcam_map};

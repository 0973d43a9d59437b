/* cam_fullgrad.c — FullGrad (Srinivas & Fleuret 2019), a row of the method table, as
 * pytorch-grad-cam's FullGrad computes it: the input-gradient term |x * dscore/dx| and, for
 * every layer with a channel bias on the way to the score (convolutions with a bias, batch
 * norms: graph_node_has_bias), the bias-gradient term |b_c * dscore/dz_c| with z the layer's
 * output (before a fused activation). Each channel of each term is scaled to [0, 1] on its own
 * ((v - min) / (max - min + 1e-7), the peer's scale_cam_image), the layers' channels resized
 * to the input (cv2.resize INTER_LINEAR, the peer's; summed before the resize, which is
 * linear), and all of them summed; the map is at
 * the input's resolution, the chosen layer is not used. The score is the model's output for
 * the class (the logit with --score logit). ReLU (a no-op: every term is >= 0) and division by
 * the max as every method; the peer min-max normalises instead. */
#include <math.h>
#include <stdlib.h>

#include "core/error.h"
#include "explain/cam.h"
#include "io/resize.h"

/* pytorch-grad-cam's scale_cam_image of one map: v - min, then / (1e-7 + max). */
static void scale01(double *v, size_t n)
{
    double lo = v[0], hi = 0.0;
    for (size_t i = 1; i < n; i++)
        lo = v[i] < lo ? v[i] : lo;
    for (size_t i = 0; i < n; i++) {
        v[i] -= lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    for (size_t i = 0; i < n; i++)
        v[i] /= 1e-7 + hi;
}

static clvis_status fullgrad_map(const cam_input *in, float *map, int *all_nonpositive)
{
    if (!in || !in->g || !in->x || in->from < 0)
        return err_set(CLVIS_ERR_INVALID_ARG, "fullgrad: no graph, input or score");
    graph *g = in->g;
    shape3 is = graph_node_shape(g, 0);
    size_t HW = (size_t)is.h * is.w, most = HW * is.c;
    int nodes = graph_count(g), maxc = is.c;
    for (int i = 1; i < nodes; i++) {
        shape3 s = graph_node_shape(g, i);
        size_t c = (size_t)s.c * s.h * s.w;
        most = c > most ? c : most;
        maxc = s.c > maxc ? s.c : maxc;
    }
    double *acc = calloc(HW, sizeof *acc), *v = malloc((most > HW ? most : HW) * sizeof *v);
    double *sum = malloc(most * sizeof *sum);
    float *gr = malloc(most * sizeof *gr), *b = malloc((size_t)maxc * sizeof *b);
    float *vf = malloc(most * sizeof *vf), *up = malloc(HW * sizeof *up);
    clvis_status st = CLVIS_OK;
    if (!acc || !v || !sum || !gr || !b || !vf || !up) {
        st = err_set(CLVIS_ERR_NO_MEMORY, "fullgrad: out of memory");
        goto done;
    }
    /* the input term, channel by channel (the input already has the input's size) */
    if ((st = graph_read_grad(g, 0, LAYOUT_NCHW, gr)))
        goto done;
    for (int c = 0; c < is.c; c++) {
        for (size_t p = 0; p < HW; p++)
            v[p] = fabs((double)in->x[p * is.c + c] * gr[(size_t)c * HW + p]);
        scale01(v, HW);
        for (size_t p = 0; p < HW; p++)
            acc[p] += (float)v[p];
    }
    /* the bias terms of the layers the score depends on (the backward pass reached them all) */
    for (int i = 1; i < nodes; i++) {
        if (!graph_node_has_bias(g, i) || i == in->from || !graph_depends(g, in->from, i) ||
            !graph_depends(g, i, 0))
            continue;
        shape3 s = graph_node_shape(g, i);
        size_t hw = (size_t)s.h * s.w;
        if ((st = graph_read_grad(g, i, LAYOUT_NCHW, gr)) || (st = graph_read_bias(g, i, b)))
            goto done;
        /* the peer resizes each channel, then sums; the resize is linear, so the layer's
         * channels are summed first (in double) and resized once */
        for (size_t p = 0; p < hw; p++)
            sum[p] = 0.0;
        for (int c = 0; c < s.c; c++) {
            for (size_t p = 0; p < hw; p++)
                v[p] = fabs((double)b[c] * gr[(size_t)c * hw + p]);
            scale01(v, hw);
            for (size_t p = 0; p < hw; p++)
                sum[p] += v[p];
        }
        for (size_t p = 0; p < hw; p++)
            vf[p] = (float)sum[p];
        if ((st = cv_resize_bilinear_f32(up, is.w, is.h, vf, s.w, s.h, 1)))
            goto done;
        for (size_t p = 0; p < HW; p++)
            acc[p] += up[p];
    }
    cam_finish(acc, HW, map, all_nonpositive);
done:
    free(acc), free(v), free(sum), free(gr), free(b), free(vf), free(up);
    return st;
}

const cam_method cam_fullgrad = {
    "fullgrad",
    "Srinivas & Fleuret: |x dx| + every bias layer's |b dz|, each channel scaled, at input size",
    0, fullgrad_map};

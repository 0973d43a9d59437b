/* cam_gradcampp.c — Grad-CAM++ (Chattopadhay et al. 2018), a row of the method table, in
 * pytorch-grad-cam's closed form (its GradCAMPlusPlus, eq. 19 of the paper with the exponential
 * of the score folded into the powers of the first gradient): for channel k with gradient g at
 * pixel ij and spatial activation sum S_k = sum_ij A_k,ij,
 *     alpha_k,ij = g^2 / (2 g^2 + S_k g^3 + 1e-6)   (0 where g = 0),
 *     w_k = sum_ij relu(g) alpha_k,ij,   map = relu(sum_k w_k A_k) / max.
 * The score is the model's output for the class, as pytorch-grad-cam's ClassifierOutputTarget
 * (the logit with --score logit). Double precision throughout. */
#include <stdlib.h>

#include "core/error.h"
#include "explain/cam.h"

static clvis_status gradcampp_map(const cam_input *in, float *map, int *all_nonpositive)
{
    if (cam_bad_input(in))
        return CLVIS_ERR_INVALID_ARG;
    size_t hw = (size_t)in->h * in->w;
    double *acc = calloc(hw, sizeof *acc);
    if (!acc)
        return err_set(CLVIS_ERR_NO_MEMORY, "gradcam++: out of memory");
    for (int ch = 0; ch < in->k; ch++) {
        const float *a = in->act + (size_t)ch * hw, *g = in->grad + (size_t)ch * hw;
        double s = 0.0, w = 0.0;
        for (size_t i = 0; i < hw; i++)
            s += a[i];
        for (size_t i = 0; i < hw; i++) {
            double g1 = g[i], g2 = g1 * g1, g3 = g2 * g1;
            if (g1 > 0.0) /* relu(g) alpha: alpha's own zero at g = 0 needs no case */
                w += g1 * (g2 / (2.0 * g2 + s * g3 + 1e-6));
        }
        for (size_t i = 0; i < hw; i++)
            acc[i] += w * a[i];
    }
    cam_finish(acc, hw, map, all_nonpositive);
    free(acc);
    return CLVIS_OK;
}

const cam_method cam_gradcampp = {
    "gradcam++",
    "Chattopadhay et al.: w_k = sum relu(g) g^2/(2g^2 + sum(A_k) g^3 + 1e-6), model output score",
    0, gradcampp_map};

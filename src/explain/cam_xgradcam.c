/* cam_xgradcam.c — XGrad-CAM (Fu et al. 2020), a row of the method table: the channel weight is
 * the activation-weighted gradient, w_k = sum_ij g_k,ij A_k,ij / (sum_ij A_k,ij + 1e-7)
 * (pytorch-grad-cam's XGradCAM, eps included), map = relu(sum_k w_k A_k) / max. The score is the
 * model's output for the class (the logit with --score logit). Double precision. */
#include <stdlib.h>

#include "core/error.h"
#include "explain/cam.h"

static clvis_status xgradcam_map(const cam_input *in, float *map, int *all_nonpositive)
{
    if (cam_bad_input(in))
        return CLVIS_ERR_INVALID_ARG;
    size_t hw = (size_t)in->h * in->w;
    double *acc = calloc(hw, sizeof *acc);
    if (!acc)
        return err_set(CLVIS_ERR_NO_MEMORY, "xgradcam: out of memory");
    for (int ch = 0; ch < in->k; ch++) {
        const float *a = in->act + (size_t)ch * hw, *g = in->grad + (size_t)ch * hw;
        double s = 0.0, ga = 0.0;
        for (size_t i = 0; i < hw; i++) {
            s += a[i];
            ga += (double)g[i] * a[i];
        }
        double w = ga / (s + 1e-7);
        for (size_t i = 0; i < hw; i++)
            acc[i] += w * a[i];
    }
    cam_finish(acc, hw, map, all_nonpositive);
    free(acc);
    return CLVIS_OK;
}

const cam_method cam_xgradcam = {
    "xgradcam",
    "Fu et al.: w_k = sum(g A_k) / (sum(A_k) + 1e-7), channel sum, model output score",
    0, xgradcam_map};

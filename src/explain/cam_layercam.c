/* cam_layercam.c — LayerCAM (Jiang et al. 2021), a row of the method table: every pixel its
 * own weight, the positive part of the gradient: map = relu(sum_k relu(g_k) * A_k) / max
 * (elementwise, pytorch-grad-cam's LayerCAM without eigen smoothing). The score is the model's
 * output for the class (the logit with --score logit). Double precision. */
#include <stdlib.h>

#include "core/error.h"
#include "explain/cam.h"

static clvis_status layercam_map(const cam_input *in, float *map, int *all_nonpositive)
{
    if (cam_bad_input(in))
        return CLVIS_ERR_INVALID_ARG;
    size_t hw = (size_t)in->h * in->w;
    double *acc = calloc(hw, sizeof *acc);
    if (!acc)
        return err_set(CLVIS_ERR_NO_MEMORY, "layercam: out of memory");
    for (int ch = 0; ch < in->k; ch++) {
        const float *a = in->act + (size_t)ch * hw, *g = in->grad + (size_t)ch * hw;
        for (size_t i = 0; i < hw; i++)
            if (g[i] > 0.0f)
                acc[i] += (double)g[i] * a[i];
    }
    cam_finish(acc, hw, map, all_nonpositive);
    free(acc);
    return CLVIS_OK;
}

const cam_method cam_layercam = {
    "layercam",
    "Jiang et al.: sum_k relu(g_k) A_k per pixel, model output score", 0, layercam_map};

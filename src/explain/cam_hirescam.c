/* cam_hirescam.c — HiResCAM (Draelos & Carin 2020), a row of the method table: the gradient
 * times the activation, elementwise, summed over channels: map = relu(sum_k g_k * A_k) / max
 * (pytorch-grad-cam's HiResCAM without eigen smoothing). Grad-CAM averages g over the pixels
 * first; HiResCAM keeps each pixel's own gradient. The score is the model's output for the class
 * (the logit with --score logit). Double precision. */
#include <stdlib.h>

#include "core/error.h"
#include "explain/cam.h"

static clvis_status hirescam_map(const cam_input *in, float *map, int *all_nonpositive)
{
    if (cam_bad_input(in))
        return CLVIS_ERR_INVALID_ARG;
    size_t hw = (size_t)in->h * in->w;
    double *acc = calloc(hw, sizeof *acc);
    if (!acc)
        return err_set(CLVIS_ERR_NO_MEMORY, "hirescam: out of memory");
    for (int ch = 0; ch < in->k; ch++) {
        const float *a = in->act + (size_t)ch * hw, *g = in->grad + (size_t)ch * hw;
        for (size_t i = 0; i < hw; i++)
            acc[i] += (double)g[i] * a[i];
    }
    cam_finish(acc, hw, map, all_nonpositive);
    free(acc);
    return CLVIS_OK;
}

const cam_method cam_hirescam = {
    "hirescam", "Draelos & Carin: sum_k g_k A_k per pixel, model output score", 0,
    hirescam_map};

/* cam_eigengradcam.c — Eigen-Grad-CAM (pytorch-grad-cam's EigenGradCAM: Eigen-CAM of the
 * gradient times the activation), a row of the method table: g * A elementwise, projected on
 * its first principal component (cam_pca.c, with its sign correction), ReLU, divided by the max.
 * The score is the model's output for the class (the logit with --score logit). */
#include <stdlib.h>

#include "core/error.h"
#include "explain/cam.h"

static clvis_status eigengradcam_map(const cam_input *in, float *map, int *all_nonpositive)
{
    if (cam_bad_input(in))
        return CLVIS_ERR_INVALID_ARG;
    size_t hw = (size_t)in->h * in->w, count = hw * in->k;
    double *acc = malloc(hw * sizeof *acc);
    float *ga = malloc(count * sizeof *ga);
    clvis_status st = CLVIS_OK;
    if (!acc || !ga)
        st = err_set(CLVIS_ERR_NO_MEMORY, "eigengradcam: out of memory");
    for (size_t i = 0; !st && i < count; i++)
        ga[i] = in->grad[i] * in->act[i]; /* float32, as the peer's grads * activations */
    if (!st && !(st = cam_pca_project(ga, in->k, in->h, in->w, acc)))
        cam_finish(acc, hw, map, all_nonpositive);
    free(acc);
    free(ga);
    return st;
}

const cam_method cam_eigengradcam = {
    "eigengradcam", "Eigen-CAM of grad * activation (pytorch-grad-cam), model output score", 0,
    eigengradcam_map};

/* cam_eigencam.c — Eigen-CAM (Muhammad & Yeasin 2020), a row of the method table: the layer's
 * activations projected on their first principal component (cam_pca.c: pytorch-grad-cam's
 * get_2d_projection, with its sign correction), ReLU, divided by the max. No class and no
 * gradient: the map is the same for every class. */
#include <stdlib.h>

#include "core/error.h"
#include "explain/cam.h"

static clvis_status eigencam_map(const cam_input *in, float *map, int *all_nonpositive)
{
    if (cam_bad_input(in))
        return CLVIS_ERR_INVALID_ARG;
    size_t hw = (size_t)in->h * in->w;
    double *acc = malloc(hw * sizeof *acc);
    if (!acc)
        return err_set(CLVIS_ERR_NO_MEMORY, "eigencam: out of memory");
    clvis_status st = cam_pca_project(in->act, in->k, in->h, in->w, acc);
    if (!st)
        cam_finish(acc, hw, map, all_nonpositive);
    free(acc);
    return st;
}

const cam_method cam_eigencam = {
    "eigencam", "Muhammad & Yeasin: first principal component of the activations (class-free)",
    0, eigencam_map};

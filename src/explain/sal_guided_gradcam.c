/* sal_guided_gradcam.c — guided Grad-CAM (Selvaraju et al. 2017), a row of the saliency table:
 * guided backprop times the Grad-CAM map of the layer, as Captum's GuidedGradCam computes it:
 * the map unnormalised, relu(sum_k mean_hw(dS/dA_k) A_k) (LayerGradCam), upsampled to the input
 * by nearest neighbour as torch.nn.functional.interpolate(mode="nearest") does (source index
 * floor(dst * (float)in / out)), times the guided gradient in float32. */
#include <math.h>
#include <stdlib.h>

#include "core/error.h"
#include "explain/saliency.h"

/* PyTorch's nearest source index. */
static int nearest(int d, int in, int out)
{
    float scale = (float)in / (float)out;
    int s = (int)floorf((float)d * scale);
    return s < in - 1 ? s : in - 1;
}

static clvis_status guided_gradcam(sal_run *r, const float *x, float *attr,
                                   clvis_saliency_result *res)
{
    graph *g = r->g;
    int layer = r->opt->layer >= 0 ? r->opt->layer : clvis_gradcam_default_layer(r->m);
    if (layer < 0)
        return err_set(CLVIS_ERR_UNSUPPORTED, "%s has no convolutional layer for Grad-CAM",
                       graph_name(g));
    shape3 as = graph_node_shape(g, layer);
    if (layer == 0 || layer >= r->out || (as.h == 1 && as.w == 1) ||
        !graph_depends(g, r->out, layer))
        return err_set(CLVIS_ERR_UNSUPPORTED,
                       "layer '%s' (%s, output %dx%dx%d) is not a convolutional feature map "
                       "between the input and the output; guided Grad-CAM needs one (default: "
                       "the last conv layer)",
                       graph_node_name(g, layer), graph_node_type(g, layer), as.h, as.w, as.c);
    res->layer = layer;
    size_t hw = (size_t)as.h * as.w, n = (size_t)as.c * hw;
    float *act = malloc(n * sizeof *act), *grad = malloc(n * sizeof *grad);
    double *cam = calloc(hw, sizeof *cam);
    clvis_status st = CLVIS_OK;
    if (!act || !grad || !cam)
        st = err_set(CLVIS_ERR_NO_MEMORY, "guided-gradcam: out of memory");
    if (!st)
        st = sal_layer_gradient(r, x, layer, act, grad);
    if (!st)
        st = sal_gradients(r, x, 1, GRAPH_GUIDED_RELU, attr);
    if (!st) {
        for (int k = 0; k < as.c; k++) {
            double alpha = 0.0;
            for (size_t i = 0; i < hw; i++)
                alpha += grad[(size_t)k * hw + i];
            alpha /= (double)hw;
            for (size_t i = 0; i < hw; i++)
                cam[i] += alpha * act[(size_t)k * hw + i];
        }
        for (int y = 0; y < r->in.h; y++)
            for (int xx = 0; xx < r->in.w; xx++) {
                double v = cam[(size_t)nearest(y, as.h, r->in.h) * as.w +
                               (size_t)nearest(xx, as.w, r->in.w)];
                float c = v > 0.0 ? (float)v : 0.0f;
                float *a = attr + ((size_t)y * r->in.w + xx) * r->in.c;
                for (int ch = 0; ch < r->in.c; ch++)
                    a[ch] *= c;
            }
    }
    free(act);
    free(grad);
    free(cam);
    return st;
}

const sal_method sal_guided_gradcam = {
    "guided-gradcam", "Selvaraju et al.: guided backprop x Grad-CAM upsampled (Captum)",
    SAL_MAP_ABS_MAX, 1, guided_gradcam};

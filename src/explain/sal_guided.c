/* sal_guided.c — guided backpropagation (Springenberg et al. 2015), a row of the saliency
 * table: dS/dx with every ReLU's backward step passing the gradient only where its input > 0
 * and the incoming gradient > 0 (the engine's GRAPH_GUIDED_RELU; Captum's GuidedBackprop). */
#include "explain/saliency.h"

static clvis_status guided(sal_run *r, const float *x, float *attr, clvis_saliency_result *res)
{
    (void)res;
    return sal_gradients(r, x, 1, GRAPH_GUIDED_RELU, attr);
}

const sal_method sal_guided = {
    "guided", "Springenberg et al.: ReLUs pass positive gradient where the input > 0",
    SAL_MAP_ABS_MAX, 1, guided};

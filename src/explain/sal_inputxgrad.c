/* sal_inputxgrad.c — input x gradient (Shrikumar et al. 2016; Captum's InputXGradient), a row
 * of the saliency table: attr = x * dS/dx in float32, the map its sum over channels (Captum's
 * visualisation), signed. */
#include "explain/saliency.h"

static clvis_status inputxgrad(sal_run *r, const float *x, float *attr,
                               clvis_saliency_result *res)
{
    (void)res;
    clvis_status st = sal_gradients(r, x, 1, 0, attr);
    for (size_t i = 0; !st && i < r->count; i++)
        attr[i] *= x[i];
    return st;
}

const sal_method sal_inputxgrad = {"inputxgrad", "x * dS/dx (Captum), summed over channels",
                                   SAL_MAP_SUM, 0, inputxgrad};

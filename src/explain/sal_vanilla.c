/* sal_vanilla.c — the gradient itself, two rows of the saliency table: Simonyan et al. 2014's
 * saliency map (|dS/dx|, max over the colour channels) and its signed variant (dS/dx at the
 * channel of largest |dS/dx|). The attribution is dS/dx, Captum's Saliency with abs=False. */
#include "explain/saliency.h"

static clvis_status gradient(sal_run *r, const float *x, float *attr, clvis_saliency_result *res)
{
    (void)res;
    return sal_gradients(r, x, 1, 0, attr);
}

const sal_method sal_vanilla = {
    "vanilla", "Simonyan et al.: |dS/dx|, max over channels", SAL_MAP_ABS_MAX, 0, gradient};

const sal_method sal_vanilla_signed = {
    "vanilla-signed", "dS/dx, signed, at the channel of largest |dS/dx|", SAL_MAP_SIGNED_MAX, 0,
    gradient};

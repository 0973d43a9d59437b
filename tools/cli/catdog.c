/* catdog.c — cat, dog or other from an ImageNet class index (catdog.h). */
#include "cli/catdog.h"

catdog_verdict catdog_of_class(int index)
{
    if (index >= CATDOG_DOG_FIRST && index <= CATDOG_DOG_LAST)
        return CATDOG_DOG;
    if (index >= CATDOG_CAT_FIRST && index <= CATDOG_CAT_LAST)
        return CATDOG_CAT;
    return CATDOG_OTHER;
}

const char *catdog_name(catdog_verdict v)
{
    return v == CATDOG_CAT ? "cat" : v == CATDOG_DOG ? "dog" : "other";
}

void catdog_mass(const float *probs, int n, double *p_cat, double *p_dog)
{
    *p_cat = *p_dog = 0;
    for (int i = 0; i < n; i++) {
        catdog_verdict v = catdog_of_class(i);
        if (v == CATDOG_CAT)
            *p_cat += probs[i];
        else if (v == CATDOG_DOG)
            *p_dog += probs[i];
    }
}

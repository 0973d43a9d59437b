/* mapdiff.c — the difference of two maps (mapdiff.h). */
#include "cli/mapdiff.h"

#include <math.h>
#include <string.h>

int map_diff_compute(const float *a, const int sa[3], const float *b, const int sb[3],
                     double rel_floor, map_diff *d)
{
    memset(d, 0, sizeof *d);
    for (int k = 0; k < 3; k++)
        if (sa[k] != sb[k] || sa[k] <= 0)
            return -1;
    size_t n = (size_t)sa[0] * sa[1] * sa[2];
    double amax = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(a[i]) && isfinite(a[i]) && fabs(a[i]) > amax)
            amax = fabs(a[i]);
    d->n = n;
    d->floor = rel_floor * amax > 1e-30 ? rel_floor * amax : 1e-30;
    for (size_t i = 0; i < n; i++) {
        int na = isnan(a[i]), nb = isnan(b[i]);
        if (na && nb) {
            d->nan_both++;
            continue;
        }
        if (na || nb) {
            d->nan_one++;
            continue;
        }
        if (a[i] == b[i]) /* also equal infinities */
            continue;
        double e = fabs((double)a[i] - (double)b[i]);
        double den = fabs((double)a[i]) > d->floor ? fabs((double)a[i]) : d->floor;
        if (e > d->max_abs) {
            d->max_abs = e;
            d->at = i;
        }
        if (e / den > d->max_rel)
            d->max_rel = e / den;
    }
    if (d->nan_one)
        d->max_abs = d->max_rel = INFINITY;
    return 0;
}

void map_diff_cells(const float *a, const float *b, const int s[3], float *out)
{
    size_t cells = (size_t)s[0] * s[1];
    float top = 0;
    for (size_t i = 0; i < cells; i++) {
        float m = 0;
        int nan = 0;
        for (int k = 0; k < s[2]; k++) {
            size_t j = i * s[2] + k;
            int na = isnan(a[j]), nb = isnan(b[j]);
            if (na && nb)
                continue;
            if (na || nb) {
                nan = 1;
                continue;
            }
            float e = a[j] == b[j] ? 0.0f : fabsf(a[j] - b[j]);
            if (!isfinite(e))
                e = INFINITY;
            m = e > m ? e : m;
        }
        out[i] = nan ? NAN : m;
        if (!nan && isfinite(m) && m > top)
            top = m;
    }
    for (size_t i = 0; i < cells; i++)
        if (isnan(out[i]) || isinf(out[i]))
            out[i] = top > 0 ? top : 1.0f;
}

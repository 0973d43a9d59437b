/* mapdiff.h — how far apart two maps (or attributions) are: max abs and max rel difference,
 * NaN cells, shape; pure, no device (`clvis gradcam|saliency --device all`, devcmp.c). */
#ifndef CLVIS_CLI_MAPDIFF_H
#define CLVIS_CLI_MAPDIFF_H

#include <stddef.h>

typedef struct {
    size_t n;        /* cells compared */
    double max_abs;  /* max |a - b| over the cells where neither is NaN (0 when none) */
    double max_rel;  /* max |a - b| / max(|a|, floor) over the same cells */
    double floor;    /* rel_floor * max |a| over a's numbers, at least 1e-30: the denominator's
                      * floor, so cells near zero do not blow up the relative difference */
    size_t at;       /* the cell of max_abs */
    size_t nan_both; /* NaN in both: counted as equal */
    size_t nan_one;  /* NaN in one only: a difference (max_abs and max_rel are then +inf) */
} map_diff;

/* a and b of shapes sa and sb ({rows, columns, channels}; rel_floor >= 0, e.g. 1e-3) into *d.
 * 0, or -1 when the shapes differ or are empty (d zeroed). Equal infinities are equal. */
int map_diff_compute(const float *a, const int sa[3], const float *b, const int sb[3],
                     double rel_floor, map_diff *d);

/* |a - b| of shape s reduced to one value per cell (the max over channels; NaN in one only:
 * the largest finite difference, or 1 when there is none) into out (s[0] * s[1] floats). */
void map_diff_cells(const float *a, const float *b, const int s[3], float *out);

#endif

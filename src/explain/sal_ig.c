/* sal_ig.c — integrated gradients (Sundararajan et al. 2017), a row of the saliency table:
 * attr = (x - b) * sum_i w_i dS/dx(b + a_i (x - b)) with the Gauss-Legendre nodes a_i and
 * weights w_i of `steps` points mapped to [0, 1] (Captum's default method "gausslegendre":
 * a = (1 + node) / 2, w = weight / 2), the path points in float32 as Captum forms them, the sum
 * in double. The `steps` points run as device batches; S(b) is kept for the completeness check
 * sum(attr) ~= S(x) - S(b). */
#include <math.h>
#include <stdlib.h>

#include "core/error.h"
#include "explain/saliency.h"

/* The nodes (in [-1, 1]) and weights of n-point Gauss-Legendre quadrature: Newton's method on
 * the Legendre polynomial P_n from the Chebyshev-like start cos(pi (i + 0.75) / (n + 0.5)). */
static void gauss_legendre(int n, double *node, double *weight)
{
    for (int i = 0; i < n; i++) {
        double z = cos(M_PI * (i + 0.75) / (n + 0.5)), dp = 1.0;
        for (int it = 0; it < 100; it++) {
            double p1 = 1.0, p2 = 0.0;
            for (int j = 1; j <= n; j++) {
                double p3 = p2;
                p2 = p1;
                p1 = ((2.0 * j - 1.0) * z * p2 - (j - 1.0) * p3) / j;
            }
            dp = n * (z * p1 - p2) / (z * z - 1.0);
            double z1 = z;
            z = z1 - p1 / dp;
            if (fabs(z - z1) <= 1e-15)
                break;
        }
        node[i] = z;
        weight[i] = 2.0 / ((1.0 - z * z) * dp * dp);
    }
}

static clvis_status ig(sal_run *r, const float *x, float *attr, clvis_saliency_result *res)
{
    int n = r->opt->steps;
    size_t count = r->count;
    double *node = malloc((size_t)n * 2 * sizeof *node), *acc = calloc(count, sizeof *acc);
    float *b = malloc(count * sizeof *b), *xs = malloc((size_t)n * count * sizeof *xs);
    float *gs = malloc((size_t)n * count * sizeof *gs);
    clvis_status st = CLVIS_OK;
    if (!node || !acc || !b || !xs || !gs)
        st = err_set(CLVIS_ERR_NO_MEMORY, "ig: %d steps: out of memory", n);
    if (!st)
        st = sal_baseline(r, x, b);
    if (!st) {
        double *weight = node + n;
        gauss_legendre(n, node, weight);
        for (int s = 0; s < n; s++) {
            float a = (float)(0.5 * (1.0 + node[s]));
            float *d = xs + (size_t)s * count;
            for (size_t i = 0; i < count; i++)
                d[i] = b[i] + a * (x[i] - b[i]);
        }
        st = sal_gradients(r, xs, n, 0, gs);
        for (int s = 0; !st && s < n; s++)
            for (size_t i = 0; i < count; i++)
                acc[i] += 0.5 * weight[s] * gs[(size_t)s * count + i];
    }
    if (!st) {
        double sum = 0.0;
        for (size_t i = 0; i < count; i++) {
            attr[i] = (float)(acc[i] * (double)(x[i] - b[i]));
            sum += attr[i];
        }
        res->ig_sum = sum;
        res->steps = n;
        float prob;
        st = sal_score(r, b, &res->score_baseline, &prob);
    }
    free(node), free(acc), free(b), free(xs), free(gs);
    return st;
}

const sal_method sal_ig = {
    "ig", "Sundararajan et al.: integrated gradients, Gauss-Legendre (Captum), summed",
    SAL_MAP_SUM, 0, ig};

/* cam_pca.c — the projection of a stack of maps on its first principal component, shared by
 * Eigen-CAM and Eigen-Grad-CAM: pytorch-grad-cam's get_2d_projection. The (h*w, k) matrix X of
 * the maps (a row per pixel, a column per channel, NaN read as 0) is centred column by column,
 * and the map is X v1 with v1 its first right singular vector.
 *
 * No LAPACK: X v1 only needs the top eigenvector of the smaller Gram matrix, X X^T (h*w square,
 * then X v1 = sqrt(lambda1) u1) or X^T X (k square, then X v1 directly), at most 196 x 196 for a
 * 14x14 layer; a cyclic Jacobi eigensolver in double does that in a few sweeps, exactly enough
 * for a 1e-4 comparison, and keeps the build free of a Fortran stack.
 *
 * The SVD fixes v1 only up to sign; pytorch-grad-cam's EigenCAM keeps LAPACK's sign, whatever
 * it is. clvis takes the sign correction pytorch-grad-cam ships for this
 * (get_2d_projection_with_sign_correction, Chung & Ying 2025, eq. 13): the map is negated when
 * |min| > |max|, so its larger extreme is positive. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "explain/cam.h"

/* Cyclic Jacobi: a (n x n, symmetric, destroyed) -> the eigenvector of its largest eigenvalue in
 * vec (n) and that eigenvalue in *lambda. */
static void top_eigen(double *a, double *v, int n, double *vec, double *lambda)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            v[(size_t)i * n + j] = i == j;
    for (int sweep = 0; sweep < 60; sweep++) {
        double off = 0.0, all = 0.0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double x = a[(size_t)i * n + j] * a[(size_t)i * n + j];
                all += x;
                off += i != j ? x : 0.0;
            }
        if (!(off > 1e-30 * all))
            break;
        for (int p = 0; p < n - 1; p++)
            for (int q = p + 1; q < n; q++) {
                double apq = a[(size_t)p * n + q];
                if (apq == 0.0)
                    continue;
                double app = a[(size_t)p * n + p], aqq = a[(size_t)q * n + q];
                double theta = (aqq - app) / (2.0 * apq);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
                double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
                for (int k = 0; k < n; k++) { /* columns p, q */
                    double akp = a[(size_t)k * n + p], akq = a[(size_t)k * n + q];
                    a[(size_t)k * n + p] = c * akp - s * akq;
                    a[(size_t)k * n + q] = s * akp + c * akq;
                }
                for (int k = 0; k < n; k++) { /* rows p, q */
                    double apk = a[(size_t)p * n + k], aqk = a[(size_t)q * n + k];
                    a[(size_t)p * n + k] = c * apk - s * aqk;
                    a[(size_t)q * n + k] = s * apk + c * aqk;
                }
                for (int k = 0; k < n; k++) {
                    double vkp = v[(size_t)k * n + p], vkq = v[(size_t)k * n + q];
                    v[(size_t)k * n + p] = c * vkp - s * vkq;
                    v[(size_t)k * n + q] = s * vkp + c * vkq;
                }
            }
    }
    int best = 0;
    for (int i = 1; i < n; i++)
        if (a[(size_t)i * n + i] > a[(size_t)best * n + best])
            best = i;
    for (int i = 0; i < n; i++)
        vec[i] = v[(size_t)i * n + best];
    *lambda = a[(size_t)best * n + best];
}

clvis_status cam_pca_project(const float *maps, int k, int h, int w, double *proj)
{
    size_t hw = (size_t)h * w;
    int n = hw <= (size_t)k ? (int)hw : k; /* the smaller Gram matrix */
    double *x = malloc(hw * (size_t)k * sizeof *x);
    double *gram = malloc((size_t)n * n * sizeof *gram);
    double *vecs = malloc((size_t)n * n * sizeof *vecs);
    double *top = malloc((size_t)n * sizeof *top);
    if (!x || !gram || !vecs || !top) {
        free(x), free(gram), free(vecs), free(top);
        return err_set(CLVIS_ERR_NO_MEMORY, "eigen-cam: out of memory");
    }
    for (int c = 0; c < k; c++) { /* x[c][i]: channel c centred over the pixels */
        double mean = 0.0, *xc = x + (size_t)c * hw;
        for (size_t i = 0; i < hw; i++) {
            float f = maps[(size_t)c * hw + i];
            xc[i] = f == f ? f : 0.0;
            mean += xc[i];
        }
        mean /= (double)hw;
        for (size_t i = 0; i < hw; i++)
            xc[i] -= mean;
    }
    if (n == (int)hw) { /* X X^T: pixels by pixels */
        memset(gram, 0, (size_t)n * n * sizeof *gram);
        for (int c = 0; c < k; c++) {
            const double *xc = x + (size_t)c * hw;
            for (int i = 0; i < n; i++)
                for (int j = i; j < n; j++)
                    gram[(size_t)i * n + j] += xc[i] * xc[j];
        }
    } else { /* X^T X: channels by channels */
        for (int c = 0; c < k; c++)
            for (int d = c; d < k; d++) {
                double s = 0.0;
                for (size_t i = 0; i < hw; i++)
                    s += x[(size_t)c * hw + i] * x[(size_t)d * hw + i];
                gram[(size_t)c * n + d] = s;
            }
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            gram[(size_t)i * n + j] = gram[(size_t)j * n + i];
    double lambda = 0.0;
    top_eigen(gram, vecs, n, top, &lambda);
    if (n == (int)hw) {
        double s = lambda > 0.0 ? sqrt(lambda) : 0.0;
        for (size_t i = 0; i < hw; i++)
            proj[i] = s * top[i];
    } else {
        for (size_t i = 0; i < hw; i++) {
            double s = 0.0;
            for (int c = 0; c < k; c++)
                s += x[(size_t)c * hw + i] * top[c];
            proj[i] = s;
        }
    }
    double lo = 0.0, hi = 0.0;
    for (size_t i = 0; i < hw; i++) {
        lo = proj[i] < lo ? proj[i] : lo;
        hi = proj[i] > hi ? proj[i] : hi;
    }
    if (fabs(lo) > fabs(hi))
        for (size_t i = 0; i < hw; i++)
            proj[i] = -proj[i];
    free(x), free(gram), free(vecs), free(top);
    return CLVIS_OK;
}

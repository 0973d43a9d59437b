/* lucid_diversity.c — Lucid's diversity objective (lucid.optvis.objectives.diversity) across the
 * items of one device batch: each item's Gram matrix G_b = A_b A_b^T of the layer's activations
 * A_b (C channels x H*W positions), normalised as tf.nn.l2_normalize does (epsilon 1e-10), and
 * the negative mean pairwise cosine similarity
 *     div = -1 / (n (n - 1)) * sum_{i != j} <G_i / |G_i|, G_j / |G_j|>
 * which is maximised with a weight next to the main objective. Lucid's own value is
 * sum_{i != j} cos / n, used as `- w * diversity`: the same term with weight w (n - 1) here.
 * kernels/lucid_diversity.cl does it on the device; lucid_diversity_ref is the C reference that
 * tests/test_diversity.c checks it and its gradient (by finite differences) against. */
#include <math.h>
#include <stdlib.h>

#include "explain/lucid.h"

#define NARGS(a) ((int)(sizeof(a) / sizeof *(a)))

size_t lucid_diversity_floats(int n, int C)
{
    return (size_t)2 * n * C * C + (size_t)n * n;
}

clvis_status lucid_diversity_alloc(clvis_ctx *ctx, lucid_div_work *w, int n, int C)
{
    size_t gfl = (size_t)n * C * C;
    clvis_status st = buffer_create(ctx, gfl * sizeof(float), &w->G);
    if (!st)
        st = buffer_create(ctx, gfl * sizeof(float), &w->U);
    if (!st)
        st = buffer_create(ctx, (size_t)n * n * sizeof(float), &w->D);
    return st;
}

void lucid_diversity_free(lucid_div_work *w)
{
    cl_mem *all[] = {&w->G, &w->U, &w->D};
    for (int i = 0; i < 3; i++)
        if (*all[i]) {
            clReleaseMemObject(*all[i]);
            *all[i] = NULL;
        }
}

clvis_status lucid_diversity_seed(clvis_ctx *ctx, cl_mem seed, tensor a, int n, float w,
                                  const lucid_div_work *work, double *value)
{
    if (n < 1 || n > a.n)
        return err_set(CLVIS_ERR_INVALID_ARG, "diversity: %d items of a batch of %d", n, a.n);
    if (value)
        *value = 0;
    if (n < 2) /* no pair: the term is 0 and has no gradient */
        return CLVIS_OK;
    const int C = a.c, P = a.h * a.w, CC = C * C, a_off = (int)a.off;
    const size_t gfl = (size_t)n * CC;
    cl_mem G = work->G, U = work->U, D = work->D;
    clvis_status st = CLVIS_OK;
    float scale = -w / (float)(n * (n - 1)); /* d(w div)/dS */
    karg ag[] = {KMEM(G), KMEM(a.mem), KARG(a_off), KARG(n), KARG(C), KARG(P)};
    karg ad[] = {KMEM(D), KMEM(G), KARG(n), KARG(CC)};
    karg au[] = {KMEM(U), KMEM(G), KMEM(D), KARG(n), KARG(CC), KARG(scale)};
    karg as[] = {KMEM(seed), KMEM(a.mem), KARG(a_off), KMEM(U), KARG(n), KARG(C), KARG(P)};
    if (!st)
        st = kernel_run(ctx, K_lucid_gram, gfl, ag, NARGS(ag));
    if (!st)
        st = kernel_run(ctx, K_lucid_gram_dots, (size_t)n * n, ad, NARGS(ad));
    if (!st && w != 0)
        st = kernel_run(ctx, K_lucid_div_dgram, gfl, au, NARGS(au));
    if (!st && w != 0)
        st = kernel_run(ctx, K_lucid_div_seed, (size_t)n * C * P, as, NARGS(as));
    if (!st && value) {
        float *d = malloc((size_t)n * n * sizeof *d);
        if (!d)
            st = err_set(CLVIS_ERR_NO_MEMORY, "diversity: out of host memory");
        else if (!(st = buffer_read(ctx, D, 0, (size_t)n * n * sizeof *d, d))) {
            double s = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    if (i != j)
                        s += d[i * n + j] / (sqrt(fmax(d[i * n + i], 1e-10)) *
                                             sqrt(fmax(d[j * n + j], 1e-10)));
            *value = -s / ((double)n * (n - 1));
        }
        free(d);
    }
    return st;
}

double lucid_diversity_ref(float *grad, const float *A, int n, int C, int P, float w)
{
    if (n < 2)
        return 0;
    const size_t CC = (size_t)C * C;
    double *G = calloc((size_t)n * CC, sizeof *G), *nrm = calloc((size_t)n, sizeof *nrm);
    double *T = calloc(CC, sizeof *T), *cs = calloc((size_t)n * n, sizeof *cs);
    double val = 0;
    if (!G || !nrm || !T || !cs)
        goto out;
    for (int b = 0; b < n; b++) {
        const float *x = A + (size_t)b * C * P;
        double ss = 0;
        for (int i = 0; i < C; i++)
            for (int j = 0; j < C; j++) {
                double s = 0;
                for (int p = 0; p < P; p++)
                    s += (double)x[(size_t)i * P + p] * x[(size_t)j * P + p];
                G[b * CC + (size_t)i * C + j] = s;
                ss += s * s;
            }
        nrm[b] = sqrt(fmax(ss, 1e-10));
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (size_t e = 0; e < CC; e++)
                s += G[i * CC + e] * G[j * CC + e];
            cs[i * n + j] = s / (nrm[i] * nrm[j]);
            if (i != j)
                val += cs[i * n + j];
        }
    val = -val / ((double)n * (n - 1));
    if (grad) {
        const double scale = -(double)w / ((double)n * (n - 1));
        for (size_t e = 0; e < CC; e++)
            for (int k = 0; k < n; k++)
                T[e] += G[k * CC + e] / nrm[k];
        double *U = calloc(CC, sizeof *U);
        for (int b = 0; U && b < n; b++) {
            double sc = 0;
            for (int k = 0; k < n; k++)
                sc += k != b ? cs[b * n + k] : 0;
            for (size_t e = 0; e < CC; e++) {
                double gb = G[b * CC + e] / nrm[b];
                U[e] = scale * 2 / nrm[b] * (T[e] - gb - gb * sc);
            }
            const float *x = A + (size_t)b * C * P;
            float *g = grad + (size_t)b * C * P;
            for (int c = 0; c < C; c++)
                for (int p = 0; p < P; p++) {
                    double s = 0;
                    for (int c2 = 0; c2 < C; c2++)
                        s += U[(size_t)c * C + c2] * x[(size_t)c2 * P + p];
                    g[(size_t)c * P + p] += (float)(2 * s);
                }
        }
        free(U);
    }
out:
    free(G);
    free(nrm);
    free(T);
    free(cs);
    return val;
}

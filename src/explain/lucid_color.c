/* lucid_color.c — lucid.optvis.param.color.to_valid_rgb: colour decorrelation by Lucid's
 * color_correlation_svd_sqrt (the square root of ImageNet's colour correlation, as Lucid states
 * it), scaled by the largest norm of its columns (max_norm_svd_sqrt), then a sigmoid. */
#include <math.h>

#include "explain/lucid.h"

#define NARGS(a) ((int)(sizeof(a) / sizeof *(a)))

void lucid_color_matrix(int decorrelate, float m[9])
{
    static const double svd_sqrt[9] = {0.26, 0.09, 0.02, 0.27, 0.00, -0.05, 0.27, -0.09, 0.03};
    if (!decorrelate) {
        for (int i = 0; i < 9; i++)
            m[i] = i % 4 == 0 ? 1.0f : 0.0f;
        return;
    }
    double mx = 0;
    for (int c = 0; c < 3; c++) { /* np.linalg.norm(axis=0): the columns */
        double s = 0;
        for (int r = 0; r < 3; r++)
            s += svd_sqrt[r * 3 + c] * svd_sqrt[r * 3 + c];
        if (sqrt(s) > mx)
            mx = sqrt(s);
    }
    for (int i = 0; i < 9; i++)
        m[i] = (float)(svd_sqrt[i] / mx);
}

int lucid_mat3_inverse(const float m[9], float inv[9])
{
    double a = m[0], b = m[1], c = m[2], d = m[3], e = m[4], f = m[5], g = m[6], h = m[7],
           i = m[8];
    double det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
    if (fabs(det) < 1e-12)
        return 0;
    double r[9] = {e * i - f * h, c * h - b * i, b * f - c * e, f * g - d * i, a * i - c * g,
                   c * d - a * f, d * h - e * g, b * g - a * h, a * e - b * d};
    for (int k = 0; k < 9; k++)
        inv[k] = (float)(r[k] / det);
    return 1;
}

clvis_status lucid_rgb_forward(clvis_ctx *ctx, cl_mem img, cl_mem t, int B, int HW,
                               const float m[9])
{
    karg a[] = {KMEM(img), KMEM(t), KARG(B), KARG(HW), KARG(m[0]), KARG(m[1]), KARG(m[2]),
                KARG(m[3]), KARG(m[4]), KARG(m[5]), KARG(m[6]), KARG(m[7]), KARG(m[8])};
    return kernel_run(ctx, K_lucid_rgb_fwd, (size_t)B * HW, a, NARGS(a));
}

clvis_status lucid_rgb_backward(clvis_ctx *ctx, cl_mem gt, cl_mem gimg, cl_mem img, int B,
                                int HW, const float m[9])
{
    karg a[] = {KMEM(gt),   KMEM(gimg), KMEM(img),  KARG(B),    KARG(HW),
                KARG(m[0]), KARG(m[1]), KARG(m[2]), KARG(m[3]), KARG(m[4]),
                KARG(m[5]), KARG(m[6]), KARG(m[7]), KARG(m[8])};
    return kernel_run(ctx, K_lucid_rgb_bwd, (size_t)B * HW, a, NARGS(a));
}

void lucid_rgb_ref(float *img, const float *t, int B, int HW, const float m[9])
{
    for (int b = 0; b < B; b++)
        for (int p = 0; p < HW; p++)
            for (int c = 0; c < 3; c++) {
                double y = 0;
                for (int j = 0; j < 3; j++)
                    y += (double)m[c * 3 + j] * t[((size_t)b * 3 + j) * HW + p];
                img[((size_t)b * 3 + c) * HW + p] = (float)(1.0 / (1.0 + exp(-y)));
            }
}

void lucid_rgb_adj_ref(float *gt, const float *gimg, const float *img, int B, int HW,
                       const float m[9])
{
    for (int b = 0; b < B; b++)
        for (int p = 0; p < HW; p++)
            for (int j = 0; j < 3; j++) {
                double s = 0;
                for (int c = 0; c < 3; c++) {
                    size_t o = ((size_t)b * 3 + c) * HW + p;
                    s += (double)m[c * 3 + j] * gimg[o] * img[o] * (1.0 - img[o]);
                }
                gt[((size_t)b * 3 + j) * HW + p] = (float)s;
            }
}

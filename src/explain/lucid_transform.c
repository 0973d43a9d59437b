/* lucid_transform.c — transformation robustness (lucid.optvis.transform.standard_transforms):
 * pad(12, constant 0.5), jitter(8), random_scale([1 + (i - 5) / 50 for i in range(11)]),
 * random_rotate(range(-10, 11)) degrees, jitter(4), drawn per item and step from a seeded
 * generator and applied on the device as one bilinear affine resampling (kernels/lucid.cl),
 * whose adjoint carries the gradient back. Composed map, output pixel o to source s (centred
 * on both canvases, co and cs): s = R(-angle) (o - co + j2) / scale + j1 + cs; the jitters are
 * centred (Lucid's crop offsets 0..d become -d/2..d/2) and everything off the image, padding
 * included, reads 0.5. */
#include <math.h>

#include "explain/lucid.h"

#define NARGS(a) ((int)(sizeof(a) / sizeof *(a)))

/* splitmix64: small, seedable, the same stream everywhere */
void lucid_rng_seed(lucid_rng *r, uint64_t seed)
{
    r->s = seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
}

uint32_t lucid_rng_u32(lucid_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

double lucid_rng_uniform(lucid_rng *r)
{
    return lucid_rng_u32(r) / 4294967296.0;
}

double lucid_rng_normal(lucid_rng *r)
{
    double u1 = (lucid_rng_u32(r) + 1.0) / 4294967297.0, u2 = lucid_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

lucid_affine lucid_affine_make(int Hs, int Ws, int Ho, int Wo, float j1x, float j1y, float scale,
                               float angle_deg, float j2x, float j2y)
{
    double th = angle_deg * M_PI / 180.0, c = cos(th), s = sin(th);
    double a00 = c / scale, a01 = s / scale, a10 = -s / scale, a11 = c / scale;
    double cox = (Wo - 1) / 2.0, coy = (Ho - 1) / 2.0, csx = (Ws - 1) / 2.0, csy = (Hs - 1) / 2.0;
    double ux = j2x - cox, uy = j2y - coy;
    lucid_affine f;
    f.a[0] = (float)a00;
    f.a[1] = (float)a01;
    f.a[2] = (float)a10;
    f.a[3] = (float)a11;
    f.a[4] = (float)(a00 * ux + a01 * uy + j1x + csx);
    f.a[5] = (float)(a10 * ux + a11 * uy + j1y + csy);
    /* o = scale R(angle) (s - cs - j1) - j2 + co */
    double b00 = c * scale, b01 = -s * scale, b10 = s * scale, b11 = c * scale;
    double vx = -csx - j1x, vy = -csy - j1y;
    f.inv[0] = (float)b00;
    f.inv[1] = (float)b01;
    f.inv[2] = (float)b10;
    f.inv[3] = (float)b11;
    f.inv[4] = (float)(b00 * vx + b01 * vy - j2x + cox);
    f.inv[5] = (float)(b10 * vx + b11 * vy - j2y + coy);
    return f;
}

lucid_affine lucid_affine_draw(lucid_rng *r, int on, int Hs, int Ws, int Ho, int Wo)
{
    if (!on)
        return lucid_affine_make(Hs, Ws, Ho, Wo, 0, 0, 1, 0, 0, 0);
    float j1x = (float)(lucid_rng_u32(r) % 9) - 4, j1y = (float)(lucid_rng_u32(r) % 9) - 4;
    float scale = 1.0f + ((float)(lucid_rng_u32(r) % 11) - 5) / 50.0f;
    float angle = (float)(lucid_rng_u32(r) % 21) - 10;
    float j2x = (float)(lucid_rng_u32(r) % 5) - 2, j2y = (float)(lucid_rng_u32(r) % 5) - 2;
    return lucid_affine_make(Hs, Ws, Ho, Wo, j1x, j1y, scale, angle, j2x, j2y);
}

clvis_status lucid_sample_forward(clvis_ctx *ctx, tensor y, cl_mem x, cl_mem aff, int B, int Hs,
                                  int Ws, const lucid_chanmap *cm)
{
    if (y.n != B || y.c != 3)
        return err_set(CLVIS_ERR_SHAPE, "lucid transforms: model input %dx%d, batch %d", y.c,
                       y.n, B);
    float fill = 0.5f;
    int y_off = (int)y.off;
    karg a[] = {KMEM(y.mem),       KARG(y_off),       KMEM(x),           KMEM(aff),         KARG(B),
                KARG(Hs),          KARG(Ws),          KARG(y.h),         KARG(y.w),
                KARG(fill),        KARG(cm->src[0]),  KARG(cm->src[1]),  KARG(cm->src[2]),
                KARG(cm->mul[0]),  KARG(cm->mul[1]),  KARG(cm->mul[2]),  KARG(cm->add[0]),
                KARG(cm->add[1]),  KARG(cm->add[2])};
    return kernel_run(ctx, K_lucid_sample_fwd, tensor_count(y), a, NARGS(a));
}

clvis_status lucid_sample_adjoint(clvis_ctx *ctx, cl_mem gx, tensor gy, cl_mem aff, int B, int Hs,
                                  int Ws, float gain, const lucid_chanmap *cm)
{
    if (gy.n != B || gy.c != 3)
        return err_set(CLVIS_ERR_SHAPE, "lucid transforms: gradient %dx%d, batch %d", gy.c,
                       gy.n, B);
    int gy_off = (int)gy.off;
    karg a[] = {KMEM(gx),         KMEM(gy.mem),     KARG(gy_off),     KMEM(aff),        KARG(B),
                KARG(Hs),         KARG(Ws),         KARG(gy.h),       KARG(gy.w),
                KARG(gain),       KARG(cm->src[0]), KARG(cm->src[1]), KARG(cm->src[2]),
                KARG(cm->mul[0]), KARG(cm->mul[1]), KARG(cm->mul[2])};
    return kernel_run(ctx, K_lucid_sample_adj, (size_t)B * 3 * Hs * Ws, a, NARGS(a));
}

static double tap(double s, int q)
{
    double d = fabs(s - q);
    return d < 1 ? 1 - d : 0;
}

/* The references scatter: every output pixel adds its four taps' weights (the adjoint as the
 * transpose of the forward's sparse matrix, written the other way round from the kernel). */
void lucid_sample_ref(float *y, const float *x, const lucid_affine *aff, int B, int Hs, int Ws,
                      int Ho, int Wo, const lucid_chanmap *cm)
{
    for (int b = 0; b < B; b++)
        for (int c = 0; c < 3; c++) {
            const float *img = x + ((size_t)b * 3 + cm->src[c]) * Hs * Ws;
            const float *a = aff[b].a;
            for (int oy = 0; oy < Ho; oy++)
                for (int ox = 0; ox < Wo; ox++) {
                    double sx = (double)a[0] * ox + (double)a[1] * oy + a[4];
                    double sy = (double)a[2] * ox + (double)a[3] * oy + a[5];
                    int x0 = (int)floor(sx), y0 = (int)floor(sy);
                    double v = 0;
                    for (int qy = y0; qy <= y0 + 1; qy++)
                        for (int qx = x0; qx <= x0 + 1; qx++) {
                            double w = tap(sx, qx) * tap(sy, qy);
                            int in = qx >= 0 && qx < Ws && qy >= 0 && qy < Hs;
                            v += w * (in ? img[qy * Ws + qx] : 0.5);
                        }
                    y[(((size_t)b * 3 + c) * Ho + oy) * Wo + ox] =
                        (float)(v * cm->mul[c] + cm->add[c]);
                }
        }
}

void lucid_sample_adj_ref(float *gx, const float *gy, const lucid_affine *aff, int B, int Hs,
                          int Ws, int Ho, int Wo, float gain, const lucid_chanmap *cm)
{
    for (size_t i = 0; i < (size_t)B * 3 * Hs * Ws; i++)
        gx[i] = 0;
    for (int b = 0; b < B; b++)
        for (int c = 0; c < 3; c++) {
            float *gi = gx + ((size_t)b * 3 + cm->src[c]) * Hs * Ws;
            const float *a = aff[b].a;
            for (int oy = 0; oy < Ho; oy++)
                for (int ox = 0; ox < Wo; ox++) {
                    double g = gy[(((size_t)b * 3 + c) * Ho + oy) * Wo + ox] *
                               (double)cm->mul[c] * gain;
                    double sx = (double)a[0] * ox + (double)a[1] * oy + a[4];
                    double sy = (double)a[2] * ox + (double)a[3] * oy + a[5];
                    int x0 = (int)floor(sx), y0 = (int)floor(sy);
                    for (int qy = y0; qy <= y0 + 1; qy++)
                        for (int qx = x0; qx <= x0 + 1; qx++)
                            if (qx >= 0 && qx < Ws && qy >= 0 && qy < Hs)
                                gi[qy * Ws + qx] += (float)(g * tap(sx, qx) * tap(sy, qy));
                }
        }
}

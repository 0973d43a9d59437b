/* lucid_fft.c — Lucid's Fourier parametrisation (lucid.optvis.param.spatial.fft_image): the
 * inverse real 2-D DFT with the 1/f scale and / 4, on the device (kernels/lucid.cl: a direct DFT
 * per column, then per row, with twiddle tables; O(H^2 W + H W^2) per channel, plain rather than
 * fast), its adjoint,
 * and a double-precision C reference of both.
 * Debian packages clFFT (libclfft-dev) and VkFFT (libvkfft-dev, header-only, OpenCL backend
 * chosen at compile time). Left for now: either one is a new build and run-time dependency whose
 * own generated kernels bypass the project's kernel cache, self-test, fault injection and
 * Oclgrind runs; the sizes here are 64-224 per side, where a direct DFT with twiddle tables is
 * cheap next to the network's forward and backward, and it is checked against the reference
 * below. A radix-2 / mixed-radix kernel, or clFFT, is the step if it ever dominates. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "explain/lucid.h"

#define NARGS(a) ((int)(sizeof(a) / sizeof *(a)))

float lucid_fft_scale(int j, int k, int H, int W)
{
    double fy = (double)(j <= (H - 1) / 2 ? j : j - H) / H, fx = (double)k / W;
    double f = sqrt(fx * fx + fy * fy), lo = 1.0 / (H > W ? H : W);
    return (float)(sqrt((double)H * W) / (f > lo ? f : lo));
}

static clvis_status check(int B, int H, int W)
{
    if (B < 1 || H < 2 || W < 2 || (double)B * H * W > 1e9)
        return err_set(CLVIS_ERR_INVALID_ARG, "lucid fft: bad size %dx%dx%d", B, H, W);
    return CLVIS_OK;
}

clvis_status lucid_fft_tables(clvis_ctx *ctx, int H, int W, cl_mem *out)
{
    *out = NULL;
    clvis_status st = check(1, H, W);
    if (st)
        return st;
    const int K = W / 2 + 1;
    size_t n = (size_t)2 * H + 2 * W + (size_t)H * K;
    float *t = malloc(n * sizeof *t);
    if (!t)
        return err_set(CLVIS_ERR_NO_MEMORY, "lucid fft: out of host memory");
    for (int e = 0; e < H; e++) {
        t[2 * e] = (float)cos(2 * M_PI * e / H);
        t[2 * e + 1] = (float)sin(2 * M_PI * e / H);
    }
    for (int e = 0; e < W; e++) {
        t[2 * H + 2 * e] = (float)cos(2 * M_PI * e / W);
        t[2 * H + 2 * e + 1] = (float)sin(2 * M_PI * e / W);
    }
    for (int j = 0; j < H; j++)
        for (int k = 0; k < K; k++)
            t[2 * H + 2 * W + j * K + k] = lucid_fft_scale(j, k, H, W);
    st = buffer_create(ctx, n * sizeof *t, out);
    if (!st)
        st = buffer_write(ctx, *out, 0, n * sizeof *t, t);
    free(t);
    if (st && *out) {
        clReleaseMemObject(*out);
        *out = NULL;
    }
    return st;
}

clvis_status lucid_irfft(clvis_ctx *ctx, cl_mem x, cl_mem spec, cl_mem z, cl_mem tw, int B, int H,
                         int W)
{
    clvis_status st = check(B, H, W);
    if (st)
        return st;
    int K = W / 2 + 1;
    karg a1[] = {KMEM(z), KMEM(spec), KMEM(tw), KARG(B), KARG(H), KARG(W)};
    if ((st = kernel_run(ctx, K_lucid_ifft_cols, (size_t)B * 3 * H * K, a1, NARGS(a1))))
        return st;
    karg a2[] = {KMEM(x), KMEM(z), KMEM(tw), KARG(B), KARG(H), KARG(W)};
    return kernel_run(ctx, K_lucid_ifft_rows, (size_t)B * 3 * H * W, a2, NARGS(a2));
}

clvis_status lucid_irfft_adj(clvis_ctx *ctx, cl_mem gspec, cl_mem gx, cl_mem z, cl_mem tw, int B,
                             int H, int W)
{
    clvis_status st = check(B, H, W);
    if (st)
        return st;
    int K = W / 2 + 1;
    karg a1[] = {KMEM(z), KMEM(gx), KMEM(tw), KARG(B), KARG(H), KARG(W)};
    if ((st = kernel_run(ctx, K_lucid_ifft_rows_adj, (size_t)B * 3 * H * K, a1, NARGS(a1))))
        return st;
    karg a2[] = {KMEM(gspec), KMEM(z), KMEM(tw), KARG(B), KARG(H), KARG(W)};
    return kernel_run(ctx, K_lucid_ifft_cols_adj, (size_t)B * 3 * H * K, a2, NARGS(a2));
}

/* The reference evaluates the definition directly: x[m][n] = 1/(4 H W) sum over the full
 * Hermitian spectrum, written with the half spectrum as numpy's irfft2 reads it (weights w_k:
 * 1 for DC and the even-W Nyquist column, whose imaginary parts drop out, 2 otherwise). */
static double wk(int k, int W)
{
    return (k == 0 || 2 * k == W) ? 1.0 : 2.0;
}

void lucid_irfft_ref(float *x, const float *spec, int B, int H, int W)
{
    const int K = W / 2 + 1;
    for (int b = 0; b < B; b++)
        for (int c = 0; c < 3; c++) {
            const float *pr = spec + (size_t)b * 6 * H * K + (size_t)c * H * K;
            const float *pi = pr + (size_t)3 * H * K;
            for (int m = 0; m < H; m++)
                for (int n = 0; n < W; n++) {
                    double acc = 0;
                    for (int j = 0; j < H; j++)
                        for (int k = 0; k < K; k++) {
                            double s = lucid_fft_scale(j, k, H, W);
                            double th = 2 * M_PI * ((double)j * m / H + (double)k * n / W);
                            acc += wk(k, W) * s *
                                   (pr[j * K + k] * cos(th) - pi[j * K + k] * sin(th));
                        }
                    x[(((size_t)b * 3 + c) * H + m) * W + n] = (float)(acc / (4.0 * H * W));
                }
        }
}

void lucid_irfft_adj_ref(float *gspec, const float *gx, int B, int H, int W)
{
    const int K = W / 2 + 1;
    for (int b = 0; b < B; b++)
        for (int c = 0; c < 3; c++) {
            float *pr = gspec + (size_t)b * 6 * H * K + (size_t)c * H * K;
            float *pi = pr + (size_t)3 * H * K;
            const float *g = gx + ((size_t)b * 3 + c) * H * W;
            for (int j = 0; j < H; j++)
                for (int k = 0; k < K; k++) {
                    double s = lucid_fft_scale(j, k, H, W) * wk(k, W) / (4.0 * H * W);
                    double re = 0, im = 0;
                    for (int m = 0; m < H; m++)
                        for (int n = 0; n < W; n++) {
                            double th = 2 * M_PI * ((double)j * m / H + (double)k * n / W);
                            re += g[m * W + n] * cos(th);
                            im -= g[m * W + n] * sin(th);
                        }
                    pr[j * K + k] = (float)(re * s);
                    pi[j * K + k] = (float)(im * s);
                }
        }
}

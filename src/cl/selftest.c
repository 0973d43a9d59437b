/* selftest.c — the known-answer check a program from the binary cache must pass before it is
 * trusted: the selftest kernel (an exact integer mix) and fill, add_fwd, copy_accum, act_fwd,
 * dense_fwd and softmax_fwd on tiny inputs whose results are known exactly (softmax to 1e-6).
 * Plain OpenCL calls: fault injection (CLVIS_FAULT) never sees them. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "runtime.h"

#define SEED 0x2545F491u
#define NU 32 /* selftest outputs */
#define NF 64 /* floats in the work buffer */

enum { ACT_RELU_ = 1 }; /* kernels/common.cl: ACT_RELU */

static uint32_t mix(uint32_t seed, uint32_t i)
{
    uint32_t x = seed ^ (i * 0x9E3779B9u);
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

typedef struct {
    clvis_ctx *ctx;
    cl_int e;
    const char *what;
} runner;

/* Sets the args of kernel k and enqueues n work-items (local size left to the driver). */
static void launch(runner *r, kernel_id k, size_t n, const karg *args, int nargs)
{
    for (int i = 0; i < nargs && r->e == CL_SUCCESS; i++)
        if ((r->e = clSetKernelArg(r->ctx->kernels[k], (cl_uint)i, args[i].size,
                                   args[i].value)) != CL_SUCCESS)
            r->what = "clSetKernelArg";
    if (r->e == CL_SUCCESS && (r->e = clEnqueueNDRangeKernel(r->ctx->queue, r->ctx->kernels[k],
                                                             1, NULL, &n, NULL, 0, NULL,
                                                             NULL)) != CL_SUCCESS)
        r->what = "clEnqueueNDRangeKernel";
}

static cl_mem make(runner *r, size_t bytes, void *init)
{
    if (r->e != CL_SUCCESS)
        return NULL;
    cl_mem m = clCreateBuffer(r->ctx->context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, bytes,
                              init, &r->e);
    if (r->e != CL_SUCCESS) {
        r->what = "clCreateBuffer";
        return NULL;
    }
    return m;
}

clvis_status program_selftest(clvis_ctx *ctx)
{
    float f[NF] = {0}, w[6] = {1, -2, 0.5f, 3, -1, 0.25f}, b[2] = {0.5f, -4};
    uint32_t u[NU] = {0};
    for (int i = 0; i < 8; i++) {
        f[i] = (float)(i - 3);     /* a: -3 .. 4 */
        f[8 + i] = 0.25f * i;      /* b: 0 .. 1.75 */
    }
    for (int c = 0; c < 4; c++) { /* softmax input, 1 x 4 channels x 2 positions, NCHW */
        f[40 + 2 * c] = (float)(c + 1);
        f[40 + 2 * c + 1] = 7.0f;
    }
    runner r = {ctx, CL_SUCCESS, NULL};
    cl_mem mf = make(&r, sizeof f, f), mw = make(&r, sizeof w, w), mb = make(&r, sizeof b, b);
    cl_mem mu = make(&r, sizeof u, u);
    int n8 = 8, zero = 0, off16 = 16, off24 = 24, off32 = 32, off40 = 40, off48 = 48, one = 1;
    int act = ACT_RELU_, nu = NU, N = 2, IN = 3, OUT = 2, c4 = 4, hw2 = 2;
    float v25 = 2.5f, max2 = 2.0f, nomax = 0.0f;
    cl_uint seed = SEED;
    karg a_self[] = {KMEM(mu), KARG(seed), KARG(nu)};
    karg a_fill[] = {KMEM(mf), KARG(off16), KARG(n8), KARG(v25)};
    karg a_add[] = {KMEM(mf), KARG(off24), KMEM(mf), KARG(zero), KMEM(mf), KARG(n8), KARG(n8)};
    karg a_copy[] = {KMEM(mf), KARG(off32), KMEM(mf), KARG(zero), KARG(n8), KARG(zero)};
    karg a_act[] = {KMEM(mf), KARG(off32), KARG(n8), KARG(act), KARG(max2)};
    /* dense: x = a as 2 rows of 3 (-3 -2 -1 / 0 1 2), y at 48, relu without a cap */
    karg a_dense[] = {KMEM(mf), KARG(off48), KMEM(mf), KARG(zero), KMEM(mw), KMEM(mb),
                      KARG(one), KARG(N), KARG(IN), KARG(OUT), KARG(act), KARG(nomax)};
    karg a_soft[] = {KMEM(mf), KARG(off40), KARG(one), KARG(c4), KARG(hw2)};
    launch(&r, K_selftest, NU, a_self, 3);
    launch(&r, K_fill, 8, a_fill, 4);
    launch(&r, K_add_fwd, 8, a_add, 7);
    launch(&r, K_copy_accum, 8, a_copy, 6);
    launch(&r, K_act_fwd, 8, a_act, 5);
    launch(&r, K_dense_fwd, 4, a_dense, 12);
    launch(&r, K_softmax_fwd, 2, a_soft, 5);
    if (r.e == CL_SUCCESS &&
        ((r.e = clEnqueueReadBuffer(ctx->queue, mf, CL_TRUE, 0, sizeof f, f, 0, NULL, NULL)) ||
         (r.e = clEnqueueReadBuffer(ctx->queue, mu, CL_TRUE, 0, sizeof u, u, 0, NULL, NULL))))
        r.what = "clEnqueueReadBuffer";
    cl_mem all[] = {mf, mw, mb, mu};
    for (int i = 0; i < 4; i++)
        if (all[i])
            clReleaseMemObject(all[i]);
    if (r.e != CL_SUCCESS)
        return err_set(CLVIS_ERR_BUILD, "self-test: %s failed: %s (%d)", r.what,
                       cl_error_name(r.e), (int)r.e);

    for (uint32_t i = 0; i < NU; i++)
        if (u[i] != mix(SEED, i))
            return err_set(CLVIS_ERR_BUILD, "self-test: selftest[%u] = %08x, expected %08x", i,
                           u[i], mix(SEED, i));
    const char *bad = NULL;
    int at = -1;
    double got = 0, want = 0;
    for (int i = 0; i < 8 && !bad; i++) {
        float a = (float)(i - 3), bb = 0.25f * i;
        float exp3[3] = {2.5f, a + bb, a < 0 ? 0 : a > 2 ? 2 : a};
        const char *names[3] = {"fill", "add_fwd", "copy_accum + act_fwd (relu, max 2)"};
        for (int k = 0; k < 3 && !bad; k++)
            if (f[16 + 8 * k + i] != exp3[k]) {
                bad = names[k];
                at = i;
                got = f[16 + 8 * k + i];
                want = exp3[k];
            }
    }
    for (int n = 0; n < 2 && !bad; n++)
        for (int o = 0; o < 2 && !bad; o++) {
            float acc = b[o];
            for (int k = 0; k < 3; k++)
                acc += (float)(3 * n + k - 3) * w[2 * k + o];
            acc = acc < 0 ? 0 : acc;
            if (f[48 + 2 * n + o] != acc) {
                bad = "dense_fwd";
                at = 2 * n + o;
                got = f[48 + 2 * n + o];
                want = acc;
            }
        }
    double s = 0;
    for (int c = 0; c < 4; c++)
        s += exp(c - 3.0);
    /* softmax(1, 2, 3, 4), then all 0.25; exp and divide are not correctly rounded in OpenCL
     * C 1.2 (a few ulp), so 1e-6 here, far inside any real change to the kernel */
    for (int i = 0; i < 8 && !bad; i++) {
        double p = i % 2 ? 0.25 : exp(i / 2 - 3.0) / s;
        if (fabs(f[40 + i] - p) > 1e-6) {
            bad = "softmax_fwd";
            at = i;
            got = f[40 + i];
            want = p;
        }
    }
    if (bad)
        return err_set(CLVIS_ERR_BUILD, "self-test: %s[%d] = %.9g, expected %.9g", bad, at, got,
                       want);
    return CLVIS_OK;
}

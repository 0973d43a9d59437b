/* conv_wino.c — host side of kernels/conv_wino.cl: Winograd F(2x2, 3x3) convolution (3x3,
 * stride 1, dilation 1, groups 1, any pads), forward and input gradient, as weight transform
 * (once per weight set, kept in conv2d_params.pack[2 + dir]), input transform, 16 GEMMs and
 * output transform, the tiles run in chunks so that the transformed input and product stay
 * small (in cache where they fit). */
#include <stdlib.h>
#include <string.h>

#include "ops.h"

/* The transformed input V and the product M of one chunk of tiles take at most this many
 * bytes together (at least one block of WINO_TB tiles); $CLVIS_WINO_CHUNK_KB overrides it
 * (benchmarking, BENCHMARKS.md). */
#define WINO_CHUNK_BYTES ((size_t)4 << 20)

int conv2d_wino_applies(const conv2d_params *p)
{
    const window2d *v = &p->win;
    return p->groups == 1 && v->kh == 3 && v->kw == 3 && v->sh == 1 && v->sw == 1 &&
           v->dh == 1 && v->dw == 1;
}

/* Forced by CLVIS_CONV_WINO where it applies. The automatic choice takes it on CPU devices
 * for 3x3 stride-1 convolutions with at least WINO_AUTO_CHANNELS input and output channels
 * (the layer's; the input gradient swaps them, so both directions agree): there bench_conv
 * measured it 1.18-1.68x faster than the fastest direct kernel on VGG16's 256- and
 * 512-channel layers (AVX-512 host, quiet) and faster than conv2d_blk from 128 channels on
 * (AVX2 host, loaded), with a max relative error of 1.8-2.6e-6 against the reference kernels
 * instead of the direct kernels' ~1e-6 (BENCHMARKS.md). Below it, at 64-128 channels, it was
 * 0.6-1.1x, and the book's small convnet (32-128 channels) keeps the direct kernels, whose
 * filter-pattern fixtures are chaotic enough to tell the difference. */
#define WINO_AUTO_CHANNELS 256

int conv2d_wino_wanted(const clvis_ctx *ctx, const conv2d_params *p, int in_c)
{
    if (!conv2d_wino_applies(p))
        return 0;
    if (ctx->conv_impl == CLVIS_CONV_WINO)
        return 1;
    return ctx->conv_impl == CLVIS_CONV_AUTO && ctx->info.type == CLVIS_DEVICE_CPU &&
           in_c >= WINO_AUTO_CHANNELS && p->out_c >= WINO_AUTO_CHANNELS;
}

/* The GEMM's output-channel block: conv2d_wino_gemm16's 24 float16 accumulators on devices
 * whose native float vector is 16 wide (AVX-512: 32 registers), conv2d_wino_gemm's 6 x 2
 * float8 elsewhere (AVX2's 16 registers; GPUs untuned); $CLVIS_WINO_GEMM=8 or 16 forces
 * either (both stay tested; 16 also on Oclgrind, whose native width is not 16). */
static int gemm16(const clvis_ctx *ctx)
{
    const char *e = getenv("CLVIS_WINO_GEMM");
    if (e && (strcmp(e, "8") == 0 || strcmp(e, "16") == 0))
        return e[0] == '1';
    return ctx->float_width >= 16;
}

static int ocb_of(const clvis_ctx *ctx)
{
    return gemm16(ctx) ? WINO_OC16 : WINO_OC;
}

/* Output / input channel counts of the convolution run in direction dir (1: the input
 * gradient, whose outputs are the layer's inputs). */
static void dims(const conv2d_params *p, int in_c, int dir, int *to, int *ti)
{
    *to = dir ? in_c : p->out_c;
    *ti = dir ? p->out_c : in_c;
}

static size_t wt_count(const clvis_ctx *ctx, const conv2d_params *p, int in_c, int dir)
{
    int to, ti, ocb = ocb_of(ctx);
    dims(p, in_c, dir, &to, &ti);
    return (size_t)16 * ((to + ocb - 1) / ocb) * ocb * ti;
}

static clvis_status wt_into(clvis_ctx *ctx, const conv2d_params *p, int in_c, cl_mem w, int dir,
                            cl_mem u)
{
    int total = (int)(wt_count(ctx, p, in_c, dir) / 16), oc = p->out_c, ocb = ocb_of(ctx);
    karg a[] = {KMEM(u), KMEM(w), KARG(oc), KARG(in_c), KARG(dir), KARG(ocb), KARG(total)};
    return kernel_run(ctx, K_conv2d_wino_wt, (size_t)total, a, (int)(sizeof a / sizeof *a));
}

/* The transformed weights of direction dir: p->pack[2 + dir] (made on first use, kept: the
 * caller owns it), else made into a fresh buffer that *own receives (the caller releases it). */
static clvis_status weights(clvis_ctx *ctx, const conv2d_params *p, int in_c, cl_mem w, int dir,
                            cl_mem *u, cl_mem *own)
{
    *own = NULL;
    cl_mem *slot = p->pack ? &p->pack[2 + dir] : own;
    if (!*slot) {
        cl_mem m;
        clvis_status st = buffer_create(ctx, wt_count(ctx, p, in_c, dir) * sizeof(float), &m);
        if (st)
            return st;
        if ((st = wt_into(ctx, p, in_c, w, dir, m))) {
            clReleaseMemObject(m);
            return st;
        }
        *slot = m;
    }
    *u = *slot;
    return CLVIS_OK;
}

/* ys = the 3x3 stride-1 convolution of xs with pads (pt, pl) on transformed weights u. */
static clvis_status wino_run(clvis_ctx *ctx, tensor ys, tensor xs, int pt, int pl, cl_mem u,
                             cl_mem b, int act, float act_max, int accum)
{
    /* tile rows padded to whole octets (kernels/conv_wino.cl) */
    int th = (ys.h + 1) / 2, twp = ((ys.w + 1) / 2 + 7) / 8 * 8;
    size_t tiles = (size_t)ys.n * th * twp;
    if (tiles > (size_t)1 << 30)
        return err_set(CLVIS_ERR_SHAPE, "conv2d (winograd): %zu tiles are too many", tiles);
    int ocb = ocb_of(ctx), wide = gemm16(ctx);
    int nt = (int)tiles, ob = (ys.c + ocb - 1) / ocb, ocp = ob * ocb;
    /* tiles per chunk: a multiple of WINO_TB, V and M within the chunk budget */
    size_t budget = WINO_CHUNK_BYTES;
    const char *kb = getenv("CLVIS_WINO_CHUNK_KB");
    if (kb && atoi(kb) > 0)
        budget = (size_t)atoi(kb) << 10;
    size_t per_block = (size_t)16 * WINO_TB * (xs.c + ocp) * sizeof(float);
    size_t blocks = budget / per_block;
    size_t need = ((size_t)nt + WINO_TB - 1) / WINO_TB;
    if (blocks < 1)
        blocks = 1;
    if (blocks > need)
        blocks = need;
    int chunk = (int)blocks * WINO_TB;
    size_t v_floats = (size_t)16 * chunk * xs.c, m_floats = (size_t)16 * chunk * ocp;
    if (v_floats + m_floats > (size_t)1 << 31)
        return err_set(CLVIS_ERR_SHAPE, "conv2d (winograd): %d channels are too many", xs.c);
    cl_mem s;
    clvis_status st = ctx_scratch(ctx, (v_floats + m_floats) * sizeof(float), &s);
    if (st)
        return st;
    int v_off = 0, m_off = (int)v_floats, x_off = (int)xs.off, y_off = (int)ys.off;
    int has_bias = b != NULL;
    cl_mem bias = b ? b : u;
    /* GEMM order: the tile block innermost (the channel block's U panel stays in cache, the
     * chunk bounds V), unless clvis_ctx_options.conv_order says otherwise */
    int oc_inner = ctx->conv_order == CLVIS_ORDER_CHANNELS_INNER;
    static const size_t one[2] = {1, 1};
    const size_t *local = ctx->info.type == CLVIS_DEVICE_CPU ? one : NULL;
    for (int t0 = 0; t0 < nt && !st; t0 += chunk) {
        int ntc = nt - t0 < chunk ? nt - t0 : chunk; /* a multiple of 8 (whole octets) */
        int tbc = (ntc + WINO_TB - 1) / WINO_TB, nq = ntc / 8;
        karg ai[] = {KMEM(s),     KARG(v_off), KMEM(xs.mem), KARG(x_off), KARG(xs.c),
                     KARG(xs.h),  KARG(xs.w),  KARG(pt),     KARG(pl),    KARG(th),
                     KARG(twp),   KARG(nt),    KARG(t0),     KARG(tbc)};
        st = kernel_run(ctx, K_conv2d_wino_in, (size_t)tbc * (WINO_TB / 8) * xs.c, ai,
                        (int)(sizeof ai / sizeof *ai));
        if (st)
            break;
        karg ag[] = {KMEM(s),     KARG(m_off), KMEM(u),  KMEM(s),       KARG(v_off),
                     KARG(xs.c),  KARG(ob),    KARG(tbc), KARG(oc_inner)};
        size_t g[2] = {(size_t)16 * ob * tbc, 1};
        st = kernel_run2(ctx, wide ? K_conv2d_wino_gemm16 : K_conv2d_wino_gemm, g, local, ag,
                         (int)(sizeof ag / sizeof *ag));
        if (st)
            break;
        karg ao[] = {KMEM(ys.mem), KARG(y_off), KMEM(s),     KARG(m_off),  KMEM(bias),
                     KARG(has_bias), KARG(ys.c), KARG(ys.h),  KARG(ys.w),   KARG(th),
                     KARG(twp),    KARG(t0),    KARG(nq),    KARG(tbc),    KARG(ocp),
                     KARG(act),    KARG(act_max), KARG(accum)};
        st = kernel_run(ctx, K_conv2d_wino_out, (size_t)nq * ys.c, ao,
                        (int)(sizeof ao / sizeof *ao));
    }
    return st;
}

clvis_status conv2d_wino_forward(clvis_ctx *ctx, const conv2d_params *p, tensor y, tensor x,
                                 cl_mem w, cl_mem b)
{
    cl_mem u, own;
    clvis_status st = weights(ctx, p, x.c, w, 0, &u, &own);
    if (!st)
        st = wino_run(ctx, y, x, p->win.pad_t, p->win.pad_l, u, b, p->act, p->act_max, 0);
    if (own)
        clReleaseMemObject(own);
    return st;
}

/* dx is the convolution of dy, padded by 2 - pad (negative: cropped), with the transposed,
 * rotated weights (transformed with dir 1). */
clvis_status conv2d_wino_backward(clvis_ctx *ctx, const conv2d_params *p, tensor dx, tensor dy,
                                  cl_mem w, int accum)
{
    cl_mem u, own;
    clvis_status st = weights(ctx, p, dx.c, w, 1, &u, &own);
    if (!st)
        st = wino_run(ctx, dx, dy, 2 - p->win.pad_t, 2 - p->win.pad_l, u, NULL, ACT_LINEAR, 0.0f,
                      accum);
    if (own)
        clReleaseMemObject(own);
    return st;
}

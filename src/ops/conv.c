/* conv.c — host side of kernels/conv.cl: 2-D convolution forward and input gradient. */
#include <stdlib.h>
#include <string.h>

#include "ops.h"

/* Which implementation conv2d_forward / conv2d_backward use (ctx->conv_impl, from
 * clvis_ctx_options.conv): CLVIS_CONV_AUTO picks, where they apply (groups 1; the input
 * gradient at stride 1), depthwise and GPU-tiled kernels first, then Winograd (conv_wino.c),
 * on CPU devices with <= 8-wide vectors the blocked kernel on packed weights (conv2d_blk,
 * conv_blk.c), and elsewhere the fast tile: conv2d_3x3 for 3x3 stride-1 same / valid windows
 * (borders in the kernel), conv2d_fast on a padded copy for the other shapes; the reference
 * kernels for the rest. CLVIS_CONV_FAST / _BLK force one of the two where it applies,
 * CLVIS_CONV_REFERENCE the reference kernels (benchmarks, tests, debugging). */
static int fast_allowed(const clvis_ctx *ctx)
{
    /* wino, dw: the automatic choice where their kernels do not apply */
    return ctx->conv_impl == CLVIS_CONV_AUTO || ctx->conv_impl == CLVIS_CONV_FAST ||
           ctx->conv_impl == CLVIS_CONV_WINO || ctx->conv_impl == CLVIS_CONV_DW;
}

/* Where the automatic choice takes conv2d_blk (16 output channels x 6 or 7 pixels per work-item
 * in float8 vectors, no padded copy) over conv2d_fast (8 channels x 16 pixels in float16
 * vectors, on a padded copy): CPU devices whose native float vector is at most 8 wide (AVX2:
 * blk's float8 accumulators fill its 16 registers), at least 16 input and 16 output channels
 * of the run (fewer leave most of its lanes or its accumulation idle: 3->64 forward 0.5-0.7x)
 * and outputs at least 48 pixels wide. Measured with tools/bench/bench_conv (BENCHMARKS.md):
 * on the AVX2 server (Zen 3) blk was 1.1-1.4x faster than fast on VGG16's 224/112/56-wide
 * layers and 0.8-1.1x on the 28/14-wide ones; on an AVX-512 one (Zen 4, native width 16) fast
 * is 1.2-2.1x faster than blk on every 64..512-channel row, so there it keeps fast. */
static int blk_wanted(const clvis_ctx *ctx, int groups, int in_c, tensor out)
{
    if (groups != 1 || ctx->conv_impl == CLVIS_CONV_REFERENCE ||
        ctx->conv_impl == CLVIS_CONV_FAST)
        return 0;
    return ctx->conv_impl == CLVIS_CONV_BLK ||
           (ctx->info.type == CLVIS_DEVICE_CPU && ctx->float_width <= 8 && in_c >= 16 &&
            out.c >= 16 && out.w >= 48);
}

/* Work-group shape for conv2d_fast. CPU devices (PoCL): one work-item per work-group, so the
 * explicit float16 code runs as written, not through PoCL's cross-work-item loop (the setting
 * PERF-NOTES measured for register-blocked kernels; other sizes not yet measured). Other
 * devices: driver-chosen size (untested on GPUs so far). */
static const size_t *fast_local(clvis_ctx *ctx)
{
    static const size_t one[2] = {1, 1};
    return ctx->info.type == CLVIS_DEVICE_CPU ? one : NULL;
}

/* conv2d_3x3 (conv2d_fast's tile, borders handled in the kernel, no padded copy) applies: a
 * 3x3 window, stride and dilation 1, and one pixel of padding on each side (top / left given;
 * the output the input's size implies the rest) or none (the output 2 smaller), at least one
 * full 16-pixel tile per output row. Returns the padding (0 or 1), or -1.
 * $CLVIS_CONV_PAD=copy forces the padded copy + conv2d_fast instead (both stay tested). */
static int c3_pad(tensor ys, tensor xs, int pt, int pl, int kh, int kw, int sh, int sw, int dh,
                  int dw)
{
    const char *e = getenv("CLVIS_CONV_PAD");
    if ((e && strcmp(e, "copy") == 0) || kh != 3 || kw != 3 || sh != 1 || sw != 1 || dh != 1 ||
        dw != 1 || pt != pl || (pt != 0 && pt != 1) || ys.n != xs.n || ys.w < CONV_FAST_PXB)
        return -1;
    return ys.h == xs.h + 2 * pt - 2 && ys.w == xs.w + 2 * pt - 2 ? pt : -1;
}

/* Output rows per conv2d_3x3 work-item: 2 (conv2d_3x3_r2: each weight loaded once for two
 * rows) where the output has at least two rows; on the Zen 5 server bench_conv had it
 * 1.27-1.38x faster than one row on VGG16's 224..56-wide layers, 1.0-1.1x at 28 and 14
 * (BENCHMARKS.md). $CLVIS_CONV_ROWS=1 forces one (conv2d_3x3; test_ops_conv_rows1). */
static int c3_rows(tensor ys)
{
    const char *e = getenv("CLVIS_CONV_ROWS");
    return ys.h >= 2 && !(e && strcmp(e, "1") == 0) ? 2 : 1;
}

/* Zero-padded copy of x into the context's scratch buffer (allocated once, grown as needed),
 * then conv2d_fast; or conv2d_3x3 with no copy where it applies. (xs: the conv's input as
 * [N][C][H][W]; ys: its output.) */
static clvis_status fast_run(clvis_ctx *ctx, tensor ys, tensor xs, int pt, int pl, int kh,
                             int kw, int sh, int sw, int dh, int dw, cl_mem w, int w_base,
                             int s_o, int s_c, int s_kh, int s_kw, cl_mem b, int act,
                             float act_max, int accum)
{
    /* the tile (CONV_FAST_PXB pixels x CONV_FAST_OCB channels) lives in tunables.h */
    int owt = (ys.w + CONV_FAST_PXB - 1) / CONV_FAST_PXB;
    int oct = (ys.c + CONV_FAST_OCB - 1) / CONV_FAST_OCB;
    int hp = (ys.h - 1) * sh + (kh - 1) * dh + 1;
    int wp = owt * CONV_FAST_PXB * sw + (kw - 1) * dw;
    /* Tile order: with the output-channel block innermost, the input rows of a tile stay in
     * cache while every block reads them, but all weights are read once per pixel tile; so
     * take that order only while the weights fit in a CPU core's L2 (2 MiB here; 1 MiB
     * assumed). ctx->conv_order (clvis_ctx_options.conv_order) overrides (benchmarking). */
    size_t wbytes = (size_t)xs.c * ys.c * kh * kw * sizeof(float);
    int oc_inner = ctx->conv_order == CLVIS_ORDER_CHANNELS_INNER ? 1
                   : ctx->conv_order == CLVIS_ORDER_PIXELS_INNER ? 0
                                                                 : wbytes <= ((size_t)1 << 20);
    int nc = xs.n * xs.c, x_off = (int)xs.off, y_off = (int)ys.off;
    int has_bias = b != NULL;
    cl_mem bias = b ? b : w;
    const size_t *local = fast_local(ctx);
    int p3 = s_kw == 1 || s_kw == -1 ? c3_pad(ys, xs, pt, pl, kh, kw, sh, sw, dh, dw) : -1;
    if (p3 >= 0) {
        int flip = s_kw < 0;
        karg a[] = {KMEM(ys.mem), KARG(y_off), KMEM(xs.mem), KARG(x_off), KMEM(w),
                    KARG(w_base), KARG(s_o), KARG(s_c), KARG(flip), KMEM(bias),
                    KARG(has_bias), KARG(xs.n), KARG(xs.c), KARG(xs.h), KARG(xs.w), KARG(p3),
                    KARG(ys.c), KARG(act), KARG(act_max), KARG(accum), KARG(owt), KARG(oct),
                    KARG(oc_inner)};
        int r2 = c3_rows(ys) == 2;
        size_t g[2] = {(size_t)owt * (r2 ? (ys.h + 1) / 2 : ys.h) * oct * ys.n, 1};
        return kernel_run2(ctx, r2 ? K_conv2d_3x3_r2 : K_conv2d_3x3, g, local, a,
                           (int)(sizeof a / sizeof *a));
    }
    cl_mem xp;
    clvis_status st = ctx_scratch(ctx, (size_t)nc * hp * wp * sizeof(float), &xp);
    if (st)
        return st;
    karg pa[] = {KMEM(xp), KMEM(xs.mem), KARG(x_off), KARG(nc), KARG(xs.h), KARG(xs.w),
                 KARG(hp), KARG(wp), KARG(pt), KARG(pl)};
    size_t pl_ = 64, pg[2] = {((size_t)wp + pl_ - 1) / pl_ * pl_, (size_t)nc * hp};
    size_t plocal[2] = {pl_, 1};
    st = kernel_run2(ctx, K_conv2d_pad, pg, plocal, pa, (int)(sizeof pa / sizeof *pa));
    if (st == CLVIS_OK) {
        karg a[] = {KMEM(ys.mem), KARG(y_off), KMEM(xp), KMEM(w), KARG(w_base), KARG(s_o),
                    KARG(s_c), KARG(s_kh), KARG(s_kw), KMEM(bias), KARG(has_bias),
                    KARG(xs.n), KARG(xs.c), KARG(hp), KARG(wp), KARG(ys.c), KARG(ys.h),
                    KARG(ys.w), KARG(kh), KARG(kw), KARG(sh), KARG(sw), KARG(dh), KARG(dw),
                    KARG(act), KARG(act_max), KARG(accum), KARG(owt), KARG(oct), KARG(oc_inner)};
        size_t g[2] = {(size_t)owt * ys.h * oct * ys.n, 1};
        st = kernel_run2(ctx, K_conv2d_fast, g, local, a, (int)(sizeof a / sizeof *a));
    }
    return st;
}

/* Forward: the fast kernel gives each work-item an 8-channel x 16-pixel tile. On a CPU (PoCL)
 * it wins on every shape measured (30-70x). On a GPU it needs enough tiles to fill the device:
 * measured on an NVIDIA H100 (132 CUs, tools/bench/bench_conv, BENCHMARKS.md) it won 7x at
 * 64ch@224 (28672 tiles), 2.8x at 256ch@56 (7168 tiles, 54 per CU)
 * and lost at 512ch@28 (3584 tiles, 27 per CU: 0.9x) and 512ch@14 (0.2x). So on GPUs the fast
 * path needs at least 40 tiles per compute unit. The backward (input gradient) path won or
 * tied everywhere on both devices, so it has no such rule. */
static int fast_forward_pays(const clvis_ctx *ctx, tensor y)
{
    if (ctx->info.type == CLVIS_DEVICE_CPU)
        return 1;
    size_t tiles = (size_t)((y.w + CONV_FAST_PXB - 1) / CONV_FAST_PXB) * y.h *
                   ((y.c + CONV_FAST_OCB - 1) / CONV_FAST_OCB) * y.n;
    return tiles >= 40 * (size_t)(ctx->info.compute_units ? ctx->info.compute_units : 1);
}

static clvis_status check(const conv2d_params *p, tensor out, tensor in)
{
    const window2d *w = &p->win;
    if (p->groups <= 0 || in.c % p->groups || p->out_c % p->groups || p->out_c != out.c ||
        in.n != out.n)
        return err_set(CLVIS_ERR_SHAPE,
                       "conv2d: %d input channels, %d output channels, %d groups do not fit "
                       "(output tensor has %d channels)",
                       in.c, p->out_c, p->groups, out.c);
    if (out.h != (in.h + w->pad_t + w->pad_b - ((w->kh - 1) * w->dh + 1)) / w->sh + 1 ||
        out.w != (in.w + w->pad_l + w->pad_r - ((w->kw - 1) * w->dw + 1)) / w->sw + 1)
        return err_set(CLVIS_ERR_SHAPE, "conv2d: output %dx%d does not match input %dx%d",
                       out.h, out.w, in.h, in.w);
    return CLVIS_OK;
}

clvis_status conv2d_forward(clvis_ctx *ctx, const conv2d_params *p, tensor y, tensor x, cl_mem w,
                            cl_mem b)
{
    clvis_status st = check(p, y, x);
    if (st)
        return st;
    const window2d *v = &p->win;
    int y_off = (int)y.off, x_off = (int)x.off, has_bias = b != NULL, act = p->act;
    cl_mem bias = b ? b : w;
    float act_max = p->act_max;
    if (conv_dw_wanted(ctx, p, x.c, 0)) /* depthwise (conv_dw.c) */
        return conv_dw_forward(ctx, p, y, x, w, b);
    if (conv_tiled_wanted(ctx, p)) /* the GPU path (src/cl/select.c) */
        return conv_tiled_forward(ctx, p, y, x, w, b);
    if (conv2d_wino_wanted(ctx, p, x.c)) /* Winograd F(2x2, 3x3) (conv_wino.c) */
        return conv2d_wino_forward(ctx, p, y, x, w, b);
    if (blk_wanted(ctx, p->groups, x.c, y))
        return conv2d_blk_forward(ctx, p, y, x, w, b);
    /* Fast path: groups 1, horizontal stride 1 or 2 (any kernel size, vertical stride and
     * dilation). Everything else (depthwise / grouped, wider strides) takes the reference. */
    if (fast_allowed(ctx) && p->groups == 1 && (v->sw == 1 || v->sw == 2) &&
        fast_forward_pays(ctx, y))
        return fast_run(ctx, y, x, v->pad_t, v->pad_l, v->kh, v->kw, v->sh, v->sw, v->dh, v->dw,
                        w, 0, x.c * v->kh * v->kw, v->kh * v->kw, v->kw, 1, b, act, act_max, 0);
    karg a[] = {KMEM(y.mem), KARG(y_off), KMEM(x.mem), KARG(x_off), KMEM(w), KMEM(bias),
                KARG(has_bias), KARG(x.n), KARG(x.c), KARG(x.h), KARG(x.w), KARG(y.c),
                KARG(y.h), KARG(y.w), KARG(v->kh), KARG(v->kw), KARG(v->sh), KARG(v->sw),
                KARG(v->dh), KARG(v->dw), KARG(v->pad_t), KARG(v->pad_l), KARG(p->groups),
                KARG(act), KARG(act_max)};
    return kernel_run(ctx, K_conv2d_fwd, tensor_count(y), a, (int)(sizeof a / sizeof *a));
}

clvis_status conv2d_backward(clvis_ctx *ctx, const conv2d_params *p, tensor dx, tensor dy,
                             cl_mem w, int accum)
{
    clvis_status st = check(p, dy, dx);
    if (st)
        return st;
    const window2d *v = &p->win;
    int dx_off = (int)dx.off, dy_off = (int)dy.off;
    if (conv_dw_wanted(ctx, p, dx.c, 1)) /* depthwise, or few input channels (conv_dw.c) */
        return conv_dw_backward(ctx, p, dx, dy, w, accum);
    if (conv_tiled_wanted(ctx, p)) /* the GPU path (src/cl/select.c) */
        return conv_tiled_backward(ctx, p, dx, dy, w, accum);
    if (conv2d_wino_wanted(ctx, p, dx.c)) /* Winograd F(2x2, 3x3) (conv_wino.c) */
        return conv2d_wino_backward(ctx, p, dx, dy, w, accum);
    if (v->sh == 1 && v->sw == 1 && blk_wanted(ctx, p->groups, dy.c, dx))
        return conv2d_blk_backward(ctx, p, dx, dy, w, accum);
    /* Fast path for stride 1, groups 1: dx is the convolution of dy, padded by
     * (k - 1) * d - pad, with the transposed, flipped weights (strides into OIHW). */
    if (fast_allowed(ctx) && p->groups == 1 && v->sh == 1 && v->sw == 1) {
        int khw = v->kh * v->kw;
        return fast_run(ctx, dx, dy, (v->kh - 1) * v->dh - v->pad_t,
                        (v->kw - 1) * v->dw - v->pad_l, v->kh, v->kw, 1, 1, v->dh, v->dw, w,
                        khw - 1, khw, dx.c * khw, -v->kw, -1, NULL, ACT_LINEAR, 0.0f, accum);
    }
    karg a[] = {KMEM(dx.mem), KARG(dx_off), KMEM(dy.mem), KARG(dy_off), KMEM(w),
                KARG(dx.n), KARG(dx.c), KARG(dx.h), KARG(dx.w), KARG(dy.c), KARG(dy.h),
                KARG(dy.w), KARG(v->kh), KARG(v->kw), KARG(v->sh), KARG(v->sw), KARG(v->dh),
                KARG(v->dw), KARG(v->pad_t), KARG(v->pad_l), KARG(p->groups), KARG(accum)};
    return kernel_run(ctx, K_conv2d_bwd, tensor_count(dx), a, (int)(sizeof a / sizeof *a));
}

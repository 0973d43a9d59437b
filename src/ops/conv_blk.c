/* conv_blk.c — host side of kernels/conv_blk.cl: the register-blocked direct convolution on
 * packed weights (16 output channels x 6 or 7 pixels per work-item, no padded input copy), forward
 * and stride-1 input gradient, and the weight packing it streams. */
#include "ops.h"

/* Packed output / input channel counts of one direction (dir 1: the input gradient, whose
 * outputs are the layer's inputs). */
static void pack_dims(const conv2d_params *p, int in_c, int dir, int *to, int *ti)
{
    *to = dir ? in_c : p->out_c;
    *ti = dir ? p->out_c : in_c;
}

size_t conv2d_pack_count(const conv2d_params *p, int in_c, int dir)
{
    int to, ti;
    pack_dims(p, in_c, dir, &to, &ti);
    size_t blocks = (size_t)(to + CONV_BLK_OC - 1) / CONV_BLK_OC;
    return blocks * ti * p->win.kh * p->win.kw * CONV_BLK_OC;
}

clvis_status conv2d_pack_into(clvis_ctx *ctx, const conv2d_params *p, int in_c, cl_mem w,
                              int dir, cl_mem wp)
{
    int total = (int)conv2d_pack_count(p, in_c, dir);
    int oc = p->out_c, kh = p->win.kh, kw = p->win.kw;
    karg a[] = {KMEM(wp), KMEM(w), KARG(oc), KARG(in_c), KARG(kh), KARG(kw), KARG(dir),
                KARG(total)};
    return kernel_run(ctx, K_conv2d_blk_pack, (size_t)total, a, (int)(sizeof a / sizeof *a));
}

clvis_status conv2d_pack(clvis_ctx *ctx, const conv2d_params *p, int in_c, cl_mem w, int dir,
                         cl_mem *out)
{
    *out = NULL;
    cl_mem m;
    clvis_status st = buffer_create(ctx, conv2d_pack_count(p, in_c, dir) * sizeof(float), &m);
    if (st)
        return st;
    if ((st = conv2d_pack_into(ctx, p, in_c, w, dir, m))) {
        clReleaseMemObject(m);
        return st;
    }
    *out = m;
    return CLVIS_OK;
}

/* The packed weights of direction dir: p->pack[dir] (packed on first use and kept: the caller
 * owns it), else a fresh packing into the context's scratch buffer. */
static clvis_status packed(clvis_ctx *ctx, const conv2d_params *p, int in_c, cl_mem w, int dir,
                           cl_mem *wp)
{
    if (p->pack) {
        if (!p->pack[dir]) {
            clvis_status st = conv2d_pack(ctx, p, in_c, w, dir, &p->pack[dir]);
            if (st)
                return st;
        }
        *wp = p->pack[dir];
        return CLVIS_OK;
    }
    clvis_status st = ctx_scratch(ctx, conv2d_pack_count(p, in_c, dir) * sizeof(float), wp);
    return st ? st : conv2d_pack_into(ctx, p, in_c, w, dir, *wp);
}

/* The tile width for an output ys wide: ctx->conv_blk_px where set (6 or 7), else 7 where it
 * divides the width and the width is at most 28 (VGG16's 14- and 28-wide layers, where 6-pixel
 * tiles leave a ragged last tile and most tiles are edge tiles), else 6 (BENCHMARKS.md). */
int conv2d_blk_px(const clvis_ctx *ctx, int ow)
{
    if (ctx->conv_blk_px == CONV_BLK_PX || ctx->conv_blk_px == CONV_BLK_PX7)
        return ctx->conv_blk_px;
    return ow % CONV_BLK_PX7 == 0 && ow <= 28 ? CONV_BLK_PX7 : CONV_BLK_PX;
}

/* One run of conv2d_blk: ys = conv(xs) with window (kh, kw, sh, sw, dh, dw) and pads (pt, pl)
 * on packed weights wp. */
static clvis_status blk_run(clvis_ctx *ctx, tensor ys, tensor xs, int kh, int kw, int sh, int sw,
                            int dh, int dw, int pt, int pl, cl_mem wp, cl_mem b, int act,
                            float act_max, int accum)
{
    int px = conv2d_blk_px(ctx, ys.w);
    int owt = (ys.w + px - 1) / px;
    int ocb = (ys.c + CONV_BLK_OC - 1) / CONV_BLK_OC;
    /* Tile order as conv2d_fast's (conv.c): the channel block innermost while the packed
     * weights fit in a core's L2 (1 MiB assumed), else the pixel tile innermost. */
    size_t wbytes = (size_t)ocb * CONV_BLK_OC * xs.c * kh * kw * sizeof(float);
    int oc_inner = ctx->conv_order == CLVIS_ORDER_CHANNELS_INNER ? 1
                   : ctx->conv_order == CLVIS_ORDER_PIXELS_INNER ? 0
                                                                 : wbytes <= ((size_t)1 << 20);
    int y_off = (int)ys.off, x_off = (int)xs.off, has_bias = b != NULL;
    cl_mem bias = b ? b : wp;
    karg a[] = {KMEM(ys.mem), KARG(y_off), KMEM(xs.mem), KARG(x_off), KMEM(wp), KMEM(bias),
                KARG(has_bias), KARG(xs.n), KARG(xs.c), KARG(xs.h), KARG(xs.w), KARG(ys.c),
                KARG(ys.h), KARG(ys.w), KARG(kh), KARG(kw), KARG(sh), KARG(sw), KARG(dh),
                KARG(dw), KARG(pt), KARG(pl), KARG(act), KARG(act_max), KARG(accum), KARG(owt),
                KARG(ocb), KARG(oc_inner)};
    /* one work-item per work-group on CPUs (the explicit vectors run as written) */
    static const size_t one[2] = {1, 1};
    const size_t *local = ctx->info.type == CLVIS_DEVICE_CPU ? one : NULL;
    size_t g[2] = {(size_t)owt * ys.h * ocb * ys.n, 1};
    return kernel_run2(ctx, px == CONV_BLK_PX7 ? K_conv2d_blk7 : K_conv2d_blk, g, local, a, (int)(sizeof a / sizeof *a));
}

clvis_status conv2d_blk_forward(clvis_ctx *ctx, const conv2d_params *p, tensor y, tensor x,
                                cl_mem w, cl_mem b)
{
    const window2d *v = &p->win;
    cl_mem wp;
    clvis_status st = packed(ctx, p, x.c, w, 0, &wp);
    if (st)
        return st;
    return blk_run(ctx, y, x, v->kh, v->kw, v->sh, v->sw, v->dh, v->dw, v->pad_t, v->pad_l, wp, b,
                   p->act, p->act_max, 0);
}

/* Stride 1: dx is the convolution of dy, padded by (k - 1) * d - pad (negative: cropped), with
 * the transposed, flipped weights (packed with dir 1). */
clvis_status conv2d_blk_backward(clvis_ctx *ctx, const conv2d_params *p, tensor dx, tensor dy,
                                 cl_mem w, int accum)
{
    const window2d *v = &p->win;
    cl_mem wp;
    clvis_status st = packed(ctx, p, dx.c, w, 1, &wp);
    if (st)
        return st;
    return blk_run(ctx, dx, dy, v->kh, v->kw, 1, 1, v->dh, v->dw, (v->kh - 1) * v->dh - v->pad_t,
                   (v->kw - 1) * v->dw - v->pad_l, wp, NULL, ACT_LINEAR, 0.0f, accum);
}

/* ascent.c — host side of kernels/ascent.cl (ascent.h). */
#include <stdlib.h>
#include <string.h>

#include "ascent.h"

#define NARGS(a) ((int)(sizeof(a) / sizeof *(a)))

static clvis_status map_check(const ascent_map *m, tensor t)
{
    if (!m || (m->nc != 1 && m->nc != 3) || t.c != m->nc)
        return err_set(CLVIS_ERR_SHAPE, "ascent: %d channels, the map has %d", t.c,
                       m ? m->nc : 0);
    for (int c = 0; c < m->nc; c++)
        if (m->src[c] < 0 || m->src[c] >= m->nc)
            return err_set(CLVIS_ERR_INVALID_ARG, "ascent: bad channel map");
    return CLVIS_OK;
}

clvis_status ascent_seed(clvis_ctx *ctx, tensor dy, cl_mem unit, cl_mem value)
{
    int off = (int)dy.off, hw = dy.h * dy.w;
    karg a[] = {KMEM(dy.mem), KARG(off), KMEM(unit), KMEM(value), KARG(dy.n), KARG(dy.c),
                KARG(hw)};
    return kernel_run(ctx, K_ascent_seed, tensor_count(dy), a, NARGS(a));
}

clvis_status ascent_seed_unit(clvis_ctx *ctx, tensor dy, cl_mem unit, cl_mem value)
{
    int off = (int)dy.off, hw = dy.h * dy.w;
    karg a[] = {KMEM(dy.mem), KARG(off), KMEM(unit), KMEM(value), KARG(dy.n), KARG(dy.c),
                KARG(hw)};
    return kernel_run(ctx, K_ascent_seed_unit, (size_t)dy.n * hw, a, NARGS(a));
}

clvis_status ascent_pre(clvis_ctx *ctx, tensor y, cl_mem x, const ascent_map *m)
{
    clvis_status st = map_check(m, y);
    if (st)
        return st;
    int off = (int)y.off, n = (int)tensor_count(y), hw = y.h * y.w;
    int s[3] = {m->src[0], 0, 0};
    float k[3] = {m->scale[0], 0, 0}, o[3] = {m->offset[0], 0, 0};
    for (int c = 1; c < m->nc; c++)
        s[c] = m->src[c], k[c] = m->scale[c], o[c] = m->offset[c];
    karg a[] = {KMEM(y.mem), KARG(off), KMEM(x), KARG(n), KARG(m->nc), KARG(hw),
                KARG(s[0]), KARG(s[1]), KARG(s[2]), KARG(k[0]), KARG(k[1]), KARG(k[2]),
                KARG(o[0]), KARG(o[1]), KARG(o[2])};
    return kernel_run(ctx, K_ascent_pre, (size_t)n, a, NARGS(a));
}

clvis_status ascent_norm(clvis_ctx *ctx, cl_mem norm, cl_mem part, tensor g, int nb,
                         const ascent_map *m)
{
    clvis_status st = map_check(m, g);
    if (st)
        return st;
    if (nb < 1 || nb > g.n)
        return err_set(CLVIS_ERR_INVALID_ARG, "ascent: %d items of a batch of %d", nb, g.n);
    int off = (int)g.off, hw = g.h * g.w, K = ASCENT_PARTS, per = g.c * hw;
    float k[3] = {m->scale[0], 0, 0};
    for (int c = 1; c < m->nc; c++)
        k[c] = m->scale[c];
    karg a[] = {KMEM(part), KMEM(g.mem), KARG(off), KARG(nb), KARG(g.c), KARG(hw), KARG(K),
                KARG(k[0]), KARG(k[1]), KARG(k[2])};
    if ((st = kernel_run(ctx, K_ascent_sumsq, (size_t)nb * K, a, NARGS(a))))
        return st;
    karg b[] = {KMEM(norm), KMEM(part), KARG(nb), KARG(K), KARG(per)};
    return kernel_run(ctx, K_ascent_norm, (size_t)nb, b, NARGS(b));
}

clvis_status ascent_step(clvis_ctx *ctx, cl_mem x, tensor g, cl_mem norm, int nb,
                         const ascent_map *m, float step)
{
    clvis_status st = map_check(m, g);
    if (st)
        return st;
    if (nb < 1 || nb > g.n)
        return err_set(CLVIS_ERR_INVALID_ARG, "ascent: %d items of a batch of %d", nb, g.n);
    int off = (int)g.off, hw = g.h * g.w, n = nb * g.c * hw;
    int inv[3] = {0, 0, 0}; /* pixel channel -> the model channel it feeds */
    float k[3] = {m->scale[0], 0, 0};
    for (int c = 0; c < m->nc; c++)
        inv[m->src[c]] = c, k[c] = m->scale[c];
    karg a[] = {KMEM(x), KMEM(g.mem), KARG(off), KMEM(norm), KARG(n), KARG(g.c), KARG(hw),
                KARG(inv[0]), KARG(inv[1]), KARG(inv[2]), KARG(k[0]), KARG(k[1]), KARG(k[2]),
                KARG(step)};
    return kernel_run(ctx, K_ascent_step, (size_t)n, a, NARGS(a));
}

/* The one-channel kernels on 16-pixel row vectors (ascent_unit_fwd3 / _bwd3) take 3x3 windows
 * at stride 1: in the block3_conv1 filter grid (64 items x 128 channels at 16x16) the input
 * gradient went from 46 to 0.5 ms a step, the forward from 9.8 to 0.9 (BENCHMARKS.md).
 * $CLVIS_ASCENT_UNIT=scalar forces the per-pixel kernels (test_ops_ascent_scalar). */
static int unit_vec(const window2d *v)
{
    const char *e = getenv("CLVIS_ASCENT_UNIT");
    return v->kh == 3 && v->kw == 3 && v->sh == 1 && v->sw == 1 &&
           !(e && strcmp(e, "scalar") == 0);
}

/* one work-item per work-group on CPUs (PoCL runs the explicit vectors as written) */
static const size_t *unit_local(const clvis_ctx *ctx)
{
    static const size_t one[2] = {1, 1};
    return ctx->info.type == CLVIS_DEVICE_CPU ? one : NULL;
}

clvis_status ascent_unit_forward(clvis_ctx *ctx, const conv2d_params *p, tensor dz, tensor y,
                                 tensor x, cl_mem w, cl_mem b, cl_mem unit, cl_mem value)
{
    const window2d *v = &p->win;
    if (dz.n != x.n || y.n != x.n || dz.c != 1 || y.c != 1 || dz.h != y.h || dz.w != y.w ||
        p->groups < 1 || x.c % p->groups || p->out_c % p->groups ||
        (p->act != ACT_LINEAR && p->act != ACT_RELU && p->act != ACT_SIGMOID &&
         p->act != ACT_TANH))
        return err_set(CLVIS_ERR_SHAPE, "ascent: one-channel convolution does not fit");
    int has_bias = b != NULL, act = p->act, x_off = (int)x.off;
    cl_mem bias = b ? b : w;
    float act_max = p->act_max;
    karg a[] = {KMEM(dz.mem), KMEM(y.mem), KMEM(x.mem), KARG(x_off), KMEM(w), KMEM(bias),
                KARG(has_bias), KMEM(unit), KMEM(value), KARG(x.n), KARG(x.c), KARG(x.h),
                KARG(x.w), KARG(p->out_c), KARG(y.h), KARG(y.w), KARG(v->kh), KARG(v->kw),
                KARG(v->sh), KARG(v->sw), KARG(v->dh), KARG(v->dw), KARG(v->pad_t),
                KARG(v->pad_l), KARG(p->groups), KARG(act), KARG(act_max)};
    if (dz.off || y.off)
        return err_set(CLVIS_ERR_INVALID_ARG, "ascent: dz and y start their buffers");
    if (unit_vec(v)) {
        int owt = (y.w + 15) / 16;
        karg a3[] = {KMEM(dz.mem), KMEM(y.mem), KMEM(x.mem), KARG(x_off), KMEM(w), KMEM(bias),
                     KARG(has_bias), KMEM(unit), KMEM(value), KARG(x.n), KARG(x.c),
                     KARG(x.h), KARG(x.w), KARG(p->out_c), KARG(y.h), KARG(y.w),
                     KARG(v->dh), KARG(v->dw), KARG(v->pad_t), KARG(v->pad_l),
                     KARG(p->groups), KARG(act), KARG(act_max), KARG(owt)};
        size_t g[2] = {(size_t)x.n * y.h * owt, 1};
        return kernel_run2(ctx, K_ascent_unit_fwd3, g, unit_local(ctx), a3, NARGS(a3));
    }
    return kernel_run(ctx, K_ascent_unit_fwd, tensor_count(y), a, NARGS(a));
}

clvis_status ascent_unit_backward(clvis_ctx *ctx, const conv2d_params *p, tensor dx, tensor dz,
                                  int out_c, cl_mem w, cl_mem unit)
{
    const window2d *v = &p->win;
    if (dz.n != dx.n || dz.c != 1 || dz.off || p->groups < 1 || dx.c % p->groups ||
        out_c % p->groups)
        return err_set(CLVIS_ERR_SHAPE, "ascent: one-channel input gradient does not fit");
    int dx_off = (int)dx.off;
    karg a[] = {KMEM(dx.mem), KARG(dx_off), KMEM(dz.mem), KMEM(w), KMEM(unit), KARG(dx.n),
                KARG(dx.c), KARG(dx.h), KARG(dx.w), KARG(out_c), KARG(dz.h), KARG(dz.w),
                KARG(v->kh), KARG(v->kw), KARG(v->sh), KARG(v->sw), KARG(v->dh), KARG(v->dw),
                KARG(v->pad_t), KARG(v->pad_l), KARG(p->groups)};
    if (unit_vec(v)) {
        int iwt = (dx.w + 15) / 16;
        karg a3[] = {KMEM(dx.mem), KARG(dx_off), KMEM(dz.mem), KMEM(w), KMEM(unit),
                     KARG(dx.n), KARG(dx.c), KARG(dx.h), KARG(dx.w), KARG(out_c),
                     KARG(dz.h), KARG(dz.w), KARG(v->dh), KARG(v->dw), KARG(v->pad_t),
                     KARG(v->pad_l), KARG(p->groups), KARG(iwt)};
        size_t g[2] = {(size_t)dx.n * dx.h * iwt, 1};
        return kernel_run2(ctx, K_ascent_unit_bwd3, g, unit_local(ctx), a3, NARGS(a3));
    }
    return kernel_run(ctx, K_ascent_unit_bwd, (size_t)dx.n * dx.h * dx.w, a, NARGS(a));
}

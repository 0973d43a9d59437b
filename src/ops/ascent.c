/* ascent.c — host side of kernels/ascent.cl (ascent.h). */
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

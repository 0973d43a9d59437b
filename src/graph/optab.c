/* optab.c — the op table: one row per engine op with its shape rule, its forward and the
 * gradient into each input. graph.c builds, plans and walks the DAG through these rows only,
 * so adding an op is a kernel (kernels/), its host file (src/ops/) and a row here. */
#include <string.h>

#include "graph/graph.h"

static shape3 in_shape(const graph *g, const node *v, int k)
{
    return g->nodes[v->inputs[k]].out;
}

static tensor in_y(const graph *g, const node *v, int k)
{
    return g->nodes[v->inputs[k]].y;
}

#define SHAPE_ERR(...) err_set(CLVIS_ERR_SHAPE, __VA_ARGS__)

/* ---- shape rules: v->out from the inputs' shapes; an error (with its message) when the node
 * cannot run on them ------------------------------------------------------------------------ */

static clvis_status same_as_input(const graph *g, node *v)
{
    v->out = in_shape(g, v, 0);
    return CLVIS_OK;
}

static clvis_status infer_input(const graph *g, node *v)
{
    (void)g, (void)v;
    return CLVIS_OK;
}

static clvis_status infer_conv(const graph *g, node *v)
{
    shape3 in = in_shape(g, v, 0);
    const conv2d_params *p = &v->conv;
    if (p->groups <= 0 || p->out_c <= 0 || in.c % p->groups || p->out_c % p->groups)
        return SHAPE_ERR("%d input channels, %d filters, %d groups", in.c, p->out_c, p->groups);
    if (v->weight_count[0] &&
        v->weight_count[0] != (size_t)p->out_c * (in.c / p->groups) * p->win.kh * p->win.kw)
        return SHAPE_ERR("%d input channels do not match the kernel", in.c);
    int oh, ow;
    clvis_status st = window_resolve(&v->conv.win, v->padm, in.h, in.w, &oh, &ow);
    if (!st)
        v->out = (shape3){p->out_c, oh, ow};
    return st;
}

static clvis_status infer_dense(const graph *g, node *v)
{
    shape3 in = in_shape(g, v, 0);
    if (in.h != 1 || in.w != 1)
        return err_set(CLVIS_ERR_UNSUPPORTED,
                       "Dense on a %dx%dx%d input (only flat inputs are supported; add a Flatten)",
                       in.h, in.w, in.c);
    if (v->weight_count[0] && (size_t)in.c * v->fixed_out.c != v->weight_count[0])
        return SHAPE_ERR("%d inputs do not match the kernel", in.c);
    v->out = v->fixed_out;
    return CLVIS_OK;
}

static clvis_status infer_pool(const graph *g, node *v)
{
    shape3 in = in_shape(g, v, 0);
    int oh, ow;
    clvis_status st =
        window_resolve_ceil(&v->pool.win, v->padm, v->pool.ceil_mode, in.h, in.w, &oh, &ow);
    if (!st)
        v->out = (shape3){in.c, oh, ow};
    return st;
}

static clvis_status infer_gpool(const graph *g, node *v)
{
    v->out = (shape3){in_shape(g, v, 0).c, 1, 1};
    return CLVIS_OK;
}

static clvis_status infer_zeropad(const graph *g, node *v)
{
    shape3 in = in_shape(g, v, 0);
    v->out = (shape3){in.c, in.h + v->pad[0] + v->pad[1], in.w + v->pad[2] + v->pad[3]};
    return CLVIS_OK;
}

static clvis_status infer_add(const graph *g, node *v)
{
    shape3 s = in_shape(g, v, 0);
    for (int i = 1; i < v->n_inputs; i++) {
        shape3 t = in_shape(g, v, i);
        if (t.c != s.c || t.h != s.h || t.w != s.w)
            return SHAPE_ERR("Add of %dx%dx%d and %dx%dx%d", s.h, s.w, s.c, t.h, t.w, t.c);
    }
    v->out = s;
    return CLVIS_OK;
}

static clvis_status infer_concat(const graph *g, node *v)
{
    shape3 s = in_shape(g, v, 0);
    int c = 0;
    for (int i = 0; i < v->n_inputs; i++) {
        shape3 t = in_shape(g, v, i);
        if (t.h != s.h || t.w != s.w)
            return SHAPE_ERR("Concatenate of %dx%d and %dx%d maps (channel axis)", s.h, s.w, t.h,
                             t.w);
        c += t.c;
    }
    v->out = (shape3){c, s.h, s.w};
    return CLVIS_OK;
}

static clvis_status infer_flatten(const graph *g, node *v)
{
    shape3 in = in_shape(g, v, 0);
    v->out = (shape3){in.c * in.h * in.w, 1, 1};
    return CLVIS_OK;
}

static clvis_status infer_reshape(const graph *g, node *v)
{
    shape3 in = in_shape(g, v, 0), t = v->fixed_out;
    if ((long long)t.c * t.h * t.w != (long long)in.c * in.h * in.w)
        return SHAPE_ERR("cannot reshape %dx%dx%d into %dx%dx%d", in.h, in.w, in.c, t.h, t.w,
                         t.c);
    v->out = t;
    return CLVIS_OK;
}

static clvis_status infer_constant(const graph *g, node *v)
{
    (void)g;
    v->out = v->fixed_out;
    return CLVIS_OK;
}

/* 1 when t broadcasts to s (equal, per-channel with s's c, or a scalar). */
static int broadcasts(shape3 t, shape3 s)
{
    return (t.c == s.c && t.h == s.h && t.w == s.w) || (t.c == s.c && t.h == 1 && t.w == 1) ||
           (t.c == 1 && t.h == 1 && t.w == 1);
}

static clvis_status infer_binary(const graph *g, node *v)
{
    shape3 a = in_shape(g, v, 0), b = in_shape(g, v, 1);
    shape3 big = (long long)b.c * b.h * b.w > (long long)a.c * a.h * a.w ? b : a;
    if (!broadcasts(a, big) || !broadcasts(b, big))
        return SHAPE_ERR("elementwise op of %dx%dx%d and %dx%dx%d (equal, per-channel (c, 1, 1) "
                         "or scalar operands only)",
                         a.h, a.w, a.c, b.h, b.w, b.c);
    v->out = big;
    return CLVIS_OK;
}

/* ---- forward: v->y from the inputs' outputs ----------------------------------------------- */

static clvis_status fwd_none(graph *g, node *v)
{
    (void)g, (void)v;
    return CLVIS_OK;
}

/* Conv and dense kernels fuse every activation but softmax, which runs as its own kernel. */
static clvis_status fwd_conv(graph *g, node *v)
{
    conv2d_params p = v->conv;
    p.pack = v->conv_pack; /* packed weights kept by the node (taken here: nodes move) */
    clvis_status st = conv2d_forward(g->ctx, &p, v->y, in_y(g, v, 0), v->weight[0], v->weight[1]);
    if (!st && v->act == ACT_SOFTMAX)
        st = act_forward(g->ctx, v->y, ACT_SOFTMAX, 0.0f);
    return st;
}

static clvis_status fwd_dense(graph *g, node *v)
{
    clvis_status st =
        dense_forward(g->ctx, v->y, in_y(g, v, 0), v->weight[0], v->weight_t, v->weight[1],
                      v->act == ACT_SOFTMAX ? ACT_LINEAR : v->act, v->act_max);
    if (!st && v->act == ACT_SOFTMAX)
        st = act_forward(g->ctx, v->y, ACT_SOFTMAX, 0.0f);
    return st;
}

static clvis_status fwd_copy(graph *g, node *v)
{
    return copy_accum(g->ctx, v->y, in_y(g, v, 0), 0);
}

static clvis_status fwd_act(graph *g, node *v)
{
    clvis_status st = copy_accum(g->ctx, v->y, in_y(g, v, 0), 0);
    return st ? st : act_forward_p(g->ctx, v->y, v->act, v->act_max, v->act_p1);
}

static clvis_status fwd_maxpool(graph *g, node *v)
{
    return maxpool_forward(g->ctx, &v->pool, v->y, in_y(g, v, 0));
}

static clvis_status fwd_avgpool(graph *g, node *v)
{
    return avgpool_forward(g->ctx, &v->pool, v->y, in_y(g, v, 0));
}

static clvis_status fwd_gap(graph *g, node *v)
{
    return gpool_forward(g->ctx, 0, v->y, in_y(g, v, 0));
}

static clvis_status fwd_gmp(graph *g, node *v)
{
    return gpool_forward(g->ctx, 1, v->y, in_y(g, v, 0));
}

static clvis_status fwd_zeropad(graph *g, node *v)
{
    return zeropad_forward(g->ctx, v->pad[0], v->pad[1], v->pad[2], v->pad[3], v->y,
                           in_y(g, v, 0));
}

static clvis_status fwd_batchnorm(graph *g, node *v)
{
    return scale_shift_forward(g->ctx, v->y, in_y(g, v, 0), v->weight[0], v->weight[1]);
}

static clvis_status fwd_add(graph *g, node *v)
{
    clvis_status st = add_forward(g->ctx, v->y, in_y(g, v, 0), in_y(g, v, 1));
    for (int i = 2; !st && i < v->n_inputs; i++)
        st = add_forward(g->ctx, v->y, v->y, in_y(g, v, i));
    return st;
}

static clvis_status fwd_concat(graph *g, node *v)
{
    clvis_status st = CLVIS_OK;
    int c0 = 0;
    for (int i = 0; !st && i < v->n_inputs; i++) {
        tensor xi = in_y(g, v, i);
        st = concat_forward(g->ctx, v->y, xi, c0);
        c0 += xi.c;
    }
    return st;
}

static clvis_status fwd_reshape(graph *g, node *v)
{
    return reshape_forward(g->ctx, v->y, in_y(g, v, 0));
}

static clvis_status fwd_constant(graph *g, node *v)
{
    if (!v->weight[0])
        return err_set(CLVIS_ERR_INVALID_ARG, "constant without a value (graph_set_weight)");
    return repeat_items(g->ctx, v->y, v->weight[0]);
}

static clvis_status fwd_binary(graph *g, node *v)
{
    return binary_forward(g->ctx, v->bin, v->y, in_y(g, v, 0), in_y(g, v, 1));
}

static clvis_status fwd_prelu(graph *g, node *v)
{
    return prelu_forward(g->ctx, v->y, in_y(g, v, 0), v->weight[0]);
}

/* ---- backward: v->dy (past v's own activation) into input k's gradient dx ----------------- */

static clvis_status bwd_none(graph *g, node *v, int k, tensor dx, int accum)
{
    (void)g, (void)v, (void)k, (void)dx, (void)accum;
    return CLVIS_OK;
}

static clvis_status bwd_conv(graph *g, node *v, int k, tensor dx, int accum)
{
    (void)k;
    conv2d_params p = v->conv;
    p.pack = v->conv_pack;
    return conv2d_backward(g->ctx, &p, dx, v->dy, v->weight[0], accum);
}

static clvis_status bwd_dense(graph *g, node *v, int k, tensor dx, int accum)
{
    (void)k;
    return dense_backward(g->ctx, dx, v->dy, v->weight[0], accum);
}

static clvis_status bwd_copy(graph *g, node *v, int k, tensor dx, int accum)
{
    (void)k;
    return copy_accum(g->ctx, dx, v->dy, accum);
}

static clvis_status bwd_maxpool(graph *g, node *v, int k, tensor dx, int accum)
{
    return maxpool_backward(g->ctx, &v->pool, dx, v->dy, in_y(g, v, k), accum);
}

static clvis_status bwd_avgpool(graph *g, node *v, int k, tensor dx, int accum)
{
    (void)k;
    return avgpool_backward(g->ctx, &v->pool, dx, v->dy, accum);
}

static clvis_status bwd_gap(graph *g, node *v, int k, tensor dx, int accum)
{
    return gpool_backward(g->ctx, 0, dx, v->dy, in_y(g, v, k), accum);
}

static clvis_status bwd_gmp(graph *g, node *v, int k, tensor dx, int accum)
{
    return gpool_backward(g->ctx, 1, dx, v->dy, in_y(g, v, k), accum);
}

static clvis_status bwd_zeropad(graph *g, node *v, int k, tensor dx, int accum)
{
    (void)k;
    return zeropad_backward(g->ctx, v->pad[0], v->pad[1], v->pad[2], v->pad[3], dx, v->dy,
                            accum);
}

static clvis_status bwd_batchnorm(graph *g, node *v, int k, tensor dx, int accum)
{
    (void)k;
    return scale_shift_backward(g->ctx, dx, v->dy, v->weight[0], accum);
}

static clvis_status bwd_concat(graph *g, node *v, int k, tensor dx, int accum)
{
    int c0 = 0;
    for (int i = 0; i < k; i++)
        c0 += in_shape(g, v, i).c;
    return concat_backward(g->ctx, dx, v->dy, c0, accum);
}

static clvis_status bwd_reshape(graph *g, node *v, int k, tensor dx, int accum)
{
    (void)k;
    return reshape_backward(g->ctx, dx, v->dy, accum);
}

static clvis_status bwd_binary(graph *g, node *v, int k, tensor dx, int accum)
{
    return binary_backward(g->ctx, v->bin, k, dx, v->dy, in_y(g, v, 0), in_y(g, v, 1), accum);
}

static clvis_status bwd_prelu(graph *g, node *v, int k, tensor dx, int accum)
{
    return prelu_backward(g->ctx, dx, v->dy, in_y(g, v, k), v->weight[0], accum);
}

/* An activation layer's own step: through its input where f' needs it (act_backward_p). */
static clvis_status act_bwd_layer(graph *g, node *v)
{
    return act_backward_p(g->ctx, v->dy, in_y(g, v, 0), v->y, v->act, v->act_max, v->act_p1);
}

/* ---- the table -------------------------------------------------------------------------- */

const op_row op_table[OP_COUNT] = {
    [OP_INPUT] = {"input", infer_input, fwd_none, bwd_none, 0},
    [OP_CONV2D] = {"conv2d", infer_conv, fwd_conv, bwd_conv, 1},
    [OP_DENSE] = {"dense", infer_dense, fwd_dense, bwd_dense, 1},
    [OP_ACT] = {"activation", same_as_input, fwd_act, bwd_copy, 1, act_bwd_layer},
    [OP_MAXPOOL] = {"maxpool", infer_pool, fwd_maxpool, bwd_maxpool, 0},
    [OP_AVGPOOL] = {"avgpool", infer_pool, fwd_avgpool, bwd_avgpool, 0},
    [OP_GAP] = {"global_avgpool", infer_gpool, fwd_gap, bwd_gap, 0},
    [OP_GMP] = {"global_maxpool", infer_gpool, fwd_gmp, bwd_gmp, 0},
    [OP_ZEROPAD] = {"zeropad", infer_zeropad, fwd_zeropad, bwd_zeropad, 0},
    [OP_BATCHNORM] = {"batchnorm", same_as_input, fwd_batchnorm, bwd_batchnorm, 0},
    [OP_ADD] = {"add", infer_add, fwd_add, bwd_copy, 0},
    [OP_CONCAT] = {"concat", infer_concat, fwd_concat, bwd_concat, 0},
    [OP_FLATTEN] = {"flatten", infer_flatten, fwd_reshape, bwd_reshape, 0},
    [OP_RESHAPE] = {"reshape", infer_reshape, fwd_reshape, bwd_reshape, 0},
    [OP_IDENTITY] = {"identity", same_as_input, fwd_copy, bwd_copy, 0},
    [OP_CONSTANT] = {"constant", infer_constant, fwd_constant, bwd_none, 0},
    [OP_BINARY] = {"binary", infer_binary, fwd_binary, bwd_binary, 0},
    [OP_PRELU] = {"prelu", same_as_input, fwd_prelu, bwd_prelu, 0},
    [OP_RESHAPE_PLAIN] = {"reshape_plain", infer_reshape, fwd_copy, bwd_copy, 0},
};

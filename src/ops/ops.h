/* ops.h — device tensors and the forward / input-gradient pair of every op (NCHW, float32).
 * Host side of the kernels/ directory: each function checks shapes, sets arguments, enqueues. Outputs
 * first, inputs next, parameters last. Backward functions write dx (accum = 0) or add to it
 * (accum = 1), so a tensor consumed twice gets the sum of its gradients. */
#ifndef CLVIS_OPS_H
#define CLVIS_OPS_H

#include "../cl/runtime.h"
#include "tunables.h"

/* A tensor is a window into a buffer: (mem, offset in floats) and an NCHW shape. */
typedef struct {
    cl_mem mem;
    size_t off;
    int n, c, h, w;
} tensor;

static inline size_t tensor_count(tensor t)
{
    return (size_t)t.n * t.c * t.h * t.w;
}

typedef enum {
    ACT_LINEAR = ACT_CODE_LINEAR,
    ACT_RELU = ACT_CODE_RELU,       /* min(max(x, 0), max_value); max_value <= 0 means none */
    ACT_SIGMOID = ACT_CODE_SIGMOID,
    ACT_TANH = ACT_CODE_TANH,
    ACT_SOFTMAX = ACT_CODE_SOFTMAX, /* over channels, per (n, h, w) */
    /* standalone activation layers only (act_forward_p); parameters p0, p1: */
    ACT_LEAKY = ACT_CODE_LEAKY,             /* x > 0 ? x : p0 * x (p0 = alpha) */
    ACT_HARDSIGMOID = ACT_CODE_HARDSIGMOID, /* max(0, min(1, p0 * x + p1)) (alpha, beta) */
    ACT_HARDSWISH = ACT_CODE_HARDSWISH,     /* x * max(0, min(1, x / 6 + 0.5)) (ONNX) */
    ACT_CLIP = ACT_CODE_CLIP,               /* min(max(x, p0), p1) */
    ACT_ELU = ACT_CODE_ELU,                 /* x > 0 ? x : p0 * (exp(x) - 1) (p0 = alpha) */
    ACT_LOGSOFTMAX = ACT_CODE_LOGSOFTMAX,   /* log of softmax over channels, per (n, h, w) */
    ACT_SOFTPLUS = ACT_CODE_SOFTPLUS        /* log(1 + exp(x)) */
} act_kind;

/* PAD_SAME_LOWER: ONNX's auto_pad SAME_LOWER, SAME's output size and total padding with the
 * odd pixel before (top / left) instead of after. */
typedef enum { PAD_VALID = 0, PAD_SAME = 1, PAD_EXPLICIT = 2, PAD_SAME_LOWER = 3 } pad_mode;

/* Shared by conv and pools: window, stride, dilation and the resolved pads. */
typedef struct {
    int kh, kw;
    int sh, sw;
    int dh, dw;  /* dilation, 1 = none */
    int pad_t, pad_b, pad_l, pad_r;
} window2d;

/* Resolves pads for one axis. SAME is TensorFlow's rule: out = ceil(in / s), total =
 * max((out - 1) * s + (k - 1) * d + 1 - in, 0), before = total / 2 (the odd pixel goes after);
 * SAME_LOWER the same total with after = total / 2 (the odd pixel goes before).
 * Returns the output size, or <= 0 when the window does not fit. */
int window_axis(pad_mode mode, int in, int k, int s, int d, int *before, int *after);
/* The same with ceil_mode (pools; ONNX / PyTorch): for VALID and EXPLICIT, out =
 * ceil((in + before + after - ((k - 1) * d + 1)) / s) + 1, less the last window when it would
 * start in the end padding or beyond ((out - 1) * s >= in + before). SAME ignores ceil_mode. */
int window_axis_ceil(pad_mode mode, int in, int k, int s, int d, int ceil_mode, int *before,
                     int *after);
/* Fills win's pads for an input of h x w; returns output size in *oh, *ow (or a shape error). */
clvis_status window_resolve(window2d *win, pad_mode mode, int h, int w, int *oh, int *ow);
clvis_status window_resolve_ceil(window2d *win, pad_mode mode, int ceil_mode, int h, int w,
                                 int *oh, int *ow);

typedef struct {
    window2d win;
    int out_c;
    int groups;  /* in_c % groups == 0 and out_c % groups == 0; depthwise: groups = in_c */
    act_kind act;
    float act_max;
    /* Optional: where packed weights live, CONV_PACK_SLOTS entries owned by the caller (a graph
     * node): conv2d_blk's (pack[0] forward, pack[1] input gradient) and conv2d_wino's
     * transformed ones (pack[2], pack[3]). NULL entries are packed on first use and kept there
     * until the caller releases them (new weights). pack NULL: packed per call. */
    cl_mem *pack;
} conv2d_params;
#define CONV_PACK_SLOTS 4

/* Weights are OIHW: [out_c][in_c / groups][kh][kw]; bias [out_c] or NULL. Activation fused. */
clvis_status conv2d_forward(clvis_ctx *ctx, const conv2d_params *p, tensor y, tensor x, cl_mem w,
                            cl_mem b);
/* dx from dy, where dy is already the gradient at the conv's pre-activation output. */
clvis_status conv2d_backward(clvis_ctx *ctx, const conv2d_params *p, tensor dx, tensor dy,
                             cl_mem w, int accum);

/* conv2d_blk (conv_blk.c): the register-blocked kernel on packed weights, groups 1; forward any
 * stride / dilation / pads, backward stride 1. conv2d_forward / _backward pick it (conv.c). */
clvis_status conv2d_blk_forward(clvis_ctx *ctx, const conv2d_params *p, tensor y, tensor x,
                                cl_mem w, cl_mem b);
clvis_status conv2d_blk_backward(clvis_ctx *ctx, const conv2d_params *p, tensor dx, tensor dy,
                                 cl_mem w, int accum);
/* Its tile width (CONV_BLK_PX or CONV_BLK_PX7 pixels) for an output ow wide. */
int conv2d_blk_px(const clvis_ctx *ctx, int ow);
/* Floats of the packed weights of direction dir (0 forward, 1 input gradient) for in_c inputs;
 * conv2d_pack creates and fills such a buffer from the OIHW weights w. */
size_t conv2d_pack_count(const conv2d_params *p, int in_c, int dir);
clvis_status conv2d_pack(clvis_ctx *ctx, const conv2d_params *p, int in_c, cl_mem w, int dir,
                         cl_mem *out);

/* conv2d_wino (conv_wino.c, kernels/conv_wino.cl): Winograd F(2x2, 3x3) for 3x3, stride 1,
 * dilation 1, groups 1 (any pads), forward and input gradient, on transformed weights kept in
 * pack[2] / pack[3]. conv2d_wino_wanted: whether conv2d_forward / _backward take it (forced by
 * CLVIS_CONV_WINO where it applies; automatic on CPUs where measured faster, BENCHMARKS.md). */
int conv2d_wino_applies(const conv2d_params *p);
int conv2d_wino_wanted(const clvis_ctx *ctx, const conv2d_params *p, int in_c);
clvis_status conv2d_wino_forward(clvis_ctx *ctx, const conv2d_params *p, tensor y, tensor x,
                                 cl_mem w, cl_mem b);
clvis_status conv2d_wino_backward(clvis_ctx *ctx, const conv2d_params *p, tensor dx, tensor dy,
                                  cl_mem w, int accum);

/* y[n][o] = sum_i x[n][i] * w[i][o] + b[o]; w is (in, out) (the engine layout), wt the same
 * weights transposed to (out, in), which the CPU path streams row by row (dense_wants_rows);
 * wt may be NULL elsewhere. x is read as n rows of c*h*w. Activation fused (not softmax). */
clvis_status dense_forward(clvis_ctx *ctx, tensor y, tensor x, cl_mem w, cl_mem wt, cl_mem b,
                           act_kind act, float act_max);
clvis_status dense_backward(clvis_ctx *ctx, tensor dx, tensor dy, cl_mem w, int accum);
/* 1 when dense_forward needs wt: on CPU devices each work-item streams a contiguous weight row
 * (measured on PoCL: 25088x4096 at batch 1 went from 1.2-2 s with the column kernel to the
 * memory-bandwidth time); GPUs read the (in, out) columns coalesced instead. */
int dense_wants_rows(const clvis_ctx *ctx);

/* conv_dw.c: the depthwise convolution (groups = in_c, any depth multiplier) forward (dir 0)
 * and input gradient (dir 1), and the input gradient of a groups-1 convolution with at most 3
 * input channels, vectorised along pixels. conv_dw_wanted: whether conv2d_forward / _backward
 * take them for a layer with in_c input channels (ctx->conv_impl: CLVIS_CONV_DW forces them,
 * _REFERENCE / _FAST / _BLK never take them; automatically on CPU devices, the few-channel
 * gradient there at strides other than 1 only). */
int conv_dw_wanted(const clvis_ctx *ctx, const conv2d_params *p, int in_c, int dir);
clvis_status conv_dw_forward(clvis_ctx *ctx, const conv2d_params *p, tensor y, tensor x,
                             cl_mem w, cl_mem b);
clvis_status conv_dw_backward(clvis_ctx *ctx, const conv2d_params *p, tensor dx, tensor dy,
                              cl_mem w, int accum);

/* The GPU path (ctx->plan, src/cl/select.c): work-group tiled kernels with local memory.
 * conv_tiled (kernels/conv_tiled.cl) is an implicit GEMM Y[n][m][q] = act(sum_k A(m, k) B(k,
 * (n, q)) + bias[m]), A the weights through strides, B gathered from X (conv forward,
 * transposed 0) or from dy (the input gradient, transposed 1), zero outside X: no padding
 * copy. conv2d_forward / conv2d_backward hand groups-1 convolutions to it when
 * conv_tiled_wanted, dense_forward / dense_backward to dense_tiled_* when dense_tiled_wanted. */
typedef struct {
    cl_mem y;
    int y_off;
    cl_mem x;
    int x_off;
    cl_mem w;
    int w_base, s_m, s_c, s_kh, s_kw;
    cl_mem bias; /* NULL: none */
    int n, m, yh, yw, c, xh, xw, kh, kw, sh, sw, dh, dw, pt, pl, transposed, a_k_fast;
    int act;
    float act_max;
    int accum;
} conv_tiled_args;
clvis_status conv_tiled_run(clvis_ctx *ctx, const conv_tiled_args *t);
int conv_tiled_wanted(const clvis_ctx *ctx, const conv2d_params *p);
clvis_status conv_tiled_forward(clvis_ctx *ctx, const conv2d_params *p, tensor y, tensor x,
                                cl_mem w, cl_mem b);
clvis_status conv_tiled_backward(clvis_ctx *ctx, const conv2d_params *p, tensor dx, tensor dy,
                                 cl_mem w, int accum);
int dense_tiled_wanted(const clvis_ctx *ctx);
/* gemv_tiled below ctx->plan.gemm_batch items, conv_tiled's GEMM from there; w (in, out). */
clvis_status dense_tiled_forward(clvis_ctx *ctx, tensor y, tensor x, cl_mem w, cl_mem b,
                                 act_kind act, float act_max);
clvis_status dense_tiled_backward(clvis_ctx *ctx, tensor dx, tensor dy, cl_mem w, int accum);

/* In place on y; linear, relu, sigmoid, tanh and softmax only. */
clvis_status act_forward(clvis_ctx *ctx, tensor y, act_kind act, float act_max);
/* In place: dy <- dy * f'(.) expressed through the output y (softmax: y * (dy - sum(dy * y))). */
clvis_status act_backward(clvis_ctx *ctx, tensor dy, tensor y, act_kind act, float act_max);
/* Every act_kind with its parameters p0, p1 (relu: p0 = max_value), in place on y. The five of
 * act_forward run exactly as there. */
clvis_status act_forward_p(clvis_ctx *ctx, tensor y, act_kind act, float p0, float p1);
/* In place: dy <- dy * f'(x), from the activation's input x (hardswish is not invertible) and
 * its output y; the five of act_backward run exactly as there (through y; x unused). */
clvis_status act_backward_p(clvis_ctx *ctx, tensor dy, tensor x, tensor y, act_kind act, float p0,
                            float p1);

/* PRelu: y = x > 0 ? x : slope[c] * x (slope: one value per channel); backward through x (the
 * gradient into the slope is not computed). */
clvis_status prelu_forward(clvis_ctx *ctx, tensor y, tensor x, cl_mem slope);
clvis_status prelu_backward(clvis_ctx *ctx, tensor dx, tensor dy, tensor x, cl_mem slope,
                            int accum);

/* A pooling window: win (with its resolved pads, dilation allowed), ceil_mode (the output size
 * rule of window_axis_ceil: windows may overhang the end padding) and, for average pooling,
 * count_include_pad: 0 divides by the in-bounds taps of the window, 1 by its taps inside the
 * padded extent [-pad_begin, in + pad_end) (PyTorch / ONNX). Max ignores padded and overhanging
 * positions. */
typedef struct {
    window2d win;
    int ceil_mode;
    int count_include_pad;
} pool2d_params;

clvis_status maxpool_forward(clvis_ctx *ctx, const pool2d_params *p, tensor y, tensor x);
clvis_status maxpool_backward(clvis_ctx *ctx, const pool2d_params *p, tensor dx, tensor dy,
                              tensor x, int accum);
/* 1 when the pool (output y, input x) is 2x2 / 2 without pads or dilation and runs the
 * row kernels maxpool2_fwd / maxpool2_bwd ($CLVIS_POOL=generic: never). */
int maxpool2_applies(const pool2d_params *p, tensor y, tensor x);
/* 1 when the graph fuses act's gradient (relu, sigmoid, tanh) into this pool's with
 * maxpool_backward_act ($CLVIS_POOL=nofuse or generic: never). */
int maxpool_fuses_act(const pool2d_params *p, tensor y, tensor x, act_kind act);
/* dx (=, or += with accum) maxpool_backward's gradient times act'(x), where x, the pool's
 * input, is the output of act (act_grad through y): the separate act_backward pass over dx
 * saved. Only for a 2x2 / 2 pool without pads and relu, sigmoid or tanh (else
 * CLVIS_ERR_INVALID_ARG); $CLVIS_POOL does not change it. */
clvis_status maxpool_backward_act(clvis_ctx *ctx, const pool2d_params *p, tensor dx, tensor dy,
                                  tensor x, act_kind act, float act_max, int accum);
clvis_status avgpool_forward(clvis_ctx *ctx, const pool2d_params *p, tensor y, tensor x);
clvis_status avgpool_backward(clvis_ctx *ctx, const pool2d_params *p, tensor dx, tensor dy,
                              int accum);
/* Global pools: y is (n, c, 1, 1). Max splits the gradient equally among tied maxima (as
 * TensorFlow's reduce_max does; windowed max pooling routes it to the first maximum). */
clvis_status gpool_forward(clvis_ctx *ctx, int is_max, tensor y, tensor x);
clvis_status gpool_backward(clvis_ctx *ctx, int is_max, tensor dx, tensor dy, tensor x,
                            int accum);

/* Zero padding by (t, b, l, r); backward crops. */
clvis_status zeropad_forward(clvis_ctx *ctx, int t, int b, int l, int r, tensor y, tensor x);
clvis_status zeropad_backward(clvis_ctx *ctx, int t, int b, int l, int r, tensor dx, tensor dy,
                              int accum);

/* Per-channel y = x * scale[c] + shift[c] (inference batch norm folded to scale / shift). */
clvis_status scale_shift_forward(clvis_ctx *ctx, tensor y, tensor x, cl_mem scale, cl_mem shift);
clvis_status scale_shift_backward(clvis_ctx *ctx, tensor dx, tensor dy, cl_mem scale, int accum);

/* y = a + b (same shape); backward of add is a copy (accumulating) of dy into each input. */
clvis_status add_forward(clvis_ctx *ctx, tensor y, tensor a, tensor b);
/* dst (+)= src, same element count; also the identity ops' backward. */
clvis_status copy_accum(clvis_ctx *ctx, tensor dst, tensor src, int accum);

/* Concatenate along channels: x is written into y at channel offset c0; backward reads it
 * back. */
clvis_status concat_forward(clvis_ctx *ctx, tensor y, tensor x, int c0);
clvis_status concat_backward(clvis_ctx *ctx, tensor dx, tensor dy, int c0, int accum);

/* Keras Reshape / Flatten semantics on NCHW storage: the element order is Keras's NHWC order.
 * y and x have the same count per item. */
clvis_status reshape_forward(clvis_ctx *ctx, tensor y, tensor x);
clvis_status reshape_backward(clvis_ctx *ctx, tensor dx, tensor dy, int accum);

/* Elementwise y = a (op) b. a and b are each of y's shape, per-channel (c, 1, 1) with y's c, or a
 * per-item scalar (1, 1, 1), with y's batch. */
typedef enum { BIN_ADD = 0, BIN_SUB = 1, BIN_MUL = 2, BIN_DIV = 3 } bin_op;
clvis_status binary_forward(clvis_ctx *ctx, bin_op op, tensor y, tensor a, tensor b);
/* The gradient into operand k (0: a, 1: b) from dy, summed over the positions a broadcast
 * operand was repeated to (div: d/db = -dy * a / b^2). */
clvis_status binary_backward(clvis_ctx *ctx, bin_op op, int k, tensor dx, tensor dy, tensor a,
                             tensor b, int accum);

/* Each of y's n items <- the c * h * w floats of src (a constant's value). */
clvis_status repeat_items(clvis_ctx *ctx, tensor y, cl_mem src);

/* t <- value */
clvis_status fill(clvis_ctx *ctx, tensor t, float value);

#endif

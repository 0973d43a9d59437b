/* graph.h — a model as a DAG of named nodes (one per imported layer), their weights on the device,
 * buffers planned once per batch size, forward(upto) and backward(from, to, seed).
 * Loaders build it with graph_add_* in topological order, then graph_set_weight. */
#ifndef CLVIS_GRAPH_H
#define CLVIS_GRAPH_H

#include "graph/engine.h"
#include "ops/ops.h"

#define GRAPH_MAX_INPUTS 64 /* DenseNet's concatenations take up to 33 */
#define GRAPH_NAME_MAX 256

typedef enum {
    OP_INPUT = 0,
    OP_CONV2D,      /* also DepthwiseConv2D (groups = in_c, out_c = in_c * multiplier) */
    OP_DENSE,
    OP_ACT,         /* Activation / ReLU layers */
    OP_MAXPOOL,
    OP_AVGPOOL,
    OP_GAP,         /* GlobalAveragePooling2D: output (c, 1, 1) */
    OP_GMP,         /* GlobalMaxPooling2D */
    OP_ZEROPAD,
    OP_BATCHNORM,
    OP_ADD,
    OP_CONCAT,      /* channel axis */
    OP_FLATTEN,     /* to (h*w*c, 1, 1) in channels-last element order */
    OP_RESHAPE,     /* to a fixed shape, channels-last element order on both sides */
    OP_IDENTITY,    /* Dropout, and anything else that is the identity at inference */
    OP_CONSTANT,    /* a fixed tensor (weight slot 0) repeated for every batch item; no input */
    OP_BINARY,      /* elementwise a (op) b with per-channel / scalar broadcasting */
    OP_PRELU,       /* x > 0 ? x : slope[c] * x, slope in weight slot 0 */
    OP_RESHAPE_PLAIN, /* to a fixed shape in the storage's NCHW element order (ONNX): a copy */
    OP_COUNT
} op_kind;

struct node;
/* One row of the op table (optab.c): everything the graph needs to know of an op. */
typedef struct {
    const char *name;
    /* v->out from its inputs' shapes and its parameters; an error (message without the layer
     * name) when it cannot run on them. */
    clvis_status (*infer)(const struct graph *g, struct node *v);
    /* v->y from the inputs' outputs, v's activation included. */
    clvis_status (*forward)(struct graph *g, struct node *v);
    /* The gradient in v->dy (already through v's activation) into input k's dx; accum: add. */
    clvis_status (*backward)(struct graph *g, struct node *v, int k, tensor dx, int accum);
    /* 1: v->act ends the op, so backward first applies act_backward to v->dy. */
    int has_act;
    /* With has_act: that step when it is not act_backward through v->y (NULL: it is). */
    clvis_status (*act_backward)(struct graph *g, struct node *v);
} op_row;
extern const op_row op_table[];

typedef struct node {
    char name[GRAPH_NAME_MAX];
    char type[48];  /* the importer's layer type, for info and messages */
    op_kind op;
    int inputs[GRAPH_MAX_INPUTS];
    int n_inputs;
    shape3 out;
    shape3 fixed_out;         /* OP_DENSE / OP_RESHAPE(_PLAIN) / OP_CONSTANT: the shape built */
    int invalid;              /* cannot run at the current input size (see graph_set_input_size) */
    pad_mode padm;            /* OP_CONV2D / pools: how the pads were resolved */
    /* op parameters */
    conv2d_params conv;       /* OP_CONV2D */
    pool2d_params pool;       /* OP_MAXPOOL / OP_AVGPOOL */
    int pad[4];               /* OP_ZEROPAD: t, b, l, r */
    act_kind act;             /* OP_ACT, and fused into OP_DENSE / OP_CONV2D (conv.act) */
    float act_max;            /* the activation's p0 (relu: max_value) */
    float act_p1;             /* OP_ACT: its p1 */
    int use_bias;
    float bn_eps;             /* OP_BATCHNORM */
    bin_op bin;               /* OP_BINARY */
    /* weights on the device; slot 0 kernel / scale, slot 1 bias / shift */
    cl_mem weight[2];
    size_t weight_count[2];
    cl_mem weight_t;          /* OP_DENSE on CPUs: the kernel transposed to (out, in) */
    cl_mem conv_pack[CONV_PACK_SLOTS]; /* OP_CONV2D: packed weights (conv2d_params.pack) */
    size_t params;            /* parameter count as the source framework counts it */
    /* planned buffers */
    tensor y, dy;
} node;

struct graph {
    clvis_ctx *ctx;
    char name[GRAPH_NAME_MAX];
    node *nodes;
    int n_nodes, cap_nodes;
    clvis_preprocess preprocess;
    /* what states it ("the VGG16 architecture", "ONNX metadata clvis.preprocess"); "" when
     * nothing does and preprocess is the format's default (clvis_model_preprocess_source) */
    char preprocess_source[96];
    /* plan */
    int batch;
    cl_mem *arenas, *grad_arenas;
    int n_arenas, n_grad_arenas;
    int forward_done;   /* index of the last node computed by the last forward, -1 none */
    unsigned char *grad_live;  /* per node, during backward */
    float *host;               /* staging for layout conversion, grown as needed */
    size_t host_cap;
    /* other names that find a node (ONNX: a node's output tensor names) */
    char **alias;
    int *alias_id;
    int n_alias;
};

/* layout.c: n items of shape s from one layout to another (dst != src). */
void layout_convert(float *dst, tensor_layout to, const float *src, tensor_layout from, int n,
                    shape3 s);

/* ---- building (loaders) ------------------------------------------------------------------ */
clvis_status graph_create(clvis_ctx *ctx, const char *name, graph **out);
void graph_destroy(graph *g);

/* Each graph_add_* appends a node, infers its output shape from its inputs (which must
 * already exist) and returns its index in *id. Errors name the layer. */
clvis_status graph_add_input(graph *g, const char *name, shape3 s, int *id);
/* kh/kw, strides, dilation and pad mode (SAME: TensorFlow's rule, window.c); groups = 1 for Conv2D, in_c for
 * DepthwiseConv2D (then out_c = in_c * depth_multiplier). */
clvis_status graph_add_conv2d(graph *g, const char *name, const char *type, int input, int out_c,
                              int kh, int kw, int sh, int sw, int dh, int dw, pad_mode pad,
                              int groups, int use_bias, act_kind act, float act_max, int *id);
/* The same with a window2d: kh, kw, sh, sw, dh, dw and, when pad == PAD_EXPLICIT, pad_t, pad_b,
 * pad_l, pad_r (possibly asymmetric; kept across graph_set_input_size; otherwise the pads are
 * resolved from the mode). Strides and dilation may both be > 1 (ONNX). act: linear, relu,
 * sigmoid, tanh or softmax (the others are layers of their own, graph_add_act_params). */
clvis_status graph_add_conv2d_win(graph *g, const char *name, const char *type, int input,
                                  int out_c, const window2d *win, pad_mode pad, int groups,
                                  int use_bias, act_kind act, float act_max, int *id);
/* act: linear, relu, sigmoid, tanh or softmax. */
clvis_status graph_add_dense(graph *g, const char *name, int input, int units, int use_bias,
                             act_kind act, float act_max, int *id);
clvis_status graph_add_act(graph *g, const char *name, const char *type, int input, act_kind act,
                           float act_max, int *id);
/* An activation layer of any act_kind with its parameters: relu p0 = max_value (<= 0: none);
 * leaky, elu p0 = alpha; hardsigmoid p0 = alpha, p1 = beta; clip p0 = min, p1 = max (may be
 * infinite, min <= max); the others none (0). Its gradient uses the layer's input where the
 * derivative is not a function of the output. graph_add_act is this with p1 = 0. */
clvis_status graph_add_act_params(graph *g, const char *name, const char *type, int input,
                                  act_kind act, float p0, float p1, int *id);
/* is_max: MaxPooling2D, else AveragePooling2D. */
clvis_status graph_add_pool(graph *g, const char *name, int is_max, int input, int kh, int kw,
                            int sh, int sw, pad_mode pad, int *id);
/* Max / average pooling from a window2d (kh, kw, sh, sw, dh, dw; pads as for
 * graph_add_conv2d_win). ceil_mode: ONNX / PyTorch's output size rule (window_axis_ceil in
 * ops.h; ignored by the SAME modes). count_include_pad (average only): divide by the window's
 * taps inside the padded extent [-pad_begin, in + pad_end) instead of its in-bounds taps. Max
 * ignores padded and overhanging positions. */
clvis_status graph_add_pool_win(graph *g, const char *name, const char *type, int is_max,
                                int input, const window2d *win, pad_mode pad, int ceil_mode,
                                int count_include_pad, int *id);
clvis_status graph_add_global_pool(graph *g, const char *name, int is_max, int input, int *id);
clvis_status graph_add_zeropad(graph *g, const char *name, int input, int t, int b, int l, int r,
                               int *id);
clvis_status graph_add_batchnorm(graph *g, const char *name, int input, float eps, int *id);
clvis_status graph_add_add(graph *g, const char *name, const int *inputs, int n, int *id);
clvis_status graph_add_concat(graph *g, const char *name, const int *inputs, int n, int *id);
/* Flatten to (h*w*c, 1, 1) and Reshape to a fixed (c, h, w), both in channels-last element
 * order (the layout the weights after them were trained on). */
clvis_status graph_add_flatten(graph *g, const char *name, const char *type, int input, int *id);
clvis_status graph_add_reshape(graph *g, const char *name, const char *type, int input,
                               shape3 target, int *id);
clvis_status graph_add_identity(graph *g, const char *name, const char *type, int input, int *id);
/* ONNX Flatten / Reshape: to a fixed (c, h, w) in NCHW element order, which on the engine's NCHW
 * storage is a plain copy (forward and backward); target.c * h * w must equal the input's count
 * per item. (graph_add_flatten / graph_add_reshape are Keras's channels-last order instead.) */
clvis_status graph_add_reshape_plain(graph *g, const char *name, const char *type, int input,
                                     shape3 target, int *id);
/* Elementwise a (op) b of two earlier nodes (a == b allowed: x * x). Their shapes are equal, or
 * one of them (either) is per-channel (c, 1, 1) with the other's c, or a scalar (1, 1, 1); the
 * output has the larger shape. The gradient flows into both (summed over h, w, and c for a
 * scalar, where an operand was broadcast). */
clvis_status graph_add_binary(graph *g, const char *name, const char *type, bin_op op, int a,
                              int b, int *id);
/* PRelu: y = x > 0 ? x : slope[c] * x; the slope, one value per channel (c; the importer expands
 * a scalar), is weight slot 0. Gradient into the input only. */
clvis_status graph_add_prelu(graph *g, const char *name, int input, int *id);
/* A node whose output is the fixed tensor of shape s for every batch item: its value is weight
 * slot 0 (c * h * w floats, NCHW) set with graph_set_weight (graph_check requires it). It has no
 * input, comes after the input layer and takes no gradient (backward into it is a no-op): an
 * operand of graph_add_binary. */
clvis_status graph_add_constant(graph *g, const char *name, shape3 s, int *id);

/* The importer's layer type shown for node `id` ("Conv", "Gemm", ...), when the graph_add_*
 * call took none. */
void graph_set_type(graph *g, int id, const char *type);

/* Another name graph_find answers with node `id` (an ONNX tensor name beside its node name).
 * The name must not be a node's or an alias already. */
clvis_status graph_add_alias(graph *g, const char *name, int id);

/* Expected element count of weight `slot` of node `id` in engine layout (0: none). */
size_t graph_weight_count(const graph *g, int id, int slot);
/* Uploads a weight in engine layout: conv kernel OIHW, conv bias [O], dense kernel (in, out),
 * dense bias [out]. The count must match graph_weight_count. */
clvis_status graph_set_weight(graph *g, int id, int slot, const float *data, size_t count);
/* Batch norm: any of gamma / beta may be NULL (scale / center off); folds to scale / shift. */
clvis_status graph_set_batchnorm(graph *g, int id, const float *gamma, const float *beta,
                                 const float *mean, const float *var);
/* Changes the input's height and width (a fully convolutional model, one without its classifier
 * top, runs at any size) and re-infers every shape; drops the buffer plan.
 * Layers whose weights fix their input (Dense after Flatten) become unusable at other sizes:
 * running them is an error naming the layer, the rest works. Errors when the input layer
 * itself cannot be used at h x w (e.g. a window larger than a map). */
clvis_status graph_set_input_size(graph *g, int h, int w);
/* Checks every weight is set. */
clvis_status graph_check(const graph *g);

/* Makes the gradient buffers of the planned batch when missing (graph_seed, graph_grad_dev). */
clvis_status graph_plan_grads(graph *g);

/* Running: graph_plan, graph_set_input, graph_forward, graph_seed, graph_backward and the
 * reads are the engine surface (engine.h). */

#endif

/* engine.h — the narrow surface of the format-neutral engine for everything above it
 * (src/explain, src/api): nodes by index, host tensors in and out (the layout conversion lives
 * in layout.c, once), forward up to a node, backward from a node, batches. No OpenCL and no
 * node internals: a graph is opaque here. */
#ifndef CLVIS_GRAPH_ENGINE_H
#define CLVIS_GRAPH_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "clvis.h"

typedef struct graph graph;

/* Per-item shape, channel-major order (c, h, w). Flat outputs are (units, 1, 1). */
typedef struct {
    int c, h, w;
} shape3;

/* Host tensors: n items of a node's shape, channel-major (NCHW) or channels-last (NHWC). */
typedef enum { LAYOUT_NCHW = 0, LAYOUT_NHWC = 1 } tensor_layout;

/* What a node is, for the methods that look for a kind of layer. */
typedef enum {
    ROLE_INPUT = 0,
    ROLE_CONV,      /* convolution, depthwise included */
    ROLE_DENSE,     /* fully connected */
    ROLE_POINTWISE, /* activation, batch norm, identity: same shape, channel by channel */
    ROLE_POOL,      /* windowed and global pooling */
    ROLE_JOIN,      /* add, concatenate, elementwise products (residuals, squeeze-excitation) */
    ROLE_OTHER
} node_role;

/* How a node's output ends: linear, a probability squashing (softmax / sigmoid), its log
 * (log-softmax), or another non-linearity (ReLU, tanh). */
typedef enum {
    ENDS_LINEAR = 0,
    ENDS_PROBABILITY = 1,
    ENDS_OTHER = 2,
    ENDS_LOG_PROBABILITY = 3 /* log-softmax */
} node_ending;

/* ---- the graph's nodes ----------------------------------------------------------------------- */
const char *graph_name(const graph *g);
int graph_count(const graph *g);
/* -1 when no node has that name. */
int graph_find(const graph *g, const char *name);
const char *graph_node_name(const graph *g, int id);
/* The importer's layer type ("Conv2D", ...), for messages and summaries. */
const char *graph_node_type(const graph *g, int id);
shape3 graph_node_shape(const graph *g, int id);
node_role graph_node_role(const graph *g, int id);
node_ending graph_node_ending(const graph *g, int id);
int graph_node_inputs(const graph *g, int id);
int graph_node_input(const graph *g, int id, int k);
/* 1 when node `to` is `from` or one of its ancestors. */
int graph_depends(const graph *g, int from, int to);
/* Floats of every node's output and gradient for one item: what a batch item costs. */
size_t graph_item_floats(const graph *g);
/* Memory of the device the graph runs on, bytes. */
uint64_t graph_device_memory(const graph *g);
/* Progress of long work on the graph's context (clvis_ctx_options.progress). */
void graph_progress(const graph *g, const char *task, long done, long total);

/* ---- running --------------------------------------------------------------------------------- */
/* Plans buffers for batch n (no-op when already planned for n). */
clvis_status graph_plan(graph *g, int n);
/* The batch planned last (0: none). */
int graph_batch(const graph *g);
/* The input for the planned batch: batch * c * h * w floats in `layout`. */
clvis_status graph_set_input(graph *g, tensor_layout layout, const float *x);
/* Runs the nodes `upto` depends on (upto = -1: all). */
clvis_status graph_forward(graph *g, int upto);
/* A node's output of the last forward, for the whole batch, in `layout`. */
clvis_status graph_read(graph *g, int id, tensor_layout layout, float *out);
/* The pre-activation value of output `unit` of item 0 of a fully connected node whose
 * activation is fused (its kernel keeps only the activated output), in double. */
clvis_status graph_preact(graph *g, int id, int unit, float *out);
/* The same for every item of the planned batch: out holds graph_batch(g) values. */
clvis_status graph_preact_batch(graph *g, int id, int unit, float *out);

/* Overwrites node `id`'s output of the last forward, for the whole planned batch, in `layout`
 * (what graph_forward_from then runs from). */
clvis_status graph_write(graph *g, int id, tensor_layout layout, const float *x);
/* Runs again the nodes `upto` depends on (upto = -1: all) that depend on `from`, `from` itself
 * excluded: the rest of the network from a node whose output graph_write changed. The nodes
 * that do not depend on `from` (a residual branch around it) keep the outputs of the last
 * forward, which must have covered `upto` at this batch and input. */
clvis_status graph_forward_from(graph *g, int from, int upto);
/* The same for items 0..n-1 of the batch, unit units[b] of item b into out[b]. */
clvis_status graph_preact_items(graph *g, int id, int n, const int *units, float *out);

/* Seeds d(score)/d(output of `from`) for the whole batch, in `layout`. */
clvis_status graph_seed(graph *g, int from, tensor_layout layout, const float *seed);
/* GRAPH_LINEAR_FROM: the seed is the gradient before `from`'s own activation (a logit of a
 * softmax / sigmoid layer), so that activation's backward is skipped. */
#define GRAPH_LINEAR_FROM 1u
/* GRAPH_GUIDED_RELU: guided backpropagation (Springenberg et al. 2015): through every ReLU, as
 * its own layer or fused into a convolution / dense layer, the gradient passes only where the
 * forward input is > 0 AND the incoming gradient is > 0 (Captum's GuidedBackprop on nn.ReLU
 * modules: relu of the ReLU's input gradient). A ReLU with a max_value (ReLU6, and ONNX's
 * Clip(0, max)) gets the same rule on top of its cap's own derivative, where Captum and
 * pytorch-grad-cam hook nn.ReLU only (MobileNetV2's guided backprop would be its plain
 * gradient). Other activations keep their own derivative. */
#define GRAPH_GUIDED_RELU 2u
/* Backpropagates the seed of `from` down to `to` (only nodes on a path between them). */
clvis_status graph_backward(graph *g, int from, int to, unsigned flags);
/* d(score)/d(output of id) after graph_backward, for the whole batch, in `layout`. A node the
 * pass went through (not `from`, not `to`) whose activation is fused holds the gradient before
 * that activation: the backward pass applies it in place. */
clvis_status graph_read_grad(graph *g, int id, tensor_layout layout, float *out);
/* 1 when node id adds a bias per output channel (FullGrad's bias layers): a convolution with a
 * bias, or a batch norm (its shift beta - mean * gamma / sqrt(var + eps)). */
int graph_node_has_bias(const graph *g, int id);
/* That bias: graph_node_shape(g, id).c floats. */
clvis_status graph_read_bias(graph *g, int id, float *out);

#endif

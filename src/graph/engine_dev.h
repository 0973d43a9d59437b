/* engine_dev.h — the device side of the engine surface, for pipelines that keep their tensors
 * on the device between steps (src/explain/lucid.c): the graph's context, its input and input
 * gradient as device tensors, a seed copied from a device buffer. */
#ifndef CLVIS_GRAPH_ENGINE_DEV_H
#define CLVIS_GRAPH_ENGINE_DEV_H

#include "graph/engine.h"
#include "ops/ops.h"

clvis_ctx *graph_ctx(graph *g);
/* The planned batch's input (node 0's output), to be written on the device; marks the last
 * forward stale. */
clvis_status graph_input_dev(graph *g, tensor *out);
/* d(score)/d(input) after graph_backward down to node 0. */
clvis_status graph_input_grad_dev(graph *g, tensor *out);
/* Node id's output of the last forward (which must have reached it), as a device tensor of
 * the planned batch, NCHW; valid until the next forward. */
clvis_status graph_output_dev(graph *g, int id, tensor *out);
/* Seeds node `from` from a device buffer of its whole batch (NCHW); graph_seed must have run
 * once since graph_plan (it allocates the gradient buffers). */
clvis_status graph_seed_dev(graph *g, int from, cl_mem seed);
/* Node id's gradient tensor of the planned batch (the gradient buffers are made when missing),
 * for a seed written in place on the device. */
clvis_status graph_grad_dev(graph *g, int id, tensor *out);

/* A convolution node as a pipeline that runs part of it itself sees it (src/explain/filters.c:
 * one output channel per item): its parameters (activation fused), OIHW kernel, bias (NULL:
 * none) and input node. CLVIS_ERR_UNSUPPORTED when id is not a convolution. */
typedef struct {
    conv2d_params p;
    cl_mem w, b;
    int input;
} graph_conv_view;
clvis_status graph_conv_dev(graph *g, int id, graph_conv_view *out);

#endif

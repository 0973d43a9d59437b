/* engine_dev.c — engine_dev.h: device tensors of a planned graph. */
#include "graph/engine_dev.h"
#include "graph/graph.h"

clvis_ctx *graph_ctx(graph *g)
{
    return g->ctx;
}

clvis_status graph_input_dev(graph *g, tensor *out)
{
    if (!g->batch)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_input_dev before graph_plan");
    g->forward_done = -1;
    *out = g->nodes[0].y;
    return CLVIS_OK;
}

clvis_status graph_input_grad_dev(graph *g, tensor *out)
{
    if (!g->batch || !g->n_grad_arenas)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_input_grad_dev: no backward pass yet");
    *out = g->nodes[0].dy;
    return CLVIS_OK;
}

clvis_status graph_output_dev(graph *g, int id, tensor *out)
{
    if (id < 0 || id >= g->n_nodes || !g->batch || g->forward_done < id ||
        !graph_depends(g, g->forward_done, id))
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_output_dev: node %d not computed", id);
    *out = g->nodes[id].y;
    return CLVIS_OK;
}

clvis_status graph_seed_dev(graph *g, int from, cl_mem seed)
{
    if (from < 0 || from >= g->n_nodes || !g->batch || !g->n_grad_arenas)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_seed_dev: bad node or no graph_seed yet");
    tensor t = g->nodes[from].dy;
    FAULT_TRY(FAULT_ENQUEUE, "clEnqueueCopyBuffer");
    CL_TRY(clEnqueueCopyBuffer(g->ctx->queue, seed, t.mem, 0, t.off * sizeof(float),
                               tensor_count(t) * sizeof(float), 0, NULL, NULL));
    return CLVIS_OK;
}

clvis_status graph_grad_dev(graph *g, int id, tensor *out)
{
    if (id < 0 || id >= g->n_nodes || !g->batch)
        return err_set(CLVIS_ERR_INVALID_ARG, "graph_grad_dev: bad node or no graph_plan yet");
    clvis_status st = graph_plan_grads(g);
    if (st)
        return st;
    *out = g->nodes[id].dy;
    return CLVIS_OK;
}

clvis_status graph_conv_dev(graph *g, int id, graph_conv_view *out)
{
    if (id <= 0 || id >= g->n_nodes || g->nodes[id].op != OP_CONV2D || g->nodes[id].n_inputs != 1)
        return err_set(CLVIS_ERR_UNSUPPORTED, "graph_conv_dev: node %d is not a convolution", id);
    const node *v = &g->nodes[id];
    out->p = v->conv;
    out->w = v->weight[0];
    out->b = v->weight[1]; /* NULL without a bias, as fwd_conv passes it */
    out->input = v->inputs[0];
    return CLVIS_OK;
}

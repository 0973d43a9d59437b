/* ascent.h — host side of kernels/ascent.cl: the book's gradient-ascent step on device tensors
 * (src/explain/filters.c). An affine per-channel preprocessing map (model channel c reads pixel
 * channel src[c], times scale[c], plus offset[c]) is described once by ascent_map. */
#ifndef CLVIS_OPS_ASCENT_H
#define CLVIS_OPS_ASCENT_H

#include "ops.h"

typedef struct {
    int nc;          /* 1 or 3 channels */
    int src[3];      /* model channel c is fed from pixel channel src[c] (a permutation) */
    float scale[3];  /* per model channel */
    float offset[3];
} ascent_map;

/* Partial sums per item of ascent_norm (each a float pair). */
#define ASCENT_PARTS 64

/* dy (B x C x HW, NCHW) <- value[b] on channel unit[b] of item b, 0 elsewhere (unit -1: 0). */
clvis_status ascent_seed(clvis_ctx *ctx, tensor dy, cl_mem unit, cl_mem value);
/* Only the unit channels of dy <- value[b] (the other channels are left as they are). */
clvis_status ascent_seed_unit(clvis_ctx *ctx, tensor dy, cl_mem unit, cl_mem value);
/* y (the model's input, n items) <- map applied to pixel-space x (n x nc x h x w floats). */
clvis_status ascent_pre(clvis_ctx *ctx, tensor y, cl_mem x, const ascent_map *m);
/* For the first nb items: norm[b] <- sqrt(mean((g[b] * scale)^2)) + 1e-5 (the RMS of the
 * pixel-space gradient; part: nb * ASCENT_PARTS float pairs of scratch), then pixel-space x[b]
 * += (g[b] * scale / norm[b]) * step through the map's channel permutation. */
clvis_status ascent_norm(clvis_ctx *ctx, cl_mem norm, cl_mem part, tensor g, int nb,
                         const ascent_map *m);
clvis_status ascent_step(clvis_ctx *ctx, cl_mem x, tensor g, cl_mem norm, int nb,
                         const ascent_map *m, float step);

/* One output channel of a convolution per item (unit[b], -1: none): x is the conv's input
 * (B items), dz and y are B x OH x OW floats (y's shape gives OH, OW; y.c = 1): y = act(z) of
 * that channel, dz = value[b] * act'(y). p->act: linear, relu, sigmoid or tanh. */
clvis_status ascent_unit_forward(clvis_ctx *ctx, const conv2d_params *p, tensor dz, tensor y,
                                 tensor x, cl_mem w, cl_mem b, cl_mem unit, cl_mem value);
/* dx (the conv's input shape, B items) <- the input gradient of channel unit[b] alone. */
clvis_status ascent_unit_backward(clvis_ctx *ctx, const conv2d_params *p, tensor dx, tensor dz,
                                  int out_c, cl_mem w, cl_mem unit);

#endif

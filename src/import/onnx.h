/* onnx.h — loading ONNX models (the format torch.onnx.export, tf2onnx and most exporters write)
 * into a graph. The schema is Debian's onnx.proto, compiled to C by protoc-c at build time and
 * read with libprotobuf-c. */
#ifndef CLVIS_ONNX_H
#define CLVIS_ONNX_H

#include <stddef.h>

#include "clvis.h"
#include "graph/graph.h"

/* 1 when the first n bytes look like a serialised ModelProto (ir_version first, as every
 * writer puts it). */
int onnx_probe(const char *path, const unsigned char *head, size_t n);

/* Loads the model at `path`: one float input of rank 2-4 (batch first), the nodes the first
 * graph output depends on, constants and shape arithmetic folded at load time. Errors are one
 * line naming the file, and the node and op where one is at fault. */
clvis_status onnx_load(clvis_ctx *ctx, const char *path, const clvis_load_options *opt,
                       graph **out);

/* A graph input given a fixed value, which then is folded like an initializer (the
 * conformance runner binds every input but the first one this way). `tensor` is a serialised
 * TensorProto. */
typedef struct {
    const char *name;
    const void *tensor;
    size_t size;
} onnx_binding;

/* onnx_load on a model already in memory; `path` names it in messages and locates external
 * data files (their folder). */
clvis_status onnx_load_buffer(clvis_ctx *ctx, const char *path, const void *buf, size_t len,
                              const onnx_binding *bind, int n_bind, graph **out);

/* A serialised TensorProto (an ONNX test case's input_N.pb / output_N.pb) as float32: its dims
 * (rank <= 8) and a malloc'd array of its elements in row-major order. */
clvis_status onnx_read_tensor(const char *path, int *rank, long long dims[8], float **data,
                              size_t *count);

#endif

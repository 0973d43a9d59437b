/* onnx_imp.h — the ONNX importer's working state, shared by its files: onnx.c (the file, the
 * graph walk), onnx_tensor.c (TensorProto values), onnx_fold.c (constants and shape arithmetic
 * evaluated at load time) and onnx_ops.c (ONNX nodes to engine nodes). Not a public header. */
#ifndef CLVIS_ONNX_IMP_H
#define CLVIS_ONNX_IMP_H

#include <stdint.h>

#include "core/error.h"
#include "graph/graph.h"
#include "import/onnx.h"
#include "onnx.pb-c.h"

#define ONNX_MAX_RANK 8
/* The batch size in folded shape arithmetic: Shape(x)[0] of a runtime tensor, which is only
 * known when the graph runs. Reshape accepts it in its first position; anything that computes
 * with it is refused. */
#define ONNX_BATCH (-(INT64_C(1) << 62))
/* Elements constant folding may create beyond the model's own initializers (onnx_fold.c). */
#define ONNX_FOLD_SLACK (INT64_C(1) << 24)

/* ONNX TensorProto.DataType values clvis reads. */
enum {
    ONNX_FLOAT = 1, ONNX_UINT8 = 2, ONNX_INT8 = 3, ONNX_UINT16 = 4, ONNX_INT16 = 5,
    ONNX_INT32 = 6, ONNX_INT64 = 7, ONNX_STRING = 8, ONNX_BOOL = 9, ONNX_FLOAT16 = 10,
    ONNX_DOUBLE = 11, ONNX_UINT32 = 12, ONNX_UINT64 = 13, ONNX_BFLOAT16 = 16
};

/* A constant known at load time: floats (every floating type, converted) or integers (every
 * integer type and bool, as int64). */
typedef struct {
    int is_int;
    int rank;
    int64_t dims[ONNX_MAX_RANK];
    size_t count;
    float *f;    /* !is_int */
    int64_t *i;  /* is_int */
} oconst;

/* A tensor of the ONNX graph: computed by the engine (runtime, a node id) or known (const).
 * Runtime tensors have batch first: dims[0] is the batch, the engine's (c, h, w) item shape
 * comes from dims[1..]: rank 4 (N,C,H,W) -> (C,H,W), rank 3 (N,C,L) -> (C,1,L), rank 2 (N,F)
 * -> (F,1,1). */
typedef struct {
    const char *name;
    int is_const;
    int node;       /* runtime: engine node id; const: the node made for it, else -1 */
    int rank;       /* runtime */
    int64_t dims[4];
    oconst c;       /* const */
} oval;

typedef struct {
    clvis_ctx *ctx;
    graph *g;
    const char *path;        /* for messages and external data */
    const Onnx__NodeProto *node; /* the node being imported, for messages */
    int64_t opset;           /* of the default domain */
    int64_t static_batch;    /* the input's batch dimension when fixed, else 0 */
    oval *vals;
    int n_vals, cap_vals;
    int *slots;              /* open-addressing hash of vals by name */
    int n_slots;
    const onnx_binding *bind;
    int n_bind;
    int64_t fold_budget;     /* elements folding may still create */
} oimp;

/* ---- values (onnx.c) ------------------------------------------------------------------------ */
oval *oimp_find(oimp *m, const char *name);
/* A new value named `name` (which must be new: ONNX tensors are assigned once). */
clvis_status oimp_add(oimp *m, const char *name, oval **out);
/* Error helpers naming the file and the current node. */
clvis_status oimp_err(oimp *m, clvis_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define ONNX_UNSUPPORTED(m, ...) oimp_err((m), CLVIS_ERR_UNSUPPORTED, __VA_ARGS__)
#define ONNX_BAD(m, ...) oimp_err((m), CLVIS_ERR_FORMAT, __VA_ARGS__)

/* ---- tensors (onnx_tensor.c) ---------------------------------------------------------------- */
/* TensorProto t into c (external data read from files beside `path`). */
clvis_status onnx_tensor_const(oimp *m, const Onnx__TensorProto *t, oconst *c);
void oconst_free(oconst *c);
/* A zeroed constant of the given kind and dims (count checked). */
clvis_status oconst_alloc(oimp *m, oconst *c, int is_int, int rank, const int64_t *dims);
/* Element k as double / int64, whatever the kind. */
double oconst_get(const oconst *c, size_t k);

/* ---- attributes (onnx_ops.c) ---------------------------------------------------------------- */
const Onnx__AttributeProto *oattr(const Onnx__NodeProto *n, const char *name);
int64_t oattr_int(const Onnx__NodeProto *n, const char *name, int64_t dflt);
float oattr_float(const Onnx__NodeProto *n, const char *name, float dflt);
/* Integer list: its length, or -1 when absent; at most cap values copied. */
int oattr_ints(const Onnx__NodeProto *n, const char *name, int64_t *out, int cap);
const char *oattr_string(const Onnx__NodeProto *n, const char *name, const char *dflt);

/* ---- folding (onnx_fold.c) ------------------------------------------------------------------ */
/* When every input of the node is a constant (or the op only reads shapes: Shape), computes its
 * outputs as constants and sets *folded; else *folded = 0 and the node runs on the device. */
clvis_status onnx_fold(oimp *m, const Onnx__NodeProto *n, int *folded);

/* ---- ops (onnx_ops.c) ----------------------------------------------------------------------- */
/* Adds the engine nodes for ONNX node n and records its outputs. */
clvis_status onnx_op(oimp *m, const Onnx__NodeProto *n);
/* The runtime tensor for input k of the current node (a constant becomes a constant node). */
clvis_status onnx_runtime_input(oimp *m, const Onnx__NodeProto *n, int k, oval *out);
/* The engine's item shape of a runtime value. */
shape3 onnx_item_shape(const oval *v);

#endif

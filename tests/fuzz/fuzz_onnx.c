/* fuzz_onnx.c — the ONNX importer on arbitrary bytes: the protobuf parse (libprotobuf-c), the
 * value table, folding and every op's attribute checks, then a forward pass of what loads. */
#include <string.h>

#include "fuzz_common.h"
#include "graph/graph.h"
#include "import/onnx.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
    graph *g = NULL;
    if (onnx_load_buffer(fuzz_ctx(), "fuzz.onnx", data, n, NULL, 0, &g) == CLVIS_OK) {
        /* small graphs only: a forward of batch 1 must not crash either */
        if (graph_item_floats(g) < (1u << 22) && graph_plan(g, 1) == CLVIS_OK) {
            shape3 s = graph_node_shape(g, 0);
            size_t cnt = (size_t)s.c * s.h * s.w;
            float *x = calloc(cnt ? cnt : 1, sizeof *x);
            if (x && graph_set_input(g, LAYOUT_NCHW, x) == CLVIS_OK)
                (void)graph_forward(g, -1);
            free(x);
        }
        graph_destroy(g);
    }
    return 0;
}

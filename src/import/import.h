/* import.h — model files into engine graphs: the format is recognised by its content and the
 * file handed to that format's importer (Keras, ONNX). */
#ifndef CLVIS_IMPORT_H
#define CLVIS_IMPORT_H

#include "clvis.h"
#include "graph/graph.h"

/* One model format. */
typedef struct {
    const char *name; /* "keras" */
    /* 1 when the file is of this format: head holds its first n bytes (n <= 16). */
    int (*probe)(const char *path, const unsigned char *head, size_t n);
    clvis_status (*load)(clvis_ctx *ctx, const char *path, const clvis_load_options *opt,
                         graph **out);
} importer;

/* Loads `path` (or a name an importer resolves, such as Keras's "vgg16") into a graph with
 * every weight set. */
clvis_status import_load(clvis_ctx *ctx, const char *path, const clvis_load_options *opt,
                         graph **out);

#endif

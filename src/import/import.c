/* import.c — which importer reads a model file: each format probes the file's first bytes (its
 * content, never its name), the first to claim it loads it. */
#include <stdio.h>
#include <string.h>

#include "import/import.h"
#include "import/keras.h"
#include "import/onnx.h"

static const importer importers[] = {
    {"keras", keras_probe, keras_load},
    {"onnx", onnx_probe, onnx_load},
};
enum { N_IMPORTERS = sizeof importers / sizeof importers[0] };

clvis_status import_load(clvis_ctx *ctx, const char *path, const clvis_load_options *opt,
                         graph **out)
{
    /* "vgg16", "vgg19", "..._notop": Keras's own download in ~/.keras/models, as in the book */
    char resolved[4096];
    clvis_status rs = keras_resolve_model(path, resolved, sizeof resolved);
    if (rs == CLVIS_OK)
        path = resolved;
    else if (!strncmp(path, "vgg1", 4) && !strchr(path, '/') && !strchr(path, '.'))
        return rs; /* a known name whose file is missing: that message says where it looked */
    unsigned char head[16] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(CLVIS_ERR_IO, "%s: cannot open the file", path);
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    for (int i = 0; i < N_IMPORTERS; i++)
        if (importers[i].probe(path, head, n))
            return importers[i].load(ctx, path, opt, out);
    return err_set(CLVIS_ERR_FORMAT,
                   "%s: not a model file clvis reads (neither a Keras HDF5 file, a .keras zip "
                   "nor an ONNX model)",
                   path);
}

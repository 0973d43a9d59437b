/* keras.h — loading Keras files (Keras 2 HDF5 full models and weights-only files, Keras 3
 * .keras zips and .weights.h5) into a graph. The format is detected from the content. */
#ifndef CLVIS_KERAS_H
#define CLVIS_KERAS_H

#include <stddef.h>

#include "clvis.h"
#include "graph/graph.h"

typedef enum {
    KERAS_FMT_UNKNOWN = 0,
    KERAS_FMT_H5_MODEL,    /* Keras 2 (or Keras 3 legacy) .h5: root attribute model_config */
    KERAS_FMT_H5_WEIGHTS,  /* Keras 2 weights-only .h5: root attribute layer_names */
    KERAS_FMT_K3_WEIGHTS,  /* Keras 3 .weights.h5: group layers/ */
    KERAS_FMT_K3_ZIP       /* Keras 3 .keras: zip with config.json + model.weights.h5 */
} keras_format;

/* Loads the model at `path` (opt may be NULL) and returns a graph with every weight set.
 * Weights-only files take their architecture from opt->config_path (a model.to_json() /
 * config.json file) or from a bundled description (opt->arch, or recognised from the layer
 * names). Errors are one line naming the file and the layer. */
clvis_status keras_load(clvis_ctx *ctx, const char *path, const clvis_load_options *opt,
                        graph **out);

/* 1 when the file looks like a Keras file (HDF5 or zip): the first n bytes are in head. */
int keras_probe(const char *path, const unsigned char *head, size_t n);
/* Detects the format of `path` from its content. */
clvis_status keras_detect(const char *path, keras_format *fmt);

/* `name_or_path` when it is an existing file; else "vgg16", "vgg19", "vgg16_notop",
 * "vgg19_notop" mapped to Keras's download in $KERAS_HOME/models or ~/.keras/models
 * (vgg16_weights_tf_dim_ordering_tf_kernels[_notop].h5). CLVIS_ERR_NOT_FOUND otherwise. */
clvis_status keras_resolve_model(const char *name_or_path, char *out, size_t cap);

/* Bundled architectures: "vgg16", "vgg19", "vgg16_notop", "vgg19_notop". Returns a Keras 2
 * model_config JSON string (malloc'd; free()), or NULL for an unknown name. */
char *arch_vgg_config(const char *arch);
/* Recognises a VGG release file from its layer names; NULL when not one (or ambiguous). */
const char *arch_vgg_detect(const char *const *layer_names, int n);

#endif

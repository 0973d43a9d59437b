/* keras_internal.h — what the Keras loader's files share: the layer table built from a Keras
 * config (keras_json.c), libhdf5 helpers (keras_h5.c). Not part of the library's API. */
#ifndef CLVIS_KERAS_INTERNAL_H
#define CLVIS_KERAS_INTERNAL_H

#include <cjson/cJSON.h>
#include <hdf5.h>

#include "import/keras.h"

#define KW_MAX 4  /* most weight arrays of one layer (batch norm) */
/* Limits of a model file's parts (#17), checked before they are read or parsed: */
#define KERAS_MAX_CONFIG_BYTES (16u << 20)  /* a JSON model config: 16 MiB */
/* the weights file inside a .keras: at most what the config's weights need plus this much and
 * a quarter more (HDF5's own structures) */
#define KERAS_WEIGHTS_SLACK_BYTES (64u << 20)

/* One Keras layer of the config and what it became in the graph. */
typedef struct {
    char name[GRAPH_NAME_MAX];
    char cls[48];        /* Keras class name */
    int node;            /* graph node, -1 when none (never for a built layer) */
    int n_w;             /* weight arrays expected, in Keras's order */
    const char *w_role[KW_MAX];  /* "kernel", "bias", "gamma", ... */
    int w_rank[KW_MAX];
    int w_dims[KW_MAX][4];
    int bn_scale, bn_center;
    int krank;           /* Keras rank of the output, batch excluded: 1, 2 or 3 */
    int loaded;          /* weights set */
} klayer;

typedef struct {
    const char *src;     /* file name for messages */
    graph *g;
    klayer *layers;      /* in graph (topological) order */
    int n_layers;
    char model_name[GRAPH_NAME_MAX];
    char model_class[48];
} kmodel;

/* One weight array read from a file: Keras layout, float32. */
typedef struct {
    float *data;
    int rank;
    int dims[8];
    char path[512];      /* where it was read, for messages */
} kweight;

/* Builds km->g from a parsed Keras model config ({"class_name": "Sequential" | "Functional" |
 * "Model", "config": ...}). km->src must be set. On failure km->g is destroyed (NULL). */
clvis_status kjson_build(clvis_ctx *ctx, const cJSON *model_config, kmodel *km);
/* Same from JSON text. */
clvis_status kjson_build_text(clvis_ctx *ctx, const char *json, kmodel *km);
/* Checks the n arrays against what layer li needs (count and shapes), converts them to the
 * engine's layout and uploads them. */
clvis_status kjson_set_weights(kmodel *km, int li, const kweight *w, int n);
/* Index of the layer named `name`, -1 when none. */
int kjson_find(const kmodel *km, const char *name);
/* Checks every layer that needs weights got them. */
clvis_status kjson_check_loaded(const kmodel *km);
void kjson_free(kmodel *km);  /* the layer table; not the graph */

/* ---- libhdf5 helpers: every handle closed on every path; errors name src and the path ---- */
void kh5_quiet(void);
/* Opens a file read-only (from disk, or from a memory image when image != NULL). */
clvis_status kh5_open(const char *src, const void *image, size_t image_len, hid_t *file);
int kh5_has_attr(hid_t obj, const char *name);
int kh5_has_link(hid_t loc, const char *path);
/* A string attribute (scalar or array, fixed- or variable-length) as a list of malloc'd
 * strings. Chunked attributes name0, name1, ... are joined when `name` is absent.
 * CLVIS_ERR_NOT_FOUND when neither exists. */
clvis_status kh5_attr_strings(const char *src, hid_t obj, const char *where, const char *name,
                              char ***list, int *n);
void kh5_free_strings(char **list, int n);
/* Reads a dataset as float32 (any float or integer type converts). */
/* At most max_count values: a dataset whose declared shape holds more is refused from its
 * header (CLVIS_ERR_SHAPE), before anything is allocated or read. */
clvis_status kh5_read(const char *src, hid_t loc, const char *path, const char *where,
                      size_t max_count, kweight *w);
/* The most values one weight array of layer L may hold: its largest expected array (a layer
 * that expects none: 2^24, so the count mismatch is what gets reported). */
size_t kjson_max_weight_count(const klayer *L);
void kweight_free(kweight *w, int n);

#endif

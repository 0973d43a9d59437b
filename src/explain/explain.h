/* pipeline.h — the three pictures of DLwP §5.4 (and predictions) as library calls: no printing,
 * statuses and clvis_last_error() for failures, progress lines through a callback.
 * Tensors are model-ready floats (already preprocessed) in Keras NHWC order, one item unless
 * stated. Work on the device goes through the internal graph (NCHW) of the model. */
#ifndef CLVIS_VIZ_PIPELINE_H
#define CLVIS_VIZ_PIPELINE_H

#include <stdint.h>

#include "clvis.h"
#include "core/error.h"
#include "io/image.h"

struct graph;
/* src/api/model.c: the model's internal graph. */
struct graph *model_graph(clvis_model *m);

typedef void (*viz_progress_fn)(void *user, const char *line);
/* Formats one progress line and hands it to progress (nothing when progress is NULL). */
void viz_say(viz_progress_fn progress, void *user, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- inputs --------------------------------------------------------------------------------- */
/* Loads an image file (PNG/JPEG), resizes it with Keras load_img NEAREST to the model input
 * size and preprocesses it (mode < 0: the model's default). x: h*w*3 floats (NHWC, one item).
 * orig (optional): receives the decoded original image (caller frees with image_free).
 * An image smaller than 2x2 is refused (CLVIS_ERR_FORMAT). */
clvis_status viz_load_input(const clvis_model *m, const char *path, int mode, float *x,
                            image8 *orig);
/* Number of floats of one input item (h*w*c). */
size_t viz_input_count(const clvis_model *m);

/* ---- class labels --------------------------------------------------------------------------- */
typedef struct {
    int n;
    char **wnid; /* may hold "" */
    char **name;
} viz_labels;
/* TSV "index<TAB>wnid<TAB>name" (header line allowed; data/imagenet_classes.tsv) or one label
 * per line. */
clvis_status viz_labels_load(const char *path, viz_labels *out);
void viz_labels_free(viz_labels *l);

/* ---- predict -------------------------------------------------------------------------------- */
typedef struct {
    int index;
    float score;
} viz_pred;
/* Runs the model on one item; writes the top min(k, classes) entries by descending score into
 * top (*n_top). A single-output (sigmoid) model gives one entry: index 0, P(class 1).
 * out (optional): all outputs, *n_out of them (caller's buffer of >= n_out_cap floats). */
clvis_status viz_predict(clvis_model *m, const float *x, int k, viz_pred *top, int *n_top,
                         float *out, int n_out_cap, int *n_out);
/* Number of output values of the model (the last layer). */
int viz_output_count(const clvis_model *m);

/* ---- activations (listing 5.31) ------------------------------------------------------------- */
typedef struct {
    int layer;
    int c, h, w;
    int dead;
    double zero_fraction;
    int grid_w, grid_h;
    char file[1024]; /* PNG written (viridis), "" when none */
} viz_act_result;

/* 1 when a layer can be drawn as a listing-5.31 grid (spatial output, >= 16 channels). */
int viz_act_drawable(const clvis_model *m, int layer);
/* Default layers: the first 8 after the input (model.layers[:8]) that are drawable.
 * Returns the count written into layers (<= cap). */
int viz_act_default_layers(const clvis_model *m, int *layers, int cap);
/* Runs one forward (up to the deepest requested layer), then per layer: grid, viridis PNG
 * "<out_dir>/act_<layer>.png" (out_dir NULL: no files), stats into res[i]. gray (optional):
 * if non-NULL, gray[i] receives the malloc'd uint8 grid of layer i (caller frees). */
clvis_status viz_activations(clvis_model *m, const float *x, const int *layers, int n_layers,
                             const char *out_dir, viz_act_result *res, unsigned char **gray,
                             viz_progress_fn progress, void *user);

/* ---- filter patterns (listings 5.32-5.39) --------------------------------------------------- */
/* The start image: numpy's legacy generator, exactly. MT19937 seeded as
 * numpy.random.RandomState(seed) (init_genrand), doubles as random_sample (53-bit genrand_res53),
 * value = double * 20 + 128 rounded to float32. */
typedef struct {
    uint32_t mt[624];
    int mti;
} viz_mt19937;
void viz_mt_seed(viz_mt19937 *r, uint32_t seed);
double viz_mt_random(viz_mt19937 *r);

typedef struct {
    int steps;           /* 40 */
    float step;          /* 1.0 */
    uint32_t seed;       /* 0 */
    const float *init;   /* optional: one start image (size*size*3 NHWC) for every filter */
    int chunk;           /* max items per device batch; 0: all at once */
    /* The image being optimised is in pixels; RAW (the book's default) feeds it to the model as
     * it is, other modes apply that preprocessing in front of the model (and chain its
     * gradient), for models trained on preprocessed input such as MobileNet ('tf'). */
    clvis_preprocess preprocess;
} viz_filter_opts;
void viz_filter_opts_default(viz_filter_opts *o);

/* Gradient ascent for filters[0..n) of `layer`, all items as one device batch (or chunks).
 * The input size is the model's (size = its height = width). Starts: opt->init for every
 * item, else seeded noise drawn in the order `draw_order` (item indices; NULL: 0..n-1) from
 * one stream, as consecutive generate_pattern calls after np.random.seed(seed) would.
 * x_final (optional): n*size*size*3 NHWC floats; patterns: n*size*size*3 uint8 (deprocessed);
 * loss (optional): n*steps, the loss before each step. */
clvis_status viz_filter_patterns(clvis_model *m, int layer, const int *filters, int n,
                                 const int *draw_order, const viz_filter_opts *opt, float *x_final,
                                 unsigned char *patterns, float *loss, viz_progress_fn progress,
                                 void *user);
/* The listing-5.39 grid of filters 0..63 of a layer (fewer when the layer has fewer channels),
 * margin 5, filter i + 8*j at row i, column j. out: allocated RGB. */
clvis_status viz_filter_grid_layer(clvis_model *m, int layer, const viz_filter_opts *opt,
                                   image8 *out, viz_progress_fn progress, void *user);

/* ---- Grad-CAM (listings 5.40-5.44) ---------------------------------------------------------- */
/* The last convolutional layer: the last Conv2D/DepthwiseConv2D, followed through the
 * BatchNormalization / Activation / ReLU layers that directly consume it (MobileNetV2:
 * out_relu; VGG16: block5_conv3). -1 when none. */
int viz_gradcam_default_layer(const clvis_model *m);

typedef struct {
    int layer;       /* -1: viz_gradcam_default_layer */
    int cls;         /* -1: top-1 */
    int logit;       /* 0: post-softmax probability, channel mean (book); 1: pre-softmax logit,
                        channel sum (paper) */
} viz_gradcam_opts;

typedef struct {
    int layer, cls;
    float prob;          /* model output of the class */
    float score;         /* the differentiated score (prob, or the logit) */
    int h, w;            /* map size */
    float *map;          /* h*w, malloc'd (viz_gradcam_free) */
    int all_nonpositive; /* the map was all <= 0: written black */
} viz_gradcam_result;

clvis_status viz_gradcam(clvis_model *m, const float *x, const viz_gradcam_opts *opt,
                         viz_gradcam_result *res);
void viz_gradcam_free(viz_gradcam_result *res);

/* ---- report (DIR/index.html) ---------------------------------------------------------------- */
/* Adds (or replaces, by file name) one entry of DIR/manifest.tsv and rewrites DIR/index.html
 * listing every entry; both atomically. file: relative to dir ("" for a text-only entry). */
typedef struct {
    const char *command; /* "activations", ... */
    const char *file;
    const char *caption;
    const char *model;
    const char *device;
    double ms;
} viz_report_entry;
clvis_status viz_report_add(const char *dir, const viz_report_entry *entries, int n);

/* Joins dir and name into buf ("dir/name"); CLVIS_ERR_INVALID_ARG when too long. */
clvis_status viz_path(char *buf, size_t cap, const char *dir, const char *name);

#endif

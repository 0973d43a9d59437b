/* clvis.h — the one public header of libclvis: status codes, devices, contexts, models, images
 * and the pictures (predictions, activation grids, filter patterns, Grad-CAM).
 * Every fallible call returns a clvis_status; clvis_last_error() explains the last failure of
 * the calling thread. The library never prints and never exits. */
#ifndef CLVIS_H
#define CLVIS_H

#include <stddef.h>
#include <stdint.h>

/* Every public function carries CLVIS_API: libclvis.so is built with hidden visibility and
 * exports these alone. */
#if defined(__GNUC__) || defined(__clang__)
#define CLVIS_API __attribute__((visibility("default")))
#else
#define CLVIS_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes: one list, their names and messages ---------------------------------- */
#define CLVIS_STATUS_MAP(X)                                                      \
    X(CLVIS_OK, 0, "success")                                                    \
    X(CLVIS_ERR_INVALID_ARG, 1, "invalid argument")                              \
    X(CLVIS_ERR_NO_DEVICE, 2, "no usable OpenCL device")                         \
    X(CLVIS_ERR_OPENCL, 3, "OpenCL call failed")                                 \
    X(CLVIS_ERR_BUILD, 4, "OpenCL kernel build failed")                          \
    X(CLVIS_ERR_NO_MEMORY, 5, "out of memory")                                   \
    X(CLVIS_ERR_SHAPE, 6, "invalid or mismatched shape")                         \
    X(CLVIS_ERR_UNSUPPORTED, 7, "unsupported layer, option or operation")        \
    X(CLVIS_ERR_IO, 8, "file input/output error")                                \
    X(CLVIS_ERR_FORMAT, 9, "malformed or unrecognised file")                     \
    X(CLVIS_ERR_NOT_FOUND, 10, "not found")

typedef enum {
#define CLVIS_X_ENUM(name, code, msg) name = code,
    CLVIS_STATUS_MAP(CLVIS_X_ENUM)
#undef CLVIS_X_ENUM
} clvis_status;

/* "CLVIS_ERR_SHAPE" */
CLVIS_API const char *clvis_status_name(clvis_status st);
/* "invalid or mismatched shape" */
CLVIS_API const char *clvis_status_message(clvis_status st);
/* What failed, where, the raw OpenCL code and, for build failures, the build log.
 * Per thread; valid until the next failing clvis call on this thread. Never NULL. */
CLVIS_API const char *clvis_last_error(void);

/* ---- devices ------------------------------------------------------------------------------ */
typedef enum {
    CLVIS_DEVICE_GPU = 0,        /* discrete GPU */
    CLVIS_DEVICE_IGPU = 1,       /* integrated GPU (host-unified memory) */
    CLVIS_DEVICE_CPU = 2,
    CLVIS_DEVICE_ACCELERATOR = 3
} clvis_device_type;

typedef struct {
    int index; /* global index over all platforms, as `clvis devices` shows it */
    clvis_device_type type;
    char name[256];
    char vendor[128];
    char platform[128];
    char driver[128];      /* CL_DRIVER_VERSION */
    char version[128];     /* CL_DEVICE_VERSION */
    char c_version[128];   /* CL_DEVICE_OPENCL_C_VERSION */
    unsigned compute_units;
    unsigned max_clock_mhz;
    uint64_t global_mem;   /* bytes */
    uint64_t local_mem;    /* bytes */
    uint64_t max_alloc;    /* bytes */
    int fp16, fp64;
} clvis_device_info;

CLVIS_API const char *clvis_device_type_name(clvis_device_type t); /* "GPU", "iGPU", "CPU", "ACCEL" */

/* Enumerates every device of every platform. *list is malloc'd; free it with free().
 * No OpenCL runtime or no device: CLVIS_ERR_NO_DEVICE. */
CLVIS_API clvis_status clvis_devices(clvis_device_info **list, int *count);

/* ---- context: one device, its queue and its compiled kernels -------------------------------- */
typedef struct clvis_ctx clvis_ctx;

typedef void (*clvis_log_fn)(void *user, const char *line);
/* Progress of long work: `done` of `total` units of `task` ("filters conv2d: steps", "compiling
 * kernels for DEVICE, once; cached in DIR"), called as the work advances, last with done ==
 * total. How often a caller draws it is the caller's choice (the CLI: one line per task). */
typedef void (*clvis_count_fn)(void *user, const char *task, long done, long total);

typedef struct {
    /* "N" (index), "cpu", "gpu", "igpu", or a case-insensitive substring of the device name,
     * vendor or platform. NULL: $CLVIS_DEVICE, else the best device (GPU > iGPU > CPU, ties by
     * global memory); a device chosen automatically whose kernels fail to build is reported
     * through log and the next one is tried. A device named by the user must build. */
    const char *device;
    /* Directory of the kernel binary cache. NULL: $CLVIS_CACHE_DIR, else
     * $XDG_CACHE_HOME/clvis, else ~/.cache/clvis. */
    const char *cache_dir;
    /* Non-zero: no binary cache (also $CLVIS_NO_CACHE=1 or CLVIS_CACHE_DIR=off). */
    int no_cache;
    /* Notices for the user (device skipped, cache fault); NULL: dropped. */
    clvis_log_fn log;
    void *log_user;
    /* Kernel choices, for benchmarks and tests; 0 (the default) is automatic. The command line
     * takes them from $CLVIS_CONV=ref|fast|blk|wino|dw, $CLVIS_DENSE=cols|rows,
     * $CLVIS_CONV_OC_INNER=1|0 and $CLVIS_CONV_BLK_PX=6|7. */
    int conv;       /* CLVIS_CONV_AUTO: the blocked (CPU) or fast kernel where it applies;
                       _FAST / _BLK / _WINO: that one where it applies; _REFERENCE: none;
                       depthwise convs and the input gradient of convs with at most 3 input
                       channels: the pixel-vector kernels (AUTO: on CPUs, the few-channel
                       gradient at strides other than 1; _DW: on any device, the rest as
                       AUTO), else the reference ones */
    int dense;      /* CLVIS_DENSE_AUTO: rows on CPUs, columns elsewhere; _COLUMNS; _ROWS */
    int conv_order; /* CLVIS_ORDER_AUTO: by weight size; _CHANNELS_INNER; _PIXELS_INNER */
    int conv_blk_px; /* the blocked kernel's tile: 6 or 7 pixels; 0 (or other): by width */
    /* Progress of the context's long work (the first build of the kernels; filter-pattern
     * steps, done = steps x patterns); NULL: none. */
    clvis_count_fn progress;
    void *progress_user;
    /* Which kernel family each op runs (src/cl/select.c's table by device class picks: the
     * work-group tiled kernels on GPUs, the PoCL-tuned ones on CPUs). NULL: $CLVIS_KERNELS;
     * "auto", "cpu", "gpu", or comma-separated conv=cpu|gpu, dense=cpu|gpu,
     * tile=TMxTNxTK/WMxWN, gemv=MxKS/NB, gemm-batch=N (man clvis). A malformed value:
     * CLVIS_ERR_INVALID_ARG; a tile the device cannot run: the device fails to open. */
    const char *kernels;
} clvis_ctx_options;

enum {
    CLVIS_CONV_AUTO = 0,
    CLVIS_CONV_REFERENCE = 1,
    CLVIS_CONV_FAST = 2,
    CLVIS_CONV_BLK = 3,
    CLVIS_CONV_WINO = 4, /* Winograd F(2x2, 3x3) for 3x3 stride-1 groups-1 convs, the rest auto */
    CLVIS_CONV_DW = 5    /* the pixel-vector kernels on any device, the rest auto */
};
enum { CLVIS_DENSE_AUTO = 0, CLVIS_DENSE_COLUMNS = 1, CLVIS_DENSE_ROWS = 2 };
enum { CLVIS_ORDER_AUTO = 0, CLVIS_ORDER_CHANNELS_INNER = 1, CLVIS_ORDER_PIXELS_INNER = 2 };

CLVIS_API clvis_status clvis_ctx_create(const clvis_ctx_options *opt, clvis_ctx **out);
CLVIS_API void clvis_ctx_destroy(clvis_ctx *ctx);
CLVIS_API const clvis_device_info *clvis_ctx_device(const clvis_ctx *ctx);
/* The context's kernel choice in one line ("table row 'cpu': conv cpu, dense cpu (tiled: ...)"). */
CLVIS_API const char *clvis_ctx_kernels(const clvis_ctx *ctx);
/* The same line for device `index` (as clvis_devices numbers them) under the override spec
 * (NULL: $CLVIS_KERNELS), without opening it. */
CLVIS_API clvis_status clvis_device_kernels(int index, const char *spec, char *out, size_t cap);

typedef struct {
    int from_cache;     /* 1: kernels were loaded from the binary cache, not compiled */
    double build_ms;    /* time spent loading or building the kernels */
    char cache_file[512];
} clvis_build_info;
CLVIS_API void clvis_ctx_build_info(const clvis_ctx *ctx, clvis_build_info *out);

/* ---- models ------------------------------------------------------------------------------- */
typedef struct clvis_model clvis_model;

/* Tensors cross the public API in Keras order: NHWC, float32, batch-major. */
typedef struct {
    int n, h, w, c;
} clvis_shape;

typedef enum {
    CLVIS_PREPROCESS_RAW = 0,   /* pixels 0..255 as they are */
    CLVIS_PREPROCESS_SCALE = 1, /* x / 255 (the book's small convnet) */
    CLVIS_PREPROCESS_TF = 2,    /* x / 127.5 - 1 (MobileNet) */
    CLVIS_PREPROCESS_CAFFE = 3, /* RGB->BGR, minus [103.939, 116.779, 123.68] (VGG16) */
    /* torchvision's evaluation transform: the shorter side resized to 256 (Pillow's bilinear),
     * the centre 224 x 224, x / 255, minus ImageNet's mean, over its std (PyTorch models) */
    CLVIS_PREPROCESS_TORCH = 4
} clvis_preprocess;

typedef struct {
    /* "vgg16", "vgg19", "vgg16_notop", "vgg19_notop": architecture of a weights-only file.
     * NULL: from the file, or recognised from its layer names. */
    const char *arch;
    /* Architecture of a weights-only file (Keras 2 weights .h5 or Keras 3 .weights.h5) as a
     * Keras JSON file: model.to_json() output or a .keras archive's config.json. */
    const char *config_path;
} clvis_load_options;

CLVIS_API clvis_status clvis_model_load(clvis_ctx *ctx, const char *path, const clvis_load_options *opt,
                              clvis_model **out);
CLVIS_API void clvis_model_destroy(clvis_model *m);

CLVIS_API int clvis_model_layer_count(const clvis_model *m);
CLVIS_API const char *clvis_model_layer_name(const clvis_model *m, int layer);
/* Keras class name: "Conv2D", "Dense", ... */
CLVIS_API const char *clvis_model_layer_type(const clvis_model *m, int layer);
/* Output shape of one batch item (n = 1). */
CLVIS_API clvis_shape clvis_model_layer_shape(const clvis_model *m, int layer);
CLVIS_API size_t clvis_model_layer_params(const clvis_model *m, int layer);
/* CLVIS_ERR_NOT_FOUND with the list of valid names in the message. */
CLVIS_API clvis_status clvis_model_find_layer(const clvis_model *m, const char *name, int *layer);
CLVIS_API clvis_shape clvis_model_input_shape(const clvis_model *m);
CLVIS_API clvis_preprocess clvis_model_preprocess(const clvis_model *m);
/* What states the model's preprocessing: its architecture ("the VGG architecture (...)"), its
 * ONNX metadata; NULL when nothing does and clvis_model_preprocess is the format's default
 * (Keras: raw pixels; ONNX: torchvision's transform, x / 255 for a 1-channel input). */
CLVIS_API const char *clvis_model_preprocess_source(const clvis_model *m);
/* "raw", "scale", "tf", "caffe", "torch" (NULL for another value). */
CLVIS_API const char *clvis_preprocess_name(clvis_preprocess p);
CLVIS_API const char *clvis_model_name(const clvis_model *m);

/* Sets the input height and width. A fully convolutional model (Keras include_top=False) runs
 * at any size; in a model with Flatten + Dense the layers up to the Flatten still do (the book
 * draws filter patterns at 64x64 and 150x150 with VGG16), the others then fail with
 * CLVIS_ERR_SHAPE when run. */
CLVIS_API clvis_status clvis_model_set_input_size(clvis_model *m, int h, int w);

/* Runs the model on n images (input: n*H*W*C floats, already preprocessed) up to and including
 * `upto` (-1: the whole model). Buffers are planned on the first call for a batch size and
 * reused afterwards. */
CLVIS_API clvis_status clvis_model_forward(clvis_model *m, const float *input, int n, int upto);
/* Copies the output of `layer` from the last forward (n*H*W*C floats). */
CLVIS_API clvis_status clvis_model_read(clvis_model *m, int layer, float *out);
/* Gradient of sum(seed * output(from)) with respect to the output of `to` (-1: the input),
 * for the last forward. seed: n*H*W*C floats of `from`'s shape; grad: of `to`'s shape. */
CLVIS_API clvis_status clvis_model_backward(clvis_model *m, int from, const float *seed, int to,
                                  float *grad);

/* ---- images ------------------------------------------------------------------------------ */
/* 8-bit interleaved rows, top to bottom; c = 3 (RGB) unless stated (1: gray, 4: RGBA are
 * accepted by the writers). px: w*h*c bytes, malloc'd; release with clvis_image_free. */
typedef struct {
    int w, h, c;
    unsigned char *px;
} clvis_image;

/* PNG, JPEG (CMYK and YCCK too), WebP, TIFF or BMP (by magic bytes, not the name) to RGB, as
 * PIL's Image.open(path).convert('RGB'). */
CLVIS_API clvis_status clvis_image_load(const char *path, clvis_image *img);
/* The decoders' pixel limit, for the whole process (default 100,000,000): an image whose
 * header declares more pixels is refused before anything is decoded (CLVIS_ERR_FORMAT, its
 * size in the message); so is a side over 16384 whatever the limit. n: 1..16384*16384, else
 * CLVIS_ERR_INVALID_ARG. Set it before loading, not while other threads load. */
CLVIS_API clvis_status clvis_image_set_max_pixels(long n);
CLVIS_API long clvis_image_max_pixels(void);
CLVIS_API void clvis_image_free(clvis_image *img);
/* Atomic: nothing is left at path on failure. JPEG quality 1..100. */
CLVIS_API clvis_status clvis_image_write_png(const char *path, const clvis_image *img);
CLVIS_API clvis_status clvis_image_write_jpeg(const char *path, const clvis_image *img,
                                              int quality);

/* ---- the pictures ------------------------------------------------------------------------ */
/* Progress lines for long work (one per layer, batch or chunk); NULL: none. */
typedef void (*clvis_progress_fn)(void *user, const char *line);

/* Model inputs are preprocessed floats in NHWC order, one item of clvis_input_count floats. */
CLVIS_API size_t clvis_input_count(const clvis_model *m);
/* Number of output values of the model (its last layer). */
CLVIS_API int clvis_output_count(const clvis_model *m);
/* Loads an image file, resizes it to the model input with Keras load_img's NEAREST (with
 * CLVIS_PREPROCESS_TORCH: torchvision's resize and centre crop) and preprocesses it (mode < 0: the model's default; else a clvis_preprocess). x: one item.
 * A 1-channel model gets the photo in gray as Pillow's convert("L") gives it (ITU-R 601-2
 * luma, Keras load_img(color_mode="grayscale")), then resized; raw, scale and tf only
 * (caffe and torch normalise three colour channels: CLVIS_ERR_UNSUPPORTED). orig stays RGB.
 * orig (optional) receives the decoded photo (free with clvis_image_free). Images smaller
 * than 2x2 are refused (CLVIS_ERR_FORMAT). */
CLVIS_API clvis_status clvis_input_load(const clvis_model *m, const char *path, int mode,
                                        float *x, clvis_image *orig);

/* ---- predictions -------------------------------------------------------------------------- */
typedef struct {
    int index;
    float score;
} clvis_prediction;
/* Classes of the model: its outputs, or 2 for a one-output (sigmoid) model, whose class 1
 * has the probability p = the output (its sigmoid when the output is linear, a logit) and
 * class 0 has 1 - p, in predictions, Grad-CAM and class visualisation alike. */
CLVIS_API int clvis_class_count(const clvis_model *m);
/* Runs the model on one item; the top min(k, classes) entries by descending score go to top
 * (*n_top); a one-output model gives class 1 (p) and class 0 (1 - p), the predicted one
 * (p > 0.5: class 1) first. A model whose last layer is linear (logits, as PyTorch
 * classifiers end) is scored by their softmax. out (optional): every class probability,
 * *n_out = clvis_class_count of them (a buffer of at least n_out_cap floats). */
CLVIS_API clvis_status clvis_predict(clvis_model *m, const float *x, int k,
                                     clvis_prediction *top, int *n_top, float *out,
                                     int n_out_cap, int *n_out);

/* ---- activations (DLwP listing 5.31) ------------------------------------------------------- */
typedef struct {
    int layer;
    int c, h, w;
    int dead;             /* channels with standard deviation 0, drawn flat */
    double zero_fraction; /* exact zeros / (c*h*w) */
    int grid_w, grid_h;
    char file[1024];      /* PNG written (viridis), "" when none */
} clvis_activation_result;

/* 1 when a layer can be drawn as a listing-5.31 grid (spatial output, >= 16 channels). */
CLVIS_API int clvis_activations_drawable(const clvis_model *m, int layer);
/* The book's default: the first 8 layers after the input that are drawable (<= cap). */
CLVIS_API int clvis_activations_default_layers(const clvis_model *m, int *layers, int cap);
/* One forward up to the deepest layer asked, then per layer: the grid (16 channels a row,
 * standardised), "<out_dir>/act_<layer>.png" in viridis (out_dir NULL: no files), statistics
 * in res[i]. <layer> is the name made safe as a file name (bytes other than letters, digits,
 * '_', '-', '+' and single inner dots become '_'), with _2, _3, ... where two layers of the
 * call would share a file; res[i].file names the file written. gray (optional): gray[i] receives the malloc'd uint8 grid of layer i. */
CLVIS_API clvis_status clvis_activations(clvis_model *m, const float *x, const int *layers,
                                         int n_layers, const char *out_dir,
                                         clvis_activation_result *res, unsigned char **gray,
                                         clvis_progress_fn progress, void *user);

/* ---- filter patterns (listings 5.32-5.39) --------------------------------------------------- */
typedef struct {
    int steps;           /* 40 */
    float step;          /* 1.0 */
    uint32_t seed;       /* 0: start noise numpy.random.RandomState(seed).random_sample*20+128 */
    const float *init;   /* optional: one start image (size*size*C NHWC, C the model's input
                            channels: 3, or 1 for a gray model) for every filter */
    int chunk;           /* most items per device batch; 0: as a quarter of device memory holds */
    /* The image being optimised is in pixels: RAW (the book) feeds it as it is; other modes
     * put that preprocessing in front of the model and chain its gradient (MobileNet: TF). */
    clvis_preprocess preprocess;
} clvis_filter_options;
CLVIS_API void clvis_filter_options_default(clvis_filter_options *o);

/* Gradient ascent in input space for filters[0..n) of `layer`, as one device batch (or
 * chunks); the input size is the model's. Start noise is drawn in the order draw_order (item
 * indices; NULL: 0..n-1) from one stream, as consecutive generate_pattern calls would.
 * patterns: n*size*size*3 uint8 RGB (deprocess_image; a 1-channel model's gray patterns in
 * RGB); x_final (optional): n*size*size*C NHWC floats; loss (optional): n*steps, the loss
 * before each step. */
CLVIS_API clvis_status clvis_filter_patterns(clvis_model *m, int layer, const int *filters, int n,
                                             const int *draw_order,
                                             const clvis_filter_options *opt, float *x_final,
                                             unsigned char *patterns, float *loss,
                                             clvis_progress_fn progress, void *user);
/* Listing 5.39's grid of filters[0..n) of a layer, 5-pixel margins: min(n, 8) rows and
 * ceil(n / 8) columns, filters[i + 8j] at row i, column j (64 filters: the book's 8x8; 32:
 * 8 rows x 4 columns). out: allocated RGB (clvis_image_free). */
CLVIS_API clvis_status clvis_filter_grid(clvis_model *m, int layer, const int *filters, int n,
                                         const clvis_filter_options *opt, clvis_image *out,
                                         clvis_progress_fn progress, void *user);
/* clvis_filter_grid of filters 0..63 of a layer (0..c-1 when it has c < 64 channels). */
CLVIS_API clvis_status clvis_filters(clvis_model *m, int layer, const clvis_filter_options *opt,
                                     clvis_image *out, clvis_progress_fn progress, void *user);

/* ---- feature visualisation as Lucid does it (Olah et al., Distill 2017; lucid.optvis) -------- */
typedef enum { CLVIS_LUCID_PIXEL = 0, CLVIS_LUCID_FFT = 1 } clvis_lucid_param;
/* ADAM: TensorFlow's AdamOptimizer (Lucid's): p -= lr_t m / (sqrt(v) + eps); ADAM_TORCH:
 * torch.optim.Adam (Lucent's): the same with eps added to the bias-corrected sqrt(v), i.e.
 * eps * sqrt(1 - b2^t) here. They part where gradients are near eps (1e-8): on a small model's
 * spectrum they do (tests/test_lucent.c). RMS: the book's RMS-normalised step. */
typedef enum {
    CLVIS_LUCID_ADAM = 0,
    CLVIS_LUCID_RMS = 1,
    CLVIS_LUCID_ADAM_TORCH = 2
} clvis_lucid_optimizer;
typedef enum {
    CLVIS_LUCID_CHANNEL = 0, /* mean of the unit's channel (the book's loss) */
    CLVIS_LUCID_NEURON = 1,  /* the unit's channel at the centre position (h / 2, w / 2) */
    CLVIS_LUCID_CLASS = 2,   /* a logit of a dense output (before its softmax / sigmoid) */
    CLVIS_LUCID_DIRECTION = 3 /* mean over positions of <activation, direction> (Lucid's
                                 objectives.direction); the units are not used */
} clvis_lucid_objective;
typedef struct {
    int steps;                        /* 256 */
    float lr;                         /* 0.05 (Adam, Lucid's); the step of the RMS ascent */
    clvis_lucid_param param;          /* FFT: 1/f-scaled spectrum (fft_image); PIXEL */
    int decorrelate;                  /* 1: Lucid's colour decorrelation before the sigmoid */
    int transforms;                   /* 1: Lucid's standard_transforms, seeded */
    float l1, tv, blur;               /* regulariser weights (0) */
    clvis_lucid_optimizer optimizer;  /* ADAM */
    clvis_lucid_objective objective;  /* CHANNEL */
    uint32_t seed;                    /* start spectrum / pixels N(0, 0.01^2) and transforms */
    int chunk;                        /* most items per device batch; 0: as memory holds */
    int preprocess;                   /* how the model reads the image (x 255): -1 its own */
    const float *direction;           /* DIRECTION: one weight per channel of the layer */
    int direction_n;                  /* their count (the layer's channels) */
    float diversity;                  /* weight of Lucid's diversity term across each device
                                         batch at the layer (0: none; lucid_diversity.c) */
    const float *start;               /* NULL: the seeded start above; else the n items' start
                                         parameters, item after item: FFT lucid_spectrum_floats
                                         (6 * size * (size / 2 + 1): the real plane [3][size]
                                         [size/2+1], then the imaginary one), PIXEL 3 * size *
                                         size (NCHW) before the colour matrix and the sigmoid */
} clvis_lucid_options;
CLVIS_API void clvis_lucid_options_default(clvis_lucid_options *o);
/* Maximises the objective of units[0..n) of `layer` (channels; classes for CLASS) as one device
 * batch (or chunks) at the model's input size: patterns n*size*size*3 uint8 (RGB), images
 * (optional) the same as floats in [0, 1]; objective (optional) n*steps values, before each
 * step (with diversity: each item's objective plus diversity * the batch's term). A grid of up
 * to 64 units is one batch while it fits in half the device memory; progress per step on the
 * context's clvis_count_fn. */
CLVIS_API clvis_status clvis_lucid_patterns(clvis_model *m, int layer, const int *units, int n,
                                            const clvis_lucid_options *opt,
                                            unsigned char *patterns, float *images,
                                            float *objective, clvis_progress_fn progress,
                                            void *user);
/* The grid of units 0..63 (fewer when the layer has fewer), laid out as clvis_filters'. */
/* The grid of units[0..n) (repeats allowed: with diversity, different patterns of one unit),
 * laid out as clvis_filter_grid's; one device batch as clvis_lucid_patterns. */
CLVIS_API clvis_status clvis_lucid_grid(clvis_model *m, int layer, const int *units, int n,
                                        const clvis_lucid_options *opt, clvis_image *out,
                                        clvis_progress_fn progress, void *user);
CLVIS_API clvis_status clvis_lucid_filters(clvis_model *m, int layer,
                                           const clvis_lucid_options *opt, clvis_image *out,
                                           clvis_progress_fn progress, void *user);
/* ---- deep dream on a photo (Mordvintsev et al. 2015; the TensorFlow deep-dream tutorial) ---- */
typedef struct {
    int octaves;        /* 3: sizes photo / scale^(octaves-1), ..., / scale, the photo's own */
    float octave_scale; /* 1.4 */
    int steps;          /* 50 gradient-ascent steps per octave */
    float step;         /* 0.01: image += step * g / (std(g) + 1e-8), image in [0, 1], clipped */
    int jitter;         /* 32: each step shifts the image by up to this many pixels (seeded) */
    uint32_t seed;
    int preprocess;     /* how the model reads the image (x 255): -1 its own */
} clvis_dream_options;
CLVIS_API void clvis_dream_options_default(clvis_dream_options *o);
/* Maximises sum_l weights[l] * mean(activation of layers[l]^2) (weights NULL: all 1) from the
 * photo, octave by octave (the image resized bilinearly between them), on the device. out:
 * allocated RGB of the photo's size (clvis_image_free). objective (optional): octaves * steps
 * values, before each step (at the jittered image). The model's input size is changed during
 * the run and set back after it. */
CLVIS_API clvis_status clvis_dream(clvis_model *m, const clvis_image *photo, const int *layers,
                                   const float *weights, int nl, const clvis_dream_options *opt,
                                   clvis_image *out, float *objective, clvis_progress_fn progress,
                                   void *user);

/* Share of the spectral energy (mean removed, per channel) above half the Nyquist frequency
 * (radius > 0.25 cycles per pixel) of n RGB uint8 images of size x size: a readability measure
 * (noise lies high, readable patterns low). */
CLVIS_API double clvis_high_frequency_share(const unsigned char *images, int n, int size);

/* ---- Grad-CAM (listings 5.40-5.44) and its relatives ------------------------------------- */
/* The last convolutional layer, followed through the BatchNormalization / Activation layers
 * that directly consume it (MobileNetV2: out_relu; VGG16: block5_conv3). -1 when none. */
CLVIS_API int clvis_gradcam_default_layer(const clvis_model *m);

typedef struct {
    int layer;          /* -1: clvis_gradcam_default_layer */
    int cls;            /* -1: top-1 (the predicted class); a one-output (sigmoid) model has
                           class 1 (p, the output) and class 0 (1 - p: the gradient of -p, or
                           of -logit with a logit score) */
    int logit;          /* with method NULL: 0 = "gradcam", 1 = "gradcam-paper"; with a
                           method: 1 differentiates the pre-softmax logit instead of the
                           method's own score */
    const char *method; /* a name of clvis_cam_method_name(); NULL: by `logit` */
    int batch;          /* scorecam / ablationcam: forward passes per device batch; 0: up to
                           32 as a quarter of the device memory allows */
    clvis_progress_fn progress; /* scorecam / ablationcam: a line per device batch; NULL: none */
    void *progress_user;
} clvis_gradcam_options;

typedef struct {
    int layer, cls;
    float prob;          /* model output of the class (1 - p for a sigmoid model's class 0) */
    float score;         /* the differentiated score (the probability, or the logit) */
    int h, w;            /* map size */
    float *map;          /* h*w in [0, 1], malloc'd (clvis_gradcam_free) */
    int all_nonpositive; /* the map was all <= 0 and is written as zeros */
} clvis_gradcam_result;

/* The class-activation methods, i = 0.. until NULL: "gradcam" (the book: gradient of the
 * post-softmax probability, channel-mean weights), "gradcam-paper" (Selvaraju et al.: the
 * pre-softmax logit, channel sum), then pytorch-grad-cam's conventions on the model's output
 * score (g = d score / d A, A the layer's activation, k a channel): "gradcam++" (Chattopadhay
 * et al., w_k = sum relu(g) g^2 / (2 g^2 + sum(A_k) g^3 + 1e-6)), "xgradcam" (Fu et al.,
 * w_k = sum(g A_k) / (sum(A_k) + 1e-7)), "layercam" (Jiang et al., sum_k relu(g_k) A_k per
 * pixel), "hirescam" (Draelos & Carin, sum_k g_k A_k per pixel), "eigencam" (Muhammad &
 * Yeasin: A as an (h*w, k) matrix centred per channel, projected on its first right singular
 * vector, negated when |min| > |max| (pytorch-grad-cam's sign correction); no class),
 * "eigengradcam" (the same projection of g * A), "scorecam" (Wang et al.: sum_k softmax(s)_k A_k,
 * s_k the score of the input times A_k upsampled bilinear (align_corners) and min-max
 * normalised; forward passes in batches of opt->batch), "ablationcam" (Desai & Ramaswamy:
 * w_k = (s - s_k) / s, s_k with channel k of the layer set to 0; batched too), "fullgrad"
 * (Srinivas & Fleuret: |x dx| per input channel plus |b_c dz_c| per channel of every layer with
 * a channel bias, each scaled to [0, 1] and resized to the input, summed; the map is at the
 * input's size and the layer is not used). Every map: ReLU, divided by its max. The summary is
 * one line. */
CLVIS_API const char *clvis_cam_method_name(int i);
CLVIS_API const char *clvis_cam_method_summary(int i);

CLVIS_API clvis_status clvis_gradcam(clvis_model *m, const float *x,
                                     const clvis_gradcam_options *opt, clvis_gradcam_result *res);
CLVIS_API void clvis_gradcam_free(clvis_gradcam_result *res);
/* Listing 5.44: the map resized to the photo (OpenCV bilinear), JET, 0.4 * jet + photo.
 * out: allocated, the photo's size. */
CLVIS_API clvis_status clvis_gradcam_overlay(clvis_image *out, const clvis_image *photo,
                                             const float *map, int mh, int mw);
/* plt.matshow(map) in viridis, upscaled (nearest) so the longer side is >= min_side. */
CLVIS_API clvis_status clvis_map_image(clvis_image *out, const float *map, int h, int w,
                                       int min_side);

/* ---- saliency: the gradient-attribution methods ------------------------------------------- */
/* The attribution of every input value to one class score S (the model's output for the class,
 * as Captum's target; the pre-softmax logit with `logit`), at the input's resolution. Methods,
 * i = 0.. until NULL (clvis_saliency_method_name / _summary; g = dS/dx, x the preprocessed
 * input):
 *   "vanilla"         Simonyan et al.: attr = g; map = max over channels of |g|, / max
 *   "vanilla-signed"  attr = g; map = g at the channel of largest |g| (signed), / max |.|
 *   "inputxgrad"      attr = x * g (Captum's InputXGradient); map = sum over channels
 *                     (Captum's visualisation), signed, / max |.|
 *   "guided"          guided backprop (Springenberg et al.): g through every ReLU only where
 *                     its input > 0 and the incoming gradient > 0 (Captum's GuidedBackprop on
 *                     nn.ReLU; also at capped ReLUs such as ReLU6, which Captum leaves); map =
 *                     max over channels of |attr|; drawn as an RGB image (deprocess_image)
 *   "guided-gradcam"  guided * relu(sum_k mean(dS/dA_k) A_k) at `layer` (-1: the Grad-CAM
 *                     default layer), unnormalised, upsampled nearest to the input (Captum's
 *                     GuidedGradCam); map and image as guided
 *   "smoothgrad"      Smilkov et al.: the mean of g over `samples` noisy copies x + n, n ~
 *                     N(0, sigma^2), sigma = noise * (max(x) - min(x)) (the paper's noise level;
 *                     Captum's NoiseTunnel stdevs is sigma itself); the noise is
 *                     numpy.random.RandomState(seed).normal(0, sigma, (samples, c, h, w)); map as
 *                     vanilla. The samples run as device batches.
 *   "ig"              integrated gradients (Sundararajan et al.): attr = (x - b) * sum_i w_i
 *                     g(b + a_i (x - b)), `steps` Gauss-Legendre nodes a_i / weights w_i on
 *                     [0, 1] (Captum's default "gausslegendre"); baseline b by `baseline`; map =
 *                     sum over channels, signed, / max |.|; batched. Completeness:
 *                     sum(attr) ~= S(x) - S(b) (result ig_sum, score, score_baseline). */
typedef enum {
    CLVIS_BASELINE_BLACK = 0,   /* a black photo (pixels 0) through the preprocessing */
    CLVIS_BASELINE_BLUR = 1,    /* x blurred: Gaussian, sigma = max(h, w) / 16 pixels */
    CLVIS_BASELINE_UNIFORM = 2, /* pixels U[0, 255) (RandomState(seed).random_sample), then
                                   the preprocessing */
    CLVIS_BASELINE_ZERO = 3     /* zeros of the model input (Captum's default) */
} clvis_baseline;

typedef struct {
    const char *method; /* a name of clvis_saliency_method_name(); NULL: "vanilla" */
    int cls;            /* -1: top-1 */
    int logit;          /* 1: differentiate the pre-softmax logit (as clvis_gradcam_options) */
    int layer;          /* guided-gradcam: the Grad-CAM layer, -1: clvis_gradcam_default_layer */
    int steps;          /* ig: integration nodes (50, Captum's default) */
    int samples;        /* smoothgrad: noisy samples (25) */
    float noise;        /* smoothgrad: sigma / (max(x) - min(x)) (0.15; >= 0) */
    uint32_t seed;      /* smoothgrad noise and the uniform baseline (0) */
    clvis_baseline baseline; /* ig (BLACK) */
    int preprocess;     /* the preprocessing of x, for the black / uniform baselines; -1: the
                           model's */
    int batch;          /* most items per device batch; 0: as a quarter of device memory holds */
    const float *baseline_x; /* optional: the ig baseline itself (one item, NHWC) */
    const float *noise_x;    /* optional: smoothgrad's noise itself (samples items, NHWC) */
} clvis_saliency_options;
CLVIS_API void clvis_saliency_options_default(clvis_saliency_options *o);

typedef struct {
    int cls;
    float prob;          /* model output of the class */
    float score;         /* S(x): the differentiated score (the output, or the logit) */
    int h, w, c;         /* the input's size */
    float *attr;         /* h*w*c, NHWC: the raw attribution (Captum's [c, h, w] transposed) */
    float *map;          /* h*w: the method's 2-D map in [0, 1], or [-1, 1] when map_signed */
    int map_signed;
    int rgb;             /* 1: drawn as an RGB image of attr (guided, guided-gradcam) */
    int layer;           /* guided-gradcam: the Grad-CAM layer; else -1 */
    int steps, samples;  /* as run (ig, smoothgrad; else 0) */
    double ig_sum;       /* ig: sum(attr) */
    float score_baseline; /* ig: S(baseline) */
} clvis_saliency_result;

CLVIS_API const char *clvis_saliency_method_name(int i);
CLVIS_API const char *clvis_saliency_method_summary(int i);
/* x: one preprocessed item (clvis_input_load). res: free with clvis_saliency_free. */
CLVIS_API clvis_status clvis_saliency(clvis_model *m, const float *x,
                                      const clvis_saliency_options *opt,
                                      clvis_saliency_result *res);
CLVIS_API void clvis_saliency_free(clvis_saliency_result *res);
/* The map as a picture, upscaled (nearest) so the longer side is >= min_side: grayscale for an
 * unsigned map, blue-white-red (matplotlib's bwr, 0 white) for a signed one, and for an rgb
 * result attr itself through deprocess_image (x - mean, / (std + 1e-5), * 0.1 + 0.5, clipped,
 * * 255, over all values). out: allocated. */
CLVIS_API clvis_status clvis_saliency_image(clvis_image *out, const clvis_saliency_result *r,
                                            int min_side);
/* |map| / max |map| resized to the photo, as clvis_gradcam_overlay (0.4 * JET + photo). */
CLVIS_API clvis_status clvis_saliency_overlay(clvis_image *out, const clvis_image *photo,
                                              const clvis_saliency_result *r);

/* ---- evaluate: metrics that judge an explanation map ------------------------------------ */
/* How well a map (h*w floats, larger = more relevant, [0, 1] as the CAM maps are; another size
 * than the input's is resized to it with OpenCV's bilinear, as pytorch-grad-cam's
 * scale_cam_image does; values are taken as given) explains class cls (-1: top-1) of one preprocessed item x. S is the model's
 * output for the class (pytorch-grad-cam's ClassifierOutputTarget: a logit for a PyTorch
 * classifier, the probability for a Keras softmax head); P its probability (the softmax of a
 * linear output, as clvis_predict). Metrics, i = 0.. until NULL (clvis_metric_name / _summary):
 *   "confidence-change"  pytorch-grad-cam's CamMultImageConfidenceChange: S(x * map) - S(x),
 *                        the map multiplying every channel of the preprocessed input
 *   "drop"               DropInConfidence (Chattopadhay et al.'s drop, unnormalised as
 *                        pytorch-grad-cam): max(0, S(x) - S(x * map))
 *   "increase"           IncreaseInConfidence: 1 when S(x * map) > S(x), else 0
 *   "road-morf"          ROAD (Rong et al. 2022), most relevant first: for each percentile p
 *                        of 10, 20, ..., 90 the pixels with map >= percentile(map, p) (numpy's
 *                        linear percentile) are removed and filled in by the noisy linear
 *                        imputer (each removed pixel the weighted mean of its 8 neighbours,
 *                        1/6 edge and 1/12 corner, a sparse linear system per image: solved by
 *                        conjugate gradients (MIC(0)-preconditioned) in double to a relative
 *                        residual of 1e-12, where
 *                        pytorch-grad-cam calls scipy's spsolve), plus road_noise * N(0, 1);
 *                        the mean over p of S(imputed) - S(x)
 *   "road-lerf"          least relevant first: the same with 1 - map
 *   "road"               ROADCombined: (road-lerf - road-morf) / 2
 *   "insertion"          Petsiuk et al. (RISE): pixels (all channels) of a blurred copy of x
 *                        (RISE's substrate: 11x11 Gaussian, sigma 5, zero padding) replaced by
 *                        x's in order of decreasing map value (ties: the later pixel first),
 *                        ceil(h*w / steps) pixels a step; the area under P's curve over the
 *                        steps + 1 images, trapezoidal on [0, 1]
 *   "deletion"           the same from x towards zeros of the model input (RISE's substrate:
 *                        the mean colour of a normalised input, black for raw pixels)
 * Every perturbed image of a metric runs in device batches. */
typedef struct {
    const char *metric; /* a name of clvis_metric_name(); NULL: "drop" */
    int steps;          /* insertion / deletion: steps; 0: the input's height (RISE's one row of
                           pixels a step at 224 x 224) */
    float road_noise;   /* ROAD's imputer noise std (0.01, pytorch-grad-cam's); 0: none */
    uint32_t seed;      /* ROAD noise: Box-Muller on numpy.random.RandomState(seed)'s MT19937 */
    int batch;          /* most items per device batch; 0: as a quarter of device memory holds */
} clvis_evaluate_options;
CLVIS_API void clvis_evaluate_options_default(clvis_evaluate_options *o);

typedef struct {
    int cls;
    float score;     /* S(x) */
    float prob;      /* P(x) */
    double value;    /* the metric */
    int images;      /* perturbed images run */
    int n_curve;     /* confidence: 1, S of the perturbed image; ROAD: 9 (18 for "road", morf
                        then lerf), S(imputed) - S(x) per percentile; insertion / deletion:
                        steps + 1 probabilities */
    float *curve;    /* malloc'd (clvis_evaluate_free) */
    int step_pixels; /* insertion / deletion: pixels a step */
} clvis_evaluate_result;

CLVIS_API const char *clvis_metric_name(int i);
CLVIS_API const char *clvis_metric_summary(int i);
CLVIS_API clvis_status clvis_evaluate(clvis_model *m, const float *x, const float *map, int h,
                                      int w, int cls, const clvis_evaluate_options *opt,
                                      clvis_evaluate_result *res);
CLVIS_API void clvis_evaluate_free(clvis_evaluate_result *res);

/* ---- version ------------------------------------------------------------------------------ */
/* "0.2.0" */
CLVIS_API const char *clvis_version(void);

#ifdef __cplusplus
}
#endif
#endif

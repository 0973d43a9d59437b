/* clvis.h — the one public header of libclvis: status codes, devices, contexts, models.
 * Every fallible call returns a clvis_status; clvis_last_error() explains the last failure of
 * the calling thread. The library never prints and never exits. */
#ifndef CLVIS_H
#define CLVIS_H

#include <stddef.h>
#include <stdint.h>

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
const char *clvis_status_name(clvis_status st);
/* "invalid or mismatched shape" */
const char *clvis_status_message(clvis_status st);
/* What failed, where, the raw OpenCL code and, for build failures, the build log.
 * Per thread; valid until the next failing clvis call on this thread. Never NULL. */
const char *clvis_last_error(void);

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

const char *clvis_device_type_name(clvis_device_type t); /* "GPU", "iGPU", "CPU", "ACCEL" */

/* Enumerates every device of every platform. *list is malloc'd; free it with free().
 * No OpenCL runtime or no device: CLVIS_ERR_NO_DEVICE. */
clvis_status clvis_devices(clvis_device_info **list, int *count);

/* ---- context: one device, its queue and its compiled kernels -------------------------------- */
typedef struct clvis_ctx clvis_ctx;

typedef void (*clvis_log_fn)(void *user, const char *line);

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
} clvis_ctx_options;

clvis_status clvis_ctx_create(const clvis_ctx_options *opt, clvis_ctx **out);
void clvis_ctx_destroy(clvis_ctx *ctx);
const clvis_device_info *clvis_ctx_device(const clvis_ctx *ctx);

typedef struct {
    int from_cache;     /* 1: kernels were loaded from the binary cache, not compiled */
    double build_ms;    /* time spent loading or building the kernels */
    char cache_file[512];
} clvis_build_info;
void clvis_ctx_build_info(const clvis_ctx *ctx, clvis_build_info *out);

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
    CLVIS_PREPROCESS_CAFFE = 3  /* RGB->BGR, minus [103.939, 116.779, 123.68] (VGG16) */
} clvis_preprocess;

typedef struct {
    /* "vgg16", "vgg19", "vgg16_notop", "vgg19_notop": architecture of a weights-only file.
     * NULL: from the file, or recognised from its layer names. */
    const char *arch;
    /* Architecture of a weights-only file (Keras 2 weights .h5 or Keras 3 .weights.h5) as a
     * Keras JSON file: model.to_json() output or a .keras archive's config.json. */
    const char *config_path;
} clvis_load_options;

clvis_status clvis_model_load(clvis_ctx *ctx, const char *path, const clvis_load_options *opt,
                              clvis_model **out);
void clvis_model_destroy(clvis_model *m);

int clvis_model_layer_count(const clvis_model *m);
const char *clvis_model_layer_name(const clvis_model *m, int layer);
/* Keras class name: "Conv2D", "Dense", ... */
const char *clvis_model_layer_type(const clvis_model *m, int layer);
/* Output shape of one batch item (n = 1). */
clvis_shape clvis_model_layer_shape(const clvis_model *m, int layer);
size_t clvis_model_layer_params(const clvis_model *m, int layer);
/* CLVIS_ERR_NOT_FOUND with the list of valid names in the message. */
clvis_status clvis_model_find_layer(const clvis_model *m, const char *name, int *layer);
clvis_shape clvis_model_input_shape(const clvis_model *m);
clvis_preprocess clvis_model_preprocess(const clvis_model *m);
const char *clvis_model_name(const clvis_model *m);

/* Sets the input height and width. A fully convolutional model (Keras include_top=False) runs
 * at any size; in a model with Flatten + Dense the layers up to the Flatten still do (the book
 * draws filter patterns at 64x64 and 150x150 with VGG16), the others then fail with
 * CLVIS_ERR_SHAPE when run. */
clvis_status clvis_model_set_input_size(clvis_model *m, int h, int w);

/* Runs the model on n images (input: n*H*W*C floats, already preprocessed) up to and including
 * `upto` (-1: the whole model). Buffers are planned on the first call for a batch size and
 * reused afterwards. */
clvis_status clvis_model_forward(clvis_model *m, const float *input, int n, int upto);
/* Copies the output of `layer` from the last forward (n*H*W*C floats). */
clvis_status clvis_model_read(clvis_model *m, int layer, float *out);
/* Gradient of sum(seed * output(from)) with respect to the output of `to` (-1: the input),
 * for the last forward. seed: n*H*W*C floats of `from`'s shape; grad: of `to`'s shape. */
clvis_status clvis_model_backward(clvis_model *m, int from, const float *seed, int to,
                                  float *grad);

#ifdef __cplusplus
}
#endif
#endif

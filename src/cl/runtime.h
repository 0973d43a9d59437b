/* runtime.h — the OpenCL side of a clvis_ctx: device, queue, the kernel table, checked calls. */
#ifndef CLVIS_RUNTIME_H
#define CLVIS_RUNTIME_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include "../core/error.h"
#include "clvis.h"
#include "select.h"

/* Every kernel in the kernels/ directory, by name. */
#define CLVIS_KERNEL_LIST(X) \
    X(conv2d_fwd)            \
    X(conv2d_bwd)            \
    X(conv2d_pad)            \
    X(conv2d_fast)           \
    X(conv2d_3x3)            \
    X(conv2d_3x3_r2)         \
    X(conv2d_blk)            \
    X(conv2d_blk7)           \
    X(conv2d_blk_pack)       \
    X(conv2d_wino_wt)        \
    X(conv2d_wino_in)        \
    X(conv2d_wino_gemm)      \
    X(conv2d_wino_gemm16)    \
    X(conv2d_wino_out)       \
    X(conv2d_dw_fwd)         \
    X(conv2d_dw_bwd)         \
    X(conv2d_dxc)            \
    X(conv_tiled)            \
    X(gemv_tiled)            \
    X(dense_fwd)             \
    X(dense_bwd)             \
    X(gemv_rows)             \
    X(gemv_rows8)            \
    X(act_fwd)               \
    X(act_bwd)               \
    X(act_bwd4)              \
    X(softmax_fwd)           \
    X(softmax_bwd)           \
    X(act_p_fwd)             \
    X(act_p_bwd)             \
    X(logsoftmax_fwd)        \
    X(logsoftmax_bwd)        \
    X(prelu_fwd)             \
    X(prelu_bwd)             \
    X(maxpool_fwd)           \
    X(maxpool_bwd)           \
    X(maxpool_bwd_disjoint)  \
    X(maxpool2_fwd)          \
    X(maxpool2_bwd)          \
    X(avgpool_fwd)           \
    X(avgpool_bwd)           \
    X(gpool_fwd)             \
    X(gpool_bwd)             \
    X(zeropad_fwd)           \
    X(zeropad_bwd)           \
    X(scale_shift_fwd)       \
    X(scale_shift_bwd)       \
    X(add_fwd)               \
    X(copy_accum)            \
    X(concat_fwd)            \
    X(concat_bwd)            \
    X(reshape_fwd)           \
    X(reshape_bwd)           \
    X(fill)                  \
    X(repeat_items)          \
    X(binary_fwd)            \
    X(binary_bwd)            \
    X(lucid_ifft_cols)       \
    X(lucid_ifft_rows)       \
    X(lucid_ifft_rows_adj)   \
    X(lucid_ifft_cols_adj)   \
    X(lucid_rgb_fwd)         \
    X(lucid_rgb_bwd)         \
    X(lucid_sample_fwd)      \
    X(lucid_sample_adj)      \
    X(lucid_reg_grad)        \
    X(lucid_adam)            \
    X(lucid_item_sumsq)      \
    X(lucid_rms_step)        \
    X(lucid_gram)            \
    X(lucid_gram_dots)       \
    X(lucid_div_dgram)       \
    X(lucid_div_seed)        \
    X(dream_partials)        \
    X(dream_l2_seed)         \
    X(dream_accum)           \
    X(dream_step)            \
    X(ascent_seed)           \
    X(ascent_seed_unit)      \
    X(ascent_pre)            \
    X(ascent_sumsq)          \
    X(ascent_norm)           \
    X(ascent_step)           \
    X(ascent_unit_fwd)       \
    X(ascent_unit_bwd)       \
    X(ascent_unit_fwd3)      \
    X(ascent_unit_bwd3)      \
    X(selftest)

typedef enum {
#define X(name) K_##name,
    CLVIS_KERNEL_LIST(X)
#undef X
    K_COUNT
} kernel_id;

struct clvis_ctx {
    clvis_device_info info;
    cl_platform_id platform;
    cl_device_id device;
    cl_context context;
    cl_command_queue queue;
    cl_program program;
    cl_kernel kernels[K_COUNT];
    size_t wg[K_COUNT]; /* 1-D work-group size used for each kernel */
    clvis_build_info build;
    cl_mem scratch;          /* grow-only work buffer shared by ops (e.g. padded conv input) */
    size_t scratch_bytes;
    int conv_impl, dense_impl, conv_order; /* clvis_ctx_options' kernel choices */
    int conv_blk_px;                       /* clvis_ctx_options.conv_blk_px */
    cl_uint float_width; /* CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT: 8 AVX2, 16 AVX-512 (PoCL) */
    kernel_plan plan_override; /* what $CLVIS_KERNELS / clvis_ctx_options.kernels force */
    kernel_plan plan;          /* the device's row of select.c's table, overridden */
    char plan_desc[320];       /* kernel_plan_describe(&plan): clvis_ctx_kernels() */
    char build_opts[768];      /* every kernel build's options: base + the plan's -D */
    clvis_log_fn log;
    void *log_user;
    clvis_count_fn progress; /* clvis_ctx_options.progress */
    void *progress_user;
    struct profile *prof;    /* CLVIS_PROFILE=1 (src/cl/profile.h); NULL when off */
};

/* Hands progress to the context's callback (nothing without one). */
void ctx_progress(clvis_ctx *ctx, const char *task, long done, long total);

/* The kernel function's name ("maxpool_fwd"). */
const char *kernel_name(kernel_id k);

/* Name of an OpenCL error code ("CL_OUT_OF_RESOURCES"). */
const char *cl_error_name(cl_int e);
/* Maps an OpenCL error to a status (allocation failures -> CLVIS_ERR_NO_MEMORY) and records
 * "<what> failed: CL_NAME (code) at file:line". */
clvis_status cl_fail(cl_int e, const char *what, const char *file, int line);

/* Returns from the enclosing function when an OpenCL call fails. */
#define CL_TRY(call)                                                   \
    do {                                                               \
        cl_int cl_try_e_ = (call);                                     \
        if (cl_try_e_ != CL_SUCCESS)                                   \
            return cl_fail(cl_try_e_, #call, __FILE__, __LINE__);      \
    } while (0)

/* Test-only fault injection ($CLVIS_FAULT=SITE[:N]); CL_SUCCESS unless this call must fail. */
typedef enum { FAULT_BUILD, FAULT_ALLOC, FAULT_ENQUEUE, FAULT_READ, FAULT_WRITE, FAULT_COUNT } fault_site;
cl_int fault_check(fault_site site);
#define FAULT_TRY(site, what)                                                  \
    do {                                                                       \
        cl_int fault_e_ = fault_check(site);                                   \
        if (fault_e_ != CL_SUCCESS)                                            \
            return cl_fail(fault_e_, what " (injected)", __FILE__, __LINE__);  \
    } while (0)

/* The options ctx's kernel build uses ("-cl-std=CL1.2", the tunables' -D and the kernel plan's
 * tile -D), part of the cache key. */
const char *program_build_options(const clvis_ctx *ctx);
/* Releases ctx's kernels and program (none left; safe to call twice). */
void program_release(clvis_ctx *ctx);
/* Builds the kernel program for ctx->device (binary cache first); fills ctx->kernels. A cached
 * program is used only when its entry verifies (src/cl/cache.h), every kernel is in it and it
 * passes program_selftest; anything else rebuilds from source and rewrites the entry. */
clvis_status program_build(clvis_ctx *ctx, const char *cache_dir, int use_cache);
/* The cache key of ctx's device: SHA-256 of the kernel source, build options, platform,
 * device, vendor, driver and OpenCL version (its first 16 bytes, in hex, name the file). */
void program_cache_key(const clvis_ctx *ctx, unsigned char key[32]);
/* Known answers: runs the selftest kernel and fill, add_fwd, copy_accum, act_fwd, dense_fwd and
 * softmax_fwd on tiny inputs (plain OpenCL calls, no fault injection) and compares the results
 * with exact values. CLVIS_ERR_BUILD naming the first kernel that was wrong. */
clvis_status program_selftest(clvis_ctx *ctx);

/* Enumeration for context creation: ids alongside the public info. */
typedef struct {
    clvis_device_info info;
    cl_platform_id platform;
    cl_device_id device;
} device_entry;
clvis_status device_enumerate(device_entry **list, int *count);
/* Candidates for a selector in preference order; *named = 1 when the user named a device. */
clvis_status device_select(const device_entry *all, int count, const char *selector, int *order,
                           int *n_order, int *named);

/* Buffers. */
clvis_status buffer_create(clvis_ctx *ctx, size_t bytes, cl_mem *out);
clvis_status buffer_write(clvis_ctx *ctx, cl_mem m, size_t off_bytes, size_t bytes,
                          const void *src);
clvis_status buffer_read(clvis_ctx *ctx, cl_mem m, size_t off_bytes, size_t bytes, void *dst);

/* Launch helpers: set args from a list and enqueue a 1-D range (rounded up to local). */
typedef struct {
    size_t size;
    const void *value;
} karg;
#define KARG(v) ((karg){sizeof(v), &(v)})
#define KMEM(m) ((karg){sizeof(cl_mem), &(m)})
clvis_status kernel_run(clvis_ctx *ctx, kernel_id k, size_t global, const karg *args, int nargs);
clvis_status kernel_run2(clvis_ctx *ctx, kernel_id k, const size_t global[2],
                         const size_t *local, const karg *args, int nargs);
clvis_status ctx_finish(clvis_ctx *ctx);
/* The context's work buffer, grown to at least `bytes` (never shrunk, so a loop of the same
 * work allocates once). Valid until the next ctx_scratch call; in-order queue keeps earlier
 * users of a replaced buffer safe. */
clvis_status ctx_scratch(clvis_ctx *ctx, size_t bytes, cl_mem *out);

#endif

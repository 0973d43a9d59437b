/* bench.h — the standard workloads of `clvis bench` as library calls (no printing): VGG16
 * forward, Grad-CAM end to end, filter-pattern grids, the book's small convnet with all
 * activations, per-op microbenchmarks, the batched explanations (Score-CAM, SmoothGrad,
 * integrated gradients) on a model file, and an FMA-peak microkernel. Each workload is timed as
 * the median of N runs after a warm-up and keeps its output of the last run so the same
 * workload on several devices can be compared. */
#ifndef CLVIS_BENCH_H
#define CLVIS_BENCH_H

#include <stddef.h>

#include "clvis.h"

typedef void (*bench_progress_fn)(void *user, const char *line);

/* Workload names, in run order. */
#define BENCH_WORKLOADS                                                                      \
    "vgg16_b1,vgg16_b8,gradcam,filters_block1_conv1,filters_block2_conv1,"                 \
    "filters_block3_conv1,filters_block4_conv1,filters_seq_block1_conv1,"                  \
    "filters_seq_block2_conv1,filters_seq_block3_conv1,filters_seq_block4_conv1,"          \
    "small_convnet,op_conv3x3_64_112,"                                                     \
    "op_dense_25088_4096,op_maxpool_64_224,op_relu_64_224,scorecam,smoothgrad,ig"

typedef struct {
    const char *workloads; /* comma-separated names or prefixes ("filters", "op"); NULL: all */
    int runs;              /* timed runs per workload (median); default 5 */
    int filter_runs;       /* timed runs of a filter grid; 0: min(runs, 1) */
    int filter_steps;      /* gradient-ascent steps of a grid; 0: 40 */
    int filter_count;      /* filters per grid (one batch); 0: 64 */
    const char *model;     /* VGG16 file (as clvis_model_load takes it); NULL: random weights */
    unsigned seed;         /* weights and inputs */
    /* the explanation workloads (scorecam, smoothgrad, ig) run on this model file at its own
       input size, one seeded input item, the top-1 class; timed filter_runs times */
    const char *explain_model; /* NULL: the workloads fail with CLVIS_ERR_INVALID_ARG */
    const char *explain_layer; /* scorecam: the layer; NULL: clvis_gradcam_default_layer */
    int explain_batch;         /* items per device batch; 0: the library's choice */
    int sg_samples;            /* smoothgrad: noisy samples (0: 32) */
    int ig_steps;              /* ig: steps (0: 32) */
} bench_opts;

void bench_opts_default(bench_opts *o);

typedef struct {
    char name[64];
    char detail[160];    /* what was run */
    int runs;
    double ms;           /* median of the timed runs */
    double ms_min;
    double warmup_ms;    /* the warm-up run (includes planning / first use) */
    double flops;        /* conv + dense FLOPs of one run (2 per multiply-add) */
    float *out;          /* the output of the last run (compared across devices) */
    size_t n_out;
} bench_result;

typedef struct {
    bench_result *r;
    int n;
    double peak_gflops;  /* FMA peak of the device, 0 when not measured */
    double ctx_ms;       /* clvis_ctx_create */
    int from_cache;      /* kernels came from the binary cache */
    double build_ms;
    double setup_ms;     /* model construction (random weights or file) */
} bench_report;

/* 1 when `name` is selected by the comma list `sel` (exact names or prefixes; NULL: all). */
/* bench_selected, except that filters_seq_* run only when the selection names filters_seq. */
int bench_wants(const char *sel, const char *name);
int bench_selected(const char *sel, const char *name);

/* The median of v[0..n) (sorts v). Times come from util_now_ms (tools/cli/util.h). */
double bench_median(double *v, int n);

/* FMA peak of ctx's device: 16 independent float16 FMA chains per work-item; the best of 8
 * timed probes after a warm-up (on a shared machine one probe can measure half the peak). */
clvis_status bench_fma_peak(clvis_ctx *ctx, double *gflops);

/* Runs every selected workload on ctx. rep->r is malloc'd (bench_report_free). */
clvis_status bench_run(clvis_ctx *ctx, const bench_opts *o, bench_report *rep,
                       bench_progress_fn progress, void *user);
void bench_report_free(bench_report *rep);

/* max |a - ref| and that divided by max |ref|. */
void bench_diff(const float *a, const float *ref, size_t n, double *max_abs, double *max_rel);

#endif

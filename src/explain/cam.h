/* cam.h — the class-activation-map method table: each method is one row (and one small file)
 * turning a layer's activation and the class score's gradient there into a map. cam.c runs
 * the forward / backward passes they share. */
#ifndef CLVIS_EXPLAIN_CAM_H
#define CLVIS_EXPLAIN_CAM_H

#include <stddef.h>

#include "clvis.h"
#include "graph/engine.h"

/* What a method sees: one item's activation A (k, h, w, channel-major) at the chosen layer
 * and d(score)/dA for n items (n, k, h, w). cam.c passes n = 1; the methods after Grad-CAM read
 * item 0's gradient. */
enum { CAM_NEG_ONE_MINUS = 1, CAM_NEG_MINUS = 2 };

typedef struct {
    int n, k, h, w;
    const float *act;
    const float *grad;
    /* For the methods that run the network again (Score-CAM, Ablation-CAM): the graph, planned
     * at batch 1 after the forward pass that gave act; the layer's node; the node whose output
     * `cls` is the score, or (score_preact) whose fused activation's input is (a logit of a
     * Dense softmax layer); -1 when the score cannot be read for a batch (a fused convolution's
     * logit); the item's input (NHWC, as clvis_gradcam takes it); items per device batch
     * (0: cam_batch's choice). */
    graph *g;
    int layer, score_node, score_preact, cls;
    int neg; /* a one-output sigmoid's class 0 (cls is then 0, the one unit): the score is
                1 - the output (CAM_NEG_ONE_MINUS) or minus the logit (CAM_NEG_MINUS); 0: none */
    int from; /* where the backward pass started (FullGrad: it went down to the input) */
    const float *x;
    int batch;
    clvis_progress_fn progress; /* a line per device batch (viz_say), NULL: none */
    void *progress_user;
} cam_input;

typedef struct {
    const char *name;    /* the --method name */
    const char *summary; /* one line: what it computes, after whom */
    int logit;           /* 1: the score is the pre-softmax logit; 0: the model's output
                            (clvis_gradcam_options.logit asks for the logit for any method) */
    /* map: h*w floats in [0, 1]; *all_nonpositive = 1 when nothing survived the ReLU. */
    clvis_status (*map)(const cam_input *in, float *map, int *all_nonpositive);
} cam_method;

/* cam_gradcam.c */
extern const cam_method cam_gradcam_book, cam_gradcam_paper;
/* cam_gradcampp.c, cam_xgradcam.c, cam_layercam.c, cam_hirescam.c */
extern const cam_method cam_gradcampp, cam_xgradcam, cam_layercam, cam_hirescam;
/* cam_eigencam.c, cam_eigengradcam.c, cam_scorecam.c, cam_ablationcam.c */
extern const cam_method cam_eigencam, cam_eigengradcam, cam_scorecam, cam_ablationcam;
/* cam_fullgrad.c: its map is at the input's size, and its backward pass goes to the input */
extern const cam_method cam_fullgrad;

/* cam_pca.c: proj (h*w) = the maps (k, h, w) as an (h*w, k) matrix, centred per channel,
 * projected on its first right singular vector (pytorch-grad-cam's get_2d_projection), negated
 * when |min| > |max| (its sign correction). */
clvis_status cam_pca_project(const float *maps, int k, int h, int w, double *proj);
/* Items per device batch for n forward passes: `asked` (> 0) or at most 32, as a quarter of
 * the device memory allows; never more than n. */
int cam_batch(const graph *g, int n, int asked);
/* The score of the first n items of the batch the last forward ran (in->score_node, unit
 * in->cls) into s; y: room for a batch of the score node's outputs. */
clvis_status cam_scores(const cam_input *in, int n, float *y, double *s);
/* sum_k w_k A_k into acc (h*w), the weighted-channel end of Score-CAM and Ablation-CAM. */
void cam_weighted_sum(const cam_input *in, const double *w, double *acc);

/* The shared end of a method: the raw map acc (h*w, double) through a ReLU and divided by its
 * maximum into map, as Grad-CAM does (viz_gradcam_map). A map that is all <= 0 becomes all
 * zeros with *all_nonpositive = 1 (else 0). */
void cam_finish(const double *acc, size_t hw, float *map, int *all_nonpositive);
/* 1 (with the error set) when `in` is not a usable input of one item. */
int cam_bad_input(const cam_input *in);

/* The method named `name`, NULL when none. */
const cam_method *cam_find(const char *name);

#endif

/* cam.h — the class-activation-map method table: each method is one row (and one small file)
 * turning a layer's activation and the class score's gradient there into a map. cam.c runs
 * the forward / backward passes they share. */
#ifndef CLVIS_EXPLAIN_CAM_H
#define CLVIS_EXPLAIN_CAM_H

#include <stddef.h>

#include "clvis.h"

/* What a method sees: one item's activation A (k, h, w, channel-major) at the chosen layer
 * and d(score)/dA for n items (n, k, h, w). cam.c passes n = 1; the methods after Grad-CAM read
 * item 0's gradient. */
typedef struct {
    int n, k, h, w;
    const float *act;
    const float *grad;
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

/* The shared end of a method: the raw map acc (h*w, double) through a ReLU and divided by its
 * maximum into map, as Grad-CAM does (viz_gradcam_map). A map that is all <= 0 becomes all
 * zeros with *all_nonpositive = 1 (else 0). */
void cam_finish(const double *acc, size_t hw, float *map, int *all_nonpositive);
/* 1 (with the error set) when `in` is not a usable input of one item. */
int cam_bad_input(const cam_input *in);

/* The method named `name`, NULL when none. */
const cam_method *cam_find(const char *name);

#endif

/* cam.h — the class-activation-map method table: each method is one row (and one small file)
 * turning a layer's activation and the class score's gradient there into a map. cam.c runs
 * the forward / backward passes they share. */
#ifndef CLVIS_EXPLAIN_CAM_H
#define CLVIS_EXPLAIN_CAM_H

#include "clvis.h"

/* What a method sees: one item's activation A (k, h, w, channel-major) at the chosen layer
 * and d(score)/dA for n items (n, k, h, w). */
typedef struct {
    int n, k, h, w;
    const float *act;
    const float *grad;
} cam_input;

typedef struct {
    const char *name;    /* the --method name */
    const char *summary; /* one line: what it computes, after whom */
    int logit;           /* 1: the score is the pre-softmax logit; 0: the model's output */
    /* map: h*w floats in [0, 1]; *all_nonpositive = 1 when nothing survived the ReLU. */
    clvis_status (*map)(const cam_input *in, float *map, int *all_nonpositive);
} cam_method;

/* cam_gradcam.c */
extern const cam_method cam_gradcam_book, cam_gradcam_paper;

/* The method named `name`, NULL when none. */
const cam_method *cam_find(const char *name);

#endif

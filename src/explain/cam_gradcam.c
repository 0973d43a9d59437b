/* cam_gradcam.c — Grad-CAM, the first two rows of the method table: the book's listing 5.42
 * (post-softmax probability, channel-mean of alpha_k * A_k) and Selvaraju et al.'s paper
 * (pre-softmax logit, channel sum). alpha_k is the gradient's mean over items and pixels. */
#include "explain/cam.h"
#include "viz/book.h"

static clvis_status book_map(const cam_input *in, float *map, int *all_nonpositive)
{
    return viz_gradcam_map(map, in->act, in->grad, in->n, in->k, in->h, in->w, VIZ_CAM_BOOK,
                           all_nonpositive);
}

static clvis_status paper_map(const cam_input *in, float *map, int *all_nonpositive)
{
    return viz_gradcam_map(map, in->act, in->grad, in->n, in->k, in->h, in->w, VIZ_CAM_SUM,
                           all_nonpositive);
}

const cam_method cam_gradcam_book = {
    "gradcam", "the book: gradient of the post-softmax probability, channel-mean weights", 0,
    book_map};

const cam_method cam_gradcam_paper = {
    "gradcam-paper", "Selvaraju et al.: gradient of the pre-softmax logit, channel sum", 1,
    paper_map};

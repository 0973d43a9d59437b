/* cam_scorecam.c — Score-CAM (Wang et al. 2020), a row of the method table, as pytorch-grad-cam's
 * ScoreCAM computes it: each channel map A_k of the layer is upsampled to the input size
 * (bilinear with align_corners = True, torch.nn.UpsamplingBilinear2d), normalised to [0, 1] by
 * its own min and max ((u - min) / (max - min + 1e-8)), and multiplies the input (every input
 * channel); the masked inputs run forward in device batches, s_k = the model's output for the
 * class (pytorch-grad-cam's ClassifierOutputTarget: no softmax of its own; the logit with
 * --score logit), w = softmax over the channels of s, map = relu(sum_k w_k A_k) / max. The
 * paper's baseline score f(X_b) is one constant over the channels, which the softmax cancels;
 * the score without a softmax of its own and the mask interpolation are the peer's choices. */
#include <math.h>
#include <stdlib.h>

#include "core/error.h"
#include "explain/cam.h"
#include "explain/explain.h"

/* torch.nn.UpsamplingBilinear2d of one (h, w) map to (H, W): align_corners = True. */
static void upsample(const float *a, int h, int w, float *u, int H, int W)
{
    double sy = H > 1 ? (double)(h - 1) / (H - 1) : 0.0;
    double sx = W > 1 ? (double)(w - 1) / (W - 1) : 0.0;
    for (int Y = 0; Y < H; Y++) {
        double fy = Y * sy;
        int y0 = (int)fy, y1 = y0 + 1 < h ? y0 + 1 : h - 1;
        double ty = fy - y0;
        for (int X = 0; X < W; X++) {
            double fx = X * sx;
            int x0 = (int)fx, x1 = x0 + 1 < w ? x0 + 1 : w - 1;
            double tx = fx - x0;
            double top = a[y0 * w + x0] * (1.0 - tx) + a[y0 * w + x1] * tx;
            double bot = a[y1 * w + x0] * (1.0 - tx) + a[y1 * w + x1] * tx;
            u[(size_t)Y * W + X] = (float)(top * (1.0 - ty) + bot * ty);
        }
    }
}

/* The masked input of channel ch into item (NHWC): x * normalised upsampled A_ch. */
static void masked(const cam_input *in, int ch, shape3 is, float *mask, float *item)
{
    size_t HW = (size_t)is.h * is.w;
    upsample(in->act + (size_t)ch * in->h * in->w, in->h, in->w, mask, is.h, is.w);
    float lo = mask[0], hi = mask[0];
    for (size_t p = 1; p < HW; p++) {
        lo = mask[p] < lo ? mask[p] : lo;
        hi = mask[p] > hi ? mask[p] : hi;
    }
    for (size_t p = 0; p < HW; p++) {
        float m = (mask[p] - lo) / (hi - lo + 1e-8f);
        for (int c = 0; c < is.c; c++)
            item[p * is.c + c] = in->x[p * is.c + c] * m;
    }
}

static clvis_status scorecam_map(const cam_input *in, float *map, int *all_nonpositive)
{
    if (cam_bad_input(in))
        return CLVIS_ERR_INVALID_ARG;
    if (!in->g || !in->x)
        return err_set(CLVIS_ERR_INVALID_ARG, "scorecam: no graph or input");
    if (in->score_node < 0)
        return cam_scores(in, 0, NULL, NULL); /* the error: no batch score */
    graph *g = in->g;
    shape3 is = graph_node_shape(g, 0), os = graph_node_shape(g, in->score_node);
    size_t item = (size_t)is.c * is.h * is.w, ncls = (size_t)os.c * os.h * os.w;
    size_t hw = (size_t)in->h * in->w;
    int k = in->k, B = cam_batch(g, k, in->batch);
    float *xs = malloc((size_t)B * item * sizeof *xs), *y = malloc((size_t)B * ncls * sizeof *y);
    float *mask = malloc((size_t)is.h * is.w * sizeof *mask);
    double *s = malloc((size_t)k * sizeof *s), *acc = malloc(hw * sizeof *acc);
    clvis_status st = CLVIS_OK;
    if (!xs || !y || !mask || !s || !acc) {
        st = err_set(CLVIS_ERR_NO_MEMORY, "scorecam: out of memory");
        goto done;
    }
    if ((st = graph_plan(g, B)))
        goto done;
    for (int c0 = 0; c0 < k; c0 += B) {
        int nb = k - c0 < B ? k - c0 : B;
        for (int b = 0; b < B; b++) /* padded with the batch's first mask (ignored) */
            masked(in, c0 + (b < nb ? b : 0), is, mask, xs + (size_t)b * item);
        if ((st = graph_set_input(g, LAYOUT_NHWC, xs)) ||
            (st = graph_forward(g, in->score_node)) || (st = cam_scores(in, nb, y, s + c0)))
            goto done;
        viz_say(in->progress, in->progress_user, "scorecam: %d/%d masked inputs (batch %d)",
                c0 + nb, k, B);
    }
    double mx = s[0], sum = 0.0;
    for (int c = 1; c < k; c++)
        mx = s[c] > mx ? s[c] : mx;
    for (int c = 0; c < k; c++)
        sum += (s[c] = exp(s[c] - mx));
    for (int c = 0; c < k; c++)
        s[c] /= sum;
    cam_weighted_sum(in, s, acc);
    cam_finish(acc, hw, map, all_nonpositive);
done:
    free(xs), free(y), free(mask), free(s), free(acc);
    return st;
}

const cam_method cam_scorecam = {
    "scorecam",
    "Wang et al.: softmax over channels of the output for the input masked by each upsampled map",
    0, scorecam_map};

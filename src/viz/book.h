/* book.h — the host-side post-processing of "Deep Learning with Python" §5.4, numerically as in
 * listings 5.31 (activation grids), 5.37/5.39 (filter patterns), 5.42/5.44 (Grad-CAM). */
#ifndef CLVIS_VIZ_BOOK_H
#define CLVIS_VIZ_BOOK_H

#include "core/error.h"
#include "io/image.h"

/* ---- listing 5.31: activation grid ---------------------------------------------------------- */
#define VIZ_IMAGES_PER_ROW 16

typedef struct {
    int dead;             /* channels with std 0 (all channels of the layer), drawn flat (128) */
    double zero_fraction; /* exact zeros / (c*h*w), the book's sparsity note */
} viz_act_stats;

/* Grid of one layer: 16 channels per row, c / 16 rows (the remainder is not drawn, as in the
 * book): *gw = 16*w, *gh = (c/16)*h. CLVIS_ERR_SHAPE when c < 16. */
clvis_status viz_act_grid_size(int c, int h, int w, int *gw, int *gh);

/* act: one item, channel-major (c, h, w). grid: gw*gh bytes. Channel col*16 + row goes to grid
 * row `col`, column `row`, standardised as x -= mean; x /= std; x *= 64; x += 128; clip(0,255);
 * uint8 (mean/std in double, population std, then the arithmetic in float32 as numpy does on a
 * float32 activation). A channel with std 0 is drawn 128 and counted in stats->dead. */
clvis_status viz_act_grid(unsigned char *grid, const float *act, int c, int h, int w,
                          viz_act_stats *stats);

/* imshow(gray, cmap='viridis'): min-max normalise in double ((v - min) / (max - min); constant
 * image -> 0), LUT index floor(v * 256) clamped to 255. out: allocated w x h RGB. */
clvis_status viz_viridis_u8(image8 *out, const unsigned char *gray, int w, int h);

/* plt.matshow(map): the h x w float map, min-max normalised like viz_viridis_u8, upscaled by the
 * smallest integer factor that makes the longer side >= min_side (nearest). */
clvis_status viz_map_viridis(image8 *out, const float *map, int h, int w, int min_side);

/* ---- listings 5.37 / 5.39: filter patterns ------------------------------------------------- */

/* deprocess_image over all pixels and channels together: x -= mean; x /= std + 1e-5; x *= 0.1;
 * x += 0.5; clip(0,1); x *= 255; clip(0,255); uint8, in double. out: h*w*c interleaved bytes,
 * channel order kept. _chw reads channel-major (c, h, w) input, _hwc interleaved input. */
clvis_status viz_deprocess_chw(unsigned char *out, const float *x, int c, int h, int w);
clvis_status viz_deprocess_hwc(unsigned char *out, const float *x, int h, int w, int c);

/* Side of the 8x8 grid: 8*size + 7*margin (547 for 64 and 5). */
int viz_filter_grid_side(int size, int margin);

/* The grid of n patterns (n >= 1): min(n, 8) rows and ceil(n / 8) columns, pattern k at row
 * k % 8, column k / 8 (listing 5.39's order): 64 -> the book's 8x8, 32 -> 8 rows x 4 columns,
 * 5 -> one column of 5; only the last column can have empty (black) cells. */
void viz_filter_grid_dims(int n, int *rows, int *cols);

/* patterns: n patterns of size x size x 3 bytes, pattern k at patterns + k*size*size*3.
 * Pattern i + 8*j goes to grid row i, column j (listing 5.39's horizontal_start =
 * i*(size+margin) indexes rows), in a grid of viz_filter_grid_dims(n): (rows*size +
 * (rows-1)*margin) high, (cols*size + (cols-1)*margin) wide. out: allocated RGB. */
clvis_status viz_filter_grid(image8 *out, const unsigned char *patterns, int n, int size,
                             int margin);

/* ---- listings 5.42 / 5.44: Grad-CAM ------------------------------------------------------- */
typedef enum {
    VIZ_CAM_BOOK = 0, /* map = mean over channels of alpha_k * A_k */
    VIZ_CAM_SUM = 1   /* the paper (--score logit): sum over channels */
} viz_cam_mode;

/* act: one item's activation (k, h, w); grad: dScore/dA for n items (n, k, h, w).
 * alpha_k = mean of grad over n, rows, cols; map = mean (or sum) over k of alpha_k * act_k;
 * ReLU; divide by the max, all in double. A map that is all <= 0 becomes all zeros and
 * *all_nonpositive = 1 (else 0). map: h*w floats. */
clvis_status viz_gradcam_map(float *map, const float *act, const float *grad, int n, int k, int h,
                             int w, viz_cam_mode mode, int *all_nonpositive);

/* Listing 5.44 on an RGB image: map (mh x mw) resized to the image with cv2 INTER_LINEAR,
 * h8 = uint8(255 * map) (float32, truncated), JET colour, out = rint(0.4 * jet + img) saturated
 * to [0,255] in double. The book works in BGR; this is the same picture in RGB order.
 * out: allocated, same size as img (c = 3). */
clvis_status viz_overlay(image8 *out, const image8 *img, const float *map, int mh, int mw);

#endif

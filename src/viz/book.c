/* book.c — the book's numpy/cv2 post-processing in C: channel standardisation and grids, viridis
 * display, deprocess_image, the filter grid, the Grad-CAM map and the JET overlay. */
#include "viz/book.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/resize.h"
#include "viz/colormap.h"

/* ---- activation grid -------------------------------------------------------------------- */

clvis_status viz_act_grid_size(int c, int h, int w, int *gw, int *gh)
{
    if (c < VIZ_IMAGES_PER_ROW || h <= 0 || w <= 0)
        return err_set(CLVIS_ERR_SHAPE,
                       "activation grid: %d channels of %dx%d (need at least %d channels)", c, h,
                       w, VIZ_IMAGES_PER_ROW);
    *gw = VIZ_IMAGES_PER_ROW * w;
    *gh = (c / VIZ_IMAGES_PER_ROW) * h;
    return CLVIS_OK;
}

static unsigned char book_to_u8_float(float x)
{
    if (!(x > 0.f)) /* also NaN, which numpy's astype(uint8) turns into 0 on x86 */
        return 0;
    if (x > 255.f)
        x = 255.f;
    return (unsigned char)x;
}

clvis_status viz_act_grid(unsigned char *grid, const float *act, int c, int h, int w,
                          viz_act_stats *stats)
{
    int gw = 0, gh = 0;
    clvis_status st = viz_act_grid_size(c, h, w, &gw, &gh);
    if (st != CLVIS_OK)
        return st;
    if (!grid || !act)
        return err_set(CLVIS_ERR_INVALID_ARG, "activation grid: NULL buffer");
    size_t hw = (size_t)h * w;
    int dead = 0;
    size_t zeros = 0;
    int drawn = (c / VIZ_IMAGES_PER_ROW) * VIZ_IMAGES_PER_ROW;
    for (int ch = 0; ch < c; ch++) {
        const float *x = act + (size_t)ch * hw;
        double sum = 0.0;
        for (size_t i = 0; i < hw; i++) {
            sum += x[i];
            zeros += x[i] == 0.0f;
        }
        double mean = sum / (double)hw, ss = 0.0;
        for (size_t i = 0; i < hw; i++) {
            double d = x[i] - mean;
            ss += d * d;
        }
        double sd = sqrt(ss / (double)hw);
        if (sd == 0.0)
            dead++;
        if (ch >= drawn)
            continue;
        int col = ch / VIZ_IMAGES_PER_ROW, row = ch % VIZ_IMAGES_PER_ROW;
        float mf = (float)mean, sf = (float)sd;
        for (int y = 0; y < h; y++) {
            unsigned char *g = grid + (size_t)(col * h + y) * gw + (size_t)row * w;
            for (int xx = 0; xx < w; xx++) {
                float v = x[(size_t)y * w + xx] - mf;
                if (sd != 0.0)
                    v /= sf;
                v *= 64.f;
                v += 128.f;
                g[xx] = book_to_u8_float(v);
            }
        }
    }
    if (stats) {
        stats->dead = dead;
        stats->zero_fraction = (double)zeros / ((double)hw * c);
    }
    return CLVIS_OK;
}

/* ---- viridis display (imshow / matshow) ---------------------------------------------------- */

/* matplotlib: v = (x - vmin) / (vmax - vmin) (0 when constant); index = int(v * N), N -> N-1. */
static const unsigned char *book_viridis(double x, double lo, double hi)
{
    double v = hi > lo ? (x - lo) / (hi - lo) : 0.0;
    v *= 256.0;
    int i = v < 0.0 ? 0 : v >= 255.0 ? 255 : (int)v;
    return cmap_viridis[i];
}

clvis_status viz_viridis_u8(image8 *out, const unsigned char *gray, int w, int h)
{
    if (!gray)
        return err_set(CLVIS_ERR_INVALID_ARG, "viridis: NULL image");
    clvis_status st = image_alloc(out, w, h, 3);
    if (st != CLVIS_OK)
        return st;
    size_t n = (size_t)w * h;
    unsigned char lo = 255, hi = 0;
    for (size_t i = 0; i < n; i++) {
        lo = gray[i] < lo ? gray[i] : lo;
        hi = gray[i] > hi ? gray[i] : hi;
    }
    for (size_t i = 0; i < n; i++)
        memcpy(out->px + 3 * i, book_viridis(gray[i], lo, hi), 3);
    return CLVIS_OK;
}

clvis_status viz_map_viridis(image8 *out, const float *map, int h, int w, int min_side)
{
    if (!map || h <= 0 || w <= 0)
        return err_set(CLVIS_ERR_INVALID_ARG, "map picture: bad map %dx%d", h, w);
    int longer = h > w ? h : w;
    int f = min_side > longer ? (min_side + longer - 1) / longer : 1;
    clvis_status st = image_alloc(out, w * f, h * f, 3);
    if (st != CLVIS_OK)
        return st;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < (size_t)h * w; i++) {
        lo = map[i] < lo ? map[i] : lo;
        hi = map[i] > hi ? map[i] : hi;
    }
    for (int y = 0; y < h * f; y++)
        for (int x = 0; x < w * f; x++)
            memcpy(out->px + 3 * ((size_t)y * w * f + x),
                   book_viridis(map[(size_t)(y / f) * w + x / f], lo, hi), 3);
    return CLVIS_OK;
}

/* ---- deprocess_image and the filter grid ---------------------------------------------------- */

static unsigned char book_deprocess_one(double x, double mean, double sd)
{
    x -= mean;
    x /= sd + 1e-5;
    x *= 0.1;
    x += 0.5;
    x = x < 0.0 ? 0.0 : x > 1.0 ? 1.0 : x;
    x *= 255.0;
    x = x < 0.0 ? 0.0 : x > 255.0 ? 255.0 : x;
    return (unsigned char)x;
}

static clvis_status book_deprocess(unsigned char *out, const float *x, int c, int h, int w,
                                   int chw)
{
    if (!out || !x || c <= 0 || h <= 0 || w <= 0)
        return err_set(CLVIS_ERR_INVALID_ARG, "deprocess_image: bad image %dx%dx%d", h, w, c);
    size_t n = (size_t)c * h * w, hw = (size_t)h * w;
    double sum = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    double mean = sum / (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    double sd = sqrt(ss / (double)n);
    for (size_t p = 0; p < hw; p++)
        for (int k = 0; k < c; k++)
            out[p * c + k] = book_deprocess_one(chw ? x[k * hw + p] : x[p * c + k], mean, sd);
    return CLVIS_OK;
}

clvis_status viz_deprocess_chw(unsigned char *out, const float *x, int c, int h, int w)
{
    return book_deprocess(out, x, c, h, w, 1);
}

clvis_status viz_deprocess_hwc(unsigned char *out, const float *x, int h, int w, int c)
{
    return book_deprocess(out, x, c, h, w, 0);
}

int viz_filter_grid_side(int size, int margin)
{
    return 8 * size + 7 * margin;
}

void viz_filter_grid_dims(int n, int *rows, int *cols)
{
    *rows = n < 8 ? n : 8;
    *cols = (n + 7) / 8;
}

clvis_status viz_filter_grid(image8 *out, const unsigned char *patterns, int n, int size,
                             int margin)
{
    if (!patterns || n < 1 || size <= 0 || margin < 0)
        return err_set(CLVIS_ERR_INVALID_ARG, "filter grid: bad arguments (n %d, size %d)", n,
                       size);
    int rows, cols;
    viz_filter_grid_dims(n, &rows, &cols);
    int gh = rows * size + (rows - 1) * margin, gw = cols * size + (cols - 1) * margin;
    clvis_status st = image_alloc(out, gw, gh, 3);
    if (st != CLVIS_OK)
        return st;
    size_t row_bytes = (size_t)size * 3;
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
            int f = i + 8 * j;
            if (f >= n)
                continue;
            int r0 = i * size + i * margin; /* horizontal_start: a row offset, as in 5.39 */
            int c0 = j * size + j * margin; /* vertical_start: a column offset */
            const unsigned char *p = patterns + (size_t)f * size * size * 3;
            for (int y = 0; y < size; y++)
                memcpy(out->px + ((size_t)(r0 + y) * gw + c0) * 3, p + y * row_bytes,
                       row_bytes);
        }
    }
    return CLVIS_OK;
}

/* ---- Grad-CAM ------------------------------------------------------------------------------ */

clvis_status viz_gradcam_map(float *map, const float *act, const float *grad, int n, int k, int h,
                             int w, viz_cam_mode mode, int *all_nonpositive)
{
    if (!map || !act || !grad || n <= 0 || k <= 0 || h <= 0 || w <= 0)
        return err_set(CLVIS_ERR_INVALID_ARG, "grad-cam: bad shape n %d k %d %dx%d", n, k, h, w);
    size_t hw = (size_t)h * w;
    double *acc = calloc(hw, sizeof(double));
    if (!acc)
        return err_set(CLVIS_ERR_NO_MEMORY, "grad-cam: out of memory");
    for (int ch = 0; ch < k; ch++) {
        double alpha = 0.0;
        for (int b = 0; b < n; b++) {
            const float *g = grad + ((size_t)b * k + ch) * hw;
            for (size_t i = 0; i < hw; i++)
                alpha += g[i];
        }
        alpha /= (double)n * (double)hw;
        const float *a = act + (size_t)ch * hw;
        for (size_t i = 0; i < hw; i++)
            acc[i] += alpha * a[i];
    }
    double mx = 0.0;
    for (size_t i = 0; i < hw; i++) {
        if (mode == VIZ_CAM_BOOK)
            acc[i] /= (double)k;
        if (!(acc[i] > 0.0))
            acc[i] = 0.0;
        mx = acc[i] > mx ? acc[i] : mx;
    }
    for (size_t i = 0; i < hw; i++)
        map[i] = mx > 0.0 ? (float)(acc[i] / mx) : 0.0f;
    if (all_nonpositive)
        *all_nonpositive = !(mx > 0.0);
    free(acc);
    return CLVIS_OK;
}

clvis_status viz_overlay(image8 *out, const image8 *img, const float *map, int mh, int mw)
{
    if (!img || !img->px || img->c != 3 || !map || mh <= 0 || mw <= 0)
        return err_set(CLVIS_ERR_INVALID_ARG, "overlay: need an RGB image and a map");
    size_t n = (size_t)img->w * img->h;
    float *big = malloc(sizeof(float) * n);
    if (!big)
        return err_set(CLVIS_ERR_NO_MEMORY, "overlay: out of memory");
    clvis_status st = cv_resize_bilinear_f32(big, img->w, img->h, map, mw, mh, 1);
    if (st == CLVIS_OK)
        st = image_alloc(out, img->w, img->h, 3);
    if (st != CLVIS_OK) {
        free(big);
        return st;
    }
    for (size_t i = 0; i < n; i++) {
        const unsigned char *jet = cmap_jet_bgr[book_to_u8_float(255.0f * big[i])];
        for (int ch = 0; ch < 3; ch++) {
            double v = rint(jet[2 - ch] * 0.4 + (double)img->px[3 * i + ch]);
            out->px[3 * i + ch] = (unsigned char)(v < 0.0 ? 0.0 : v > 255.0 ? 255.0 : v);
        }
    }
    free(big);
    return CLVIS_OK;
}

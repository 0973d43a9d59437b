/* sal_image.c — a saliency result as pictures: the map (grayscale, or blue-white-red when
 * signed, or the attribution itself as RGB through deprocess_image for guided backprop) and
 * the JET overlay of |map| on the photo. */
#include <math.h>
#include <stdlib.h>

#include "core/error.h"
#include "viz/book.h"

/* matplotlib's bwr at t in [0, 1]: blue (0, 0, 1), white at 0.5, red (1, 0, 0), linear. */
static void bwr(double t, unsigned char *px)
{
    t = t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
    double r = t < 0.5 ? 2.0 * t : 1.0, g = t < 0.5 ? 2.0 * t : 2.0 - 2.0 * t,
           b = t < 0.5 ? 1.0 : 2.0 - 2.0 * t;
    px[0] = (unsigned char)lrint(r * 255.0);
    px[1] = (unsigned char)lrint(g * 255.0);
    px[2] = (unsigned char)lrint(b * 255.0);
}

clvis_status clvis_saliency_image(clvis_image *out, const clvis_saliency_result *r, int min_side)
{
    if (!out || !r || !r->map || !r->attr || r->h < 1 || r->w < 1 || r->c < 1)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_saliency_image: no result");
    int h = r->h, w = r->w, side = h > w ? h : w, f = 1;
    while (side * f < min_side)
        f++;
    int rgb = r->rgb && r->c == 3, oc = rgb || r->map_signed ? 3 : 1;
    unsigned char *src = malloc((size_t)h * w * oc);
    if (!src)
        return err_set(CLVIS_ERR_NO_MEMORY, "saliency image: out of memory");
    clvis_status st = CLVIS_OK;
    if (rgb)
        st = viz_deprocess_hwc(src, r->attr, h, w, 3);
    else
        for (size_t p = 0; p < (size_t)h * w; p++) {
            if (r->map_signed)
                bwr(0.5 * (r->map[p] + 1.0), src + p * 3);
            else {
                double v = r->map[p] < 0.0f ? 0.0 : r->map[p] > 1.0f ? 1.0 : r->map[p];
                src[p] = (unsigned char)lrint(v * 255.0);
            }
        }
    if (!st)
        st = image_alloc(out, w * f, h * f, oc);
    if (!st)
        for (int y = 0; y < h * f; y++)
            for (int x = 0; x < w * f; x++)
                for (int k = 0; k < oc; k++)
                    out->px[((size_t)y * w * f + x) * oc + k] =
                        src[((size_t)(y / f) * w + x / f) * oc + k];
    free(src);
    return st;
}

clvis_status clvis_saliency_overlay(clvis_image *out, const clvis_image *photo,
                                    const clvis_saliency_result *r)
{
    if (!out || !photo || !r || !r->map)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_saliency_overlay: NULL argument");
    size_t hw = (size_t)r->h * r->w;
    float *m = malloc(hw * sizeof *m);
    if (!m)
        return err_set(CLVIS_ERR_NO_MEMORY, "saliency overlay: out of memory");
    for (size_t p = 0; p < hw; p++)
        m[p] = fabsf(r->map[p]);
    clvis_status st = viz_overlay(out, photo, m, r->h, r->w);
    free(m);
    return st;
}

/* image.c — the public image calls (clvis_image_*) and the Grad-CAM picture helpers, over
 * src/io and src/viz. */
#include "clvis.h"
#include "io/image.h"
#include "viz/book.h"

clvis_status clvis_image_load(const char *path, clvis_image *img)
{
    if (!path || !img)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_image_load: NULL argument");
    return image_load(path, img);
}

clvis_status clvis_image_set_max_pixels(long n)
{
    return image_set_max_pixels(n);
}

long clvis_image_max_pixels(void)
{
    return image_max_pixels();
}

void clvis_image_free(clvis_image *img)
{
    image_free(img);
}

clvis_status clvis_image_write_png(const char *path, const clvis_image *img)
{
    if (!path || !img)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_image_write_png: NULL argument");
    return image_write_png(path, img);
}

clvis_status clvis_image_write_jpeg(const char *path, const clvis_image *img, int quality)
{
    if (!path || !img)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_image_write_jpeg: NULL argument");
    return image_write_jpeg(path, img, quality);
}

clvis_status clvis_gradcam_overlay(clvis_image *out, const clvis_image *photo, const float *map,
                                   int mh, int mw)
{
    if (!out || !photo || !map)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_gradcam_overlay: NULL argument");
    return viz_overlay(out, photo, map, mh, mw);
}

clvis_status clvis_map_image(clvis_image *out, const float *map, int h, int w, int min_side)
{
    if (!out || !map)
        return err_set(CLVIS_ERR_INVALID_ARG, "clvis_map_image: NULL argument");
    return viz_map_viridis(out, map, h, w, min_side);
}

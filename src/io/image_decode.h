/* image_decode.h — the decoders behind image_decode (image.c), one file per format, each on
 * the whole file in memory. Each checks the declared size with image_check_size before it
 * allocates, returns RGB (c = 3) and names the file in every error. */
#ifndef CLVIS_IO_IMAGE_DECODE_H
#define CLVIS_IO_IMAGE_DECODE_H

#include <stddef.h>

#include "io/image.h"

/* CLVIS_OK, or CLVIS_ERR_FORMAT: empty, a side over IMAGE_MAX_SIDE, or more pixels than
 * image_max_pixels() — the message gives the declared size. */
clvis_status image_check_size(const char *path, const char *kind, long w, long h);

clvis_status image_decode_webp(const char *path, const unsigned char *data, size_t n,
                               image8 *img);
clvis_status image_decode_tiff(const char *path, const unsigned char *data, size_t n,
                               image8 *img);
clvis_status image_decode_bmp(const char *path, const unsigned char *data, size_t n,
                              image8 *img);

#endif

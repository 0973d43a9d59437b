/* image.h — 8-bit interleaved images: PNG, JPEG, WebP, TIFF and BMP decoding (by magic bytes)
 * and atomic writing. */
#ifndef CLVIS_IO_IMAGE_H
#define CLVIS_IO_IMAGE_H

#include "clvis.h"
#include "core/error.h"

/* The public clvis_image (clvis.h): interleaved rows, top to bottom, c = 3 (RGB) unless stated;
 * px holds w*h*c bytes (malloc'd; release with image_free). */
typedef clvis_image image8;

/* Sizes larger than these are refused before anything is allocated: a side over
 * IMAGE_MAX_SIDE always, more pixels than image_max_pixels() (default IMAGE_MAX_PIXELS,
 * settable up to IMAGE_MAX_SIDE^2) when decoding. */
#define IMAGE_MAX_SIDE 16384
#define IMAGE_MAX_PIXELS 100000000L
#define IMAGE_MAX_PIXELS_CEIL ((long)IMAGE_MAX_SIDE * IMAGE_MAX_SIDE)

/* The decoders' pixel limit (process-wide; clvis_image_set_max_pixels). set: 1..CEIL, else
 * CLVIS_ERR_INVALID_ARG. */
long image_max_pixels(void);
clvis_status image_set_max_pixels(long n);

/* Allocates a zeroed w x h x c image. */
clvis_status image_alloc(image8 *img, int w, int h, int c);

/* Decodes a PNG, JPEG (also CMYK / YCCK), WebP, TIFF or BMP file (detected by its magic
 * bytes, never by its name) into RGB (c = 3), as PIL's Image.open(path).convert('RGB') does:
 * gray is replicated, alpha dropped, palette expanded, 16-bit samples reduced to 8 bits (see
 * image.c for PIL's 16-bit gray quirk), CMYK converted as PIL does (Adobe's inverted samples).
 * Errors name the file: CLVIS_ERR_IO (unreadable), CLVIS_ERR_FORMAT (not an image, corrupt,
 * truncated, a variant that is not read, a declared size over the limits, with the size),
 * CLVIS_ERR_NO_MEMORY. On failure *img is zeroed. */
clvis_status image_load(const char *path, image8 *img);
/* The same on bytes in memory; path only names them in messages. */
clvis_status image_decode(const char *path, const unsigned char *data, size_t n, image8 *img);

/* Frees the pixels and zeroes *img; NULL or an empty image is a no-op. */
void image_free(image8 *img);

/* Atomic writers ("<path>.tmp.<pid>", fsync, rename; nothing left at path on failure).
 * PNG: c = 1, 3 or 4. JPEG: c = 1 or 3, quality 1..100, 4:2:0 chroma subsampling. */
clvis_status image_write_png(const char *path, const image8 *img);
clvis_status image_write_jpeg(const char *path, const image8 *img, int quality);

#endif

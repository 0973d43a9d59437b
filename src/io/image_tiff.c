/* image_tiff.c — TIFF decoding (Debian's libtiff, from memory) to RGB: the first image of the
 * file through libtiff's RGBA interface (any photometric, bit depth, compression, strips or
 * tiles that it converts), alpha dropped. libtiff's messages are captured, never printed;
 * its single allocations are capped. Unassociated alpha is dropped without premultiplying, as
 * PIL's convert('RGB') drops it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#include "io/image_decode.h"

typedef struct {
    const unsigned char *data;
    size_t n, pos;
    char msg[256];
} tiff_mem;

static tmsize_t mem_read(thandle_t h, void *buf, tmsize_t len)
{
    tiff_mem *m = h;
    if (len < 0)
        return -1;
    size_t left = m->pos < m->n ? m->n - m->pos : 0, k = (size_t)len < left ? (size_t)len : left;
    memcpy(buf, m->data + m->pos, k);
    m->pos += k;
    return (tmsize_t)k;
}

static tmsize_t mem_write(thandle_t h, void *buf, tmsize_t len)
{
    (void)h, (void)buf, (void)len;
    return -1;
}

static toff_t mem_seek(thandle_t h, toff_t off, int whence)
{
    tiff_mem *m = h;
    uint64_t base = whence == SEEK_CUR ? m->pos : whence == SEEK_END ? m->n : 0;
    if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
        return (toff_t)-1;
    /* off is unsigned: a negative SEEK_CUR / SEEK_END offset wraps, as lseek's would */
    uint64_t to = base + (uint64_t)off;
    if (to > (uint64_t)1 << 40)
        return (toff_t)-1;
    m->pos = (size_t)to;
    return to;
}

static int mem_close(thandle_t h)
{
    (void)h;
    return 0;
}

static toff_t mem_size(thandle_t h)
{
    return ((tiff_mem *)h)->n;
}

static int on_error(TIFF *t, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)t;
    tiff_mem *m = user;
    if (!m->msg[0]) { /* the first error says most */
        char text[200];
        vsnprintf(text, sizeof text, fmt, ap);
        snprintf(m->msg, sizeof m->msg, "%s%s%s", module ? module : "", module ? ": " : "",
                 text);
    }
    return 1;
}

static int on_warning(TIFF *t, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)t, (void)user, (void)module, (void)fmt, (void)ap;
    return 1;
}

clvis_status image_decode_tiff(const char *path, const unsigned char *data, size_t n,
                               image8 *img)
{
    tiff_mem m = {.data = data, .n = n};
    TIFFOpenOptions *opt = TIFFOpenOptionsAlloc();
    if (!opt)
        return err_set(CLVIS_ERR_NO_MEMORY, "%s: cannot start the TIFF decoder", path);
    TIFFOpenOptionsSetErrorHandlerExtR(opt, on_error, &m);
    TIFFOpenOptionsSetWarningHandlerExtR(opt, on_warning, &m);
    /* one strip, tile or table no larger than the largest RGBA raster the limits allow */
    TIFFOpenOptionsSetMaxSingleMemAlloc(opt, (tmsize_t)IMAGE_MAX_PIXELS_CEIL * 4);
    /* "m": no memory mapping (there is no file) */
    TIFF *t = TIFFClientOpenExt(path, "rm", &m, mem_read, mem_write, mem_seek, mem_close,
                                mem_size, NULL, NULL, opt);
    TIFFOpenOptionsFree(opt);
    if (!t)
        return err_set(CLVIS_ERR_FORMAT, "%s: corrupt TIFF: %s", path,
                       m.msg[0] ? m.msg : "cannot read its header");
    uint32_t w = 0, h = 0;
    clvis_status st;
    if (!TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h))
        st = err_set(CLVIS_ERR_FORMAT, "%s: TIFF without a width or height", path);
    else
        st = image_check_size(path, "TIFF", (long)w, (long)h);
    /* unassociated alpha: libtiff's RGBA interface would premultiply the colours by it; PIL's
     * convert('RGB') drops it. Marked associated, the colours come through as stored. */
    uint16_t nextra = 0, *extra = NULL;
    if (st == CLVIS_OK && TIFFGetField(t, TIFFTAG_EXTRASAMPLES, &nextra, &extra) && nextra >= 1 &&
        extra[0] == EXTRASAMPLE_UNASSALPHA) {
        uint16_t fixed[8] = {0};
        int k = nextra < 8 ? nextra : 8;
        memcpy(fixed, extra, (size_t)k * sizeof *fixed);
        fixed[0] = EXTRASAMPLE_ASSOCALPHA;
        TIFFSetField(t, TIFFTAG_EXTRASAMPLES, (uint16_t)k, fixed);
    }
    char why[1024];
    if (st == CLVIS_OK && !TIFFRGBAImageOK(t, why)) {
        /* why is libtiff's own reason, e.g. "Sorry, can not handle ..." */
        why[sizeof why - 1] = 0;
        st = err_set(CLVIS_ERR_FORMAT, "%s: TIFF variant that is not read: %s", path, why);
    }
    uint32_t *raster = NULL;
    if (st == CLVIS_OK && !(raster = malloc((size_t)w * h * sizeof *raster)))
        st = err_set(CLVIS_ERR_NO_MEMORY, "%s: out of memory for a %ux%u TIFF", path,
                     (unsigned)w, (unsigned)h);
    if (st == CLVIS_OK && !TIFFReadRGBAImageOriented(t, w, h, raster, ORIENTATION_TOPLEFT, 1))
        st = err_set(CLVIS_ERR_FORMAT, "%s: corrupt or truncated TIFF: %s", path,
                     m.msg[0] ? m.msg : "cannot decode the image");
    if (st == CLVIS_OK)
        st = image_alloc(img, (int)w, (int)h, 3);
    if (st == CLVIS_OK)
        for (size_t i = 0; i < (size_t)w * h; i++) {
            img->px[3 * i] = (unsigned char)TIFFGetR(raster[i]);
            img->px[3 * i + 1] = (unsigned char)TIFFGetG(raster[i]);
            img->px[3 * i + 2] = (unsigned char)TIFFGetB(raster[i]);
        }
    free(raster);
    TIFFClose(t);
    return st;
}

/* image.c — image_load / image_decode: the format by magic bytes, PNG (libpng) and JPEG
 * (libturbojpeg, CMYK and YCCK too) decoding to RGB, the pixel limit; and the atomic PNG/JPEG
 * writers. WebP, TIFF and BMP are in image_webp.c, image_tiff.c, image_bmp.c. Decoding follows
 * PIL's convert('RGB'), as Keras load_img uses. */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "io/image.h"

#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <unistd.h>

#include "io/atomic.h"
#include "io/image_decode.h"

#define IMAGE_MAX_FILE_BYTES (1L << 30)

clvis_status image_alloc(image8 *img, int w, int h, int c)
{
    if (!img)
        return err_set(CLVIS_ERR_INVALID_ARG, "image_alloc: NULL image");
    memset(img, 0, sizeof *img);
    if (w <= 0 || h <= 0 || c <= 0 || c > 4 || w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE)
        return err_set(CLVIS_ERR_INVALID_ARG, "image_alloc: bad size %dx%dx%d", w, h, c);
    img->px = calloc((size_t)w * (size_t)h, (size_t)c);
    if (!img->px)
        return err_set(CLVIS_ERR_NO_MEMORY, "image_alloc: out of memory for %dx%dx%d", w, h, c);
    img->w = w;
    img->h = h;
    img->c = c;
    return CLVIS_OK;
}

void image_free(image8 *img)
{
    if (!img)
        return;
    free(img->px);
    memset(img, 0, sizeof *img);
}

static _Atomic long max_pixels = IMAGE_MAX_PIXELS;

long image_max_pixels(void)
{
    return max_pixels;
}

clvis_status image_set_max_pixels(long n)
{
    if (n < 1 || n > IMAGE_MAX_PIXELS_CEIL)
        return err_set(CLVIS_ERR_INVALID_ARG, "image pixel limit %ld not in 1..%ld", n,
                       IMAGE_MAX_PIXELS_CEIL);
    max_pixels = n;
    return CLVIS_OK;
}

clvis_status image_check_size(const char *path, const char *kind, long w, long h)
{
    if (w <= 0 || h <= 0)
        return err_set(CLVIS_ERR_FORMAT, "%s: %s declares an empty image (%ldx%ld)", path, kind,
                       w, h);
    long lim = max_pixels;
    if (w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE)
        return err_set(CLVIS_ERR_FORMAT,
                       "%s: %s declares %ldx%ld pixels, over the limit of %d per side", path,
                       kind, w, h, IMAGE_MAX_SIDE);
    if (w * h > lim)
        return err_set(CLVIS_ERR_FORMAT,
                       "%s: %s declares %ldx%ld pixels (%.1f MP), over the limit of %ld pixels "
                       "(%.1f MP; --max-pixels)",
                       path, kind, w, h, (double)w * h / 1e6, lim, (double)lim / 1e6);
    return CLVIS_OK;
}

/* Reads the whole file into memory. */
static clvis_status image_read_file(const char *path, unsigned char **data, size_t *n)
{
    *data = NULL;
    *n = 0;
    /* O_NONBLOCK: a FIFO or a device never blocks the open; only regular files are read */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return err_set(CLVIS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return err_set(CLVIS_ERR_IO, "%s: not a regular file (%s): not read as an image", path,
                       S_ISFIFO(sb.st_mode)  ? "a FIFO"
                       : S_ISDIR(sb.st_mode) ? "a directory"
                       : S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode) ? "a device"
                                              : "not a plain file");
    }
    if (sb.st_size > IMAGE_MAX_FILE_BYTES) {
        close(fd);
        return err_set(CLVIS_ERR_FORMAT, "%s: file larger than %ld bytes", path,
                       IMAGE_MAX_FILE_BYTES);
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        return err_set(CLVIS_ERR_NO_MEMORY, "%s: cannot open: %s", path, strerror(errno));
    }
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return err_set(CLVIS_ERR_NO_MEMORY, "%s: out of memory", path);
    }
    for (;;) {
        if (len == cap) {
            if (cap >= (size_t)IMAGE_MAX_FILE_BYTES) {
                free(buf);
                fclose(f);
                return err_set(CLVIS_ERR_FORMAT, "%s: file larger than %ld bytes", path,
                               IMAGE_MAX_FILE_BYTES);
            }
            unsigned char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(f);
                return err_set(CLVIS_ERR_NO_MEMORY, "%s: out of memory", path);
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                int e = errno;
                free(buf);
                fclose(f);
                return err_set(CLVIS_ERR_IO, "%s: read error: %s", path, strerror(e));
            }
            break;
        }
    }
    fclose(f);
    *data = buf;
    *n = len;
    return CLVIS_OK;
}

/* ---- PNG ------------------------------------------------------------------------------------ */

typedef struct {
    const unsigned char *data;
    size_t n, pos;
    char msg[256];
    unsigned char *rows;  /* decoded rows, freed by the caller */
    png_bytep *rowp;      /* row pointers, freed by the caller */
} png_job;

static void png_on_error(png_structp png, png_const_charp msg)
{
    png_job *job = png_get_error_ptr(png);
    snprintf(job->msg, sizeof job->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void png_on_read(png_structp png, png_bytep out, png_size_t len)
{
    png_job *job = png_get_io_ptr(png);
    if (len > job->n - job->pos)
        png_error(png, "file is truncated");
    memcpy(out, job->data + job->pos, len);
    job->pos += len;
}

static clvis_status png_decode(const char *path, png_job *job, image8 *img)
{
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, job, png_on_error,
                                             png_on_warning);
    if (!png)
        return err_set(CLVIS_ERR_NO_MEMORY, "%s: out of memory", path);
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return err_set(CLVIS_ERR_NO_MEMORY, "%s: out of memory", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return err_set(CLVIS_ERR_FORMAT, "%s: corrupt PNG: %s", path, job->msg);
    }
    png_set_read_fn(png, job, png_on_read);
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff); /* our own limit is checked below */
    png_read_info(png, info);

    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int depth = png_get_bit_depth(png, info), type = png_get_color_type(png, info);
    clvis_status st = image_check_size(path, "PNG", (long)w, (long)h);
    if (st != CLVIS_OK) {
        png_destroy_read_struct(&png, &info, NULL);
        return st;
    }
    if (type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png); /* with tRNS this adds alpha, dropped below */
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    /* PIL reads 16-bit RGB(A) and gray+alpha by their high byte; 16-bit gray is mode I;16 whose
     * convert('RGB') clips the value to 255, reproduced below. */
    int gray16 = depth == 16 && type == PNG_COLOR_TYPE_GRAY;
    if (depth == 16 && !gray16)
        png_set_strip_16(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int ch = png_get_channels(png, info);
    int out_depth = png_get_bit_depth(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (ch < 1 || ch > 4 || (out_depth != 8 && !gray16) ||
        rowbytes < (size_t)w * (size_t)ch * (size_t)(out_depth / 8))
        png_error(png, "unexpected pixel layout after transforms");

    job->rows = malloc(rowbytes * h);
    job->rowp = malloc(sizeof(png_bytep) * h);
    if (!job->rows || !job->rowp) {
        png_destroy_read_struct(&png, &info, NULL);
        return err_set(CLVIS_ERR_NO_MEMORY, "%s: out of memory for %ux%u PNG", path,
                       (unsigned)w, (unsigned)h);
    }
    for (png_uint_32 y = 0; y < h; y++)
        job->rowp[y] = job->rows + rowbytes * y;
    png_read_image(png, job->rowp);
    png_destroy_read_struct(&png, &info, NULL);

    st = image_alloc(img, (int)w, (int)h, 3);
    if (st != CLVIS_OK)
        return err_wrap(st, "%s", path);
    for (png_uint_32 y = 0; y < h; y++) {
        const unsigned char *s = job->rowp[y];
        unsigned char *d = img->px + (size_t)y * w * 3;
        for (png_uint_32 x = 0; x < w; x++, d += 3) {
            if (gray16) {
                unsigned v = ((unsigned)s[2 * x] << 8) | s[2 * x + 1];
                d[0] = d[1] = d[2] = (unsigned char)(v > 255 ? 255 : v);
            } else if (ch <= 2) {
                d[0] = d[1] = d[2] = s[x * ch];
            } else {
                memcpy(d, s + x * ch, 3);
            }
        }
    }
    return CLVIS_OK;
}

/* ---- JPEG ----------------------------------------------------------------------------------- */

static clvis_status jpeg_decode(const char *path, const unsigned char *data, size_t n,
                                image8 *img)
{
    tjhandle tj = tjInitDecompress();
    if (!tj)
        return err_set(CLVIS_ERR_NO_MEMORY, "%s: cannot start JPEG decoder", path);
    int w = 0, h = 0, subsamp = 0, colorspace = 0;
    if (n > 0xffffffffUL ||
        tjDecompressHeader3(tj, data, (unsigned long)n, &w, &h, &subsamp, &colorspace) != 0) {
        clvis_status st = err_set(CLVIS_ERR_FORMAT, "%s: corrupt JPEG header: %s", path,
                                  tjGetErrorStr2(tj));
        tjDestroy(tj);
        return st;
    }
    clvis_status st = image_check_size(path, "JPEG", w, h);
    int cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
    unsigned char *k4 = NULL;
    if (st == CLVIS_OK)
        st = image_alloc(img, w, h, 3);
    if (st == CLVIS_OK && cmyk && !(k4 = malloc((size_t)w * (size_t)h * 4)))
        st = err_set(CLVIS_ERR_NO_MEMORY, "%s: out of memory for a %dx%d CMYK JPEG", path, w, h);
    if (st != CLVIS_OK) {
        image_free(img);
        tjDestroy(tj);
        return st;
    }
    /* flags 0: accurate integer IDCT and fancy upsampling, as PIL and cv2 decode. A truncated
     * stream is a warning in libjpeg; like PIL we refuse it. */
    /* TJFLAG_LIMITSCANS: a progressive JPEG of more than 500 scans is refused (each scan
     * passes over the whole image: 20000 repeated scans ran for minutes) */
    /* CMYK and YCCK: libjpeg gives the CMYK samples (YCCK converted); as PIL, they are taken
     * as Adobe's inverted CMYK ("CMYK;I", whatever the file says) and converted with PIL's
     * cmyk2rgb: R = (255 - K) - (255 - K) * C / 255, rounded as its MULDIV255 does. */
    if (tjDecompress2(tj, data, (unsigned long)n, cmyk ? k4 : img->px, w, 0, h,
                      cmyk ? TJPF_CMYK : TJPF_RGB, TJFLAG_LIMITSCANS) != 0) {
        st = err_set(CLVIS_ERR_FORMAT, "%s: corrupt or truncated JPEG: %s", path,
                     tjGetErrorStr2(tj));
        image_free(img);
    } else if (cmyk) {
        size_t np = (size_t)w * (size_t)h;
        for (size_t i = 0; i < np; i++) {
            const unsigned char *q = k4 + 4 * i;
            int nk = q[3]; /* 255 - K with K = 255 - sample */
            for (int c = 0; c < 3; c++) {
                int t = (255 - q[c]) * nk + 128;
                int v = nk - (((t >> 8) + t) >> 8);
                img->px[3 * i + c] = (unsigned char)(v < 0 ? 0 : v);
            }
        }
    }
    free(k4);
    tjDestroy(tj);
    return st;
}

/* TIFF: "II" + 42 little-endian or "MM" + 42 big-endian (BigTIFF: 43) */
static int tiff_magic(const unsigned char *d)
{
    unsigned v = d[0] == 'I' ? d[2] | (unsigned)d[3] << 8 : (unsigned)d[2] << 8 | d[3];
    return ((d[0] == 'I' && d[1] == 'I') || (d[0] == 'M' && d[1] == 'M')) && (v == 42 || v == 43);
}

/* by magic bytes: PNG, JPEG (FF D8 FF), WebP (RIFF....WEBP), TIFF, BMP ("BM") */
clvis_status image_decode(const char *path, const unsigned char *data, size_t n, image8 *img)
{
    if (!img)
        return err_set(CLVIS_ERR_INVALID_ARG, "image_decode: NULL image");
    memset(img, 0, sizeof *img);
    if (!path || (!data && n))
        return err_set(CLVIS_ERR_INVALID_ARG, "image_decode: NULL argument");
    static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    clvis_status st;
    if (n >= 8 && memcmp(data, png_magic, 8) == 0) {
        png_job job = {.data = data, .n = n};
        st = png_decode(path, &job, img);
        free(job.rows);
        free(job.rowp);
    } else if (n >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff) {
        st = jpeg_decode(path, data, n, img);
    } else if (n >= 12 && !memcmp(data, "RIFF", 4) && !memcmp(data + 8, "WEBP", 4)) {
        st = image_decode_webp(path, data, n, img);
    } else if (n >= 4 && tiff_magic(data)) {
        st = image_decode_tiff(path, data, n, img);
    } else if (n >= 2 && data[0] == 'B' && data[1] == 'M') {
        st = image_decode_bmp(path, data, n, img);
    } else {
        st = err_set(CLVIS_ERR_FORMAT, "%s: not a PNG, JPEG, WebP, TIFF or BMP file%s", path,
                     n == 0 ? " (empty)" : "");
    }
    if (st != CLVIS_OK)
        image_free(img);
    return st;
}

clvis_status image_load(const char *path, image8 *img)
{
    if (!img)
        return err_set(CLVIS_ERR_INVALID_ARG, "image_load: NULL image");
    memset(img, 0, sizeof *img);
    if (!path)
        return err_set(CLVIS_ERR_INVALID_ARG, "image_load: NULL path");
    unsigned char *data;
    size_t n;
    clvis_status st = image_read_file(path, &data, &n);
    if (st != CLVIS_OK)
        return st;
    st = image_decode(path, data, n, img);
    free(data);
    return st;
}

/* ---- writers -------------------------------------------------------------------------------- */

static clvis_status image_check_writable(const char *path, const image8 *img, int allow_alpha)
{
    if (!path || !img || !img->px || img->w <= 0 || img->h <= 0 ||
        !(img->c == 1 || img->c == 3 || (allow_alpha && img->c == 4)))
        return err_set(CLVIS_ERR_INVALID_ARG, "%s: cannot write image %dx%dx%d",
                       path ? path : "(null)", img ? img->w : 0, img ? img->h : 0,
                       img ? img->c : 0);
    return CLVIS_OK;
}

typedef struct {
    unsigned char *buf;
    size_t len, cap;
    int oom;
    char msg[256];
} png_out;

static void png_on_write(png_structp png, png_bytep data, png_size_t len)
{
    png_out *o = png_get_io_ptr(png);
    if (o->len + len > o->cap) {
        size_t cap = o->cap ? o->cap : 1 << 16;
        while (cap < o->len + len)
            cap *= 2;
        unsigned char *nb = realloc(o->buf, cap);
        if (!nb) {
            o->oom = 1;
            png_error(png, "out of memory");
        }
        o->buf = nb;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, data, len);
    o->len += len;
}

static void png_on_flush(png_structp png)
{
    (void)png;
}

static void png_on_write_error(png_structp png, png_const_charp msg)
{
    png_out *o = png_get_error_ptr(png);
    snprintf(o->msg, sizeof o->msg, "%s", msg);
    png_longjmp(png, 1);
}

static clvis_status png_encode(const char *path, const image8 *img, png_out *o)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, o, png_on_write_error,
                                              png_on_warning);
    if (!png)
        return err_set(CLVIS_ERR_NO_MEMORY, "%s: out of memory", path);
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return err_set(CLVIS_ERR_NO_MEMORY, "%s: out of memory", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return err_set(o->oom ? CLVIS_ERR_NO_MEMORY : CLVIS_ERR_IO, "%s: PNG encoding failed: %s",
                       path, o->msg);
    }
    int type = img->c == 1   ? PNG_COLOR_TYPE_GRAY
               : img->c == 3 ? PNG_COLOR_TYPE_RGB
                             : PNG_COLOR_TYPE_RGB_ALPHA;
    png_set_write_fn(png, o, png_on_write, png_on_flush);
    png_set_IHDR(png, info, (png_uint_32)img->w, (png_uint_32)img->h, 8, type,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t stride = (size_t)img->w * (size_t)img->c;
    for (int y = 0; y < img->h; y++)
        png_write_row(png, img->px + stride * (size_t)y);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return CLVIS_OK;
}

clvis_status image_write_png(const char *path, const image8 *img)
{
    clvis_status st = image_check_writable(path, img, 1);
    if (st != CLVIS_OK)
        return st;
    png_out o = {0};
    st = png_encode(path, img, &o);
    if (st == CLVIS_OK)
        st = file_write_atomic(path, o.buf, o.len);
    free(o.buf);
    return st;
}

clvis_status image_write_jpeg(const char *path, const image8 *img, int quality)
{
    clvis_status st = image_check_writable(path, img, 0);
    if (st != CLVIS_OK)
        return st;
    if (quality < 1 || quality > 100)
        return err_set(CLVIS_ERR_INVALID_ARG, "%s: JPEG quality %d not in 1..100", path, quality);
    tjhandle tj = tjInitCompress();
    if (!tj)
        return err_set(CLVIS_ERR_NO_MEMORY, "%s: cannot start JPEG encoder", path);
    unsigned char *jpg = NULL;
    unsigned long len = 0;
    int gray = img->c == 1;
    if (tjCompress2(tj, img->px, img->w, 0, img->h, gray ? TJPF_GRAY : TJPF_RGB, &jpg, &len,
                    gray ? TJSAMP_GRAY : TJSAMP_420, quality, TJFLAG_ACCURATEDCT) != 0) {
        st = err_set(CLVIS_ERR_IO, "%s: JPEG encoding failed: %s", path, tjGetErrorStr2(tj));
    } else {
        st = file_write_atomic(path, jpg, len);
    }
    tjFree(jpg);
    tjDestroy(tj);
    return st;
}

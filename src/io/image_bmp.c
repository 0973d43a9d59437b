/* image_bmp.c — BMP decoding to RGB (no small Debian library reads BMP; this is the whole
 * reader). Read: the Windows headers (BITMAPINFOHEADER and its V2..V5 extensions) and the OS/2
 * 1.x core header; uncompressed 1, 4 and 8-bit palette images, 16, 24 and 32-bit images
 * (BI_RGB, and BI_BITFIELDS / BI_ALPHABITFIELDS masks for 16 and 32 bits); bottom-up and
 * top-down rows. Refused with a message: RLE, JPEG or PNG inside, other depths, a pixel array
 * past the end of the file. Alpha is dropped, as PIL's convert('RGB') does. */
#include <stdint.h>
#include <string.h>

#include "io/image_decode.h"

static uint32_t le16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* a channel mask: where it starts and how wide it is (0: no such channel) */
typedef struct {
    uint32_t mask;
    int shift, bits;
} chan;

static int chan_make(uint32_t mask, chan *c)
{
    c->mask = mask;
    c->shift = c->bits = 0;
    if (!mask)
        return 1;
    while (!(mask & 1)) {
        mask >>= 1;
        c->shift++;
    }
    while (mask & 1) {
        mask >>= 1;
        c->bits++;
    }
    return mask == 0; /* contiguous */
}

/* the channel's value scaled to 0..255, as PIL scales BMP bit fields (v * 255 / max) */
static unsigned char chan_get(const chan *c, uint32_t px)
{
    if (!c->bits)
        return 0;
    uint32_t v = (px & c->mask) >> c->shift, max = c->bits >= 32 ? 0xffffffffu
                                                                  : (1u << c->bits) - 1;
    return (unsigned char)((uint64_t)v * 255 / max);
}

clvis_status image_decode_bmp(const char *path, const unsigned char *d, size_t n, image8 *img)
{
    if (n < 26)
        return err_set(CLVIS_ERR_FORMAT, "%s: truncated BMP header", path);
    uint32_t offset = le32(d + 10), hs = le32(d + 14);
    int core = hs == 12;
    if (!core && hs != 40 && hs != 52 && hs != 56 && hs != 64 && hs != 108 && hs != 124)
        return err_set(CLVIS_ERR_FORMAT, "%s: BMP with an unknown header (%u bytes)", path,
                       (unsigned)hs);
    if (n < 14 + (size_t)hs)
        return err_set(CLVIS_ERR_FORMAT, "%s: truncated BMP header", path);
    const unsigned char *h = d + 14;
    long w, ht;
    uint32_t bpp, comp = 0, used = 0;
    if (core) {
        w = (long)le16(h + 4);
        ht = (long)le16(h + 6);
        bpp = le16(h + 10);
    } else {
        w = (long)(int32_t)le32(h + 4);
        ht = (long)(int32_t)le32(h + 8);
        bpp = le16(h + 14);
        comp = le32(h + 16);
        used = le32(h + 32);
    }
    int topdown = ht < 0;
    if (topdown)
        ht = -ht; /* from int32_t: no overflow in long */
    if (comp == 1 || comp == 2)
        return err_set(CLVIS_ERR_FORMAT, "%s: RLE-compressed BMP is not read (only uncompressed)",
                       path);
    if (comp == 4 || comp == 5)
        return err_set(CLVIS_ERR_FORMAT, "%s: BMP holding a %s image is not read", path,
                       comp == 4 ? "JPEG" : "PNG");
    int fields = comp == 3 || comp == 6;
    if (comp != 0 && !fields)
        return err_set(CLVIS_ERR_FORMAT, "%s: BMP with unknown compression %u", path,
                       (unsigned)comp);
    if (fields ? bpp != 16 && bpp != 32
               : bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32)
        return err_set(CLVIS_ERR_FORMAT, "%s: BMP of %u bits per pixel%s is not read", path,
                       (unsigned)bpp, fields ? " with bit fields" : "");
    clvis_status st = image_check_size(path, "BMP", w, ht);
    if (st != CLVIS_OK)
        return st;

    /* the palette, or the channel masks */
    unsigned char pal[256][3] = {{0}};
    chan cr = {0}, cg = {0}, cb = {0};
    if (bpp <= 8) {
        uint32_t ncol = used ? used : 1u << bpp, esz = core ? 3 : 4;
        if (ncol > (1u << bpp))
            ncol = 1u << bpp; /* PIL too reads no more than the depth can index */
        size_t at = 14 + (size_t)hs;
        if (at + (size_t)ncol * esz > n)
            return err_set(CLVIS_ERR_FORMAT, "%s: truncated BMP palette", path);
        for (uint32_t i = 0; i < ncol; i++) {
            const unsigned char *e = d + at + (size_t)i * esz;
            pal[i][0] = e[2], pal[i][1] = e[1], pal[i][2] = e[0];
        }
    } else {
        uint32_t mr = 0x7c00, mg = 0x03e0, mb = 0x001f; /* BI_RGB 16-bit: 5-5-5 */
        if (bpp == 32)
            mr = 0xff0000, mg = 0xff00, mb = 0xff;
        if (fields) {
            /* masks in the V2+ header, or for the 40-byte header in the 12 bytes after it */
            size_t at = 14 + 40;
            if (at + 12 > n)
                return err_set(CLVIS_ERR_FORMAT, "%s: truncated BMP bit fields", path);
            mr = le32(d + at), mg = le32(d + at + 4), mb = le32(d + at + 8);
        }
        if (!chan_make(mr, &cr) || !chan_make(mg, &cg) || !chan_make(mb, &cb) ||
            (bpp == 16 && ((mr | mg | mb) >> 16)))
            return err_set(CLVIS_ERR_FORMAT, "%s: BMP with bad bit-field masks", path);
    }

    size_t stride = (((size_t)w * bpp + 31) / 32) * 4;
    if (offset > n || (size_t)(n - offset) / stride < (size_t)ht)
        return err_set(CLVIS_ERR_FORMAT,
                       "%s: truncated BMP: %ldx%ld at %u bits needs %zu bytes of pixels from "
                       "offset %u, the file has %zu bytes",
                       path, w, ht, (unsigned)bpp, stride * (size_t)ht, (unsigned)offset, n);
    if ((st = image_alloc(img, (int)w, (int)ht, 3)) != CLVIS_OK)
        return st;
    for (long y = 0; y < ht; y++) {
        const unsigned char *row = d + offset + stride * (size_t)(topdown ? y : ht - 1 - y);
        unsigned char *o = img->px + (size_t)y * (size_t)w * 3;
        for (long x = 0; x < w; x++, o += 3) {
            if (bpp <= 8) {
                unsigned idx = bpp == 8 ? row[x]
                               : bpp == 4 ? (row[x / 2] >> (x % 2 ? 0 : 4)) & 15
                                          : (row[x / 8] >> (7 - x % 8)) & 1;
                memcpy(o, pal[idx], 3);
            } else if (bpp == 24) {
                o[0] = row[3 * x + 2], o[1] = row[3 * x + 1], o[2] = row[3 * x];
            } else {
                uint32_t px = bpp == 16 ? le16(row + 2 * x) : le32(row + 4 * x);
                o[0] = chan_get(&cr, px), o[1] = chan_get(&cg, px), o[2] = chan_get(&cb, px);
            }
        }
    }
    return CLVIS_OK;
}

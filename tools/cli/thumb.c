/* thumb.c — the report's thumbnails (thumb.h). */
#include "cli/thumb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common.h"

clvis_status thumb_make(clvis_image *dst, const clvis_image *src, int side)
{
    memset(dst, 0, sizeof *dst);
    if (!src || !src->px || src->w < 1 || src->h < 1 || src->c < 1 || src->c > 4 || side < 1)
        return CLVIS_ERR_INVALID_ARG;
    int longer = src->w > src->h ? src->w : src->h;
    double s = longer > side ? (double)side / longer : 1.0;
    int w = (int)(src->w * s + 0.5), h = (int)(src->h * s + 0.5), c = src->c;
    w = w < 1 ? 1 : w;
    h = h < 1 ? 1 : h;
    dst->px = malloc((size_t)w * h * c);
    if (!dst->px)
        return CLVIS_ERR_NO_MEMORY;
    dst->w = w, dst->h = h, dst->c = c;
    for (int y = 0; y < h; y++) {
        int y0 = (int)((long long)y * src->h / h), y1 = (int)((long long)(y + 1) * src->h / h);
        y1 = y1 > y0 ? y1 : y0 + 1;
        for (int x = 0; x < w; x++) {
            int x0 = (int)((long long)x * src->w / w), x1 = (int)((long long)(x + 1) * src->w / w);
            x1 = x1 > x0 ? x1 : x0 + 1;
            for (int k = 0; k < c; k++) {
                unsigned long long sum = 0;
                for (int yy = y0; yy < y1; yy++)
                    for (int xx = x0; xx < x1; xx++)
                        sum += src->px[((size_t)yy * src->w + xx) * c + k];
                unsigned long long cnt = (unsigned long long)(y1 - y0) * (x1 - x0);
                dst->px[((size_t)y * w + x) * c + k] = (unsigned char)((sum + cnt / 2) / cnt);
            }
        }
    }
    return CLVIS_OK;
}

int thumb_write(const cli_args *o, const char *path, const clvis_image *photo, const char *file,
                report_entry *e)
{
    char full[1400];
    if (out_path(full, sizeof full, o->out, file))
        return 1;
    clvis_image t;
    clvis_status st = thumb_make(&t, photo, THUMB_SIDE);
    if (st)
        return cli_fail("%s: cannot make its thumbnail (%s)", path,
                        st == CLVIS_ERR_NO_MEMORY ? "out of host memory" : "bad picture");
    st = clvis_image_write_jpeg(full, &t, 90);
    *e = (report_entry){0};
    e->file = file;
    e->caption = path;
    e->image = path;
    e->role = REPORT_ROLE_THUMB;
    e->w = t.w;
    e->h = t.h;
    clvis_image_free(&t);
    return st ? cli_fail_st(st) : 0;
}

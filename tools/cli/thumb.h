/* thumb.h — the report's thumbnails: a photo reduced by area averaging so its longer side is at
 * most a given size, written as DIR/thumb_<image>.jpg (quality 90) with its report entry. */
#ifndef CLVIS_CLI_THUMB_H
#define CLVIS_CLI_THUMB_H

#include "clvis.h"
#include "cli/outdir.h"

#define THUMB_SIDE 160

/* dst (allocated; free with clvis_image_free): src scaled down by area averaging (box filter
 * over the source pixels each destination pixel covers) to fit side x side; a smaller src is
 * copied. CLVIS_ERR_NO_MEMORY / INVALID_ARG. */
clvis_status thumb_make(clvis_image *dst, const clvis_image *src, int side);

/* The thumbnail of photo (read from path) as o->out/file (a name of the run, made by the
 * caller), and its entry in *e (file and caption point into file / path). 0, or 1 after
 * cli_fail. */
int thumb_write(const cli_args *o, const char *path, const clvis_image *photo, const char *file,
                report_entry *e);

#endif

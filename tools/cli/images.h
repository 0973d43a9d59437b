/* images.h — the IMAGE arguments of predict and gradcam: files as given, a FOLDER standing for
 * its files named .png .jpg .jpeg .webp .tif .tiff .bmp (any case; hidden ones skipped), in
 * byte order of their names, so a run over a folder needs no shell glob and no ARG_MAX. With
 * --recursive its subfolders too, depth first, each folder in byte order: the same list on
 * every machine; a folder reached again through a link is not entered twice. Other entries
 * are counted in one notice. With --shard K/N, the whole list sorted by path (byte order), then
 * every N-th from the K-th (0-based): shards of the same arguments share the list exactly. */
#ifndef CLVIS_CLI_IMAGES_H
#define CLVIS_CLI_IMAGES_H

#include "cli/args.h"

typedef struct {
    char **path;
    int n;
} image_list;

/* 0, or 1 after cli_fail (an unreadable or empty folder, out of memory; l is then empty).
 * A file that cannot be read is not an error here: it is named when the command reads it. */
int image_list_expand(const cli_args *o, image_list *l);
void image_list_free(image_list *l);

#endif

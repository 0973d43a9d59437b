/* manifest.h — an output folder's manifest as data: DIR/manifest.tsv (report.c writes it, one
 * line per picture or text entry) read back, DIR/manifest.jsonl (the same entries, one JSON
 * object per line: command, file, caption, model, device, ms, time, image, role, variant,
 * size) written from it, and read;
 * for shards and `clvis report DIR...`, which merges them. */
#ifndef CLVIS_CLI_MANIFEST_H
#define CLVIS_CLI_MANIFEST_H

#include "clvis.h"

typedef struct {
    char *command, *file, *caption, *model, *device, *time;
    double ms;
    /* the page's columns (report.h; "" when a row predates them) */
    char *image, *role, *variant, *size; /* size: "WxH" or "" */
} manifest_row;

typedef struct {
    manifest_row *row;
    int n;
} manifest;

/* DIR/manifest.tsv; absent: no rows. Malformed lines are dropped, as report.c drops them.
 * CLVIS_ERR_NO_MEMORY / INVALID_ARG (path too long). */
clvis_status manifest_read_tsv(const char *dir, manifest *m);
/* DIR/manifest.jsonl (absent: CLVIS_ERR_NOT_FOUND; a line that is not an entry: FORMAT, with
 * its number). */
clvis_status manifest_read_jsonl(const char *dir, manifest *m);
/* DIR/manifest.jsonl from DIR/manifest.tsv, atomically, under the manifest's lock (flock on
 * DIR/.manifest.lock, as report.c takes it): what a run added to the page is in both. */
clvis_status manifest_sync_jsonl(const char *dir);
void manifest_free(manifest *m);

#endif

/* report_page.h — the static page DIR/index.html made from the manifest's rows: a contents
 * bar, the run (models, devices, versions, timings), one section per image (thumbnail, top-k,
 * each CAM variant's map and overlay side by side), a group's verdicts and counts, the
 * activation and filter grids, and anything else. One file, no script, no external resource;
 * every string from the manifest is HTML-escaped, every file name URL-encoded. */
#ifndef CLVIS_CLI_REPORT_PAGE_H
#define CLVIS_CLI_REPORT_PAGE_H

#include <stddef.h>

/* the manifest's columns, in file order (older manifests stop after R_MS or R_TIME) */
enum {
    R_COMMAND, R_FILE, R_CAPTION, R_MODEL, R_DEVICE, R_MS, R_TIME, R_IMAGE, R_ROLE, R_VARIANT,
    R_SIZE, R_VERSIONS, R_NF
};
#define R_MIN_FIELDS 6 /* a line with fewer is malformed */

typedef struct {
    char *f[R_NF]; /* never NULL ("" when absent) */
} report_row;

/* The page (malloc'd, NUL-terminated, *len bytes), or NULL when out of memory. */
char *report_page(const report_row *rows, int n, size_t *len);

#endif

/* report.h — DIR/index.html of the CLI: every command adds (or replaces, by file name) its
 * entries in DIR/manifest.tsv and the page is rebuilt from it; both written atomically, under
 * an advisory lock (flock on DIR/.manifest.lock): processes sharing DIR merge their entries. */
#ifndef CLVIS_CLI_REPORT_H
#define CLVIS_CLI_REPORT_H

#include "clvis.h"

typedef struct {
    const char *command; /* "activations", ... */
    const char *file;    /* relative to dir; "" for a text-only entry */
    const char *caption;
    const char *model;
    const char *device;
    double ms;
} report_entry;

/* CLVIS_ERR_IO / NO_MEMORY / INVALID_ARG with clvis_last_error() on failure. */
clvis_status report_add(const char *dir, const report_entry *entries, int n);

#endif

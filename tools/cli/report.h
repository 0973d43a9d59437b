/* report.h — DIR/index.html of the CLI: every command adds (or replaces, by file name) its
 * entries in DIR/manifest.tsv and the page is rebuilt from it (report_page.h); both written
 * atomically, under an advisory lock (flock on DIR/.manifest.lock): processes sharing DIR
 * merge their entries. */
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
    /* optional (NULL / 0: unknown), for the page's sections */
    const char *image;   /* the input photo the entry is about */
    const char *role;    /* REPORT_ROLE_* */
    const char *variant; /* the CAM method ("gradcam", "gradcam-paper", ...), or the group */
    int w, h;            /* the picture's size in pixels */
    long long when;      /* when the result was made (time_t); 0: now */
} report_entry;

/* roles of entries (the manifest's "role" column) */
#define REPORT_ROLE_THUMB "thumb"     /* a small copy of the input photo */
#define REPORT_ROLE_PRED "pred"       /* text: "path: 1. wnid name p (index i); 2. ..." */
#define REPORT_ROLE_MAP "map"         /* a CAM map (viridis, upscaled) */
#define REPORT_ROLE_OVERLAY "overlay" /* a CAM overlay on the photo */
#define REPORT_ROLE_VERDICT "verdict" /* text: a group's verdict ("cat", "dog", "other") */
#define REPORT_ROLE_GRID "grid"       /* activation or filter grid */
#define REPORT_ROLE_COMPARE "compare" /* gradcam --method all: the methods' grid of a photo;
                                        its variant: the variants left to right, "a,b,..." */
#define REPORT_ROLE_METRIC "metric"   /* a method's metric on a photo (variant: the method's) */

/* The clvis and device versions the page shows (session_open sets them once per process). */
void report_set_versions(const char *versions);

/* CLVIS_ERR_IO / NO_MEMORY / INVALID_ARG with clvis_last_error() on failure. */
clvis_status report_add(const char *dir, const report_entry *entries, int n);

#endif

/* labels.h — class names for predictions and Grad-CAM: a TSV "index<TAB>wnid<TAB>name" (header
 * line allowed; the bundled ImageNet index), "wnid<TAB>name" lines, or one name per line. */
#ifndef CLVIS_CLI_LABELS_H
#define CLVIS_CLI_LABELS_H

#include <stddef.h>

#include "clvis.h"

typedef struct {
    int n;
    char **wnid; /* may hold "" */
    char **name;
} labels;

/* Limits of a labels file: a regular file (not a FIFO or a device) of at most 16 MiB and
 * 1,000,000 labels. */
#define LABELS_MAX_BYTES (16 << 20)
#define LABELS_MAX_COUNT 1000000
/* CLVIS_OK, or CLVIS_ERR_IO / FORMAT / NO_MEMORY with a one-line reason in msg (cap bytes).
 * On failure *out is empty. */
clvis_status labels_load(const char *path, labels *out, char *msg, size_t cap);
void labels_free(labels *l);

/* Name / wnid of class i: NULL / "" when there are no labels or i is past them. */
const char *labels_name(const labels *l, int i);
const char *labels_wnid(const labels *l, int i);

/* The class whose wnid or name is spec: an exact (case-sensitive) match first, else a unique
 * match ignoring case (' ' and '_' alike). 0 with *cls set; 1 (not there: msg names up to five
 * close names, with their index) or 2 (ambiguous: msg lists the matches), msg one line. */
int labels_find(const labels *l, const char *spec, int *cls, char *msg, size_t cap);

#endif

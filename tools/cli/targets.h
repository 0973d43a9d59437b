/* targets.h — the classes `clvis gradcam` and `clvis saliency` explain: --class (an index, a
 * wnid or a name of the label index), --top K (each of the top K classes), --classes FILE
 * (image<TAB>class lines: a class per image), and the name suffix that keeps their results
 * apart (_c<class>, _<layer>). */
#ifndef CLVIS_CLI_TARGETS_H
#define CLVIS_CLI_TARGETS_H

#include <stddef.h>

#include "cli/args.h"
#include "cli/images.h"
#include "cli/labels.h"
#include "cli/session.h"

/* spec: a decimal index or a wnid / name of lab -> *cls in 0..nout-1. what names the source in
 * messages ("--class", "FILE:LINE"). 0, or 1 after cli_fail (out of range, a name without a
 * label index, unknown or ambiguous: up to five close names). */
int target_class(const char *spec, const labels *lab, const session *s, const char *what,
                 int *cls);

/* cls (-1: the predicted one) in range for s's model: 0, or 1 after cli_fail naming the
 * classes (a one-sigmoid-output model has two: class 1 = p, class 0 = 1 - p). */
int target_check_class(const session *s, int cls);

typedef struct {
    char **path; /* as written in the file; matched against the image arguments as given */
    int *cls;
    int n;
} target_table;

/* --classes FILE: "image<TAB>class" lines (a header "image<TAB>class", blank lines and lines
 * starting with '#' skipped; an image may have several lines: one result each). 0, or 1 after
 * cli_fail. */
int target_table_load(const char *file, const labels *lab, const session *s, target_table *t);
void target_table_free(target_table *t);
/* Every image of the run must have a line: 0, or 1 after cli_fail naming the first without. */
int target_table_covers(const target_table *t, char *const *paths, int n, const char *file);

/* The classes to explain for one image into cls (cap entries, *n of them): --class, the lines
 * of --classes, or the top o->top of a forward pass (x: one input item of scratch; an image
 * that cannot be read gives 3, named on stderr, as gradcam_image does). 0, 3, or 1 after
 * cli_fail. Without a target option: one entry, -1 (the top-1). */
int target_list(const cli_args *o, session *s, const target_table *t, const char *path, float *x,
                int *cls, int cap, int *n);
/* How many classes target_list may give for one image (the size of its cls). */
int target_cap(const cli_args *o, const target_table *t);
/* What gradcam and saliency do before the first image, in this order: the --classes table
 * loaded, the images listed, the table checked to cover them, the output folder made, and
 * *cls allocated for target_cap classes. 0, or 1 with the error printed (nothing written). */
int target_prepare(cli_args *o, session *s, const labels *lab, target_table *tt,
                   image_list *il, int **cls);

/* The name suffix of class cls: "_c<cls>" when a target option was given, then "_<layer>"
 * (made safe) when --layer was; "" for the default run (gradcam_<image>_map.png). */
void target_suffix(const cli_args *o, int cls, char *buf, size_t cap);

#endif

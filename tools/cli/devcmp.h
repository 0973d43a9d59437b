/* devcmp.h — `clvis gradcam|saliency --device all` (without --split): the same run on every
 * OpenCL device of this host, one after another in this process, each into its own subfolder
 * DIR/dK (K: the device's place in the run, its `clvis devices` index), then every image's
 * map (and saliency's attribution) compared against the first device's: max abs / max rel
 * difference (mapdiff.h) and a picture of |a - b|, DIR/<name>_devdiff_dK.png. `clvis evaluate
 * --device all` (devcmp_run_scores) compares its maps and metric scores the same way. */
#ifndef CLVIS_CLI_DEVCMP_H
#define CLVIS_CLI_DEVCMP_H

#include "cli/args.h"

/* The relative difference's floor: max rel = max |a - b| / max(|a|, DEVCMP_REL_FLOOR * max|a|). */
#define DEVCMP_REL_FLOOR 1e-3

/* The metric scores' floor (clvis evaluate --device all): max rel = max |a - b| / max(|a|, it). */
#define DEVCMP_SCORE_FLOOR 1e-6
#define DEVCMP_MAX_METRICS 16 /* metric scores kept per record */

/* 1 when o asks for the comparison: --device all without --split. */
int devcmp_wanted(const cli_args *o);
/* run (cmd_gradcam or cmd_saliency) once per device, then the comparison on stdout (a line per
 * image and device, or with --json one object). The exit status is the worst run's. */
int devcmp_run(cli_args *o, int (*run)(cli_args *));
/* The same for `clvis evaluate`, which writes no files: no DIR/dK folders and no pictures;
 * each device's lines (or JSON objects) on stdout, then the comparison of every image and
 * method's map and of its metric scores (devcmp_metric) against the first device's. */
int devcmp_run_scores(cli_args *o, int (*run)(cli_args *));
/* Called by evaluate after devcmp_record: one metric score of the record just made. */
void devcmp_metric(const char *name, double value);
/* Called by gradcam / saliency after an image's files are written: its result for the
 * comparison (copied; nothing happens outside devcmp_run). attr NULL: none. */
void devcmp_record(const char *path, const char *key, int cls, double score, const float *map,
                   int mh, int mw, const float *attr, int ah, int aw, int ac);

#endif

/* common.h — what every command of the CLI shares: one-line failures on stderr, progress and
 * notices (silenced by --quiet), layer arguments, output file stems, the exit status of a run
 * over many images. */
#ifndef CLVIS_CLI_COMMON_H
#define CLVIS_CLI_COMMON_H

#include <stddef.h>

#include "clvis.h"

extern int cli_quiet; /* --quiet: no progress or notices on stderr */

/* Runtime failure: "clvis: <message>" on one line of stderr; returns 1 (the exit status). */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error found once the model is known (a filter or class it does not have):
 * "clvis: <message>" on one line; returns 2. */
int cli_usage_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same with clvis_last_error(). */
int cli_fail_st(clvis_status st);

/* clvis_progress_fn / clvis_log_fn for the library: a line on stderr unless --quiet. */
void cli_progress(void *user, const char *line);
void cli_log(void *user, const char *line);

/* --layer NAME -> index; --layers a,b,c -> malloc'd indices. 0, or 1 after cli_fail. */
int cli_find_layer(clvis_model *m, const char *name, int *id);
int cli_parse_layers(clvis_model *m, const char *list, int **out, int *n);

/* The file stem of an image path, for output names: "samples/cat.v2.png" -> "cat". */
void cli_stem(const char *path, char *out, size_t cap);

/* An input image that cannot be read (missing, not a picture, damaged) is reported and the run
 * goes on with the next one; anything else (device, model, output) ends it. */
int cli_bad_input(clvis_status st);
/* One input that could not be read: "clvis: <message>" on stderr and, with json, the record
 * {"image": path, "error": message} on stdout (one line, among the results). */
void cli_image_failed(int json, const char *path, clvis_status st);
/* After a run over n images of which bad could not be read: for n > 1 "clvis: done N of M,
 * K failed" on stderr (with --quiet only when K > 0; one image has its one error line only);
 * the exit status, 1 when bad > 0. rc != 0 (the run stopped): rc, no summary. */
int cli_finish_images(int rc, int bad, int n);

#endif

/* outdir.h — the output directory of a command (--out, default out): created with its parents
 * and checked writable before any work, output paths in it, and its index.html entries. */
#ifndef CLVIS_CLI_OUTDIR_H
#define CLVIS_CLI_OUTDIR_H

#include <stddef.h>

#include "cli/args.h"
#include "cli/report.h"

/* mkdir -p dir, then a write test. 0, or 1 after cli_fail. */
int out_prepare(const char *dir);
/* "dir/name" into buf. 0, or 1 after cli_fail (too long). */
int out_path(char *buf, size_t cap, const char *dir, const char *name);
/* Adds entries to o->out's index.html and says so on stderr. 0, or 1 after cli_fail. */
int out_report(const cli_args *o, const report_entry *e, int n);

#endif

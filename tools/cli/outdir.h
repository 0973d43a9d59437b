/* outdir.h — the output directory of a command (--out, default out): created with its parents
 * and checked writable before any work, output paths in it, and its index.html entries. */
#ifndef CLVIS_CLI_OUTDIR_H
#define CLVIS_CLI_OUTDIR_H

#include <stddef.h>

#include "cli/args.h"
#include "cli/report.h"

/* mkdir -p dir, then a write test, then a sweep of stale temporaries (".<name>.tmp.<pid>.<hex>"
 * and the older "<name>.tmp.<pid>" whose process no longer exists, regular files only, said on
 * stderr). 0, or 1 after cli_fail. */
int out_prepare(const char *dir);
/* At the end of a run (main): the folders out_prepare created are removed again when they are
 * empty (a failed run leaves no empty --out behind). */
void out_finish(void);
/* "dir/name" into buf. 0, or 1 after cli_fail (too long). */
int out_path(char *buf, size_t cap, const char *dir, const char *name);
/* The output names of one run: each built from untrusted text (a layer name, an image stem)
 * made safe (fs_safe_name: no '/', no "..", no control characters) and unique in the run. */
typedef struct {
    char **name;
    int n;
} out_names;
/* prefix + safe(raw) + suffix into buf; when an earlier result of this run has that name,
 * prefix + safe(raw) + "_K" + suffix with the first free K >= 2, and one warning line on stderr
 * naming `from` (what the name is for, e.g. the image path; NULL: raw) — never a silent
 * overwrite. The name is then taken. 0, or 1 after cli_fail. */
int out_name(out_names *u, const char *prefix, const char *raw, const char *suffix,
             const char *from, char *buf, size_t cap);
void out_names_free(out_names *u);

/* Adds entries to o->out's index.html (and manifest.tsv, manifest.jsonl: manifest.h) and says
 * so on stderr. 0, or 1 after cli_fail. Rewriting the manifest and the page costs time in
 * proportion to the folder's entries, so a run of many images does not rewrite them for each:
 * the entries wait in memory and are written when the last write is more than 1 s, and more
 * than ten times its own duration, ago (so the index stays current and its upkeep stays under
 * ~10% of the run whatever the folder's size), and at the end of the run (out_flush). */
int out_report(const cli_args *o, const report_entry *e, int n);
/* Writes the entries out_report holds back. main calls it after the command; 0, or 1 after
 * cli_fail. */
int out_flush(void);

#endif

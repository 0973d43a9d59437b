/* merge.c — `clvis report [--out DIR] SHARD_DIR...`: the entries of several output folders
 * (each its manifest.jsonl, or its manifest.tsv when there is none) added to one page and one
 * manifest in DIR. The pictures stay where they are: the merged entries name them by a path
 * relative to DIR, so the page shows them as long as the folders keep their places. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/manifest.h"
#include "cli/outdir.h"

/* The path of `to` relative to the folder `from`, both absolute and normalised (realpath):
 * "/a/b" -> "/a/c/d" is "../c/d". 0, or -1 when it does not fit. */
static int rel_path(const char *from, const char *to, char *buf, size_t cap)
{
    if (!strcmp(from, "/"))
        from = ""; /* the root: every path below it is relative as it stands */
    size_t common = 0;
    for (size_t i = 0;; i++) { /* the last '/' up to which both agree, at a component end */
        int fe = from[i] == 0, te = to[i] == 0 || to[i] == '/';
        if ((fe || from[i] == '/') && te && (from[i] == to[i] || fe))
            common = i;
        if (fe || !to[i] || from[i] != to[i])
            break;
    }
    size_t n = 0;
    buf[0] = 0;
    for (const char *p = from + common; *p; p++)
        if (*p == '/') {
            if (n + 3 >= cap)
                return -1;
            memcpy(buf + n, "../", 4);
            n += 3;
        }
    const char *rest = to + common + (to[common] == '/');
    int k = snprintf(buf + n, cap - n, "%s", rest);
    if (k < 0 || (size_t)k >= cap - n)
        return -1;
    if (!buf[0])
        snprintf(buf, cap, ".");
    return 0;
}

int cmd_report(cli_args *o)
{
    if (out_prepare(o->out))
        return 1;
    char outabs[PATH_MAX];
    if (!realpath(o->out, outabs))
        return cli_fail("%s: cannot resolve the path", o->out);
    int rc = 0, cap = 0, n = 0;
    report_entry *e = NULL;
    manifest *ms = calloc((size_t)o->npos, sizeof *ms);
    char **paths = NULL; /* the file names, rewritten */
    if (!ms)
        return cli_fail("out of host memory");
    for (int d = 0; d < o->npos && !rc; d++) {
        const char *dir = o->pos[d];
        char abs[PATH_MAX], rel[PATH_MAX];
        if (!realpath(dir, abs)) {
            rc = cli_fail("%s: not an output folder (cannot resolve the path)", dir);
            break;
        }
        clvis_status st = manifest_read_jsonl(dir, &ms[d]);
        if (st == CLVIS_ERR_NOT_FOUND)
            st = manifest_read_tsv(dir, &ms[d]);
        if (st) {
            rc = cli_fail_st(st);
            break;
        }
        if (!ms[d].n && !cli_quiet)
            fprintf(stderr, "clvis: %s: no entries (no manifest.jsonl or manifest.tsv)\n", dir);
        if (rel_path(outabs, abs, rel, sizeof rel)) {
            rc = cli_fail("%s: path too long", dir);
            break;
        }
        if (n + ms[d].n > cap) {
            cap = (n + ms[d].n) * 2;
            report_entry *ne = realloc(e, (size_t)cap * sizeof *ne);
            char **np = realloc(paths, (size_t)cap * sizeof *np);
            if (ne)
                e = ne;
            if (np)
                paths = np;
            if (!ne || !np) {
                rc = cli_fail("out of host memory");
                break;
            }
        }
        for (int i = 0; i < ms[d].n && !rc; i++) {
            manifest_row *r = &ms[d].row[i];
            paths[n] = NULL;
            if (r->file[0]) {
                size_t len = strlen(rel) + strlen(r->file) + 2;
                if (!(paths[n] = malloc(len))) {
                    rc = cli_fail("out of host memory");
                    break;
                }
                if (!strcmp(rel, "."))
                    snprintf(paths[n], len, "%s", r->file);
                else
                    snprintf(paths[n], len, "%s/%s", rel, r->file);
            }
            e[n] = (report_entry){.command = r->command, .file = paths[n] ? paths[n] : "",
                                  .caption = r->caption, .model = r->model,
                                  .device = r->device, .ms = r->ms};
            e[n].image = r->image[0] ? r->image : NULL;
            e[n].role = r->role[0] ? r->role : NULL;
            e[n].variant = r->variant[0] ? r->variant : NULL;
            if (sscanf(r->size, "%dx%d", &e[n].w, &e[n].h) != 2 || e[n].w <= 0 || e[n].h <= 0)
                e[n].w = e[n].h = 0;
            n++;
        }
    }
    if (!rc && n)
        rc = out_report(o, e, n);
    if (!rc && !cli_quiet)
        fprintf(stderr, "clvis: merged %d entries of %d folder%s into %s\n", n, o->npos,
                o->npos == 1 ? "" : "s", o->out);
    for (int i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    free(e);
    for (int d = 0; d < o->npos; d++)
        manifest_free(&ms[d]);
    free(ms);
    return rc;
}

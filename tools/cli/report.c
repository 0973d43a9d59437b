/* report.c — DIR/manifest.tsv (one line per picture or text entry, accumulated across
 * commands, replaced by file name) and DIR/index.html rebuilt from it (report_page.c); both
 * written atomically. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "cli/report.h"
#include "cli/report_page.h"
#include "cli/sbuf.h"
#include "cli/util.h"
/* the library's atomic write and last-error text, shared rather than written twice */
#include "core/error.h"
#include "io/atomic.h"

#define NF R_NF

typedef report_row row;

static const char *run_versions = "";

void report_set_versions(const char *versions)
{
    run_versions = versions ? versions : "";
}

static void rows_free(row *r, int n)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; k < NF; k++)
            free(r[i].f[k]);
    free(r);
}

/* Reads the manifest (absent: no rows). Malformed lines are dropped. */
static int read_manifest(const char *path, row **out)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int n = 0, cap = 0;
    row *rows = NULL;
    char *line = NULL;
    size_t lcap = 0;
    while (getline(&line, &lcap, f) > 0) {
        line[strcspn(line, "\r\n")] = 0;
        if (line[0] == '#' || !line[0])
            continue;
        row r = {{0}};
        char *s = line;
        int k = 0;
        for (; k < NF; k++) {
            char *t = strchr(s, '\t');
            size_t len = t ? (size_t)(t - s) : strlen(s);
            r.f[k] = strndup(s, len);
            if (!t) {
                k++;
                break;
            }
            s = t + 1;
        }
        if (k < R_MIN_FIELDS) { /* malformed */
            for (int q = 0; q < NF; q++)
                free(r.f[q]);
            continue;
        }
        for (int q = 0; q < NF; q++)
            if (!r.f[q])
                r.f[q] = strdup("");
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            row *p = realloc(rows, (size_t)cap * sizeof *p);
            if (!p)
                break;
            rows = p;
        }
        rows[n++] = r;
    }
    free(line);
    fclose(f);
    *out = rows;
    return n;
}

/* The same entry: the same picture, or for text entries (no file) the same command and
 * the same subject (the caption up to its first ": ", e.g. the image path of a prediction). */
static int same_entry(const report_entry *e, const row *r)
{
    if (e->file && e->file[0])
        return !strcmp(e->file, r->f[1]);
    if (r->f[1][0] || strcmp(e->command ? e->command : "", r->f[0]) ||
        strcmp(e->role ? e->role : "", r->f[R_ROLE]) ||
        strcmp(e->variant ? e->variant : "", r->f[R_VARIANT]))
        return 0;
    const char *a = e->caption ? e->caption : "", *b = r->f[2];
    const char *ea = strstr(a, ": "), *eb = strstr(b, ": ");
    size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
    return la == lb && !strncmp(a, b, la);
}

/* The manifest's advisory lock: flock on DIR/.manifest.lock (created once, never followed
 * when it is a link, never removed: removing it would let two processes hold locks on two
 * different files). -1 (and the error set) when it cannot be taken. */
static int lock_dir(const char *dir)
{
    char lpath[1024];
    if (util_path_join(lpath, sizeof lpath, dir, ".manifest.lock")) {
        err_set(CLVIS_ERR_INVALID_ARG, "path too long: %s/.manifest.lock", dir);
        return -1;
    }
    int fd = open(lpath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0666);
    if (fd < 0) {
        err_set(CLVIS_ERR_IO, "%s: cannot open the manifest's lock file: %s", lpath,
                strerror(errno));
        return -1;
    }
    while (flock(fd, LOCK_EX) != 0) {
        if (errno == EINTR)
            continue;
        err_set(CLVIS_ERR_IO, "%s: cannot lock: %s", lpath, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static clvis_status report_add_locked(const char *dir, const report_entry *e, int ne);

/* Read, merge and rewrite under the lock: what another process added in between is read back
 * and kept, never overwritten. */
clvis_status report_add(const char *dir, const report_entry *e, int ne)
{
    int fd = lock_dir(dir);
    if (fd < 0)
        return CLVIS_ERR_IO;
    clvis_status st = report_add_locked(dir, e, ne);
    flock(fd, LOCK_UN);
    close(fd);
    return st;
}

static clvis_status report_add_locked(const char *dir, const report_entry *e, int ne)
{
    char mpath[1024], hpath[1024];
    if (util_path_join(mpath, sizeof mpath, dir, "manifest.tsv") ||
        util_path_join(hpath, sizeof hpath, dir, "index.html"))
        return err_set(CLVIS_ERR_INVALID_ARG, "path too long: %s/%s", dir ? dir : "",
                       "manifest.tsv");
    clvis_status st;
    row *rows;
    int n = read_manifest(mpath, &rows);
    time_t now = time(NULL);

    sbuf man = {0};
    sb_puts(&man, "# clvis manifest: command\tfile\tcaption\tmodel\tdevice\tms\ttime\timage\t"
                  "role\tvariant\tsize\tversions\n");
    for (int i = 0; i < n; i++) {
        int replaced = 0;
        for (int k = 0; k < ne; k++)
            replaced |= same_entry(&e[k], &rows[i]);
        if (replaced)
            continue;
        for (int k = 0; k < NF; k++) {
            sb_field(&man, rows[i].f[k]);
            sb_puts(&man, k < NF - 1 ? "\t" : "\n");
        }
    }
    for (int k = 0; k < ne; k++) {
        sb_field(&man, e[k].command);
        sb_puts(&man, "\t");
        sb_field(&man, e[k].file);
        sb_puts(&man, "\t");
        sb_field(&man, e[k].caption);
        sb_puts(&man, "\t");
        sb_field(&man, e[k].model);
        sb_puts(&man, "\t");
        sb_field(&man, e[k].device);
        char when[32];
        time_t t = e[k].when ? (time_t)e[k].when : now;
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&t));
        sb_printf(&man, "\t%.1f\t%s\t", e[k].ms, when);
        sb_field(&man, e[k].image);
        sb_puts(&man, "\t");
        sb_field(&man, e[k].role);
        sb_puts(&man, "\t");
        sb_field(&man, e[k].variant);
        if (e[k].w > 0 && e[k].h > 0)
            sb_printf(&man, "\t%dx%d\t", e[k].w, e[k].h);
        else
            sb_puts(&man, "\t\t");
        sb_field(&man, run_versions);
        sb_puts(&man, "\n");
    }
    rows_free(rows, n);
    if (man.oom) {
        free(man.p);
        return err_set(CLVIS_ERR_NO_MEMORY, "report: out of memory");
    }
    /* the page, from the new manifest */
    if ((st = file_write_atomic(mpath, man.p, man.n))) {
        free(man.p);
        return st;
    }
    free(man.p);
    n = read_manifest(mpath, &rows);
    size_t hlen = 0;
    char *html = report_page(rows, n, &hlen);
    rows_free(rows, n);
    if (!html)
        return err_set(CLVIS_ERR_NO_MEMORY, "report: out of memory");
    st = file_write_atomic(hpath, html, hlen);
    free(html);
    return st;
}

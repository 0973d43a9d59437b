/* report.c — DIR/manifest.tsv (one line per picture or text entry, accumulated across
 * commands, replaced by file name) and DIR/index.html rebuilt from it; both written
 * atomically. The page is static HTML: no script. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "cli/report.h"
#include "cli/util.h"
/* the library's atomic write and last-error text, shared rather than written twice */
#include "core/error.h"
#include "io/atomic.h"

#define NF 7 /* command, file, caption, model, device, ms, time */

typedef struct {
    char *f[NF];
} row;

typedef struct {
    char *p;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void sb_puts(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        sb_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* HTML text (and attribute) escaping */
static void sb_html(sbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': sb_puts(b, "&lt;"); break;
        case '>': sb_puts(b, "&gt;"); break;
        case '&': sb_puts(b, "&amp;"); break;
        case '"': sb_puts(b, "&quot;"); break;
        default: sb_add(b, s, 1);
        }
    }
}

/* a field with tabs / newlines flattened to spaces */
static void sb_field(sbuf *b, const char *s)
{
    for (s = s ? s : ""; *s; s++)
        sb_add(b, (*s == '\t' || *s == '\n' || *s == '\r') ? " " : s, 1);
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
        if (k < NF - 1) { /* malformed */
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
    if (r->f[1][0] || strcmp(e->command ? e->command : "", r->f[0]))
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
    char when[32];
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&now));

    sbuf man = {0}, html = {0};
    sb_puts(&man, "# clvis manifest: command\tfile\tcaption\tmodel\tdevice\tms\ttime\n");
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
        sb_printf(&man, "\t%.1f\t%s\n", e[k].ms, when);
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
    sb_puts(&html, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
                   "<title>clvis: what the convnet learned</title>\n<style>\n"
                   "body{font-family:sans-serif;margin:2em;background:#fafafa;color:#222}\n"
                   "figure{display:inline-block;margin:0 1.5em 1.5em 0;vertical-align:top;"
                   "max-width:100%}\n"
                   "img{max-width:900px;image-rendering:pixelated;border:1px solid #ccc}\n"
                   "figcaption{font-size:90%;max-width:900px}\n"
                   "table{border-collapse:collapse}td,th{padding:2px 8px;border:1px solid #ddd;"
                   "font-size:90%}\n"
                   "</style></head><body>\n<h1>clvis</h1>\n"
                   "<p>Pictures of <i>Deep Learning with Python</i> &sect;5.4: intermediate "
                   "activations, filter patterns, Grad-CAM heatmaps.</p>\n");
    static const char *sections[] = {"predict", "activations", "filters", "gradcam", NULL};
    static const char *titles[] = {"Predictions", "Intermediate activations (listing 5.31)",
                                   "Filter patterns (listings 5.38-5.39)",
                                   "Grad-CAM (listings 5.42-5.44)"};
    for (int s = 0; sections[s]; s++) {
        int any = 0;
        for (int i = 0; i < n; i++)
            any |= !strcmp(rows[i].f[0], sections[s]);
        if (!any)
            continue;
        sb_printf(&html, "<h2>%s</h2>\n", titles[s]);
        for (int i = 0; i < n; i++) {
            row *r = &rows[i];
            if (strcmp(r->f[0], sections[s]))
                continue;
            if (r->f[1][0]) {
                sb_puts(&html, "<figure><a href=\"");
                sb_html(&html, r->f[1]);
                sb_puts(&html, "\"><img src=\"");
                sb_html(&html, r->f[1]);
                sb_puts(&html, "\" alt=\"");
                sb_html(&html, r->f[1]);
                sb_puts(&html, "\"></a><figcaption><b>");
                sb_html(&html, r->f[1]);
                sb_puts(&html, "</b><br>");
            } else {
                sb_puts(&html, "<p>");
            }
            sb_html(&html, r->f[2]);
            sb_puts(&html, "<br><small>model ");
            sb_html(&html, r->f[3]);
            sb_puts(&html, " &middot; device ");
            sb_html(&html, r->f[4]);
            sb_puts(&html, " &middot; ");
            sb_html(&html, r->f[5]);
            sb_puts(&html, " ms &middot; ");
            sb_html(&html, r->f[6]);
            sb_puts(&html, r->f[1][0] ? "</small></figcaption></figure>\n" : "</small></p>\n");
        }
    }
    sb_puts(&html, "<hr><small>written by clvis; entries accumulate in manifest.tsv</small>\n"
                   "</body></html>\n");
    rows_free(rows, n);
    if (html.oom) {
        free(html.p);
        return err_set(CLVIS_ERR_NO_MEMORY, "report: out of memory");
    }
    st = file_write_atomic(hpath, html.p, html.n);
    free(html.p);
    return st;
}

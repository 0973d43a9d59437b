/* labels.c — class-label files (see labels.h). */
#include "cli/labels.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void labels_free(labels *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->n; i++) {
        free(l->wnid[i]);
        free(l->name[i]);
    }
    free(l->wnid);
    free(l->name);
    memset(l, 0, sizeof *l);
}

static char *dupn(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

clvis_status labels_load(const char *path, labels *out, char *msg, size_t cap)
{
    memset(out, 0, sizeof *out);
    /* only a regular file of at most LABELS_MAX_BYTES (/dev/zero once grew to 23 GB); a FIFO
     * never blocks the open (O_NONBLOCK) */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(msg, cap, "%s: cannot open labels file: %s", path, strerror(errno));
        return CLVIS_ERR_IO;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        snprintf(msg, cap, "%s: the labels file is not a regular file", path);
        return CLVIS_ERR_IO;
    }
    if (sb.st_size > LABELS_MAX_BYTES) {
        close(fd);
        snprintf(msg, cap, "%s: labels file of %lld bytes, larger than the limit (%d MiB)", path,
                 (long long)sb.st_size, LABELS_MAX_BYTES >> 20);
        return CLVIS_ERR_FORMAT;
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        snprintf(msg, cap, "%s: cannot open labels file", path);
        return CLVIS_ERR_IO;
    }
    char line[1024];
    int room = 0, lineno = 0;
    clvis_status st = CLVIS_OK;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strcspn(line, "\r\n");
        line[len] = 0;
        if (lineno == 1 && !strncmp(line, "index\t", 6))
            continue; /* header */
        char *wn = "", *nm = line;
        size_t wl = 0, nl = len;
        char *t1 = strchr(line, '\t');
        if (t1) {
            char *t2 = strchr(t1 + 1, '\t');
            if (t2) { /* index, wnid, name */
                char *end;
                long idx = strtol(line, &end, 10);
                if (end != t1 || idx != out->n) {
                    snprintf(msg, cap, "%s:%d: expected index %d", path, lineno, out->n);
                    st = CLVIS_ERR_FORMAT;
                    break;
                }
                wn = t1 + 1;
                wl = (size_t)(t2 - wn);
                nm = t2 + 1;
                nl = strlen(nm);
            } else { /* wnid, name */
                wn = line;
                wl = (size_t)(t1 - line);
                nm = t1 + 1;
                nl = strlen(nm);
            }
        }
        if (out->n >= LABELS_MAX_COUNT) {
            snprintf(msg, cap, "%s: more than %d labels", path, LABELS_MAX_COUNT);
            st = CLVIS_ERR_FORMAT;
            break;
        }
        if (out->n == room) {
            room = room ? room * 2 : 256;
            char **a = realloc(out->wnid, (size_t)room * sizeof *a);
            if (a)
                out->wnid = a;
            char **b = realloc(out->name, (size_t)room * sizeof *b);
            if (b)
                out->name = b;
            if (!a || !b) {
                snprintf(msg, cap, "%s: out of memory", path);
                st = CLVIS_ERR_NO_MEMORY;
                break;
            }
        }
        out->wnid[out->n] = dupn(wn, wl);
        out->name[out->n] = dupn(nm, nl);
        out->n++;
        if (!out->wnid[out->n - 1] || !out->name[out->n - 1]) {
            snprintf(msg, cap, "%s: out of memory", path);
            st = CLVIS_ERR_NO_MEMORY;
            break;
        }
    }
    fclose(f);
    if (!st && out->n == 0) {
        snprintf(msg, cap, "%s: no labels", path);
        st = CLVIS_ERR_FORMAT;
    }
    if (st)
        labels_free(out);
    return st;
}

const char *labels_name(const labels *l, int i)
{
    return (l->n && i >= 0 && i < l->n) ? l->name[i] : NULL;
}

const char *labels_wnid(const labels *l, int i)
{
    return (l->n && i >= 0 && i < l->n) ? l->wnid[i] : "";
}

/* ---- finding a class by wnid or name ------------------------------------------------------- */
/* equal ignoring case, with ' ' and '_' the same ("tiger cat" is tiger_cat) */
static int loose_eq(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = tolower((unsigned char)(*a == ' ' ? '_' : *a));
        int y = tolower((unsigned char)(*b == ' ' ? '_' : *b));
        if (x != y)
            return 0;
        if (!x)
            return 1;
    }
}

static int loose_has(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t k = 0;
        while (k < n && hay[k] &&
               tolower((unsigned char)(hay[k] == ' ' ? '_' : hay[k])) ==
                   tolower((unsigned char)(needle[k] == ' ' ? '_' : needle[k])))
            k++;
        if (k == n)
            return 1;
    }
    return 0;
}

/* Levenshtein distance, case folded, capped at 99 (names longer than 63 count as far) */
static int distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    int row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int v = diag + cost;
            if (row[j] + 1 < v)
                v = row[j] + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            diag = up;
        }
    }
    return row[lb];
}

static void add_candidate(char *msg, size_t cap, const labels *l, int i, int *shown)
{
    size_t len = strlen(msg);
    if (len < cap)
        snprintf(msg + len, cap - len, "%s%s (%d%s%s)", *shown ? ", " : "", l->name[i], i,
                 l->wnid[i][0] ? " " : "", l->wnid[i]);
    (*shown)++;
}

#define CANDIDATES 5

int labels_find(const labels *l, const char *spec, int *cls, char *msg, size_t cap)
{
    *cls = -1;
    msg[0] = 0;
    int hits[CANDIDATES], nh = 0;
    /* exact (case-sensitive) wnid or name, then a loose match */
    for (int pass = 0; pass < 2 && !nh; pass++)
        for (int i = 0; i < l->n; i++) {
            int eq = pass ? loose_eq(l->wnid[i], spec) || loose_eq(l->name[i], spec)
                          : !strcmp(l->wnid[i], spec) || !strcmp(l->name[i], spec);
            if (eq && nh < CANDIDATES)
                hits[nh] = i;
            nh += eq;
        }
    if (nh == 1) {
        *cls = hits[0];
        return 0;
    }
    int shown = 0;
    if (nh > 1) {
        snprintf(msg, cap, "class '%.60s' is ambiguous: %d classes match (", spec, nh);
        for (int k = 0; k < nh && k < CANDIDATES; k++)
            add_candidate(msg, cap, l, hits[k], &shown);
        size_t len = strlen(msg);
        snprintf(msg + len, cap > len ? cap - len : 0, "%s); give the index", nh > CANDIDATES ? ", ..." : "");
        return 2;
    }
    snprintf(msg, cap, "class '%.60s' is not in the label index", spec);
    size_t head = strlen(msg);
    snprintf(msg + head, cap - head, "; close: ");
    /* the names that contain it, else the nearest by edit distance */
    for (int i = 0; i < l->n && shown < CANDIDATES; i++)
        if (strlen(spec) >= 3 && loose_has(l->name[i], spec))
            add_candidate(msg, cap, l, i, &shown);
    int limit = (int)strlen(spec) / 3 + 1;
    for (int d = 1; d <= limit && !shown; d++)
        for (int i = 0; i < l->n && shown < CANDIDATES; i++)
            if (distance(l->name[i], spec) == d)
                add_candidate(msg, cap, l, i, &shown);
    if (!shown)
        msg[head] = 0;
    return 1;
}

/* targets.c — which classes a CAM or saliency run explains (targets.h). */
#include "cli/targets.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/common.h"
#include "cli/images.h"
#include "cli/outdir.h"
#include "cli/util.h"

#define TARGETS_MAX_BYTES (16 << 20)

int target_class(const char *spec, const labels *lab, const session *s, const char *what,
                 int *cls)
{
    int nout = clvis_class_count(s->model); /* a sigmoid output: classes 0 and 1 */
    if (strchr("0123456789+-", *spec)) { /* an index, as --class reads one */
        char *end;
        errno = 0;
        long v = strtol(spec, &end, 10);
        if (end == spec || *end)
            return cli_fail("%s: expected a class index, a wnid or a name, got '%.60s'", what,
                            spec);
        if (errno || v < 0 || v >= nout)
            return cli_fail("%s: class %.40s out of range: %s has %d classes (0..%d)", what, spec,
                            s->model_path, nout, nout - 1);
        *cls = (int)v;
        return 0;
    }
    if (!lab->n)
        return cli_fail("%s: class '%.60s' is a name, and %s has no label index (%d outputs): "
                        "give --labels FILE or a class index", what, spec, s->model_path, nout);
    char msg[1024];
    if (labels_find(lab, spec, cls, msg, sizeof msg))
        return cli_fail("%s: %s", what, msg);
    if (*cls >= nout)
        return cli_fail("%s: class '%.60s' is label %d, past the model's %d outputs", what, spec,
                        *cls, nout);
    return 0;
}

void target_table_free(target_table *t)
{
    for (int i = 0; i < t->n; i++)
        free(t->path[i]);
    free(t->path);
    free(t->cls);
    memset(t, 0, sizeof *t);
}

int target_table_load(const char *file, const labels *lab, const session *s, target_table *t)
{
    memset(t, 0, sizeof *t);
    /* a regular file of bounded size, as the labels file (a FIFO never blocks the open) */
    int fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return cli_fail("--classes %s: %s", file, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || sb.st_size > TARGETS_MAX_BYTES) {
        close(fd);
        return cli_fail("--classes %s: not a regular file of at most %d MiB", file,
                        TARGETS_MAX_BYTES >> 20);
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return cli_fail("--classes %s: cannot read", file);
    }
    char line[4096];
    int lineno = 0, room = 0, rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            rc = cli_fail("%s:%d: line longer than %zu bytes", file, lineno, sizeof line - 2);
            break;
        }
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0] || line[0] == '#' || (lineno == 1 && !strcmp(line, "image\tclass")))
            continue;
        char *tab = strchr(line, '\t');
        if (!tab || tab == line || !tab[1] || strchr(tab + 1, '\t')) {
            rc = cli_fail("%s:%d: expected image<TAB>class, got '%.60s'", file, lineno, line);
            break;
        }
        *tab = 0;
        char what[1100];
        snprintf(what, sizeof what, "%s:%d", file, lineno);
        int c;
        if ((rc = target_class(tab + 1, lab, s, what, &c)))
            break;
        if (t->n == room) {
            if (room >= 1000000) {
                rc = cli_fail("%s: more than 1000000 lines", file);
                break;
            }
            room = room ? room * 2 : 64;
            char **p = realloc(t->path, (size_t)room * sizeof *p);
            if (p)
                t->path = p;
            int *q = realloc(t->cls, (size_t)room * sizeof *q);
            if (q)
                t->cls = q;
            if (!p || !q) {
                rc = cli_fail("out of host memory");
                break;
            }
        }
        if (!(t->path[t->n] = strdup(line))) {
            rc = cli_fail("out of host memory");
            break;
        }
        t->cls[t->n++] = c;
    }
    if (!rc && ferror(f))
        rc = cli_fail("--classes %s: read error", file);
    fclose(f);
    if (!rc && !t->n)
        rc = cli_fail("--classes %s: no image<TAB>class lines", file);
    if (rc)
        target_table_free(t);
    return rc;
}

int target_table_covers(const target_table *t, char *const *paths, int n, const char *file)
{
    for (int i = 0; i < n; i++) {
        int k = 0;
        while (k < t->n && strcmp(t->path[k], paths[i]))
            k++;
        if (k == t->n)
            return cli_fail("%s has no line in --classes %s (paths are matched as given)",
                            paths[i], file);
    }
    return 0;
}

int target_cap(const cli_args *o, const target_table *t)
{
    if (o->classes)
        return t->n;
    if (o->given & F_TOP)
        return (int)o->top;
    return 1;
}

int target_list(const cli_args *o, session *s, const target_table *t, const char *path, float *x,
                int *cls, int cap, int *n)
{
    *n = 0;
    if (o->classes) {
        for (int k = 0; k < t->n && *n < cap; k++)
            if (!strcmp(t->path[k], path))
                cls[(*n)++] = t->cls[k];
        return 0;
    }
    if (!(o->given & F_TOP)) {
        cls[(*n)++] = (int)o->cls; /* -1: the top-1 */
        return 0;
    }
    clvis_image orig = {0};
    clvis_status st = clvis_input_load(s->model, path, o->preprocess, x, &orig);
    clvis_image_free(&orig);
    if (cli_bad_input(st)) {
        cli_image_failed(o->json, path, st);
        return 3;
    }
    clvis_prediction *top = calloc((size_t)cap, sizeof *top);
    if (!top)
        return cli_fail("out of host memory");
    int nt = 0;
    if (!st)
        st = clvis_predict(s->model, x, cap, top, &nt, NULL, 0, NULL);
    for (int k = 0; !st && k < nt; k++)
        cls[(*n)++] = top[k].index;
    free(top);
    if (!st && (o->given & F_TOP) && nt < o->top && !cli_quiet)
        fprintf(stderr, "clvis: --top %ld: %s has %d class%s; explaining %d\n", o->top,
                s->model_path, nt, nt == 1 ? "" : "es", nt);
    return st ? cli_fail_st(st) : 0;
}

int target_check_class(const session *s, int cls)
{
    int n = clvis_class_count(s->model);
    if (cls < n)
        return 0;
    return cli_fail("class %d out of range: %s has %d classes (0..%d%s)", cls, s->model_path, n,
                    n - 1, clvis_output_count(s->model) == 1 ? "; one sigmoid output: class 1 = "
                                                              "p, class 0 = 1 - p" : "");
}

void target_suffix(const cli_args *o, int cls, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = 0;
    if ((o->given & (F_CLASS | F_TOP)) || o->classes)
        len = (size_t)snprintf(buf, cap, "_c%d", cls);
    if (o->layer && len < cap) {
        char safe[UTIL_NAME_MAX + 1];
        util_safe_name(o->layer, safe, sizeof safe);
        snprintf(buf + len, cap - len, "_%s", safe);
    }
}

int target_prepare(cli_args *o, session *s, const labels *lab, target_table *tt,
                   image_list *il, int **cls)
{
    int rc;
    if (o->classes && (rc = target_table_load(o->classes, lab, s, tt)))
        return rc;
    if ((rc = image_list_expand(o, il)))
        return rc;
    if (o->classes && (rc = target_table_covers(tt, il->path, il->n, o->classes)))
        return rc;
    if ((rc = out_prepare(o->out)))
        return rc;
    if (!(*cls = malloc((size_t)target_cap(o, tt) * sizeof **cls)))
        return cli_fail("out of host memory");
    return 0;
}

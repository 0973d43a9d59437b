/* profile.c — the per-node kernel time table of CLVIS_PROFILE (see profile.h). Events are
 * collected in enqueue order and read in batches (waiting for them), so memory stays bounded
 * on long runs; a batch's wait is a synchronisation point only in this mode. */
#include "profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PENDING_MAX 4096
#define NAME_MAX_ 96

typedef struct {
    char name[NAME_MAX_];
    char dir;
    double ns;
    long kernels;
} entry;

struct profile {
    entry *rows;
    int n_rows, cap_rows, cur;
    cl_event pending[PENDING_MAX];
    int pending_row[PENDING_MAX];
    int pending_kern[PENDING_MAX]; /* row in kern_rows, or -1 */
    entry *kern_rows;              /* the same times summed per kernel name (dir '-') */
    int n_kern, cap_kern;
    int n_pending;
    cl_ulong first_start, last_end; /* device clock, over every kernel read */
    double gap_ns;                  /* device idle between consecutive kernels */
    long kernels;
    int any;
    long xfers[2];         /* host -> device writes, device -> host reads */
    unsigned long long xbytes[2];
};

int profile_requested(void)
{
    const char *v = getenv("CLVIS_PROFILE");
    return v && *v && strcmp(v, "0") != 0;
}

/* The row of (name, dir) in a table, added when new; `none` when out of memory. */
static int table_row(entry **rows, int *n, int *cap, const char *name, char dir, int none)
{
    for (int i = 0; i < *n; i++)
        if ((*rows)[i].dir == dir && strcmp((*rows)[i].name, name) == 0)
            return i;
    if (*n == *cap) {
        int c = *cap ? *cap * 2 : 64;
        entry *r = realloc(*rows, (size_t)c * sizeof *r);
        if (!r)
            return none;
        *rows = r;
        *cap = c;
    }
    entry *e = &(*rows)[*n];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    e->dir = dir;
    return (*n)++;
}

static int row_for(profile *p, const char *name, char dir)
{
    /* row 0 is "(outside layers)", always there */
    return table_row(&p->rows, &p->n_rows, &p->cap_rows, name, dir, 0);
}

profile *profile_create(void)
{
    profile *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->rows = calloc(64, sizeof *p->rows);
    if (!p->rows) {
        free(p);
        return NULL;
    }
    p->cap_rows = 64;
    p->cur = row_for(p, "(outside layers)", '-');
    return p;
}

void profile_scope(profile *p, const char *name, char dir)
{
    if (p)
        p->cur = name ? row_for(p, name, dir) : 0;
}

/* Reads and releases every pending event, in enqueue order (the queue is in order). */
static void drain(profile *p)
{
    if (!p->n_pending)
        return;
    cl_int e = clWaitForEvents((cl_uint)p->n_pending, p->pending);
    for (int i = 0; i < p->n_pending; i++) {
        cl_ulong s = 0, t = 0;
        if (e == CL_SUCCESS &&
            clGetEventProfilingInfo(p->pending[i], CL_PROFILING_COMMAND_START, sizeof s, &s,
                                    NULL) == CL_SUCCESS &&
            clGetEventProfilingInfo(p->pending[i], CL_PROFILING_COMMAND_END, sizeof t, &t,
                                    NULL) == CL_SUCCESS &&
            t >= s) {
            if (!p->any) {
                p->first_start = s;
                p->any = 1;
            } else if (s > p->last_end) {
                p->gap_ns += (double)(s - p->last_end);
            }
            if (t > p->last_end)
                p->last_end = t;
            p->rows[p->pending_row[i]].ns += (double)(t - s);
            p->rows[p->pending_row[i]].kernels++;
            if (p->pending_kern[i] >= 0) {
                p->kern_rows[p->pending_kern[i]].ns += (double)(t - s);
                p->kern_rows[p->pending_kern[i]].kernels++;
            }
            p->kernels++;
        }
        clReleaseEvent(p->pending[i]);
    }
    p->n_pending = 0;
}

void profile_add(profile *p, cl_event ev, const char *kernel)
{
    if (!p) {
        clReleaseEvent(ev);
        return;
    }
    if (p->n_pending == PENDING_MAX)
        drain(p);
    p->pending[p->n_pending] = ev;
    p->pending_kern[p->n_pending] =
        kernel ? table_row(&p->kern_rows, &p->n_kern, &p->cap_kern, kernel, '-', -1) : -1;
    p->pending_row[p->n_pending++] = p->cur;
}

static int by_time(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    return x->ns < y->ns ? 1 : x->ns > y->ns ? -1 : strcmp(x->name, y->name);
}

void profile_transfer(profile *p, int to_host, size_t bytes)
{
    if (!p)
        return;
    p->xfers[to_host != 0]++;
    p->xbytes[to_host != 0] += bytes;
}

void profile_report(profile *p)
{
    if (!p)
        return;
    drain(p);
    if (p->kernels) {
        double span = (double)(p->last_end - p->first_start), kern = 0;
        for (int i = 0; i < p->n_rows; i++)
            kern += p->rows[i].ns;
        qsort(p->rows, (size_t)p->n_rows, sizeof *p->rows, by_time);
        double tot = span > 0 ? span : 1;
        fprintf(stderr, "clvis profile: %ld kernels, %.3f ms from the first kernel's start to "
                        "the last one's end\n", p->kernels, span / 1e6);
        fprintf(stderr, "clvis profile: transfers: %ld host->device (%llu bytes), %ld "
                        "device->host (%llu bytes)\n", p->xfers[0], p->xbytes[0], p->xfers[1],
                p->xbytes[1]);
        fprintf(stderr, "%-40s %-8s %8s %12s %7s\n", "layer", "pass", "kernels", "ms", "share");
        for (int i = 0; i < p->n_rows; i++) {
            const entry *r = &p->rows[i];
            if (!r->kernels)
                continue;
            fprintf(stderr, "%-40s %-8s %8ld %12.3f %6.1f%%\n", r->name,
                    r->dir == 'F' ? "forward" : r->dir == 'B' ? "backward" : "-", r->kernels,
                    r->ns / 1e6, 100.0 * r->ns / tot);
        }
        fprintf(stderr, "%-40s %-8s %8s %12.3f %6.1f%%\n", "(between kernels: host, transfers)",
                "-", "", p->gap_ns / 1e6, 100.0 * p->gap_ns / tot);
        fprintf(stderr, "%-40s %-8s %8ld %12.3f %6.1f%%\n", "(all kernels)", "-", p->kernels,
                kern / 1e6, 100.0 * kern / tot);
        if (p->n_kern) {
            qsort(p->kern_rows, (size_t)p->n_kern, sizeof *p->kern_rows, by_time);
            fprintf(stderr, "%-40s %-8s %8s %12s %7s\n", "kernel", "", "launches", "ms", "share");
            for (int i = 0; i < p->n_kern; i++) {
                const entry *r = &p->kern_rows[i];
                if (r->kernels)
                    fprintf(stderr, "%-40s %-8s %8ld %12.3f %6.1f%%\n", r->name, "",
                            r->kernels, r->ns / 1e6, 100.0 * r->ns / tot);
            }
        }
    }

    free(p->kern_rows);
    free(p->rows);
    free(p);
}

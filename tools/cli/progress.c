/* progress.c — progress lines of the command line (progress.h). */
#include "cli/progress.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/common.h"
#include "cli/util.h"

static struct {
    int active, shown; /* a task is running; its line is on a terminal now (no newline yet) */
    char task[512];
    long done, total, printed_done;
    int lines; /* lines (or redraws) shown of this task */
    double t0, printed_ms;
} cur;

int cli_count_tty(void)
{
    static int tty = -1;
    if (tty < 0)
        tty = isatty(STDERR_FILENO) == 1;
    return tty;
}

static void fmt_secs(char *buf, size_t cap, double s)
{
    if (s < 10)
        snprintf(buf, cap, "%.1f s", s);
    else if (s < 60)
        snprintf(buf, cap, "%.0f s", s);
    else if (s < 3600)
        snprintf(buf, cap, "%d min %02d s", (int)(s / 60), (int)s % 60);
    else
        snprintf(buf, cap, "%d h %02d min", (int)(s / 3600), (int)(s / 60) % 60);
}

static void draw(double now, int final)
{
    char line[900], el[32], eta[32];
    double secs = (now - cur.t0) / 1000.0;
    fmt_secs(el, sizeof el, secs);
    if (cur.total == 1) /* one step of unknown length */
        snprintf(line, sizeof line, "%s%s%s", cur.task, final ? ": done in " : " ...",
                 final ? el : "");
    else {
        int pct = cur.total > 0 ? (int)(100.0 * cur.done / cur.total) : 0;
        int n = snprintf(line, sizeof line, "%s: %ld/%ld (%d%%), %s", cur.task, cur.done,
                         cur.total, pct, el);
        if (!final && cur.done > 0 && cur.done < cur.total && secs >= 0.5 && n > 0 &&
            (size_t)n < sizeof line) {
            fmt_secs(eta, sizeof eta, secs * (double)(cur.total - cur.done) / (double)cur.done);
            snprintf(line + n, sizeof line - (size_t)n, ", ETA %s", eta);
        }
    }
    if (cli_count_tty()) {
        fprintf(stderr, "\r%s\033[K%s", line, final ? "\n" : "");
        cur.shown = !final;
    } else
        fprintf(stderr, "%s\n", line);
    fflush(stderr);
    cur.printed_ms = now;
    cur.printed_done = cur.done;
    cur.lines++;
}

void cli_count_end(void)
{
    if (!cur.active)
        return;
    draw(util_now_ms(), 1); /* the last state: one line per task */
    cur.active = cur.shown = 0;
}

void cli_count_clear(void)
{
    if (cur.shown) {
        fprintf(stderr, "\r\033[K");
        cur.shown = 0;
    }
}

void cli_count(void *user, const char *task, long done, long total)
{
    (void)user;
    if (cli_quiet || !task)
        return;
    double now = util_now_ms();
    if (!cur.active || strcmp(cur.task, task) || done < cur.done) {
        /* a task left unfinished (its step failed): no "done" line, its terminal line cleared */
        cli_count_clear();
        memset(&cur, 0, sizeof cur);
        snprintf(cur.task, sizeof cur.task, "%s", task);
        cur.active = 1;
        cur.t0 = cur.printed_ms = now;
    }
    cur.done = done;
    cur.total = total;
    if (total > 0 && done >= total) {
        cli_count_end();
        return;
    }
    double since = now - cur.printed_ms, run = now - cur.t0;
    if (total == 1) { /* a step of unknown length: on a terminal its start, at once */
        if (!cur.lines && cli_count_tty())
            draw(now, 0);
        return;
    }
    if (cli_count_tty()) { /* a terminal: the first update at once, then 10 redraws a second */
        if (!cur.shown || since >= 100)
            draw(now, 0);
        return;
    }
    long step = total / 10 > 0 ? total / 10 : 1;
    if ((run >= 3000 && since >= 3000 && (!cur.lines || done - cur.printed_done >= step)) ||
        since >= 10000)
        draw(now, 0);
}

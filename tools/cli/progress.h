/* progress.h — the command line's progress lines on stderr: one line per long task (filter
 * steps, images, the first kernel build) that rewrites itself on a terminal ("\r", isatty),
 * plain lines when stderr is not a terminal (the first after 3 s, then one per 10% of the work
 * at least 3 s after the last, or one per 10 s; and the last), nothing with
 * --quiet. "task: done/total (pct%), elapsed, ETA" where the work is known. */
#ifndef CLVIS_CLI_PROGRESS_H
#define CLVIS_CLI_PROGRESS_H

/* clvis_count_fn: task `task` is `done` of `total` units along (total 1: one step of unknown
 * length, such as a kernel build: its start on a terminal, its end everywhere; a step that
 * fails leaves no line of its own but the error). A new task ends the one before. */
void cli_count(void *user, const char *task, long done, long total);
/* Ends the current task's line (a newline on a terminal); nothing when none. */
void cli_count_end(void);
/* Before other text on stderr: a terminal's progress line is cleared (it comes back with the
 * next update). */
void cli_count_clear(void);
/* 1 when stderr is a terminal (and the line rewrites itself). */
int cli_count_tty(void);

#endif

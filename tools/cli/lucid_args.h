/* lucid_args.h — the options of `clvis filters --style lucid` (feature visualisation as Lucid
 * does it): their own small table, parsed by args.c for the filters command only, so the F_*
 * bits stay for the commands' common options. */
#ifndef CLVIS_CLI_LUCID_ARGS_H
#define CLVIS_CLI_LUCID_ARGS_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    int style;        /* 0 book (default), 1 lucid */
    int given;        /* 1: some lucid-only option was given (needs --style lucid) */
    double lr, tv, l1, blur;
    double diversity; /* --diversity W: the weight of the diversity term (0: none) */
    int param;        /* clvis_lucid_param; -1: default (fft) */
    int decorrelate;  /* -1 default (on), 0, 1 */
    int transforms;   /* -1 default (on), 0, 1 */
    int objective;    /* clvis_lucid_objective; -1: default (channel) */
    int optimizer;    /* clvis_lucid_optimizer; -1: default (adam) */
    const char *direction; /* --direction W0,W1,...: numbers checked, parsed by the command */
    int direction_n;
} cli_lucid_args;

/* Parses --direction's list into w (cap values); the count, or -1 when it is not a list of
 * numbers. */
int cli_lucid_direction(const char *list, float *w, int cap);

void cli_lucid_defaults(cli_lucid_args *l);
/* name (nl bytes, after "--") is one of the table's: returns 1 and sets *r (CLI_RUN, or
 * CLI_USAGE with msg); 0 when it is not one of them. takes_value: *needs set to whether it
 * takes a value, to be given in val (NULL when the caller has not read it yet). */
int cli_lucid_find(const char *name, size_t nl, int *takes_value);
int cli_lucid_set(cli_lucid_args *l, const char *name, size_t nl, const char *val, char *msg,
                  size_t cap);
void cli_lucid_help(FILE *f);

#endif

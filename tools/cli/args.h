/* args.h — the command line of `clvis`, parsed without side effects: commands, flags,
 * numbers and every check that needs no model. It never prints or exits, so the whole grammar
 * can be tested and fuzzed (tests/fuzz/fuzz_cli.c); tools/cli/main.c prints and runs. The
 * command table (COMMANDS in args.c) is the only list of commands: name, options, help and the
 * run function (commands.h), which the grammar never calls. */
#ifndef CLVIS_CLI_ARGS_H
#define CLVIS_CLI_ARGS_H

#include <stddef.h>
#include <stdio.h>

#include "clvis.h"
#include "cli/lucid_args.h"

/* one bit per option */
enum {
    F_DEVICE = 1 << 0, F_MODEL = 1 << 1, F_OUT = 1 << 2, F_QUIET = 1 << 3, F_JSON = 1 << 4,
    F_SEED = 1 << 5, F_LAYERS = 1 << 6, F_LAYER = 1 << 7, F_FILTER = 1 << 8, F_SIZE = 1 << 9,
    F_CLASS = 1 << 10, F_SCORE = 1 << 11, F_TOP = 1 << 12, F_LABELS = 1 << 13,
    F_PREPROCESS = 1 << 14, F_INIT = 1 << 15, F_CHUNK = 1 << 16, F_STEPS = 1 << 17,
    F_ARCH = 1 << 18, F_GRAD = 1 << 19, F_RUNS = 1 << 20, F_QUICK = 1 << 21,
    F_WORKLOAD = 1 << 22, F_REFERENCE = 1 << 23, F_FILTER_RUNS = 1 << 24, F_CONFIG = 1 << 25,
    F_METHOD = 1 << 26,
    /* saliency (bits 28-30, leaving 27 free) */
    F_SAMPLES = 1 << 28, F_NOISE = 1 << 29, F_BASELINE = 1 << 30
};

typedef struct cli_args cli_args;

typedef struct {
    const char *name;
    int flags; /* F_* bits: the options the command takes */
    const char *usage;
    const char *about;
    int (*run)(cli_args *a); /* the exit status: 0, 1 (runtime failure) */
} cli_command;

struct cli_args {
    const cli_command *cmd; /* NULL: no (known) command */
    const char *device, *model, *arch, *config, *out, *layers, *layer, *labels, *init, *workloads;
    const char *method; /* --method: a name of clvis_cam_method_name() (checked), for saliency
                           of clvis_saliency_method_name(); NULL: none */
    int given; /* F_* bits of the options on the command line */
    int quiet, json, logit, quick;
    int preprocess; /* -1: model default, else clvis_preprocess */
    long seed, filter, size, cls, top, chunk, steps;
    long runs, reference, filter_runs; /* bench */
    long samples;                       /* saliency: --samples (25) */
    double noise;                       /* saliency: --noise (0.15) */
    int baseline;                       /* saliency: --baseline, a clvis_baseline (black) */
    const char *grad;                   /* --grad LAYER:CHANNEL as given, split into: */
    char grad_layer[256];
    long grad_channel;
    cli_lucid_args lucid;               /* filters: --style lucid and its options */
    char **pos; /* positional arguments (pointers into argv); free with cli_free */
    int npos;
};

typedef enum {
    CLI_RUN,  /* run a->cmd */
    CLI_HELP, /* print help: cli_help(a->cmd), or cli_usage_all when a->cmd is NULL */
    CLI_USAGE, /* usage error: msg says why (one line); a->cmd is NULL for an unknown command */
    CLI_VERSION /* `clvis --version`: print "clvis <clvis_version()>" */
} cli_result;

/* argv[0] is the command name (the program name already dropped). */
cli_result cli_parse(int argc, char **argv, cli_args *a, char *msg, size_t cap);
void cli_free(cli_args *a);

void cli_usage_all(FILE *f);
void cli_help(FILE *f, const cli_command *c);

/* "a,b,c" -> layer indices (malloc'd, *n >= 1). Blank items are skipped. Returns 0, or 1 with
 * msg set (unknown layer with the valid names, nothing given, out of memory). */
int cli_layer_list(clvis_model *m, const char *list, int **ids, int *n, char *msg, size_t cap);

#endif

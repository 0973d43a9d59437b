/* args.h — the command line of `clvis`, parsed without side effects: commands, flags,
 * numbers and every check that needs no model. It never prints or exits, so the whole grammar
 * can be tested and fuzzed (tests/fuzz/fuzz_cli.c); tools/cli/main.c prints and runs. The
 * command table (COMMANDS in args.c) is the only list of commands: name, options, help and the
 * run function (commands.h), which the grammar never calls. */
#ifndef CLVIS_CLI_ARGS_H
#define CLVIS_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "clvis.h"
#include "cli/lucid_args.h"

/* one bit per option (64 bits: an enum constant must fit an int) */
typedef uint64_t cli_flags;
#define F_BIT(n) ((cli_flags)1 << (n))
#define F_DEVICE F_BIT(0)
#define F_MODEL F_BIT(1)
#define F_OUT F_BIT(2)
#define F_QUIET F_BIT(3)
#define F_JSON F_BIT(4)
#define F_SEED F_BIT(5)
#define F_LAYERS F_BIT(6)
#define F_LAYER F_BIT(7)
#define F_FILTER F_BIT(8)
#define F_SIZE F_BIT(9)
#define F_CLASS F_BIT(10)
#define F_SCORE F_BIT(11)
#define F_TOP F_BIT(12)
#define F_LABELS F_BIT(13)
#define F_PREPROCESS F_BIT(14)
#define F_INIT F_BIT(15)
#define F_CHUNK F_BIT(16)
#define F_STEPS F_BIT(17)
#define F_ARCH F_BIT(18)
#define F_GRAD F_BIT(19)
#define F_RUNS F_BIT(20)
#define F_QUICK F_BIT(21)
#define F_WORKLOAD F_BIT(22)
#define F_REFERENCE F_BIT(23)
#define F_FILTER_RUNS F_BIT(24)
#define F_CONFIG F_BIT(25)
#define F_METHOD F_BIT(26)
#define F_SAMPLES F_BIT(28)
#define F_NOISE F_BIT(29)
#define F_BASELINE F_BIT(30)
#define F_FORMAT F_BIT(27)
#define F_GROUP F_BIT(31)
#define F_RECURSIVE F_BIT(32)
#define F_MAX_PIXELS F_BIT(33)
#define F_SHARD F_BIT(34)
#define F_SPLIT F_BIT(35)
#define F_BATCH F_BIT(36)
#define F_FILTERS F_BIT(37)
/* evaluate */
#define F_METRIC F_BIT(40)
#define F_KERNELS F_BIT(58) /* every command with a device: --kernels SPEC (src/cl/select.c) */
#define F_PROFILE F_BIT(50) /* bench --profile: CLVIS_PROFILE=1 for the run */
#define F_CLASSES F_BIT(45) /* targets: gradcam / saliency --classes FILE */
#define F_EXPLAIN_MODEL F_BIT(42) /* bench --explain-model FILE: scorecam, smoothgrad, ig */
#define F_IG_STEPS F_BIT(43)      /* bench --ig-steps N */
/* dream */
#define F_OCTAVES F_BIT(46)
#define F_OCTAVE_SCALE F_BIT(47)
#define F_STEP F_BIT(48)

typedef struct cli_args cli_args;

typedef struct {
    const char *name;
    cli_flags flags; /* F_* bits: the options the command takes */
    const char *usage;
    const char *about;
    int (*run)(cli_args *a); /* the exit status: 0, 1 (runtime failure) */
} cli_command;

#define CLI_MAX_METHODS 32 /* gradcam --method lists */

struct cli_args {
    const cli_command *cmd; /* NULL: no (known) command */
    const char *kernels; /* --kernels SPEC: clvis_ctx_options.kernels (NULL: $CLVIS_KERNELS) */
    const char *device, *model, *arch, *config, *out, *layers, *layer, *labels, *init, *workloads;
    const char *method; /* --method: a name of clvis_cam_method_name() (checked), for saliency
                           of clvis_saliency_method_name(); NULL: none */
    /* gradcam --method all or a comma list: the names (pointers into the library's table), in
       the order given, without repeats; nmethods 0: one method (method above) */
    const char *methods[CLI_MAX_METHODS];
    int nmethods;
    cli_flags given; /* F_* bits of the options on the command line */
    int quiet, json, logit, quick;
    int preprocess; /* -1: model default, else clvis_preprocess */
    long seed, filter, size, cls, top, chunk, steps;
    long runs, reference, filter_runs; /* bench */
    const char *explain_model;          /* bench --explain-model; NULL: the default model */
    long ig_steps;                      /* bench --ig-steps (32) */
    long samples;                       /* saliency: --samples (25) */
    double noise;                       /* saliency: --noise (0.15) */
    int baseline;                       /* saliency: --baseline, a clvis_baseline (black) */
    int format_png; /* --format png: CAM overlays as PNG (default JPEG, quality 95) */
    const char *group; /* predict --group: "catdog"; NULL: none */
    long batch;                         /* gradcam --batch: 0 = the library's choice */
    const char *filters_spec; /* --filters as given */
    int *filters; /* --filters 0,5,9-12: the indices in order (malloc'd; cli_free) */
    int n_filters;
    const char *grad;                   /* --grad LAYER:CHANNEL as given, split into: */
    char grad_layer[256];
    long grad_channel;
    int recursive;   /* --recursive: FOLDERs with their subfolders */
    long max_pixels; /* --max-pixels: the decoders' limit (default 100000000) */
    long shard_k, shard_n; /* --shard K/N: 0 <= K < N; shard_n 0: the whole list */
    int split;             /* --split (with --device all): one part per device */
    const char *metrics; /* evaluate: --metric, a comma list of clvis_metric_name() (checked);
                            --method there is a comma list of CAM and saliency methods */
    cli_lucid_args lucid;               /* filters: --style lucid and its options */
    long octaves;          /* dream: --octaves N (3) */
    double octave_scale;   /* dream: --octave-scale F (1.4) */
    double step;           /* dream: --step F (0.01) */
    const char *class_name; /* --class given as a wnid or name (cls -1): resolved with the labels */
    const char *classes;    /* --classes FILE: image<TAB>class lines */
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

/* session.h — a command's device context and model: --device, --model (default: the bundled
 * MobileNetV2 from the data directory), --arch; and its class labels (--labels, else the
 * bundled ImageNet index for a 1000-class model). */
#ifndef CLVIS_CLI_SESSION_H
#define CLVIS_CLI_SESSION_H

#include "clvis.h"
#include "cli/args.h"
#include "cli/labels.h"

typedef struct {
    clvis_ctx *ctx;
    clvis_model *model;
    const char *model_path;
    char device[400]; /* "name (platform)" */
} session;

/* 0, or 1 after cli_fail (nothing left open). with_model 0: the context only. */
int session_open(const cli_args *o, session *s, int with_model);
/* The kernel choices of the environment ($CLVIS_CONV=ref|fast|blk|wino|dw, $CLVIS_DENSE=cols|rows,
 * $CLVIS_CONV_OC_INNER=1|0) into context options. */
void session_kernel_env(clvis_ctx_options *co);
void session_close(session *s);

/* One note on stderr (once per process; none with --quiet or --preprocess) after a command's
 * first result: which preprocessing was used when the model states none, and how to change
 * it. filters: the command feeds raw pixels (the book) whatever the model states, and says so
 * when the model expects another preprocessing or states none. */
void session_preprocess_note(const cli_args *o, const session *s, int filters);
/* "raw (pixels 0..255)", "scale (x/255)", ... */
const char *session_preprocess_desc(clvis_preprocess p);

/* 0 (lab empty when there are no labels to use), or 1 after cli_fail. */
int session_labels(const cli_args *o, const session *s, labels *lab);

#endif

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
/* The kernel choices of the environment ($CLVIS_CONV=ref, $CLVIS_DENSE=cols|rows,
 * $CLVIS_CONV_OC_INNER=1|0) into context options. */
void session_kernel_env(clvis_ctx_options *co);
void session_close(session *s);

/* 0 (lab empty when there are no labels to use), or 1 after cli_fail. */
int session_labels(const cli_args *o, const session *s, labels *lab);

#endif
